// One contract suite for any target: the Prism mock, the server, or the server behind a Prism proxy.
// It calls every operation of the spec through the typed client in a life-cycle order (each step
// takes the ids the previous ones returned, so it arranges its own data on a real server), checks
// each status and validates each body against the spec's response schema.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccessProfilesClient, type AccessProfilesClient } from '../../client/index.js';

export interface ContractTarget {
  kind: 'mock' | 'server';
  baseUrl: string;
  apiKey: string;
  /** Behind `prism proxy`, Prism itself refuses invalid requests (its own 422) before the server sees them. */
  viaProxy?: boolean;
}

type Json = Record<string, any>;
const doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')) as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ ...doc, $id: 'doc' });

const operationOf = new Map<string, { path: string; method: string; op: Json }>();
for (const [path, item] of Object.entries(doc.paths as Json)) {
  for (const method of ['get', 'post', 'put', 'delete']) if (item[method]) operationOf.set(item[method].operationId, { path, method, op: item[method] });
}
const deref = (o: Json): Json => (o?.$ref ? deref(o.$ref.split('/').slice(1).reduce((a: Json, k: string) => a[k], doc)) : o);

function bodyProblems(operationId: string, status: number, body: unknown): string | null {
  const response = deref(operationOf.get(operationId)!.op.responses[String(status)]);
  if (!response) return `status ${status} is not documented for ${operationId}`;
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return null;
  const validate = schema.$ref ? ajv.getSchema(`doc${schema.$ref}`)! : ajv.compile(schema);
  return validate(body) ? null : ajv.errorsText(validate.errors);
}

type Result = { data?: unknown; error?: unknown; response: Response };

export function contractSuite(name: string, target: () => ContractTarget): void {
  describe(`contract: ${name}`, () => {
    const called = new Set<string>();
    let client: AccessProfilesClient;
    const ids = { profile: 0, clone: 0, role: 0, user: `contract-${Date.now()}@example.com`, budget: '', vk: '', apiKey: '', version: 1 };
    const unique = `Contract ${Date.now()}`;

    const check = async (operationId: string, expected: number, call: Promise<Result>) => {
      const r = await call;
      called.add(operationId);
      const body = r.data ?? r.error;
      expect(r.response.status, `${operationId}: ${JSON.stringify(body)?.slice(0, 500)}`).toBe(expected);
      expect(bodyProblems(operationId, r.response.status, body), operationId).toBeNull();
      expect(r.response.headers.get('x-request-id'), `${operationId} X-Request-Id`).toBeTruthy();
      return body as any;
    };

    it('When every operation is called in a life-cycle order, then each answers its documented status and shape', async () => {
      const t = target();
      client = createAccessProfilesClient({ baseUrl: t.baseUrl, apiKey: t.apiKey, requestId: () => `contract-${Math.random().toString(36).slice(2)}` });
      const c = client;
      const p = () => ({ params: { path: { id: ids.profile } } });

      await check('getHealth', 200, c.GET('/health'));
      ids.apiKey = (await check('createApiKey', 201, c.POST('/api/api-keys', { body: { name: `${unique} ci`, scopes: ['AccessProfiles:View'] } }))).api_key.id;
      await check('listApiKeys', 200, c.GET('/api/api-keys', { params: { query: { limit: 10 } } }));
      await check('getApiKey', 200, c.GET('/api/api-keys/{id}', { params: { path: { id: ids.apiKey } } }));
      await check('updateApiKey', 200, c.PUT('/api/api-keys/{id}', { params: { path: { id: ids.apiKey } }, body: { name: `${unique} ci renamed` } }));

      const created = await check('createAccessProfile', 201, c.POST('/api/access-profiles', { body: {
        name: unique, tags: ['contract'],
        provider_configs: [{ provider_name: 'openai', allowed_models: ['gpt-4o'], budgets: [{ max_limit: 50, reset_duration: '1M' }] }],
        budgets: [{ max_limit: 100, reset_duration: '1M' }],
        rate_limit: { request_max_limit: 60, request_reset_duration: '1h' },
      } }));
      ids.profile = created.access_profile.id;
      await check('listAccessProfiles', 200, c.GET('/api/access-profiles', { params: { query: { tags: 'contract', limit: 5 } } }));
      await check('getAccessProfile', 200, c.GET('/api/access-profiles/{id}', p()));
      await check('updateAccessProfile', 200, c.PUT('/api/access-profiles/{id}', { ...p(), body: { description: 'Changed by the contract suite' } }));
      await check('deactivateAccessProfile', 200, c.PUT('/api/access-profiles/{id}/deactivate', p()));
      await check('activateAccessProfile', 200, c.PUT('/api/access-profiles/{id}/activate', p()));
      const versions = await check('listAccessProfileVersions', 200, c.GET('/api/access-profiles/{id}/versions', p()));
      ids.version = versions.versions.at(-1).version;
      await check('getAccessProfileVersion', 200, c.GET('/api/access-profiles/{id}/versions/{version}', { params: { path: { id: ids.profile, version: ids.version } } }));
      await check('restoreAccessProfileVersion', 200, c.POST('/api/access-profiles/{id}/versions/{version}/restore', { params: { path: { id: ids.profile, version: ids.version } } }));
      ids.clone = (await check('cloneAccessProfile', 201, c.POST('/api/access-profiles/{id}/clone', { ...p(), body: { name: `${unique} clone` } }))).access_profile.id;
      await check('listAccessProfileAuditLogs', 200, c.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id: ids.profile }, query: { action: 'update' } } }));
      await check('listAuditLogs', 200, c.GET('/api/access-profiles/audit-logs', { params: { query: { limit: 5 } } }));

      ids.role = (await check('createRole', 201, c.POST('/api/roles', { body: { name: `${unique} role` } }))).role.id;
      await check('listRoles', 200, c.GET('/api/roles'));
      await check('createUser', 201, c.POST('/api/users', { body: { id: ids.user, name: 'Contract User', role_ids: [ids.role] } }));
      if (t.kind === 'mock') ids.user = 'alice@example.com';
      await check('listUsers', 200, c.GET('/api/users', { params: { query: { role_id: ids.role } } }));
      await check('getUser', 200, c.GET('/api/users/{user_id}', { params: { path: { user_id: ids.user } } }));
      await check('updateUser', 200, c.PUT('/api/users/{user_id}', { params: { path: { user_id: ids.user } }, body: { name: 'Contract User 2' } }));
      await check('attachAccessProfileRoles', 200, c.POST('/api/access-profiles/{id}/roles', { ...p(), body: { role_ids: [ids.role], apply_to_existing: true } }));
      const copies = await check('listUserAccessProfiles', 200, c.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: ids.user } } }));
      const copy = copies.access_profiles.find((x: Json) => t.kind === 'mock' || x.parent_profile_id === ids.profile);
      expect(copy, 'the user holds a copy after apply_to_existing').toBeTruthy();
      ids.budget = copy.budgets[0].id;
      const profileId = t.kind === 'mock' ? copy.parent_profile_id : ids.profile;
      await check('propagateAccessProfile', 200, c.POST('/api/access-profiles/{id}/propagate', { ...p(), body: { fields: ['budgets', 'rate_limit'], dry_run: true } }));
      const override = { params: { path: { user_id: ids.user, profile_id: profileId, budget_id: ids.budget } } };
      await check('setBudgetOverride', 200, c.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', { ...override, body: { override_amount: 25, mode: 'cycles', cycles: 2 } }));
      await check('removeBudgetOverride', 200, c.DELETE('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', override));
      ids.vk = (await check('createUserVirtualKey', 201, c.POST('/api/users/{user_id}/virtual-keys', { params: { path: { user_id: ids.user } }, body: { name: `${unique} key` } }))).virtual_key.id;
      await check('deleteUserVirtualKey', 200, c.DELETE('/api/users/{user_id}/virtual-keys/{vk_id}', { params: { path: { user_id: ids.user, vk_id: ids.vk } } }));
      await check('detachUserAccessProfile', 200, c.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', { params: { path: { user_id: ids.user, profile_id: profileId } } }));
      await check('detachAccessProfileRole', 200, c.DELETE('/api/access-profiles/{id}/roles/{role_id}', { params: { path: { id: ids.profile, role_id: ids.role } } }));
      await check('deleteUser', 200, c.DELETE('/api/users/{user_id}', { params: { path: { user_id: ids.user } } }));
      await check('deleteRole', 200, c.DELETE('/api/roles/{role_id}', { params: { path: { role_id: ids.role } } }));
      await check('deleteApiKey', 200, c.DELETE('/api/api-keys/{id}', { params: { path: { id: ids.apiKey } } }));
      await check('deleteAccessProfile', 200, c.DELETE('/api/access-profiles/{id}', { params: { path: { id: ids.clone } } }));
    });

    it('When a request has a wrong type, an unknown field or misses a required field, then it is refused with the error envelope', async (ctx) => {
      const t = target();
      if (t.viaProxy) ctx.skip();
      const c = createAccessProfilesClient({ baseUrl: t.baseUrl, apiKey: t.apiKey });
      const bad: unknown[] = [{ name: 123 }, { name: 'x', version: 3 }, { description: 'no name' }];
      for (const body of bad) {
        const r = await c.POST('/api/access-profiles', { body: body as never });
        expect([400, 422], JSON.stringify(body)).toContain(r.response.status);
        expect((r.error as Json)?.is_bifrost_error, JSON.stringify(r.error)).toBe(true);
      }
      const r = await c.GET('/api/access-profiles', { params: { query: { limit: 0 } } });
      expect([400, 422]).toContain(r.response.status);
    });

    afterAll(() => {
      const missing = [...operationOf.keys()].filter((id) => !called.has(id));
      expect(missing, 'operations the contract suite did not call').toEqual([]);
    });
  });
}
