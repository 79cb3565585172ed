// The contract suite: every operation of the spec through the typed client, in a life-cycle order (each
// step takes the ids earlier ones returned), each response checked against the bundled spec. It makes its
// own data under a unique name prefix and removes it in a `finally`, so a failed run leaves nothing behind.
import { createAccessProfilesClient } from '../client/index.js';
import { operations, responseProblems } from './spec.js';

type Json = Record<string, any>;
type Result = { data?: unknown; error?: unknown; response: Response };

export interface ContractOptions {
  baseUrl: string;
  apiKey: string;
  /** Only reads (GET), on data the target already holds; nothing is created or changed. */
  readOnly?: boolean;
  /** A stateless mock (Prism): ids in answers are examples, so checks that need state are skipped. */
  mock?: boolean;
  /** Name prefix of everything the suite creates (default `contract-<random>`). */
  prefix?: string;
  /** Called as each step ends, for progress output. */
  onResult?: (result: StepResult) => void;
}

export interface StepResult {
  /** The operationId, or a named check such as `cleanup`. */
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  problems: string[];
  /** Why a step was skipped. */
  reason?: string;
  ms: number;
}

export interface ContractReport {
  results: StepResult[];
  passed: number;
  failed: number;
  skipped: number;
  prefix: string;
}

/** What a stateless mock cannot show, skipped with --mock (listed by the CLI). */
export const SKIPPED_ON_MOCK = [
  'X-Request-Id echoes the id the client sent',
  'ETag equals the returned profile version',
  "the user's copy comes from the profile this run attached",
  'cleanup of created data (the mock stores nothing)',
];

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether the target is a stateless mock: it accepts a key no real server has issued. */
export async function looksLikeMock(baseUrl: string): Promise<boolean> {
  const client = createAccessProfilesClient({ baseUrl, apiKey: 'access-profiles-contract-probe-not-a-key' });
  const r = await client.GET('/api/access-profiles', { params: { query: { limit: 1 } } });
  return r.response.status === 200;
}

export async function runContract(options: ContractOptions): Promise<ContractReport> {
  const mock = Boolean(options.mock);
  const prefix = options.prefix ?? `contract-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const results: StepResult[] = [];
  const record = (r: StepResult) => {
    results.push(r);
    options.onResult?.(r);
  };
  let sentRequestId = '';
  let counter = 0;
  const c = createAccessProfilesClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    requestId: () => (sentRequestId = `${prefix}-${++counter}`),
  });

  const ids: {
    profile?: number;
    clone?: number;
    role?: number;
    user?: string;
    budget?: string;
    copyProfile?: number;
    vk?: string;
    apiKey?: string;
    version?: number;
  } = {};
  const deleted = new Set<string>();

  /** Calls one operation unless an id it needs is missing, checks it, and returns the body when it passed. */
  async function step(
    operationId: string,
    expected: number,
    needs: (keyof typeof ids)[],
    call: () => Promise<Result>,
    extra?: (body: any, response: Response) => string[],
  ): Promise<any> {
    const started = performance.now();
    const missing = needs.filter((n) => ids[n] === undefined);
    if (missing.length) {
      record({
        name: operationId,
        outcome: 'skipped',
        problems: [],
        reason: `needs ${missing.join(', ')} from an earlier step`,
        ms: 0,
      });
      return undefined;
    }
    let problems: string[];
    let body: any;
    try {
      const r = await call();
      body = r.data ?? r.error;
      problems = responseProblems(operationId, expected, r.response, body);
      if (!problems.length && !mock) {
        const echoed = r.response.headers.get('x-request-id');
        if (echoed !== sentRequestId)
          problems.push(
            `header X-Request-Id ${JSON.stringify(echoed)} does not echo the sent ${JSON.stringify(sentRequestId)}`,
          );
      }
      if (!problems.length && extra) problems = extra(body, r.response);
    } catch (e) {
      problems = [`request failed: ${(e as Error).message}`];
    }
    record({
      name: operationId,
      outcome: problems.length ? 'failed' : 'passed',
      problems,
      ms: Math.round(performance.now() - started),
    });
    return problems.length ? undefined : body;
  }
  /** ETag is `"<version>"` of the profile in the body (only a real server keeps them in step). */
  const etagMatches = (body: any, response: Response) => {
    const version = body?.access_profile?.version;
    const etag = response.headers.get('etag');
    return mock || etag === `"${version}"`
      ? []
      : [`header ETag ${etag} does not match access_profile.version ${version}`];
  };

  try {
    await step('getHealth', 200, [], () => c.GET('/health'));
    await step('getLiveness', 200, [], () => c.GET('/livez'));
    await step('getReadiness', 200, [], () => c.GET('/readyz'));
    if (options.readOnly) await readOnlySteps();
    else await lifeCycle();
    await invalidRequestsRefused();
  } finally {
    if (!options.readOnly && !mock) await cleanup();
  }

  const called = new Set(results.filter((r) => r.outcome !== 'skipped').map((r) => r.name));
  const expectedOps = [...operations.values()]
    .filter((o) => !options.readOnly || !WRITE.has(o.method))
    .map((o) => o.operationId);
  const notCalled = expectedOps.filter((id) => !called.has(id) && !results.some((r) => r.name === id));
  if (notCalled.length)
    record({
      name: 'coverage',
      outcome: 'failed',
      problems: [`operations of the spec the suite did not call: ${notCalled.join(', ')}`],
      ms: 0,
    });

  const count = (o: StepResult['outcome']) => results.filter((r) => r.outcome === o).length;
  return { results, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), prefix };

  async function readOnlySteps(): Promise<void> {
    // Step bodies are checked against the spec at run time, so they are untyped here.
    const first = (list: any[] | undefined): any => list?.[0];
    ids.apiKey = first(
      (await step('listApiKeys', 200, [], () => c.GET('/api/api-keys', { params: { query: { limit: 1 } } })))?.api_keys,
    )?.id;
    await step('getApiKey', 200, ['apiKey'], () =>
      c.GET('/api/api-keys/{id}', { params: { path: { id: ids.apiKey! } } }),
    );
    ids.profile = first(
      (
        await step('listAccessProfiles', 200, [], () =>
          c.GET('/api/access-profiles', { params: { query: { limit: 1 } } }),
        )
      )?.access_profiles,
    )?.id;
    const p = () => ({ params: { path: { id: ids.profile! } } });
    await step('getAccessProfile', 200, ['profile'], () => c.GET('/api/access-profiles/{id}', p()));
    ids.version = (
      await step('listAccessProfileVersions', 200, ['profile'], () => c.GET('/api/access-profiles/{id}/versions', p()))
    )?.versions?.at(-1)?.version;
    await step('getAccessProfileVersion', 200, ['profile', 'version'], () =>
      c.GET('/api/access-profiles/{id}/versions/{version}', {
        params: { path: { id: ids.profile!, version: ids.version! } },
      }),
    );
    await step('listAccessProfileAuditLogsById', 200, ['profile'], () =>
      c.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id: ids.profile! }, query: { limit: 5 } } }),
    );
    await step('listAccessProfileAuditLogs', 200, [], () =>
      c.GET('/api/access-profiles/audit-logs', { params: { query: { limit: 5 } } }),
    );
    await step('listRoles', 200, [], () => c.GET('/api/roles'));
    ids.user = first(
      (await step('listUsers', 200, [], () => c.GET('/api/users', { params: { query: { limit: 1 } } })))?.users,
    )?.id;
    await step('getUser', 200, ['user'], () =>
      c.GET('/api/users/{user_id}', { params: { path: { user_id: ids.user! } } }),
    );
    const held = await step('listUserAccessProfiles', 200, ['user'], () =>
      c.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: ids.user! } } }),
    );
    ids.copyProfile = first(held?.access_profiles)?.parent_profile_id;
    await step('getUserAccessProfile', 200, ['user', 'copyProfile'], () =>
      c.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
        params: { path: { user_id: ids.user!, profile_id: ids.copyProfile! } },
      }),
    );
  }

  async function lifeCycle(): Promise<void> {
    ids.apiKey = (
      await step('createApiKey', 201, [], () =>
        c.POST('/api/api-keys', { body: { name: `${prefix} key`, scopes: ['AccessProfiles:View'] } }),
      )
    )?.api_key?.id;
    await step('listApiKeys', 200, [], () => c.GET('/api/api-keys', { params: { query: { limit: 10 } } }));
    await step('getApiKey', 200, ['apiKey'], () =>
      c.GET('/api/api-keys/{id}', { params: { path: { id: ids.apiKey! } } }),
    );
    await step('updateApiKey', 200, ['apiKey'], () =>
      c.PUT('/api/api-keys/{id}', { params: { path: { id: ids.apiKey! } }, body: { name: `${prefix} key renamed` } }),
    );

    ids.profile = (
      await step(
        'createAccessProfile',
        201,
        [],
        () =>
          c.POST('/api/access-profiles', {
            body: {
              name: prefix,
              tags: ['contract'],
              provider_configs: [
                {
                  provider_name: 'openai',
                  allowed_models: ['gpt-4o'],
                  budgets: [{ max_limit: 50, reset_duration: '1M' }],
                },
              ],
              budgets: [{ max_limit: 100, reset_duration: '1M' }],
              rate_limit: { request_max_limit: 60, request_reset_duration: '1h' },
            },
          }),
        etagMatches,
      )
    )?.access_profile?.id;
    const p = () => ({ params: { path: { id: ids.profile! } } });
    await step('listAccessProfiles', 200, [], () =>
      c.GET('/api/access-profiles', { params: { query: { search: prefix, limit: 5 } } }),
    );
    await step('getAccessProfile', 200, ['profile'], () => c.GET('/api/access-profiles/{id}', p()), etagMatches);
    await step(
      'updateAccessProfile',
      200,
      ['profile'],
      () => c.PUT('/api/access-profiles/{id}', { ...p(), body: { description: 'Changed by the contract suite' } }),
      etagMatches,
    );
    await step(
      'deactivateAccessProfile',
      200,
      ['profile'],
      () => c.PUT('/api/access-profiles/{id}/deactivate', p()),
      etagMatches,
    );
    await step(
      'activateAccessProfile',
      200,
      ['profile'],
      () => c.PUT('/api/access-profiles/{id}/activate', p()),
      etagMatches,
    );
    ids.version = (
      await step('listAccessProfileVersions', 200, ['profile'], () => c.GET('/api/access-profiles/{id}/versions', p()))
    )?.versions?.at(-1)?.version;
    const v = () => ({ params: { path: { id: ids.profile!, version: ids.version! } } });
    await step('getAccessProfileVersion', 200, ['profile', 'version'], () =>
      c.GET('/api/access-profiles/{id}/versions/{version}', v()),
    );
    await step(
      'restoreAccessProfileVersion',
      200,
      ['profile', 'version'],
      () => c.POST('/api/access-profiles/{id}/versions/{version}/restore', v()),
      etagMatches,
    );
    ids.clone = (
      await step(
        'cloneAccessProfile',
        201,
        ['profile'],
        () => c.POST('/api/access-profiles/{id}/clone', { ...p(), body: { name: `${prefix} clone` } }),
        etagMatches,
      )
    )?.access_profile?.id;
    await step('listAccessProfileAuditLogsById', 200, ['profile'], () =>
      c.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: ids.profile! }, query: { action: 'update' } },
      }),
    );
    await step('listAccessProfileAuditLogs', 200, [], () =>
      c.GET('/api/access-profiles/audit-logs', { params: { query: { limit: 5 } } }),
    );

    ids.role = (
      await step('createRole', 201, [], () => c.POST('/api/roles', { body: { name: `${prefix} role` } }))
    )?.role?.id;
    await step('listRoles', 200, [], () => c.GET('/api/roles'));
    const userId = `${prefix.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}@example.com`;
    const createdUser = await step('createUser', 201, ['role'], () =>
      c.POST('/api/users', { body: { id: userId, name: `${prefix} user`, role_ids: [ids.role!] } }),
    );
    // The mock answers with its example user whatever was sent; its copies belong to that user.
    if (createdUser) ids.user = mock ? 'alice@example.com' : userId;
    const u = () => ({ params: { path: { user_id: ids.user! } } });
    await step('listUsers', 200, ['role'], () => c.GET('/api/users', { params: { query: { role_id: ids.role! } } }));
    await step('getUser', 200, ['user'], () => c.GET('/api/users/{user_id}', u()));
    await step('updateUser', 200, ['user'], () =>
      c.PUT('/api/users/{user_id}', { ...u(), body: { name: `${prefix} user 2` } }),
    );
    await step('attachRolesToAccessProfile', 200, ['profile', 'role'], () =>
      c.POST('/api/access-profiles/{id}/roles', { ...p(), body: { role_ids: [ids.role!], apply_to_existing: true } }),
    );
    const copies = await step(
      'listUserAccessProfiles',
      200,
      ['user'],
      () => c.GET('/api/users/{user_id}/access-profiles', u()),
      (body) => {
        const copy = (body.access_profiles as Json[]).find((x) => mock || x.parent_profile_id === ids.profile);
        return copy
          ? []
          : [
              `body field access_profiles holds no copy of profile ${ids.profile} after attachRolesToAccessProfile with apply_to_existing`,
            ];
      },
    );
    const copy = (copies?.access_profiles as Json[] | undefined)?.find(
      (x) => mock || x.parent_profile_id === ids.profile,
    );
    ids.budget = copy?.budgets?.[0]?.id;
    ids.copyProfile = copy ? (mock ? copy.parent_profile_id : ids.profile) : undefined;
    await step(
      'getUserAccessProfile',
      200,
      ['user', 'copyProfile'],
      () =>
        c.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
          params: { path: { user_id: ids.user!, profile_id: ids.copyProfile! } },
        }),
      (body) =>
        mock || body.access_profile?.parent_profile_id === ids.profile
          ? []
          : [
              `body field access_profile.parent_profile_id is ${body.access_profile?.parent_profile_id}, not ${ids.profile}`,
            ],
    );
    await step('propagateAccessProfile', 200, ['profile'], () =>
      c.POST('/api/access-profiles/{id}/propagate', {
        ...p(),
        body: { fields: ['budgets', 'rate_limit'], dry_run: true },
      }),
    );
    const override = () => ({
      params: { path: { user_id: ids.user!, profile_id: ids.copyProfile!, budget_id: ids.budget! } },
    });
    await step('updateUserAccessProfileBudgetOverride', 200, ['user', 'copyProfile', 'budget'], () =>
      c.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', {
        ...override(),
        body: { override_amount: 25, mode: 'cycles', cycles: 2 },
      }),
    );
    await step('deleteUserAccessProfileBudgetOverride', 200, ['user', 'copyProfile', 'budget'], () =>
      c.DELETE('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', override()),
    );
    ids.vk = (
      await step('createUserVirtualKey', 201, ['user'], () =>
        c.POST('/api/users/{user_id}/virtual-keys', { ...u(), body: { name: `${prefix} vk` } }),
      )
    )?.virtual_key?.id;
    await step('addUserAccessProfileVirtualKey', 200, ['user', 'copyProfile'], () =>
      c.POST('/api/users/{user_id}/access-profiles/{profile_id}/virtual-keys', {
        params: { path: { user_id: ids.user!, profile_id: ids.copyProfile! } },
        body: { name: `${prefix} vendor vk` },
      }),
    );
    await step('deleteUserVirtualKey', 200, ['user', 'vk'], () =>
      c.DELETE('/api/users/{user_id}/virtual-keys/{vk_id}', {
        params: { path: { user_id: ids.user!, vk_id: ids.vk! } },
      }),
    );
    await step('detachUserAccessProfile', 200, ['user', 'copyProfile'], () =>
      c.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
        params: { path: { user_id: ids.user!, profile_id: ids.copyProfile! } },
      }),
    );
    await step('detachRoleFromAccessProfile', 200, ['profile', 'role'], () =>
      c.DELETE('/api/access-profiles/{id}/roles/{role_id}', {
        params: { path: { id: ids.profile!, role_id: ids.role! } },
      }),
    );
    if (await step('deleteUser', 200, ['user'], () => c.DELETE('/api/users/{user_id}', u()))) deleted.add('user');
    if (
      await step('deleteRole', 200, ['role'], () =>
        c.DELETE('/api/roles/{role_id}', { params: { path: { role_id: ids.role! } } }),
      )
    )
      deleted.add('role');
    if (
      await step('deleteApiKey', 200, ['apiKey'], () =>
        c.DELETE('/api/api-keys/{id}', { params: { path: { id: ids.apiKey! } } }),
      )
    )
      deleted.add('apiKey');
    if (
      await step('deleteAccessProfile', 200, ['clone'], () =>
        c.DELETE('/api/access-profiles/{id}', { params: { path: { id: ids.clone! } } }),
      )
    )
      deleted.add('clone');
  }

  /** Bad input is refused with 400/422 and the error envelope (or Prism's own problem, when it proxies). */
  async function invalidRequestsRefused(): Promise<void> {
    const started = performance.now();
    const problems: string[] = [];
    const refused = (what: string, r: Result) => {
      const body = r.error as Json | undefined;
      const byPrism = typeof body?.type === 'string' && body.type.startsWith('https://stoplight.io/prism/errors');
      if (![400, 422].includes(r.response.status))
        problems.push(`${what}: status ${r.response.status}, expected 400 or 422`);
      else if (body?.is_bifrost_error !== true && !byPrism)
        problems.push(`${what}: body is not the error envelope: ${JSON.stringify(body)?.slice(0, 200)}`);
    };
    try {
      refused(
        'listAccessProfiles with limit=0',
        await c.GET('/api/access-profiles', { params: { query: { limit: 0 } } }),
      );
      if (!options.readOnly) {
        for (const body of [{ name: 123 }, { name: `${prefix} bad`, colour: 'red' }, { description: 'no name' }]) {
          refused(
            `createAccessProfile with ${JSON.stringify(body)}`,
            await c.POST('/api/access-profiles', { body: body as never }),
          );
        }
      }
    } catch (e) {
      problems.push(`request failed: ${(e as Error).message}`);
    }
    record({
      name: 'invalid requests refused',
      outcome: problems.length ? 'failed' : 'passed',
      problems,
      ms: Math.round(performance.now() - started),
    });
  }

  /** Removes what the run created and is still there; then checks that nothing under the prefix is left. */
  async function cleanup(): Promise<void> {
    const started = performance.now();
    const problems: string[] = [];
    const remove = async (what: string, call: () => Promise<Result>) => {
      try {
        const r = await call();
        if (r.response.status !== 200 && r.response.status !== 404)
          problems.push(`could not remove ${what}: status ${r.response.status}`);
      } catch (e) {
        problems.push(`could not remove ${what}: ${(e as Error).message}`);
      }
    };
    if (ids.user && !deleted.has('user'))
      await remove(`user ${ids.user}`, () =>
        c.DELETE('/api/users/{user_id}', { params: { path: { user_id: ids.user! } } }),
      );
    if (ids.role && !deleted.has('role'))
      await remove(`role ${ids.role}`, () =>
        c.DELETE('/api/roles/{role_id}', { params: { path: { role_id: ids.role! } } }),
      );
    if (ids.apiKey && !deleted.has('apiKey'))
      await remove(`API key ${ids.apiKey}`, () =>
        c.DELETE('/api/api-keys/{id}', { params: { path: { id: ids.apiKey! } } }),
      );
    if (ids.clone && !deleted.has('clone'))
      await remove(`profile ${ids.clone}`, () =>
        c.DELETE('/api/access-profiles/{id}', { params: { path: { id: ids.clone! } } }),
      );
    if (ids.profile)
      await remove(`profile ${ids.profile}`, () =>
        c.DELETE('/api/access-profiles/{id}', { params: { path: { id: ids.profile! } } }),
      );
    try {
      // Anything else under the prefix (say, a profile from an invalid request the target wrongly accepted).
      const stray =
        (await c.GET('/api/access-profiles', { params: { query: { search: prefix, limit: 100 } } })).data
          ?.access_profiles ?? [];
      for (const x of stray.filter((x) => x.name.startsWith(prefix)))
        await remove(`profile ${x.id} (${x.name})`, () =>
          c.DELETE('/api/access-profiles/{id}', { params: { path: { id: x.id } } }),
        );
      const left = await c.GET('/api/access-profiles', { params: { query: { search: prefix, limit: 5 } } });
      const names = left.data?.access_profiles.map((x) => x.name).filter((n) => n.startsWith(prefix)) ?? [];
      if (names.length) problems.push(`profiles left under the prefix: ${names.join(', ')}`);
    } catch (e) {
      problems.push(`could not list what is left: ${(e as Error).message}`);
    }
    record({
      name: 'cleanup',
      outcome: problems.length ? 'failed' : 'passed',
      problems,
      ms: Math.round(performance.now() - started),
    });
  }
}
