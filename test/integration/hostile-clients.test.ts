// A hostile or careless client cannot stall, bloat or fool the server: bounded validation, slow clients
// cut off with 408, a cap on connections, rate limits with 429, no key outliving its own expiry, input
// that would be misread refused, and security headers.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { startTestServer, storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { apiKeys } from '../../server/store/api-keys.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
async function send(url: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  return { res, text, body: text ? (JSON.parse(text) as unknown) : undefined };
}
const postProfile = (
  body: string,
  headers: Record<string, string> = { ...auth(), 'Content-Type': 'application/json' },
) => send(t.url, '/api/access-profiles', { method: 'POST', headers, body });

const lingering: Socket[] = [];
afterAll(() => {
  for (const s of lingering) s.destroy();
});

/** Writes raw bytes on a socket and collects what comes back until the server closes it (or `waitMs`). */
function rawExchange(
  port: number,
  chunks: string[],
  waitMs = 10_000,
  halfOpen = false,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    // halfOpen: like a hostile client, never close our side when the server closes its side.
    const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen });
    let text = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (d) => (text += d.toString('utf8')));
    socket.on('close', () => done(true));
    if (halfOpen) {
      socket.on('end', () => {
        // The server closed its side: keep ours open (the slot is freed only if the server lets go).
        clearTimeout(timer);
        lingering.push(socket);
        resolve({ text, closed: true });
      });
    }
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
  });
}
const envelopeOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as unknown;
const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);

describe('bounded validation', () => {
  it('When a body carries 250,000 empty budgets (750 KB), then it answers a small 400 naming the oversized array and creates nothing', async () => {
    const before = await storeCounts(t.db);
    const { res, body, text } = await postProfile(`{"name":"x","budgets":[${Array(250_000).fill('{}').join(',')}]}`);
    const env = expectEnvelope(body, 400, 'validation_failed', res);
    expect(env.error.details).toEqual([{ param: 'budgets', message: 'must NOT have more than 100 items' }]);
    expect(text.length).toBeLessThan(64 * 1024);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When tags hold 200,000 numbers, then the 400 stays small', async () => {
    const { res, body, text } = await postProfile(`{"name":"x","tags":[${Array(200_000).fill('1').join(',')}]}`);
    expect(expectEnvelope(body, 400, 'validation_failed', res).error.details[0]).toEqual({
      param: 'tags',
      message: 'must NOT have more than 50 items',
    });
    expect(text.length).toBeLessThan(64 * 1024);
  });

  it('When every element of the largest arrays the schema allows is wrong, then details stop at 20 and say they were truncated', async () => {
    const providerConfigs = Array.from({ length: 100 }, (_, i) => ({
      provider_name: `p${i}`,
      allowed_models: Array(1000).fill(1),
    }));
    const { res, body, text } = await postProfile(JSON.stringify({ name: 'x', provider_configs: providerConfigs }));
    const env = expectEnvelope(body, 400, 'validation_failed', res);
    expect(env.error.details).toHaveLength(20);
    expect(env.error.details_truncated).toBe(true);
    expect(env.error.message).toMatch(
      /^Request validation failed: provider_configs\[0\]\.allowed_models\[0\] must be string \(and more problems\)\.$/,
    );
    expect(text.length).toBeLessThan(64 * 1024);
  });

  it('When a body has 50,000 unknown fields, then it answers 400 listing 20 of them, truncated', async () => {
    const fields = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`f${i}`, 1]));
    const { res, body, text } = await postProfile(JSON.stringify({ name: 'x', ...fields }));
    const env = expectEnvelope(body, 400, 'validation_failed', res);
    expect(env.error.details[0]).toEqual({ param: 'f0', message: 'unknown field' });
    expect(env.error.details_truncated).toBe(true);
    expect(text.length).toBeLessThan(64 * 1024);
  });

  it('When a few problems are found, then all are listed, the message names the first, and nothing is truncated', async () => {
    const { res, body } = await postProfile(
      JSON.stringify({ name: '', budgets: [{ max_limit: -1, reset_duration: '1h' }], extra: 1 }),
    );
    const env = expectEnvelope(body, 400, 'validation_failed', res);
    expect(env.error.details_truncated).toBe(false);
    expect(env.error.details.map((d) => d.param)).toEqual(
      expect.arrayContaining(['name', 'budgets[0].max_limit', 'extra']),
    );
    expect(env.error.message).toMatch(/^Request validation failed: \S+ .+ \(and \d+ more problems?\)\.$/);
  });

  it('While an oversized body is being refused, then /health keeps answering', async () => {
    const big = postProfile(`{"name":"x","budgets":[${Array(250_000).fill('{}').join(',')}]}`);
    const health = await send(t.url, '/health');
    expect(health.res.status).toBe(200);
    expect((await big).res.status).toBe(400);
  });
});

describe('authentication before the body', () => {
  it('When a request without a valid key announces a 1 MB body and never sends it, then it answers 401 at once and closes', async () => {
    const raw = await rawExchange(
      t.server.port,
      [
        'POST /api/access-profiles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-key\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"name":',
      ],
      5000,
    );
    expect(statusOf(raw.text)).toBe(401);
    expect(raw.text).toMatch(/\r\nConnection: close\r\n/i);
    expect(raw.closed).toBe(true);
    expectEnvelope(envelopeOf(raw.text), 401, 'invalid_api_key');
  });

  it('When a request without a key is refused, then its body is never parsed (malformed JSON still gets 401, not 400)', async () => {
    const { res, body } = await postProfile('{not json', { 'Content-Type': 'application/json' });
    expectEnvelope(body, 401, 'missing_api_key', res);
  });
});

describe('slow clients', () => {
  let slow: TestServer;
  beforeAll(async () => {
    slow = await startTestServer({
      env: { HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '1000', MAX_CONNECTIONS: '3' },
    });
  });
  afterAll(async () => slow?.close());

  it('When a client sends its body too slowly, then it gets 408 request_timeout with the envelope and the connection closes', async () => {
    const raw = await rawExchange(slow.server.port, [
      `POST /api/access-profiles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${slow.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`,
    ]);
    expect(statusOf(raw.text)).toBe(408);
    expectEnvelope(envelopeOf(raw.text), 408, 'request_timeout');
    expect(raw.closed).toBe(true);
  });

  it('When a client never finishes its headers, then it gets 408 and the connection closes', async () => {
    const raw = await rawExchange(slow.server.port, ['GET /health HTTP/1.1\r\nHost: x\r\n']);
    expect(statusOf(raw.text)).toBe(408);
    expect(raw.closed).toBe(true);
  });

  it('When more connections are open than MAX_CONNECTIONS, then the extra one is closed unanswered and the server still serves after', async () => {
    const held = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect(slow.server.port, '127.0.0.1', () => resolve(s));
            s.on('error', () => undefined);
          }),
      ),
    );
    const extra = await rawExchange(slow.server.port, ['GET /health HTTP/1.1\r\nHost: x\r\n\r\n'], 3000);
    expect(extra.text).toBe('');
    expect(extra.closed).toBe(true);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await send(slow.url, '/health')).res.status).toBe(200);
  });
});

describe('rate limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      env: { RATE_LIMIT_PER_KEY: '5', RATE_LIMIT_AUTH_FAILURES: '3', RATE_LIMIT_WINDOW_MS: '60000' },
    });
  });
  afterAll(async () => limited?.close());

  it('When one key sends more requests than its limit, then it gets 429 with Retry-After and RateLimit headers, while another key is unaffected', async () => {
    const other = (
      await limited.client.POST('/api/api-keys', {
        body: { name: uniqueName('other'), scopes: ['AccessProfiles:View'] },
      })
    ).data!.api_key.key;
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 6; i++) {
      last = await send(limited.url, '/api/access-profiles', { headers: auth(limited.adminKey) });
      statuses.push(last.res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]); // the key's create above was the first of its 5
    const env = expectEnvelope(last!.body, 429, 'rate_limited', last!.res);
    expect(env.error.type).toBe('rate_limit_error');
    expect(Number(last!.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.res.headers.get('ratelimit')).toMatch(/"per-key"; ?r=0; ?t=\d+/);
    expect(last!.res.headers.get('ratelimit-policy')).toMatch(/"per-key"; ?q=5; ?w=60/);
    expect((await send(limited.url, '/api/access-profiles', { headers: auth(other) })).res.status).toBe(200);
  });

  it('When an address fails authentication past its limit, then every request from it gets 429, even with a valid key', async () => {
    const fresh = await startTestServer({ env: { RATE_LIMIT_AUTH_FAILURES: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await send(fresh.url, '/api/access-profiles', { headers: auth('not-a-key') })).res.status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const valid = await send(fresh.url, '/api/access-profiles', { headers: auth(fresh.adminKey) });
      expectEnvelope(valid.body, 429, 'rate_limited', valid.res);
      expect((await send(fresh.url, '/health')).res.status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});

describe('a key cannot outlive its own expiry', () => {
  const soon = () => new Date(Date.now() + 3600_000).toISOString();
  async function expiringKey(scopes: Array<'APIKeys:Create' | 'APIKeys:Update' | 'APIKeys:View'>) {
    const created = await t.client.POST('/api/api-keys', {
      body: { name: uniqueName('expiring'), scopes, expires_at: soon() },
    });
    return created.data!.api_key;
  }

  it('When an expiring key sets its own expiry to null or later, then it answers 403 expiry_not_held and the expiry stays', async () => {
    const k = await expiringKey(['APIKeys:Update', 'APIKeys:View']);
    const as = t.clientWith(k.key);
    for (const expires_at of [null, '2099-01-01T00:00:00Z']) {
      const res = await as.PUT('/api/api-keys/{id}', { params: { path: { id: k.id } }, body: { expires_at } });
      expect(expectEnvelope(res.error, 403, 'expiry_not_held', res.response).error.param).toBe('expires_at');
    }
    expect(
      (await t.client.GET('/api/api-keys/{id}', { params: { path: { id: k.id } } })).data!.api_key.expires_at,
    ).toBe(k.expires_at);
    const earlier = new Date(Date.parse(k.expires_at!) - 60_000).toISOString();
    const ok = await as.PUT('/api/api-keys/{id}', { params: { path: { id: k.id } }, body: { expires_at: earlier } });
    expect(ok.data!.api_key.expires_at).toBe(earlier);
  });

  it('When an expiring key creates a key without expiry or expiring later, then it answers 403 and creates nothing; no later is fine', async () => {
    const k = await expiringKey(['APIKeys:Create']);
    const as = t.clientWith(k.key);
    const before = await storeCounts(t.db);
    for (const body of [{}, { expires_at: null }, { expires_at: '2099-01-01T00:00:00Z' }]) {
      const res = await as.POST('/api/api-keys', {
        body: { name: uniqueName('minted'), scopes: ['APIKeys:Create'], ...body },
      });
      expectEnvelope(res.error, 403, 'expiry_not_held', res.response);
    }
    expect((await storeCounts(t.db)).apiKeys).toBe(before.apiKeys);
    const ok = await as.POST('/api/api-keys', {
      body: { name: uniqueName('minted'), scopes: ['APIKeys:Create'], expires_at: k.expires_at },
    });
    expect(ok.response.status).toBe(201);
  });
});

describe('input that would be misread is refused', () => {
  async function userWithCopy() {
    const profile = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('vk-profile') } })).data!
      .access_profile;
    const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('vk-role') } })).data!.role;
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: profile.id } },
      body: { role_ids: [role.id], is_default: true },
    });
    const userId = uniqueName('vk-user');
    await t.client.POST('/api/users', { body: { id: userId, role_ids: [role.id] } });
    return userId;
  }

  it('When a POST that needs a body comes with none but Content-Type text/plain, then it answers 415 naming Content-Type and nothing is created', async () => {
    const before = await storeCounts(t.db);
    const { res, body } = await send(t.url, '/api/roles', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'text/plain' },
    });
    expect(expectEnvelope(body, 415, 'unsupported_media_type', res).error.param).toBe('Content-Type');
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it.each([
    ['no Content-Type', {}],
    ['an empty Content-Type', { 'Content-Type': '' }],
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['application/vnd.api+json', { 'Content-Type': 'application/vnd.api+json' }],
  ])(
    'When a body is sent with %s, then it answers 415 naming Content-Type and nothing is created',
    async (_label, headers) => {
      const userId = await userWithCopy();
      const keysBefore = (
        await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: userId } } })
      ).data!.access_profiles[0]!.virtual_key_ids;
      const { res, body } = await send(t.url, `/api/users/${userId}/virtual-keys`, {
        method: 'POST',
        headers: { ...auth(), ...headers },
        body: '{"name":"wanted"}',
      });
      expect(expectEnvelope(body, 415, 'unsupported_media_type', res).error.param).toBe('Content-Type');
      const keysAfter = (
        await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: userId } } })
      ).data!.access_profiles[0]!.virtual_key_ids;
      expect(keysAfter).toEqual(keysBefore);
    },
  );

  it('When a JSON body is not valid UTF-8, then it answers 400 invalid_utf8 and stores nothing', async () => {
    const before = await storeCounts(t.db);
    const bytes = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const { res, body } = await send(t.url, '/api/access-profiles', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: bytes,
    });
    expect(expectEnvelope(body, 400, 'invalid_utf8', res).error.param).toBe('body');
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it.each([
    ['search', '%ZZ'],
    ['search', '%C0%AF'],
    ['tags', 'a%E2%82'],
    ['search', 'ok%'],
  ])('When %s is %s (broken percent-encoding), then it answers 400 naming it', async (name, value) => {
    const { res, body } = await send(t.url, `/api/access-profiles?${name}=${value}`, { headers: auth() });
    expect(expectEnvelope(body, 400, 'validation_failed', res).error.param).toBe(name);
  });

  it('When search uses + or %20 for a space, or a raw @ ( ), then it finds the profile as the encoded form does', async () => {
    const name = uniqueName('Team Space (a@b)');
    await t.client.POST('/api/access-profiles', { body: { name } });
    const plus = await send(
      t.url,
      `/api/access-profiles?search=${encodeURIComponent(name).replace(/%20/g, '+').replace(/%40/g, '@')}`,
      { headers: auth() },
    );
    const pct = await send(t.url, `/api/access-profiles?search=${encodeURIComponent(name)}`, { headers: auth() });
    expect(pct.res.status).toBe(200);
    expect((pct.body as { access_profiles: Array<{ name: string }> }).access_profiles.map((p) => p.name)).toEqual([
      name,
    ]);
    expect(plus.res.status).toBe(200);
    expect(plus.body).toEqual(pct.body);
  });

  it('When two names differ only by Unicode normalisation or surrounding space, then the second is a 409 and names are stored canonical', async () => {
    const base = uniqueName('caf');
    const nfc = `${base}\u00e9`;
    const nfd = `${base}e\u0301`;
    const first = await t.client.POST('/api/access-profiles', { body: { name: `  ${nfd}\t` } });
    expect(first.response.status).toBe(201);
    expect(first.data!.access_profile.name).toBe(nfc);
    for (const name of [nfc, `${nfc} `, nfd]) {
      const res = await t.client.POST('/api/access-profiles', { body: { name } });
      expectEnvelope(res.error, 409, 'access_profile_name_taken', res.response);
    }
    const role = await t.client.POST('/api/roles', { body: { name: `${nfd} ` } });
    expect(role.data!.role.name).toBe(nfc);
    const again = await t.client.POST('/api/roles', { body: { name: nfc } });
    expectEnvelope(again.error, 409, 'role_name_taken', again.response);
  });

  it.each([
    ['only a zero-width space', '\u200b'],
    ['only Hangul fillers', '\u3164\u3164'],
    ['only a byte-order mark and spaces', ' \ufeff '],
    ['a line break', 'evil\r\nX-Injected: 1'],
    ['an ANSI escape', 'red\u001b[31m'],
    ['a bidi override', 'abc\u202edcba'],
    ['a DEL', 'del\u007f'],
  ])(
    'When a name contains %s, then profile, role, API key and virtual key creation answer 400 naming it and create nothing',
    async (_label, name) => {
      const before = await storeCounts(t.db);
      const profile = await t.client.POST('/api/access-profiles', { body: { name } });
      expect(expectEnvelope(profile.error, 400, 'validation_failed', profile.response).error.param).toBe('name');
      const clone = await t.client.POST('/api/access-profiles/{id}/clone', {
        params: {
          path: {
            id: (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('src') } })).data!
              .access_profile.id,
          },
        },
        body: { name },
      });
      expect(expectEnvelope(clone.error, 400, 'validation_failed', clone.response).error.param).toBe('name');
      const role = await t.client.POST('/api/roles', { body: { name } });
      expect(expectEnvelope(role.error, 400, 'validation_failed', role.response).error.param).toBe('name');
      const key = await t.client.POST('/api/api-keys', { body: { name, scopes: ['AccessProfiles:View'] } });
      expect(expectEnvelope(key.error, 400, 'validation_failed', key.response).error.param).toBe('name');
      const after = await storeCounts(t.db);
      expect(after.apiKeys).toBe(before.apiKeys);
      expect(after.profiles).toBe(before.profiles + 1); // the clone's source only
    },
  );
});

describe('security headers', () => {
  it('When any /api answer is sent, then it says nosniff, no-store and deny framing', async () => {
    for (const r of [
      await send(t.url, '/api/access-profiles', { headers: auth() }),
      await send(t.url, '/api/access-profiles'),
      await send(t.url, '/health'),
    ]) {
      expect(r.res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.res.headers.get('cache-control')).toBe('no-store');
      expect(r.res.headers.get('x-frame-options')).toBe('DENY');
      expect(r.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('When a key or virtual key is created, then the answer carrying the secret is not storable', async () => {
    const res = await t.client.POST('/api/api-keys', {
      body: { name: uniqueName('secret'), scopes: ['AccessProfiles:View'] },
    });
    expect(res.response.headers.get('cache-control')).toBe('no-store');
  });

  it('When /docs is served, then a CSP allows only its own inlined code and forbids framing', async () => {
    const r = await fetch(`${t.url}/docs`);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

// Found by probing the first version of these defences from outside (real process, raw sockets).
describe('second round: what a probe found', () => {
  const propagate = (body: string) =>
    send(t.url, '/api/access-profiles/1/propagate', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body,
    });

  it('When user_ids in propagate hold 10,000 arrays (uniqueItems), then it answers a small 400 without comparing them pairwise', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => [i, ...Array(40).fill(0)]);
    const { res, body, text } = await propagate(JSON.stringify({ fields: ['budgets'], dry_run: true, user_ids: ids }));
    expect(expectEnvelope(body, 400, 'validation_failed', res).error.details[0]).toEqual({
      param: 'user_ids[0]',
      message: 'must be string',
    });
    expect(text.length).toBeLessThan(64 * 1024);
  });

  it('When a uniqueItems array holds deeply nested duplicates, then it answers 400, not a 500 from a stack overflow', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const key = await send(t.url, '/api/api-keys', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: `{"name":"deep","scopes":[${deep},${deep}]}`,
    });
    expectEnvelope(key.body, 400, 'validation_failed', key.res);
    const nestedObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const override = `{"mcp_client_id":"c","tool_name":"t","action":"include","x":${nestedObject}}`;
    const res = await postProfile(`{"name":"deep-overrides","mcp_tool_overrides":[${override},${override}]}`);
    expect(expectEnvelope(res.body, 400, 'validation_failed', res.res).error.details.map((d) => d.message)).toContain(
      'unknown field',
    );
  });

  it('When a name grows past its limit under NFC, then it answers 400 and nothing is stored (reads stay valid)', async () => {
    const before = await storeCounts(t.db);
    const grown = await t.client.POST('/api/access-profiles', { body: { name: '\u0958'.repeat(255) } });
    expect(expectEnvelope(grown.error, 400, 'validation_failed', grown.response).error.details[0]!.message).toMatch(
      /more than 255 characters once normalised/,
    );
    const role = await t.client.POST('/api/roles', { body: { name: '\ufb2c'.repeat(100) } });
    expectEnvelope(role.error, 400, 'validation_failed', role.response);
    expect(await storeCounts(t.db)).toEqual(before);
    expect((await t.client.GET('/api/access-profiles', { params: { query: { limit: 500 } } })).response.status).toBe(
      200,
    );
  });

  it.each([
    ['a Braille blank', '\u2800\u2800'],
    ['a line separator', 'a\u2028b'],
    ['a paragraph separator', 'a\u2029b'],
    ['an interlinear annotation', 'a\ufff9b'],
    ['only a combining mark', '\u0301'],
  ])('When a name holds %s, then it is refused with 400', async (_label, name) => {
    const res = await t.client.POST('/api/roles', { body: { name } });
    expect(expectEnvelope(res.error, 400, 'validation_failed', res.response).error.param).toBe('name');
  });

  it('When an expiring key grants scopes to a key that never expires, then it answers 403 expiry_not_held and the scopes stay', async () => {
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const k1 = (
      await t.client.POST('/api/api-keys', {
        body: {
          name: uniqueName('k1'),
          scopes: ['APIKeys:Create', 'APIKeys:Update', 'APIKeys:View', 'Roles:View'],
          expires_at: soon,
        },
      })
    ).data!.api_key;
    const k2 = (await t.client.POST('/api/api-keys', { body: { name: uniqueName('k2'), scopes: ['Roles:View'] } }))
      .data!.api_key;
    const res = await t.clientWith(k1.key).PUT('/api/api-keys/{id}', {
      params: { path: { id: k2.id } },
      body: { scopes: ['APIKeys:Create', 'APIKeys:Update', 'Roles:View'] },
    });
    expectEnvelope(res.error, 403, 'expiry_not_held', res.response);
    expect(
      (await t.client.GET('/api/api-keys/{id}', { params: { path: { id: k2.id } } })).data!.api_key.scopes,
    ).toEqual(['Roles:View']);
  });

  it('When If-Match is "01" for version 1, then it does not match (opaque tags compare as text)', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('etag') } })).data!
      .access_profile;
    const res = await t.client.PUT('/api/access-profiles/{id}', {
      params: { path: { id: p.id }, header: { 'If-Match': '"01"' } },
      body: { description: 'x' },
    });
    expectEnvelope(res.error, 412, 'version_mismatch', res.response);
  });

  it('When a body is sent to an operation that takes none, then it answers 400 body_not_allowed and does nothing', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('no-body') } })).data!
      .access_profile;
    const res = await send(t.url, `/api/access-profiles/${p.id}/activate`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: '{"is_active":false}',
    });
    expectEnvelope(res.body, 400, 'body_not_allowed', res.res);
    expect(
      (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!.access_profile
        .is_active,
    ).toBe(false);
  });

  it('When a date-time has the right shape but no such date (month 13, 30 February), then it is a 400 naming the field, wherever it is', async () => {
    for (const when of ['2030-13-01T00:00:00Z', '2030-02-30T00:00:00Z']) {
      const key = await t.client.POST('/api/api-keys', {
        body: { name: uniqueName('key'), scopes: ['AccessProfiles:View'], expires_at: when },
      });
      expect(detailParams(expectEnvelope(key.error, 400, 'validation_failed'))).toContain('expires_at');
      const rotation = await t.client.POST('/api/access-profiles', {
        body: { name: uniqueName('rot'), auto_rotation_interval: '1d', next_rotation_at: when },
      });
      expect(detailParams(expectEnvelope(rotation.error, 400, 'validation_failed'))).toContain('next_rotation_at');
    }
  });

  it('When {} is sent to an operation that takes no body (as many clients send with every PUT and DELETE), then it is accepted as no body; a larger or other body is still refused', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('empty-body') } })).data!
      .access_profile;
    const json = { ...auth(), 'Content-Type': 'application/json' };
    const activated = await send(t.url, `/api/access-profiles/${p.id}/activate`, {
      method: 'PUT',
      headers: json,
      body: ' { } ',
    });
    expect(activated.res.status).toBe(200);
    expect(
      (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!.access_profile
        .is_active,
    ).toBe(true);
    for (const body of ['[]', 'null', '{"a":1}', `{${' '.repeat(100)}}`, '{']) {
      const res = await send(t.url, `/api/access-profiles/${p.id}/deactivate`, { method: 'PUT', headers: json, body });
      expectEnvelope(res.body, 400, 'body_not_allowed', res.res);
    }
    const asText = await send(t.url, `/api/access-profiles/${p.id}/deactivate`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expectEnvelope(asText.body, 400, 'body_not_allowed', asText.res);
    expect(
      (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!.access_profile
        .is_active,
    ).toBe(true);
  });

  it('When a keyless client sends a slow body to a path outside /api, then it is answered at once without reading the body', async () => {
    const raw = await rawExchange(
      t.server.port,
      ['POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{'],
      5000,
    );
    expect(statusOf(raw.text)).toBe(404);
    expect(raw.closed).toBe(true);
  });

  it('When failed authentications go to /API (another letter case), then they count against the same limit', async () => {
    const limited = await startTestServer({ env: { RATE_LIMIT_AUTH_FAILURES: '2' } });
    try {
      const statuses: number[] = [];
      for (const path of ['/API/roles', '/Api/roles', '/api/roles', '/API/roles'])
        statuses.push((await send(limited.url, path, { headers: auth('wrong') })).res.status);
      expect(statuses).toEqual([401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('When requests with a valid key are cut off by their client before the answer, then they do not count as failed authentications', async () => {
    const limited = await startTestServer({ env: { RATE_LIMIT_AUTH_FAILURES: '2' } });
    try {
      // Authenticated, then waiting for a body that never comes: the client gives up and closes.
      for (let i = 0; i < 4; i++) {
        const socket = connect({ port: Number(new URL(limited.url).port), host: '127.0.0.1' });
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(
          `POST /api/roles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${limited.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
        );
        await new Promise((r) => setTimeout(r, 150));
        socket.destroy();
      }
      await new Promise((r) => setTimeout(r, 100));
      const res = await send(limited.url, '/api/roles', { headers: auth(limited.adminKey) });
      expect(res.res.status).toBe(200);
      // Failed authentications still count: the limit is where it was.
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await send(limited.url, '/api/roles', { headers: auth('wrong') })).res.status);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it('When bad-key requests are cut off by their client before the 401 (a slow key lookup), then they still count as failed authentications', async () => {
    // The key lookup made slow, as a round trip to a busy PostgreSQL is: the clients hang up during it.
    const byHash = apiKeys.byHash;
    (apiKeys as { byHash: typeof byHash }).byHash = async (db, hash) => {
      await new Promise((r) => setTimeout(r, 30));
      return byHash(db, hash);
    };
    const limited = await startTestServer({ env: { RATE_LIMIT_AUTH_FAILURES: '2' } });
    try {
      for (let i = 0; i < 4; i++) {
        const socket = connect({ port: Number(new URL(limited.url).port), host: '127.0.0.1' });
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(`GET /api/roles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer guess-${i}\r\n\r\n`);
        await new Promise((r) => setTimeout(r, 5));
        socket.destroy();
      }
      await new Promise((r) => setTimeout(r, 150));
      expect((await send(limited.url, '/api/roles', { headers: auth('wrong') })).res.status).toBe(429);
    } finally {
      (apiKeys as { byHash: typeof byHash }).byHash = byHash;
      await limited.close();
    }
  });

  it('When a key without the permission keeps calling, then the 403s count against its rate limit too', async () => {
    const limited = await startTestServer({ env: { RATE_LIMIT_PER_KEY: '3' } });
    try {
      const viewer = (await limited.client.POST('/api/api-keys', { body: { name: 'viewer', scopes: ['Roles:View'] } }))
        .data!.api_key.key;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await send(limited.url, '/api/users', { headers: auth(viewer) })).res.status);
      expect(statuses).toEqual([403, 403, 403, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('When a client gets a 408 and never closes its side, then the server frees the connection anyway', async () => {
    const slow = await startTestServer({
      env: { HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '300', MAX_CONNECTIONS: '2' },
    });
    try {
      const held = await Promise.all(
        [0, 1].map(() => rawExchange(slow.server.port, ['GET /livez HTTP/1.1\r\n'], 3000, true)),
      );
      for (const h of held) {
        expect(statusOf(h.text)).toBe(408);
        expect(h.closed).toBe(true);
        expect(h.text).toMatch(/X-Content-Type-Options: nosniff/i);
      }
      expect((await send(slow.url, '/livez')).res.status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('When /openapi.json is served, then it carries the security headers too', async () => {
    const r = await fetch(`${t.url}/openapi.json`);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });
});
