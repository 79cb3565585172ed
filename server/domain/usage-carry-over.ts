// The one rule for carrying usage across a change of a budget's or rate limit's definition: an update,
// a restore, a propagation onto a user's copy. Each of those says only which item is kept and how.
import { budgetWindowStart, type ResetDuration } from './budget-windows.js';
import type { Budget, RateLimit } from './profile-content.js';

/** How a change carries usage over. */
export interface Carry {
  /** The alignment of the profile or copy the item belongs to, for windows that start afresh. */
  calendarAligned: boolean;
  now: Date;
  /** calendar_aligned flips in this change: kept windows start afresh; counters stay. */
  realign?: boolean;
  /** A propagation's reset_usage: counters restart at zero and windows start afresh. */
  resetUsage?: boolean;
  /**
   * A budget whose window is another one (its duration or quarter start differs from the live budget's)
   * takes the window its incoming definition has, instead of starting afresh: a restore brings such a
   * budget back with the snapshot's window (rate limits restart).
   */
  budgetsKeepIncomingWindow?: boolean;
}

interface Window {
  usage: number;
  start: string | undefined;
  duration: string | null | undefined;
  quarterStart?: number;
}

/**
 * A window keeps its counter and its start when it is the same window: same duration and quarter start,
 * the alignment unchanged and usage not reset. Otherwise it starts now, where the alignment puts it (or
 * where `incomingStart` says), and its counter restarts at zero; a budget's spend (`spendOutlivesWindow`)
 * carries over even a new duration.
 */
function carryWindow(
  kept: Window | undefined,
  duration: ResetDuration | null,
  quarterStart: number | undefined,
  how: Carry,
  spendOutlivesWindow: boolean,
  incomingStart?: string,
): { usage: number; start: string } {
  const same = kept !== undefined && kept.duration === duration && kept.quarterStart === quarterStart;
  const keepsUsage = kept !== undefined && !how.resetUsage && (same || spendOutlivesWindow);
  const keptStart = same && !how.realign && !how.resetUsage ? kept.start : undefined;
  // The incoming definition's own window only for another window (duration or quarter start changed);
  // the same window restarted (alignment flipped, usage reset) starts where the alignment puts it now.
  return {
    usage: keepsUsage ? kept.usage : 0,
    start:
      keptStart ??
      (same ? undefined : incomingStart) ??
      budgetWindowStart(duration ?? '1h', how.calendarAligned, how.now, quarterStart).toISOString(),
  };
}

/** The usage fields of a budget defined as `next`, carried from `kept` (the same budget before the change). */
export function carryBudgetUsage(
  kept: Budget | undefined,
  next: Pick<Budget, 'reset_duration' | 'reset_config'> & { last_reset?: string },
  how: Carry,
): Pick<Budget, 'current_usage' | 'last_reset'> {
  const w = carryWindow(
    kept && {
      usage: kept.current_usage,
      start: kept.last_reset,
      duration: kept.reset_duration,
      quarterStart: kept.reset_config?.quarter_start_month,
    },
    next.reset_duration,
    next.reset_config?.quarter_start_month,
    how,
    true,
    how.budgetsKeepIncomingWindow ? next.last_reset : undefined,
  );
  return { current_usage: w.usage, last_reset: w.start };
}

/** The usage fields of a rate limit defined as `next`, carried from `kept`: each side on its own. */
export function carryRateLimitUsage(
  kept: RateLimit | null | undefined,
  next: Pick<RateLimit, 'token_reset_duration' | 'request_reset_duration'>,
  how: Carry,
): Pick<RateLimit, 'token_current_usage' | 'request_current_usage' | 'token_last_reset' | 'request_last_reset'> {
  // The token and request sides are two windows of one limit, each carried on its own.
  const side = (name: 'token' | 'request') =>
    carryWindow(
      kept
        ? {
            usage: kept[`${name}_current_usage`],
            start: kept[`${name}_last_reset`],
            duration: kept[`${name}_reset_duration`],
          }
        : undefined,
      next[`${name}_reset_duration`] ?? null,
      undefined,
      how,
      false,
    );
  const token = side('token');
  const request = side('request');
  return {
    token_current_usage: token.usage,
    request_current_usage: request.usage,
    token_last_reset: token.start,
    request_last_reset: request.start,
  };
}
