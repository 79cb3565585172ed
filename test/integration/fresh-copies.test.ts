// A clone and a user's copy start fresh: every budget and rate limit, also a provider's, gets a new id,
// zero usage and a window starting now (or at the period start on a calendar-aligned profile).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import {
  copyOf,
  createProfile,
  editStoredProfile,
  expectStartedDuring,
  OLD_WINDOW,
  usersHoldingCopies,
} from '../support/profiles.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';

type S = components['schemas'];

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const SOURCE: Partial<S['AccessProfileCreate']> = {
  tags: ['team-a'],
  provider_configs: [
    {
      provider_name: 'openai',
      allowed_models: ['gpt-4o'],
      budgets: [{ max_limit: 5, reset_duration: '1d' }],
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1h',
        request_max_limit: 10,
        request_reset_duration: '1d',
      },
    },
  ],
  budgets: [{ max_limit: 50, reset_duration: '1M' }],
  rate_limit: { request_max_limit: 20, request_reset_duration: '1d' },
};

/** Usage and long-past windows on every budget and limit of the template. */
const used = (id: number) =>
  editStoredProfile(t, id, (c) => {
    for (const b of [...c.budgets, ...c.provider_configs.flatMap((p) => p.budgets)])
      Object.assign(b, { current_usage: 4, last_reset: OLD_WINDOW });
    for (const r of [c.rate_limit, ...c.provider_configs.map((p) => p.rate_limit)])
      if (r)
        Object.assign(r, {
          token_current_usage: 60,
          request_current_usage: 6,
          token_last_reset: OLD_WINDOW,
          request_last_reset: OLD_WINDOW,
        });
  });

type Fresh = Pick<S['AccessProfile'], 'provider_configs' | 'budgets' | 'rate_limit'>;
function expectFresh(copy: Fresh, source: S['AccessProfile'], started: number, ended: number): void {
  const src = source.provider_configs[0]!;
  const pc = copy.provider_configs[0]!;
  expect(pc).toMatchObject({ provider_name: 'openai', allowed_models: ['gpt-4o'] });
  expect(pc.rate_limit).toMatchObject({
    token_max_limit: 100,
    request_max_limit: 10,
    token_current_usage: 0,
    request_current_usage: 0,
  });
  expect(pc.rate_limit!.id).not.toBe(src.rate_limit!.id);
  expectStartedDuring(pc.rate_limit!.token_last_reset, started, ended);
  expectStartedDuring(pc.rate_limit!.request_last_reset, started, ended);
  expect(pc.budgets[0]).toMatchObject({ max_limit: 5, current_usage: 0 });
  expect(pc.budgets[0]!.id).not.toBe(src.budgets[0]!.id);
  expectStartedDuring(pc.budgets[0]!.last_reset, started, ended);
  expect(copy.budgets[0]).toMatchObject({ max_limit: 50, current_usage: 0 });
  expectStartedDuring(copy.budgets[0]!.last_reset, started, ended);
  expect(copy.rate_limit).toMatchObject({ request_current_usage: 0, token_current_usage: 0 });
  expect(copy.rate_limit!.id).not.toBe(source.rate_limit!.id);
  expectStartedDuring(copy.rate_limit!.request_last_reset, started, ended);
}

describe('clone', () => {
  it("When a profile whose provider has a used rate limit is cloned, then the clone's provider rate limit is new, unused and starts now", async () => {
    const src = await createProfile(t, SOURCE);
    await used(src.id);
    const started = Date.now();
    const res = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { name: uniqueName('clone') },
    });
    const ended = Date.now();
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    expectFresh(res.data!.access_profile, src, started, ended);
    expect(res.data!.access_profile.tags).toEqual(['team-a']);
    // the source keeps its own usage
    const again = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: src.id } } });
    expect(again.data!.access_profile.provider_configs[0]!.rate_limit).toMatchObject({
      token_current_usage: 60,
      token_last_reset: OLD_WINDOW,
    });
  });

  it("When a calendar-aligned profile with a 1Q budget is cloned, then the clone's budget starts at its own quarter start", async () => {
    const src = await createProfile(t, {
      calendar_aligned: true,
      budgets: [{ max_limit: 1, reset_duration: '1Q', reset_config: { quarter_start_month: 2 } }],
    });
    const res = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { name: uniqueName('clone') },
    });
    const now = new Date();
    const m = now.getUTCMonth();
    const quarterStart = new Date(Date.UTC(now.getUTCFullYear(), m - ((((m - 1) % 3) + 3) % 3), 1)).toISOString();
    expect(res.data!.access_profile.budgets[0]).toMatchObject({
      reset_config: { quarter_start_month: 2 },
      last_reset: quarterStart,
    });
  });
});

describe('user copies', () => {
  it("When users receive copies of a used template, then each copy's provider rate limit and budgets are new, unused and start now", async () => {
    const src = await createProfile(t, SOURCE);
    await used(src.id);
    const started = Date.now();
    const [a, b] = await usersHoldingCopies(t, src.id, 2);
    const ended = Date.now();
    const ca = await copyOf(t, a!, src.id);
    const cb = await copyOf(t, b!, src.id);
    expectFresh(ca, src, started, ended);
    expectFresh(cb, src, started, ended);
    expect(cb.provider_configs[0]!.rate_limit!.id).not.toBe(ca.provider_configs[0]!.rate_limit!.id);
    expect(cb.provider_configs[0]!.id).not.toBe(ca.provider_configs[0]!.id);
  });
});
