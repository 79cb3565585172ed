// Calendar-aligned budgets and rate limits: `last_reset` at the start of the current UTC period.
// Expected dates are computed here independently (by walking back day by day / month by month).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import {
  budgetWindowStart,
  calendarPeriodStart,
  windowsSince,
  windowStartAfter,
  type ResetDuration,
} from '../../server/domain/budget-windows.js';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';

import { editStoredProfile } from '../support/profiles.js';
type Profile = components['schemas']['AccessProfile'];

// ---- an independent model of the calendar periods ----
const midnight = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
function expectedStart(duration: ResetDuration, now: Date, quarterStartMonth = 1): Date {
  switch (duration) {
    case '1h':
      return new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    case '1d':
      return midnight(now);
    case '1w': {
      let d = midnight(now);
      while (d.getUTCDay() !== 1) d = new Date(d.getTime() - 86_400_000); // back to Monday
      return d;
    }
    case '1M':
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    case '1Q': {
      const starts = [0, 3, 6, 9].map((k) => (quarterStartMonth - 1 + k) % 12);
      let y = now.getUTCFullYear();
      let m = now.getUTCMonth();
      while (!starts.includes(m)) {
        m -= 1;
        if (m < 0) {
          m = 11;
          y -= 1;
        }
      }
      return new Date(Date.UTC(y, m, 1));
    }
    case '1Y':
      return new Date(Date.UTC(now.getUTCFullYear(), 0, 1));
  }
}

const iso = (s: string) => new Date(s);

describe('budget-windows (unit)', () => {
  it.each([
    ['1d', '2026-11-22T15:30:00.000Z', 1, '2026-11-22T00:00:00.000Z'],
    ['1d', '2026-11-22T00:00:00.000Z', 1, '2026-11-22T00:00:00.000Z'],
    ['1w', '2026-11-22T15:30:00.000Z', 1, '2026-11-16T00:00:00.000Z'], // a Sunday → the Monday before
    ['1w', '2026-11-23T00:00:00.000Z', 1, '2026-11-23T00:00:00.000Z'], // a Monday → itself
    ['1w', '2027-01-01T12:00:00.000Z', 1, '2026-12-28T00:00:00.000Z'], // across a year boundary
    ['1M', '2024-02-29T23:59:59.999Z', 1, '2024-02-01T00:00:00.000Z'],
    ['1Q', '2026-11-22T15:30:00.000Z', 1, '2026-10-01T00:00:00.000Z'],
    ['1Q', '2026-11-22T15:30:00.000Z', 2, '2026-11-01T00:00:00.000Z'],
    ['1Q', '2026-11-22T15:30:00.000Z', 3, '2026-09-01T00:00:00.000Z'],
    ['1Q', '2027-01-15T00:00:00.000Z', 11, '2026-11-01T00:00:00.000Z'], // quarter started the year before
    ['1Q', '2027-02-01T00:00:00.000Z', 12, '2026-12-01T00:00:00.000Z'],
    ['1Y', '2026-11-22T15:30:00.000Z', 1, '2026-01-01T00:00:00.000Z'],
    ['1h', '2026-11-22T15:30:12.345Z', 1, '2026-11-22T15:00:00.000Z'],
  ] as const)(
    'When the period is %s at %s (quarter start month %d), then it starts at %s',
    (duration, now, qsm, expected) => {
      expect(calendarPeriodStart(duration, iso(now), qsm).toISOString()).toBe(expected);
      expect(expectedStart(duration, iso(now), qsm).toISOString()).toBe(expected); // the model agrees
    },
  );

  it('When any instant and quarter start month are given, then calendarPeriodStart matches the independent model', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2200-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.constantFrom<ResetDuration>('1h', '1d', '1w', '1M', '1Q', '1Y'),
        fc.integer({ min: 1, max: 12 }),
        (now, duration, qsm) => {
          const start = calendarPeriodStart(duration, now, qsm);
          expect(start.toISOString()).toBe(expectedStart(duration, now, qsm).toISOString());
          expect(start.getTime()).toBeLessThanOrEqual(now.getTime());
          expect(windowStartAfter(duration, start, 1).getTime()).toBeGreaterThan(now.getTime());
        },
      ),
      { numRuns: 500 },
    );
  });

  it('When not calendar-aligned, then the first window starts now', () => {
    const now = iso('2026-11-22T15:30:12.345Z');
    for (const d of ['1h', '1d', '1w', '1M', '1Q', '1Y'] as const)
      expect(budgetWindowStart(d, false, now, 2).toISOString()).toBe(now.toISOString());
    expect(budgetWindowStart('1M', true, now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });

  it('When a rolling monthly window starts on the 31st, then the next ones clamp to the month end without drifting', () => {
    const anchor = iso('2024-01-31T10:00:00.000Z');
    expect(windowStartAfter('1M', anchor, 1).toISOString()).toBe('2024-02-29T10:00:00.000Z');
    expect(windowStartAfter('1M', anchor, 2).toISOString()).toBe('2024-03-31T10:00:00.000Z');
    expect(windowStartAfter('1Q', iso('2025-11-30T00:00:00.000Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(windowStartAfter('1Y', iso('2024-02-29T00:00:00.000Z'), 1).toISOString()).toBe('2025-02-28T00:00:00.000Z');
  });

  it.each([
    ['1M', '2024-01-31T10:00:00.000Z', '2024-01-31T10:00:00.000Z', 1],
    ['1M', '2024-01-31T10:00:00.000Z', '2024-02-29T09:59:59.999Z', 1],
    ['1M', '2024-01-31T10:00:00.000Z', '2024-03-01T00:00:00.000Z', 2],
    ['1M', '2024-01-31T10:00:00.000Z', '2024-03-31T10:00:00.000Z', 3],
    ['1d', '2026-11-01T00:00:00.000Z', '2026-11-03T00:00:00.000Z', 3],
    ['1h', '2026-11-01T00:00:00.000Z', '2026-11-01T00:59:59.999Z', 1],
    ['1w', '2026-11-02T00:00:00.000Z', '2026-11-30T00:00:00.000Z', 5],
    ['1h', '2020-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 52_609],
    ['1Y', '2026-01-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z', 1], // now before the anchor
  ] as const)('When %s windows run from %s to %s, then windowsSince counts %d', (duration, anchor, now, n) => {
    expect(windowsSince(duration, iso(anchor), iso(now))).toBe(n);
  });
});

// ---- through the API ----
let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => {
  await t?.close();
});

/** Runs `fn`, and checks `actual(result)` equals the expected start computed at the instant before or after it. */
async function withClock<T>(fn: () => Promise<T>): Promise<{ result: T; before: Date; after: Date }> {
  const before = new Date();
  const result = await fn();
  return { result, before, after: new Date() };
}
function expectPeriodStart(actual: string, duration: ResetDuration, before: Date, after: Date, qsm = 1): void {
  const candidates = new Set([
    expectedStart(duration, before, qsm).toISOString(),
    expectedStart(duration, after, qsm).toISOString(),
  ]);
  expect(candidates, `${duration}: ${actual}`).toContain(new Date(actual).toISOString());
}

describe('calendar-aligned profiles (API)', () => {
  it('When a calendar-aligned profile is created, then every budget and limit starts at its current UTC period', async () => {
    const qsm = ((new Date().getUTCMonth() + 1) % 12) + 1; // a quarter that started two months ago
    const {
      result: res,
      before,
      after,
    } = await withClock(() =>
      t.client.POST('/api/access-profiles', {
        body: {
          name: uniqueName('cal'),
          calendar_aligned: true,
          budgets: [
            { max_limit: 1, reset_duration: '1d' },
            { max_limit: 2, reset_duration: '1w' },
            { max_limit: 3, reset_duration: '1M' },
            { max_limit: 4, reset_duration: '1Q', reset_config: { quarter_start_month: qsm } },
            { max_limit: 5, reset_duration: '1Y' },
          ],
          provider_configs: [
            {
              provider_name: 'openai',
              budgets: [{ max_limit: 1, reset_duration: '1Q' }],
              rate_limit: { request_max_limit: 5, request_reset_duration: '1M' },
            },
          ],
          rate_limit: {
            token_max_limit: 100,
            token_reset_duration: '1w',
            request_max_limit: 10,
            request_reset_duration: '1h',
          },
        },
      }),
    );
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    const p = res.data!.access_profile;
    expect(p.calendar_aligned).toBe(true);
    const [d, w, m, q, y] = p.budgets;
    expectPeriodStart(d!.last_reset, '1d', before, after);
    expectPeriodStart(w!.last_reset, '1w', before, after);
    expectPeriodStart(m!.last_reset, '1M', before, after);
    expectPeriodStart(q!.last_reset, '1Q', before, after, qsm);
    expectPeriodStart(y!.last_reset, '1Y', before, after);
    expect(new Date(w!.last_reset).getUTCDay()).toBe(1);
    expect(new Date(m!.last_reset).getUTCDate()).toBe(1);
    expectPeriodStart(p.provider_configs[0]!.budgets[0]!.last_reset, '1Q', before, after, 1);
    expectPeriodStart(p.provider_configs[0]!.rate_limit!.request_last_reset, '1M', before, after);
    expectPeriodStart(p.rate_limit!.token_last_reset, '1w', before, after);
    expectPeriodStart(p.rate_limit!.request_last_reset, '1h', before, after);
  });

  it('When a profile is not calendar-aligned, then windows start at the moment of creation', async () => {
    const {
      result: res,
      before,
      after,
    } = await withClock(() =>
      t.client.POST('/api/access-profiles', {
        body: {
          name: uniqueName('roll'),
          budgets: [
            { max_limit: 1, reset_duration: '1M' },
            { max_limit: 1, reset_duration: '1h' },
          ],
        },
      }),
    );
    for (const b of res.data!.access_profile.budgets) {
      const at = Date.parse(b.last_reset);
      expect(at).toBeGreaterThanOrEqual(before.getTime() - 1);
      expect(at).toBeLessThanOrEqual(after.getTime() + 1);
    }
  });

  it('When calendar_aligned is turned on, then kept budgets keep their id and usage and restart at the period start', async () => {
    const created = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName('flip'),
        budgets: [{ max_limit: 10, reset_duration: '1M' }],
        rate_limit: { token_max_limit: 5, token_reset_duration: '1d' },
      },
    });
    const p = created.data!.access_profile as Profile;
    await editStoredProfile(t, p.id, (content) => {
      content.budgets[0]!.current_usage = 4.5;
    });
    const {
      result: res,
      before,
      after,
    } = await withClock(() =>
      t.client.PUT('/api/access-profiles/{id}', { params: { path: { id: p.id } }, body: { calendar_aligned: true } }),
    );
    const u = res.data!.access_profile;
    expect(u.version).toBe(2);
    expect(u.budgets[0]).toMatchObject({ id: p.budgets[0]!.id, current_usage: 4.5 });
    expectPeriodStart(u.budgets[0]!.last_reset, '1M', before, after);
    expectPeriodStart(u.rate_limit!.token_last_reset, '1d', before, after);
  });

  it('When a budget on a calendar-aligned profile is 1h, or has reset_config without 1Q, then it answers 400 naming it', async () => {
    const res = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        calendar_aligned: true,
        budgets: [
          { max_limit: 1, reset_duration: '1h' },
          { max_limit: 1, reset_duration: '1M', reset_config: { quarter_start_month: 1 } },
        ],
      },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env)).toEqual(expect.arrayContaining(['budgets[0].reset_duration', 'budgets[1].reset_config']));
  });

  it.each([0, 13, 1.5])('When quarter_start_month is %s, then it answers 400 naming it', async (qsm) => {
    const res = await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName(),
        calendar_aligned: true,
        budgets: [{ max_limit: 1, reset_duration: '1Q', reset_config: { quarter_start_month: qsm } }],
      },
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toContain(
      'budgets[0].reset_config.quarter_start_month',
    );
  });
});
