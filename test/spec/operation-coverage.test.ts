// The operations this API serves, each with what it is for: every one is in the spec, and the spec has no
// operation this table does not explain (a new one is added here with its purpose).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const OPERATIONS: Record<string, string> = {
  'GET /api/access-profiles': 'list templates (search, tags, is_active, paging)',
  'POST /api/access-profiles': 'create a template',
  'GET /api/access-profiles/{id}': 'one template with its attached roles and user_count',
  'PUT /api/access-profiles/{id}': 'partial update',
  'DELETE /api/access-profiles/{id}': 'delete (409 while copies exist)',
  'PUT /api/access-profiles/{id}/activate': 'activate a template',
  'PUT /api/access-profiles/{id}/deactivate': 'deactivate, copies kept',
  'POST /api/access-profiles/{id}/clone': 'clone',
  'GET /api/access-profiles/{id}/versions': 'history',
  'GET /api/access-profiles/{id}/versions/{version}': 'history',
  'POST /api/access-profiles/{id}/versions/{version}/restore': 'beyond the vendor: restore',
  'GET /api/access-profiles/{id}/audit-logs': 'audit of one profile',
  'GET /api/access-profiles/audit-logs': 'audit of all profiles',
  'GET /api/roles': 'directory',
  'POST /api/roles': 'directory',
  'DELETE /api/roles/{role_id}': 'directory',
  'GET /api/users': 'directory',
  'POST /api/users': 'directory',
  'GET /api/users/{user_id}': 'directory',
  'PUT /api/users/{user_id}': 'directory',
  'DELETE /api/users/{user_id}': 'directory',
  'POST /api/access-profiles/{id}/roles': 'attach roles',
  'DELETE /api/access-profiles/{id}/roles/{role_id}': 'detach role',
  'GET /api/users/{user_id}/access-profiles': "a user's copies",
  'GET /api/users/{user_id}/access-profiles/{profile_id}': "one user's copy",
  'DELETE /api/users/{user_id}/access-profiles/{profile_id}': 'detach copy and its virtual keys',
  'POST /api/access-profiles/{id}/propagate': 'propagation',
  'PUT /api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override': 'budget override',
  'DELETE /api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override': 'remove override',
  'POST /api/users/{user_id}/virtual-keys': 'issue a virtual key',
  'POST /api/users/{user_id}/access-profiles/{profile_id}/virtual-keys':
    "the vendor's deprecated path for issuing a key",
  'DELETE /api/users/{user_id}/virtual-keys/{vk_id}': 'delete a virtual key',
  'GET /api/api-keys': 'management keys',
  'POST /api/api-keys': 'management keys',
  'GET /api/api-keys/{id}': 'management keys',
  'PUT /api/api-keys/{id}': 'management keys',
  'DELETE /api/api-keys/{id}': 'management keys',
  'GET /health': 'liveness and store',
  'GET /livez': 'liveness probe',
  'GET /readyz': 'readiness probe',
};

const doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const inSpec = Object.entries(doc.paths).flatMap(([p, item]) =>
  ['get', 'post', 'put', 'delete', 'patch'].filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${p}`),
);

describe('operations served', () => {
  it('When the spec is compared with the table, then every operation of the table is in the spec', () => {
    expect(Object.keys(OPERATIONS).filter((k) => !inSpec.includes(k))).toEqual([]);
  });
  it('When the spec is compared with the table, then the spec has no unexplained operation', () => {
    expect(inSpec.filter((k) => !(k in OPERATIONS))).toEqual([]);
  });
});
