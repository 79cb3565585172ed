// Automatic rotation of the virtual keys of a template's user copies (the vendor's
// `auto_rotation_interval`, `next_rotation_at`, `last_rotation_at`): the schedule a create or update
// asks for, and the run that rotates every due template's keys exactly once, whichever instance runs it.
import type { components } from '../../generated/openapi.js';
import type { Database, Sql } from '../store/database.js';
import { virtualKeys } from '../store/virtual-keys.js';
import { profiles, type ProfileRecord } from '../store/access-profiles.js';
import { parseDateTime } from './date-time.js';
import type { ProblemDetail } from './errors.js';
import { hashSecret, newVirtualKeyValue } from './secrets.js';
import { audit } from './audit.js';

type S = components['schemas'];

const NS_PER_MS = 1_000_000;
const HOUR_NS = 3_600_000 * NS_PER_MS;
export const MIN_INTERVAL_NS = HOUR_NS;
export const MAX_INTERVAL_NS = 365 * 24 * HOUR_NS;
const UNIT_NS: Record<string, number> = {
  h: HOUR_NS,
  m: 60_000 * NS_PER_MS,
  s: 1000 * NS_PER_MS,
  ms: NS_PER_MS,
  us: 1000,
  µs: 1000,
  ns: 1,
};

/** Who the audit entries of a scheduled rotation name. */
export const ROTATION_ACTOR = { actor: 'system (key rotation)', requestId: 'key-rotation' };

/**
 * An interval as the vendor accepts it, in nanoseconds: `"30d"`, a Go duration (`"12h"`, `"1h30m"`), or
 * integer nanoseconds; `""` and 0 are off (0). Null when it is not one of those forms.
 */
export function parseInterval(value: string | number): number | null {
  if (typeof value === 'number') return value; // the schema admits integers 0..365 d only
  if (value === '') return 0;
  const days = /^([0-9]+)d$/.exec(value);
  if (days) return Number(days[1]) * 24 * HOUR_NS;
  if (!/^([0-9]+(\.[0-9]+)?(h|ms|m|s|us|µs|ns))+$/.test(value)) return null;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs|ns)/g))
    total += Number(amount) * UNIT_NS[unit!]!;
  return Math.round(total);
}

export interface RotationSchedule {
  intervalNs: number;
  nextRotationAt: string | null;
}

export interface RotationInput {
  auto_rotation_interval?: string | number | null;
  next_rotation_at?: string | null;
}

/**
 * The schedule after a create (no `current`) or update asks for `input`; problems are collected. Rules
 * (the vendor's): an interval is 1 h..365 d or off; a changed interval re-anchors the next rotation to now
 * + interval unless one is sent; a sent next rotation must be in the future and needs rotation on; null
 * clears it, which is only valid with rotation off.
 */
export function scheduleFor(
  input: RotationInput,
  { current, now, problems }: { current?: RotationSchedule; now: Date; problems: ProblemDetail[] },
): RotationSchedule {
  const base = current ?? { intervalNs: 0, nextRotationAt: null };
  let intervalNs = base.intervalNs;
  if (input.auto_rotation_interval !== undefined && input.auto_rotation_interval !== null) {
    const parsed = parseInterval(input.auto_rotation_interval);
    if (parsed === null)
      problems.push({
        param: 'auto_rotation_interval',
        message: 'must be a day count ("30d"), a duration ("12h", "1h30m") or integer nanoseconds',
      });
    else if (parsed !== 0 && (parsed < MIN_INTERVAL_NS || parsed > MAX_INTERVAL_NS))
      problems.push({ param: 'auto_rotation_interval', message: 'must be between 1h and 365d (or "" / 0 for off)' });
    else intervalNs = parsed;
  }
  const intervalChanged = intervalNs !== base.intervalNs;
  let next =
    intervalNs === 0
      ? null
      : intervalChanged || base.nextRotationAt === null
        ? new Date(now.getTime() + intervalNs / NS_PER_MS).toISOString()
        : base.nextRotationAt;
  if (input.next_rotation_at === null && current === undefined) {
    // on create, null is the default (now + interval), as omitting it is
  } else if (input.next_rotation_at === null) {
    if (intervalNs !== 0)
      problems.push({
        param: 'next_rotation_at',
        message: 'can only be cleared (null) when automatic rotation is off',
      });
  } else if (input.next_rotation_at !== undefined) {
    const at = parseDateTime(input.next_rotation_at) ?? new Date(Number.NaN);
    const unchanged =
      !intervalChanged && base.nextRotationAt !== null && at.getTime() === new Date(base.nextRotationAt).getTime();
    if (unchanged)
      next = base.nextRotationAt; // sent back from a read (GET → edit → PUT), even if due by now
    else if (intervalNs === 0)
      problems.push({ param: 'next_rotation_at', message: 'needs a non-zero auto_rotation_interval' });
    else if (!(at.getTime() > now.getTime()))
      problems.push({ param: 'next_rotation_at', message: 'must be in the future' });
    else next = at.toISOString();
  }
  return { intervalNs, nextRotationAt: next };
}

export const scheduleOf = (row: ProfileRecord): RotationSchedule => ({
  intervalNs: row.rotation_interval_ns,
  nextRotationAt: row.next_rotation_at ?? null,
});

/** The first due time after `now` on the template's cadence (a late run does not rotate twice). */
function nextAfter(due: string, intervalNs: number, now: Date): string {
  const step = intervalNs / NS_PER_MS;
  let at = new Date(due).getTime() + step;
  if (at <= now.getTime()) at += Math.ceil((now.getTime() - at + 1) / step) * step;
  return new Date(at).toISOString();
}

export interface RotationRun {
  /** Templates whose scheduled rotation ran. */
  profiles: number;
  /** Virtual keys given a new secret. */
  keys: number;
}

/**
 * Rotates the virtual keys of every template whose next rotation is due at `now`: each key of each of its
 * copies gets a new secret under the same id (the old one stops working), with an audit entry per key and
 * one for the run; the template's next rotation moves on by its interval. Each template runs in its own
 * transaction that locks its row and re-checks it is still due, so with several instances a due
 * rotation happens exactly once.
 */
export async function rotateDueKeys(db: Database, now: Date, batch = 100): Promise<RotationRun> {
  const run: RotationRun = { profiles: 0, keys: 0 };
  const at = now.toISOString();
  // Batches until nothing due is left that this run has not tried (one held by another instance is
  // tried once and left to it).
  const tried = new Set<number>();
  for (;;) {
    const ids = (await profiles.dueForRotation(db, at, batch + tried.size)).filter((id) => !tried.has(id));
    if (!ids.length) return run;
    for (const id of ids) {
      tried.add(id);
      await rotateTemplateIfDue(db, id, now, run);
    }
  }
}

/** One template's rotation, in its own transaction, if it is still due once its row is locked. */
async function rotateTemplateIfDue(db: Database, id: number, now: Date, run: RotationRun): Promise<void> {
  const at = now.toISOString();
  const keys = await db.transaction(async (tx) => {
    const row = await profiles.lockDueForRotation(tx, id, at, db.kind === 'postgres');
    if (!row) return null; // another instance holds or ran it, or the schedule changed meanwhile
    const rotated = await rotateKeysOfTemplate(tx, row.id, at);
    const schedule = scheduleOf(row);
    const next = nextAfter(row.next_rotation_at!, schedule.intervalNs, now);
    await profiles.setRotation(tx, row.id, schedule.intervalNs, next, at);
    await audit(tx, {
      profileId: row.id,
      who: ROTATION_ACTOR,
      change: {
        action: 'rotate_virtual_keys',
        previous: { next_rotation_at: row.next_rotation_at, last_rotation_at: row.last_rotation_at },
        next: { next_rotation_at: next, last_rotation_at: at },
      },
      extra: { rotated_keys: rotated },
    });
    return rotated;
  });
  if (keys !== null) {
    run.profiles++;
    run.keys += keys;
  }
}

async function rotateKeysOfTemplate(tx: Sql, profileId: number, at: string): Promise<number> {
  const keys = await virtualKeys.ofTemplate(tx, profileId);
  for (const key of keys) {
    const fresh = newVirtualKeyValue();
    await virtualKeys.replaceSecret(tx, key.id, hashSecret(fresh.value), fresh.prefix);
    await audit(tx, {
      profileId,
      userId: key.user_id,
      who: ROTATION_ACTOR,
      change: {
        action: 'rotate_virtual_key',
        previous: { virtual_key_id: key.id, name: key.name },
        next: { virtual_key_id: key.id, name: key.name },
      },
      extra: { rotated_at: at },
    });
  }
  return keys.length;
}

export const rotationFields = (
  row: ProfileRecord,
): Pick<S['AccessProfile'], 'auto_rotation_interval' | 'next_rotation_at' | 'last_rotation_at'> => ({
  auto_rotation_interval: row.rotation_interval_ns,
  next_rotation_at: row.next_rotation_at ?? null,
  last_rotation_at: row.last_rotation_at ?? null,
});
