// Versions, restore and audit logs: one snapshot and one audit entry per change, both outliving the profile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { createProfile, editStoredProfile, OLD_WINDOW } from '../support/profiles.js';
import { decoded } from '../support/audit.js';

type S = components['schemas'];
type Profile = S['AccessProfile'];

let t: TestServer;
let adminKeyId: string;
beforeAll(async () => {
  t = await suiteServer();
  const keys = await t.client.GET('/api/api-keys');
  adminKeyId = keys.data!.api_keys.find((k) => k.name === 'admin')!.id;
});
afterAll(async () => {
  await t?.close();
});

const update = async (id: number, body: S['AccessProfileUpdate']) => {
  const res = await t.client.PUT('/api/access-profiles/{id}', { params: { path: { id } }, body });
  expect(res.response.status, JSON.stringify(res.error)).toBe(200);
  return res.data!.access_profile;
};
const versionsOf = (id: number, query: { limit?: number; offset?: number } = {}) =>
  t.client.GET('/api/access-profiles/{id}/versions', { params: { path: { id }, query } });
const auditOf = (
  id: number,
  query: { action?: S['AuditAction']; user_id?: string; limit?: number; offset?: number } = {},
) => t.client.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id }, query } });
/** The profile as a snapshot compares: without version and timestamps. */
const definition = (p: Profile) => {
  const { version: _v, updated_at: _u, created_at: _c, ...rest } = p;
  return rest;
};

describe('versions', () => {
  it('When a profile changes three times, then there is one version per change, newest first, with snapshot and changed_by', async () => {
    const p1 = await createProfile(t, { description: 'v1', tags: ['x'] });
    const p2 = await update(p1.id, { description: 'v2' });
    const p3 = (await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p1.id } } })).data!
      .access_profile;
    const p4 = await update(p1.id, { tags: ['y'], budgets: [{ max_limit: 5, reset_duration: '1d' }] });

    const res = await versionsOf(p1.id);
    expect(res.response.status).toBe(200);
    expect(res.data).toMatchObject({ count: 4, total_count: 4, limit: 50, offset: 0 });
    const vs = res.data!.versions;
    expect(vs.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    for (const [v, p] of [
      [vs[3]!, p1],
      [vs[2]!, p2],
      [vs[1]!, p3],
      [vs[0]!, p4],
    ] as const) {
      expect(v).toMatchObject({
        access_profile_id: p1.id,
        version: p.version,
        name: p.name,
        description: p.description,
        changed_by: `admin (${adminKeyId})`,
      });
      expect(JSON.parse(v.snapshot)).toEqual(p);
      expect(Date.parse(v.created_at)).not.toBeNaN();
    }
  });

  it('When versions are paged, then pages are disjoint and total_count is the number of versions', async () => {
    const p = await createProfile(t);
    for (const d of ['a', 'b', 'c', 'd']) await update(p.id, { description: d });
    const first = await versionsOf(p.id, { limit: 2 });
    const second = await versionsOf(p.id, { limit: 2, offset: 2 });
    const third = await versionsOf(p.id, { limit: 2, offset: 4 });
    expect([first, second, third].map((r) => r.data!.versions.map((v) => v.version))).toEqual([[5, 4], [3, 2], [1]]);
    expect(third.data).toMatchObject({ count: 1, total_count: 5, limit: 2, offset: 4 });
  });

  it('When another key makes the change, then changed_by and the audit actor name that key', async () => {
    const key = await t.client.POST('/api/api-keys', {
      body: { name: 'editor', scopes: ['AccessProfiles:View', 'AccessProfiles:Update'] },
    });
    const editor = t.clientWith(key.data!.api_key.key);
    const p = await createProfile(t);
    const res = await editor.PUT('/api/access-profiles/{id}', {
      params: { path: { id: p.id } },
      body: { description: 'by editor' },
    });
    expect(res.response.status).toBe(200);
    const v2 = await t.client.GET('/api/access-profiles/{id}/versions/{version}', {
      params: { path: { id: p.id, version: 2 } },
    });
    expect(v2.data!.version.changed_by).toBe(`editor (${key.data!.api_key.id})`);
    const audit = await auditOf(p.id, { action: 'update' });
    expect(audit.data!.audit_logs[0]!.actor).toBe(`editor (${key.data!.api_key.id})`);
  });

  it('When one version is read, then it is that snapshot; an unknown version or profile is a 404 naming which, and what is missing', async () => {
    const p = await createProfile(t, { description: 'one' });
    await update(p.id, { description: 'two' });
    const v1 = await t.client.GET('/api/access-profiles/{id}/versions/{version}', {
      params: { path: { id: p.id, version: 1 } },
    });
    expect(v1.response.status).toBe(200);
    expect(v1.data!.version).toMatchObject({ version: 1, description: 'one' });
    expect(JSON.parse(v1.data!.version.snapshot)).toEqual(p);
    const v9 = await t.client.GET('/api/access-profiles/{id}/versions/{version}', {
      params: { path: { id: p.id, version: 9 } },
    });
    const v9env = expectEnvelope(v9.error, 404, 'version_not_found', v9.response);
    expect(v9env.error.param).toBe('version');
    expect(v9env.error.message).toBe(`Access profile ${p.id} has no version 9.`);
    const none = await versionsOf(987654321);
    const noneEnv = expectEnvelope(none.error, 404, 'access_profile_not_found', none.response);
    expect(noneEnv.error.param).toBe('id');
    expect(noneEnv.error.message).toBe('Access profile 987654321 has no history.');
    const bad = await fetch(`${t.url}/api/access-profiles/${p.id}/versions/0`, {
      headers: { Authorization: `Bearer ${t.adminKey}` },
    });
    expect(detailParams(expectEnvelope(await bad.json(), 400, 'validation_failed', bad))).toContain('version');
  });
});

describe('restore', () => {
  it('When version 1 is restored, then a new version equal to that snapshot is written and audited as restore', async () => {
    const p1 = await createProfile(t, {
      description: 'original',
      tags: ['a'],
      budgets: [{ max_limit: 10, reset_duration: '1M' }],
      provider_configs: [{ provider_name: 'openai', allowed_models: ['gpt-4o'] }],
    });
    await update(p1.id, {
      name: uniqueName('renamed'),
      description: null,
      tags: ['b'],
      budgets: [],
      provider_configs: [],
      rate_limit: { token_max_limit: 5, token_reset_duration: '1h' },
    });
    await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p1.id } } });
    const before = await storeCounts(t.db);

    const res = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p1.id, version: 1 } },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.response.headers.get('etag')).toBe('"4"');
    const r = res.data!.access_profile;
    expect(r.version).toBe(4);
    expect(definition(r)).toEqual(definition(p1)); // name, description, content and state (inactive) of v1
    expect(r.rate_limit).toBeUndefined();
    const after = await storeCounts(t.db);
    expect([after.versions - before.versions, after.audit - before.audit]).toEqual([1, 1]);
    const v4 = await t.client.GET('/api/access-profiles/{id}/versions/{version}', {
      params: { path: { id: p1.id, version: 4 } },
    });
    expect(JSON.parse(v4.data!.version.snapshot)).toEqual(r);
    const audit = await auditOf(p1.id, { limit: 1 });
    expect(decoded(audit.data!.audit_logs[0]!)).toMatchObject({
      action: 'restore',
      metadata: expect.objectContaining({ restored_from: 1, version: 4 }),
    });
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p1.id } } });
    expect(got.data!.access_profile).toEqual(r);
  });

  it('When a version is restored, then budgets and rate limits whose ids still exist keep their current usage', async () => {
    const p1 = await createProfile(t, {
      budgets: [{ max_limit: 10, reset_duration: '1M' }],
      rate_limit: { token_max_limit: 100, token_reset_duration: '1d' },
    });
    await update(p1.id, {
      budgets: [{ id: p1.budgets[0]!.id, max_limit: 20, reset_duration: '1M' }],
      rate_limit: { token_max_limit: 200, token_reset_duration: '1d' },
    });
    await editStoredProfile(t, p1.id, (content) => {
      content.budgets[0]!.current_usage = 6.5;
      content.rate_limit!.token_current_usage = 55;
    });

    const res = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p1.id, version: 1 } },
    });
    const r = res.data!.access_profile;
    expect(r.budgets[0]).toMatchObject({ id: p1.budgets[0]!.id, max_limit: 10, current_usage: 6.5 });
    expect(r.rate_limit).toMatchObject({ id: p1.rate_limit!.id, token_max_limit: 100, token_current_usage: 55 });
  });

  it('When a version is restored across a flip of calendar_aligned, then counters stay and every window restarts at its period start on the restored alignment', async () => {
    const p1 = await createProfile(t, {
      calendar_aligned: true,
      budgets: [{ max_limit: 10, reset_duration: '1M' }],
      rate_limit: { token_max_limit: 100, token_reset_duration: '1d' },
    });
    await update(p1.id, { calendar_aligned: false });
    await editStoredProfile(t, p1.id, (c) => {
      c.budgets[0]!.current_usage = 3;
      c.budgets[0]!.last_reset = OLD_WINDOW;
      c.rate_limit!.token_current_usage = 9;
      c.rate_limit!.token_last_reset = OLD_WINDOW;
    });
    // Version 1 was written long ago: its windows are long past.
    const v1 = await t.db.get<{ snapshot: string }>(
      'SELECT snapshot FROM profile_versions WHERE access_profile_id = ? AND version = 1',
      [p1.id],
    );
    const snapshot = JSON.parse(v1!.snapshot) as Profile;
    snapshot.budgets[0]!.last_reset = OLD_WINDOW;
    snapshot.rate_limit!.token_last_reset = OLD_WINDOW;
    await t.db.run('UPDATE profile_versions SET snapshot = ? WHERE access_profile_id = ? AND version = 1', [
      JSON.stringify(snapshot),
      p1.id,
    ]);
    const res = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p1.id, version: 1 } },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const r = res.data!.access_profile;
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
    expect(r.calendar_aligned).toBe(true);
    expect(r.budgets[0]).toMatchObject({ current_usage: 3, last_reset: monthStart });
    expect(r.rate_limit).toMatchObject({ token_current_usage: 9, token_last_reset: dayStart });
  });

  it('When the current version is restored, then nothing changes', async () => {
    const p = await createProfile(t);
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p.id, version: 1 } },
    });
    expect(res.data!.access_profile).toEqual(p);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the snapshot name is now taken, the version unknown or If-Match stale, then it answers 409, 404 or 412 and writes nothing', async () => {
    const p = await createProfile(t);
    const oldName = p.name;
    await update(p.id, { name: uniqueName('moved') });
    await createProfile(t, { name: oldName.toUpperCase() });
    const before = await storeCounts(t.db);
    const clash = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p.id, version: 1 } },
    });
    expectEnvelope(clash.error, 409, 'access_profile_name_taken', clash.response);
    const unknown = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p.id, version: 7 } },
    });
    expectEnvelope(unknown.error, 404, 'version_not_found', unknown.response);
    const stale = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p.id, version: 1 }, header: { 'If-Match': '"1"' } },
    });
    expectEnvelope(stale.error, 412, 'version_mismatch', stale.response);
    expect(stale.response.headers.get('etag')).toBe('"2"');
    const missing = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: 987654321, version: 1 } },
    });
    expectEnvelope(missing.error, 404, 'access_profile_not_found', missing.response);
    expect(await storeCounts(t.db)).toEqual(before);
  });
});

describe('audit logs', () => {
  it('When a profile goes through every template action, then each writes one entry with actor, values and metadata, newest first', async () => {
    const p = await createProfile(t, { description: 'a' });
    await update(p.id, { description: 'b' });
    await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p.id } } });
    await t.client.PUT('/api/access-profiles/{id}/deactivate', { params: { path: { id: p.id } } });
    await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p.id, version: 1 } },
    });
    const res = await auditOf(p.id);
    expect(res.response.status).toBe(200);
    const logs = res.data!.audit_logs.map(decoded);
    expect(logs.map((l) => l.action)).toEqual(['restore', 'deactivate', 'activate', 'update', 'create']);
    expect(res.data).toMatchObject({ count: 5, total_count: 5 });
    for (const l of logs) {
      expect(l).toMatchObject({ access_profile_id: p.id, user_id: null, actor: `admin (${adminKeyId})` });
      expect(l.metadata).toMatchObject({ request_id: expect.any(String), version: expect.any(Number) });
    }
    const upd = logs[3]!;
    expect(upd.previous_values).toEqual({ description: 'a' });
    expect(upd.new_values).toEqual({ description: 'b' });
    expect(logs[4]).toMatchObject({
      previous_values: null,
      new_values: expect.objectContaining({ id: p.id, name: p.name }),
    });
    expect(logs.map((l) => l.id)).toEqual([...logs.map((l) => l.id)].sort((a, b) => b - a));
  });

  it('When the X-Request-Id is sent, then the audit metadata carries it', async () => {
    const p = await createProfile(t);
    const rid = `req-${uniqueName('audit')}`;
    await t.client.PUT('/api/access-profiles/{id}', {
      params: { path: { id: p.id }, header: { 'X-Request-Id': rid } },
      body: { description: 'x' },
    });
    const res = await auditOf(p.id, { action: 'update' });
    expect(decoded(res.data!.audit_logs[0]!).metadata).toMatchObject({ request_id: rid });
  });

  it('When filtering by action, then only those entries come back, on both listings', async () => {
    const p = await createProfile(t);
    await update(p.id, { description: '1' });
    await update(p.id, { description: '2' });
    const one = await auditOf(p.id, { action: 'update' });
    expect(one.data!.audit_logs.map((l) => l.action)).toEqual(['update', 'update']);
    expect(one.data!.total_count).toBe(2);
    const all = await t.client.GET('/api/access-profiles/audit-logs', {
      params: { query: { access_profile_id: p.id, action: 'create' } },
    });
    expect(all.data!.audit_logs.map((l) => [l.action, l.access_profile_id])).toEqual([['create', p.id]]);
    const global = await t.client.GET('/api/access-profiles/audit-logs', {
      params: { query: { action: 'update', limit: 500 } },
    });
    expect(global.data!.audit_logs.every((l) => l.action === 'update')).toBe(true);
    expect(global.data!.audit_logs.some((l) => l.access_profile_id === p.id)).toBe(true);
  });

  it('When filtering by user_id, then only entries concerning that user come back', async () => {
    const p = await createProfile(t);
    const user = `${uniqueName('u')}@example.com`;
    // A user-copy action as the directory writes it (user_id set), arranged through the store.
    await t.db.run(
      "INSERT INTO audit_logs (access_profile_id, user_id, actor, action, previous_values, new_values, metadata, created_at) VALUES (?, ?, 'admin', 'assign_user', NULL, NULL, '{}', ?)",
      [p.id, user, new Date().toISOString()],
    );
    const mine = await auditOf(p.id, { user_id: user });
    expect(mine.data!.audit_logs.map((l) => [l.action, l.user_id])).toEqual([['assign_user', user]]);
    const global = await t.client.GET('/api/access-profiles/audit-logs', { params: { query: { user_id: user } } });
    expect(global.data!.total_count).toBe(1);
    const nobody = await auditOf(p.id, { user_id: 'nobody@example.com' });
    expect(nobody.data).toMatchObject({ audit_logs: [], count: 0, total_count: 0 });
  });

  it('When audit logs are paged, then limit and offset slice the newest-first list', async () => {
    const p = await createProfile(t);
    for (const d of ['a', 'b', 'c', 'd']) await update(p.id, { description: d });
    const all = (await auditOf(p.id)).data!.audit_logs.map((l) => l.id);
    const page = await auditOf(p.id, { limit: 2, offset: 1 });
    expect(page.data).toMatchObject({ count: 2, total_count: 5, limit: 2, offset: 1 });
    expect(page.data!.audit_logs.map((l) => l.id)).toEqual(all.slice(1, 3));
    const beyond = await auditOf(p.id, { offset: 100 });
    expect(beyond.data).toMatchObject({ audit_logs: [], count: 0, total_count: 5 });
  });

  it.each([
    [{ action: 'Explode!' }, 'action'],
    [{ user_id: 'has space' }, 'user_id'],
    [{ limit: 0 }, 'limit'],
    [{ access_profile_id: 0 }, 'access_profile_id'],
  ])('When the audit query is %j, then it answers 400 naming %s', async (query, param) => {
    const res = await t.client.GET('/api/access-profiles/audit-logs', { params: { query: query as never } });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed', res.response))).toContain(param);
  });
});

describe('history outlives the profile', () => {
  it('When a profile is deleted, then its versions and audit entries (ending with delete) are still readable', async () => {
    const p = await createProfile(t, { description: 'doomed' });
    await update(p.id, { description: 'still doomed' });
    const del = await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(del.response.status).toBe(200);

    const versions = await versionsOf(p.id);
    expect(versions.response.status).toBe(200);
    expect(versions.data!.versions.map((v) => v.version)).toEqual([2, 1]);
    const v1 = await t.client.GET('/api/access-profiles/{id}/versions/{version}', {
      params: { path: { id: p.id, version: 1 } },
    });
    expect(JSON.parse(v1.data!.version.snapshot)).toEqual(p);

    const audit = await auditOf(p.id);
    expect(audit.data!.audit_logs.map((l) => l.action)).toEqual(['delete', 'update', 'create']);
    expect(decoded(audit.data!.audit_logs[0]!)).toMatchObject({
      access_profile_id: p.id,
      new_values: null,
      previous_values: expect.objectContaining({ id: p.id, description: 'still doomed' }),
    });
    const global = await t.client.GET('/api/access-profiles/audit-logs', {
      params: { query: { access_profile_id: p.id } },
    });
    expect(global.data!.total_count).toBe(3);

    const restore = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id: p.id, version: 1 } },
    });
    expectEnvelope(restore.error, 404, 'access_profile_not_found', restore.response);
  });
});
