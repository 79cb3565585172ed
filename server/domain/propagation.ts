// Propagating template fields onto users' copies. Budgets are matched by owner (profile-wide or
// provider) and reset_duration, rate limits by owner: a matched item keeps the copy's id, usage,
// window and override (usage zeroed with reset_usage); template items without a match are new.
import type { components } from '../../generated/openapi.js';
import { accessProfileNotFound, DomainError } from './errors.js';
import { providerConfigIds } from '../store/counters.js';
import type { Database } from '../store/database.js';
import { copies, type CopyRecord } from '../store/user-access-profiles.js';
import { profiles } from '../store/access-profiles.js';
import { carryBudgetUsage, carryRateLimitUsage } from './usage-carry-over.js';
import { freshCopy, type ProfileContent, type ProviderConfigIdSource, type RateLimit } from './profile-content.js';
import { audit, type Actor } from './audit.js';
import type { CopyBudget, CopyContent } from './user-access-profiles.js';

type S = components['schemas'];
type Field = S['PropagatedField'];
const BATCH = 500;

function mergeBudgets(
  template: CopyBudget[],
  current: CopyBudget[],
  resetUsage: boolean,
  calendarAligned: boolean,
  now: Date,
): CopyBudget[] {
  return template.map((t) => {
    const kept = current.find((c) => c.reset_duration === t.reset_duration);
    if (!kept) return t;
    const merged: CopyBudget = {
      ...t,
      id: kept.id,
      ...carryBudgetUsage(kept, t, { calendarAligned, now, resetUsage }),
    };
    if (kept.override) merged.override = kept.override;
    return merged;
  });
}

function mergeRateLimit(
  template: RateLimit | null | undefined,
  current: RateLimit | null | undefined,
  resetUsage: boolean,
  calendarAligned: boolean,
  now: Date,
): RateLimit | null {
  if (!template) return null;
  if (!current) return template;
  return {
    ...template,
    id: current.id,
    ...carryRateLimitUsage(current, template, { calendarAligned, now, resetUsage }),
  };
}

/** The copy's content with `fields` taken from the template. */
export function mergeIntoCopy(
  templateContent: ProfileContent,
  copy: CopyContent,
  fields: Field[],
  resetUsage: boolean,
  now: Date,
  ids: ProviderConfigIdSource,
): CopyContent {
  const fresh: CopyContent = freshCopy(templateContent, now, ids);
  const next: CopyContent = { ...copy };
  const aligned = copy.calendar_aligned;
  if (fields.includes('budgets')) next.budgets = mergeBudgets(fresh.budgets, copy.budgets, resetUsage, aligned, now);
  if (fields.includes('rate_limit'))
    next.rate_limit = mergeRateLimit(fresh.rate_limit, copy.rate_limit, resetUsage, aligned, now);
  if (fields.includes('provider_configs')) {
    next.provider_configs = fresh.provider_configs.map((t) => {
      const kept = copy.provider_configs.find((c) => c.provider_name === t.provider_name);
      if (!kept) return t;
      const merged = {
        ...t,
        id: kept.id,
        budgets: mergeBudgets(t.budgets, kept.budgets, resetUsage, aligned, now),
      };
      const rl = mergeRateLimit(t.rate_limit, kept.rate_limit, resetUsage, aligned, now);
      if (rl) merged.rate_limit = rl;
      else delete merged.rate_limit;
      return merged;
    });
  }
  if (fields.includes('mcp_tool_groups')) next.mcp_tool_groups = fresh.mcp_tool_groups;
  if (fields.includes('mcp_servers')) next.mcp_servers = fresh.mcp_servers;
  if (fields.includes('mcp_tool_overrides')) next.mcp_tool_overrides = fresh.mcp_tool_overrides;
  return next;
}

const sameFields = (a: CopyContent, b: CopyContent, fields: Field[]) =>
  fields.every((f) => JSON.stringify(a[f] ?? null) === JSON.stringify(b[f] ?? null));

export async function propagate(
  db: Database,
  profileId: number,
  input: S['PropagateRequest'],
  who: Actor,
): Promise<S['PropagateResult']> {
  const template = await profiles.byId(db, profileId);
  if (!template) throw accessProfileNotFound(profileId);
  const templateContent = template.content;
  const fields = input.fields;
  const dryRun = input.dry_run ?? false;
  const resetUsage = input.reset_usage ?? false;
  // An empty list means every copy, as omitting it does (the vendor's meaning).
  const requested = input.user_ids?.length ? [...new Set(input.user_ids)] : undefined;
  const result: S['PropagateResult'] = {
    affected_users: 0,
    failed_users: 0,
    skipped_users: 0,
    user_ids: [],
    fields,
    applied: !dryRun,
    vk_sync_errors: [],
  };
  const seen = new Set<string>();
  let dryIds = -1;
  const dryIdSource = () => dryIds--;

  const apply = async (copy: CopyRecord): Promise<'affected' | 'skipped'> => {
    if (dryRun) {
      const current = copy.content;
      const next = mergeIntoCopy(templateContent, current, fields, resetUsage, new Date(), dryIdSource);
      return sameFields(next, current, fields) ? 'skipped' : 'affected';
    }
    // Alone in its own transaction: the fallback when its page failed.
    return (await applyPage([copy]))[0]!;
  };

  // A page of copies in one transaction, re-read under lock so a concurrent change is not overwritten,
  // merged, and written with one statement. Should anything in the page fail, the page is rolled back
  // and redone one copy per transaction, so one bad copy fails alone (10,000 copies one transaction
  // each took 23 s on PostgreSQL).
  const applyPage = (page: CopyRecord[]): Promise<Array<'affected' | 'skipped'>> =>
    db.transaction(async (tx) => {
      const now = new Date();
      const locked = await copies.lockMany(
        tx,
        page.map((c) => c.id),
        db.kind === 'postgres',
      );
      const ids = fields.includes('provider_configs')
        ? await providerConfigIds(tx, templateContent.provider_configs.length * page.length)
        : dryIdSource;
      const updates: Array<{ id: number; content: CopyContent }> = [];
      const outcomes = page.map((copy): 'affected' | 'skipped' => {
        const row = locked.get(copy.id);
        if (!row) return 'skipped';
        const current = row.content;
        const next = mergeIntoCopy(templateContent, current, fields, resetUsage, now, ids);
        if (sameFields(next, current, fields)) return 'skipped';
        updates.push({ id: row.id, content: next });
        return 'affected';
      });
      await copies.updateMany(tx, updates, template.version, now.toISOString());
      return outcomes;
    });

  for (let after = 0; ; ) {
    const page = await copies.ofParentAfter(db, profileId, after, BATCH, requested);
    if (!page.length) break;
    after = page[page.length - 1]!.id;
    let outcomes: Array<'affected' | 'skipped'> | null = null;
    if (!dryRun) outcomes = await applyPage(page).catch(() => null);
    for (const [i, copy] of page.entries()) {
      seen.add(copy.user_id);
      try {
        const outcome = outcomes ? outcomes[i]! : await apply(copy);
        if (outcome === 'affected') {
          result.affected_users++;
          result.user_ids.push(copy.user_id);
        } else result.skipped_users++;
      } catch (e) {
        result.failed_users++;
        result.vk_sync_errors.push(
          `${copy.user_id}: ${e instanceof DomainError ? e.message : 'the copy could not be updated; retry the propagation'}`,
        );
      }
    }
  }
  if (requested) result.skipped_users += requested.filter((u) => !seen.has(u)).length;
  if (!dryRun) {
    await db.transaction((tx) =>
      audit(tx, {
        profileId,
        who,
        change: {
          action: 'propagate',
          previous: null,
          next: { fields, reset_usage: resetUsage },
          metadata: {
            version: template.version,
            affected_users: result.affected_users,
            failed_users: result.failed_users,
            skipped_users: result.skipped_users,
            ...(requested ? { requested_users: requested.length } : {}),
          },
        },
      }),
    );
  }
  return result;
}
