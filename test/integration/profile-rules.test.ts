// Rules JSON Schema cannot say, on create and update: a rate limit's durations go with their limits,
// a provider config id is kept once, and MCP links and overrides are not listed twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { createProfile, editStoredProfile, OLD_WINDOW, updateProfile } from '../support/profiles.js';
import { startTestServer, storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

describe('rate limit durations go with their limits', () => {
  it('When token_reset_duration comes without token_max_limit, or request_max_limit without request_reset_duration, then it answers 400 naming each', async () => {
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        rate_limit: { token_reset_duration: '1h', request_max_limit: 10 },
        provider_configs: [
          { provider_name: 'openai', rate_limit: { token_reset_duration: '1d', request_max_limit: 5 } },
        ],
      },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env).sort()).toEqual([
      'provider_configs[0].rate_limit.request_reset_duration',
      'provider_configs[0].rate_limit.token_reset_duration',
      'rate_limit.request_reset_duration',
      'rate_limit.token_reset_duration',
    ]);
    expect(env.error.details.find((d) => d.param === 'rate_limit.token_reset_duration')!.message).toMatch(
      /only allowed with token_max_limit/,
    );
    expect(env.error.details.find((d) => d.param === 'rate_limit.request_reset_duration')!.message).toMatch(
      /required with request_max_limit/,
    );
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When a limit comes with its own duration only, then it is accepted with the other side empty', async () => {
    const p = await createProfile(t, { rate_limit: { request_max_limit: 10, request_reset_duration: '1d' } });
    expect(p.rate_limit).toMatchObject({
      token_max_limit: null,
      token_reset_duration: null,
      request_max_limit: 10,
      request_reset_duration: '1d',
      token_current_usage: 0,
      request_current_usage: 0,
    });
  });
});

describe('no item twice', () => {
  it('When the same provider config id is sent twice, then it answers 400 naming the second and changes nothing', async () => {
    const p = await createProfile(t, { provider_configs: [{ provider_name: 'openai' }] });
    const id = p.provider_configs[0]!.id;
    const res = await updateProfile(t, p.id, {
      provider_configs: [
        { id, provider_name: 'openai' },
        { id, provider_name: 'anthropic' },
      ],
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env)).toEqual(['provider_configs[1].id']);
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile).toEqual(p);
  });

  it('When two MCP tool overrides name the same client and tool, once include and once exclude, then it answers 400 naming the second', async () => {
    const p = await createProfile(t);
    const res = await updateProfile(t, p.id, {
      mcp_tool_overrides: [
        { mcp_client_id: 'github', tool_name: 'delete_repository', action: 'include' },
        { mcp_client_id: 'github', tool_name: 'create_issue', action: 'include' },
        { mcp_client_id: 'gitlab', tool_name: 'delete_repository', action: 'exclude' },
        { mcp_client_id: 'github', tool_name: 'delete_repository', action: 'exclude' },
      ],
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toEqual([
      { param: 'mcp_tool_overrides[3]', message: expect.stringContaining('mcp_tool_overrides[0]') },
    ]);
  });

  it('When a tool group or MCP server is listed twice, then it answers 400 naming the list; distinct ones are accepted', async () => {
    const created = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        mcp_tool_groups: [{ tool_group_id: 1 }, { tool_group_id: 2 }, { tool_group_id: 1 }],
        mcp_servers: [{ mcp_server_id: 'a' }, { mcp_server_id: 'a' }],
      },
    });
    const env = expectEnvelope(created.error, 400, 'validation_failed', created.response);
    expect(detailParams(env)).toEqual(['mcp_tool_groups', 'mcp_servers']);
    const p = await createProfile(t, {
      mcp_tool_groups: [{ tool_group_id: 1 }, { tool_group_id: 2 }],
      mcp_servers: [{ mcp_server_id: 'a' }, { mcp_server_id: 'b' }],
      mcp_tool_overrides: [
        { mcp_client_id: 'a', tool_name: 'x', action: 'include' },
        { mcp_client_id: 'b', tool_name: 'x', action: 'exclude' },
      ],
    });
    expect(p.mcp_tool_overrides).toHaveLength(2);
  });
});

describe('what each rule says', () => {
  it('When every content rule is broken on create, then each detail names its field and says what is wrong', async () => {
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        calendar_aligned: true,
        budgets: [
          { max_limit: 1, reset_duration: '1M' },
          { max_limit: 2, reset_duration: '1M' },
          { max_limit: 3, reset_duration: '1d', reset_config: { quarter_start_month: 2 } },
          { max_limit: 4, reset_duration: '1h' },
        ],
        provider_configs: [
          { provider_name: 'openai' },
          { provider_name: 'OpenAI', rate_limit: { token_max_limit: 5, request_reset_duration: '1d' } },
        ],
        rate_limit: {},
        mcp_tool_overrides: [
          { mcp_client_id: 'gh', tool_name: 't', action: 'include' },
          { mcp_client_id: 'gh', tool_name: 't', action: 'exclude' },
        ],
      },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toEqual([
      { param: 'provider_configs[1].provider_name', message: 'duplicates provider_configs[0].provider_name' },
      { param: 'provider_configs[1].rate_limit.token_reset_duration', message: 'is required with token_max_limit' },
      {
        param: 'provider_configs[1].rate_limit.request_reset_duration',
        message: 'is only allowed with request_max_limit',
      },
      {
        param: 'budgets[1].reset_duration',
        message: 'duplicates the reset_duration of budgets[0]; one budget per reset_duration',
      },
      { param: 'budgets[2].reset_config', message: 'is only allowed with reset_duration 1Q' },
      { param: 'budgets[3].reset_duration', message: '1h is not allowed on a calendar-aligned profile' },
      { param: 'rate_limit', message: 'needs token_max_limit or request_max_limit' },
      {
        param: 'mcp_tool_overrides[1]',
        message: 'duplicates mcp_tool_overrides[0] (same mcp_client_id and tool_name)',
      },
    ]);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When an update names ids the profile does not have, then each detail says whose id it is not', async () => {
    const p = await createProfile(t, {
      budgets: [{ max_limit: 1, reset_duration: '1M' }],
      provider_configs: [{ provider_name: 'openai', budgets: [{ max_limit: 1, reset_duration: '1d' }] }],
    });
    const pc = p.provider_configs[0]!;
    const res = await updateProfile(t, p.id, {
      budgets: [{ id: 'bdg_unknown00000', max_limit: 1, reset_duration: '1M' }],
      provider_configs: [
        { id: pc.id, provider_name: 'openai', budgets: [{ id: p.budgets[0]!.id, max_limit: 1, reset_duration: '1d' }] },
        { id: 987654321, provider_name: 'anthropic' },
      ],
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toEqual([
      { param: 'provider_configs[0].budgets[0].id', message: 'is not an existing budget of this provider config' },
      { param: 'provider_configs[1].id', message: 'is not an existing provider config of this profile' },
      { param: 'budgets[0].id', message: 'is not an existing budget of this profile' },
    ]);
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile).toEqual(p);
  });
});

describe('an edit that leaves the windows alone', () => {
  it('When only the description changes, then every budget and rate limit keeps its window and usage', async () => {
    const p = await createProfile(t, {
      budgets: [{ max_limit: 10, reset_duration: '1M' }],
      rate_limit: { token_max_limit: 100, token_reset_duration: '1d' },
      provider_configs: [
        {
          provider_name: 'openai',
          budgets: [{ max_limit: 5, reset_duration: '1d' }],
          rate_limit: { request_max_limit: 3, request_reset_duration: '1h' },
        },
      ],
    });
    await editStoredProfile(t, p.id, (c) => {
      Object.assign(c.budgets[0]!, { current_usage: 4, last_reset: OLD_WINDOW });
      Object.assign(c.provider_configs[0]!.budgets[0]!, { current_usage: 2, last_reset: OLD_WINDOW });
      for (const r of [c.rate_limit!, c.provider_configs[0]!.rate_limit!])
        Object.assign(r, {
          token_current_usage: 7,
          request_current_usage: 1,
          token_last_reset: OLD_WINDOW,
          request_last_reset: OLD_WINDOW,
        });
    });
    const stored = (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!
      .access_profile;
    const res = await updateProfile(t, p.id, { description: 'only this' });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const after = res.data!.access_profile;
    expect(after.budgets).toEqual(stored.budgets);
    expect(after.rate_limit).toEqual(stored.rate_limit);
    expect(after.provider_configs).toEqual(stored.provider_configs);
    expect(after.budgets[0]!.last_reset).toBe(OLD_WINDOW);
  });
});

describe('with request validation turned off (VALIDATE_REQUESTS=false)', () => {
  let open: TestServer;
  beforeAll(async () => {
    open = await startTestServer({ env: { VALIDATE_REQUESTS: 'false' } });
  });
  afterAll(async () => open?.close());

  it('When a tool group or MCP server is listed twice, then the server itself still answers 400 naming the repeated item', async () => {
    const res = await open.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        mcp_tool_groups: [{ tool_group_id: 1 }, { tool_group_id: 2 }, { tool_group_id: 1 }],
        mcp_servers: [{ mcp_server_id: 'a' }, { mcp_server_id: 'a' }],
      },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toEqual([
      { param: 'mcp_tool_groups[2]', message: 'duplicates mcp_tool_groups[0] (same tool_group_id)' },
      { param: 'mcp_servers[1]', message: 'duplicates mcp_servers[0] (same mcp_server_id)' },
    ]);
  });

  it('When a provider config omits all_models_allowed, then it is stored as false', async () => {
    const res = await open.client.POST('/api/access-profiles', {
      body: { name: uniqueName(), provider_configs: [{ provider_name: 'openai' }] },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    expect(res.data!.access_profile.provider_configs[0]).toMatchObject({
      all_models_allowed: false,
      allowed_models: [],
      budgets: [],
    });
  });
});
