// Management API keys and authentication: value shown once, prefix afterwards, hashed storage, scopes
// enforced per operation, no granting of scopes one lacks, expiry, deletion, and every 401 path.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';

type Scope = components['schemas']['Scope'];

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => {
  await t?.close();
});

async function newKey(scopes: Scope[], extra: { expires_at?: string | null; name?: string } = {}) {
  const res = await t.client.POST('/api/api-keys', {
    body: {
      name: extra.name ?? uniqueName('key'),
      scopes,
      ...(extra.expires_at !== undefined ? { expires_at: extra.expires_at } : {}),
    },
  });
  expect(res.response.status, JSON.stringify(res.error)).toBe(201);
  return res.data!.api_key;
}
const raw = (path: string, init: RequestInit = {}) => fetch(`${t.url}${path}`, init);

describe('create, list, get', () => {
  it('When many keys are created, then each value is apk_ and 40 letters or digits from the whole alphabet, and no value or id repeats', async () => {
    const keys = [];
    for (let i = 0; i < 25; i++) keys.push(await newKey(['Roles:View']));
    for (const k of keys) {
      expect(k.key).toMatch(/^apk_[A-Za-z0-9]{40}$/);
      expect(k.id).toMatch(/^key_[A-Za-z0-9]{12}$/);
    }
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.id)).size).toBe(keys.length);
    // 1,000 random characters: all 62 letters and digits are expected; fewer than 50 would mean a narrowed alphabet.
    const seen = new Set(keys.flatMap((k) => [...k.key.slice(4)]));
    expect(seen.size).toBeGreaterThanOrEqual(50);
  });

  it('When a key is created, then its value is shown once, stored hashed, and list/get show only its prefix', async () => {
    const before = await storeCounts(t.db);
    const name = uniqueName('ci');
    const k = await newKey(['AccessProfiles:View'], { name });
    expect(k).toMatchObject({ name, scopes: ['AccessProfiles:View'], expires_at: null, last_used_at: null });
    expect(k.key.length).toBeGreaterThanOrEqual(32);
    expect(k.key.startsWith(k.prefix)).toBe(true);
    expect(k.prefix.length).toBeLessThan(k.key.length / 2);
    expect((await storeCounts(t.db)).apiKeys).toBe(before.apiKeys + 1);

    const row = await t.db.get<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = ?', [k.id]);
    expect(JSON.stringify(row)).not.toContain(k.key);
    expect(row!.key_hash).toBe(createHash('sha256').update(k.key).digest('hex'));

    const got = await t.client.GET('/api/api-keys/{id}', { params: { path: { id: k.id } } });
    expect(got.response.status).toBe(200);
    expect(got.data!.api_key).not.toHaveProperty('key');
    expect(got.data!.api_key).toMatchObject({ id: k.id, prefix: k.prefix, name });
    expect(JSON.stringify(got.data)).not.toContain(k.key);

    const list = await t.client.GET('/api/api-keys', { params: { query: { limit: 500 } } });
    expect(list.data!.api_keys.map((x) => x.id)).toContain(k.id);
    expect(list.data!.total_count).toBe(before.apiKeys + 1);
    expect(JSON.stringify(list.data)).not.toContain(k.key);
    for (const item of list.data!.api_keys) expect(item).not.toHaveProperty('key');
  });

  it('When a key is used, then it works as a Bearer key and last_used_at is set', async () => {
    const k = await newKey(['AccessProfiles:View']);
    const res = await t.clientWith(k.key).GET('/api/access-profiles');
    expect(res.response.status).toBe(200);
    const got = await t.client.GET('/api/api-keys/{id}', { params: { path: { id: k.id } } });
    expect(got.data!.api_key.last_used_at).not.toBeNull();
  });

  it('When keys are paged, then limit and offset slice them in creation order', async () => {
    await newKey(['AccessProfiles:View']);
    await newKey(['AccessProfiles:View']);
    const all = (await t.client.GET('/api/api-keys', { params: { query: { limit: 500 } } })).data!;
    const page = await t.client.GET('/api/api-keys', { params: { query: { limit: 1, offset: 1 } } });
    expect(page.data).toMatchObject({ count: 1, limit: 1, offset: 1, total_count: all.total_count });
    expect(page.data!.api_keys[0]!.id).toBe(all.api_keys[1]!.id);
    expect(all.api_keys[0]!.name).toBe('admin');
  });

  it('When the body is bad, then it answers 400 naming each field and creates nothing', async () => {
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/api-keys', {
      body: { name: '', scopes: ['Everything' as Scope], expires_at: 'tomorrow', key: 'mine' } as never,
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env)).toEqual(expect.arrayContaining(['name', 'scopes[0]', 'expires_at', 'key']));
    const empty = await t.client.POST('/api/api-keys', { body: { name: 'x', scopes: [] } });
    expect(detailParams(expectEnvelope(empty.error, 400, 'validation_failed'))).toContain('scopes');
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the key does not exist, then get, update and delete answer 404 api_key_not_found', async () => {
    const get = await t.client.GET('/api/api-keys/{id}', { params: { path: { id: 'key_nope' } } });
    expectEnvelope(get.error, 404, 'api_key_not_found', get.response);
    const put = await t.client.PUT('/api/api-keys/{id}', { params: { path: { id: 'key_nope' } }, body: { name: 'x' } });
    expectEnvelope(put.error, 404, 'api_key_not_found', put.response);
    const del = await t.client.DELETE('/api/api-keys/{id}', { params: { path: { id: 'key_nope' } } });
    expectEnvelope(del.error, 404, 'api_key_not_found', del.response);
  });
});

describe('update', () => {
  it('When name, scopes and expiry are updated, then the key shows them and the new scopes apply at once', async () => {
    const k = await newKey(['AccessProfiles:View']);
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const res = await t.client.PUT('/api/api-keys/{id}', {
      params: { path: { id: k.id } },
      body: { name: 'renamed', scopes: ['AccessProfiles:View', 'AccessProfiles:Create'], expires_at: expires },
    });
    expect(res.response.status).toBe(200);
    expect(res.data!.api_key).toMatchObject({
      id: k.id,
      name: 'renamed',
      scopes: ['AccessProfiles:View', 'AccessProfiles:Create'],
      expires_at: expires,
      prefix: k.prefix,
    });
    expect(res.data!.api_key).not.toHaveProperty('key');
    const created = await t.clientWith(k.key).POST('/api/access-profiles', { body: { name: uniqueName() } });
    expect(created.response.status).toBe(201);
    const cleared = await t.client.PUT('/api/api-keys/{id}', {
      params: { path: { id: k.id } },
      body: { expires_at: null },
    });
    expect(cleared.data!.api_key.expires_at).toBeNull();
  });

  it('When the update is empty or grants unknown fields, then it answers 400', async () => {
    const k = await newKey(['AccessProfiles:View']);
    const empty = await t.client.PUT('/api/api-keys/{id}', { params: { path: { id: k.id } }, body: {} });
    expectEnvelope(empty.error, 400, 'validation_failed', empty.response);
    const unknown = await t.client.PUT('/api/api-keys/{id}', {
      params: { path: { id: k.id } },
      body: { prefix: 'x' } as never,
    });
    expect(detailParams(expectEnvelope(unknown.error, 400, 'validation_failed'))).toContain('prefix');
    const past = await t.client.PUT('/api/api-keys/{id}', {
      params: { path: { id: k.id } },
      body: { expires_at: '2000-01-01T00:00:00Z' },
    });
    expect(detailParams(expectEnvelope(past.error, 400, 'validation_failed'))).toContain('expires_at');
  });
});

describe('scopes', () => {
  // Every template operation and the permission the spec's x-required-permission names for it.
  const id = 1;
  const OPS: Array<[string, string, string, unknown?]> = [
    ['GET', '/api/access-profiles', 'AccessProfiles:View'],
    ['POST', '/api/access-profiles', 'AccessProfiles:Create', { name: 'x' }],
    ['GET', `/api/access-profiles/${id}`, 'AccessProfiles:View'],
    ['PUT', `/api/access-profiles/${id}`, 'AccessProfiles:Update', { description: 'x' }],
    ['DELETE', `/api/access-profiles/${id}`, 'AccessProfiles:Delete'],
    ['PUT', `/api/access-profiles/${id}/activate`, 'AccessProfiles:Update'],
    ['PUT', `/api/access-profiles/${id}/deactivate`, 'AccessProfiles:Update'],
    ['POST', `/api/access-profiles/${id}/clone`, 'AccessProfiles:Create', { name: 'y' }],
    ['GET', `/api/access-profiles/${id}/versions`, 'AccessProfiles:View'],
    ['GET', `/api/access-profiles/${id}/versions/1`, 'AccessProfiles:View'],
    ['POST', `/api/access-profiles/${id}/versions/1/restore`, 'AccessProfiles:Update'],
    ['GET', `/api/access-profiles/${id}/audit-logs`, 'AccessProfiles:View'],
    ['GET', '/api/access-profiles/audit-logs', 'AccessProfiles:View'],
    ['GET', '/api/api-keys', 'APIKeys:View'],
    ['POST', '/api/api-keys', 'APIKeys:Create', { name: 'z', scopes: ['Roles:View'] }],
    ['GET', '/api/api-keys/key_x', 'APIKeys:View'],
    ['PUT', '/api/api-keys/key_x', 'APIKeys:Update', { name: 'z' }],
    ['DELETE', '/api/api-keys/key_x', 'APIKeys:Delete'],
  ];

  it.each(OPS)(
    'When a key without the scope calls %s %s, then it answers 403 naming %s and changes nothing',
    async (method, path, permission, body) => {
      const k = await newKey(['Roles:View']);
      const before = await storeCounts(t.db);
      const res = await raw(path, {
        method,
        headers: { Authorization: `Bearer ${k.key}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const env = expectEnvelope(await res.json(), 403, 'missing_permission', res);
      expect(env.error.param).toBe(permission);
      expect(env.error.message).toContain(permission);
      expect(await storeCounts(t.db)).toEqual(before);
    },
  );

  it('When a View-only key reads and tries to write, then reads pass and writes are 403', async () => {
    const k = await newKey(['AccessProfiles:View']);
    const c = t.clientWith(k.key);
    expect((await c.GET('/api/access-profiles')).response.status).toBe(200);
    const res = await c.POST('/api/access-profiles', { body: { name: uniqueName() } });
    expect(expectEnvelope(res.error, 403, 'missing_permission').error.param).toBe('AccessProfiles:Create');
  });

  it('When a key grants scopes it lacks (on create or update), then it answers 403 scope_not_held listing them', async () => {
    const granter = await newKey(['APIKeys:Create', 'APIKeys:Update', 'AccessProfiles:View']);
    const c = t.clientWith(granter.key);
    const before = await storeCounts(t.db);
    const res = await c.POST('/api/api-keys', {
      body: { name: uniqueName(), scopes: ['AccessProfiles:View', 'AccessProfiles:Delete', 'APIKeys:Delete'] },
    });
    const env = expectEnvelope(res.error, 403, 'scope_not_held', res.response);
    expect(env.error.message).toContain('AccessProfiles:Delete');
    expect(env.error.message).toContain('APIKeys:Delete');
    expect(env.error.message).not.toContain('AccessProfiles:View,');
    expect(await storeCounts(t.db)).toEqual(before);
    const ok = await c.POST('/api/api-keys', { body: { name: uniqueName(), scopes: ['AccessProfiles:View'] } });
    expect(ok.response.status).toBe(201);
    const escalate = await c.PUT('/api/api-keys/{id}', {
      params: { path: { id: ok.data!.api_key.id } },
      body: { scopes: ['AccessProfiles:Update'] },
    });
    expectEnvelope(escalate.error, 403, 'scope_not_held', escalate.response);
    const self = await c.PUT('/api/api-keys/{id}', {
      params: { path: { id: granter.id } },
      body: { scopes: ['APIKeys:Create', 'APIKeys:Delete'] },
    });
    expectEnvelope(self.error, 403, 'scope_not_held', self.response);
  });
});

describe('managing more powerful keys', () => {
  it('When a key with APIKeys:Update/Delete targets a key holding scopes it lacks (the admin), then it answers 403 and the target is untouched', async () => {
    const manager = await newKey(['APIKeys:View', 'APIKeys:Update', 'APIKeys:Delete', 'AccessProfiles:View']);
    const c = t.clientWith(manager.key);
    const adminId = (await t.client.GET('/api/api-keys')).data!.api_keys.find((k) => k.name === 'admin')!.id;
    const adminBefore = await t.db.get('SELECT name, scopes, expires_at FROM api_keys WHERE id = ?', [adminId]);
    const demote = await c.PUT('/api/api-keys/{id}', {
      params: { path: { id: adminId } },
      body: { scopes: ['AccessProfiles:View'] },
    });
    const env = expectEnvelope(demote.error, 403, 'scope_not_held', demote.response);
    expect(env.error.message).toContain('AccessProfiles:Delete');
    const expire = await c.PUT('/api/api-keys/{id}', {
      params: { path: { id: adminId } },
      body: { expires_at: new Date(Date.now() + 60_000).toISOString() },
    });
    expectEnvelope(expire.error, 403, 'scope_not_held', expire.response);
    const del = await c.DELETE('/api/api-keys/{id}', { params: { path: { id: adminId } } });
    expectEnvelope(del.error, 403, 'scope_not_held', del.response);
    expect(await t.db.get('SELECT name, scopes, expires_at FROM api_keys WHERE id = ?', [adminId])).toEqual(
      adminBefore,
    );
    expect((await t.client.GET('/api/access-profiles')).response.status).toBe(200);
  });

  it('When the target key holds only scopes the caller holds, then the caller can update and delete it', async () => {
    const manager = await newKey(['APIKeys:Update', 'APIKeys:Delete', 'AccessProfiles:View', 'AccessProfiles:Create']);
    const c = t.clientWith(manager.key);
    const target = await newKey(['AccessProfiles:View', 'AccessProfiles:Create']);
    const upd = await c.PUT('/api/api-keys/{id}', {
      params: { path: { id: target.id } },
      body: { scopes: ['AccessProfiles:View'] },
    });
    expect(upd.response.status).toBe(200);
    const del = await c.DELETE('/api/api-keys/{id}', { params: { path: { id: target.id } } });
    expect(del.response.status).toBe(200);
  });
});

describe('expiry and deletion', () => {
  it('When expires_at is in the past, then it answers 400 naming expires_at', async () => {
    const res = await t.client.POST('/api/api-keys', {
      body: {
        name: uniqueName(),
        scopes: ['AccessProfiles:View'],
        expires_at: new Date(Date.now() - 1000).toISOString(),
      },
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed', res.response))).toEqual(['expires_at']);
  });

  it('When expires_at is a leap second (second 60, valid RFC 3339), then it is accepted as the instant after 23:59:59', async () => {
    const res = await t.client.POST('/api/api-keys', {
      body: { name: uniqueName(), scopes: ['AccessProfiles:View'], expires_at: '2030-06-30T23:59:60Z' },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    expect(res.data!.api_key.expires_at).toBe('2030-07-01T00:00:00.000Z');
  });

  it.each(['2027-13-01T00:00:00Z', '2027-01-01T25:00:00Z', '2027-02-30T00:00:00Z', '2027-01-01T00:00:00+25:00'])(
    'When expires_at is the impossible date-time %s, then it answers 400 naming expires_at (create and update)',
    async (at) => {
      const before = await storeCounts(t.db);
      const res = await t.client.POST('/api/api-keys', {
        body: { name: uniqueName(), scopes: ['AccessProfiles:View'], expires_at: at },
      });
      expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed', res.response))).toEqual(['expires_at']);
      expect(await storeCounts(t.db)).toEqual(before);
      const k = await newKey(['AccessProfiles:View']);
      const upd = await t.client.PUT('/api/api-keys/{id}', {
        params: { path: { id: k.id } },
        body: { expires_at: at },
      });
      expect(detailParams(expectEnvelope(upd.error, 400, 'validation_failed', upd.response))).toEqual(['expires_at']);
    },
  );

  it('When expires_at has an offset, then it is stored as the same instant in UTC', async () => {
    const local = new Date(Date.now() + 86_400_000);
    const withOffset = `${new Date(local.getTime() + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    const k = await newKey(['AccessProfiles:View'], { expires_at: withOffset });
    expect(Date.parse(k.expires_at!)).toBe(Date.parse(withOffset));
    expect(k.expires_at!.endsWith('Z')).toBe(true);
  });

  it('When a key reaches its expiry, then it answers 401 api_key_expired with WWW-Authenticate', async () => {
    const k = await newKey(['AccessProfiles:View'], { expires_at: new Date(Date.now() + 1000).toISOString() });
    expect((await t.clientWith(k.key).GET('/api/access-profiles')).response.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    const res = await t.clientWith(k.key).GET('/api/access-profiles');
    expectEnvelope(res.error, 401, 'api_key_expired', res.response);
    expect(res.response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('When a key is deleted, then it stops working at once', async () => {
    const k = await newKey(['AccessProfiles:View']);
    const c = t.clientWith(k.key);
    expect((await c.GET('/api/access-profiles')).response.status).toBe(200);
    const del = await t.client.DELETE('/api/api-keys/{id}', { params: { path: { id: k.id } } });
    expect(del.response.status).toBe(200);
    expect(del.data!.message).toContain(k.name);
    const res = await c.GET('/api/access-profiles');
    expectEnvelope(res.error, 401, 'invalid_api_key', res.response);
    const gone = await t.client.GET('/api/api-keys/{id}', { params: { path: { id: k.id } } });
    expectEnvelope(gone.error, 404, 'api_key_not_found');
  });

  it('When a key deletes itself, then it answers 409 api_key_self_delete and keeps working', async () => {
    const k = await newKey(['APIKeys:Delete', 'APIKeys:View']);
    const c = t.clientWith(k.key);
    const res = await c.DELETE('/api/api-keys/{id}', { params: { path: { id: k.id } } });
    expectEnvelope(res.error, 409, 'api_key_self_delete', res.response);
    expect((await c.GET('/api/api-keys/{id}', { params: { path: { id: k.id } } })).response.status).toBe(200);
  });
});

describe('authentication', () => {
  it('When no Authorization is sent, then it answers 401 missing_api_key with WWW-Authenticate: Bearer', async () => {
    const res = await t.clientWith().GET('/api/access-profiles');
    expectEnvelope(res.error, 401, 'missing_api_key', res.response);
    expect(res.response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  it('When an unknown Bearer key is sent, then it answers 401 invalid_api_key with WWW-Authenticate', async () => {
    const res = await t.clientWith('apk_not-a-real-key-0000000000000000').GET('/api/access-profiles');
    expectEnvelope(res.error, 401, 'invalid_api_key', res.response);
    expect(res.response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Token abc'])(
    'When Authorization is %j, then it answers 401',
    async (header) => {
      const res = await raw('/api/access-profiles', { headers: { Authorization: header } });
      const env = expectEnvelope(await res.json(), 401, undefined, res);
      expect(['invalid_authorization_header', 'missing_api_key', 'invalid_api_key']).toContain(env.error.code);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    },
  );

  it('When an x-api-key header is sent (even the admin key, even with Bearer), then it answers 401 saying to use Bearer', async () => {
    for (const headers of [
      { 'x-api-key': t.adminKey },
      { 'x-api-key': t.adminKey, Authorization: `Bearer ${t.adminKey}` },
    ] as Array<Record<string, string>>) {
      const res = await raw('/api/access-profiles', { headers });
      const env = expectEnvelope(await res.json(), 401, 'x_api_key_not_supported', res);
      expect(env.error.message).toMatch(/Bearer/);
      expect(env.error.param).toBe('x-api-key');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    }
  });

  it('When the Bearer scheme is written in lower case, then the key is accepted', async () => {
    const res = await raw('/api/access-profiles?limit=1', { headers: { Authorization: `bearer ${t.adminKey}` } });
    expect(res.status).toBe(200);
  });

  it('When /health is called without a key, then it answers 200 with the store reachable', async () => {
    const res = await raw('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', store: { kind: t.db.kind, reachable: true } });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it.each([
    ['GET', '/api/access-profiles/'],
    ['GET', '/API/access-profiles'],
    ['GET', '/api/Access-Profiles'],
    ['GET', '/api/api-keys/'],
    ['GET', '/api//access-profiles'],
    ['DELETE', '/api/access-profiles/{id}/'],
    ['PUT', '/api/access-profiles/{id}/activate/'],
    ['GET', '/api/access-profiles/{id}/versions/'],
  ])(
    'When %s %s is requested without a key (path variants), then it answers 401 and nothing is read or changed',
    async (method, template) => {
      const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('guarded') } })).data!
        .access_profile;
      const path = template.replace('{id}', String(p.id));
      const before = await storeCounts(t.db);
      const res = await raw(path, { method });
      const env = expectEnvelope(await res.json(), 401, 'missing_api_key', res);
      expect(JSON.stringify(env)).not.toContain(p.name);
      expect(await storeCounts(t.db)).toEqual(before);
      expect(
        (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!.access_profile,
      ).toEqual(p);
    },
  );

  it.each([
    ['DELETE', '/api/access-profiles/{id}/'],
    ['DELETE', '/API/access-profiles/{id}'],
    ['PUT', '/api/access-profiles/{id}/activate/'],
    ['POST', '/api/api-keys/'],
  ])(
    'When a View-only key sends %s %s (a path variant of an operation it lacks), then it answers 404 and changes nothing',
    async (method, template) => {
      const k = await newKey(['AccessProfiles:View', 'APIKeys:View']);
      const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('variant') } })).data!
        .access_profile;
      const before = await storeCounts(t.db);
      const res = await raw(template.replace('{id}', String(p.id)), {
        method,
        headers: { Authorization: `Bearer ${k.key}`, 'Content-Type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ name: 'x', scopes: ['AccessProfiles:View'] }) } : {}),
      });
      expectEnvelope(await res.json(), 404, 'route_not_found', res);
      expect(await storeCounts(t.db)).toEqual(before);
      expect(
        (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!.access_profile,
      ).toEqual(p);
    },
  );

  it('When DELETE is sent to the audit-log listing, then it is a 405, not the delete of a profile named audit-logs', async () => {
    const k = await newKey(['AccessProfiles:View']);
    const res = await raw('/api/access-profiles/audit-logs', {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${k.key}` },
    });
    expectEnvelope(await res.json(), 405, 'method_not_allowed', res);
  });

  it('When an unauthenticated request targets an unknown profile, then authentication answers first (401, not 404)', async () => {
    const res = await raw('/api/access-profiles/987654321');
    expectEnvelope(await res.json(), 401, 'missing_api_key', res);
  });
});
