// Factories for tests of templates and users' copies: create and update through the typed client, and
// simulate the gateway's counters (usage, window starts) by editing the stored content directly.
import { expect } from 'vitest';
import type { components } from '../../client/index.js';
import { uniqueName, type TestServer } from './server.js';

type S = components['schemas'];
export type Profile = S['AccessProfile'];
export type UserCopy = S['UserAccessProfile'];

/** A long-past window start: a kept window shows it, a restarted one does not. */
export const OLD_WINDOW = '2020-01-01T00:00:00.000Z';

export async function createProfile(t: TestServer, body: Partial<S['AccessProfileCreate']> = {}): Promise<Profile> {
  const res = await t.client.POST('/api/access-profiles', { body: { name: uniqueName('ap'), ...body } });
  expect(res.response.status, JSON.stringify(res.error)).toBe(201);
  return res.data!.access_profile;
}

export const updateProfile = (t: TestServer, id: number, body: S['AccessProfileUpdate']) =>
  t.client.PUT('/api/access-profiles/{id}', { params: { path: { id } }, body });

/** Simulates gateway usage on a template: edits its stored content JSON. */
export async function editStoredProfile(t: TestServer, id: number, edit: (content: Profile) => void): Promise<void> {
  const row = await t.db.get<{ content: string }>('SELECT content FROM access_profiles WHERE id = ?', [id]);
  const content = JSON.parse(row!.content) as Profile;
  edit(content);
  await t.db.run('UPDATE access_profiles SET content = ? WHERE id = ?', [JSON.stringify(content), id]);
}

/** Simulates gateway usage on a user's copy: edits its stored content JSON. */
export async function editStoredCopy(
  t: TestServer,
  userId: string,
  profileId: number,
  edit: (content: UserCopy) => void,
): Promise<void> {
  const row = await t.db.get<{ id: number; content: string }>(
    'SELECT id, content FROM user_access_profiles WHERE user_id = ? AND parent_profile_id = ?',
    [userId, profileId],
  );
  const content = JSON.parse(row!.content) as UserCopy;
  edit(content);
  await t.db.run('UPDATE user_access_profiles SET content = ? WHERE id = ?', [JSON.stringify(content), row!.id]);
}

/** `count` users in a new role attached to the template with apply_to_existing: each holds a copy. */
export async function usersHoldingCopies(t: TestServer, profileId: number, count = 1): Promise<string[]> {
  const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('role') } })).data!.role;
  const users = Array.from({ length: count }, (_, i) => uniqueName(`user${i}`));
  for (const id of users)
    expect((await t.client.POST('/api/users', { body: { id, role_ids: [role.id] } })).response.status).toBe(201);
  const attached = await t.client.POST('/api/access-profiles/{id}/roles', {
    params: { path: { id: profileId } },
    body: { role_ids: [role.id], apply_to_existing: true },
  });
  expect(attached.data?.users_applied, JSON.stringify(attached.error)).toBe(count);
  return users;
}

/** The user's copy of the template, as served. */
export async function copyOf(t: TestServer, userId: string, profileId: number): Promise<UserCopy> {
  const res = await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: userId } } });
  const copy = res.data!.access_profiles.find((c) => c.parent_profile_id === profileId);
  expect(copy, `${userId} holds no copy of ${profileId}`).toBeDefined();
  return copy!;
}

export const propagate = (t: TestServer, id: number, body: S['PropagateRequest']) =>
  t.client.POST('/api/access-profiles/{id}/propagate', { params: { path: { id } }, body });

/** Asserts `at` lies between `before` and `after` (a window started during the call). */
export function expectStartedDuring(at: string | null | undefined, before: number, after: number): void {
  const t = Date.parse(at ?? '');
  expect(
    t,
    `${at} not in [${new Date(before).toISOString()}, ${new Date(after).toISOString()}]`,
  ).toBeGreaterThanOrEqual(before);
  expect(t).toBeLessThanOrEqual(after);
}
