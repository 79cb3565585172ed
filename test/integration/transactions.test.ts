// Every change is one transaction: a write that fails half-way (here: a trigger that aborts the audit
// or version insert, the last writes of a change) leaves no profile, no version, no audit entry, no tag
// and no counter change behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { createProfile } from '../support/profiles.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  await dropTrigger('fail_audit', 'audit_logs');
  await dropTrigger('fail_version', 'profile_versions');
});

// A trigger that makes every insert into `table` fail, in the dialect of the store under test.
async function failInserts(name: string, table: string): Promise<void> {
  if (t.db.kind === 'sqlite') {
    await t.db.run(
      `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'injected ${table} failure'); END`,
    );
    return;
  }
  await t.db.run(
    `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected ${table} failure'; END $$`,
  );
  await t.db.run(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`);
}
async function dropTrigger(name: string, table: string): Promise<void> {
  await t.db.run(
    t.db.kind === 'sqlite' ? `DROP TRIGGER IF EXISTS ${name}` : `DROP TRIGGER IF EXISTS ${name} ON ${table}`,
  );
}
const failAuditInserts = () => failInserts('fail_audit', 'audit_logs');
const failVersionInserts = () => failInserts('fail_version', 'profile_versions');

/** Everything a template change can write, row by row. */
async function snapshot() {
  return {
    counts: await storeCounts(t.db),
    profiles: await t.db.all('SELECT * FROM access_profiles ORDER BY id'),
    tags: await t.db.all('SELECT * FROM profile_tags ORDER BY access_profile_id, tag'),
    counters: await t.db.all('SELECT * FROM counters ORDER BY name'),
    versions: await t.db.all('SELECT id FROM profile_versions ORDER BY id'),
  };
}

const FULL = {
  tags: ['t1', 't2'],
  provider_configs: [
    { provider_name: 'openai', budgets: [{ max_limit: 1, reset_duration: '1d' as const }] },
    { provider_name: 'anthropic' },
  ],
  budgets: [{ max_limit: 10, reset_duration: '1M' as const }],
};

describe('a write that fails half-way leaves nothing', () => {
  it('When the audit insert of a create fails, then it answers the 500 envelope and no profile, version, tag or counter change remains', async () => {
    const before = await snapshot();
    const name = uniqueName('tx-create');
    await failAuditInserts();
    const res = await t.client.POST('/api/access-profiles', {
      body: { name, ...FULL },
      params: { header: { 'X-Request-Id': 'tx-create-1' } },
    });
    const env = expectEnvelope(res.error, 500, 'internal_error', res.response);
    expect(env.event_id).toBe('tx-create-1');
    expect(env.error.type).toBe('api_error');
    expect(JSON.stringify(env)).not.toContain('injected'); // no internals leak
    expect(await snapshot()).toEqual(before);
    const list = await t.client.GET('/api/access-profiles', { params: { query: { search: name } } });
    expect(list.data!.total_count).toBe(0);

    // Once the store works again, the same create succeeds: the name was never taken.
    await dropTrigger('fail_audit', 'audit_logs');
    const retry = await t.client.POST('/api/access-profiles', { body: { name, ...FULL } });
    expect(retry.response.status).toBe(201);
    const after = await storeCounts(t.db);
    expect([
      after.profiles - before.counts.profiles,
      after.versions - before.counts.versions,
      after.audit - before.counts.audit,
    ]).toEqual([1, 1, 1]);
    const unfiltered = await t.client.GET('/api/access-profiles', { params: { query: { limit: 1 } } });
    expect(unfiltered.data!.total_count).toBe(after.profiles);
  });

  it('When the version insert of a create fails, then nothing remains either', async () => {
    const before = await snapshot();
    await failVersionInserts();
    const res = await t.client.POST('/api/access-profiles', { body: { name: uniqueName('tx-ver'), ...FULL } });
    expectEnvelope(res.error, 500, 'internal_error', res.response);
    expect(await snapshot()).toEqual(before);
  });

  it('When the audit insert of an update fails, then the profile, its tags and its version stay as they were', async () => {
    const p = await createProfile(t, FULL);
    const before = await snapshot();
    await failAuditInserts();
    const res = await t.client.PUT('/api/access-profiles/{id}', {
      params: { path: { id: p.id } },
      body: { name: uniqueName('tx-renamed'), tags: ['other'], provider_configs: [{ provider_name: 'mistral' }] },
    });
    expectEnvelope(res.error, 500, 'internal_error', res.response);
    expect(await snapshot()).toEqual(before);
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile).toEqual(p);
    expect(got.response.headers.get('etag')).toBe('"1"');
  });

  it('When the audit insert of a delete fails, then the profile is still there', async () => {
    const p = await createProfile(t, FULL);
    const before = await snapshot();
    await failAuditInserts();
    const res = await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expectEnvelope(res.error, 500, 'internal_error', res.response);
    expect(await snapshot()).toEqual(before);
    expect((await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).response.status).toBe(
      200,
    );
  });

  it('When the audit insert of activate, clone or restore fails, then none of them leaves a trace', async () => {
    const p = await createProfile(t, FULL);
    await t.client.PUT('/api/access-profiles/{id}', { params: { path: { id: p.id } }, body: { description: 'v2' } });
    const before = await snapshot();
    await failAuditInserts();
    const act = await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p.id } } });
    expectEnvelope(act.error, 500, 'internal_error', act.response);
    const clone = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: p.id } },
      body: { name: uniqueName('tx-clone') },
    });
    expectEnvelope(clone.error, 500, 'internal_error', clone.response);
    const restore = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p.id, version: 1 } },
    });
    expectEnvelope(restore.error, 500, 'internal_error', restore.response);
    expect(await snapshot()).toEqual(before);
  });

  it('When a change fails, then the next requests are served normally (the connection is not left in a transaction)', async () => {
    await failAuditInserts();
    const failed = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.client.POST('/api/access-profiles', { body: { name: uniqueName('tx-burst') } }),
      ),
    );
    for (const r of failed) expectEnvelope(r.error, 500, 'internal_error', r.response);
    await dropTrigger('fail_audit', 'audit_logs');
    const ok = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.client.POST('/api/access-profiles', { body: { name: uniqueName('tx-burst') } }),
      ),
    );
    expect(ok.map((r) => r.response.status)).toEqual([201, 201, 201, 201, 201]);
    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(200);
  });
});
