// The one rule of carrying usage across a change of definition (update, restore, propagation). The
// integration suites (history, propagation, usage-windows, calendar-alignment) show it through the API;
// this pins each branch of the rule on its own.
import { describe, expect, it } from 'vitest';
import type { Budget, RateLimit } from '../../server/domain/profile-content.js';
import { carryBudgetUsage, carryRateLimitUsage } from '../../server/domain/usage-carry-over.js';

const now = new Date('2026-11-18T15:42:07.000Z');
const rolling = { calendarAligned: false, now };
const aligned = { calendarAligned: true, now };
const START = '2026-11-10T08:00:00.000Z';

const budget = (over: Partial<Budget> = {}): Budget => ({
  id: 'bdg_1',
  max_limit: 100,
  reset_duration: '1M',
  scope: 'total',
  current_usage: 42,
  last_reset: START,
  ...over,
});

const limit = (over: Partial<RateLimit> = {}): RateLimit => ({
  id: 'rl_1',
  token_max_limit: 1000,
  request_max_limit: 10,
  token_reset_duration: '1d',
  request_reset_duration: '1h',
  token_current_usage: 700,
  request_current_usage: 7,
  token_last_reset: START,
  request_last_reset: '2026-11-18T15:00:00.000Z',
  ...over,
});

describe('carryBudgetUsage', () => {
  it('When the budget keeps its window, then its spend and window start are kept', () => {
    expect(carryBudgetUsage(budget(), { reset_duration: '1M' }, rolling)).toEqual({
      current_usage: 42,
      last_reset: START,
    });
  });

  it('When there was no budget before, then spend is zero and the window starts now (rolling) or at the period start (aligned)', () => {
    expect(carryBudgetUsage(undefined, { reset_duration: '1d' }, rolling)).toEqual({
      current_usage: 0,
      last_reset: now.toISOString(),
    });
    expect(carryBudgetUsage(undefined, { reset_duration: '1d' }, aligned)).toEqual({
      current_usage: 0,
      last_reset: '2026-11-18T00:00:00.000Z',
    });
  });

  it('When the duration changes, then the spend carries over and a new window starts', () => {
    expect(carryBudgetUsage(budget(), { reset_duration: '1w' }, aligned)).toEqual({
      current_usage: 42,
      last_reset: '2026-11-16T00:00:00.000Z', // the Monday of that week
    });
  });

  it('When the quarter start of a 1Q budget changes, then the spend carries over and the window starts where the new quarters do', () => {
    const kept = budget({ reset_duration: '1Q', reset_config: { quarter_start_month: 1 } });
    expect(carryBudgetUsage(kept, { reset_duration: '1Q', reset_config: { quarter_start_month: 2 } }, aligned)).toEqual(
      { current_usage: 42, last_reset: '2026-11-01T00:00:00.000Z' },
    );
    expect(carryBudgetUsage(kept, { reset_duration: '1Q', reset_config: { quarter_start_month: 1 } }, aligned)).toEqual(
      { current_usage: 42, last_reset: START },
    );
  });

  it('When the alignment flips, then the spend stays and the window restarts where the new alignment puts it', () => {
    expect(carryBudgetUsage(budget(), { reset_duration: '1M' }, { ...aligned, realign: true })).toEqual({
      current_usage: 42,
      last_reset: '2026-11-01T00:00:00.000Z',
    });
  });

  it("When budgets keep their incoming window (a restore), then a budget that is not the same window takes the incoming one's start; the same window is still kept", () => {
    const restore = { ...aligned, budgetsKeepIncomingWindow: true };
    const snapshotWindow = '2026-10-01T00:00:00.000Z';
    expect(carryBudgetUsage(budget(), { reset_duration: '1w', last_reset: snapshotWindow }, restore)).toEqual({
      current_usage: 42,
      last_reset: snapshotWindow,
    });
    expect(carryBudgetUsage(budget(), { reset_duration: '1M', last_reset: snapshotWindow }, restore)).toEqual({
      current_usage: 42,
      last_reset: START,
    });
    // The same window restarted by an alignment flip starts at the period start, not at the incoming one.
    expect(
      carryBudgetUsage(budget(), { reset_duration: '1M', last_reset: snapshotWindow }, { ...restore, realign: true }),
    ).toEqual({ current_usage: 42, last_reset: '2026-11-01T00:00:00.000Z' });
  });

  it('When usage is reset, then spend is zero and the window starts afresh even for the same duration', () => {
    expect(carryBudgetUsage(budget(), { reset_duration: '1M' }, { ...rolling, resetUsage: true })).toEqual({
      current_usage: 0,
      last_reset: now.toISOString(),
    });
  });
});

describe('carryRateLimitUsage', () => {
  it('When both durations stay, then both counters and window starts are kept', () => {
    expect(carryRateLimitUsage(limit(), limit({ token_max_limit: 5 }), rolling)).toEqual({
      token_current_usage: 700,
      request_current_usage: 7,
      token_last_reset: START,
      request_last_reset: '2026-11-18T15:00:00.000Z',
    });
  });

  it('When one side changes its duration, then only that side restarts at zero, in a new window', () => {
    expect(carryRateLimitUsage(limit(), limit({ token_reset_duration: '1w' }), aligned)).toEqual({
      token_current_usage: 0,
      request_current_usage: 7,
      token_last_reset: '2026-11-16T00:00:00.000Z',
      request_last_reset: '2026-11-18T15:00:00.000Z',
    });
  });

  it('When a side is unset before and after, then it keeps its (unused) window; a side set for the first time starts now', () => {
    const kept = limit({ request_reset_duration: null, request_last_reset: START, request_current_usage: 0 });
    expect(carryRateLimitUsage(kept, { token_reset_duration: '1d', request_reset_duration: null }, rolling)).toEqual({
      token_current_usage: 700,
      request_current_usage: 0,
      token_last_reset: START,
      request_last_reset: START,
    });
    expect(carryRateLimitUsage(kept, { token_reset_duration: '1d', request_reset_duration: '1h' }, aligned)).toEqual({
      token_current_usage: 700,
      request_current_usage: 0,
      token_last_reset: START,
      request_last_reset: '2026-11-18T15:00:00.000Z',
    });
  });

  it('When the alignment flips, then counters stay and both windows restart', () => {
    expect(carryRateLimitUsage(limit(), limit(), { ...aligned, realign: true })).toEqual({
      token_current_usage: 700,
      request_current_usage: 7,
      token_last_reset: '2026-11-18T00:00:00.000Z',
      request_last_reset: '2026-11-18T15:00:00.000Z',
    });
  });

  it('When usage is reset or there was no limit, then both counters are zero and both windows start afresh', () => {
    const fresh = {
      token_current_usage: 0,
      request_current_usage: 0,
      token_last_reset: now.toISOString(),
      request_last_reset: now.toISOString(),
    };
    expect(carryRateLimitUsage(limit(), limit(), { ...rolling, resetUsage: true })).toEqual(fresh);
    expect(carryRateLimitUsage(undefined, limit(), rolling)).toEqual(fresh);
    expect(carryRateLimitUsage(null, limit(), rolling)).toEqual(fresh);
  });
});
