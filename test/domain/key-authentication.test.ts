// Who a management key authenticates, on a real (in-memory SQLite) store: expiry is judged when the key
// has been read, so a lookup that waits for the store cannot stretch a key's life.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createApiKey, keyAuthenticator } from '../../server/domain/api-keys.js';
import { hashSecret } from '../../server/domain/secrets.js';
import type { Database } from '../../server/store/database.js';
import { openDatabase } from '../../server/store/open.js';

let db: Database;
beforeEach(async () => {
  db = await openDatabase(loadConfig({ DATABASE_URL: 'sqlite::memory:' }));
});
afterEach(async () => {
  await db.close();
});

const newKey = (expiresAt: string | null) =>
  createApiKey(db, null, { name: `k-${Math.random()}`, scopes: ['AccessProfiles:View'], expires_at: expiresAt });

describe('key authentication', () => {
  it('When a key that is valid when its lookup starts has expired by the time the lookup returns, then it is expired', async () => {
    const expiresAt = Date.now() + 60_000;
    const key = await newKey(new Date(expiresAt).toISOString());
    let now = expiresAt - 1000;
    // The store answers the lookup only after the key's expiry, as a store waiting on a lock would.
    const slowStore: Database = {
      ...db,
      get: async (sql, params) => {
        const row = await db.get(sql, params);
        now = expiresAt + 1;
        return row as never;
      },
    };
    const check = await keyAuthenticator(slowStore, () => now)(hashSecret(key.key));
    expect(check).toEqual({ expiredAt: key.expires_at });
  });

  it('When a key is used, then it is its principal, and its last use is recorded once a minute at most', async () => {
    const key = await newKey(null);
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const authenticate = keyAuthenticator(db, () => now);
    const first = await authenticate(hashSecret(key.key));
    expect(first).toMatchObject({ principal: { keyId: key.id, actor: `${key.name} (${key.id})`, expiresAt: null } });
    const lastUsed = async () =>
      (await db.get<{ last_used_at: string }>('SELECT last_used_at FROM api_keys WHERE id = ?', [key.id]))!
        .last_used_at;
    expect(await lastUsed()).toBe('2026-12-01T10:00:00.000Z');
    now += 59_000;
    await authenticate(hashSecret(key.key));
    expect(await lastUsed()).toBe('2026-12-01T10:00:00.000Z');
    now += 2_000;
    await authenticate(hashSecret(key.key));
    expect(await lastUsed()).toBe('2026-12-01T10:01:01.000Z');
  });

  it('When the hash names no key, then it is unknown', async () => {
    expect(await keyAuthenticator(db)(hashSecret('no such key'))).toEqual({ unknown: true });
  });
});
