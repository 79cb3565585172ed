// A profile's content (tags, provider configs, budgets, rate limit, MCP links) as stored and served,
// and the rules JSON Schema cannot say: building it from a request keeps ids and usage, checks the rest.
import type { components } from '../../generated/openapi.js';
import type { ProblemDetail } from './errors.js';
import { budgetWindowStart } from './budget-windows.js';
import { randomToken } from './secrets.js';
import { carryBudgetUsage, carryRateLimitUsage } from './usage-carry-over.js';
import type { ProfileContent } from '../store/content.js';

export type { ProfileContent };

type S = components['schemas'];
export type Budget = S['Budget'];
export type RateLimit = S['RateLimit'];
export type ProviderConfig = S['ProviderConfig'];
export type BudgetInput = S['BudgetInput'];
export type RateLimitInput = S['RateLimitInput'];
export type ProviderConfigInput = S['ProviderConfigInput'];

export type ContentInput = Partial<{
  tags: string[];
  provider_configs: ProviderConfigInput[];
  budgets: BudgetInput[];
  rate_limit: RateLimitInput | null;
  calendar_aligned: boolean;
  mcp_tool_groups: S['McpToolGroupLink'][];
  mcp_servers: S['McpServerLink'][];
  mcp_tool_overrides: S['McpToolOverride'][];
}>;

export const EMPTY_CONTENT: ProfileContent = {
  tags: [],
  provider_configs: [],
  budgets: [],
  rate_limit: null,
  calendar_aligned: false,
  mcp_tool_groups: [],
  mcp_servers: [],
  mcp_tool_overrides: [],
};

export const newBudgetId = () => `bdg_${randomToken(12)}`;
export const newRateLimitId = () => `rl_${randomToken(12)}`;

/** Allocates integer ids for provider configs (from a store sequence). */
export type ProviderConfigIdSource = () => number;

interface BuildContext {
  now: Date;
  /** calendar_aligned flips in this change: every kept window is re-anchored. */
  realign: boolean;
  nextProviderConfigId: ProviderConfigIdSource;
  problems: ProblemDetail[];
}

function buildBudgets(
  inputs: BudgetInput[],
  previous: Budget[],
  scope: string,
  calendarAligned: boolean,
  at: string,
  ctx: BuildContext,
): Budget[] {
  const byId = new Map(previous.map((b) => [b.id, b]));
  const durations = new Map<string, number>();
  return inputs.map((input, i) => {
    const param = `${at}[${i}]`;
    const seen = durations.get(input.reset_duration);
    if (seen !== undefined)
      ctx.problems.push({
        param: `${param}.reset_duration`,
        message: `duplicates the reset_duration of ${at}[${seen}]; one budget per reset_duration`,
      });
    else durations.set(input.reset_duration, i);
    if (input.reset_config && input.reset_duration !== '1Q')
      ctx.problems.push({ param: `${param}.reset_config`, message: 'is only allowed with reset_duration 1Q' });
    if (calendarAligned && input.reset_duration === '1h')
      ctx.problems.push({
        param: `${param}.reset_duration`,
        message: '1h is not allowed on a calendar-aligned profile',
      });
    const kept = input.id !== undefined ? byId.get(input.id) : undefined;
    if (input.id !== undefined && !kept)
      ctx.problems.push({
        param: `${param}.id`,
        message: `is not an existing budget of this ${scope === 'total' ? 'profile' : 'provider config'}`,
      });
    if (input.id !== undefined) byId.delete(input.id); // an id may be kept once
    const budget: Budget = {
      id: kept?.id ?? newBudgetId(),
      max_limit: input.max_limit,
      reset_duration: input.reset_duration,
      scope,
      ...carryBudgetUsage(kept, input, { calendarAligned, now: ctx.now, realign: ctx.realign }),
    };
    if (input.reset_config) budget.reset_config = { quarter_start_month: input.reset_config.quarter_start_month };
    return budget;
  });
}

/**
 * One side (token or request) of a sent rate limit merged with the existing one: a field sent is taken
 * (null clears), a field omitted keeps its value, and a limit cleared without naming its duration
 * clears the duration too. Without an existing limit, omitted is unset.
 */
function side(
  input: RateLimitInput,
  previous: RateLimit | null | undefined,
  limitKey: 'token_max_limit' | 'request_max_limit',
  durationKey: 'token_reset_duration' | 'request_reset_duration',
) {
  const limitSent = input[limitKey] !== undefined;
  const limit = limitSent ? (input[limitKey] ?? null) : (previous?.[limitKey] ?? null);
  const duration =
    input[durationKey] !== undefined
      ? (input[durationKey] ?? null)
      : limitSent && limit === null
        ? null
        : (previous?.[durationKey] ?? null);
  return [limit, duration] as const;
}

function buildRateLimit(
  input: RateLimitInput,
  previous: RateLimit | null | undefined,
  calendarAligned: boolean,
  at: string,
  ctx: BuildContext,
): RateLimit {
  const [token, tokenDuration] = side(input, previous, 'token_max_limit', 'token_reset_duration');
  const [request, requestDuration] = side(input, previous, 'request_max_limit', 'request_reset_duration');
  if (token === null && request === null)
    ctx.problems.push({ param: at, message: 'needs token_max_limit or request_max_limit' });
  if (token !== null && tokenDuration === null)
    ctx.problems.push({ param: `${at}.token_reset_duration`, message: 'is required with token_max_limit' });
  if (token === null && tokenDuration !== null)
    ctx.problems.push({ param: `${at}.token_reset_duration`, message: 'is only allowed with token_max_limit' });
  if (request !== null && requestDuration === null)
    ctx.problems.push({ param: `${at}.request_reset_duration`, message: 'is required with request_max_limit' });
  if (request === null && requestDuration !== null)
    ctx.problems.push({ param: `${at}.request_reset_duration`, message: 'is only allowed with request_max_limit' });
  // A window whose duration did not change (also an unset one) keeps its start and counter, so resending
  // the same limit is not a change; a new duration, or a flip of calendar_aligned, starts a new window.
  const durations = { token_reset_duration: tokenDuration, request_reset_duration: requestDuration };
  return {
    id: previous?.id ?? newRateLimitId(),
    token_max_limit: token,
    request_max_limit: request,
    ...durations,
    ...carryRateLimitUsage(previous, durations, { calendarAligned, now: ctx.now, realign: ctx.realign }),
  };
}

/** A kept rate limit whose windows restart where the (new) alignment says; usage and values stay. */
function realignedLimit(r: RateLimit, calendarAligned: boolean, now: Date): RateLimit {
  return { ...r, ...carryRateLimitUsage(r, r, { calendarAligned, now, realign: true }) };
}

function buildProviderConfigs(
  inputs: ProviderConfigInput[],
  previous: ProviderConfig[],
  calendarAligned: boolean,
  ctx: BuildContext,
): ProviderConfig[] {
  const byId = new Map(previous.map((p) => [p.id, p]));
  const names = new Map<string, number>();
  return inputs.map((input, i) => {
    const at = `provider_configs[${i}]`;
    const key = input.provider_name.toLowerCase();
    const seen = names.get(key);
    if (seen !== undefined)
      ctx.problems.push({
        param: `${at}.provider_name`,
        message: `duplicates provider_configs[${seen}].provider_name`,
      });
    else names.set(key, i);
    const kept = input.id !== undefined ? byId.get(input.id) : undefined;
    if (input.id !== undefined && !kept)
      ctx.problems.push({ param: `${at}.id`, message: 'is not an existing provider config of this profile' });
    if (input.id !== undefined) byId.delete(input.id);
    const scope = `provider:${input.provider_name}`;
    const config: ProviderConfig = {
      // Ids are reserved only for items sent without one; an unknown id is already a problem (400).
      id: kept?.id ?? input.id ?? ctx.nextProviderConfigId(),
      provider_name: input.provider_name,
      all_models_allowed: input.all_models_allowed ?? false,
      allowed_models: input.allowed_models ?? [],
      budgets: buildBudgets(input.budgets ?? [], kept?.budgets ?? [], scope, calendarAligned, `${at}.budgets`, ctx),
    };
    // `rate_limit` omitted on an id-keyed item keeps the existing one; null clears it.
    const rl = input.rate_limit === undefined ? (kept ? (kept.rate_limit ?? null) : null) : input.rate_limit;
    if (rl && input.rate_limit !== undefined)
      config.rate_limit = buildRateLimit(rl, kept?.rate_limit, calendarAligned, `${at}.rate_limit`, ctx);
    else if (rl)
      config.rate_limit = ctx.realign ? realignedLimit(rl as RateLimit, calendarAligned, ctx.now) : (rl as RateLimit);
    return config;
  });
}

function duplicatesIn<T>(items: T[], key: (t: T) => string, at: string, what: string, problems: ProblemDetail[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const j = seen.get(k);
    if (j !== undefined) problems.push({ param: `${at}[${i}]`, message: `duplicates ${at}[${j}] (${what})` });
    else seen.set(k, i);
  });
}

/**
 * The content after applying `input` to `previous` (none for a new profile): omitted fields keep their
 * value, sent lists replace, items with an existing id keep their row and usage. Rule violations are
 * collected in `problems` (every one, not just the first).
 */
export function buildContent(
  input: ContentInput,
  {
    previous,
    now,
    nextProviderConfigId,
  }: { previous?: ProfileContent; now: Date; nextProviderConfigId: ProviderConfigIdSource },
): { content: ProfileContent; problems: ProblemDetail[] } {
  const base = previous ?? EMPTY_CONTENT;
  const calendarAligned = input.calendar_aligned ?? base.calendar_aligned;
  const alignmentChanged = previous !== undefined && calendarAligned !== base.calendar_aligned;
  const ctx: BuildContext = { now, realign: alignmentChanged, nextProviderConfigId, problems: [] };

  // Changing the alignment re-checks and re-anchors every budget, so rebuild them from their own values.
  const asInput = (b: Budget): BudgetInput => ({
    id: b.id,
    max_limit: b.max_limit,
    reset_duration: b.reset_duration,
    ...(b.reset_config ? { reset_config: b.reset_config } : {}),
  });
  const budgetInputs = input.budgets ?? (alignmentChanged ? base.budgets.map(asInput) : undefined);
  const providerInputs =
    input.provider_configs ??
    (alignmentChanged
      ? base.provider_configs.map(
          (p): ProviderConfigInput => ({
            id: p.id,
            provider_name: p.provider_name,
            all_models_allowed: p.all_models_allowed,
            allowed_models: p.allowed_models,
            budgets: p.budgets.map(asInput),
          }),
        )
      : undefined);

  const content: ProfileContent = {
    tags: input.tags ?? base.tags,
    provider_configs: providerInputs
      ? buildProviderConfigs(providerInputs, base.provider_configs, calendarAligned, ctx)
      : base.provider_configs,
    budgets: budgetInputs
      ? buildBudgets(budgetInputs, base.budgets, 'total', calendarAligned, 'budgets', ctx)
      : base.budgets,
    rate_limit:
      input.rate_limit === undefined
        ? base.rate_limit && alignmentChanged
          ? realignedLimit(base.rate_limit, calendarAligned, now)
          : base.rate_limit
        : input.rate_limit === null
          ? null
          : buildRateLimit(input.rate_limit, base.rate_limit, calendarAligned, 'rate_limit', ctx),
    calendar_aligned: calendarAligned,
    mcp_tool_groups: input.mcp_tool_groups ?? base.mcp_tool_groups,
    mcp_servers: input.mcp_servers ?? base.mcp_servers,
    mcp_tool_overrides: input.mcp_tool_overrides ?? base.mcp_tool_overrides,
  };
  if (input.mcp_tool_groups)
    duplicatesIn(
      input.mcp_tool_groups,
      (g) => String(g.tool_group_id),
      'mcp_tool_groups',
      'same tool_group_id',
      ctx.problems,
    );
  if (input.mcp_servers)
    duplicatesIn(input.mcp_servers, (s) => s.mcp_server_id, 'mcp_servers', 'same mcp_server_id', ctx.problems);
  if (input.mcp_tool_overrides)
    duplicatesIn(
      input.mcp_tool_overrides,
      (o) => `${o.mcp_client_id}\u0000${o.tool_name}`,
      'mcp_tool_overrides',
      'same mcp_client_id and tool_name',
      ctx.problems,
    );
  return { content, problems: ctx.problems };
}

/** The same content with fresh ids and zero usage, windows starting now (clone, user copy). */
export function freshCopy(
  content: ProfileContent,
  now: Date,
  nextProviderConfigId: ProviderConfigIdSource,
): ProfileContent {
  const freshBudget = (b: Budget): Budget => ({
    ...b,
    id: newBudgetId(),
    current_usage: 0,
    last_reset: budgetWindowStart(
      b.reset_duration,
      content.calendar_aligned,
      now,
      b.reset_config?.quarter_start_month,
    ).toISOString(),
  });
  const freshLimit = (r: RateLimit): RateLimit => ({
    ...r,
    id: newRateLimitId(),
    token_current_usage: 0,
    request_current_usage: 0,
    token_last_reset: budgetWindowStart(r.token_reset_duration ?? '1h', content.calendar_aligned, now).toISOString(),
    request_last_reset: budgetWindowStart(
      r.request_reset_duration ?? '1h',
      content.calendar_aligned,
      now,
    ).toISOString(),
  });
  return {
    ...content,
    tags: [...content.tags],
    provider_configs: content.provider_configs.map((p) => {
      const c: ProviderConfig = {
        ...p,
        id: nextProviderConfigId(),
        allowed_models: [...p.allowed_models],
        budgets: p.budgets.map(freshBudget),
      };
      if (p.rate_limit) c.rate_limit = freshLimit(p.rate_limit);
      return c;
    }),
    budgets: content.budgets.map(freshBudget),
    rate_limit: content.rate_limit ? freshLimit(content.rate_limit) : null,
    mcp_tool_groups: content.mcp_tool_groups.map((g) => ({ ...g })),
    mcp_servers: content.mcp_servers.map((s) => ({ ...s })),
    mcp_tool_overrides: content.mcp_tool_overrides.map((o) => ({ ...o })),
  };
}
