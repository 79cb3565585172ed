// Rules JSON Schema cannot say, on create and update: a rate limit's durations go with their limits,
// a provider config id is kept once, and MCP links and overrides are not listed twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { createProfile, updateProfile } from '../support/profiles.js';
import { startTestServer, storeCounts, uniqueName, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

describe('rate limit durations go with their limits', () => {
  it('When token_reset_duration comes without token_max_limit, or request_max_limit without request_reset_duration, then it answers 400 naming each', async () => {
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        rate_limit: { token_reset_duration: '1h', request_max_limit: 10 },
        provider_configs: [{ provider_name: 'openai', rate_limit: { token_reset_duration: '1d', request_max_limit: 5 } }],
      },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env).sort()).toEqual([
      'provider_configs[0].rate_limit.request_reset_duration',
      'provider_configs[0].rate_limit.token_reset_duration',
      'rate_limit.request_reset_duration',
      'rate_limit.token_reset_duration',
    ]);
    expect(env.error.details.find((d) => d.param === 'rate_limit.token_reset_duration')!.message).toMatch(/only allowed with token_max_limit/);
    expect(env.error.details.find((d) => d.param === 'rate_limit.request_reset_duration')!.message).toMatch(/required with request_max_limit/);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When a limit comes with its own duration only, then it is accepted with the other side empty', async () => {
    const p = await createProfile(t, { rate_limit: { request_max_limit: 10, request_reset_duration: '1d' } });
    expect(p.rate_limit).toMatchObject({ token_max_limit: null, token_reset_duration: null, request_max_limit: 10, request_reset_duration: '1d', token_current_usage: 0, request_current_usage: 0 });
  });
});

describe('no item twice', () => {
  it('When the same provider config id is sent twice, then it answers 400 naming the second and changes nothing', async () => {
    const p = await createProfile(t, { provider_configs: [{ provider_name: 'openai' }] });
    const id = p.provider_configs[0]!.id;
    const res = await updateProfile(t, p.id, { provider_configs: [{ id, provider_name: 'openai' }, { id, provider_name: 'anthropic' }] });
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
    expect(env.error.details).toEqual([{ param: 'mcp_tool_overrides[3]', message: expect.stringContaining('mcp_tool_overrides[0]') }]);
  });

  it('When a tool group or MCP server is listed twice, then it answers 400 naming the list; distinct ones are accepted', async () => {
    const created = await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName(), mcp_tool_groups: [{ tool_group_id: 1 }, { tool_group_id: 2 }, { tool_group_id: 1 }], mcp_servers: [{ mcp_server_id: 'a' }, { mcp_server_id: 'a' }] },
    });
    const env = expectEnvelope(created.error, 400, 'validation_failed', created.response);
    expect(detailParams(env)).toEqual(['mcp_tool_groups', 'mcp_servers']);
    const p = await createProfile(t, {
      mcp_tool_groups: [{ tool_group_id: 1 }, { tool_group_id: 2 }],
      mcp_servers: [{ mcp_server_id: 'a' }, { mcp_server_id: 'b' }],
      mcp_tool_overrides: [{ mcp_client_id: 'a', tool_name: 'x', action: 'include' }, { mcp_client_id: 'b', tool_name: 'x', action: 'exclude' }],
    });
    expect(p.mcp_tool_overrides).toHaveLength(2);
  });
});
