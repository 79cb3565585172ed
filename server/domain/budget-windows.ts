// Reset windows of budgets and rate limits: rolling (from the last reset) or calendar-aligned (UTC).
export type ResetDuration = '1h' | '1d' | '1w' | '1M' | '1Q' | '1Y';

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

/** Start of the window after the one starting at `start`. */
export function nextWindowStart(duration: ResetDuration, start: Date, calendarAligned: boolean): Date {
  const d = new Date(start.getTime());
  switch (duration) {
    case '1h': d.setUTCHours(d.getUTCHours() + 1); break;
    case '1d': d.setUTCDate(d.getUTCDate() + 1); break;
    case '1w': d.setUTCDate(d.getUTCDate() + 7); break;
    case '1M': d.setUTCMonth(d.getUTCMonth() + 1); break;
    case '1Q': d.setUTCMonth(d.getUTCMonth() + 3); break;
    case '1Y': d.setUTCFullYear(d.getUTCFullYear() + 1); break;
  }
  void calendarAligned;
  return d;
}

/** Where a new budget's or limit's first window starts: the calendar period start, or now. */
export function budgetWindowStart(duration: ResetDuration, calendarAligned: boolean, now: Date, quarterStartMonth?: number): Date {
  return calendarAligned ? calendarPeriodStart(duration, now, quarterStartMonth) : now;
}

/** How many windows have started since the window beginning at `anchor`, counting that one (>= 1). */
export function windowsSince(duration: ResetDuration, anchor: Date, now: Date, calendarAligned: boolean): number {
  let n = 1;
  let next = nextWindowStart(duration, anchor, calendarAligned);
  while (next.getTime() <= now.getTime() && n < 100_000) {
    n++;
    next = nextWindowStart(duration, next, calendarAligned);
  }
  return n;
}
