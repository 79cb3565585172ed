// Seeds a store from the spec's named request examples, through the API, so the sandbox shows what
// the docs show: the example profiles, the example role and user, and the example attachment.
import { readFileSync } from 'node:fs';
import { unwrap, type AccessProfilesClient, type components } from '../client/index.js';

type S = components['schemas'];
type Json = Record<string, any>;

function examplesOf(doc: Json, path: string, method: string): Record<string, Json> {
  const examples = doc.paths[path][method].requestBody.content['application/json'].examples as Record<string, Json>;
  const deref = (e: Json): Json => (e.$ref ? e.$ref.split('/').slice(1).reduce((a: Json, k: string) => a[k], doc) : e);
  return Object.fromEntries(Object.entries(examples).map(([name, e]) => [name, deref(e).value as Json]));
}

export interface SeedSummary { profiles: string[]; roles: string[]; users: string[]; usersApplied: number }

export async function seedFromExamples(api: AccessProfilesClient, specPath = new URL('../generated/openapi.json', import.meta.url)): Promise<SeedSummary> {
  const doc = JSON.parse(readFileSync(specPath, 'utf8')) as Json;
  const summary: SeedSummary = { profiles: [], roles: [], users: [], usersApplied: 0 };
  const profileIds: number[] = [];
  for (const body of Object.values(examplesOf(doc, '/api/access-profiles', 'post'))) {
    const created = unwrap(await api.POST('/api/access-profiles', { body: body as S['AccessProfileCreate'] }));
    profileIds.push(created.access_profile.id);
    summary.profiles.push(created.access_profile.name);
  }
  // Example ids (role 3, ...) are the docs'; map them to the ids this store hands out.
  const roleIds = new Map<number, number>();
  for (const body of Object.values(examplesOf(doc, '/api/roles', 'post'))) {
    const created = unwrap(await api.POST('/api/roles', { body: body as S['RoleCreate'] })).role;
    roleIds.set(3, created.id);
    summary.roles.push(created.name);
  }
  const mapRoles = (ids: number[] = []) => ids.map((id) => roleIds.get(id) ?? [...roleIds.values()][0]!).filter((x) => x !== undefined);
  for (const body of Object.values(examplesOf(doc, '/api/access-profiles/{id}/roles', 'post'))) {
    const result = unwrap(await api.POST('/api/access-profiles/{id}/roles', { params: { path: { id: profileIds[0]! } }, body: { ...(body as S['RoleAttachRequest']), role_ids: mapRoles(body.role_ids) } }));
    summary.usersApplied += result.users_applied;
  }
  for (const body of Object.values(examplesOf(doc, '/api/users', 'post'))) {
    const created = unwrap(await api.POST('/api/users', { body: { ...(body as S['UserCreate']), role_ids: mapRoles(body.role_ids) } }));
    summary.users.push(created.user.id);
  }
  return summary;
}
