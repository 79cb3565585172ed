// Usage windows across template edits: a kept budget or rate limit keeps its usage, but its window
// restarts when its reset duration (or quarter start, or calendar alignment) changes, and only then.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProfile,
  editStoredProfile,
  expectStartedDuring,
  OLD_WINDOW,
  updateProfile,
} from '../support/profiles.js';
import { type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const quarterStart = (now: Date, qsm: number) => {
  const m = now.getUTCMonth();
  const offset = (((m - (qsm - 1)) % 3) + 3) % 3;
  return new Date(Date.UTC(now.getUTCFullYear(), m - offset, 1)).toISOString();
};

describe('budgets kept by id', () => {
  it('When a kept budget changes its reset_duration, then it keeps id and usage but its window restarts now', async () => {
    const p = await createProfile(t, {
      budgets: [
        { max_limit: 10, reset_duration: '1d' },
        { max_limit: 100, reset_duration: '1M' },
      ],
      provider_configs: [{ provider_name: 'openai', budgets: [{ max_limit: 5, reset_duration: '1d' }] }],
    });
    await editStoredProfile(t, p.id, (c) => {
      for (const b of [...c.budgets, ...c.provider_configs[0]!.budgets])
        Object.assign(b, { current_usage: 3, last_reset: OLD_WINDOW });
    });
    const [daily, monthly] = p.budgets;
    const provider = p.provider_configs[0]!;
    const before = Date.now();
    const res = await updateProfile(t, p.id, {
      budgets: [
        { id: daily!.id, max_limit: 10, reset_duration: '1w' },
        { id: monthly!.id, max_limit: 200, reset_duration: '1M' },
      ],
      provider_configs: [
        {
          id: provider.id,
          provider_name: 'openai',
          budgets: [{ id: provider.budgets[0]!.id, max_limit: 5, reset_duration: '1w' }],
        },
      ],
    });
    const after = Date.now();
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const u = res.data!.access_profile;
    expect(u.budgets[0]).toMatchObject({ id: daily!.id, reset_duration: '1w', current_usage: 3 });
    expectStartedDuring(u.budgets[0]!.last_reset, before, after);
    // the unchanged duration keeps its window
    expect(u.budgets[1]).toMatchObject({ id: monthly!.id, max_limit: 200, current_usage: 3, last_reset: OLD_WINDOW });
    expect(u.provider_configs[0]!.budgets[0]).toMatchObject({
      id: provider.budgets[0]!.id,
      reset_duration: '1w',
      current_usage: 3,
    });
    expectStartedDuring(u.provider_configs[0]!.budgets[0]!.last_reset, before, after);
  });

  it('When a kept 1Q budget changes its quarter_start_month, then its window restarts; resent unchanged, it keeps its window', async () => {
    const p = await createProfile(t, {
      budgets: [{ max_limit: 10, reset_duration: '1Q', reset_config: { quarter_start_month: 1 } }],
    });
    await editStoredProfile(t, p.id, (c) => Object.assign(c.budgets[0]!, { current_usage: 4, last_reset: OLD_WINDOW }));
    const id = p.budgets[0]!.id;
    const same = await updateProfile(t, p.id, {
      budgets: [{ id, max_limit: 10, reset_duration: '1Q', reset_config: { quarter_start_month: 1 } }],
    });
    expect(same.data!.access_profile).toMatchObject({
      version: 1,
      budgets: [{ id, last_reset: OLD_WINDOW, current_usage: 4 }],
    });

    const before = Date.now();
    const moved = await updateProfile(t, p.id, {
      budgets: [{ id, max_limit: 10, reset_duration: '1Q', reset_config: { quarter_start_month: 2 } }],
    });
    const after = Date.now();
    const b = moved.data!.access_profile.budgets[0]!;
    expect(b).toMatchObject({ id, current_usage: 4, reset_config: { quarter_start_month: 2 } });
    expectStartedDuring(b.last_reset, before, after);
  });
});

describe('rate limits kept across edits', () => {
  it('When a rate limit is resent unchanged, then its windows and usage stay and the version does not move', async () => {
    const p = await createProfile(t, { rate_limit: { token_max_limit: 100, token_reset_duration: '1h' } });
    await editStoredProfile(t, p.id, (c) =>
      Object.assign(c.rate_limit!, {
        token_current_usage: 40,
        token_last_reset: OLD_WINDOW,
        request_last_reset: OLD_WINDOW,
      }),
    );
    const res = await updateProfile(t, p.id, { rate_limit: { token_max_limit: 100, token_reset_duration: '1h' } });
    expect(res.data!.access_profile).toMatchObject({
      version: 1,
      rate_limit: { token_current_usage: 40, token_last_reset: OLD_WINDOW, request_last_reset: OLD_WINDOW },
    });
  });

  it('When the token reset duration changes, then the token window restarts with zero usage and the request window is kept', async () => {
    const p = await createProfile(t, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1h',
        request_max_limit: 10,
        request_reset_duration: '1d',
      },
      provider_configs: [
        {
          provider_name: 'openai',
          rate_limit: {
            token_max_limit: 5,
            token_reset_duration: '1h',
            request_max_limit: 2,
            request_reset_duration: '1d',
          },
        },
      ],
    });
    await editStoredProfile(t, p.id, (c) => {
      for (const r of [c.rate_limit!, c.provider_configs[0]!.rate_limit!])
        Object.assign(r, {
          token_current_usage: 40,
          request_current_usage: 7,
          token_last_reset: OLD_WINDOW,
          request_last_reset: OLD_WINDOW,
        });
    });
    const before = Date.now();
    const res = await updateProfile(t, p.id, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1d',
        request_max_limit: 10,
        request_reset_duration: '1d',
      },
      provider_configs: [
        {
          id: p.provider_configs[0]!.id,
          provider_name: 'openai',
          rate_limit: {
            token_max_limit: 5,
            token_reset_duration: '1d',
            request_max_limit: 2,
            request_reset_duration: '1d',
          },
        },
      ],
    });
    const after = Date.now();
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const u = res.data!.access_profile;
    for (const [r, id] of [
      [u.rate_limit!, p.rate_limit!.id],
      [u.provider_configs[0]!.rate_limit!, p.provider_configs[0]!.rate_limit!.id],
    ] as const) {
      expect(r).toMatchObject({
        id,
        token_reset_duration: '1d',
        token_current_usage: 0,
        request_current_usage: 7,
        request_last_reset: OLD_WINDOW,
      });
      expectStartedDuring(r.token_last_reset, before, after);
    }
  });

  it('When the request reset duration changes, then the request window restarts with zero usage and the token window is kept', async () => {
    const p = await createProfile(t, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1h',
        request_max_limit: 10,
        request_reset_duration: '1h',
      },
    });
    await editStoredProfile(t, p.id, (c) =>
      Object.assign(c.rate_limit!, {
        token_current_usage: 40,
        request_current_usage: 7,
        token_last_reset: OLD_WINDOW,
        request_last_reset: OLD_WINDOW,
      }),
    );
    const before = Date.now();
    const res = await updateProfile(t, p.id, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1h',
        request_max_limit: 10,
        request_reset_duration: '1w',
      },
    });
    const after = Date.now();
    const r = res.data!.access_profile.rate_limit!;
    expect(r).toMatchObject({ token_current_usage: 40, token_last_reset: OLD_WINDOW, request_current_usage: 0 });
    expectStartedDuring(r.request_last_reset, before, after);
  });

  it('When a new token limit is added to a request-only limit, then the token window starts now', async () => {
    const p = await createProfile(t, { rate_limit: { request_max_limit: 10, request_reset_duration: '1d' } });
    await editStoredProfile(t, p.id, (c) =>
      Object.assign(c.rate_limit!, {
        request_current_usage: 7,
        token_last_reset: OLD_WINDOW,
        request_last_reset: OLD_WINDOW,
      }),
    );
    const before = Date.now();
    const res = await updateProfile(t, p.id, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1d',
        request_max_limit: 10,
        request_reset_duration: '1d',
      },
    });
    const after = Date.now();
    const r = res.data!.access_profile.rate_limit!;
    expect(r).toMatchObject({ token_current_usage: 0, request_current_usage: 7, request_last_reset: OLD_WINDOW });
    expectStartedDuring(r.token_last_reset, before, after);
  });

  it('When a provider config is resent with its id but without rate_limit, then its rate limit stays with its usage; null removes it', async () => {
    const p = await createProfile(t, {
      provider_configs: [
        { provider_name: 'openai', rate_limit: { request_max_limit: 10, request_reset_duration: '1d' } },
      ],
    });
    await editStoredProfile(t, p.id, (c) =>
      Object.assign(c.provider_configs[0]!.rate_limit!, { request_current_usage: 7, request_last_reset: OLD_WINDOW }),
    );
    const id = p.provider_configs[0]!.id;
    const kept = await updateProfile(t, p.id, {
      provider_configs: [{ id, provider_name: 'openai', allowed_models: ['gpt-4o'] }],
    });
    expect(kept.data!.access_profile.provider_configs[0]!.rate_limit).toMatchObject({
      id: p.provider_configs[0]!.rate_limit!.id,
      request_current_usage: 7,
      request_last_reset: OLD_WINDOW,
    });
    const cleared = await updateProfile(t, p.id, {
      provider_configs: [{ id, provider_name: 'openai', rate_limit: null }],
    });
    expect(cleared.data!.access_profile.provider_configs[0]!.rate_limit).toBeUndefined();
    const fresh = await updateProfile(t, p.id, { provider_configs: [{ provider_name: 'anthropic' }] });
    expect(fresh.data!.access_profile.provider_configs[0]!.rate_limit).toBeUndefined();
  });
});

describe('flipping calendar_aligned', () => {
  it('When calendar_aligned is turned on in the same request that resends the rate limits, then their windows restart at the period start', async () => {
    const p = await createProfile(t, {
      rate_limit: { token_max_limit: 100, token_reset_duration: '1d' },
      provider_configs: [
        { provider_name: 'openai', rate_limit: { request_max_limit: 5, request_reset_duration: '1M' } },
      ],
    });
    await editStoredProfile(t, p.id, (c) => {
      Object.assign(c.rate_limit!, { token_current_usage: 40, token_last_reset: OLD_WINDOW });
      Object.assign(c.provider_configs[0]!.rate_limit!, { request_current_usage: 3, request_last_reset: OLD_WINDOW });
    });
    const res = await updateProfile(t, p.id, {
      calendar_aligned: true,
      rate_limit: { token_max_limit: 100, token_reset_duration: '1d' },
      provider_configs: [
        {
          id: p.provider_configs[0]!.id,
          provider_name: 'openai',
          rate_limit: { request_max_limit: 5, request_reset_duration: '1M' },
        },
      ],
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const u = res.data!.access_profile;
    const now = new Date();
    expect(u.rate_limit).toMatchObject({
      token_current_usage: 40,
      token_last_reset: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString(),
    });
    expect(u.provider_configs[0]!.rate_limit).toMatchObject({
      request_current_usage: 3,
      request_last_reset: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    });
  });

  it('When calendar_aligned is turned on alone, then provider rate limits and budgets restart at their period start and keep their values', async () => {
    const p = await createProfile(t, {
      provider_configs: [
        {
          provider_name: 'openai',
          allowed_models: ['gpt-4o'],
          budgets: [{ max_limit: 9, reset_duration: '1Y' }],
          rate_limit: {
            token_max_limit: 50,
            token_reset_duration: '1M',
            request_max_limit: 5,
            request_reset_duration: '1Y',
          },
        },
      ],
    });
    await editStoredProfile(t, p.id, (c) => {
      Object.assign(c.provider_configs[0]!.rate_limit!, {
        token_current_usage: 20,
        token_last_reset: OLD_WINDOW,
        request_last_reset: OLD_WINDOW,
      });
      Object.assign(c.provider_configs[0]!.budgets[0]!, { current_usage: 2, last_reset: OLD_WINDOW });
    });
    const res = await updateProfile(t, p.id, { calendar_aligned: true });
    const now = new Date();
    const c = res.data!.access_profile.provider_configs[0]!;
    expect(c).toMatchObject({ id: p.provider_configs[0]!.id, provider_name: 'openai', allowed_models: ['gpt-4o'] });
    expect(c.rate_limit).toEqual({
      ...p.provider_configs[0]!.rate_limit!,
      token_current_usage: 20,
      token_last_reset: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      request_last_reset: new Date(Date.UTC(now.getUTCFullYear(), 0, 1)).toISOString(),
    });
    expect(c.budgets[0]).toMatchObject({
      id: p.provider_configs[0]!.budgets[0]!.id,
      current_usage: 2,
      last_reset: new Date(Date.UTC(now.getUTCFullYear(), 0, 1)).toISOString(),
    });
  });

  it('When calendar_aligned flips on a profile with 1Q budgets that have a quarter start month, then each restarts at its own quarter start and keeps it', async () => {
    const qsm = 2; // quarters start Feb, May, Aug, Nov: never where a January-based quarter starts
    const p = await createProfile(t, {
      budgets: [{ max_limit: 10, reset_duration: '1Q', reset_config: { quarter_start_month: qsm } }],
      provider_configs: [
        {
          provider_name: 'openai',
          budgets: [{ max_limit: 3, reset_duration: '1Q', reset_config: { quarter_start_month: qsm } }],
        },
      ],
    });
    const res = await updateProfile(t, p.id, { calendar_aligned: true });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const u = res.data!.access_profile;
    const expected = quarterStart(new Date(), qsm);
    expect(u.budgets[0]).toMatchObject({
      id: p.budgets[0]!.id,
      reset_config: { quarter_start_month: qsm },
      last_reset: expected,
    });
    expect(u.provider_configs[0]!.budgets[0]).toMatchObject({
      id: p.provider_configs[0]!.budgets[0]!.id,
      reset_config: { quarter_start_month: qsm },
      last_reset: expected,
    });
    expect(expected).not.toBe(quarterStart(new Date(), 1)); // the quarter start month matters here

    const back = await updateProfile(t, p.id, { calendar_aligned: false });
    const before = Date.now();
    expect(back.data!.access_profile.budgets[0]).toMatchObject({ reset_config: { quarter_start_month: qsm } });
    expect(Date.parse(back.data!.access_profile.budgets[0]!.last_reset)).toBeLessThanOrEqual(before);
    expect(Date.parse(back.data!.access_profile.budgets[0]!.last_reset)).toBeGreaterThan(Date.parse(expected));
  });
});
