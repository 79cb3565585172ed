// Attaching a template to roles and detaching it: one default template per role, copies for current
// members only when asked, every attach and detach audited, and the 404s that name what is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { createProfile } from '../support/profiles.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { decoded } from '../support/audit.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const newRole = async () => (await t.client.POST('/api/roles', { body: { name: uniqueName('role') } })).data!.role;
const attach = (profileId: number, body: { role_ids: number[]; is_default?: boolean; apply_to_existing?: boolean }) =>
  t.client.POST('/api/access-profiles/{id}/roles', { params: { path: { id: profileId } }, body });
const detach = (profileId: number, roleId: number) =>
  t.client.DELETE('/api/access-profiles/{id}/roles/{role_id}', {
    params: { path: { id: profileId, role_id: roleId } },
  });
const rolesOf = async (profileId: number) =>
  (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: profileId } } })).data!.roles;
const auditOf = async (profileId: number, action: 'attach_role' | 'detach_role') =>
  (
    await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: profileId }, query: { action } },
    })
  ).data!.audit_logs.map(decoded);

describe('attaching', () => {
  it("When a template is attached without options, then it is no role's default, no member gets a copy, and the audit entry says so", async () => {
    const role = await newRole();
    const member = uniqueName('member');
    await t.client.POST('/api/users', { body: { id: member, role_ids: [role.id] } });
    const p = await createProfile(t);
    const res = await attach(p.id, { role_ids: [role.id] });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data).toEqual({ message: `Access profile ${p.id} attached to 1 role.`, users_applied: 0 });
    expect(await rolesOf(p.id)).toEqual([expect.objectContaining({ role_id: role.id, is_default: false })]);
    const copies = await t.client.GET('/api/users/{user_id}/access-profiles', {
      params: { path: { user_id: member } },
    });
    expect(copies.data!.access_profiles).toEqual([]);
    const [entry] = await auditOf(p.id, 'attach_role');
    expect(entry).toMatchObject({
      previous_values: null,
      new_values: { role_ids: [role.id], is_default: false, apply_to_existing: false },
      metadata: expect.objectContaining({ users_applied: 0 }),
    });
  });

  it("When a second template becomes a role's default, then the first is no longer its default and a new member gets only the second", async () => {
    const role = await newRole();
    const first = await createProfile(t);
    const second = await createProfile(t);
    await attach(first.id, { role_ids: [role.id], is_default: true });
    await attach(second.id, { role_ids: [role.id], is_default: true });
    expect(await rolesOf(first.id)).toEqual([expect.objectContaining({ role_id: role.id, is_default: false })]);
    expect(await rolesOf(second.id)).toEqual([expect.objectContaining({ role_id: role.id, is_default: true })]);
    const joined = await t.client.POST('/api/users', { body: { id: uniqueName('joiner'), role_ids: [role.id] } });
    expect(joined.data!.provisioned_profile_ids).toEqual([second.id]);
  });

  it('When another template is attached to a role without is_default, then the role keeps its default and a new member gets only that one', async () => {
    const role = await newRole();
    const dflt = await createProfile(t);
    const other = await createProfile(t);
    await attach(dflt.id, { role_ids: [role.id], is_default: true });
    const res = await attach(other.id, { role_ids: [role.id] });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(await rolesOf(dflt.id)).toEqual([expect.objectContaining({ role_id: role.id, is_default: true })]);
    expect(await rolesOf(other.id)).toEqual([expect.objectContaining({ role_id: role.id, is_default: false })]);
    const joined = await t.client.POST('/api/users', { body: { id: uniqueName('joiner'), role_ids: [role.id] } });
    expect(joined.data!.provisioned_profile_ids).toEqual([dflt.id]);
  });

  it('When an inactive template is attached, then it becomes active and its activate entry gives the reason', async () => {
    const role = await newRole();
    const p = await createProfile(t);
    expect(p.is_active).toBe(false);
    await attach(p.id, { role_ids: [role.id] });
    expect(
      (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!.access_profile
        .is_active,
    ).toBe(true);
    const entries = (
      await t.client.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: p.id }, query: { action: 'activate' } },
      })
    ).data!.audit_logs.map(decoded);
    expect(entries).toEqual([
      expect.objectContaining({
        previous_values: { is_active: false },
        new_values: { is_active: true },
        metadata: expect.objectContaining({ reason: 'role attached' }),
      }),
    ]);
  });

  it("When members' ids start with digits, capitals or lower case, then apply_to_existing gives every one of them a copy", async () => {
    const role = await newRole();
    const members = [`0-${uniqueName('m')}`, `A-${uniqueName('m')}`, `Z-${uniqueName('m')}`, `a-${uniqueName('m')}`];
    for (const id of members)
      expect((await t.client.POST('/api/users', { body: { id, role_ids: [role.id] } })).response.status).toBe(201);
    const p = await createProfile(t);
    const res = await attach(p.id, { role_ids: [role.id], apply_to_existing: true });
    expect(res.data).toEqual({ message: `Access profile ${p.id} attached to 1 role.`, users_applied: 4 });
    for (const u of members) {
      const copies = (await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: u } } }))
        .data!.access_profiles;
      expect(
        copies.map((c) => c.parent_profile_id),
        u,
      ).toEqual([p.id]);
    }
  });

  it('When a template is attached to two roles with apply_to_existing, then members of both get one copy each, counted once, and the audit entry records it', async () => {
    const a = await newRole();
    const b = await newRole();
    const onlyA = uniqueName('only-a');
    const both = uniqueName('both');
    await t.client.POST('/api/users', { body: { id: onlyA, role_ids: [a.id] } });
    await t.client.POST('/api/users', { body: { id: both, role_ids: [a.id, b.id] } });
    const p = await createProfile(t);
    const res = await attach(p.id, { role_ids: [a.id, b.id], apply_to_existing: true });
    expect(res.data).toEqual({ message: `Access profile ${p.id} attached to 2 roles.`, users_applied: 2 });
    for (const u of [onlyA, both]) {
      const copies = (await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: u } } }))
        .data!.access_profiles;
      expect(copies.map((c) => c.parent_profile_id)).toEqual([p.id]);
    }
    const [entry] = await auditOf(p.id, 'attach_role');
    expect(entry).toMatchObject({
      new_values: { role_ids: [a.id, b.id], is_default: false, apply_to_existing: true },
      metadata: expect.objectContaining({ users_applied: 2 }),
    });
  });

  it('When one or several roles do not exist, then it answers 404 role_not_found naming them, and nothing is attached', async () => {
    const role = await newRole();
    const p = await createProfile(t);
    const before = await storeCounts(t.db);
    const one = await attach(p.id, { role_ids: [role.id, 987001] });
    const env1 = expectEnvelope(one.error, 404, 'role_not_found', one.response);
    expect(env1.error.message).toBe('Role 987001 was not found.');
    expect(env1.error.param).toBe('role_ids');
    const two = await attach(p.id, { role_ids: [987001, role.id, 987002] });
    expect(expectEnvelope(two.error, 404, 'role_not_found', two.response).error.message).toBe(
      'Roles 987001, 987002 were not found.',
    );
    expect(await rolesOf(p.id)).toEqual([]);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the template does not exist, then attaching answers 404 access_profile_not_found', async () => {
    const role = await newRole();
    const res = await attach(987654321, { role_ids: [role.id] });
    expectEnvelope(res.error, 404, 'access_profile_not_found', res.response);
  });
});

describe('detaching', () => {
  it('When a default role is detached, then the role is gone from the template, the audit entry records it was the default, and new members get nothing', async () => {
    const role = await newRole();
    const p = await createProfile(t);
    await attach(p.id, { role_ids: [role.id], is_default: true });
    const res = await detach(p.id, role.id);
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.message).toBe(`Access profile ${p.id} detached from role ${role.id}.`);
    expect(await rolesOf(p.id)).toEqual([]);
    expect(await auditOf(p.id, 'detach_role')).toEqual([
      expect.objectContaining({ previous_values: { role_id: role.id, is_default: true }, new_values: null }),
    ]);
    const joined = await t.client.POST('/api/users', { body: { id: uniqueName('late'), role_ids: [role.id] } });
    expect(joined.data!.provisioned_profile_ids).toEqual([]);
  });

  it('When a role that is not attached is detached, then it answers 404 role_attachment_not_found naming role_id; an unknown template is access_profile_not_found', async () => {
    const role = await newRole();
    const p = await createProfile(t);
    const res = await detach(p.id, role.id);
    expect(expectEnvelope(res.error, 404, 'role_attachment_not_found', res.response).error).toMatchObject({
      param: 'role_id',
      message: `Access profile ${p.id} is not attached to role ${role.id}.`,
    });
    const ghost = await detach(987654321, role.id);
    expectEnvelope(ghost.error, 404, 'access_profile_not_found', ghost.response);
  });
});
