// Reset windows counted over several periods: how many windows a budget override has used up, and where
// the k-th window after an anchor starts. calendar-alignment.test.ts covers the period starts themselves.
import { describe, expect, it } from 'vitest';
import { windowsSince, windowStartAfter } from '../../server/domain/budget-windows.js';

const iso = (s: string) => new Date(s);

describe('windowStartAfter', () => {
  it.each([
    ['1h', '2026-11-22T15:30:12.345Z', 3, '2026-11-22T18:30:12.345Z'],
    ['1d', '2026-11-22T15:30:12.345Z', 3, '2026-11-25T15:30:12.345Z'],
    ['1w', '2026-11-22T15:30:12.345Z', 2, '2026-12-06T15:30:12.345Z'],
    ['1M', '2026-11-22T15:30:12.345Z', 3, '2027-02-22T15:30:12.345Z'],
    ['1Q', '2026-11-22T15:30:12.345Z', 2, '2027-05-22T15:30:12.345Z'],
    ['1Q', '2026-01-01T00:00:00.000Z', 4, '2027-01-01T00:00:00.000Z'],
    ['1Y', '2026-11-22T15:30:12.345Z', 2, '2028-11-22T15:30:12.345Z'],
    ['1Y', '2024-02-29T08:00:00.000Z', 4, '2028-02-29T08:00:00.000Z'], // leap day to leap day
    ['1Q', '2025-08-31T23:59:59.999Z', 2, '2026-02-28T23:59:59.999Z'], // clamped, time of day kept
  ] as const)(
    'When a %s window starts at %s, then the window %d later starts at %s',
    (duration, anchor, k, expected) => {
      expect(windowStartAfter(duration, iso(anchor), k).toISOString()).toBe(expected);
    },
  );
});

describe('windowsSince', () => {
  it.each([
    // now before the anchor (a clock behind another instance's): still the first window, never 0 or less
    ['1h', '2026-11-22T15:00:00.000Z', '2026-11-22T12:00:00.000Z', 1],
    ['1d', '2026-11-22T00:00:00.000Z', '2026-11-19T00:00:00.000Z', 1],
    ['1w', '2026-11-23T00:00:00.000Z', '2026-11-01T00:00:00.000Z', 1],
    ['1M', '2026-11-01T00:00:00.000Z', '2026-09-15T00:00:00.000Z', 1],
    // exactly on a boundary, the new window has started
    ['1d', '2026-11-22T00:00:00.000Z', '2026-11-24T00:00:00.000Z', 3],
    ['1M', '2026-11-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', 3],
    ['1M', '2026-11-01T00:00:00.000Z', '2026-12-31T23:59:59.999Z', 2],
    // quarters and years over several windows
    ['1Q', '2026-01-01T00:00:00.000Z', '2026-03-31T23:59:59.999Z', 1],
    ['1Q', '2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', 2],
    ['1Q', '2026-01-01T00:00:00.000Z', '2026-10-15T00:00:00.000Z', 4],
    ['1Q', '2026-02-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z', 5],
    ['1Y', '2026-01-01T00:00:00.000Z', '2026-12-31T23:59:59.999Z', 1],
    ['1Y', '2026-01-01T00:00:00.000Z', '2028-06-01T00:00:00.000Z', 3],
    ['1Y', '2024-02-29T00:00:00.000Z', '2025-02-28T00:00:00.000Z', 2],
    // a long-lived override on hourly windows: every hour of twenty years counts
    ['1h', '2000-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z', 175_321],
  ] as const)('When %s windows run from %s to %s, then %d have started', (duration, anchor, now, n) => {
    expect(windowsSince(duration, iso(anchor), iso(now))).toBe(n);
  });
});
