// Data survive a restart on the same SQLite file, and the first admin key is generated (and shown)
// exactly once: only when the store holds no key yet.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapAdminKey } from '../../server/domain/api-keys.js';
import { ALL_SCOPES } from '../../server/domain/scopes.js';
import { openDatabase } from '../../server/store/open.js';
import { loadConfig } from '../../server/config.js';
import { startTestServer, storeCounts, tempSqliteUrl, TEST_ADMIN_KEY, uniqueName } from '../support/server.js';

const dirs: string[] = [];
const freshStore = () => {
  const { url, dir } = tempSqliteUrl();
  dirs.push(dir);
  return url;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('restart on the same SQLite file', () => {
  it('When the server restarts, then profiles, versions, audit entries, API keys and counters are all still there', async () => {
    const databaseUrl = freshStore();
    const first = await startTestServer({ databaseUrl });
    const created = await first.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName('persist'),
        tags: ['keep'],
        provider_configs: [{ provider_name: 'openai', budgets: [{ max_limit: 5, reset_duration: '1d' }] }],
        budgets: [{ max_limit: 50, reset_duration: '1M' }],
      },
    });
    const p = created.data!.access_profile;
    const updated = (
      await first.client.PUT('/api/access-profiles/{id}', {
        params: { path: { id: p.id } },
        body: { description: 'after v2' },
      })
    ).data!.access_profile;
    const key = (
      await first.client.POST('/api/api-keys', { body: { name: 'survivor', scopes: ['AccessProfiles:View'] } })
    ).data!.api_key;
    const deleted = (await first.client.POST('/api/access-profiles', { body: { name: uniqueName('gone') } })).data!
      .access_profile;
    await first.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: deleted.id } } });
    const countsBefore = await storeCounts(first.db);
    const versionsBefore = (
      await first.client.GET('/api/access-profiles/{id}/versions', { params: { path: { id: p.id } } })
    ).data;
    const auditBefore = (
      await first.client.GET('/api/access-profiles/audit-logs', { params: { query: { limit: 500 } } })
    ).data;
    await first.close({ keepData: true });

    const second = await startTestServer({ databaseUrl });
    try {
      expect(second.generatedAdminKey).toBeNull();
      expect(await storeCounts(second.db)).toEqual(countsBefore);
      const got = await second.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
      expect(got.data!.access_profile).toEqual(updated);
      expect(got.response.headers.get('etag')).toBe('"2"');
      expect(
        (await second.client.GET('/api/access-profiles/{id}/versions', { params: { path: { id: p.id } } })).data,
      ).toEqual(versionsBefore);
      expect(
        (await second.client.GET('/api/access-profiles/audit-logs', { params: { query: { limit: 500 } } })).data,
      ).toEqual(auditBefore);
      const byTag = await second.client.GET('/api/access-profiles', { params: { query: { tags: 'keep' } } });
      expect(byTag.data!.access_profiles.map((x) => x.id)).toEqual([p.id]);
      const list = await second.client.GET('/api/access-profiles', { params: { query: { limit: 1 } } });
      expect(list.data!.total_count).toBe(countsBefore.profiles);
      // The created key still authenticates (it was stored hashed, not in memory).
      expect((await second.clientWith(key.key).GET('/api/access-profiles')).response.status).toBe(200);
      // Ids keep counting: no reuse of the deleted profile's id or of provider config ids.
      const next = (
        await second.client.POST('/api/access-profiles', {
          body: { name: uniqueName('next'), provider_configs: [{ provider_name: 'x' }] },
        })
      ).data!.access_profile;
      expect(next.id).toBeGreaterThan(deleted.id);
      expect(next.provider_configs[0]!.id).toBeGreaterThan(p.provider_configs[0]!.id);
      // The deleted profile's history is still there.
      const gone = await second.client.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: deleted.id } },
      });
      expect(gone.data!.audit_logs.map((l) => l.action)).toEqual(['delete', 'create']);
      // Migrations are recorded once and not re-applied.
      const migrations = await second.db.all<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(migrations.length).toBeGreaterThan(0);
      expect(new Set(migrations.map((m) => m.version)).size).toBe(migrations.length);
    } finally {
      await second.close();
    }
  });
});

describe('first admin key', () => {
  it('When the server starts on an empty store without ADMIN_API_KEY, then it generates one key with every scope, once', async () => {
    const databaseUrl = freshStore();
    const first = await startTestServer({ databaseUrl, adminKey: null });
    expect(first.generatedAdminKey).toMatch(/^\S{32,}$/);
    const keys = await first.client.GET('/api/api-keys');
    expect(keys.data!.api_keys).toHaveLength(1);
    expect(keys.data!.api_keys[0]).toMatchObject({ name: 'admin', scopes: ALL_SCOPES });
    expect(first.generatedAdminKey!.startsWith(keys.data!.api_keys[0]!.prefix)).toBe(true);
    await first.close({ keepData: true });

    const second = await startTestServer({ databaseUrl, adminKey: null });
    try {
      expect(second.generatedAdminKey).toBeNull();
      const again = second.clientWith(first.generatedAdminKey!);
      const list = await again.GET('/api/api-keys');
      expect(list.data!.total_count).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('When ADMIN_API_KEY is set, then it is registered once (by hash) and nothing is generated, across restarts', async () => {
    const databaseUrl = freshStore();
    const first = await startTestServer({ databaseUrl });
    expect(first.generatedAdminKey).toBeNull();
    await first.close({ keepData: true });
    const second = await startTestServer({ databaseUrl });
    try {
      const keys = await second.client.GET('/api/api-keys');
      expect(keys.data!.api_keys).toHaveLength(1);
      expect(keys.data!.api_keys[0]!.scopes).toEqual(ALL_SCOPES);
      const row = await second.db.get<{ key_hash: string }>('SELECT key_hash FROM api_keys');
      expect(row!.key_hash).not.toContain(TEST_ADMIN_KEY);
    } finally {
      await second.close();
    }
  });

  it('When bootstrapAdminKey runs directly, then it generates only on an empty store and reuses a configured key', async () => {
    const db = await openDatabase(loadConfig({ DATABASE_URL: freshStore() }));
    try {
      const generated = await bootstrapAdminKey(db, undefined);
      expect(generated.generated).toMatch(/^\S{32,}$/);
      expect(await bootstrapAdminKey(db, undefined)).toEqual({ generated: null, id: null });
      const configured = await bootstrapAdminKey(db, 'configured-admin-key-123456');
      expect(configured.generated).toBeNull();
      expect(await bootstrapAdminKey(db, 'configured-admin-key-123456')).toEqual({
        generated: null,
        id: configured.id,
      });
      expect((await db.all('SELECT id FROM api_keys')).length).toBe(2);
    } finally {
      await db.close();
    }
  });
});

// ---- the real process: `npm start` prints the generated key once, never in the structured log ----
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  url: string;
}
async function startProcess(databaseUrl: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ADMIN_API_KEY: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}${err}`)), 20_000);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}:\n${out}${err}`));
    });
  });
  await new Promise((r) => setTimeout(r, 300)); // the banner follows the ready log line
  return { child, stdout: () => out, stderr: () => err, url };
}
async function stopProcess(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGTERM');
  });
}

describe('the server process', () => {
  it('When started twice on a fresh store without ADMIN_API_KEY, then the first start prints a working key once on stderr (stdout stays JSON) and the second prints none', async () => {
    const databaseUrl = freshStore();
    const first = await startProcess(databaseUrl);
    const key = /First admin API key[^\n]*\n\s*\n\s*(\S+)/.exec(first.stderr())?.[1];
    expect(key, first.stderr()).toBeTruthy();
    const lines = first.stdout().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow(); // a log shipper reads stdout line by line
      expect(line).not.toContain(key!); // never in the structured log
    }
    expect(first.stdout()).toContain('first admin API key generated');
    const res = await fetch(`${first.url}/api/api-keys`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await stopProcess(first)).toBe(0);

    const second = await startProcess(databaseUrl);
    expect(second.stderr()).not.toContain('First admin API key');
    const again = await fetch(`${second.url}/api/api-keys`, { headers: { Authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
    expect(await stopProcess(second)).toBe(0);
  });
});
