// Reading one user's copy of a template: the copy with its own usage and masked keys, and the two 404s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

async function userHoldingCopy() {
  const profile = (
    await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName('copy-read'), budgets: [{ max_limit: 100, reset_duration: '1M' }] },
    })
  ).data!.access_profile;
  const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('copy-role') } })).data!.role;
  await t.client.POST('/api/access-profiles/{id}/roles', {
    params: { path: { id: profile.id } },
    body: { role_ids: [role.id], is_default: true },
  });
  const userId = uniqueName('copy-user');
  await t.client.POST('/api/users', { body: { id: userId, role_ids: [role.id] } });
  return { profile, userId };
}

describe('GET /api/users/{user_id}/access-profiles/{profile_id}', () => {
  it('When a user holds a copy, then it returns exactly the copy the list shows', async () => {
    const { profile, userId } = await userHoldingCopy();
    const res = await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: userId, profile_id: profile.id } },
    });
    expect(res.response.status).toBe(200);
    const copy = res.data!.access_profile;
    expect(copy).toMatchObject({ user_id: userId, parent_profile_id: profile.id, name: profile.name });
    expect(copy.budgets.map((b) => [b.max_limit, b.reset_duration])).toEqual([[100, '1M']]);
    expect(copy.virtual_key_ids).toHaveLength(1);
    const listed = (
      await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: userId } } })
    ).data!.access_profiles;
    expect(listed).toEqual([copy]);
  });

  it('When the user holds no copy of that template, or does not exist, then it answers 404 with the code saying which', async () => {
    const { userId } = await userHoldingCopy();
    const other = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('not-held') } })).data!
      .access_profile;
    const none = await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: userId, profile_id: other.id } },
    });
    expect(expectEnvelope(none.error, 404, 'user_access_profile_not_found', none.response).error.param).toBe(
      'profile_id',
    );
    const ghost = await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: 'nobody-here', profile_id: other.id } },
    });
    expectEnvelope(ghost.error, 404, 'user_not_found', ghost.response);
  });

  it('When the key lacks AccessProfiles:View, then it answers 403', async () => {
    const { profile, userId } = await userHoldingCopy();
    const key = (
      await t.client.POST('/api/api-keys', { body: { name: uniqueName('no-view'), scopes: ['Users:View'] } })
    ).data!.api_key.key;
    const res = await t.clientWith(key).GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: userId, profile_id: profile.id } },
    });
    expectEnvelope(res.error, 403, 'missing_permission', res.response);
  });
});
