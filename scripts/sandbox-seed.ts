// The sandbox's seed: what the docs show (the spec's response examples: profiles 12 and 13, roles 3 and
// 4, their attachments, user alice@example.com), or a seed file of the user's in the same form. It is
// created through the API, so every rule applies; the store is told the next id before each profile and
// role, so they get the ids the seed names.
import { readFileSync } from 'node:fs';
import { unwrap, type AccessProfilesClient, type components } from '../client/index.js';
import type { Database } from '../server/store/database.js';

type S = components['schemas'];
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A seed: the file form of `SANDBOX_SEED` (JSON). Profiles are bodies as a GET returns them. */
export interface SandboxSeed {
  profiles: (Partial<S['AccessProfile']> & { id: number; name: string })[];
  roles: { id: number; name: string; description?: string | null }[];
  attachments: { profile_id: number; role_id: number; is_default?: boolean }[];
  users: { id: string; name?: string | null; email?: string | null; role_ids?: number[] }[];
}

export interface SeedSummary {
  profiles: string[];
  roles: string[];
  users: string[];
  usersApplied: number;
}

/** The example value of a response or named example, `$ref`s followed. */
function exampleValue(doc: Json, ref: Json): Json {
  const deref = (e: Json): Json =>
    e.$ref
      ? deref(
          e.$ref
            .split('/')
            .slice(1)
            .reduce((a: Json, k: string) => a[k.replace(/~1/g, '/')], doc),
        )
      : e;
  return deref(ref).value as Json;
}

/** The docs' world, from the spec's response examples. */
export function docsSeed(specPath: URL | string = new URL('../generated/openapi.json', import.meta.url)): SandboxSeed {
  const doc = JSON.parse(readFileSync(specPath, 'utf8')) as Json;
  const examples = doc.components.examples as Record<string, Json>;
  const detail = exampleValue(
    doc,
    doc.paths['/api/access-profiles/{id}'].get.responses['200'].content['application/json'].examples.engineering,
  );
  const roles = exampleValue(
    doc,
    doc.paths['/api/roles'].get.responses['200'].content['application/json'].examples.roles,
  ).roles as Json[];
  const alice = exampleValue(doc, examples.Alice!).user as Json;
  return {
    profiles: [detail.access_profile, exampleValue(doc, examples.NewProfile!).access_profile].map(
      (p: Json) => p as SandboxSeed['profiles'][number],
    ),
    roles: roles.map((r) => ({ id: r.id, name: r.name, description: r.description })),
    attachments: (detail.roles as Json[]).map((a) => ({
      profile_id: a.access_profile_id,
      role_id: a.role_id,
      is_default: a.is_default,
    })),
    users: [{ id: alice.id, name: alice.name, email: alice.email, role_ids: alice.role_ids }],
  };
}

/** A seed file's content, checked enough to name what is wrong. */
export function parseSeed(text: string): SandboxSeed {
  const seed = JSON.parse(text) as Partial<SandboxSeed>;
  if (typeof seed !== 'object' || seed === null || Array.isArray(seed))
    throw new Error('a seed is an object with profiles, roles, attachments and users');
  const problems: string[] = [];
  const list = <K extends keyof SandboxSeed>(key: K): SandboxSeed[K] =>
    (Array.isArray(seed[key]) ? seed[key] : []) as SandboxSeed[K];
  for (const key of ['profiles', 'roles', 'attachments', 'users'] as const)
    if (seed[key] !== undefined && !Array.isArray(seed[key])) problems.push(`${key} must be a list`);
  for (const [i, p] of list('profiles').entries())
    if (!Number.isSafeInteger(p?.id) || typeof p?.name !== 'string')
      problems.push(`profiles[${i}] needs an integer id and a name`);
  for (const [i, r] of list('roles').entries())
    if (!Number.isSafeInteger(r?.id) || typeof r?.name !== 'string')
      problems.push(`roles[${i}] needs an integer id and a name`);
  if (problems.length) throw new Error(problems.join('; '));
  return { profiles: list('profiles'), roles: list('roles'), attachments: list('attachments'), users: list('users') };
}

/** Makes the store hand out `id` next in `table` (ids must be given in increasing order, above any used). */
async function nextIdWillBe(db: Database, table: 'access_profiles' | 'roles', id: number): Promise<void> {
  const above = await db.get<{ id: number }>(`SELECT id FROM ${table} WHERE id >= ? LIMIT 1`, [id]);
  if (above)
    throw new Error(
      `${table} id ${id} cannot be given: id ${above.id} is already in use (seed ids must increase and be unused)`,
    );
  if (db.kind === 'postgres') {
    await db.get(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), ?, false)`, [id]);
    return;
  }
  const { changes } = await db.run('UPDATE sqlite_sequence SET seq = ? WHERE name = ?', [id - 1, table]);
  if (!changes) await db.run('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', [table, id - 1]);
}

/**
 * Creates the seed's roles, profiles (with their ids, a GET body sent as the create body), attachments
 * and users (who then hold copies of their roles' default profiles), and activates profiles the seed
 * shows active.
 */
export async function applySeed(api: AccessProfilesClient, db: Database, seed: SandboxSeed): Promise<SeedSummary> {
  const summary: SeedSummary = { profiles: [], roles: [], users: [], usersApplied: 0 };
  for (const role of [...seed.roles].sort((a, b) => a.id - b.id)) {
    await nextIdWillBe(db, 'roles', role.id);
    const created = unwrap(
      await api.POST('/api/roles', { body: { name: role.name, description: role.description ?? null } }),
    ).role;
    if (created.id !== role.id)
      throw new Error(`role '${role.name}' got id ${created.id}, not ${role.id} (ids must increase and be unused)`);
    summary.roles.push(`${created.id} ${created.name}`);
  }
  for (const profile of [...seed.profiles].sort((a, b) => a.id - b.id)) {
    await nextIdWillBe(db, 'access_profiles', profile.id);
    const { is_active: _active, ...body } = profile;
    const created = unwrap(
      await api.POST('/api/access-profiles', { body: body as S['AccessProfileCreate'] }),
    ).access_profile;
    if (created.id !== profile.id)
      throw new Error(
        `profile '${profile.name}' got id ${created.id}, not ${profile.id} (ids must increase and be unused)`,
      );
    summary.profiles.push(`${created.id} ${created.name}`);
  }
  for (const a of seed.attachments) {
    const result = unwrap(
      await api.POST('/api/access-profiles/{id}/roles', {
        params: { path: { id: a.profile_id } },
        body: { role_ids: [a.role_id], is_default: a.is_default ?? false },
      }),
    );
    summary.usersApplied += result.users_applied;
  }
  for (const profile of seed.profiles) {
    if (profile.is_active)
      unwrap(await api.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: profile.id } } }));
  }
  for (const user of seed.users) {
    const created = unwrap(
      await api.POST('/api/users', {
        body: {
          id: user.id,
          name: user.name ?? null,
          email: user.email ?? null,
          role_ids: user.role_ids ?? [],
        } as S['UserCreate'],
      }),
    ).user;
    summary.users.push(created.id);
  }
  return summary;
}
