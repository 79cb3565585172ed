// A management key from first start to deletion: the first admin key, expiry written in every RFC 3339
// form, renaming, narrowing and handing on scopes within the caller's own expiry, the errors that list
// what is missing, when last_used_at moves, and the exact Authorization headers accepted.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import { detailParams, expectEnvelope } from '../support/expect.js';
import {
  startTestServer,
  storeCounts,
  tempSqliteUrl,
  uniqueName,
  type TestServer,
  suiteServer,
} from '../support/server.js';

type Scope = components['schemas']['Scope'];

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const ALL_SCOPES: Scope[] = [
  'AccessProfiles:View',
  'AccessProfiles:Create',
  'AccessProfiles:Update',
  'AccessProfiles:Delete',
  'APIKeys:View',
  'APIKeys:Create',
  'APIKeys:Update',
  'APIKeys:Delete',
  'Roles:View',
  'Roles:Create',
  'Roles:Delete',
  'Users:View',
  'Users:Create',
  'Users:Update',
  'Users:Delete',
];
const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

async function newKey(scopes: Scope[], extra: { expires_at?: string; name?: string } = {}) {
  const res = await t.client.POST('/api/api-keys', {
    body: { name: extra.name ?? uniqueName('key'), scopes, ...extra },
  });
  expect(res.response.status, JSON.stringify(res.error)).toBe(201);
  return res.data!.api_key;
}
const getKey = async (id: string) =>
  (await t.client.GET('/api/api-keys/{id}', { params: { path: { id } } })).data!.api_key;
const raw = (path: string, init: RequestInit = {}) => fetch(`${t.url}${path}`, init);

describe('the first admin key', () => {
  it("When the server starts with ADMIN_API_KEY on a new store, then one key named admin holds every scope, never expires and shows the key's first six characters; a restart adds none", async () => {
    const { url, dir } = tempSqliteUrl();
    const adminKey = `boot-${uniqueName('admin')}-0123456789`;
    let s = await startTestServer({ databaseUrl: url, adminKey });
    try {
      const listed = (await s.client.GET('/api/api-keys')).data!.api_keys;
      expect(listed).toEqual([
        expect.objectContaining({ name: 'admin', prefix: adminKey.slice(0, 6), scopes: ALL_SCOPES, expires_at: null }),
      ]);
      await s.close({ keepData: true });
      s = await startTestServer({ databaseUrl: url, adminKey });
      const again = (await s.client.GET('/api/api-keys')).data!.api_keys;
      expect(again.map((k) => k.id)).toEqual([listed[0]!.id]);
    } finally {
      await s.close({ keepData: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('When the server starts without ADMIN_API_KEY on a new store, then it generates one admin key that works with every scope; on a store that has keys it generates none', async () => {
    const { url, dir } = tempSqliteUrl();
    let s = await startTestServer({ databaseUrl: url, adminKey: null });
    try {
      expect(s.generatedAdminKey).toMatch(/^apk_[A-Za-z0-9]{40}$/);
      const listed = (await s.client.GET('/api/api-keys')).data!.api_keys;
      expect(listed).toEqual([
        expect.objectContaining({
          name: 'admin',
          prefix: s.generatedAdminKey!.slice(0, 10),
          scopes: ALL_SCOPES,
          expires_at: null,
        }),
      ]);
      const generated = s.generatedAdminKey!;
      await s.close({ keepData: true });
      s = await startTestServer({ databaseUrl: url, adminKey: null });
      expect(s.generatedAdminKey).toBeNull();
      const again = (await s.clientWith(generated).GET('/api/api-keys')).data!.api_keys;
      expect(again.map((k) => k.id)).toEqual([listed[0]!.id]);
    } finally {
      await s.close({ keepData: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('expiry in every RFC 3339 form', () => {
  it('When expires_at uses a lower-case t and z and fractional seconds, then it is accepted and stored as that instant in UTC', async () => {
    const at = new Date(Date.now() + 24 * HOUR);
    const text = `${at.toISOString().slice(0, 10)}t${at.toISOString().slice(11, 19)}.5z`;
    const k = await newKey(['AccessProfiles:View'], { expires_at: text });
    expect(k.expires_at).toBe(`${at.toISOString().slice(0, 19)}.500Z`);
  });

  it('When expires_at has a negative offset, then it is the same instant in UTC', async () => {
    const at = new Date(Date.now() + 24 * HOUR);
    const local = new Date(at.getTime() - 5 * HOUR - 30 * 60_000).toISOString().slice(0, 19);
    const k = await newKey(['AccessProfiles:View'], { expires_at: `${local}-05:30` });
    expect(k.expires_at).toBe(`${at.toISOString().slice(0, 19)}.000Z`);
  });

  it.each([
    '2027-01-01T24:00:00Z',
    '2027-01-01T23:60:00Z',
    '2027-04-31T00:00:00Z',
    '2027-00-10T00:00:00Z',
    '2027-01-00T00:00:00Z',
    '2027-01-01T00:00:00+24:00',
    '2027-01-01T00:00:00+01:60',
    '2027-01-01 00:00:00Z',
    'next tuesday',
  ])('When expires_at is %s, then it answers 400 naming expires_at', async (at) => {
    const res = await t.client.POST('/api/api-keys', {
      body: { name: uniqueName(), scopes: ['AccessProfiles:View'], expires_at: at },
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed', res.response))).toEqual(['expires_at']);
  });

  it('When expires_at is the last day of a month, in a leap year on 29 February, then it is accepted', async () => {
    for (const at of ['2099-01-31T00:00:00Z', '2096-02-29T12:00:00Z', '2099-12-31T23:59:59Z']) {
      const k = await newKey(['AccessProfiles:View'], { expires_at: at });
      expect(Date.parse(k.expires_at!)).toBe(Date.parse(at));
    }
  });
});

describe('expiry with request validation turned off (VALIDATE_REQUESTS=false)', () => {
  let open: TestServer;
  beforeAll(async () => {
    open = await startTestServer({ env: { VALIDATE_REQUESTS: 'false' } });
  });
  afterAll(async () => open?.close());

  it.each([
    '2027-13-01T00:00:00Z',
    '2027-00-10T00:00:00Z',
    '2027-02-29T00:00:00Z',
    '2027-01-00T00:00:00Z',
    '2027-01-01T24:00:00Z',
    '2027-01-01T23:60:00Z',
    '2027-01-01T23:59:61Z',
    '2027-01-01T00:00:00+24:00',
    '2027-01-01T00:00:00+01:60',
    '2027-01-01 00:00:00Z',
    '2027-01-01T00:00:00+0100',
  ])('When expires_at is %s, then the server itself answers 400 naming expires_at and creates nothing', async (at) => {
    const before = (await storeCounts(open.db)).apiKeys;
    const res = await open.client.POST('/api/api-keys', {
      body: { name: uniqueName(), scopes: ['Roles:View'], expires_at: at },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toEqual([
      { param: 'expires_at', message: 'must be an RFC 3339 date-time such as 2027-01-01T00:00:00Z' },
    ]);
    expect((await storeCounts(open.db)).apiKeys).toBe(before);
  });

  it('When expires_at is the last second of a leap day or has the largest valid offset, then it is accepted', async () => {
    for (const [at, utc] of [
      ['2096-02-29T23:59:59Z', '2096-02-29T23:59:59.000Z'],
      ['2099-01-01T00:00:00+23:59', '2098-12-31T00:01:00.000Z'],
      ['2099-01-01T00:00:00-00:59', '2099-01-01T00:59:00.000Z'],
    ]) {
      const res = await open.client.POST('/api/api-keys', {
        body: { name: uniqueName(), scopes: ['Roles:View'], expires_at: at },
      });
      expect(res.response.status, `${at}: ${JSON.stringify(res.error)}`).toBe(201);
      expect(res.data!.api_key.expires_at).toBe(utc);
    }
  });
});

describe('changing a key', () => {
  it('When only the name is changed, then it is stored trimmed, scopes and expiry stay, and updated_at moves while created_at does not', async () => {
    const expires = inHours(48);
    const k = await newKey(['AccessProfiles:View', 'Roles:View'], { expires_at: expires });
    await new Promise((r) => setTimeout(r, 5));
    const res = await t.client.PUT('/api/api-keys/{id}', {
      params: { path: { id: k.id } },
      body: { name: '  renamed key  ' },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const after = res.data!.api_key;
    expect(after).toMatchObject({
      id: k.id,
      name: 'renamed key',
      scopes: ['AccessProfiles:View', 'Roles:View'],
      expires_at: k.expires_at,
      created_at: k.created_at,
      prefix: k.prefix,
    });
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(k.updated_at));
    expect(await getKey(k.id)).toEqual(after);
  });

  it('When only the scopes are changed, then name and expiry stay', async () => {
    const k = await newKey(['AccessProfiles:View', 'Roles:View'], { expires_at: inHours(48) });
    const res = await t.client.PUT('/api/api-keys/{id}', {
      params: { path: { id: k.id } },
      body: { scopes: ['Roles:View'] },
    });
    expect(res.data!.api_key).toMatchObject({ name: k.name, scopes: ['Roles:View'], expires_at: k.expires_at });
  });

  it('When a name is only white space, then create and update answer 400 naming name', async () => {
    const res = await t.client.POST('/api/api-keys', { body: { name: ' \t ', scopes: ['Roles:View'] } });
    expect(expectEnvelope(res.error, 400, 'validation_failed', res.response).error.param).toBe('name');
    const k = await newKey(['Roles:View']);
    const upd = await t.client.PUT('/api/api-keys/{id}', { params: { path: { id: k.id } }, body: { name: '   ' } });
    expect(expectEnvelope(upd.error, 400, 'validation_failed', upd.response).error.param).toBe('name');
    expect((await getKey(k.id)).name).toBe(k.name);
  });
});

describe("handing on scopes within one's own expiry", () => {
  it('When an expiring key gives scopes to a key that expires before it, then that is allowed', async () => {
    const caller = await newKey(['APIKeys:Create', 'APIKeys:Update', 'Roles:View'], { expires_at: inHours(2) });
    const target = await newKey(['Roles:View'], { expires_at: inHours(1) });
    const res = await t.clientWith(caller.key).PUT('/api/api-keys/{id}', {
      params: { path: { id: target.id } },
      body: { scopes: ['Roles:View', 'APIKeys:Create'] },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.api_key.scopes).toEqual(['Roles:View', 'APIKeys:Create']);
  });

  it('When an expiring key gives scopes to a key that never expires and sets an expiry within its own in the same change, then that is allowed', async () => {
    const caller = await newKey(['APIKeys:Create', 'APIKeys:Update', 'Roles:View'], { expires_at: inHours(2) });
    const target = await newKey(['Roles:View']);
    const within = inHours(1);
    const res = await t.clientWith(caller.key).PUT('/api/api-keys/{id}', {
      params: { path: { id: target.id } },
      body: { scopes: ['Roles:View', 'APIKeys:Create'], expires_at: within },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.api_key).toMatchObject({ scopes: ['Roles:View', 'APIKeys:Create'], expires_at: within });
  });

  it('When an expiring key renames a key that never expires, then that is allowed (no scopes or expiry handed on)', async () => {
    const caller = await newKey(['APIKeys:Update', 'Roles:View'], { expires_at: inHours(2) });
    const target = await newKey(['Roles:View']);
    const res = await t
      .clientWith(caller.key)
      .PUT('/api/api-keys/{id}', { params: { path: { id: target.id } }, body: { name: 'renamed by an expiring key' } });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.api_key).toMatchObject({ name: 'renamed by an expiring key', expires_at: null });
  });

  it('When an expiring key creates a key expiring a second after it, then it answers 403 expiry_not_held naming its own expiry', async () => {
    const caller = await newKey(['APIKeys:Create', 'Roles:View'], { expires_at: inHours(2) });
    const later = new Date(Date.parse(caller.expires_at!) + 1000).toISOString();
    const res = await t
      .clientWith(caller.key)
      .POST('/api/api-keys', { body: { name: uniqueName(), scopes: ['Roles:View'], expires_at: later } });
    const env = expectEnvelope(res.error, 403, 'expiry_not_held', res.response);
    expect(env.error.details).toEqual([
      { param: 'expires_at', message: `must be set and no later than ${caller.expires_at}` },
    ]);
    expect(env.error.message).toContain(caller.expires_at!);
  });
});

describe('an expiring key and keys that would outlive it', () => {
  it('When an expiring key creates a key with no expiry, then it answers 403 expiry_not_held; with exactly its own expiry it is allowed', async () => {
    const caller = await newKey(['APIKeys:Create', 'Roles:View'], { expires_at: inHours(2) });
    const none = await t
      .clientWith(caller.key)
      .POST('/api/api-keys', { body: { name: uniqueName(), scopes: ['Roles:View'] } });
    expect(expectEnvelope(none.error, 403, 'expiry_not_held', none.response).error.param).toBe('expires_at');
    const same = await t
      .clientWith(caller.key)
      .POST('/api/api-keys', { body: { name: uniqueName(), scopes: ['Roles:View'], expires_at: caller.expires_at! } });
    expect(same.response.status, JSON.stringify(same.error)).toBe(201);
    expect(same.data!.api_key.expires_at).toBe(caller.expires_at);
  });

  it("When an expiring key moves another key's expiry past its own, then it answers 403 and the expiry stays", async () => {
    const caller = await newKey(['APIKeys:Update', 'Roles:View'], { expires_at: inHours(2) });
    const target = await newKey(['Roles:View'], { expires_at: inHours(1) });
    const res = await t
      .clientWith(caller.key)
      .PUT('/api/api-keys/{id}', { params: { path: { id: target.id } }, body: { expires_at: inHours(3) } });
    expectEnvelope(res.error, 403, 'expiry_not_held', res.response);
    expect((await getKey(target.id)).expires_at).toBe(target.expires_at);
  });

  it('When an expiring key gives scopes to a key that never expires, then it answers 403 and the scopes stay', async () => {
    const caller = await newKey(['APIKeys:Update', 'Roles:View', 'Roles:Create'], { expires_at: inHours(2) });
    const target = await newKey(['Roles:View']);
    const res = await t.clientWith(caller.key).PUT('/api/api-keys/{id}', {
      params: { path: { id: target.id } },
      body: { scopes: ['Roles:View', 'Roles:Create'] },
    });
    expectEnvelope(res.error, 403, 'expiry_not_held', res.response);
    expect((await getKey(target.id)).scopes).toEqual(['Roles:View']);
  });
});

describe('what the other key errors say', () => {
  it('When expires_at is in the past, a key is unknown or a key deletes itself, then the message says so', async () => {
    const past = await t.client.POST('/api/api-keys', {
      body: { name: uniqueName(), scopes: ['Roles:View'], expires_at: new Date(Date.now() - 60_000).toISOString() },
    });
    expect(expectEnvelope(past.error, 400, 'validation_failed', past.response).error.details).toEqual([
      { param: 'expires_at', message: 'must be in the future' },
    ]);
    const unknown = await t.client.GET('/api/api-keys/{id}', { params: { path: { id: 'key_unknown000000' } } });
    expect(expectEnvelope(unknown.error, 404, 'api_key_not_found', unknown.response).error).toMatchObject({
      param: 'id',
      message: "API key 'key_unknown000000' was not found.",
    });
    const k = await newKey(['APIKeys:Delete', 'Roles:View']);
    const self = await t.clientWith(k.key).DELETE('/api/api-keys/{id}', { params: { path: { id: k.id } } });
    expect(expectEnvelope(self.error, 409, 'api_key_self_delete', self.response).error).toMatchObject({
      param: 'id',
      message: 'An API key cannot delete itself; use another key with APIKeys:Delete.',
    });
  });

  it('When a key with Delete targets a more powerful key, then the message lists the scopes it lacks', async () => {
    const caller = await newKey(['APIKeys:Delete', 'Roles:View']);
    const target = await newKey(['Roles:View', 'Users:View']);
    const res = await t.clientWith(caller.key).DELETE('/api/api-keys/{id}', { params: { path: { id: target.id } } });
    expect(expectEnvelope(res.error, 403, 'scope_not_held', res.response).error.message).toBe(
      'This API key cannot change or delete a key holding scopes it does not hold: Users:View.',
    );
  });

  it('When authentication fails or no route matches, then each message says what to do or what was asked', async () => {
    const missing = await raw('/api/roles');
    expect((await missing.json()).error.message).toBe("Send a management API key as 'Authorization: Bearer <key>'.");
    const malformed = await raw('/api/roles', { headers: { Authorization: 'Basic abc' } });
    expect((await malformed.json()).error.message).toBe("The Authorization header must be 'Bearer <key>'.");
    const unknown = await raw('/api/roles', { headers: { Authorization: 'Bearer apk_unknown' } });
    expect((await unknown.json()).error.message).toBe('The API key is not valid.');
    const noRoute = await raw('/api/nothing-here', { headers: { Authorization: `Bearer ${t.adminKey}` } });
    expect(expectEnvelope(await noRoute.json(), 404, 'route_not_found', noRoute).error.message).toBe(
      'No route GET /api/nothing-here.',
    );
    const method = await raw('/api/roles', {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${t.adminKey}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(expectEnvelope(await method.json(), 405, 'method_not_allowed', method).error.message).toBe(
      'Method PATCH is not allowed on /api/roles.',
    );
  });

  it('When a key changes a profile, then the version and audit entry name it as "name (id)"', async () => {
    const k = await newKey(['AccessProfiles:Create', 'AccessProfiles:View'], { name: uniqueName('author') });
    const p = (await t.clientWith(k.key).POST('/api/access-profiles', { body: { name: uniqueName('authored') } })).data!
      .access_profile;
    const audit = (await t.client.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id: p.id } } })).data!
      .audit_logs;
    expect(audit[0]!.actor).toBe(`${k.name} (${k.id})`);
  });
});

describe('errors that say what is missing', () => {
  it('When a key grants two scopes it lacks, then the 403 has one detail per scope, naming scopes', async () => {
    const caller = await newKey(['APIKeys:Create', 'Roles:View']);
    const res = await t
      .clientWith(caller.key)
      .POST('/api/api-keys', { body: { name: uniqueName(), scopes: ['Roles:View', 'Users:View', 'Users:Delete'] } });
    const env = expectEnvelope(res.error, 403, 'scope_not_held', res.response);
    expect(env.error.param).toBe('scopes');
    expect(env.error.details).toEqual([
      { param: 'scopes', message: 'Users:View is not held by the calling key' },
      { param: 'scopes', message: 'Users:Delete is not held by the calling key' },
    ]);
    expect(env.error.message).toContain('Users:View, Users:Delete');
  });

  it('When a key deletes a key holding scopes it lacks, then the 403 names id and each scope the target holds beyond it', async () => {
    const caller = await newKey(['APIKeys:Delete', 'Roles:View']);
    const target = await newKey(['Roles:View', 'Roles:Create', 'Users:View']);
    const res = await t.clientWith(caller.key).DELETE('/api/api-keys/{id}', { params: { path: { id: target.id } } });
    const env = expectEnvelope(res.error, 403, 'scope_not_held', res.response);
    expect(env.error.param).toBe('id');
    expect(env.error.message).toBe(
      'This API key cannot change or delete a key holding scopes it does not hold: Roles:Create, Users:View.',
    );
    expect(env.error.details).toEqual([
      { param: 'id', message: 'the target key holds Roles:Create, which the calling key does not' },
      { param: 'id', message: 'the target key holds Users:View, which the calling key does not' },
    ]);
    expect((await getKey(target.id)).id).toBe(target.id);
  });

  it('When keys are paged, then total_count counts them all', async () => {
    await newKey(['Roles:View']);
    const all = (await t.client.GET('/api/api-keys', { params: { query: { limit: 100 } } })).data!;
    const page = (await t.client.GET('/api/api-keys', { params: { query: { limit: 1, offset: 1 } } })).data!;
    expect(page).toMatchObject({ count: 1, total_count: all.total_count, limit: 1, offset: 1 });
    expect(page.api_keys[0]).toEqual(all.api_keys[1]);
  });
});

describe('last_used_at', () => {
  it('When a key is used twice within a minute, then last_used_at is set by the first use and not moved by the second', async () => {
    const k = await newKey(['Roles:View', 'APIKeys:View']);
    expect(k.last_used_at).toBeNull();
    const before = Date.now();
    expect((await t.clientWith(k.key).GET('/api/roles')).response.status).toBe(200);
    const first = (await getKey(k.id)).last_used_at;
    expect(Date.parse(first!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(first!)).toBeLessThanOrEqual(Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 20));
    expect((await t.clientWith(k.key).GET('/api/roles')).response.status).toBe(200);
    expect((await getKey(k.id)).last_used_at).toBe(first);
  });

  it('When a request is refused for a missing permission, then the key still counts as used', async () => {
    const k = await newKey(['Roles:View']);
    const res = await t.clientWith(k.key).GET('/api/users');
    expectEnvelope(res.error, 403, 'missing_permission', res.response);
    expect((await getKey(k.id)).last_used_at).not.toBeNull();
  });
});

describe('the Authorization header', () => {
  it.each([`Bearer   KEY`, `Bearer\tKEY`, `BEARER KEY`, `Bearer KEY   `])(
    'When Authorization is %j (spacing and case of the scheme), then the key is accepted',
    async (form) => {
      const res = await raw('/api/roles?limit=1', { headers: { Authorization: form.replace('KEY', t.adminKey) } });
      expect(res.status).toBe(200);
    },
  );

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc', 'xBearer abc', 'BearerKEY'])(
    'When Authorization is %j, then it answers 401 invalid_authorization_header naming Authorization',
    async (header) => {
      const res = await raw('/api/roles', { headers: { Authorization: header.replace('KEY', t.adminKey) } });
      const env = expectEnvelope(await res.json(), 401, 'invalid_authorization_header', res);
      expect(env.error.param).toBe('Authorization');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="access-profiles"');
    },
  );

  it('When the key is unknown or the header missing, then the 401 names no parameter', async () => {
    for (const headers of [{}, { Authorization: 'Bearer apk_unknown' }] as Array<Record<string, string>>) {
      const res = await raw('/api/roles', { headers });
      const env = expectEnvelope(await res.json(), 401, undefined, res);
      expect(env.error.param).toBe('');
    }
  });

  it('When an expired key is sent, then the 401 says when it expired', async () => {
    const k = await newKey(['Roles:View'], { expires_at: new Date(Date.now() + 800).toISOString() });
    await new Promise((r) => setTimeout(r, 1000));
    const res = await t.clientWith(k.key).GET('/api/roles');
    expect(expectEnvelope(res.error, 401, 'api_key_expired', res.response).error.message).toContain(k.expires_at!);
  });

  it('When the Authorization header is sent empty, then it answers 401 missing_api_key', async () => {
    const res = await raw('/api/roles', { headers: { Authorization: '' } });
    expectEnvelope(await res.json(), 401, 'missing_api_key', res);
  });

  it('When a path only contains /api further along, then without a key it is a 404, not a 401; /api itself needs a key', async () => {
    const deeper = await raw('/docs/api/roles');
    expectEnvelope(await deeper.json(), 404, 'route_not_found', deeper);
    const bare = await raw('/api');
    expectEnvelope(await bare.json(), 401, 'missing_api_key', bare);
  });

  it('When a path outside /api that merely starts with the letters api is requested without a key, then it is a 404, not a 401', async () => {
    const res = await raw('/apix/roles');
    expectEnvelope(await res.json(), 404, 'route_not_found', res);
  });

  it('When an open operation is called without a key, then it answers, and with a key lacking every scope too', async () => {
    expect((await raw('/livez')).status).toBe(200);
    const k = await newKey(['Roles:View']);
    expect((await raw('/livez', { headers: { Authorization: `Bearer ${k.key}` } })).status).toBe(200);
  });
});
