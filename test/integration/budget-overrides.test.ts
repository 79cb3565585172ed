// Overriding a budget of one user's copy: the effective limit rises for as many windows as asked (or for
// ever), counted from the window the override was set in, on profile and provider budgets alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import { expectEnvelope } from '../support/expect.js';
import { copyOf, createProfile, editStoredCopy, OLD_WINDOW, usersHoldingCopies } from '../support/profiles.js';
import { type TestServer, suiteServer } from '../support/server.js';
import { decoded } from '../support/audit.js';

type S = components['schemas'];

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const DAY = 24 * 60 * 60 * 1000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

const overridePath = (userId: string, profileId: number, budgetId: string) => ({
  params: { path: { user_id: userId, profile_id: profileId, budget_id: budgetId } },
});
const setOverride = (userId: string, profileId: number, budgetId: string, body: S['BudgetOverrideRequest']) =>
  t.client.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', {
    ...overridePath(userId, profileId, budgetId),
    body,
  });
const removeOverride = (userId: string, profileId: number, budgetId: string) =>
  t.client.DELETE(
    '/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override',
    overridePath(userId, profileId, budgetId),
  );

/** A user holding a copy of a template with one daily profile budget. */
async function holderOfDailyBudget(extra: Partial<S['AccessProfileCreate']> = {}) {
  const p = await createProfile(t, { budgets: [{ max_limit: 100, reset_duration: '1d' }], ...extra });
  const [user] = await usersHoldingCopies(t, p.id, 1);
  const budget = (await copyOf(t, user!, p.id)).budgets[0]!;
  return { p, user: user!, budget };
}

/** The copy's daily budget as served, after its window (and the override anchored to it) started `msAgo` ago. */
async function overriddenSince(msAgo: number, cycles: number) {
  const { p, user, budget } = await holderOfDailyBudget();
  await editStoredCopy(t, user, p.id, (c) => {
    c.budgets[0]!.last_reset = ago(msAgo);
  });
  const set = await setOverride(user, p.id, budget.id, { override_amount: 50, mode: 'cycles', cycles });
  expect(set.response.status, JSON.stringify(set.error)).toBe(200);
  return { set: set.data!.budget, served: (await copyOf(t, user, p.id)).budgets[0]! };
}

describe('an override for a number of cycles', () => {
  it('When the override was set in a window that started a day and an hour ago with 2 cycles, then one cycle remains and the limit is still raised', async () => {
    const { set, served } = await overriddenSince(DAY + 60 * 60 * 1000, 2);
    expect(set).toMatchObject({ max_limit: 100, effective_limit: 150, override: { cycles: 2, remaining_cycles: 1 } });
    expect(served).toEqual(set);
  });

  it("When the cycles have all passed, then no cycle remains and the effective limit is back to the budget's own", async () => {
    const { set, served } = await overriddenSince(2 * DAY + 60 * 60 * 1000, 2);
    expect(set).toMatchObject({
      max_limit: 100,
      effective_limit: 100,
      override: { override_amount: 50, mode: 'cycles', cycles: 2, remaining_cycles: 0 },
    });
    expect(served).toMatchObject({ effective_limit: 100, override: { remaining_cycles: 0 } });
  });

  it('When far more windows have passed than the cycles, then remaining_cycles stays at 0, never negative', async () => {
    const { set } = await overriddenSince(10 * DAY, 1);
    expect(set.override).toMatchObject({ cycles: 1, remaining_cycles: 0 });
    expect(set.effective_limit).toBe(100);
  });

  it('When the override is set in the current window, then all its cycles remain and it is anchored at the window start', async () => {
    const { p, user, budget } = await holderOfDailyBudget();
    const before = Date.now();
    const set = await setOverride(user, p.id, budget.id, { override_amount: 25, mode: 'cycles', cycles: 3 });
    const after = Date.now();
    expect(set.data!.budget).toMatchObject({
      effective_limit: 125,
      override: { override_amount: 25, mode: 'cycles', cycles: 3, remaining_cycles: 3, anchored_at: budget.last_reset },
    });
    const created = Date.parse(set.data!.budget.override!.created_at);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(after + 1000);
  });
});

describe('an override for ever', () => {
  it('When an override is set for ever, then the limit is raised however many windows pass, with no cycles to count', async () => {
    const { p, user, budget } = await holderOfDailyBudget();
    await editStoredCopy(t, user, p.id, (c) => {
      c.budgets[0]!.last_reset = OLD_WINDOW;
    });
    const set = await setOverride(user, p.id, budget.id, { override_amount: 40, mode: 'forever' });
    expect(set.data!.budget).toMatchObject({
      effective_limit: 140,
      override: { mode: 'forever', cycles: null, remaining_cycles: null, anchored_at: OLD_WINDOW },
    });
  });
});

describe('where the override is anchored', () => {
  it('When the copy is calendar-aligned, then the override is anchored at the current calendar period, not at the stored window start', async () => {
    const { p, user, budget } = await holderOfDailyBudget({
      calendar_aligned: true,
      budgets: [{ max_limit: 100, reset_duration: '1M' }],
    });
    await editStoredCopy(t, user, p.id, (c) => {
      c.budgets[0]!.last_reset = OLD_WINDOW;
    });
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const set = await setOverride(user, p.id, budget.id, { override_amount: 10, mode: 'cycles', cycles: 1 });
    expect(set.data!.budget).toMatchObject({
      effective_limit: 110,
      override: { anchored_at: monthStart, remaining_cycles: 1 },
    });
  });

  it("When a calendar-aligned 1Q budget has its own quarter start month, then the override is anchored at that quarter's start", async () => {
    const { p, user, budget } = await holderOfDailyBudget({
      calendar_aligned: true,
      budgets: [{ max_limit: 100, reset_duration: '1Q', reset_config: { quarter_start_month: 2 } }],
    });
    const now = new Date();
    const m = now.getUTCMonth();
    const quarterStart = new Date(Date.UTC(now.getUTCFullYear(), m - ((((m - 1) % 3) + 3) % 3), 1)).toISOString();
    const set = await setOverride(user, p.id, budget.id, { override_amount: 10, mode: 'forever' });
    expect(set.data!.budget.override!.anchored_at).toBe(quarterStart);
  });

  it('When the budget belongs to a provider config of the copy, then it is overridden there and served with its effective limit', async () => {
    const p = await createProfile(t, {
      provider_configs: [{ provider_name: 'openai', budgets: [{ max_limit: 5, reset_duration: '1d' }] }],
    });
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const budget = (await copyOf(t, user!, p.id)).provider_configs[0]!.budgets[0]!;
    expect(budget).toMatchObject({ effective_limit: 5, override: null });
    const set = await setOverride(user!, p.id, budget.id, { override_amount: 3, mode: 'forever' });
    expect(set.response.status, JSON.stringify(set.error)).toBe(200);
    expect(set.data!.budget).toMatchObject({ id: budget.id, scope: 'provider:openai', effective_limit: 8 });
    expect((await copyOf(t, user!, p.id)).provider_configs[0]!.budgets[0]).toEqual(set.data!.budget);
  });
});

describe('the copy around the override', () => {
  it('When an override is set, then the copy keeps its parent version and other budgets, and its updated_at moves', async () => {
    const p = await createProfile(t, {
      budgets: [
        { max_limit: 100, reset_duration: '1d' },
        { max_limit: 900, reset_duration: '1M' },
      ],
    });
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const before = await copyOf(t, user!, p.id);
    await new Promise((r) => setTimeout(r, 5));
    const daily = before.budgets.find((b) => b.reset_duration === '1d')!;
    expect((await setOverride(user!, p.id, daily.id, { override_amount: 1, mode: 'forever' })).response.status).toBe(
      200,
    );
    const after = await copyOf(t, user!, p.id);
    expect(after).toMatchObject({
      id: before.id,
      parent_version: before.parent_version,
      created_at: before.created_at,
    });
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    expect(after.budgets.find((b) => b.reset_duration === '1M')).toEqual(
      before.budgets.find((b) => b.reset_duration === '1M'),
    );
  });
});

describe('changing and removing an override', () => {
  it('When an override replaces another, then the audit entry shows the old one as previous and the new one as next', async () => {
    const { p, user, budget } = await holderOfDailyBudget();
    await setOverride(user, p.id, budget.id, { override_amount: 10, mode: 'forever' });
    const second = await setOverride(user, p.id, budget.id, { override_amount: 20, mode: 'cycles', cycles: 4 });
    expect(second.data!.budget).toMatchObject({ effective_limit: 120, override: { override_amount: 20, cycles: 4 } });
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { user_id: user, action: 'set_budget_override' } },
    });
    const [latest, first] = audit.data!.audit_logs.map(decoded);
    expect(first).toMatchObject({
      previous_values: null,
      new_values: {
        budget_id: budget.id,
        override: expect.objectContaining({ override_amount: 10, mode: 'forever', cycles: null }),
      },
    });
    expect(latest).toMatchObject({
      user_id: user,
      access_profile_id: p.id,
      previous_values: {
        budget_id: budget.id,
        override: expect.objectContaining({ override_amount: 10, mode: 'forever' }),
      },
      new_values: {
        budget_id: budget.id,
        override: expect.objectContaining({ override_amount: 20, mode: 'cycles', cycles: 4 }),
      },
    });
  });

  it('When an override is removed, then the audit entry shows it as previous and nothing as next, and the copy serves the plain limit', async () => {
    const { p, user, budget } = await holderOfDailyBudget();
    await setOverride(user, p.id, budget.id, { override_amount: 10, mode: 'forever' });
    const removed = await removeOverride(user, p.id, budget.id);
    expect(removed.data!.budget).toMatchObject({ effective_limit: 100, override: null });
    expect((await copyOf(t, user, p.id)).budgets[0]).toMatchObject({ effective_limit: 100, override: null });
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { user_id: user, action: 'remove_budget_override' } },
    });
    expect(audit.data!.audit_logs.map(decoded)).toEqual([
      expect.objectContaining({
        previous_values: { budget_id: budget.id, override: expect.objectContaining({ override_amount: 10 }) },
        new_values: null,
      }),
    ]);
  });

  it('When cycles are missing with mode cycles, or given with mode forever, then it answers 400 naming cycles and saying why', async () => {
    const { p, user, budget } = await holderOfDailyBudget();
    const missing = await setOverride(user, p.id, budget.id, { override_amount: 5, mode: 'cycles' });
    expect(expectEnvelope(missing.error, 400, 'validation_failed', missing.response).error.details).toEqual([
      { param: 'cycles', message: 'is required with mode cycles' },
    ]);
    const extra = await setOverride(user, p.id, budget.id, { override_amount: 5, mode: 'forever', cycles: 2 });
    expect(expectEnvelope(extra.error, 400, 'validation_failed', extra.response).error.details).toEqual([
      { param: 'cycles', message: 'is not allowed with mode forever' },
    ]);
    expect((await copyOf(t, user, p.id)).budgets[0]!.override).toBeNull();
  });

  it("When the budget id is not one of the copy's, then it answers 404 budget_not_found naming budget_id", async () => {
    const { p, user } = await holderOfDailyBudget();
    const res = await setOverride(user, p.id, 'bdg_notthere0000', { override_amount: 5, mode: 'forever' });
    const env = expectEnvelope(res.error, 404, 'budget_not_found', res.response);
    expect(env.error).toMatchObject({
      param: 'budget_id',
      message: `The copy of access profile ${p.id} held by '${user}' has no budget 'bdg_notthere0000'.`,
    });
  });

  it('When the user or the copy does not exist, then setting an override answers 404 saying which', async () => {
    const { p, budget } = await holderOfDailyBudget();
    const ghost = await setOverride('no-such-user', p.id, budget.id, { override_amount: 1, mode: 'forever' });
    expectEnvelope(ghost.error, 404, 'user_not_found', ghost.response);
    const other = await createProfile(t);
    const [holder] = await usersHoldingCopies(t, p.id, 1);
    const none = await setOverride(holder!, other.id, budget.id, { override_amount: 1, mode: 'forever' });
    expect(expectEnvelope(none.error, 404, 'user_access_profile_not_found', none.response).error.param).toBe(
      'profile_id',
    );
  });
});
