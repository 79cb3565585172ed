// Propagating template fields onto users' copies: what each field carries over, what a copy keeps (ids,
// usage, windows) and what a propagation of some fields leaves alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import {
  copyOf,
  createProfile,
  editStoredCopy,
  expectStartedDuring,
  OLD_WINDOW,
  propagate,
  updateProfile,
  usersHoldingCopies,
} from '../support/profiles.js';
import { expectEnvelope } from '../support/expect.js';
import { startTestServer, storeCounts, type TestServer, suiteServer } from '../support/server.js';
import { decoded } from '../support/audit.js';

type S = components['schemas'];

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const TEMPLATE: Partial<S['AccessProfileCreate']> = {
  provider_configs: [
    {
      provider_name: 'openai',
      allowed_models: ['gpt-4o'],
      budgets: [
        { max_limit: 50, reset_duration: '1M' },
        { max_limit: 5, reset_duration: '1d' },
      ],
      rate_limit: {
        token_max_limit: 1000,
        token_reset_duration: '1h',
        request_max_limit: 10,
        request_reset_duration: '1d',
      },
    },
    {
      provider_name: 'mistral',
      all_models_allowed: true,
      rate_limit: { request_max_limit: 3, request_reset_duration: '1h' },
    },
  ],
  budgets: [{ max_limit: 100, reset_duration: '1M' }],
  rate_limit: { token_max_limit: 5000, token_reset_duration: '1d' },
  mcp_tool_groups: [{ tool_group_id: 1 }],
  mcp_servers: [{ mcp_server_id: 'github' }],
  mcp_tool_overrides: [{ mcp_client_id: 'github', tool_name: 'delete_repository', action: 'exclude' }],
};

/** Usage and old windows on every budget and limit of the user's copy. */
const spend = (userId: string, profileId: number) =>
  editStoredCopy(t, userId, profileId, (c) => {
    for (const b of [...c.budgets, ...c.provider_configs.flatMap((p) => p.budgets)])
      Object.assign(b, { current_usage: 2, last_reset: OLD_WINDOW });
    for (const r of [c.rate_limit, ...c.provider_configs.map((p) => p.rate_limit)])
      if (r)
        Object.assign(r, {
          token_current_usage: 30,
          request_current_usage: 3,
          token_last_reset: OLD_WINDOW,
          request_last_reset: OLD_WINDOW,
        });
  });

describe('provider configs', () => {
  it('When provider configs are propagated, then a matching provider keeps its id, budget ids, usage and windows, takes the new values, and the others follow the template', async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    const before = await copyOf(t, user!, p.id);
    const openai = p.provider_configs[0]!;
    const res = await updateProfile(t, p.id, {
      provider_configs: [
        {
          id: openai.id,
          provider_name: 'openai',
          allowed_models: ['gpt-4o', 'o3'],
          budgets: [
            { max_limit: 80, reset_duration: '1M' },
            { max_limit: 9, reset_duration: '1w' },
          ],
          rate_limit: {
            token_max_limit: 2000,
            token_reset_duration: '1h',
            request_max_limit: 10,
            request_reset_duration: '1w',
          },
        },
        { provider_name: 'google', budgets: [{ max_limit: 7, reset_duration: '1d' }] },
      ],
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const started = Date.now();
    const result = await propagate(t, p.id, { fields: ['provider_configs'] });
    const ended = Date.now();
    expect(result.data).toMatchObject({
      affected_users: 1,
      skipped_users: 0,
      failed_users: 0,
      user_ids: [user],
      applied: true,
    });

    const copy = await copyOf(t, user!, p.id);
    expect(copy.provider_configs.map((c) => c.provider_name)).toEqual(['openai', 'google']);
    const [o, g] = copy.provider_configs;
    const was = before.provider_configs[0]!;
    expect(o).toMatchObject({ id: was.id, allowed_models: ['gpt-4o', 'o3'], all_models_allowed: false });
    // the monthly budget is matched by its duration: same id, usage and window, new limit
    expect(o!.budgets[0]).toMatchObject({
      id: was.budgets[0]!.id,
      max_limit: 80,
      current_usage: 2,
      last_reset: OLD_WINDOW,
    });
    // the weekly one is new: the daily one is gone
    expect(o!.budgets[1]).toMatchObject({ reset_duration: '1w', max_limit: 9, current_usage: 0 });
    expect(was.budgets.map((b) => b.id)).not.toContain(o!.budgets[1]!.id);
    expectStartedDuring(o!.budgets[1]!.last_reset, started, ended);
    // the rate limit keeps its id; the token window (same duration) keeps usage, the request one restarts
    expect(o!.rate_limit).toMatchObject({
      id: was.rate_limit!.id,
      token_max_limit: 2000,
      token_current_usage: 30,
      token_last_reset: OLD_WINDOW,
      request_reset_duration: '1w',
      request_current_usage: 0,
    });
    expectStartedDuring(o!.rate_limit!.request_last_reset, started, ended);
    // a provider new to the copy comes fresh
    expect(g).toMatchObject({ provider_name: 'google', budgets: [{ max_limit: 7, current_usage: 0 }] });
    expect(g!.rate_limit).toBeUndefined();
    expect(before.provider_configs.map((c) => c.id)).not.toContain(g!.id);
    expect(res.data!.access_profile.provider_configs.map((c) => c.id)).not.toContain(g!.id);
    // fields not propagated are left alone
    expect(copy.budgets).toEqual(before.budgets);
    expect(copy.rate_limit).toEqual(before.rate_limit);
  });

  it('When the template drops a provider rate limit, then propagating provider configs drops it from the copy too', async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    const mistral = p.provider_configs[1]!;
    const res = await updateProfile(t, p.id, {
      provider_configs: [
        { id: p.provider_configs[0]!.id, provider_name: 'openai' },
        { id: mistral.id, provider_name: 'mistral', all_models_allowed: true, rate_limit: null },
      ],
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const result = await propagate(t, p.id, { fields: ['provider_configs'] });
    expect(result.data).toMatchObject({ affected_users: 1 });
    const copy = await copyOf(t, user!, p.id);
    expect(copy.provider_configs[1]).toMatchObject({ provider_name: 'mistral' });
    expect(copy.provider_configs[1]!.rate_limit).toBeUndefined();
    expect(copy.provider_configs[0]!.rate_limit).toMatchObject({ token_max_limit: 1000 });
  });

  it('When provider configs are propagated with reset_usage, then kept budgets and limits keep their ids with zero usage and fresh windows', async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    const before = await copyOf(t, user!, p.id);
    const started = Date.now();
    const result = await propagate(t, p.id, { fields: ['provider_configs'], reset_usage: true });
    const ended = Date.now();
    expect(result.data).toMatchObject({ affected_users: 1 });
    const o = (await copyOf(t, user!, p.id)).provider_configs[0]!;
    expect(o.budgets.map((b) => [b.id, b.current_usage])).toEqual(
      before.provider_configs[0]!.budgets.map((b) => [b.id, 0]),
    );
    for (const b of o.budgets) expectStartedDuring(b.last_reset, started, ended);
    expect(o.rate_limit).toMatchObject({
      id: before.provider_configs[0]!.rate_limit!.id,
      token_current_usage: 0,
      request_current_usage: 0,
    });
    expectStartedDuring(o.rate_limit!.token_last_reset, started, ended);
    expectStartedDuring(o.rate_limit!.request_last_reset, started, ended);
  });

  it("When a new provider reaches copies in separate propagations, then each copy's provider config gets its own id, none the template's", async () => {
    const p = await createProfile(t, TEMPLATE);
    const [a, b] = await usersHoldingCopies(t, p.id, 2);
    const res = await updateProfile(t, p.id, {
      provider_configs: [{ provider_name: 'google', budgets: [{ max_limit: 7, reset_duration: '1d' }] }],
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect((await propagate(t, p.id, { fields: ['provider_configs'], user_ids: [a!] })).data).toMatchObject({
      affected_users: 1,
    });
    expect((await propagate(t, p.id, { fields: ['provider_configs'], user_ids: [b!] })).data).toMatchObject({
      affected_users: 1,
    });
    const ids = [
      res.data!.access_profile.provider_configs[0]!.id,
      (await copyOf(t, a!, p.id)).provider_configs[0]!.id,
      (await copyOf(t, b!, p.id)).provider_configs[0]!.id,
    ];
    expect(new Set(ids).size).toBe(3);
  });
});

describe('which fields are propagated', () => {
  it('When only budgets are propagated, then the copy takes the new budgets and keeps its rate limit and MCP links', async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    const before = await copyOf(t, user!, p.id);
    await updateProfile(t, p.id, {
      budgets: [{ id: p.budgets[0]!.id, max_limit: 300, reset_duration: '1M' }],
      rate_limit: { token_max_limit: 1, token_reset_duration: '1d' },
      mcp_servers: [],
      mcp_tool_groups: [],
      mcp_tool_overrides: [],
    });
    const result = await propagate(t, p.id, { fields: ['budgets'] });
    expect(result.data).toMatchObject({ affected_users: 1, fields: ['budgets'] });
    const copy = await copyOf(t, user!, p.id);
    expect(copy.budgets[0]).toMatchObject({ id: before.budgets[0]!.id, max_limit: 300 });
    expect(copy.rate_limit).toEqual(before.rate_limit);
    expect(copy).toMatchObject({
      mcp_servers: TEMPLATE.mcp_servers,
      mcp_tool_groups: TEMPLATE.mcp_tool_groups,
      mcp_tool_overrides: TEMPLATE.mcp_tool_overrides,
      provider_configs: before.provider_configs,
    });
  });

  it('When only the rate limit is propagated, then the copy takes it and keeps its own budgets and provider configs', async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    const before = await copyOf(t, user!, p.id);
    const changed = await updateProfile(t, p.id, {
      budgets: [{ id: p.budgets[0]!.id, max_limit: 300, reset_duration: '1M' }],
      provider_configs: [{ id: p.provider_configs[0]!.id, provider_name: 'openai', allowed_models: ['gpt-4o-mini'] }],
      rate_limit: { token_max_limit: 7, token_reset_duration: '1d' },
    });
    expect(changed.response.status, JSON.stringify(changed.error)).toBe(200);
    const result = await propagate(t, p.id, { fields: ['rate_limit'] });
    expect(result.data).toMatchObject({ affected_users: 1, fields: ['rate_limit'], applied: true });
    const copy = await copyOf(t, user!, p.id);
    expect(copy.rate_limit).toMatchObject({ id: before.rate_limit!.id, token_max_limit: 7 });
    expect(copy.budgets).toEqual(before.budgets);
    expect(copy.provider_configs).toEqual(before.provider_configs);
  });

  it('When two fields are propagated and only one of them changed, then the copy is affected and takes the change', async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    await updateProfile(t, p.id, { rate_limit: { token_max_limit: 9000, token_reset_duration: '1d' } });
    const dry = await propagate(t, p.id, { fields: ['budgets', 'rate_limit'], dry_run: true });
    expect(dry.data).toMatchObject({ affected_users: 1, skipped_users: 0, user_ids: [user], applied: false });
    const result = await propagate(t, p.id, { fields: ['budgets', 'rate_limit'] });
    expect(result.data).toMatchObject({ affected_users: 1, skipped_users: 0, user_ids: [user] });
    expect((await copyOf(t, user!, p.id)).rate_limit).toMatchObject({ token_max_limit: 9000 });
  });

  it("When MCP links are propagated, then each propagated list replaces the copy's and the others stay", async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    await updateProfile(t, p.id, {
      mcp_tool_groups: [{ tool_group_id: 2 }],
      mcp_servers: [{ mcp_server_id: 'jira' }],
      mcp_tool_overrides: [{ mcp_client_id: 'jira', tool_name: 'delete_project', action: 'exclude' }],
    });
    const first = await propagate(t, p.id, { fields: ['mcp_tool_groups', 'mcp_servers'] });
    expect(first.data).toMatchObject({ affected_users: 1 });
    expect(await copyOf(t, user!, p.id)).toMatchObject({
      mcp_tool_groups: [{ tool_group_id: 2 }],
      mcp_servers: [{ mcp_server_id: 'jira' }],
      mcp_tool_overrides: TEMPLATE.mcp_tool_overrides,
    });
    const second = await propagate(t, p.id, { fields: ['mcp_tool_overrides'] });
    expect(second.data).toMatchObject({ affected_users: 1 });
    expect((await copyOf(t, user!, p.id)).mcp_tool_overrides).toEqual([
      { mcp_client_id: 'jira', tool_name: 'delete_project', action: 'exclude' },
    ]);
  });

  it("When a template budget gets a new reset duration, then the copy's old budget is replaced by a new one with zero usage", async () => {
    const p = await createProfile(t, TEMPLATE);
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    const before = await copyOf(t, user!, p.id);
    await updateProfile(t, p.id, { budgets: [{ id: p.budgets[0]!.id, max_limit: 100, reset_duration: '1w' }] });
    const started = Date.now();
    await propagate(t, p.id, { fields: ['budgets'] });
    const ended = Date.now();
    const [b] = (await copyOf(t, user!, p.id)).budgets;
    expect(b).toMatchObject({ reset_duration: '1w', current_usage: 0, override: null });
    expect(b!.id).not.toBe(before.budgets[0]!.id);
    expectStartedDuring(b!.last_reset, started, ended);
  });
});

describe('rate limits', () => {
  it('When the rate limit is propagated, then it keeps its id; usage stays where the duration is unchanged and restarts where it changed', async () => {
    const p = await createProfile(t, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1h',
        request_max_limit: 10,
        request_reset_duration: '1h',
      },
    });
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    const before = await copyOf(t, user!, p.id);
    await updateProfile(t, p.id, {
      rate_limit: {
        token_max_limit: 200,
        token_reset_duration: '1d',
        request_max_limit: 20,
        request_reset_duration: '1h',
      },
    });
    const started = Date.now();
    await propagate(t, p.id, { fields: ['rate_limit'] });
    const ended = Date.now();
    const r = (await copyOf(t, user!, p.id)).rate_limit!;
    expect(r).toMatchObject({
      id: before.rate_limit!.id,
      token_max_limit: 200,
      token_current_usage: 0,
      request_max_limit: 20,
      request_current_usage: 3,
      request_last_reset: OLD_WINDOW,
    });
    expectStartedDuring(r.token_last_reset, started, ended);
  });

  it('When the rate limit is propagated with reset_usage, then both counters restart now', async () => {
    const p = await createProfile(t, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1h',
        request_max_limit: 10,
        request_reset_duration: '1h',
      },
    });
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    const before = await copyOf(t, user!, p.id);
    const started = Date.now();
    const result = await propagate(t, p.id, { fields: ['rate_limit'], reset_usage: true });
    const ended = Date.now();
    expect(result.data).toMatchObject({ affected_users: 1 });
    const r = (await copyOf(t, user!, p.id)).rate_limit!;
    expect(r).toMatchObject({ id: before.rate_limit!.id, token_current_usage: 0, request_current_usage: 0 });
    expectStartedDuring(r.token_last_reset, started, ended);
    expectStartedDuring(r.request_last_reset, started, ended);
  });

  it("When the template has no rate limit, then propagating it removes the copy's; a copy without one takes the template's", async () => {
    const p = await createProfile(t, { rate_limit: { token_max_limit: 100, token_reset_duration: '1h' } });
    const [user] = await usersHoldingCopies(t, p.id);
    await updateProfile(t, p.id, { rate_limit: null });
    await propagate(t, p.id, { fields: ['rate_limit'] });
    expect((await copyOf(t, user!, p.id)).rate_limit).toBeUndefined();
    await updateProfile(t, p.id, { rate_limit: { request_max_limit: 4, request_reset_duration: '1d' } });
    await propagate(t, p.id, { fields: ['rate_limit'] });
    expect((await copyOf(t, user!, p.id)).rate_limit).toMatchObject({
      request_max_limit: 4,
      request_current_usage: 0,
      token_max_limit: null,
    });
  });
});

describe('budgets with reset_usage on a calendar-aligned copy', () => {
  it('When budgets are propagated with reset_usage, then a kept 1Q budget restarts at its quarter start with zero usage', async () => {
    const p = await createProfile(t, {
      calendar_aligned: true,
      budgets: [{ max_limit: 10, reset_duration: '1Q', reset_config: { quarter_start_month: 2 } }],
    });
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    const before = await copyOf(t, user!, p.id);
    await propagate(t, p.id, { fields: ['budgets'], reset_usage: true });
    const now = new Date();
    const m = now.getUTCMonth();
    const quarterStart = new Date(Date.UTC(now.getUTCFullYear(), m - ((((m - 1) % 3) + 3) % 3), 1)).toISOString();
    expect((await copyOf(t, user!, p.id)).budgets[0]).toMatchObject({
      id: before.budgets[0]!.id,
      current_usage: 0,
      last_reset: quarterStart,
    });
  });
});

describe("windows follow the copy's own alignment", () => {
  it("When the template's 1Q budget moves its quarter start, then propagating budgets keeps the copy's spend and starts the window at the new quarter", async () => {
    const p = await createProfile(t, {
      calendar_aligned: true,
      budgets: [{ max_limit: 10, reset_duration: '1Q', reset_config: { quarter_start_month: 2 } }],
    });
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    const before = await copyOf(t, user!, p.id);
    await updateProfile(t, p.id, {
      budgets: [{ max_limit: 10, reset_duration: '1Q', reset_config: { quarter_start_month: 1 } }],
    });
    await propagate(t, p.id, { fields: ['budgets'] });
    const now = new Date();
    const quarterStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (now.getUTCMonth() % 3), 1));
    expect((await copyOf(t, user!, p.id)).budgets[0]).toMatchObject({
      id: before.budgets[0]!.id,
      current_usage: 2,
      last_reset: quarterStart.toISOString(),
    });
  });

  it("When a rolling template propagates a rate limit of a new duration onto a calendar-aligned copy, then the new window starts where the copy's alignment puts it", async () => {
    const p = await createProfile(t, {
      calendar_aligned: true,
      rate_limit: { token_max_limit: 100, token_reset_duration: '1d' },
    });
    const [user] = await usersHoldingCopies(t, p.id);
    await spend(user!, p.id);
    await updateProfile(t, p.id, {
      calendar_aligned: false,
      rate_limit: { token_max_limit: 100, token_reset_duration: '1w' },
    });
    await propagate(t, p.id, { fields: ['rate_limit'] });
    const copy = await copyOf(t, user!, p.id);
    const now = new Date();
    const monday = new Date(
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((now.getUTCDay() + 6) % 7)),
    );
    expect(copy.calendar_aligned).toBe(true);
    expect(copy.rate_limit).toMatchObject({
      token_reset_duration: '1w',
      token_current_usage: 0,
      token_last_reset: monday.toISOString(),
    });
  });
});

describe('the users asked for', () => {
  it('When user_ids name one holder and two users without a copy, then only the holder changes, both others count as skipped and the audit entry counts all three requested', async () => {
    const p = await createProfile(t, TEMPLATE);
    const [a, b] = await usersHoldingCopies(t, p.id, 2);
    await updateProfile(t, p.id, { mcp_servers: [] });
    const result = await propagate(t, p.id, {
      fields: ['mcp_servers'],
      user_ids: [a!, 'holds-nothing', 'holds-nothing-either'],
    });
    expect(result.data).toMatchObject({ affected_users: 1, skipped_users: 2, user_ids: [a] });
    expect((await copyOf(t, a!, p.id)).mcp_servers).toEqual([]);
    expect((await copyOf(t, b!, p.id)).mcp_servers).toEqual(TEMPLATE.mcp_servers);
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { action: 'propagate' } },
    });
    expect(decoded(audit.data!.audit_logs[0]!)).toMatchObject({
      new_values: { fields: ['mcp_servers'], reset_usage: false },
      metadata: expect.objectContaining({ requested_users: 3, affected_users: 1, skipped_users: 2, failed_users: 0 }),
    });
  });
});

describe('a copy that cannot be merged', () => {
  it("When one user's stored copy is damaged, then that user is reported failed with a reason to retry, the others are updated, and the audit entry counts the failure", async () => {
    const p = await createProfile(t, TEMPLATE);
    const [broken, fine] = await usersHoldingCopies(t, p.id, 2);
    // a copy whose budgets are no longer a list (a bad write by another component)
    await editStoredCopy(t, broken!, p.id, (c) => Object.assign(c, { budgets: null }));
    await updateProfile(t, p.id, { budgets: [{ id: p.budgets[0]!.id, max_limit: 300, reset_duration: '1M' }] });
    const failure = `${broken}: the copy could not be updated; retry the propagation`;

    const dry = await propagate(t, p.id, { fields: ['budgets'], dry_run: true });
    expect(dry.data).toEqual({
      affected_users: 1,
      failed_users: 1,
      skipped_users: 0,
      user_ids: [fine],
      fields: ['budgets'],
      applied: false,
      vk_sync_errors: [failure],
    });
    const result = await propagate(t, p.id, { fields: ['budgets'] });
    expect(result.data).toEqual({
      affected_users: 1,
      failed_users: 1,
      skipped_users: 0,
      user_ids: [fine],
      fields: ['budgets'],
      applied: true,
      vk_sync_errors: [failure],
    });
    expect((await copyOf(t, fine!, p.id)).budgets[0]).toMatchObject({ max_limit: 300 });
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { action: 'propagate' } },
    });
    expect(audit.data!.audit_logs).toHaveLength(1);
    expect(decoded(audit.data!.audit_logs[0]!).metadata).toMatchObject({
      affected_users: 1,
      failed_users: 1,
      skipped_users: 0,
    });
  });
});

describe('a template that does not exist', () => {
  it('When an unknown profile id is propagated, then it answers 404 naming id and that profile, and nothing is written', async () => {
    const before = await storeCounts(t.db);
    const res = await propagate(t, 987654321, { fields: ['budgets'] });
    const env = expectEnvelope(res.error, 404, 'access_profile_not_found', res.response);
    expect(env.error.param).toBe('id');
    expect(env.error.message).toBe('Access profile 987654321 was not found.');
    expect(await storeCounts(t.db)).toEqual(before);
  });
});

describe('with request validation turned off (VALIDATE_REQUESTS=false)', () => {
  let open: TestServer;
  beforeAll(async () => {
    open = await startTestServer({ env: { VALIDATE_REQUESTS: 'false' } });
  });
  afterAll(async () => open?.close());

  it('When dry_run and reset_usage are left out, then the propagation is applied and usage is kept, as their defaults (false) say', async () => {
    const p = await createProfile(open, TEMPLATE);
    const [user] = await usersHoldingCopies(open, p.id);
    await editStoredCopy(open, user!, p.id, (c) =>
      Object.assign(c.budgets[0]!, { current_usage: 2, last_reset: OLD_WINDOW }),
    );
    await updateProfile(open, p.id, { budgets: [{ id: p.budgets[0]!.id, max_limit: 300, reset_duration: '1M' }] });
    const result = await propagate(open, p.id, { fields: ['budgets'] });
    expect(result.data).toMatchObject({ affected_users: 1, applied: true });
    expect((await copyOf(open, user!, p.id)).budgets[0]).toMatchObject({
      max_limit: 300,
      current_usage: 2,
      last_reset: OLD_WINDOW,
    });
  });
});
