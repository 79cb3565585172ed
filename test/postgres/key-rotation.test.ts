// Scheduled virtual-key rotation run by two instances at once on one PostgreSQL database: every due
// template is rotated by exactly one of them, every key exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateDueKeys } from '../../server/domain/key-rotation.js';
import { openDatabase } from '../../server/store/open.js';
import type { Database } from '../../server/store/database.js';
import { loadConfig } from '../../server/config.js';
import { dropSchema, newSchemaName, schemaUrl } from '../support/pg-schema.js';
import { createProfile, usersHoldingCopies } from '../support/profiles.js';
import { type TestServer, suiteServer } from '../support/server.js';

const schema = newSchemaName('rotation');
let t: TestServer;
let other: Database;

beforeAll(async () => {
  t = await suiteServer({ databaseUrl: schemaUrl(schema), env: { ROTATION_CHECK_MS: '0' } });
  // a second instance's store: its own pool of connections to the same database
  other = await openDatabase(loadConfig({ DATABASE_URL: schemaUrl(schema) }));
}, 60_000);
afterAll(async () => {
  await other?.close();
  await t?.close();
  await dropSchema(schema);
});

describe('two instances rotating at once', () => {
  it('When both run the rotation at the same moment, then each due template is rotated by one of them and each key exactly once', async () => {
    const templates = [];
    for (let i = 0; i < 6; i++) {
      const p = await createProfile(t, { auto_rotation_interval: '1d' } as never);
      await usersHoldingCopies(t, p.id, 3);
      templates.push(p);
    }
    const due = new Date(Math.max(...templates.map((p) => new Date(p.next_rotation_at!).getTime())) + 1000);
    const runs = await Promise.all([
      rotateDueKeys(t.db, due, 2),
      rotateDueKeys(other, due, 2),
      rotateDueKeys(t.db, due, 2),
      rotateDueKeys(other, due, 2),
    ]);
    expect(runs.reduce((n, r) => n + r.profiles, 0)).toBe(6);
    expect(runs.reduce((n, r) => n + r.keys, 0)).toBe(18);
    const perKey = await t.db.all<{ n: number }>(
      "SELECT COUNT(*) AS n FROM audit_logs WHERE action = 'rotate_virtual_key' GROUP BY new_values",
    );
    expect(perKey.map((r) => Number(r.n))).toEqual(Array(18).fill(1));
    const summaries = await t.db.all<{ access_profile_id: number; n: number }>(
      "SELECT access_profile_id, COUNT(*) AS n FROM audit_logs WHERE action = 'rotate_virtual_keys' GROUP BY access_profile_id",
    );
    expect(summaries.map((r) => Number(r.n))).toEqual(Array(6).fill(1));
  });
});
