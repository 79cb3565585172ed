// Roles and users of the built-in directory, and default profiles reaching users who join a role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const role = async (name = uniqueName('role')) => (await t.client.POST('/api/roles', { body: { name } })).data!.role;
const template = async () =>
  (
    await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName('tpl'), budgets: [{ max_limit: 100, reset_duration: '1M' }] },
    })
  ).data!.access_profile;

describe('roles', () => {
  it('When a role is created and listed, then it appears with a member count, and its name is unique ignoring case', async () => {
    const name = uniqueName('Engineers');
    const created = await t.client.POST('/api/roles', { body: { name, description: 'Software engineers' } });
    expect(created.response.status).toBe(201);
    expect(created.data!.role).toMatchObject({ name, description: 'Software engineers', user_count: 0 });
    const clash = await t.client.POST('/api/roles', { body: { name: name.toUpperCase() } });
    expectEnvelope(clash.error, 409, 'role_name_taken');
    const list = await t.client.GET('/api/roles', { params: { query: { limit: 500 } } });
    expect(list.data!.roles.map((r) => r.id)).toContain(created.data!.role.id);
  });

  it('When a role is attached to a profile, then deleting it is refused with 409 role_attached; detached, it can be deleted', async () => {
    const r = await role();
    const p = await template();
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: p.id } },
      body: { role_ids: [r.id] },
    });
    expectEnvelope(
      (await t.client.DELETE('/api/roles/{role_id}', { params: { path: { role_id: r.id } } })).error,
      409,
      'role_attached',
    );
    await t.client.DELETE('/api/access-profiles/{id}/roles/{role_id}', {
      params: { path: { id: p.id, role_id: r.id } },
    });
    expect(
      (await t.client.DELETE('/api/roles/{role_id}', { params: { path: { role_id: r.id } } })).response.status,
    ).toBe(200);
    expectEnvelope(
      (await t.client.DELETE('/api/roles/{role_id}', { params: { path: { role_id: r.id } } })).error,
      404,
      'role_not_found',
    );
  });

  it('When a role body is bad, then it answers 400 naming the field', async () => {
    const res = await t.client.POST('/api/roles', { body: { name: '', extra: 1 } as never });
    const env = expectEnvelope(res.error, 400, 'validation_failed');
    expect(env.error.details.map((d) => d.param)).toEqual(expect.arrayContaining(['name', 'extra']));
  });
});

describe('users', () => {
  it('When a user is created with roles, then get, list (filtered by role) and update show them; the id is unique', async () => {
    const r = await role();
    const id = `${uniqueName('user')}@example.com`;
    const created = await t.client.POST('/api/users', {
      body: { id, name: 'Ada', email: 'ada@example.com', role_ids: [r.id] },
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ user: { id, name: 'Ada', role_ids: [r.id] }, provisioned_profile_ids: [] });
    expectEnvelope((await t.client.POST('/api/users', { body: { id } })).error, 409, 'user_exists');
    const members = await t.client.GET('/api/users', { params: { query: { role_id: r.id } } });
    expect(members.data).toMatchObject({ count: 1, total_count: 1 });
    const updated = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: id } },
      body: { name: null, role_ids: [] },
    });
    expect(updated.data!.user).toMatchObject({ name: null, role_ids: [] });
    const got = await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: id } } });
    expect(got.data!.user).toMatchObject({ id, name: null, email: 'ada@example.com', role_ids: [] });
  });

  it('When a user names a role that does not exist, then it answers 400 naming role_ids[i] and creates nothing', async () => {
    const id = uniqueName('ghost');
    const res = await t.client.POST('/api/users', { body: { id, role_ids: [999999] } });
    const env = expectEnvelope(res.error, 400, 'validation_failed');
    expect(env.error.details[0]!.param).toBe('role_ids[0]');
    expectEnvelope(
      (await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: id } } })).error,
      404,
      'user_not_found',
    );
  });

  it('When a user joins a role with a default profile (on create or update), then they get a copy and a virtual key', async () => {
    const r = await role();
    const p = await template();
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: p.id } },
      body: { role_ids: [r.id], is_default: true },
    });
    const joiner = uniqueName('joiner');
    const created = await t.client.POST('/api/users', { body: { id: joiner, role_ids: [r.id] } });
    expect(created.data!.provisioned_profile_ids).toEqual([p.id]);
    const later = uniqueName('later');
    await t.client.POST('/api/users', { body: { id: later } });
    const updated = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: later } },
      body: { role_ids: [r.id] },
    });
    expect(updated.data!.provisioned_profile_ids).toEqual([p.id]);
    const copies = await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: later } } });
    expect(copies.data!.access_profiles).toHaveLength(1);
    expect(copies.data!.access_profiles[0]).toMatchObject({ parent_profile_id: p.id, user_id: later, is_active: true });
    expect(copies.data!.access_profiles[0]!.virtual_key_ids).toHaveLength(1);
    expect(Object.values(copies.data!.access_profiles[0]!.virtual_key_values)[0]).toMatch(/^sk-bf-.{6}…$/);
  });

  it('When a user is deleted, then their copies and keys go too, each removal audited, and the template can be deleted', async () => {
    const r = await role();
    const p = await template();
    const id = uniqueName('leaver');
    await t.client.POST('/api/users', { body: { id, role_ids: [r.id] } });
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: p.id } },
      body: { role_ids: [r.id], apply_to_existing: true },
    });
    expectEnvelope(
      (await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).error,
      409,
      'access_profile_in_use',
    );
    const deleted = await t.client.DELETE('/api/users/{user_id}', { params: { path: { user_id: id } } });
    expect(deleted.data!.message).toContain('1 access profile copy and 1 virtual key');
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { action: 'unassign_user', user_id: id } },
    });
    expect(audit.data!.total_count).toBe(1);
    await t.client.DELETE('/api/access-profiles/{id}/roles/{role_id}', {
      params: { path: { id: p.id, role_id: r.id } },
    });
    expect(
      (await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).response.status,
    ).toBe(200);
  });
});
