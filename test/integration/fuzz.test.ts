// Property-based bad input, generated from the request schemas of generated/openapi.json: for every
// mutation (wrong type, missing required, unknown field, huge/short/pattern-breaking strings, out-of-range
// numbers, enum violations, too many items, deep nesting) the server answers a 4xx envelope, never a
// 5xx, and changes nothing. Valid input generated from the same schemas never gives a 5xx either.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import { expectEnvelope } from '../support/expect.js';
import { invalidArb, queryParameters, requestSchema, validArb, type Mutation } from '../support/schema-arbitraries.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';

type Profile = components['schemas']['AccessProfile'];

let t: TestServer;
let target: Profile;
beforeAll(async () => {
  t = await suiteServer();
  const res = await t.client.POST('/api/access-profiles', {
    body: {
      name: uniqueName('fuzz-target'),
      tags: ['a'],
      provider_configs: [
        {
          provider_name: 'openai',
          budgets: [{ max_limit: 1, reset_duration: '1d' }],
          rate_limit: { token_max_limit: 5, token_reset_duration: '1h' },
        },
      ],
      budgets: [{ max_limit: 10, reset_duration: '1M' }],
      rate_limit: { request_max_limit: 5, request_reset_duration: '1d' },
    },
  });
  target = res.data!.access_profile;
});
afterAll(async () => {
  await t?.close();
});

const RUNS = 150;
const targetRow = () =>
  t.db.get<{ version: number; content: string; name: string; description: string | null }>(
    'SELECT version, content, name, description FROM access_profiles WHERE id = ?',
    [target.id],
  );

/** Sends `send()` and asserts: a 4xx envelope (400, or 413 for oversized bodies), and no state change. */
async function expectRejectedWithoutChange(
  send: () => Promise<{ error?: unknown; response: Response }>,
  label: string,
): Promise<void> {
  const counts = await storeCounts(t.db);
  const row = await targetRow();
  const res = await send();
  const status = res.response.status;
  expect([400, 413], `${label} → ${status} ${JSON.stringify(res.error)?.slice(0, 300)}`).toContain(status);
  const env = expectEnvelope(res.error, status, undefined, res.response);
  if (status === 400) expect(env.error.details.length, label).toBeGreaterThan(0);
  expect(await storeCounts(t.db)).toEqual(counts);
  expect(await targetRow()).toEqual(row);
}

const describeMutation = (m: { value: unknown; path: string; mutation: Mutation }) =>
  `${m.mutation} at ${m.path}: ${JSON.stringify(m.value)?.slice(0, 200)}`;

describe('bad input from the request schemas never gives a 5xx and never changes state', () => {
  it('When createAccessProfile gets a mutated body, then it answers 400/413 with the envelope and creates nothing', async () => {
    await fc.assert(
      fc.asyncProperty(invalidArb(requestSchema('createAccessProfile')), async (m) => {
        await expectRejectedWithoutChange(
          () => t.client.POST('/api/access-profiles', { body: m.value as never }),
          describeMutation(m),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('When updateAccessProfile gets a mutated body, then the target profile stays exactly as it was', async () => {
    await fc.assert(
      fc.asyncProperty(invalidArb(requestSchema('updateAccessProfile')), async (m) => {
        await expectRejectedWithoutChange(
          () =>
            t.client.PUT('/api/access-profiles/{id}', { params: { path: { id: target.id } }, body: m.value as never }),
          describeMutation(m),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('When cloneAccessProfile gets a mutated body, then nothing is cloned', async () => {
    await fc.assert(
      fc.asyncProperty(invalidArb(requestSchema('cloneAccessProfile')), async (m) => {
        await expectRejectedWithoutChange(
          () =>
            t.client.POST('/api/access-profiles/{id}/clone', {
              params: { path: { id: target.id } },
              body: m.value as never,
            }),
          describeMutation(m),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('When createApiKey or updateApiKey gets a mutated body, then no key is created or changed', async () => {
    const adminId = (await t.client.GET('/api/api-keys')).data!.api_keys.find((k) => k.name === 'admin')!.id;
    const keysBefore = await t.db.all('SELECT * FROM api_keys ORDER BY id');
    await fc.assert(
      fc.asyncProperty(invalidArb(requestSchema('createApiKey')), async (m) => {
        await expectRejectedWithoutChange(
          () => t.client.POST('/api/api-keys', { body: m.value as never }),
          describeMutation(m),
        );
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(invalidArb(requestSchema('updateApiKey')), async (m) => {
        await expectRejectedWithoutChange(
          () => t.client.PUT('/api/api-keys/{id}', { params: { path: { id: adminId } }, body: m.value as never }),
          describeMutation(m),
        );
      }),
      { numRuns: 60 },
    );
    const keysAfter = await t.db.all<{ last_used_at: string | null }>('SELECT * FROM api_keys ORDER BY id');
    expect(keysAfter.map((k) => ({ ...k, last_used_at: null }))).toEqual(
      keysBefore.map((k) => ({ ...(k as object), last_used_at: null })),
    );
  });

  it('When list query parameters are out of range, of the wrong type, empty, huge or unknown, then it answers 400 naming one', async () => {
    const params = queryParameters('listAccessProfiles');
    const names = params.map((p) => p.name);
    const badValue = (name: string): fc.Arbitrary<string> => {
      const p = params.find((x) => x.name === name)!;
      const s = p.schema.$ref
        ? { type: 'integer' as const, minimum: name === 'limit' ? 1 : 0, maximum: name === 'limit' ? 500 : undefined }
        : p.schema;
      switch (s.type) {
        case 'integer':
          return fc.oneof(
            fc.constantFrom('abc', '1.5', '', ' ', '-1', '0x10', 'NaN', 'Infinity', '1,2', '99999999999999999999'),
            fc.integer({ max: (s.minimum ?? 0) - 1 }).map(String),
            ...(s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER
              ? [fc.integer({ min: s.maximum + 1 }).map(String)]
              : []),
          );
        case 'boolean':
          return fc.constantFrom('yes', '1', '0', 'TRUE ', '', 'null', 'maybe');
        default:
          return fc.oneof(
            fc.constant(''),
            fc.constant('x'.repeat((s.maxLength ?? 255) + 1)),
            fc.constant(
              'y'.repeat(10_000),
            ) /* URLs past Node's 16 KiB header limit get a bare 431 from the HTTP parser */,
          );
      }
    };
    const tested = names.filter((n) => ['limit', 'offset', 'is_active', 'search', 'tags'].includes(n));
    expect(tested.sort()).toEqual(['is_active', 'limit', 'offset', 'search', 'tags']);
    const arb = fc.oneof(
      fc.constantFrom(...tested).chain((n) => badValue(n).map((v) => [n, v] as const)),
      fc
        .tuple(
          fc.constantFrom('sort', 'page', 'LIMIT', 'q', 'fields', 'access_profile_id'),
          fc.string({ maxLength: 10 }),
        )
        .map(([n, v]) => [n, v] as const),
    );
    await fc.assert(
      fc.asyncProperty(arb, fc.boolean(), async ([name, value], withValidOthers) => {
        const qs = new URLSearchParams(withValidOthers ? { limit: '5', offset: '0' } : {});
        qs.set(name, value);
        const counts = await storeCounts(t.db);
        const res = await fetch(`${t.url}/api/access-profiles?${qs.toString()}`, {
          headers: { Authorization: `Bearer ${t.adminKey}` },
        });
        const body = await res.json();
        expect(res.status, `${name}=${value.slice(0, 40)} → ${JSON.stringify(body).slice(0, 200)}`).toBe(400);
        const env = expectEnvelope(body, 400, 'validation_failed', res);
        expect(
          env.error.details.map((d) => d.param),
          `${name}=${value.slice(0, 40)}`,
        ).toContain(name);
        expect(await storeCounts(t.db)).toEqual(counts);
      }),
      { numRuns: RUNS },
    );
  });

  it('When a body is not JSON at all (random bytes), then it answers 400/413/415, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/octet-stream',
        ),
        async (text, type) => {
          const counts = await storeCounts(t.db);
          const res = await fetch(`${t.url}/api/access-profiles`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${t.adminKey}`, 'Content-Type': type },
            body: text,
          });
          const body = await res.json();
          if (res.status === 201) return; // random text that happens to be a valid profile body
          expect(res.status, `${type} ${JSON.stringify(text)} → ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expectEnvelope(body, res.status, undefined, res);
          expect(await storeCounts(t.db)).toEqual(counts);
        },
      ),
      { numRuns: 100 },
    );
  });
});

type Body = Record<string, unknown>;

// Names are stored NFC-normalised and trimmed; control or bidi characters, or only invisible ones, are refused.
const REFUSED_IN_NAMES = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const canonical = (name: string) => name.normalize('NFC').trim();
const acceptableName = (name: string) =>
  REFUSED_IN_NAMES.test(name) ||
  canonical(name).replace(/[\p{White_Space}\p{Default_Ignorable_Code_Point}]/gu, '') === '';
/**
 * Makes a schema-valid profile body also satisfy the rules beyond the schema (no ids on create,
 * reset_config only with 1Q, one budget per reset_duration, unique provider names, paired rate-limit
 * fields, no 1h budget when calendar-aligned).
 */
function satisfyDomainRules(input: unknown, { never1h = false } = {}): Body {
  const body = structuredClone(input) as Body;
  if (typeof body.name === 'string' && acceptableName(body.name)) body.name = uniqueName('fuzz-name');
  // The rotation schedule depends on the clock and the stored schedule (key-rotation.test.ts covers it):
  // keep a valid interval, or none.
  delete body.next_rotation_at;
  if (body.auto_rotation_interval !== undefined) body.auto_rotation_interval = '7d';
  // On update the stored profile may already be aligned (or get aligned later): then keep 1h out entirely.
  const aligned = never1h || body.calendar_aligned === true;
  const fixBudgets = (budgets: unknown) => {
    const seen = new Set<string>();
    return ((budgets as Body[] | undefined) ?? [])
      .map(({ id: _id, ...b }) => (b.reset_duration === '1Q' ? b : (({ reset_config: _rc, ...rest }) => rest)(b)))
      .filter(
        (b) =>
          !(aligned && b.reset_duration === '1h') &&
          !seen.has(String(b.reset_duration)) &&
          seen.add(String(b.reset_duration)),
      );
  };
  const fixLimit = (rl: unknown): Body | null => {
    if (!rl || typeof rl !== 'object') return null;
    const r = rl as Body;
    const out: Body = {};
    if (r.token_max_limit != null)
      Object.assign(out, { token_max_limit: r.token_max_limit, token_reset_duration: r.token_reset_duration ?? '1d' });
    if (r.request_max_limit != null)
      Object.assign(out, {
        request_max_limit: r.request_max_limit,
        request_reset_duration: r.request_reset_duration ?? '1d',
      });
    return Object.keys(out).length ? out : null;
  };
  if (body.budgets) body.budgets = fixBudgets(body.budgets);
  if ('rate_limit' in body) {
    const rl = fixLimit(body.rate_limit);
    if (rl) body.rate_limit = rl;
    else delete body.rate_limit;
  }
  if (body.provider_configs) {
    const names = new Set<string>();
    body.provider_configs = (body.provider_configs as Body[])
      .filter(
        (p) => !names.has(String(p.provider_name).toLowerCase()) && names.add(String(p.provider_name).toLowerCase()),
      )
      .map(({ id: _id, ...p }) => {
        const out: Body = { ...p, budgets: fixBudgets(p.budgets) };
        const rl = fixLimit(p.rate_limit);
        if (rl) out.rate_limit = rl;
        else delete out.rate_limit;
        return out;
      });
  }
  return body;
}

describe('valid input from the request schemas never gives a 5xx', () => {
  it('When createAccessProfile gets a body valid for the schema and the domain rules, then it answers 201 with exactly that content (or 409 on a taken name)', async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(
        validArb(requestSchema('createAccessProfile')).map((b) => satisfyDomainRules(b)),
        async (body) => {
          const before = await storeCounts(t.db);
          const res = await t.client.POST('/api/access-profiles', { body: body as never });
          const label = `${JSON.stringify(body).slice(0, 300)} → ${res.response.status} ${JSON.stringify(res.error ?? '').slice(0, 300)}`;
          expect([201, 409], label).toContain(res.response.status);
          if (res.response.status !== 201) return;
          created++;
          const p = res.data!.access_profile;
          const b = body as Body & { provider_configs?: Body[]; budgets?: Body[] };
          expect(p.name).toBe(canonical(b.name as string));
          expect(p.description).toBe(b.description ?? null);
          expect(p.tags).toEqual(b.tags ?? []);
          expect(p.calendar_aligned).toBe(b.calendar_aligned ?? false);
          expect(p.budgets.map((x) => [x.max_limit, x.reset_duration])).toEqual(
            (b.budgets ?? []).map((x) => [x.max_limit, x.reset_duration]),
          );
          expect(p.provider_configs.map((x) => x.provider_name)).toEqual(
            (b.provider_configs ?? []).map((x) => x.provider_name),
          );
          expect(Boolean(p.rate_limit)).toBe(Boolean(b.rate_limit));
          expect(p.mcp_servers).toEqual(b.mcp_servers ?? []);
          const after = await storeCounts(t.db);
          expect([
            after.profiles - before.profiles,
            after.versions - before.versions,
            after.audit - before.audit,
          ]).toEqual([1, 1, 1]);
        },
      ),
      { numRuns: 100 },
    );
    expect(created).toBeGreaterThan(80);
  });

  it('When updateAccessProfile gets a body valid for the schema and the domain rules, then it answers 200 (or 409 on a taken name) and reads back the same', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('fuzz-domain-upd') } })).data!
      .access_profile;
    await fc.assert(
      fc.asyncProperty(
        validArb(requestSchema('updateAccessProfile'))
          .map((b) => satisfyDomainRules(b, { never1h: true }))
          .filter((b) => Object.keys(b).length > 0),
        async (body) => {
          const res = await t.client.PUT('/api/access-profiles/{id}', {
            params: { path: { id: p.id } },
            body: body as never,
          });
          const label = `${JSON.stringify(body).slice(0, 300)} → ${res.response.status} ${JSON.stringify(res.error ?? '').slice(0, 300)}`;
          expect([200, 409], label).toContain(res.response.status);
          if (res.response.status !== 200) return;
          const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
          expect(got.data!.access_profile, label).toEqual(res.data!.access_profile);
          if ('description' in body) expect(got.data!.access_profile.description).toBe(body.description);
          if ('tags' in body) expect(got.data!.access_profile.tags).toEqual(body.tags);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('When createAccessProfile gets a schema-valid body, then it answers 201 (one profile, version, audit entry) or a 4xx that changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(validArb(requestSchema('createAccessProfile')), async (body) => {
        const before = await storeCounts(t.db);
        const res = await t.client.POST('/api/access-profiles', { body: body as never });
        const after = await storeCounts(t.db);
        const label = `${JSON.stringify(body).slice(0, 300)} → ${res.response.status} ${JSON.stringify(res.error ?? '').slice(0, 300)}`;
        expect([201, 400, 409], label).toContain(res.response.status);
        if (res.response.status === 201) {
          const p = res.data!.access_profile;
          expect(p.name, label).toBe(canonical((body as { name: string }).name));
          expect(p.version).toBe(1);
          expect([
            after.profiles - before.profiles,
            after.versions - before.versions,
            after.audit - before.audit,
          ]).toEqual([1, 1, 1]);
          const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
          expect(got.data!.access_profile).toEqual(p);
        } else {
          expectEnvelope(res.error, res.response.status, undefined, res.response);
          expect(after).toEqual(before);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('When updateAccessProfile gets a schema-valid body, then it answers 200 (version +0 or +1) or a 4xx that changes nothing', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('fuzz-valid-upd') } })).data!
      .access_profile;
    await fc.assert(
      fc.asyncProperty(validArb(requestSchema('updateAccessProfile')), async (body) => {
        const before = await storeCounts(t.db);
        const current = (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!
          .access_profile;
        const res = await t.client.PUT('/api/access-profiles/{id}', {
          params: { path: { id: p.id } },
          body: body as never,
        });
        const after = await storeCounts(t.db);
        const label = `${JSON.stringify(body).slice(0, 300)} → ${res.response.status} ${JSON.stringify(res.error ?? '').slice(0, 300)}`;
        expect([200, 400, 409], label).toContain(res.response.status);
        if (res.response.status === 200) {
          const u = res.data!.access_profile;
          const bumped = u.version - current.version;
          expect([0, 1], label).toContain(bumped);
          expect(after.versions - before.versions).toBe(bumped);
          expect(after.audit - before.audit).toBe(bumped);
          expect(res.response.headers.get('etag')).toBe(`"${u.version}"`);
        } else {
          expectEnvelope(res.error, res.response.status, undefined, res.response);
          expect(after).toEqual(before);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('hostile headers, names and query text never give a 5xx', () => {
  it('When If-Match is any text, then the update answers 200, 400 invalid_if_match or 412, and changes the profile only on 200', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('fuzz-ifmatch') } })).data!
      .access_profile;
    const header = fc.oneof(
      // Header values a client can send: visible ASCII and spaces.
      fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      fc
        .array(fc.tuple(fc.boolean(), fc.oneof(fc.nat(5).map(String), fc.string({ maxLength: 4 }))), {
          minLength: 1,
          maxLength: 4,
        })
        .map((tags) => tags.map(([weak, v]) => `${weak ? 'W/' : ''}"${v.replace(/["\\]/g, '')}"`).join(', ')),
    );
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const before = (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!
          .access_profile;
        const res = await fetch(`${t.url}/api/access-profiles/${p.id}`, {
          method: 'PUT',
          headers: { Authorization: `Bearer ${t.adminKey}`, 'Content-Type': 'application/json', 'If-Match': value },
          body: JSON.stringify({ description: `d-${value.length}-${Math.random()}` }),
        });
        expect([200, 400, 412], `If-Match ${JSON.stringify(value)}`).toContain(res.status);
        const after = (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!
          .access_profile;
        expect(after.version).toBe(res.status === 200 ? before.version + 1 : before.version);
        // A 200 needs the current version's tag, or `*` (any version, RFC 9110).
        if (res.status === 200 && value.trim() !== '*') expect(value).toContain(`"${before.version}"`);
      }),
      { numRuns: 100 },
    );
  });

  it('When a name is any Unicode text, then create answers 201 with the NFC-trimmed name, 400 or 409, never a 5xx, and reads stay valid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 60 }), async (name) => {
        const res = await t.client.POST('/api/roles', { body: { name } });
        expect([201, 400, 409], `${JSON.stringify(name)} → ${res.response.status}`).toContain(res.response.status);
        if (res.response.status === 201) expect(res.data!.role.name).toBe(name.normalize('NFC').trim());
      }),
      { numRuns: 150 },
    );
    expect((await t.client.GET('/api/roles', { params: { query: { limit: 500 } } })).response.status).toBe(200);
  });

  it('When search and tags carry any bytes, percent-encoded or raw, then the list answers 200 or 400, never a 5xx', async () => {
    const byte = fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`);
    const raw = fc.constantFrom('+', '@', '(', ')', '%', '%Z', 'a', 'é', '~', '*', "'", '!');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('search', 'tags'),
        fc.array(fc.oneof(byte, raw), { minLength: 1, maxLength: 12 }),
        async (name, parts) => {
          const res = await fetch(`${t.url}/api/access-profiles?${name}=${parts.join('')}`, {
            headers: { Authorization: `Bearer ${t.adminKey}` },
          });
          expect([200, 400], `${name}=${parts.join('')}`).toContain(res.status);
          if (res.status === 400) expectEnvelope(await res.json(), 400);
        },
      ),
      { numRuns: 150 },
    );
  });
});
