// The directory as an administrator uses it day to day: roles with their member counts, users whose
// roles change (only roles just joined bring copies), partial updates of a user, and deleting a user who
// holds several copies and keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { createProfile } from '../support/profiles.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { decoded } from '../support/audit.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const newRole = async (name = uniqueName('role')) => {
  const res = await t.client.POST('/api/roles', { body: { name } });
  expect(res.response.status, JSON.stringify(res.error)).toBe(201);
  return res.data!.role;
};
const newUser = async (body: { id?: string; name?: string; email?: string; role_ids?: number[] } = {}) => {
  const res = await t.client.POST('/api/users', { body: { id: uniqueName('user'), ...body } });
  expect(res.response.status, JSON.stringify(res.error)).toBe(201);
  return res.data!;
};
const attachDefault = (profileId: number, roleId: number) =>
  t.client.POST('/api/access-profiles/{id}/roles', {
    params: { path: { id: profileId } },
    body: { role_ids: [roleId], is_default: true },
  });
const heldTemplates = async (userId: string) =>
  (await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: userId } } }))
    .data!.access_profiles.map((c) => c.parent_profile_id)
    .sort((a, b) => a - b);

describe('roles', () => {
  it('When a role is created without a description, then it has none, and the listing counts its members', async () => {
    await newRole();
    const r = await newRole();
    expect(r).toMatchObject({ description: null, user_count: 0 });
    expect(Date.parse(r.created_at)).not.toBeNaN();
    await newUser({ role_ids: [r.id] });
    await newUser({ role_ids: [r.id] });
    const all = (await t.client.GET('/api/roles', { params: { query: { limit: 500 } } })).data!;
    expect(all.roles.find((x) => x.id === r.id)).toEqual({ ...r, user_count: 2 });
    expect(all.total_count).toBe(all.roles.length);
    const page = (await t.client.GET('/api/roles', { params: { query: { limit: 1, offset: 1 } } })).data!;
    expect(page).toMatchObject({ count: 1, total_count: all.total_count });
    expect(page.roles[0]).toEqual(all.roles[1]);
  });

  it('When a role is attached to two profiles, then deleting it is refused with a message counting both', async () => {
    const r = await newRole();
    for (const p of [await createProfile(t), await createProfile(t)])
      await t.client.POST('/api/access-profiles/{id}/roles', {
        params: { path: { id: p.id } },
        body: { role_ids: [r.id] },
      });
    const res = await t.client.DELETE('/api/roles/{role_id}', { params: { path: { role_id: r.id } } });
    const env = expectEnvelope(res.error, 409, 'role_attached', res.response);
    expect(env.error.message).toContain('attached to 2 access profiles;');
    expect(env.error.param).toBe('role_id');
  });

  it('When a role is attached to one profile, then the message says one profile', async () => {
    const r = await newRole();
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: (await createProfile(t)).id } },
      body: { role_ids: [r.id] },
    });
    const res = await t.client.DELETE('/api/roles/{role_id}', { params: { path: { role_id: r.id } } });
    expect(expectEnvelope(res.error, 409, 'role_attached', res.response).error.message).toContain(
      'attached to 1 access profile;',
    );
  });

  it('When a role name is taken or a role is unknown, then the 409 and 404 say which name or role, and nothing changes', async () => {
    const r = await newRole();
    const before = (await t.client.GET('/api/roles', { params: { query: { limit: 500 } } })).data!.total_count;
    const dup = await t.client.POST('/api/roles', { body: { name: ` ${r.name} ` } });
    expect(expectEnvelope(dup.error, 409, 'role_name_taken', dup.response).error).toMatchObject({
      param: 'name',
      message: `A role named '${r.name}' already exists.`,
    });
    const gone = await t.client.DELETE('/api/roles/{role_id}', { params: { path: { role_id: 987654321 } } });
    expect(expectEnvelope(gone.error, 404, 'role_not_found', gone.response).error).toMatchObject({
      param: 'role_id',
      message: 'Role 987654321 was not found.',
    });
    expect((await t.client.GET('/api/roles', { params: { query: { limit: 500 } } })).data!.total_count).toBe(before);
  });

  it('When a role name is only white space, then it answers 400 naming name', async () => {
    const res = await t.client.POST('/api/roles', { body: { name: '  ' } });
    expect(expectEnvelope(res.error, 400, 'validation_failed', res.response).error.param).toBe('name');
  });
});

describe('users and their roles', () => {
  it('When a user is created with roles in any order, then the answer, the read and the listing give them in ascending order', async () => {
    const a = await newRole();
    const b = await newRole();
    const { user } = await newUser({ role_ids: [b.id, a.id] });
    expect(user.role_ids).toEqual([a.id, b.id]);
    expect(
      (await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: user.id } } })).data!.user.role_ids,
    ).toEqual([a.id, b.id]);
    const listed = (await t.client.GET('/api/users', { params: { query: { role_id: b.id } } })).data!;
    expect(listed.users).toEqual([user]);
  });

  it("When a user's roles are replaced by roles given in descending order, then the answer and the read give them ascending", async () => {
    const a = await newRole();
    const b = await newRole();
    const c = await newRole();
    const { user } = await newUser({ role_ids: [a.id] });
    const res = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: user.id } },
      body: { role_ids: [c.id, a.id, b.id] },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.user.role_ids).toEqual([a.id, b.id, c.id]);
    expect(
      (await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: user.id } } })).data!.user.role_ids,
    ).toEqual([a.id, b.id, c.id]);
  });

  it('When a user id is taken, then it answers 409 user_exists naming id and that id, and the user is unchanged', async () => {
    const { user } = await newUser({ name: 'First' });
    const res = await t.client.POST('/api/users', { body: { id: user.id, name: 'Second' } });
    expect(expectEnvelope(res.error, 409, 'user_exists', res.response).error).toMatchObject({
      param: 'id',
      message: `A user with id '${user.id}' already exists.`,
    });
    expect(
      (await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: user.id } } })).data!.user.name,
    ).toBe('First');
  });

  it('When the second of two roles does not exist, then it answers 400 naming role_ids[1] with the unknown id', async () => {
    const a = await newRole();
    const res = await t.client.POST('/api/users', { body: { id: uniqueName('user'), role_ids: [a.id, 987654] } });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toEqual([{ param: 'role_ids[1]', message: 'role 987654 does not exist' }]);
    const upd = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: (await newUser()).user.id } },
      body: { role_ids: [987655, a.id] },
    });
    expect(expectEnvelope(upd.error, 400, 'validation_failed', upd.response).error.details).toEqual([
      { param: 'role_ids[0]', message: 'role 987655 does not exist' },
    ]);
  });

  it("When a user's roles change, then only the defaults of roles just joined are provisioned, and a template already held is not provisioned again", async () => {
    const stay = await newRole();
    const join = await newRole();
    const sameDefault = await newRole();
    const pStay = await createProfile(t);
    const pJoin = await createProfile(t);
    expect((await attachDefault(pStay.id, stay.id)).response.status).toBe(200);
    await attachDefault(pJoin.id, join.id);
    await attachDefault(pStay.id, sameDefault.id);
    const { user, provisioned_profile_ids } = await newUser({ role_ids: [stay.id] });
    expect(provisioned_profile_ids).toEqual([pStay.id]);
    const res = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: user.id } },
      body: { role_ids: [stay.id, join.id, sameDefault.id] },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.provisioned_profile_ids).toEqual([pJoin.id]);
    expect(res.data!.user.role_ids).toEqual([stay.id, join.id, sameDefault.id]);
    expect(await heldTemplates(user.id)).toEqual([pStay.id, pJoin.id].sort((a, b) => a - b));
    // Leaving a role keeps the copy; rejoining provisions nothing new.
    const left = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: user.id } },
      body: { role_ids: [stay.id] },
    });
    expect(left.data).toMatchObject({ user: { role_ids: [stay.id] }, provisioned_profile_ids: [] });
    const back = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: user.id } },
      body: { role_ids: [stay.id, join.id] },
    });
    expect(back.data!.provisioned_profile_ids).toEqual([]);
  });

  it('When only the email is updated, then name and roles stay and updated_at moves; null clears the email', async () => {
    const r = await newRole();
    const { user } = await newUser({ name: 'Grace', email: 'grace@example.com', role_ids: [r.id] });
    await new Promise((res) => setTimeout(res, 5));
    const res = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: user.id } },
      body: { email: 'hopper@example.com' },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data).toMatchObject({
      user: { id: user.id, name: 'Grace', email: 'hopper@example.com', role_ids: [r.id], created_at: user.created_at },
      provisioned_profile_ids: [],
    });
    expect(Date.parse(res.data!.user.updated_at)).toBeGreaterThan(Date.parse(user.updated_at));
    const cleared = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: user.id } },
      body: { email: null, name: '  Grace H.  ' },
    });
    expect(cleared.data!.user).toMatchObject({ name: 'Grace H.', email: null, role_ids: [r.id] });
    const got = (await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: user.id } } })).data!.user;
    expect(got).toEqual(cleared.data!.user);
  });

  it('When a user that does not exist is read, updated or deleted, then it answers 404 user_not_found', async () => {
    const path = { params: { path: { user_id: 'no-such-user' } } };
    expectEnvelope((await t.client.GET('/api/users/{user_id}', path)).error, 404, 'user_not_found');
    expectEnvelope(
      (await t.client.PUT('/api/users/{user_id}', { ...path, body: { name: 'x' } })).error,
      404,
      'user_not_found',
    );
    expectEnvelope((await t.client.DELETE('/api/users/{user_id}', path)).error, 404, 'user_not_found');
  });

  it('When users are listed without a role filter, then each shows its own roles and the total counts them all', async () => {
    const r = await newRole();
    const { user } = await newUser({ role_ids: [r.id], name: 'Listed' });
    const all = (await t.client.GET('/api/users', { params: { query: { limit: 500 } } })).data!;
    expect(all.users.find((u) => u.id === user.id)).toEqual(user);
    expect(all.total_count).toBe(all.users.length);
    expect(all.users.some((u) => u.role_ids.length === 0)).toBe(true);
  });
});

describe('how a copy came to be, in the audit', () => {
  it('When a user receives a copy by joining a role, then the assign_user entry names the copy, the template version and its key, and the role', async () => {
    const r = await newRole();
    const p = await createProfile(t);
    await attachDefault(p.id, r.id);
    const { user } = await newUser({ role_ids: [r.id] });
    const copy = (
      await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
        params: { path: { user_id: user.id, profile_id: p.id } },
      })
    ).data!.access_profile;
    const audit = (
      await t.client.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: p.id }, query: { action: 'assign_user', user_id: user.id } },
      })
    ).data!.audit_logs.map(decoded);
    expect(audit).toEqual([
      expect.objectContaining({
        user_id: user.id,
        previous_values: null,
        new_values: {
          user_access_profile_id: copy.id,
          parent_version: copy.parent_version,
          virtual_key_id: copy.virtual_key_ids[0],
        },
        metadata: expect.objectContaining({ via: 'role_default', role_ids: [r.id] }),
      }),
    ]);
    expect(copy.parent_version).toBe(2);
  });

  it('When members receive copies through attach with apply_to_existing, then their entries say so', async () => {
    const r = await newRole();
    const { user } = await newUser({ role_ids: [r.id] });
    const p = await createProfile(t);
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: p.id } },
      body: { role_ids: [r.id], apply_to_existing: true },
    });
    const audit = (
      await t.client.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: p.id }, query: { action: 'assign_user', user_id: user.id } },
      })
    ).data!.audit_logs.map(decoded);
    expect(audit).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ via: 'attach_role' }) })]);
  });
});

describe('deleting a user', () => {
  it('When a user holding two copies and three keys is deleted, then the answer counts them and both copies are audited', async () => {
    const r = await newRole();
    const p1 = await createProfile(t);
    const p2 = await createProfile(t);
    await attachDefault(p1.id, r.id);
    const other = await newRole();
    await attachDefault(p2.id, other.id);
    const { user } = await newUser({ role_ids: [r.id, other.id] });
    const extra = await t.client.POST('/api/users/{user_id}/virtual-keys', {
      params: { path: { user_id: user.id } },
      body: { name: 'extra' },
    });
    expect(extra.response.status).toBe(201);
    const res = await t.client.DELETE('/api/users/{user_id}', { params: { path: { user_id: user.id } } });
    expect(res.response.status).toBe(200);
    expect(res.data!.message).toBe(`User '${user.id}' deleted with 2 access profile copies and 3 virtual keys.`);
    for (const p of [p1, p2]) {
      const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: p.id }, query: { action: 'unassign_user', user_id: user.id } },
      });
      expect(audit.data!.total_count).toBe(1);
    }
    expectEnvelope(
      (await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: user.id } } })).error,
      404,
      'user_not_found',
    );
  });
});
