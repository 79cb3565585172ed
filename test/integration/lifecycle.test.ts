// The whole life of a template and its copies: attach a role with apply_to_existing, users hold copies,
// the template changes, a dry run then a real propagation (usage kept), a budget override, virtual
// keys, a fail-closed detach, and finally deleting the template.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { editStoredCopy } from '../support/profiles.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

interface Setup {
  profileId: number;
  roleId: number;
  users: string[];
}

async function setup(memberCount = 3): Promise<Setup> {
  const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('role') } })).data!.role;
  const users = Array.from({ length: memberCount }, (_, i) => `${uniqueName(`u${i}`)}@example.com`);
  for (const id of users) await t.client.POST('/api/users', { body: { id, role_ids: [role.id] } });
  const profile = (
    await t.client.POST('/api/access-profiles', {
      body: {
        name: uniqueName('Engineering'),
        provider_configs: [
          { provider_name: 'openai', allowed_models: ['gpt-4o'], budgets: [{ max_limit: 50, reset_duration: '1M' }] },
        ],
        budgets: [
          { max_limit: 1000, reset_duration: '1M' },
          { max_limit: 40, reset_duration: '1d' },
        ],
        rate_limit: { token_max_limit: 10000, token_reset_duration: '1h' },
        mcp_servers: [{ mcp_server_id: 'github' }],
      },
    })
  ).data!.access_profile;
  return { profileId: profile.id, roleId: role.id, users };
}

const copiesOf = async (userId: string) =>
  (await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: userId } } })).data!
    .access_profiles;

/** Simulates the gateway spending: writes usage into the stored copy. */
const spend = (userId: string, profileId: number, amount: number) =>
  editStoredCopy(t, userId, profileId, (content) => {
    for (const b of content.budgets) b.current_usage = amount;
    content.rate_limit!.token_current_usage = amount * 10;
  });

describe('life cycle of a template and its copies', () => {
  it('When a role is attached with apply_to_existing, then every member holds one copy and one key, and the template becomes active', async () => {
    const s = await setup();
    const before = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: s.profileId } } });
    expect(before.data!.access_profile.is_active).toBe(false);
    const attached = await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: s.profileId } },
      body: { role_ids: [s.roleId], is_default: true, apply_to_existing: true },
    });
    expect(attached.data!.users_applied).toBe(3);
    const again = await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: s.profileId } },
      body: { role_ids: [s.roleId], apply_to_existing: true },
    });
    expect(again.data!.users_applied).toBe(0);
    const detail = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: s.profileId } } });
    expect(detail.data).toMatchObject({ access_profile: { is_active: true, version: 2 }, user_count: 3 });
    expect(detail.data!.roles).toEqual([
      expect.objectContaining({ role_id: s.roleId, access_profile_id: s.profileId, is_default: false }),
    ]);
    for (const u of s.users) {
      const [copy] = await copiesOf(u);
      expect(copy).toMatchObject({
        parent_profile_id: s.profileId,
        parent_version: 2,
        is_active: true,
        expires_at: null,
      });
      expect(copy!.virtual_key_ids).toHaveLength(1);
      expect(
        copy!.budgets.every((b) => b.current_usage === 0 && b.override === null && b.effective_limit === b.max_limit),
      ).toBe(true);
    }
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: s.profileId }, query: { action: 'assign_user' } },
    });
    expect(audit.data!.total_count).toBe(3);
    expectEnvelope(
      (
        await t.client.POST('/api/access-profiles/{id}/roles', {
          params: { path: { id: s.profileId } },
          body: { role_ids: [999999] },
        })
      ).error,
      404,
      'role_not_found',
    );
  });

  it('When the template changes, then a dry run reports exactly what the real propagation then does, and usage is kept', async () => {
    const s = await setup();
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: s.profileId } },
      body: { role_ids: [s.roleId], apply_to_existing: true },
    });
    await spend(s.users[0]!, s.profileId, 12.5);
    const [copyBefore] = await copiesOf(s.users[0]!);
    await t.client.PUT('/api/access-profiles/{id}', {
      params: { path: { id: s.profileId } },
      body: {
        budgets: [
          { max_limit: 2000, reset_duration: '1M' },
          { max_limit: 40, reset_duration: '1d' },
        ],
        rate_limit: { token_max_limit: 20000, token_reset_duration: '1h' },
      },
    });
    const auditBefore = (
      await t.client.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id: s.profileId } } })
    ).data!.total_count;
    const dry = await t.client.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: s.profileId } },
      body: { fields: ['budgets', 'rate_limit'], dry_run: true },
    });
    expect(dry.data).toMatchObject({ affected_users: 3, failed_users: 0, skipped_users: 0, applied: false });
    const [copyAfterDry] = await copiesOf(s.users[0]!);
    expect(copyAfterDry).toEqual(copyBefore);
    expect(
      (await t.client.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id: s.profileId } } })).data!
        .total_count,
    ).toBe(auditBefore);

    const real = await t.client.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: s.profileId } },
      body: { fields: ['budgets', 'rate_limit'] },
    });
    expect(real.data).toMatchObject({
      affected_users: 3,
      failed_users: 0,
      skipped_users: 0,
      applied: true,
      fields: ['budgets', 'rate_limit'],
    });
    expect([...real.data!.user_ids].sort()).toEqual([...dry.data!.user_ids].sort());
    const [copy] = await copiesOf(s.users[0]!);
    const monthly = copy!.budgets.find((b) => b.reset_duration === '1M')!;
    expect(monthly).toMatchObject({
      max_limit: 2000,
      current_usage: 12.5,
      id: copyBefore!.budgets.find((b) => b.reset_duration === '1M')!.id,
    });
    expect(copy!.rate_limit).toMatchObject({ token_max_limit: 20000, token_current_usage: 125 });
    expect(copy!.parent_version).toBe(3);

    const repeat = await t.client.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: s.profileId } },
      body: { fields: ['budgets', 'rate_limit'] },
    });
    expect(repeat.data).toMatchObject({ affected_users: 0, skipped_users: 3 });
    const reset = await t.client.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: s.profileId } },
      body: { fields: ['budgets'], reset_usage: true, user_ids: [s.users[0]!, 'nobody-holds-it'] },
    });
    expect(reset.data).toMatchObject({ affected_users: 1, skipped_users: 1, user_ids: [s.users[0]] });
    expect((await copiesOf(s.users[0]!))[0]!.budgets.every((b) => b.current_usage === 0)).toBe(true);
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: s.profileId }, query: { action: 'propagate' } },
    });
    expect(audit.data!.total_count).toBe(3);
    const bad = await t.client.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: s.profileId } },
      body: { fields: [] },
    });
    expectEnvelope(bad.error, 400, 'validation_failed');
  });

  it('When a budget of a copy is overridden for two cycles, then the effective limit rises; removing it twice is safe', async () => {
    const s = await setup(1);
    const user = s.users[0]!;
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: s.profileId } },
      body: { role_ids: [s.roleId], apply_to_existing: true },
    });
    const budget = (await copiesOf(user))[0]!.budgets.find((b) => b.reset_duration === '1M')!;
    const path = { user_id: user, profile_id: s.profileId, budget_id: budget.id };
    const set = await t.client.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', {
      params: { path },
      body: { override_amount: 200, mode: 'cycles', cycles: 2 },
    });
    expect(set.data!.budget).toMatchObject({
      id: budget.id,
      max_limit: 1000,
      effective_limit: 1200,
      override: {
        override_amount: 200,
        mode: 'cycles',
        cycles: 2,
        remaining_cycles: 2,
        anchored_at: budget.last_reset,
      },
    });
    expect((await copiesOf(user))[0]!.budgets.find((b) => b.id === budget.id)!.effective_limit).toBe(1200);
    expectEnvelope(
      (
        await t.client.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', {
          params: { path },
          body: { override_amount: 5, mode: 'cycles' },
        })
      ).error,
      400,
      'validation_failed',
    );
    expectEnvelope(
      (
        await t.client.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', {
          params: { path },
          body: { override_amount: 5, mode: 'forever', cycles: 1 },
        })
      ).error,
      400,
      'validation_failed',
    );
    expectEnvelope(
      (
        await t.client.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', {
          params: { path: { ...path, budget_id: 'bdg_nope' } },
          body: { override_amount: 5, mode: 'forever' },
        })
      ).error,
      404,
      'budget_not_found',
    );
    const removed = await t.client.DELETE(
      '/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override',
      { params: { path } },
    );
    expect(removed.data!.budget).toMatchObject({ effective_limit: 1000, override: null });
    const again = await t.client.DELETE(
      '/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override',
      { params: { path } },
    );
    expect(again.response.status).toBe(200);
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: s.profileId }, query: { user_id: user } },
    });
    expect(audit.data!.audit_logs.map((e) => e.action)).toEqual([
      'remove_budget_override',
      'set_budget_override',
      'assign_user',
    ]);
  });

  it('When a propagation keeps a budget, then its override survives', async () => {
    const s = await setup(1);
    const user = s.users[0]!;
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: s.profileId } },
      body: { role_ids: [s.roleId], apply_to_existing: true },
    });
    const budget = (await copiesOf(user))[0]!.budgets.find((b) => b.reset_duration === '1d')!;
    await t.client.PUT('/api/users/{user_id}/access-profiles/{profile_id}/budgets/{budget_id}/override', {
      params: { path: { user_id: user, profile_id: s.profileId, budget_id: budget.id } },
      body: { override_amount: 10, mode: 'forever' },
    });
    await t.client.PUT('/api/access-profiles/{id}', {
      params: { path: { id: s.profileId } },
      body: { budgets: [{ max_limit: 60, reset_duration: '1d' }] },
    });
    await t.client.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: s.profileId } },
      body: { fields: ['budgets'] },
    });
    const [copy] = await copiesOf(user);
    expect(copy!.budgets).toEqual([
      expect.objectContaining({
        id: budget.id,
        max_limit: 60,
        effective_limit: 70,
        override: expect.objectContaining({ mode: 'forever', remaining_cycles: null }),
      }),
    ]);
  });

  it('When extra virtual keys are issued, then the secret is shown once and stored hashed; names are unique per user', async () => {
    const s = await setup(1);
    const user = s.users[0]!;
    expectEnvelope(
      (await t.client.POST('/api/users/{user_id}/virtual-keys', { params: { path: { user_id: user } }, body: {} }))
        .error,
      404,
      'user_access_profile_not_found',
    );
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: s.profileId } },
      body: { role_ids: [s.roleId], apply_to_existing: true },
    });
    const created = await t.client.POST('/api/users/{user_id}/virtual-keys', {
      params: { path: { user_id: user } },
      body: { name: 'notebook', description: 'Jupyter' },
    });
    expect(created.response.status).toBe(201);
    const vk = created.data!.virtual_key;
    expect(vk).toMatchObject({ name: 'notebook', user_id: user, access_profile_id: s.profileId });
    expect(vk.value).toMatch(/^sk-bf-[A-Za-z0-9]{40}$/);
    const stored = await t.db.get<{ key_hash: string }>('SELECT key_hash FROM virtual_keys WHERE id = ?', [vk.id]);
    expect(stored!.key_hash).not.toContain(vk.value);
    expect(stored!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await copiesOf(user))).not.toContain(vk.value);
    expectEnvelope(
      (
        await t.client.POST('/api/users/{user_id}/virtual-keys', {
          params: { path: { user_id: user } },
          body: { name: 'notebook' },
        })
      ).error,
      409,
      'virtual_key_name_taken',
    );
    expect(
      (
        await t.client.DELETE('/api/users/{user_id}/virtual-keys/{vk_id}', {
          params: { path: { user_id: user, vk_id: vk.id } },
        })
      ).response.status,
    ).toBe(200);
    expectEnvelope(
      (
        await t.client.DELETE('/api/users/{user_id}/virtual-keys/{vk_id}', {
          params: { path: { user_id: user, vk_id: vk.id } },
        })
      ).error,
      404,
      'virtual_key_not_found',
    );
    expectEnvelope(
      (
        await t.client.POST('/api/users/{user_id}/virtual-keys', {
          params: { path: { user_id: 'no-such-user' } },
          body: {},
        })
      ).error,
      404,
      'user_not_found',
    );
  });

  it('When a key of the copy cannot be removed, then detaching fails closed: the copy and all its keys stay; afterwards it detaches fully', async () => {
    const s = await setup(1);
    const user = s.users[0]!;
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: s.profileId } },
      body: { role_ids: [s.roleId], apply_to_existing: true },
    });
    await t.client.POST('/api/users/{user_id}/virtual-keys', {
      params: { path: { user_id: user } },
      body: { name: 'second' },
    });
    const sqlite = t.db.kind === 'sqlite';
    if (sqlite)
      await t.db.run(
        "CREATE TRIGGER keep_keys BEFORE DELETE ON virtual_keys WHEN OLD.name = 'second' BEGIN SELECT RAISE(ABORT, 'injected key removal failure'); END",
      );
    else {
      await t.db.run(
        "CREATE OR REPLACE FUNCTION keep_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF OLD.name = 'second' THEN RAISE EXCEPTION 'injected key removal failure'; END IF; RETURN OLD; END $$",
      );
      await t.db.run(
        'CREATE TRIGGER keep_keys BEFORE DELETE ON virtual_keys FOR EACH ROW EXECUTE FUNCTION keep_keys()',
      );
    }
    try {
      const failed = await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
        params: { path: { user_id: user, profile_id: s.profileId } },
      });
      expect(failed.response.status).toBeGreaterThanOrEqual(500);
      expect(failed.error).toMatchObject({ is_bifrost_error: true });
      const [copy] = await copiesOf(user);
      expect(copy!.virtual_key_ids).toHaveLength(2);
    } finally {
      await t.db.run(sqlite ? 'DROP TRIGGER keep_keys' : 'DROP TRIGGER keep_keys ON virtual_keys');
    }
    const detached = await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: user, profile_id: s.profileId } },
    });
    expect(detached.data).toMatchObject({ deleted_vk_count: 2 });
    expect([...detached.data!.deleted_vk_names].sort()).toEqual([`${user}-1`, 'second'].sort());
    expect(await copiesOf(user)).toEqual([]);
    expectEnvelope(
      (
        await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
          params: { path: { user_id: user, profile_id: s.profileId } },
        })
      ).error,
      404,
      'user_access_profile_not_found',
    );
    await t.client.DELETE('/api/access-profiles/{id}/roles/{role_id}', {
      params: { path: { id: s.profileId, role_id: s.roleId } },
    });
    expect(
      (await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: s.profileId } } })).response.status,
    ).toBe(200);
  });
});
