// Use cases of access profile templates: every change writes the profile, its tags, a version
// snapshot and an audit entry in one transaction.
import type { components } from '../../generated/openapi.js';
import { addToCounter, counterValue, providerConfigIds } from '../store/counters.js';
import { UniqueViolationError, type Database, type Sql } from '../store/database.js';
import { attachments } from '../store/role-attachments.js';
import { copies } from '../store/user-access-profiles.js';
import { profiles, type ProfileFilter, type ProfileRecord } from '../store/access-profiles.js';
import { versions } from '../store/history.js';
import { audit, type Actor, type Change } from './audit.js';
import { accessProfileNotFound as notFound, conflict, DomainError, invalid, versionNotFound } from './errors.js';
import { rotationFields, scheduleFor, scheduleOf, type RotationSchedule } from './key-rotation.js';
import { canonicalName, canonicalOptionalName, NAME_LIMITS } from './names.js';
import { carryBudgetUsage, carryRateLimitUsage } from './usage-carry-over.js';
import {
  buildContent,
  freshCopy,
  type Budget,
  type BudgetInput,
  type ContentInput,
  type ProfileContent,
  type ProviderConfig,
  type RateLimit,
} from './profile-content.js';

type S = components['schemas'];
export type AccessProfile = S['AccessProfile'];

export function toApiProfile(row: ProfileRecord): AccessProfile {
  const { rate_limit, ...rest } = row.content;
  const profile: AccessProfile = {
    id: row.id,
    name: row.name,
    description: row.description,
    is_active: row.is_active,
    version: row.version,
    ...rest,
    ...rotationFields(row),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  if (rate_limit) profile.rate_limit = rate_limit;
  return profile;
}

const rotationColumns = (r: RotationSchedule) => ({
  rotation_interval_ns: r.intervalNs,
  next_rotation_at: r.nextRotationAt,
});
const rotationView = (r: RotationSchedule) => ({
  auto_rotation_interval: r.intervalNs,
  next_rotation_at: r.nextRotationAt,
});

export const etagOf = (version: number) => `"${version}"`;

/**
 * The versions a caller's `If-Match` accepts: `any` for `*`, else the versions its strong entity tags name
 * (weak or foreign tags name none). Absent means no precondition. Parsed from the header in server/http.
 */
export type ExpectedVersion = { any: true } | { versions: number[] } | undefined;

/** A stale version unless the expectation names the current one. */
export function checkExpectedVersion(expected: ExpectedVersion, row: ProfileRecord): void {
  if (expected === undefined || 'any' in expected) return;
  const current = row.version;
  if (!expected.versions.includes(current)) {
    throw new DomainError(
      'stale_version',
      'version_mismatch',
      `Access profile ${row.id} is at version ${current}; If-Match named ${expected.versions.length ? expected.versions.join(', ') : 'no version of it'}.`,
      {
        param: 'If-Match',
        details: [{ param: 'If-Match', message: `current version is ${current}` }],
        currentVersion: current,
      },
    );
  }
}

const nameTaken = (name: string) =>
  conflict('access_profile_name_taken', `An access profile named '${name}' already exists.`, 'name');

function isNameClash(e: unknown): boolean {
  return e instanceof UniqueViolationError && /access_profiles[._]name_key/.test(e.constraint);
}

/**
 * A write transaction that gives a template a name (create, clone, rename). Each checks the name inside
 * the transaction; a concurrent writer that took it first is caught by the unique index, and answered
 * with the same 409 as the check.
 */
async function writingName<T>(db: Database, name: () => string, write: (tx: Sql) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(write);
  } catch (e) {
    if (isNameClash(e)) throw nameTaken(name());
    throw e;
  }
}

async function loadForChange(tx: Sql, db: Database, id: number): Promise<ProfileRecord> {
  const row = await profiles.lockById(tx, id, db.kind === 'postgres');
  if (!row) throw notFound(id);
  return row;
}

/** Writes a new version of the profile with its snapshot and audit entry. */
async function writeVersion(
  tx: Sql,
  row: ProfileRecord,
  tagsChanged: boolean,
  change: Change,
  who: Actor,
  now: string,
): Promise<AccessProfile> {
  await profiles.update(tx, row);
  if (tagsChanged) await profiles.replaceTags(tx, row.id, row.content.tags);
  return recordVersion(tx, row, { who, at: now, change: () => change, extra: { version: row.version } });
}

/**
 * The record of a template's version, written once for every change that makes one (create, clone, update,
 * restore, activation): the version's snapshot and the audit entry, whose change may quote the snapshot.
 */
async function recordVersion(
  tx: Sql,
  row: ProfileRecord,
  how: { who: Actor; at: string; change: (api: AccessProfile) => Change; extra: Record<string, unknown> },
): Promise<AccessProfile> {
  const api = toApiProfile(row);
  await versions.insert(tx, {
    access_profile_id: row.id,
    version: row.version,
    name: row.name,
    description: row.description,
    snapshot: JSON.stringify(api),
    changed_by: how.who.actor,
    created_at: how.at,
  });
  await audit(tx, { profileId: row.id, who: how.who, change: how.change(api), extra: how.extra });
  return api;
}

function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { previous: Record<string, unknown>; next: Record<string, unknown> } {
  const previous: Record<string, unknown> = {};
  const next: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      previous[key] = before[key] ?? null;
      next[key] = after[key] ?? null;
    }
  }
  return { previous, next };
}

export async function listProfiles(db: Database, filter: ProfileFilter, limit: number, offset: number) {
  const unfiltered = !filter.search && !filter.tags?.length && filter.isActive === undefined;
  const [rows, total] = await Promise.all([
    profiles.page(db, filter, limit, offset),
    unfiltered ? counterValue(db, 'access_profiles') : profiles.count(db, filter),
  ]);
  return { items: rows.map((r) => toApiProfile(r)), total };
}

type CreateInput = S['AccessProfileCreate'];
type UpdateInput = S['AccessProfileUpdate'];

/** The content fields of a create or update body; the server-owned fields a GET returns are dropped here. */
const contentInput = (input: CreateInput | UpdateInput): ContentInput => {
  const {
    tags,
    provider_configs,
    budgets,
    rate_limit,
    calendar_aligned,
    mcp_tool_groups,
    mcp_servers,
    mcp_tool_overrides,
  } = input;
  const content: ContentInput = {
    tags,
    provider_configs,
    budgets,
    rate_limit,
    calendar_aligned: calendar_aligned ?? undefined,
    mcp_tool_groups,
    mcp_servers,
    mcp_tool_overrides,
  };
  for (const key of Object.keys(content) as (keyof ContentInput)[]) if (content[key] === undefined) delete content[key];
  return content;
};
/** A new profile's content: ids sent with its items (a profile read with GET used as a base) are ignored. */
const withoutIds = (input: ContentInput): ContentInput => {
  const budgets = (list: BudgetInput[] | undefined) => list?.map(({ id: _id, ...b }) => b);
  return {
    ...input,
    ...(input.budgets ? { budgets: budgets(input.budgets) } : {}),
    ...(input.provider_configs
      ? {
          provider_configs: input.provider_configs.map(({ id: _id, ...p }) => ({
            ...p,
            ...(p.budgets ? { budgets: budgets(p.budgets) } : {}),
          })),
        }
      : {}),
  };
};
const newProviderConfigs = (input: ContentInput) =>
  (input.provider_configs ?? []).filter((p) => p.id === undefined).length;

/** What a new template is made of, and how its first version is recorded. */
interface NewTemplate {
  name: string;
  description: string | null;
  content: ProfileContent;
  rotation: RotationSchedule;
  at: string;
  who: Actor;
  change: { action: 'create' | 'clone'; extra: Record<string, unknown> };
}

/**
 * Writes a new, inactive template at version 1: its row and tags, the template count, the version-1
 * snapshot and the audit entry. Create and clone both end here.
 */
async function insertTemplate(tx: Sql, t: NewTemplate): Promise<AccessProfile> {
  const row: ProfileRecord = {
    id: 0,
    name: t.name,
    description: t.description,
    is_active: false,
    version: 1,
    content: t.content,
    created_at: t.at,
    updated_at: t.at,
    ...rotationColumns(t.rotation),
    last_rotation_at: null,
  };
  row.id = await profiles.insert(tx, row);
  await profiles.replaceTags(tx, row.id, t.content.tags);
  await addToCounter(tx, 'access_profiles', 1);
  return recordVersion(tx, row, {
    who: t.who,
    at: t.at,
    change: (api) => ({ action: t.change.action, previous: null, next: api }),
    extra: t.change.extra,
  });
}

export async function createProfile(db: Database, given: CreateInput, who: Actor): Promise<AccessProfile> {
  const input = { ...given, name: canonicalName(given.name, NAME_LIMITS.profile) };
  const now = new Date();
  const at = now.toISOString();
  return writingName(
    db,
    () => input.name,
    async (tx) => {
      const ci = withoutIds(contentInput(input));
      const ids = await providerConfigIds(tx, newProviderConfigs(ci));
      const { content, problems } = buildContent(ci, { now, nextProviderConfigId: ids });
      const rotation = scheduleFor(input, { now, problems });
      if (problems.length) throw invalid(problems);
      if (await profiles.nameTaken(tx, input.name)) throw nameTaken(input.name);
      const api = await insertTemplate(tx, {
        name: input.name,
        description: input.description ?? null,
        content,
        rotation,
        at,
        who,
        change: { action: 'create', extra: { version: 1 } },
      });
      return api;
    },
  );
}

/** Applies a content/name change; a change that changes nothing keeps the version and writes nothing. */
async function applyChange(
  db: Database,
  id: number,
  expected: ExpectedVersion,
  who: Actor,
  action: S['AuditAction'],
  change: (
    row: ProfileRecord,
    content: ProfileContent,
    tx: Sql,
  ) => Promise<{
    name: string;
    description: string | null;
    isActive: boolean;
    content: ProfileContent;
    rotation?: RotationSchedule;
    metadata?: Record<string, unknown>;
  }>,
): Promise<AccessProfile> {
  const now = new Date().toISOString();
  let attemptedName = '';
  return writingName(
    db,
    () => attemptedName,
    async (tx) => {
      const row = await loadForChange(tx, db, id);
      checkExpectedVersion(expected, row);
      const before = row.content;
      const next = await change(row, before, tx);
      attemptedName = next.name;
      const rotation = next.rotation ?? scheduleOf(row);
      const beforeView = {
        name: row.name,
        description: row.description,
        is_active: row.is_active,
        ...before,
        ...rotationView(scheduleOf(row)),
      };
      const afterView = {
        name: next.name,
        description: next.description,
        is_active: next.isActive,
        ...next.content,
        ...rotationView(rotation),
      };
      const { previous, next: after } = diff(beforeView, afterView);
      if (Object.keys(after).length === 0) return toApiProfile(row);
      if (next.name.toLowerCase() !== row.name.toLowerCase() && (await profiles.nameTaken(tx, next.name, id)))
        throw nameTaken(next.name);
      const updated: ProfileRecord = {
        ...row,
        name: next.name,
        description: next.description,
        is_active: next.isActive,
        version: row.version + 1,
        content: next.content,
        updated_at: now,
        ...rotationColumns(rotation),
      };
      const tagsChanged = JSON.stringify(before.tags) !== JSON.stringify(next.content.tags);
      return writeVersion(
        tx,
        updated,
        tagsChanged,
        { action, previous, next: after, ...(next.metadata ? { metadata: next.metadata } : {}) },
        who,
        now,
      );
    },
  );
}

export function updateProfile(
  db: Database,
  id: number,
  given: UpdateInput,
  expected: ExpectedVersion,
  who: Actor,
): Promise<AccessProfile> {
  const input =
    given.name === undefined ? given : { ...given, name: canonicalOptionalName(given.name, NAME_LIMITS.profile) };
  return applyChange(db, id, expected, who, 'update', async (row, before, tx) => {
    const ci = contentInput(input);
    const ids = await providerConfigIds(tx, newProviderConfigs(ci));
    const now = new Date();
    const { content, problems } = buildContent(ci, { previous: before, now, nextProviderConfigId: ids });
    const rotation = scheduleFor(input, { current: scheduleOf(row), now, problems });
    if (problems.length) throw invalid(problems);
    return {
      name: input.name ?? row.name,
      description: input.description === undefined ? row.description : input.description,
      isActive: row.is_active,
      content,
      rotation,
    };
  });
}

export function setActive(
  db: Database,
  id: number,
  active: boolean,
  expected: ExpectedVersion,
  who: Actor,
): Promise<AccessProfile> {
  return applyChange(db, id, expected, who, active ? 'activate' : 'deactivate', async (row, content) => ({
    name: row.name,
    description: row.description,
    isActive: active,
    content,
  }));
}

export function restoreVersion(
  db: Database,
  id: number,
  version: number,
  expected: ExpectedVersion,
  who: Actor,
): Promise<AccessProfile> {
  return applyChange(db, id, expected, who, 'restore', async (_row, current, tx) => {
    const s = await versions.snapshotOf(tx, id, version);
    if (!s) throw versionNotFound(id, version);
    // Usage lives on rows whose ids still exist (budgets and rate limits); restoring the definition
    // carries it over as an update would, except that a budget whose window is not the same comes back
    // with the snapshot's window. Rows gone since the snapshot come back as the snapshot has them.
    const how = {
      calendarAligned: s.calendar_aligned,
      now: new Date(),
      realign: s.calendar_aligned !== current.calendar_aligned,
    };
    const budgetsById = new Map<string, Budget>();
    for (const b of [...current.budgets, ...current.provider_configs.flatMap((p) => p.budgets)])
      budgetsById.set(b.id, b);
    const withUsage = (b: Budget): Budget => {
      const kept = budgetsById.get(b.id);
      return kept ? { ...b, ...carryBudgetUsage(kept, b, { ...how, budgetsKeepIncomingWindow: true }) } : b;
    };
    const limitsById = new Map<string, RateLimit>();
    for (const r of [current.rate_limit, ...current.provider_configs.map((p) => p.rate_limit)])
      if (r) limitsById.set(r.id, r);
    const limitWithUsage = (r: RateLimit): RateLimit => {
      const kept = limitsById.get(r.id);
      return kept ? { ...r, ...carryRateLimitUsage(kept, r, how) } : r;
    };
    const content: ProfileContent = {
      tags: s.tags,
      provider_configs: s.provider_configs.map((p) => {
        const c: ProviderConfig = { ...p, budgets: p.budgets.map(withUsage) };
        if (p.rate_limit) c.rate_limit = limitWithUsage(p.rate_limit);
        return c;
      }),
      budgets: s.budgets.map(withUsage),
      rate_limit: s.rate_limit ? limitWithUsage(s.rate_limit) : null,
      calendar_aligned: s.calendar_aligned,
      mcp_tool_groups: s.mcp_tool_groups,
      mcp_servers: s.mcp_servers,
      mcp_tool_overrides: s.mcp_tool_overrides,
    };
    return {
      name: s.name,
      description: s.description,
      isActive: s.is_active,
      content,
      metadata: { restored_from: version },
    };
  });
}

export async function deleteProfile(db: Database, id: number, expected: ExpectedVersion, who: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await loadForChange(tx, db, id);
    checkExpectedVersion(expected, row);
    const holders = await copies.countOfTemplate(tx, id);
    if (holders > 0)
      throw conflict(
        'access_profile_in_use',
        `Access profile ${id} is held by ${holders} user${holders === 1 ? '' : 's'}; detach their copies first.`,
        'id',
      );
    await profiles.delete(tx, id);
    await addToCounter(tx, 'access_profiles', -1);
    await audit(tx, {
      profileId: id,
      who,
      change: { action: 'delete', previous: toApiProfile(row), next: null },
      extra: { version: row.version },
    });
  });
}

export async function cloneProfile(
  db: Database,
  id: number,
  given: S['AccessProfileClone'],
  who: Actor,
): Promise<AccessProfile> {
  const input = { ...given, name: canonicalName(given.name, NAME_LIMITS.profile) };
  const now = new Date();
  const at = now.toISOString();
  return writingName(
    db,
    () => input.name,
    async (tx) => {
      const source = await profiles.byId(tx, id);
      if (!source) throw notFound(id);
      if (await profiles.nameTaken(tx, input.name)) throw nameTaken(input.name);
      const ids = await providerConfigIds(tx, source.content.provider_configs.length);
      const content = freshCopy(source.content, now, ids);
      // The clone keeps the source's rotation interval; its own schedule starts now.
      const rotation = scheduleFor({ auto_rotation_interval: source.rotation_interval_ns }, { now, problems: [] });
      const api = await insertTemplate(tx, {
        name: input.name,
        description: input.description === undefined ? source.description : input.description,
        content,
        rotation,
        at,
        who,
        change: { action: 'clone', extra: { version: 1, cloned_from: id } },
      });
      return api;
    },
  );
}

export async function getProfileDetail(db: Database, id: number) {
  const found = await profiles.byIdWithHolderCount(db, id);
  if (!found) throw notFound(id);
  const roles = await attachments.ofProfileWithRoleNames(db, id);
  return {
    profile: toApiProfile(found.record),
    roles: roles.map((r) => ({
      id: r.id,
      access_profile_id: r.access_profile_id,
      role_id: r.role_id,
      role_name: r.role_name,
      is_default: r.is_default,
    })),
    userCount: found.holderCount,
  };
}

/** Locks a template for a change made by another use case (attach, propagate) in the caller's transaction. */
export async function lockTemplate(tx: Sql, db: Database, id: number): Promise<ProfileRecord> {
  return loadForChange(tx, db, id);
}

/** Activates a locked template inside the caller's transaction: a new version, snapshot and audit entry. */
export async function activateInTransaction(
  tx: Sql,
  row: ProfileRecord,
  who: Actor,
  reason: string,
): Promise<ProfileRecord> {
  if (row.is_active) return row;
  const now = new Date().toISOString();
  const updated: ProfileRecord = { ...row, is_active: true, version: row.version + 1, updated_at: now };
  await writeVersion(
    tx,
    updated,
    false,
    { action: 'activate', previous: { is_active: false }, next: { is_active: true }, metadata: { reason } },
    who,
    now,
  );
  return updated;
}
