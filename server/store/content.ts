// The JSON a template or a user's copy keeps in its `content` column, in the contract's own types.
// Repositories parse it on read and serialise it on write, so the domain only sees these objects.
import type { components } from '../../generated/openapi.js';

type S = components['schemas'];

export interface ProfileContent {
  tags: string[];
  provider_configs: S['ProviderConfig'][];
  budgets: S['Budget'][];
  rate_limit: S['RateLimit'] | null;
  calendar_aligned: boolean;
  mcp_tool_groups: S['McpToolGroupLink'][];
  mcp_servers: S['McpServerLink'][];
  mcp_tool_overrides: S['McpToolOverride'][];
}

/** An override as stored on a copy's budget; `remaining_cycles` is derived when served. */
export interface StoredOverride {
  override_amount: number;
  mode: S['BudgetOverride']['mode'];
  cycles: number | null;
  anchored_at: string;
  created_at: string;
}

export type CopyBudget = S['Budget'] & { override?: StoredOverride | null };
export type CopyProviderConfig = S['ProviderConfig'] & { budgets: CopyBudget[] };
/** A copy's content: a template's, whose budgets may carry the user's override. */
export type CopyContent = Omit<ProfileContent, 'budgets' | 'provider_configs'> & {
  budgets: CopyBudget[];
  provider_configs: CopyProviderConfig[];
};
