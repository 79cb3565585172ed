// Users' copies of templates: provisioning (with a virtual key), the copy as served (effective budget
// limits with overrides), detaching a copy with every key it produced, and extra virtual keys.
import type { components } from '../../generated/openapi.js';
import { conflict, invalid, notFound } from './errors.js';
import { canonicalName, NAME_LIMITS } from './names.js';
import { providerConfigIds } from '../store/counters.js';
import { BATCH_ROWS, UniqueViolationError, type Database, type Sql } from '../store/database.js';
import { copies, type CopyRecord } from '../store/user-access-profiles.js';
import { users } from '../store/users.js';
import { virtualKeys, type VirtualKeyRecord } from '../store/virtual-keys.js';
import type { ProfileRecord } from '../store/access-profiles.js';
import { calendarPeriodStart, windowsSince } from './budget-windows.js';
import type { CopyBudget, StoredOverride } from '../store/content.js';
import { freshCopy, type Budget } from './profile-content.js';
import { hashSecret, maskedValue, newVirtualKeyValue } from './secrets.js';
import { audit, auditMany, type Actor } from './audit.js';

type S = components['schemas'];

export type { CopyBudget, CopyContent, StoredOverride } from '../store/content.js';

export const userNotFound = (id: string) => notFound('user_not_found', `User '${id}' was not found.`, 'user_id');
/** The one 404 for a copy a user does not hold: of one template, or (no `profileId`) of any. */
const copyNotFound = (userId: string, profileId?: number) =>
  profileId === undefined
    ? notFound(
        'user_access_profile_not_found',
        `User '${userId}' holds no access profile; a virtual key needs one.`,
        'user_id',
      )
    : notFound(
        'user_access_profile_not_found',
        `User '${userId}' holds no copy of access profile ${profileId}.`,
        'profile_id',
      );

export async function requireUser(db: Sql, id: string) {
  const user = await users.byId(db, id);
  if (!user) throw userNotFound(id);
  return user;
}

function remainingCycles(o: StoredOverride, b: Budget, now: Date): number | null {
  if (o.mode === 'forever' || o.cycles === null) return null;
  const used = windowsSince(b.reset_duration, new Date(o.anchored_at), now);
  return Math.max(0, o.cycles - used + 1);
}

export function toUserBudget(b: CopyBudget, now = new Date()): S['UserBudget'] {
  const { override, ...budget } = b;
  const remaining = override ? remainingCycles(override, b, now) : null;
  const inForce = !!override && (override.mode === 'forever' || (remaining ?? 0) > 0);
  return {
    ...budget,
    effective_limit: inForce ? b.max_limit + override!.override_amount : b.max_limit,
    override_amount: override ? override.override_amount : null,
    override_cycles_total: override ? override.cycles : null,
    override_cycles_remaining: remaining,
    override: override ? { ...override, remaining_cycles: remaining } : null,
  };
}

export function toApiCopy(row: CopyRecord, keys: VirtualKeyRecord[]): S['UserAccessProfile'] {
  const content = row.content;
  const now = new Date();
  const copy: S['UserAccessProfile'] = {
    id: row.id,
    user_id: row.user_id,
    parent_profile_id: row.parent_profile_id,
    parent_version: row.parent_version,
    name: row.name,
    is_active: row.is_active,
    expires_at: row.expires_at,
    virtual_key_ids: keys.map((k) => k.id),
    virtual_key_values: Object.fromEntries(keys.map((k) => [k.id, maskedValue(k.prefix)])),
    provider_configs: content.provider_configs.map((p) => {
      const { budgets, rate_limit, ...rest } = p;
      return {
        ...rest,
        budgets: budgets.map((b) => toUserBudget(b, now)),
        ...(rate_limit ? { rate_limit } : {}),
      };
    }),
    budgets: content.budgets.map((b) => toUserBudget(b, now)),
    calendar_aligned: content.calendar_aligned,
    mcp_tool_groups: content.mcp_tool_groups,
    mcp_servers: content.mcp_servers,
    mcp_tool_overrides: content.mcp_tool_overrides,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  if (content.rate_limit) copy.rate_limit = content.rate_limit;
  return copy;
}

async function issueKey(tx: Sql, userId: string, copyId: number, name: string, description: string | null, at: string) {
  const key = newVirtualKeyValue();
  await virtualKeys.insert(tx, {
    id: key.id,
    user_id: userId,
    user_access_profile_id: copyId,
    name,
    description,
    key_hash: hashSecret(key.value),
    prefix: key.prefix,
    created_at: at,
  });
  return key;
}

/** `<user_id>-<n>`: the first free default name for a user's next key. */
async function defaultKeyName(tx: Sql, userId: string): Promise<string> {
  return firstFreeKeyName(userId, (await virtualKeys.namesOfUsers(tx, [userId])).get(userId)!);
}

/** From n = the user's key count + 1 on, the first `<user_id>-<n>` not among `taken` (their key names). */
function firstFreeKeyName(userId: string, taken: Set<string>): string {
  for (let n = taken.size + 1; ; n++) {
    const name = `${userId}-${n}`;
    if (!taken.has(name)) return name;
  }
}

/**
 * Gives each of `userIds` who holds no copy of the template one (fresh ids, zero usage) and a virtual
 * key, in the caller's transaction. Returns the users provisioned.
 */
export async function provisionCopies(
  tx: Sql,
  template: ProfileRecord,
  userIds: string[],
  who: Actor,
  via: Record<string, unknown>,
): Promise<string[]> {
  if (!userIds.length) return [];
  const holders = await copies.holdersAmong(tx, template.id, userIds);
  const todo = userIds.filter((u) => !holders.has(u));
  if (!todo.length) return [];
  const content = template.content;
  const ids = await providerConfigIds(tx, content.provider_configs.length * todo.length);
  const now = new Date();
  const at = now.toISOString();
  // In chunks of BATCH_ROWS users: a few statements per chunk instead of four round trips per user
  // (10,000 users took 10 s on PostgreSQL one statement at a time).
  for (let start = 0; start < todo.length; start += BATCH_ROWS) {
    const chunk = todo.slice(start, start + BATCH_ROWS);
    const copyIds = await copies.insertMany(
      tx,
      chunk.map((userId) => ({
        user_id: userId,
        parent_profile_id: template.id,
        parent_version: template.version,
        name: template.name,
        is_active: true,
        expires_at: null,
        content: freshCopy(content, now, ids),
        created_at: at,
        updated_at: at,
      })),
    );
    const taken = await virtualKeys.namesOfUsers(tx, chunk);
    const keys = chunk.map((userId) => {
      const key = newVirtualKeyValue();
      return {
        key,
        row: {
          id: key.id,
          user_id: userId,
          user_access_profile_id: copyIds.get(userId)!,
          name: firstFreeKeyName(userId, taken.get(userId)!),
          description: null,
          key_hash: hashSecret(key.value),
          prefix: key.prefix,
          created_at: at,
        },
      };
    });
    await virtualKeys.insertMany(
      tx,
      keys.map((k) => k.row),
    );
    await auditMany(
      tx,
      keys.map(({ row }) => ({
        profileId: template.id,
        userId: row.user_id,
        who,
        change: {
          action: 'assign_user',
          previous: null,
          next: {
            user_access_profile_id: row.user_access_profile_id,
            parent_version: template.version,
            virtual_key_id: row.id,
          },
        },
        extra: via,
      })),
    );
  }
  return todo;
}

export async function listUserCopies(db: Database, userId: string, limit: number, offset: number) {
  await requireUser(db, userId);
  const [rows, total] = await Promise.all([
    copies.pageOfUser(db, userId, limit, offset),
    copies.countOfUser(db, userId),
  ]);
  const keys = await virtualKeys.ofCopies(
    db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toApiCopy(r, keys.get(r.id) ?? [])), total };
}

/** One user's copy of one template. */
export async function getUserCopy(db: Database, userId: string, profileId: number) {
  await requireUser(db, userId);
  const copy = await copies.of(db, userId, profileId);
  if (!copy) throw copyNotFound(userId, profileId);
  const keys = await virtualKeys.ofCopies(db, [copy.id]);
  return toApiCopy(copy, keys.get(copy.id) ?? []);
}

/** Removes one copy with every virtual key it produced, in one transaction: all of it or nothing. */
export async function removeCopy(tx: Sql, copy: CopyRecord, who: Actor): Promise<string[]> {
  const keys = (await virtualKeys.ofCopies(tx, [copy.id])).get(copy.id) ?? [];
  for (const k of keys) {
    const { changes } = await virtualKeys.delete(tx, k.id);
    if (changes !== 1)
      throw conflict(
        'virtual_key_removal_failed',
        `Virtual key '${k.name}' could not be removed; nothing was detached.`,
        'profile_id',
      );
  }
  await copies.delete(tx, copy.id);
  await audit(tx, {
    profileId: copy.parent_profile_id,
    userId: copy.user_id,
    who,
    change: {
      action: 'unassign_user',
      previous: { user_access_profile_id: copy.id, virtual_key_ids: keys.map((k) => k.id) },
      next: null,
    },
  });
  return keys.map((k) => k.name);
}

export async function detachCopy(db: Database, userId: string, profileId: number, who: Actor) {
  return db.transaction(async (tx) => {
    await requireUser(tx, userId);
    const copy = await copies.of(tx, userId, profileId);
    if (!copy) throw copyNotFound(userId, profileId);
    return removeCopy(tx, copy, who);
  });
}

/**
 * Issues a virtual key bound to one of the user's copies: the copy of `access_profile_id` (404 without
 * one), else the most recent. `preferredProfileId` (the vendor's path) names a copy to use when the user
 * holds it and falls back to the most recent otherwise, as the vendor ignores it.
 */
export async function createVirtualKey(
  db: Database,
  userId: string,
  input: S['VirtualKeyCreate'] | undefined,
  who: Actor,
  preferredProfileId?: number,
): Promise<S['CreatedVirtualKey']> {
  try {
    return await db.transaction(async (tx) => {
      await requireUser(tx, userId);
      const preferred = preferredProfileId !== undefined ? await copies.of(tx, userId, preferredProfileId) : undefined;
      const copy =
        input?.access_profile_id !== undefined
          ? await copies.of(tx, userId, input.access_profile_id)
          : (preferred ?? (await copies.latestOfUser(tx, userId)));
      if (!copy) {
        throw copyNotFound(userId, input?.access_profile_id);
      }
      const name =
        input?.name !== undefined
          ? canonicalName(input.name, NAME_LIMITS.virtualKey)
          : await defaultKeyName(tx, userId);
      if (await virtualKeys.nameTaken(tx, userId, name))
        throw conflict('virtual_key_name_taken', `User '${userId}' already has a virtual key named '${name}'.`, 'name');
      const at = new Date().toISOString();
      const key = await issueKey(tx, userId, copy.id, name, input?.description ?? null, at);
      await audit(tx, {
        profileId: copy.parent_profile_id,
        userId,
        who,
        change: { action: 'create_virtual_key', previous: null, next: { virtual_key_id: key.id, name } },
      });
      return {
        id: key.id,
        name,
        description: input?.description ?? null,
        user_id: userId,
        access_profile_id: copy.parent_profile_id,
        value: key.value,
        masked_value: key.masked,
        created_at: at,
      };
    });
  } catch (e) {
    if (e instanceof UniqueViolationError)
      throw conflict(
        'virtual_key_name_taken',
        `User '${userId}' already has a virtual key named '${input?.name ?? ''}'.`,
        'name',
      );
    throw e;
  }
}

export async function deleteVirtualKey(db: Database, userId: string, vkId: string, who: Actor): Promise<string> {
  return db.transaction(async (tx) => {
    await requireUser(tx, userId);
    const key = await virtualKeys.byId(tx, userId, vkId);
    if (!key) throw notFound('virtual_key_not_found', `User '${userId}' has no virtual key '${vkId}'.`, 'vk_id');
    const copy = await copies.lock(tx, key.user_access_profile_id, false);
    await virtualKeys.delete(tx, vkId);
    await audit(tx, {
      profileId: copy ? copy.parent_profile_id : null,
      userId,
      who,
      change: { action: 'delete_virtual_key', previous: { virtual_key_id: vkId, name: key.name }, next: null },
    });
    return key.name;
  });
}

/** One budget of one user's copy: the template's budget `budgetId` as user `userId` holds it. */
export interface CopyBudgetRef {
  userId: string;
  profileId: number;
  budgetId: string;
}

/** Sets the override of one budget of a user's copy (a new one replaces the old). */
export async function setBudgetOverride(
  db: Database,
  ref: CopyBudgetRef,
  input: S['BudgetOverrideRequest'],
  who: Actor,
): Promise<S['UserBudget']> {
  const problems = [];
  if (input.mode === 'cycles' && (input.cycles === undefined || input.cycles === null))
    problems.push({ param: 'cycles', message: 'is required with mode cycles' });
  if (input.mode === 'forever' && input.cycles !== undefined && input.cycles !== null)
    problems.push({ param: 'cycles', message: 'is not allowed with mode forever' });
  if (problems.length) throw invalid(problems);
  return changeBudgetOverride(db, ref, { set: input }, who);
}

/** Removes the override of one budget of a user's copy; a budget without one is answered as it is. */
export async function removeBudgetOverride(db: Database, ref: CopyBudgetRef, who: Actor): Promise<S['UserBudget']> {
  return changeBudgetOverride(db, ref, { remove: true }, who);
}

async function changeBudgetOverride(
  db: Database,
  { userId, profileId, budgetId }: CopyBudgetRef,
  change: { set: S['BudgetOverrideRequest'] } | { remove: true },
  who: Actor,
): Promise<S['UserBudget']> {
  const input = 'set' in change ? change.set : undefined;
  return db.transaction(async (tx) => {
    await requireUser(tx, userId);
    const found = await copies.of(tx, userId, profileId);
    if (!found) throw copyNotFound(userId, profileId);
    const copy = (await copies.lock(tx, found.id, db.kind === 'postgres'))!;
    const content = copy.content;
    const budget = [...content.budgets, ...content.provider_configs.flatMap((p) => p.budgets)].find(
      (b) => b.id === budgetId,
    );
    if (!budget)
      throw notFound(
        'budget_not_found',
        `The copy of access profile ${profileId} held by '${userId}' has no budget '${budgetId}'.`,
        'budget_id',
      );
    const previous = budget.override ?? null;
    const now = new Date();
    if (input) {
      // Anchored to the start of the current window, so every instance derives the same remaining cycles.
      const anchor = content.calendar_aligned
        ? calendarPeriodStart(budget.reset_duration, now, budget.reset_config?.quarter_start_month)
        : new Date(budget.last_reset);
      budget.override = {
        override_amount: input.override_amount,
        mode: input.mode,
        cycles: input.mode === 'cycles' ? input.cycles! : null,
        anchored_at: anchor.toISOString(),
        created_at: now.toISOString(),
      };
    } else {
      if (!previous) return toUserBudget(budget, now);
      delete budget.override;
    }
    await copies.update(tx, {
      id: copy.id,
      parent_version: copy.parent_version,
      content,
      updated_at: now.toISOString(),
    });
    await audit(tx, {
      profileId,
      userId,
      who,
      change: {
        action: input ? 'set_budget_override' : 'remove_budget_override',
        previous: previous ? { budget_id: budgetId, override: previous } : null,
        next: input ? { budget_id: budgetId, override: budget.override } : null,
      },
    });
    return toUserBudget(budget, now);
  });
}
