// A user's virtual keys and copies as the user's listing shows them: default key names, which copy a
// new key belongs to, masked values, deleting a key and detaching a copy (both audited), and paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { copyOf, createProfile, usersHoldingCopies } from '../support/profiles.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { decoded } from '../support/audit.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const newKey = (userId: string, body: { name?: string; description?: string; access_profile_id?: number } = {}) =>
  t.client.POST('/api/users/{user_id}/virtual-keys', { params: { path: { user_id: userId } }, body });
const deleteKey = (userId: string, vkId: string) =>
  t.client.DELETE('/api/users/{user_id}/virtual-keys/{vk_id}', { params: { path: { user_id: userId, vk_id: vkId } } });
const auditFor = async (
  profileId: number,
  userId: string,
  action: 'delete_virtual_key' | 'unassign_user' | 'create_virtual_key',
) =>
  (
    await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: profileId }, query: { user_id: userId, action } },
    })
  ).data!.audit_logs.map(decoded);

describe('default key names', () => {
  it('When keys are created without a name, then each takes <user_id>-<n> from n = its key count + 1 on, skipping names already taken', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const u = user!;
    const copy = await copyOf(t, u, p.id);
    // The copy came with key <u>-1; take <u>-3 by hand.
    const manual = await newKey(u, { name: `${u}-3` });
    expect(manual.response.status, JSON.stringify(manual.error)).toBe(201);
    // Two keys: the count suggests <u>-3, taken, so <u>-4.
    const second = await newKey(u);
    expect(second.response.status, JSON.stringify(second.error)).toBe(201);
    expect(second.data!.virtual_key.name).toBe(`${u}-4`);
    // Three keys: <u>-4 is taken, so <u>-5.
    expect((await newKey(u)).data!.virtual_key.name).toBe(`${u}-5`);
    // Without <u>-1, three keys remain: <u>-4 and <u>-5 are taken, so <u>-6.
    expect((await deleteKey(u, copy.virtual_key_ids[0]!)).response.status).toBe(200);
    expect((await newKey(u)).data!.virtual_key.name).toBe(`${u}-6`);
  });

  it('When a user without keys joins a template, then the key that comes with the copy is <user_id>-1', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const detach = await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: user!, profile_id: p.id } },
    });
    expect(detach.data!.deleted_vk_names).toEqual([`${user}-1`]);
  });
});

describe('creating a key with no body at all', () => {
  it('When the request has no body, then the key gets the default name, no description, and belongs to the newest copy', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const res = await t.client.POST('/api/users/{user_id}/virtual-keys', { params: { path: { user_id: user! } } });
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    expect(res.data!.virtual_key).toMatchObject({
      name: `${user}-2`,
      description: null,
      access_profile_id: p.id,
      user_id: user,
    });
  });

  it('When a user holds no copy at all, then it answers 404 naming user_id and saying a key needs a copy', async () => {
    const user = uniqueName('no-copy');
    await t.client.POST('/api/users', { body: { id: user } });
    const res = await t.client.POST('/api/users/{user_id}/virtual-keys', { params: { path: { user_id: user } } });
    const env = expectEnvelope(res.error, 404, 'user_access_profile_not_found', res.response);
    expect(env.error).toMatchObject({
      param: 'user_id',
      message: `User '${user}' holds no access profile; a virtual key needs one.`,
    });
  });
});

describe('names already taken', () => {
  it('When a name is taken, also when sent with surrounding spaces, then it answers 409 naming the canonical name', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    expect((await newKey(user!, { name: 'dup' })).response.status).toBe(201);
    const res = await newKey(user!, { name: '  dup ' });
    const env = expectEnvelope(res.error, 409, 'virtual_key_name_taken', res.response);
    expect(env.error).toMatchObject({
      param: 'name',
      message: `User '${user}' already has a virtual key named 'dup'.`,
    });
    expect((await copyOf(t, user!, p.id)).virtual_key_ids).toHaveLength(2);
  });
});

describe('which copy a key belongs to', () => {
  it('When a user holds two copies, then a key without access_profile_id belongs to the newest, and one with it to that template', async () => {
    const older = await createProfile(t);
    const newer = await createProfile(t);
    const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('role') } })).data!.role;
    const user = uniqueName('two-copies');
    await t.client.POST('/api/users', { body: { id: user, role_ids: [role.id] } });
    for (const p of [older, newer])
      await t.client.POST('/api/access-profiles/{id}/roles', {
        params: { path: { id: p.id } },
        body: { role_ids: [role.id], apply_to_existing: true },
      });

    const plain = await newKey(user, { name: 'plain' });
    expect(plain.data!.virtual_key.access_profile_id).toBe(newer.id);
    const aimed = await newKey(user, { name: 'aimed', access_profile_id: older.id, description: 'for the older one' });
    expect(aimed.response.status, JSON.stringify(aimed.error)).toBe(201);
    expect(aimed.data!.virtual_key).toMatchObject({
      name: 'aimed',
      access_profile_id: older.id,
      description: 'for the older one',
      user_id: user,
    });
    expect(plain.data!.virtual_key.description).toBeNull();

    expect((await copyOf(t, user, older.id)).virtual_key_ids).toContain(aimed.data!.virtual_key.id);
    expect((await copyOf(t, user, newer.id)).virtual_key_ids).toContain(plain.data!.virtual_key.id);
    expect((await copyOf(t, user, older.id)).virtual_key_ids).not.toContain(plain.data!.virtual_key.id);

    const created = await auditFor(older.id, user, 'create_virtual_key');
    expect(created).toEqual([
      expect.objectContaining({ new_values: { virtual_key_id: aimed.data!.virtual_key.id, name: 'aimed' } }),
    ]);
  });

  it('When access_profile_id names a template the user holds no copy of, then it answers 404 naming profile_id and creates no key', async () => {
    const held = await createProfile(t);
    const other = await createProfile(t);
    const [user] = await usersHoldingCopies(t, held.id, 1);
    const res = await newKey(user!, { name: 'nowhere', access_profile_id: other.id });
    const env = expectEnvelope(res.error, 404, 'user_access_profile_not_found', res.response);
    expect(env.error.param).toBe('profile_id');
    expect(env.error.message).toContain(String(other.id));
    expect((await copyOf(t, user!, held.id)).virtual_key_ids).toHaveLength(1);
  });

  it('When the name is only white space, then it answers 400 naming name', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const res = await newKey(user!, { name: '   ' });
    expect(expectEnvelope(res.error, 400, 'validation_failed', res.response).error.param).toBe('name');
  });
});

describe('what the listing shows', () => {
  it('When a key is created, then its value starts with the prefix the copy shows masked, and the copy shows its parent and state', async () => {
    const p = await createProfile(t, {
      provider_configs: [
        { provider_name: 'openai', rate_limit: { request_max_limit: 3, request_reset_duration: '1d' } },
        { provider_name: 'anthropic' },
      ],
    });
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const vk = (await newKey(user!, { name: 'shown' })).data!.virtual_key;
    expect(vk.masked_value).toBe(`${vk.value.slice(0, 12)}…`);
    const copy = await copyOf(t, user!, p.id);
    expect(copy.virtual_key_ids).toHaveLength(2);
    expect(Object.keys(copy.virtual_key_values)).toEqual(copy.virtual_key_ids);
    expect(copy.virtual_key_values[vk.id]).toBe(vk.masked_value);
    for (const v of Object.values(copy.virtual_key_values)) expect(v).toMatch(/^sk-bf-[A-Za-z0-9]{6}…$/);
    expect(copy).toMatchObject({
      user_id: user,
      parent_profile_id: p.id,
      parent_version: 2,
      name: p.name,
      is_active: true,
      expires_at: null,
    });
    expect(copy.provider_configs[0]!.rate_limit).toMatchObject({ request_max_limit: 3 });
    expect(copy.provider_configs[1]!).not.toHaveProperty('rate_limit');
    expect(copy).not.toHaveProperty('rate_limit');
  });

  it('When a user holds three copies, then the listing pages them with the total count', async () => {
    const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('role') } })).data!.role;
    const user = uniqueName('pager');
    await t.client.POST('/api/users', { body: { id: user, role_ids: [role.id] } });
    const templates = [await createProfile(t), await createProfile(t), await createProfile(t)];
    for (const p of templates)
      await t.client.POST('/api/access-profiles/{id}/roles', {
        params: { path: { id: p.id } },
        body: { role_ids: [role.id], apply_to_existing: true },
      });
    const page = await t.client.GET('/api/users/{user_id}/access-profiles', {
      params: { path: { user_id: user }, query: { limit: 2, offset: 1 } },
    });
    expect(page.response.status).toBe(200);
    expect(page.data).toMatchObject({ count: 2, total_count: 3, limit: 2, offset: 1 });
    expect(page.data!.access_profiles).toHaveLength(2);
    const ghost = await t.client.GET('/api/users/{user_id}/access-profiles', {
      params: { path: { user_id: 'no-such-user' } },
    });
    expectEnvelope(ghost.error, 404, 'user_not_found', ghost.response);
  });
});

describe('a copy whose keys are all gone', () => {
  it('When the only key of a copy is deleted, then the copy lists no keys, and detaching it removes no key', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const copy = await copyOf(t, user!, p.id);
    expect((await deleteKey(user!, copy.virtual_key_ids[0]!)).response.status).toBe(200);
    const keyless = await copyOf(t, user!, p.id);
    expect(keyless).toMatchObject({ virtual_key_ids: [], virtual_key_values: {} });
    const one = await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: user!, profile_id: p.id } },
    });
    expect(one.data!.access_profile).toEqual(keyless);
    const res = await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: user!, profile_id: p.id } },
    });
    expect(res.data).toMatchObject({ deleted_vk_count: 0, deleted_vk_names: [] });
  });
});

describe('a key that silently stays', () => {
  it.skipIf(process.env.TEST_STORE === 'postgres')(
    'When the store skips the removal of one key of the copy, then detaching answers 409 virtual_key_removal_failed naming it, and nothing is detached',
    async () => {
      const p = await createProfile(t);
      const [user] = await usersHoldingCopies(t, p.id, 1);
      const stuck = `stuck-${uniqueName('k')}`;
      await newKey(user!, { name: stuck });
      // Another component's trigger drops the DELETE without an error: the row stays, zero rows changed.
      await t.db.run(
        `CREATE TRIGGER keep_stuck BEFORE DELETE ON virtual_keys WHEN OLD.name = '${stuck}' BEGIN SELECT RAISE(IGNORE); END`,
      );
      try {
        const res = await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
          params: { path: { user_id: user!, profile_id: p.id } },
        });
        const env = expectEnvelope(res.error, 409, 'virtual_key_removal_failed', res.response);
        expect(env.error).toMatchObject({
          param: 'profile_id',
          message: `Virtual key '${stuck}' could not be removed; nothing was detached.`,
        });
        expect((await copyOf(t, user!, p.id)).virtual_key_ids).toHaveLength(2);
      } finally {
        await t.db.run('DROP TRIGGER keep_stuck');
      }
    },
  );
});

describe('deleting keys and detaching copies', () => {
  it('When a key is deleted, then the answer names it, the copy no longer lists it and the audit entry names key and template', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const vk = (await newKey(user!, { name: 'short-lived' })).data!.virtual_key;
    const res = await deleteKey(user!, vk.id);
    expect(res.response.status).toBe(200);
    expect(res.data!.message).toContain("'short-lived'");
    expect((await copyOf(t, user!, p.id)).virtual_key_ids).not.toContain(vk.id);
    expect(await auditFor(p.id, user!, 'delete_virtual_key')).toEqual([
      expect.objectContaining({
        access_profile_id: p.id,
        previous_values: { virtual_key_id: vk.id, name: 'short-lived' },
        new_values: null,
      }),
    ]);
    const ghost = await deleteKey('no-such-user', vk.id);
    expectEnvelope(ghost.error, 404, 'user_not_found', ghost.response);
    const again = await deleteKey(user!, vk.id);
    expect(expectEnvelope(again.error, 404, 'virtual_key_not_found', again.response).error).toMatchObject({
      param: 'vk_id',
      message: `User '${user}' has no virtual key '${vk.id}'.`,
    });
  });

  it('When a copy is detached, then its keys go with it and the audit entry lists the copy and every key', async () => {
    const p = await createProfile(t);
    const [user] = await usersHoldingCopies(t, p.id, 1);
    const copy = await copyOf(t, user!, p.id);
    const extra = (await newKey(user!, { name: 'extra' })).data!.virtual_key;
    const res = await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: user!, profile_id: p.id } },
    });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data).toMatchObject({ deleted_vk_count: 2 });
    const [entry] = await auditFor(p.id, user!, 'unassign_user');
    expect(entry).toMatchObject({
      previous_values: {
        user_access_profile_id: copy.id,
        virtual_key_ids: expect.arrayContaining([copy.virtual_key_ids[0], extra.id]),
      },
      new_values: null,
    });
    expect((entry!.previous_values as { virtual_key_ids: string[] }).virtual_key_ids).toHaveLength(2);
    const gone = await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: user!, profile_id: p.id } },
    });
    expectEnvelope(gone.error, 404, 'user_access_profile_not_found', gone.response);
    const ghost = await t.client.DELETE('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: 'no-such-user', profile_id: p.id } },
    });
    expectEnvelope(ghost.error, 404, 'user_not_found', ghost.response);
  });
});
