// Reset windows of budgets and rate limits: rolling (from the last reset) or calendar-aligned (UTC).
import type { components } from '../../generated/openapi.js';
// The spec's budget window durations (rate limits use a subset: no 1Q).
export type ResetDuration = components['schemas']['BudgetResetDuration'];

/** Start of the calendar period containing `now`, in UTC. */
export function calendarPeriodStart(duration: ResetDuration, now: Date, quarterStartMonth = 1): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  switch (duration) {
    case '1h':
      return new Date(Date.UTC(y, m, now.getUTCDate(), now.getUTCHours()));
    case '1d':
      return new Date(Date.UTC(y, m, now.getUTCDate()));
    case '1w': {
      const daysSinceMonday = (now.getUTCDay() + 6) % 7;
      return new Date(Date.UTC(y, m, now.getUTCDate() - daysSinceMonday));
    }
    case '1M':
      return new Date(Date.UTC(y, m, 1));
    case '1Q': {
      const offset = (((m - (quarterStartMonth - 1)) % 3) + 3) % 3;
      return new Date(Date.UTC(y, m - offset, 1));
    }
    case '1Y':
      return new Date(Date.UTC(y, 0, 1));
  }
}

/** `d` plus `months` calendar months, the day clamped to the target month's length (Jan 31 + 1M = Feb 28/29). */
function addMonthsClamped(d: Date, months: number): Date {
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      y,
      m,
      Math.min(d.getUTCDate(), lastDay),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
}

/**
 * Start of the k-th window after the one starting at `anchor` (k = 1: the next one). Counted from the
 * anchor, not window by window, so a rolling monthly window anchored on the 31st does not drift.
 */
export function windowStartAfter(duration: ResetDuration, anchor: Date, k: number): Date {
  const t = anchor.getTime();
  switch (duration) {
    case '1h':
      return new Date(t + k * 3_600_000);
    case '1d':
      return new Date(t + k * 86_400_000);
    case '1w':
      return new Date(t + k * 7 * 86_400_000);
    case '1M':
      return addMonthsClamped(anchor, k);
    case '1Q':
      return addMonthsClamped(anchor, 3 * k);
    case '1Y':
      return addMonthsClamped(anchor, 12 * k);
  }
}

/** Where a new budget's or limit's first window starts: the calendar period start, or now. */
export function budgetWindowStart(
  duration: ResetDuration,
  calendarAligned: boolean,
  now: Date,
  quarterStartMonth?: number,
): Date {
  return calendarAligned ? calendarPeriodStart(duration, now, quarterStartMonth) : now;
}

const FIXED_MS: Partial<Record<ResetDuration, number>> = { '1h': 3_600_000, '1d': 86_400_000, '1w': 7 * 86_400_000 };

/**
 * How many windows have started since the window beginning at `anchor`, counting that one (>= 1). The
 * same count for rolling and calendar-aligned windows: an aligned window starts on a period start, and so
 * does every later one.
 */
export function windowsSince(duration: ResetDuration, anchor: Date, now: Date): number {
  const elapsed = now.getTime() - anchor.getTime();
  if (elapsed < 0) return 1;
  const fixed = FIXED_MS[duration];
  if (fixed !== undefined) return Math.floor(elapsed / fixed) + 1;
  let n = 1;
  while (n < 100_000 && windowStartAfter(duration, anchor, n).getTime() <= now.getTime()) n++;
  return n;
}
