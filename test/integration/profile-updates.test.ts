// Partial update of templates: omitted keeps, null clears, lists replace, id-keyed items keep their row
// and usage, size limits, version bumps only on a real change, and the rules beyond the schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { createProfile, editStoredProfile } from '../support/profiles.js';

type S = components['schemas'];
type Profile = S['AccessProfile'];

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => {
  await t?.close();
});

const update = (id: number, body: S['AccessProfileUpdate'], ifMatch?: string) =>
  t.client.PUT('/api/access-profiles/{id}', {
    params: { path: { id }, ...(ifMatch ? { header: { 'If-Match': ifMatch } } : {}) },
    body,
  });

/** Simulates gateway usage: edits the stored content JSON directly, as the gateway's counters would. */
const setUsage = (id: number, edit: (content: Profile) => void) => editStoredProfile(t, id, edit);

const BASE: Partial<S['AccessProfileCreate']> = {
  description: 'before',
  tags: ['a', 'b'],
  provider_configs: [
    {
      provider_name: 'openai',
      allowed_models: ['gpt-4o'],
      budgets: [{ max_limit: 50, reset_duration: '1d' }],
      rate_limit: { request_max_limit: 10, request_reset_duration: '1h' },
    },
    { provider_name: 'anthropic', all_models_allowed: true },
  ],
  budgets: [
    { max_limit: 100, reset_duration: '1M' },
    { max_limit: 10, reset_duration: '1d' },
  ],
  rate_limit: { token_max_limit: 1000, token_reset_duration: '1h' },
  mcp_servers: [{ mcp_server_id: 'github' }],
};

describe('omitted keeps, null clears, lists replace', () => {
  it('When only the description changes, then every other field keeps its value and the version goes up by one', async () => {
    const p = await createProfile(t, BASE);
    const res = await update(p.id, { description: 'after' });
    expect(res.response.status).toBe(200);
    expect(res.response.headers.get('etag')).toBe('"2"');
    const u = res.data!.access_profile;
    const { description: _d, version: _v, updated_at: _u, ...rest } = u;
    const { description: _d0, version: _v0, updated_at: _u0, ...restBefore } = p;
    expect(rest).toEqual(restBefore);
    expect(u).toMatchObject({ description: 'after', version: 2 });
    expect(Date.parse(u.updated_at)).toBeGreaterThanOrEqual(Date.parse(p.updated_at));
  });

  it('When description and rate_limit are null, then both are cleared', async () => {
    const p = await createProfile(t, BASE);
    const res = await update(p.id, { description: null, rate_limit: null });
    const u = res.data!.access_profile;
    expect(u.description).toBeNull();
    expect(u.rate_limit).toBeUndefined();
    expect(u.budgets).toEqual(p.budgets);
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile.rate_limit).toBeUndefined();
  });

  it('When lists are sent, then each replaces the whole list (an empty list empties it)', async () => {
    const p = await createProfile(t, BASE);
    const res = await update(p.id, {
      tags: ['c'],
      budgets: [],
      provider_configs: [{ provider_name: 'mistral' }],
      mcp_servers: [],
      mcp_tool_groups: [{ tool_group_id: 3 }],
    });
    const u = res.data!.access_profile;
    expect(u.tags).toEqual(['c']);
    expect(u.budgets).toEqual([]);
    expect(u.provider_configs.map((c) => c.provider_name)).toEqual(['mistral']);
    expect(u.mcp_servers).toEqual([]);
    expect(u.mcp_tool_groups).toEqual([{ tool_group_id: 3 }]);
    // The tag filter follows the new tags.
    const byOld = await t.client.GET('/api/access-profiles', { params: { query: { search: p.name, tags: 'a' } } });
    expect(byOld.data!.total_count).toBe(0);
    const byNew = await t.client.GET('/api/access-profiles', { params: { query: { search: p.name, tags: 'c' } } });
    expect(byNew.data!.access_profiles.map((x) => x.id)).toEqual([p.id]);
  });

  it('When a provider config is kept by id without rate_limit, then its rate limit stays; with rate_limit null it is cleared', async () => {
    const p = await createProfile(t, BASE);
    const openai = p.provider_configs[0]!;
    const kept = await update(p.id, {
      provider_configs: [
        {
          id: openai.id,
          provider_name: 'openai',
          allowed_models: ['gpt-4o'],
          budgets: [{ id: openai.budgets[0]!.id, max_limit: 50, reset_duration: '1d' }],
        },
      ],
    });
    expect(kept.data!.access_profile.provider_configs[0]!.rate_limit).toEqual(openai.rate_limit);
    const cleared = await update(p.id, {
      provider_configs: [{ id: openai.id, provider_name: 'openai', rate_limit: null }],
    });
    expect(cleared.data!.access_profile.provider_configs[0]!.rate_limit).toBeUndefined();
  });

  it('When the name changes to another case of itself, then it is accepted; to a taken name, 409', async () => {
    const p = await createProfile(t, BASE);
    const other = await createProfile(t);
    const recased = await update(p.id, { name: p.name.toUpperCase() });
    expect(recased.data!.access_profile.name).toBe(p.name.toUpperCase());
    const before = await storeCounts(t.db);
    const clash = await update(p.id, { name: other.name.toLowerCase() });
    expectEnvelope(clash.error, 409, 'access_profile_name_taken', clash.response);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the body is empty or the profile is missing, then it answers 400 or 404', async () => {
    const p = await createProfile(t);
    const empty = await update(p.id, {} as S['AccessProfileUpdate']);
    expectEnvelope(empty.error, 400, 'validation_failed', empty.response);
    const missing = await update(987654321, { description: 'x' });
    expectEnvelope(missing.error, 404, 'access_profile_not_found', missing.response);
  });
});

describe('id-keyed items keep their row and usage', () => {
  it('When budgets and provider configs carry their ids, then rows and usage are kept while values change; items without id are new', async () => {
    const p = await createProfile(t, BASE);
    await setUsage(p.id, (c) => {
      c.budgets[0]!.current_usage = 42.5;
      c.budgets[1]!.current_usage = 3;
      c.provider_configs[0]!.budgets[0]!.current_usage = 7.25;
      c.provider_configs[0]!.rate_limit!.request_current_usage = 9;
      c.rate_limit!.token_current_usage = 777;
    });
    const [monthly, daily] = p.budgets;
    const openai = p.provider_configs[0]!;
    const res = await update(p.id, {
      budgets: [
        { id: monthly!.id, max_limit: 300, reset_duration: '1M' },
        { max_limit: 5, reset_duration: '1w' },
      ],
      provider_configs: [
        {
          id: openai.id,
          provider_name: 'openai',
          allowed_models: ['gpt-4o', 'o3'],
          budgets: [{ id: openai.budgets[0]!.id, max_limit: 80, reset_duration: '1d' }],
          rate_limit: { request_max_limit: 20, request_reset_duration: '1h' },
        },
        { provider_name: 'google' },
      ],
      rate_limit: { token_max_limit: 2000, token_reset_duration: '1h' },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const u = res.data!.access_profile;
    expect(u.budgets[0]).toEqual({ ...monthly, max_limit: 300, current_usage: 42.5 });
    expect(u.budgets[1]).toMatchObject({ max_limit: 5, reset_duration: '1w', current_usage: 0, scope: 'total' });
    expect([monthly!.id, daily!.id]).not.toContain(u.budgets[1]!.id);
    const uo = u.provider_configs[0]!;
    expect(uo.id).toBe(openai.id);
    expect(uo.allowed_models).toEqual(['gpt-4o', 'o3']);
    expect(uo.budgets[0]).toEqual({ ...openai.budgets[0], max_limit: 80, current_usage: 7.25 });
    expect(uo.rate_limit).toMatchObject({
      id: openai.rate_limit!.id,
      request_max_limit: 20,
      request_current_usage: 9,
      request_last_reset: openai.rate_limit!.request_last_reset,
    });
    const google = u.provider_configs[1]!;
    expect([p.provider_configs[0]!.id, p.provider_configs[1]!.id]).not.toContain(google.id);
    expect(u.rate_limit).toMatchObject({
      id: p.rate_limit!.id,
      token_max_limit: 2000,
      token_current_usage: 777,
      token_last_reset: p.rate_limit!.token_last_reset,
    });
    // The stored state agrees with the response.
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile).toEqual(u);
  });

  it('When an item is sent without its id, then it is a new row with zero usage', async () => {
    const p = await createProfile(t, BASE);
    await setUsage(p.id, (c) => {
      c.budgets[0]!.current_usage = 99;
    });
    const res = await update(p.id, { budgets: [{ max_limit: 100, reset_duration: '1M' }] });
    const b = res.data!.access_profile.budgets[0]!;
    expect(b.id).not.toBe(p.budgets[0]!.id);
    expect(b.current_usage).toBe(0);
  });

  it('When ids are unknown or belong to another owner, then it answers 400 naming each and changes nothing', async () => {
    const p = await createProfile(t, BASE);
    const other = await createProfile(t, BASE);
    const before = await storeCounts(t.db);
    const res = await update(p.id, {
      budgets: [
        { id: 'bdg_doesnotexist', max_limit: 1, reset_duration: '1M' },
        { id: p.provider_configs[0]!.budgets[0]!.id, max_limit: 1, reset_duration: '1d' }, // a provider budget, not a total one
      ],
      provider_configs: [
        { id: other.provider_configs[0]!.id, provider_name: 'openai' },
        { id: 99999999, provider_name: 'x' },
      ],
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env)).toEqual(
      expect.arrayContaining(['budgets[0].id', 'budgets[1].id', 'provider_configs[0].id', 'provider_configs[1].id']),
    );
    expect(await storeCounts(t.db)).toEqual(before);
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile).toEqual(p);
  });

  it('When the same budget id is sent twice, then the second is rejected', async () => {
    const p = await createProfile(t, BASE);
    const id = p.budgets[0]!.id;
    const res = await update(p.id, {
      budgets: [
        { id, max_limit: 1, reset_duration: '1M' },
        { id, max_limit: 2, reset_duration: '1w' },
      ],
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toContain('budgets[1].id');
  });
});

describe('version bumps only on a real change', () => {
  it('When an update repeats the current values, then the version, ETag, versions and audit stay as they are', async () => {
    const p = await createProfile(t, BASE);
    const before = await storeCounts(t.db);
    const res = await update(p.id, {
      name: p.name,
      description: p.description,
      tags: p.tags,
      budgets: p.budgets.map((b) => ({ id: b.id, max_limit: b.max_limit, reset_duration: b.reset_duration })),
      rate_limit: { token_max_limit: 1000, token_reset_duration: '1h' },
      mcp_servers: p.mcp_servers,
    });
    expect(res.response.status).toBe(200);
    expect(res.response.headers.get('etag')).toBe('"1"');
    expect(res.data!.access_profile).toEqual(p);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When three real changes are made, then the version is 4 and there are four versions', async () => {
    const p = await createProfile(t);
    for (const d of ['one', 'two', 'three']) await update(p.id, { description: d });
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile.version).toBe(4);
    const versions = await t.client.GET('/api/access-profiles/{id}/versions', { params: { path: { id: p.id } } });
    expect(versions.data!.versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
  });
});

describe('size limits', () => {
  const providers = (n: number) => Array.from({ length: n }, (_, i) => ({ provider_name: `p${i}` }));

  it('When 100 provider configs and 50 tags are sent, then they are accepted', async () => {
    const p = await createProfile(t);
    const res = await update(p.id, {
      provider_configs: providers(100),
      tags: Array.from({ length: 50 }, (_, i) => `t${i}`),
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.access_profile.provider_configs).toHaveLength(100);
    expect(new Set(res.data!.access_profile.provider_configs.map((c) => c.id)).size).toBe(100);
    expect(res.data!.access_profile.tags).toHaveLength(50);
  });

  it('When 101 provider configs, 101 budgets or 51 tags are sent, then it answers 400 naming each list and changes nothing', async () => {
    const p = await createProfile(t, BASE);
    const before = await storeCounts(t.db);
    const res = await update(p.id, {
      provider_configs: providers(101),
      budgets: Array.from({ length: 101 }, () => ({ max_limit: 1, reset_duration: '1M' as const })),
      tags: Array.from({ length: 51 }, (_, i) => `t${i}`),
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env)).toEqual(expect.arrayContaining(['provider_configs', 'budgets', 'tags']));
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the same limits are exceeded on create, then it answers 400 too', async () => {
    const res = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        provider_configs: providers(101),
        tags: Array.from({ length: 51 }, (_, i) => `t${i}`),
      },
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toEqual(
      expect.arrayContaining(['provider_configs', 'tags']),
    );
  });

  it('When tags repeat, then it answers 400 naming tags', async () => {
    const p = await createProfile(t);
    const res = await update(p.id, { tags: ['x', 'x'] });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toContain('tags');
  });
});

describe('rules beyond the schema', () => {
  it('When several rules are broken at once, then it answers 400 with a detail naming each field', async () => {
    const p = await createProfile(t, { calendar_aligned: true });
    const before = await storeCounts(t.db);
    const res = await update(p.id, {
      provider_configs: [
        {
          provider_name: 'openai',
          budgets: [
            { max_limit: 1, reset_duration: '1d' },
            { max_limit: 2, reset_duration: '1d' },
          ],
        },
        { provider_name: 'OpenAI' },
      ],
      budgets: [
        { max_limit: 1, reset_duration: '1M', reset_config: { quarter_start_month: 2 } },
        { max_limit: 1, reset_duration: '1h' },
        { max_limit: 1, reset_duration: '1M' },
      ],
      rate_limit: { token_max_limit: null, request_max_limit: null },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env)).toEqual(
      expect.arrayContaining([
        'provider_configs[0].budgets[1].reset_duration', // duplicate reset_duration within a provider
        'provider_configs[1].provider_name', // duplicate provider_name (ignoring case)
        'budgets[0].reset_config', // reset_config without 1Q
        'budgets[1].reset_duration', // 1h on a calendar-aligned profile
        'budgets[2].reset_duration', // duplicate reset_duration
        'rate_limit', // no limit at all
      ]),
    );
    expect(env.error.details.length).toBeGreaterThanOrEqual(6);
    expect(env.error.message).toMatch(/problems/);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When a rate limit sets a limit without its reset duration (or the reverse), then it answers 400 naming the duration', async () => {
    const p = await createProfile(t);
    const res = await update(p.id, { rate_limit: { token_max_limit: 10, request_reset_duration: '1d' } });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toEqual(
      expect.arrayContaining(['rate_limit.token_reset_duration', 'rate_limit.request_reset_duration']),
    );
  });

  it('When the same rules are broken on create, then nothing is created', async () => {
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        calendar_aligned: true,
        budgets: [{ max_limit: 1, reset_duration: '1h' }],
        provider_configs: [{ provider_name: 'a' }, { provider_name: 'a' }],
        rate_limit: {},
      },
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toEqual(
      expect.arrayContaining(['budgets[0].reset_duration', 'provider_configs[1].provider_name', 'rate_limit']),
    );
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When calendar_aligned is turned on while a 1h budget exists, then it answers 400 naming that budget', async () => {
    const p = await createProfile(t, {
      budgets: [{ max_limit: 1, reset_duration: '1h' }],
      provider_configs: [{ provider_name: 'x', budgets: [{ max_limit: 1, reset_duration: '1h' }] }],
    });
    const res = await update(p.id, { calendar_aligned: true });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toEqual(
      expect.arrayContaining(['budgets[0].reset_duration', 'provider_configs[0].budgets[0].reset_duration']),
    );
  });

  it('When reset_config comes with 1Q, then it is kept', async () => {
    const p = await createProfile(t);
    const res = await update(p.id, {
      budgets: [{ max_limit: 9, reset_duration: '1Q', reset_config: { quarter_start_month: 2 } }],
    });
    expect(res.data!.access_profile.budgets[0]).toMatchObject({
      reset_duration: '1Q',
      reset_config: { quarter_start_month: 2 },
    });
  });
});
