// The vendor's (Bifrost's) published response shapes for the access-profile family, stated here in our
// own words as JSON Schema so the compatibility suite can check our answers against them. Source: the
// vendor's OpenAPI files (maximhq/bifrost docs/openapi/schemas/management/accessprofiles.yaml and
// BifrostError); they are not copied into this repository.
//
// The vendor's schemas list properties without `required`; a client written against them reads every
// listed property, so `required` below names each property the vendor lists for an object, except where
// the vendor says a field is absent in some state (rotation fields while rotation is off, optional
// `rate_limit`). Its `nullable: true` is written as a type union. Extra properties of ours are allowed,
// as they are for the vendor's clients.
//
// Where we deliberately differ, the schema here says so in a `DIFFERENCE` comment, and the README's
// compatibility table gives the reason.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under ESM its function is the default export's `default`.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });
const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
});
const arr = (items: object) => ({ type: 'array', items });

const budgetDuration = { enum: ['1h', '1d', '1w', '1M', '1Q', '1Y'] };
const rateDuration = { enum: ['1h', '1d', '1w', '1M', '1Y'] };

const Budget = obj(
  {
    id: str,
    max_limit: num,
    reset_duration: budgetDuration,
    reset_config: obj({ quarter_start_month: { type: 'integer', minimum: 1, maximum: 12 } }),
    scope: str,
    current_usage: num,
    last_reset: dateTime,
  },
  ['id', 'max_limit', 'reset_duration', 'scope', 'current_usage', 'last_reset'],
);

const RateLimit = obj({
  id: str,
  token_max_limit: nullable(num),
  // DIFFERENCE (README, compatibility table): the vendor declares the durations non-nullable while their
  // limits are nullable; we send null for the duration of an unset limit, so the pair stays consistent.
  token_reset_duration: nullable(rateDuration),
  request_max_limit: nullable(num),
  request_reset_duration: nullable(rateDuration),
  token_current_usage: num,
  request_current_usage: num,
});

const ProviderConfig = obj(
  {
    id: int,
    provider_name: str,
    all_models_allowed: bool,
    allowed_models: arr(str),
    budgets: arr(Budget),
    rate_limit: RateLimit,
  },
  ['id', 'provider_name', 'all_models_allowed', 'allowed_models', 'budgets'],
);

export const AccessProfile = obj(
  {
    id: int,
    name: str,
    description: nullable(str),
    is_active: bool,
    version: int,
    tags: arr(str),
    provider_configs: arr(ProviderConfig),
    budgets: arr(Budget),
    rate_limit: RateLimit,
    calendar_aligned: bool,
    mcp_tool_groups: arr(obj({ tool_group_id: int })),
    mcp_servers: arr(obj({ mcp_server_id: str })),
    mcp_tool_overrides: arr(obj({ mcp_client_id: str, tool_name: str, action: { enum: ['include', 'exclude'] } })),
    auto_rotation_interval: int,
    next_rotation_at: nullable(dateTime),
    last_rotation_at: nullable(dateTime),
    created_at: dateTime,
    updated_at: dateTime,
  },
  [
    'id',
    'name',
    'description',
    'is_active',
    'version',
    'tags',
    'provider_configs',
    'budgets',
    'calendar_aligned',
    'auto_rotation_interval',
    'mcp_tool_groups',
    'mcp_servers',
    'mcp_tool_overrides',
    'created_at',
    'updated_at',
  ],
);

const RoleAttachment = obj({ id: int, access_profile_id: int, role_id: int, role_name: str, is_default: bool });
const Version = obj({
  id: int,
  access_profile_id: int,
  version: int,
  name: str,
  description: nullable(str),
  snapshot: str,
  changed_by: str,
  created_at: dateTime,
});
const AuditLog = obj({
  id: int,
  access_profile_id: nullable(int),
  user_id: nullable(str),
  actor: str,
  action: str,
  previous_values: nullable(str),
  new_values: nullable(str),
  metadata: nullable(str),
  created_at: dateTime,
});
const UserAccessProfile = obj({
  id: int,
  user_id: str,
  parent_profile_id: nullable(int),
  name: str,
  is_active: bool,
  expires_at: nullable(dateTime),
  virtual_key_ids: arr(str),
  virtual_key_values: { type: 'object', additionalProperties: str },
});
const OverriddenBudget = obj(
  {
    ...Budget.properties,
    override_amount: nullable(num),
    override_cycles_remaining: nullable(int),
    override_cycles_total: nullable(int),
  },
  [...Budget.required, 'override_amount', 'override_cycles_remaining', 'override_cycles_total'],
);

export const vendorShapes = {
  AccessProfileResponse: obj({ access_profile: AccessProfile }),
  AccessProfileDetailResponse: obj({ access_profile: AccessProfile, roles: arr(RoleAttachment), user_count: int }),
  AccessProfileListResponse: obj({
    access_profiles: arr(AccessProfile),
    count: int,
    total_count: int,
    limit: int,
    offset: int,
  }),
  MessageResponse: obj({ message: str }),
  AttachRolesResponse: obj({ message: str, users_applied: int }),
  PropagateResponse: obj({
    affected_users: int,
    failed_users: int,
    skipped_users: int,
    user_ids: arr(str),
    fields: arr(str),
    applied: bool,
    vk_sync_errors: arr(str),
  }),
  VersionListResponse: obj({ versions: arr(Version) }),
  VersionResponse: obj({ version: Version }),
  AuditLogListResponse: obj({ audit_logs: arr(AuditLog), total_count: int }),
  UserAccessProfileListResponse: obj({ access_profiles: arr(UserAccessProfile) }),
  DetachUserProfileResponse: obj({ message: str, deleted_vk_names: arr(str), deleted_vk_count: int }),
  AddVirtualKeyResponse: obj({ virtual_key: obj({ id: str, name: str, value: str }) }),
  BudgetOverrideResponse: obj({ budget: OverriddenBudget, effective_max_limit: num }),
  BifrostError: obj(
    {
      is_bifrost_error: bool,
      status_code: int,
      event_id: str,
      type: str,
      error: obj({ type: str, code: str, message: str, param: str, event_id: str }, ['message']),
    },
    ['is_bifrost_error', 'status_code', 'error'],
  ),
} as const;

export type VendorShape = keyof typeof vendorShapes;

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validators = Object.fromEntries(Object.entries(vendorShapes).map(([k, s]) => [k, ajv.compile(s)])) as Record<
  VendorShape,
  ReturnType<typeof ajv.compile>
>;

/** The ways `body` breaks the vendor's `shape` (empty when a vendor client would read it). */
export function vendorViolations(shape: VendorShape, body: unknown): string[] {
  const validate = validators[shape];
  return validate(body) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}`);
}
