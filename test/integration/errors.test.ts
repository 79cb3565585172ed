// One error path: every failure leaves as the envelope with a stable code and the request id; no HTML,
// no stack traces, no 5xx for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => {
  await t?.close();
});

const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
const json = () => ({ ...auth(), 'Content-Type': 'application/json' });
async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${t.url}${path}`, init);
  const text = await res.text();
  expect(text).not.toMatch(/<html|<!DOCTYPE|\n\s+at .+\(.+:\d+:\d+\)/i); // no HTML pages, no stack traces
  return { res, body: text ? (JSON.parse(text) as unknown) : undefined };
}
const post = (body: string, headers: Record<string, string> = json()) =>
  call('/api/access-profiles', { method: 'POST', headers, body });

describe('malformed bodies', () => {
  it.each([
    ['{bad', 'truncated object'],
    ['{"name": "x",}', 'trailing comma'],
    ["{'name': 'x'}", 'single quotes'],
    ['null', 'a bare null'],
    ['"name"', 'a bare string'],
  ])('When the body is %j (%s), then it answers 400 malformed_json and creates nothing', async (body) => {
    const before = await storeCounts(t.db);
    const { res, body: env } = await post(body);
    const e = expectEnvelope(env, 400, 'malformed_json', res);
    expect(e.error.details).toEqual([{ param: 'body', message: expect.any(String) }]);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the body is a JSON array or empty, then it answers 400 validation_failed', async () => {
    const arr = await post('[{"name":"x"}]');
    expectEnvelope(arr.body, 400, 'validation_failed', arr.res);
    const empty = await post('');
    expect(detailParams(expectEnvelope(empty.body, 400, 'validation_failed', empty.res))).toContain('name');
  });

  it('When the body is larger than 1 MiB, then it answers 413 payload_too_large and creates nothing', async () => {
    const before = await storeCounts(t.db);
    const { res, body } = await post(JSON.stringify({ name: uniqueName(), description: 'x'.repeat(1024 * 1024 + 10) }));
    const e = expectEnvelope(body, 413, 'payload_too_large', res);
    expect(e.error.message).toContain('1048576');
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the body is just under 1 MiB but breaks the schema, then it is a 400, not a 413', async () => {
    const { res, body } = await post(JSON.stringify({ name: uniqueName(), description: 'x'.repeat(1000 * 1000) }));
    expect(detailParams(expectEnvelope(body, 400, 'validation_failed', res))).toContain('description');
  });

  it.each([
    ['text/plain', '{"name":"x"}'],
    ['application/x-www-form-urlencoded', 'name=x'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--'],
    ['application/xml', '<name>x</name>'],
  ])(
    'When the content type is %s, then it answers 415 unsupported_media_type naming Content-Type',
    async (type, body) => {
      const before = await storeCounts(t.db);
      const { res, body: env } = await post(body, { ...auth(), 'Content-Type': type });
      expect(expectEnvelope(env, 415, 'unsupported_media_type', res).error.param).toBe('Content-Type');
      expect(await storeCounts(t.db)).toEqual(before);
    },
  );

  it('When no content type is sent with a body, then it answers 415', async () => {
    const { res, body } = await post('{"name":"x"}', auth());
    expectEnvelope(body, 415, 'unsupported_media_type', res);
  });

  it('When the charset or content encoding is unsupported, then it answers 415; a broken gzip body is a 400', async () => {
    const charset = await post('{"name":"x"}', { ...auth(), 'Content-Type': 'application/json; charset=latin1' });
    expectEnvelope(charset.body, 415, 'unsupported_media_type', charset.res);
    const encoding = await post('{"name":"x"}', { ...json(), 'Content-Encoding': 'compress' });
    expectEnvelope(encoding.body, 415, 'unsupported_media_type', encoding.res);
    const gzip = await post('{"name":"x"}', { ...json(), 'Content-Encoding': 'gzip' });
    expectEnvelope(gzip.body, 400, undefined, gzip.res);
  });

  it('When a string holds a NUL or an unpaired surrogate, then it answers 400 naming the field', async () => {
    const before = await storeCounts(t.db);
    const nul = await post(JSON.stringify({ name: 'a\u0000b', tags: ['ok', 'b\u0000'] }));
    expect(detailParams(expectEnvelope(nul.body, 400, 'validation_failed', nul.res))).toEqual(['name', 'tags[1]']);
    const surrogate = await post('{"name":"\\ud800x"}');
    expect(detailParams(expectEnvelope(surrogate.body, 400, 'validation_failed', surrogate.res))).toEqual(['name']);
    const search = await call('/api/access-profiles?search=a%00b', { headers: auth() });
    expect(detailParams(expectEnvelope(search.body, 400, 'validation_failed', search.res))).toEqual(['search']);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When an integer is beyond 2^53 (body, path or query), then it answers 400 naming it', async () => {
    const body = await post(`{"name":"${uniqueName()}","mcp_tool_groups":[{"tool_group_id":99999999999999999999}]}`);
    expect(detailParams(expectEnvelope(body.body, 400, 'validation_failed', body.res))).toEqual([
      'mcp_tool_groups[0].tool_group_id',
    ]);
    const path = await call('/api/access-profiles/99999999999999999999', { headers: auth() });
    expect(detailParams(expectEnvelope(path.body, 400, 'validation_failed', path.res))).toEqual(['id']);
    const query = await call('/api/access-profiles?offset=99999999999999999999', { headers: auth() });
    expect(detailParams(expectEnvelope(query.body, 400, 'validation_failed', query.res))).toEqual(['offset']);
  });

  it('When the body nests 100k levels deep, then it answers 400 (no stack overflow)', async () => {
    const deep = `{"name":"${uniqueName()}","tags":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const { res, body } = await post(deep);
    expectEnvelope(body, 400, 'validation_failed', res);
  });
});

describe('routes and methods', () => {
  it.each(['/api/nope', '/nope', '/api/access-profiles/1/nope', '/api'])(
    'When %s is requested, then it answers 404 route_not_found',
    async (path) => {
      const { res, body } = await call(path, { headers: auth() });
      expectEnvelope(body, 404, 'route_not_found', res);
    },
  );

  it('When an unknown route is requested without a key, then outside /api it is a 404 and under /api a 401 (fail closed)', async () => {
    const outside = await call('/nope');
    expectEnvelope(outside.body, 404, 'route_not_found', outside.res);
    const inside = await call('/api/nope');
    expectEnvelope(inside.body, 401, 'missing_api_key', inside.res);
  });

  it.each([
    ['PATCH', '/api/access-profiles'],
    ['POST', '/health'],
    ['DELETE', '/api/access-profiles/audit-logs'],
  ])('When %s %s is requested, then it answers 405 method_not_allowed', async (method, path) => {
    const { res, body } = await call(path, { method, headers: json(), ...(method !== 'DELETE' ? { body: '{}' } : {}) });
    expectEnvelope(body, 405, 'method_not_allowed', res);
  });

  it('When the path has broken percent-encoding, then it answers 400 naming the path', async () => {
    const { res, body } = await call('/api/access-profiles/%E0%A4%A', { headers: auth() });
    expect(detailParams(expectEnvelope(body, 400, 'validation_failed', res))).toEqual(['path']);
  });
});

describe('request ids', () => {
  it('When X-Request-Id is sent, then success and error responses echo it and the envelope uses it as event_id', async () => {
    const ok = await fetch(`${t.url}/api/access-profiles?limit=1`, {
      headers: { ...auth(), 'X-Request-Id': 'req-ok-1' },
    });
    expect(ok.headers.get('x-request-id')).toBe('req-ok-1');
    const notFound = await call('/api/access-profiles/987654321', {
      headers: { ...auth(), 'X-Request-Id': 'req-404-1' },
    });
    expect(expectEnvelope(notFound.body, 404, 'access_profile_not_found', notFound.res).event_id).toBe('req-404-1');
    const unauth = await call('/api/access-profiles', { headers: { 'X-Request-Id': 'req-401-1' } });
    expect(expectEnvelope(unauth.body, 401, 'missing_api_key', unauth.res).event_id).toBe('req-401-1');
    const malformed = await post('{', { ...json(), 'X-Request-Id': 'req-400-1' });
    expect(expectEnvelope(malformed.body, 400, 'malformed_json', malformed.res).event_id).toBe('req-400-1');
    const health = await fetch(`${t.url}/health`, { headers: { 'X-Request-Id': 'req-health' } });
    expect(health.headers.get('x-request-id')).toBe('req-health');
  });

  it('When no X-Request-Id is sent, then each response gets a fresh generated one', async () => {
    const a = await call('/api/access-profiles/987654321', { headers: auth() });
    const b = await call('/api/access-profiles/987654321', { headers: auth() });
    const ea = expectEnvelope(a.body, 404, undefined, a.res);
    const eb = expectEnvelope(b.body, 404, undefined, b.res);
    expect(ea.event_id).not.toBe(eb.event_id);
    expect(ea.event_id).toMatch(/^[\x21-\x7e]{8,128}$/);
    const ok = await fetch(`${t.url}/api/access-profiles?limit=1`, { headers: auth() });
    expect(ok.headers.get('x-request-id')).toMatch(/^[\x21-\x7e]{8,128}$/);
  });

  it('When the X-Request-Id is not visible ASCII, then a fresh one replaces it', async () => {
    const res = await call('/nope', { headers: { 'X-Request-Id': 'has space' } });
    const env = expectEnvelope(res.body, 404, 'route_not_found', res.res);
    expect(env.event_id).not.toBe('has space');
  });

  it('When the X-Request-Id is longer than 128 characters, then the answer is an envelope with a generated id', async () => {
    const res = await call('/api/access-profiles', { headers: { ...auth(), 'X-Request-Id': 'r'.repeat(200) } });
    const env = expectEnvelope(res.body, 400, 'validation_failed', res.res);
    expect(env.event_id).not.toBe('r'.repeat(200));
  });
});

describe('envelope on every documented error', () => {
  it('When each class of error happens, then each has type, stable code, param and details', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('env') } })).data!.access_profile;
    await t.client.PUT('/api/access-profiles/{id}', { params: { path: { id: p.id } }, body: { description: 'v2' } });
    const cases: Array<[Promise<{ res: Response; body: unknown }>, number, string, string]> = [
      [call('/api/access-profiles?limit=0', { headers: auth() }), 400, 'validation_failed', 'invalid_request_error'],
      [call('/api/access-profiles'), 401, 'missing_api_key', 'authentication_error'],
      [call('/api/access-profiles/987654321', { headers: auth() }), 404, 'access_profile_not_found', 'not_found_error'],
      [post(JSON.stringify({ name: p.name })), 409, 'access_profile_name_taken', 'conflict_error'],
      [
        call(`/api/access-profiles/${p.id}`, {
          method: 'PUT',
          headers: { ...json(), 'If-Match': '"1"' },
          body: '{"description":"x"}',
        }),
        412,
        'version_mismatch',
        'precondition_failed_error',
      ],
      [
        post(JSON.stringify({ name: 'x', description: 'y'.repeat(1_100_000) })),
        413,
        'payload_too_large',
        'invalid_request_error',
      ],
      [
        post('{"name":"x"}', { ...auth(), 'Content-Type': 'text/plain' }),
        415,
        'unsupported_media_type',
        'invalid_request_error',
      ],
    ];
    for (const [pending, status, code, type] of cases) {
      const { res, body } = await pending;
      expect(expectEnvelope(body, status, code, res).error.type).toBe(type);
    }
  });
});

describe('requests Node refuses before routing', () => {
  it('When the URL and headers exceed 16 KiB, then it answers 431 with the envelope, not an empty body', async () => {
    const { res, body } = await call(`/api/access-profiles?search=${'x'.repeat(20_000)}`, { headers: auth() });
    expect(res.status).toBe(431);
    expectEnvelope(body, 431, 'headers_too_large');
  });
});
