// Optimistic concurrency and races: ETag on single-profile responses, If-Match (412 when stale, `*`),
// racing creates of one name, racing updates with one If-Match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
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

const put = (id: number, body: components['schemas']['AccessProfileUpdate'], ifMatch?: string) =>
  t.client.PUT('/api/access-profiles/{id}', {
    params: { path: { id }, ...(ifMatch !== undefined ? { header: { 'If-Match': ifMatch } } : {}) },
    body,
  });

describe('ETag', () => {
  it('When any single-profile operation answers, then its ETag is the quoted version', async () => {
    const p = await createProfile(t);
    const id = p.id;
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id } } });
    expect(got.response.headers.get('etag')).toBe('"1"');
    const upd = await put(id, { description: 'x' });
    expect(upd.response.headers.get('etag')).toBe('"2"');
    const act = await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id } } });
    expect(act.response.headers.get('etag')).toBe('"3"');
    const deact = await t.client.PUT('/api/access-profiles/{id}/deactivate', { params: { path: { id } } });
    expect(deact.response.headers.get('etag')).toBe('"4"');
    const restore = await t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', {
      params: { path: { id, version: 1 } },
    });
    expect(restore.response.headers.get('etag')).toBe('"5"');
    const clone = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id } },
      body: { name: uniqueName('cc-clone') },
    });
    expect(clone.response.headers.get('etag')).toBe('"1"');
    // Lists are not single-profile responses.
    const list = await t.client.GET('/api/access-profiles', { params: { query: { limit: 1 } } });
    expect(list.response.headers.get('etag')).toBeNull();
  });
});

describe('If-Match', () => {
  it('When If-Match names the current version, then the update applies', async () => {
    const p = await createProfile(t);
    const res = await put(p.id, { description: 'ok' }, '"1"');
    expect(res.response.status).toBe(200);
    expect(res.data!.access_profile.version).toBe(2);
  });

  it('When If-Match is stale, then it answers 412 version_mismatch with the current ETag and changes nothing', async () => {
    const p = await createProfile(t);
    await put(p.id, { description: 'v2' });
    const before = await storeCounts(t.db);
    const res = await put(p.id, { description: 'lost update' }, '"1"');
    const env = expectEnvelope(res.error, 412, 'version_mismatch', res.response);
    expect(res.response.headers.get('etag')).toBe('"2"');
    expect(env.error.param).toBe('If-Match');
    expect(env.error.details).toEqual([{ param: 'If-Match', message: expect.stringContaining('2') }]);
    expect(await storeCounts(t.db)).toEqual(before);
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile.description).toBe('v2');
  });

  it('When If-Match is * or a list containing the current version, then it matches', async () => {
    const p = await createProfile(t);
    expect((await put(p.id, { description: 'a' }, '*')).response.status).toBe(200);
    expect((await put(p.id, { description: 'c' }, '"1", "2"')).response.status).toBe(200);
    expect((await put(p.id, { description: 'd' }, '"x,y" , "3",,')).response.status).toBe(200);
  });

  it('When If-Match is a weak tag of the current version, then it does not match (strong comparison, RFC 9110) and nothing changes', async () => {
    const p = await createProfile(t);
    const res = await put(p.id, { description: 'weak' }, 'W/"1"');
    expectEnvelope(res.error, 412, 'version_mismatch', res.response);
    expect(res.response.headers.get('etag')).toBe('"1"');
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile.version).toBe(1);
    expect(got.data!.access_profile.description).not.toBe('weak');
  });

  it.each(['1', '"1', '1"', '', ' ', ',', '"1" "2"', 'W/1'])(
    'When If-Match is the malformed %j, then it answers 400 invalid_if_match and nothing changes',
    async (header) => {
      const p = await createProfile(t);
      const res = await put(p.id, { description: 'malformed' }, header);
      expect(expectEnvelope(res.error, 400, 'invalid_if_match', res.response).error.param).toBe('If-Match');
      expect(
        (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!.access_profile
          .version,
      ).toBe(1);
    },
  );

  it('When If-Match is not an entity tag, then it answers 400 invalid_if_match', async () => {
    const p = await createProfile(t);
    const res = await put(p.id, { description: 'x' }, 'version-one');
    expect(expectEnvelope(res.error, 400, 'invalid_if_match', res.response).error.param).toBe('If-Match');
  });

  it('When DELETE carries a stale If-Match, then it answers 412; with the current one, it deletes', async () => {
    const p = await createProfile(t);
    await put(p.id, { description: 'v2' });
    const stale = await t.client.DELETE('/api/access-profiles/{id}', {
      params: { path: { id: p.id }, header: { 'If-Match': '"1"' } },
    });
    expectEnvelope(stale.error, 412, 'version_mismatch', stale.response);
    expect(stale.response.headers.get('etag')).toBe('"2"');
    expect((await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).response.status).toBe(
      200,
    );
    const ok = await t.client.DELETE('/api/access-profiles/{id}', {
      params: { path: { id: p.id }, header: { 'If-Match': '"2"' } },
    });
    expect(ok.response.status).toBe(200);
  });

  it('When activate carries a stale If-Match, then it answers 412', async () => {
    const p = await createProfile(t);
    await put(p.id, { description: 'v2' });
    const res = await t.client.PUT('/api/access-profiles/{id}/activate', {
      params: { path: { id: p.id }, header: { 'If-Match': '"1"' } },
    });
    expectEnvelope(res.error, 412, 'version_mismatch', res.response);
  });
});

describe('races', () => {
  it('When 20 creates of one name (in different cases) race, then exactly one is 201 and the rest 409', async () => {
    const name = uniqueName('race');
    const before = await storeCounts(t.db);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.client.POST('/api/access-profiles', { body: { name: i % 2 ? name.toUpperCase() : name } }),
      ),
    );
    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of results) if (r.error) expectEnvelope(r.error, 409, 'access_profile_name_taken');
    const after = await storeCounts(t.db);
    expect([after.profiles - before.profiles, after.versions - before.versions, after.audit - before.audit]).toEqual([
      1, 1, 1,
    ]);
    const list = await t.client.GET('/api/access-profiles', { params: { query: { search: name } } });
    expect(list.data!.total_count).toBe(1);
  });

  it('When 10 updates race with the same If-Match, then exactly one is 200 and the rest 412', async () => {
    const p = await createProfile(t);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => put(p.id, { description: `writer ${i}` }, '"1"')),
    );
    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(9);
    const winner = results.find((r) => r.response.status === 200)!.data!.access_profile;
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile).toMatchObject({ version: 2, description: winner.description });
    const versions = await t.client.GET('/api/access-profiles/{id}/versions', { params: { path: { id: p.id } } });
    expect(versions.data!.total_count).toBe(2);
  });

  it('When updates race without If-Match, then each applies in turn and the version counts them all', async () => {
    const p = await createProfile(t);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(p.id, { description: `w${i}` })));
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.data!.access_profile.version)).size).toBe(10);
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile.version).toBe(11);
  });

  it('When a rename races a create of the same name, then exactly one wins', async () => {
    const p = await createProfile(t);
    const name = uniqueName('target');
    const [renamed, created] = await Promise.all([
      put(p.id, { name }),
      t.client.POST('/api/access-profiles', { body: { name: name.toUpperCase() } }),
    ]);
    // Either may win (SQLite serialises them, PostgreSQL runs them at once); never both, never a 500.
    const statuses = [renamed.response.status, created.response.status];
    expect([
      [200, 409],
      [409, 201],
    ]).toContainEqual(statuses);
  });
});
