// A client written against the vendor's published spec, as it would call us: plain JSON over fetch with
// the vendor's request bodies (including the server-owned fields a GET returned), every answer checked
// against the vendor's response shapes (test/support/vendor-shapes.ts). The arrangement of roles and
// users uses our own typed client: the vendor manages those elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { vendorViolations, type VendorShape } from '../support/vendor-shapes.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One call as a vendor client makes it; the answer must have `status` and satisfy the vendor's `shape`. */
async function vendor(method: string, path: string, status: number, shape: VendorShape, body?: unknown): Promise<Json> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${t.adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(status);
  const json = JSON.parse(text) as Json;
  expect(vendorViolations(shape, json), `${method} ${path} against the vendor's ${shape}`).toEqual([]);
  return json;
}

const VENDOR_PROFILE = {
  description: 'Made by a vendor client',
  tags: ['compat'],
  provider_configs: [
    {
      provider_name: 'openai',
      all_models_allowed: false,
      allowed_models: ['gpt-4o'],
      budgets: [{ max_limit: 100, reset_duration: '1M' }],
      rate_limit: { token_max_limit: 10000, token_reset_duration: '1h' },
    },
  ],
  budgets: [
    { max_limit: 500, reset_duration: '1M' },
    { max_limit: 2000, reset_duration: '1Q', reset_config: { quarter_start_month: 4 } },
  ],
  rate_limit: { request_max_limit: 100, request_reset_duration: '1d' },
  calendar_aligned: false,
  mcp_tool_groups: [{ tool_group_id: 7 }],
  mcp_servers: [{ mcp_server_id: 'github' }],
  mcp_tool_overrides: [{ mcp_client_id: 'github', tool_name: 'delete_repo', action: 'exclude' }],
};

async function userWithCopyOf(profileId: number): Promise<string> {
  const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('compat-role') } })).data!.role;
  const userId = uniqueName('compat-user');
  expect((await t.client.POST('/api/users', { body: { id: userId, role_ids: [role.id] } })).response.status).toBe(201);
  await vendor('POST', `/api/access-profiles/${profileId}/roles`, 200, 'AttachRolesResponse', {
    role_ids: [role.id],
    apply_to_existing: true,
  });
  return userId;
}

describe('the vendor shapes', () => {
  it('When our 0.2 answers are checked against them, then the shapes that broke vendor clients are caught', () => {
    expect(
      vendorViolations('PropagateResponse', {
        affected_users: 0,
        failed_users: 1,
        skipped_users: 0,
        user_ids: [],
        fields: ['budgets'],
        applied: true,
        vk_sync_errors: [{ user_id: 'u', message: 'm' }],
      }),
    ).toEqual(['/vk_sync_errors/0 must be string']);
    expect(
      vendorViolations('UserAccessProfileListResponse', {
        access_profiles: [
          {
            id: 1,
            user_id: 'u',
            parent_profile_id: 1,
            name: 'n',
            is_active: true,
            expires_at: null,
            virtual_key_ids: ['vk_1'],
            virtual_key_values: ['sk-bf-abc…'],
          },
        ],
      }),
    ).toEqual(['/access_profiles/0/virtual_key_values must be object']);
    expect(
      vendorViolations('AuditLogListResponse', {
        audit_logs: [
          {
            id: 1,
            access_profile_id: 1,
            user_id: null,
            actor: 'a',
            action: 'update',
            previous_values: { a: 1 },
            new_values: null,
            metadata: null,
            created_at: '2026-01-01T00:00:00Z',
          },
        ],
        total_count: 1,
      }),
    ).toEqual([
      '/audit_logs/0/previous_values must be string',
      '/audit_logs/0/previous_values must be null',
      '/audit_logs/0/previous_values must match a schema in anyOf',
    ]);
    expect(
      vendorViolations('BudgetOverrideResponse', {
        budget: {
          id: 'b',
          max_limit: 1,
          reset_duration: '1M',
          scope: 'total',
          current_usage: 0,
          last_reset: '2026-01-01T00:00:00Z',
        },
      }),
    ).toEqual(
      expect.arrayContaining([
        "/ must have required property 'effective_max_limit'",
        "/budget must have required property 'override_amount'",
      ]),
    );
  });
});

describe('a client written against the vendor', () => {
  it('When it creates, reads, lists, activates, clones and deletes a profile, then every answer has the vendor shape', async () => {
    const created = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('compat'),
      ...VENDOR_PROFILE,
    });
    const id = created.access_profile.id as number;
    const detail = await vendor('GET', `/api/access-profiles/${id}`, 200, 'AccessProfileDetailResponse');
    expect(detail.access_profile).toEqual(created.access_profile);
    const list = await vendor('GET', `/api/access-profiles?tags=compat&limit=500`, 200, 'AccessProfileListResponse');
    expect(list.access_profiles.map((p: Json) => p.id)).toContain(id);
    expect(
      (await vendor('PUT', `/api/access-profiles/${id}/activate`, 200, 'AccessProfileResponse')).access_profile
        .is_active,
    ).toBe(true);
    expect(
      (await vendor('PUT', `/api/access-profiles/${id}/deactivate`, 200, 'AccessProfileResponse')).access_profile
        .is_active,
    ).toBe(false);
    const clone = await vendor('POST', `/api/access-profiles/${id}/clone`, 201, 'AccessProfileResponse', {
      name: uniqueName('compat-clone'),
      description: 'clone',
    });
    expect(clone.access_profile.id).not.toBe(id);
    await vendor('DELETE', `/api/access-profiles/${clone.access_profile.id}`, 200, 'MessageResponse');
    const gone = await vendor('GET', `/api/access-profiles/${clone.access_profile.id}`, 404, 'BifrostError');
    expect(gone).toMatchObject({
      is_bifrost_error: true,
      status_code: 404,
      type: 'not_found_error',
      error: { code: 'access_profile_not_found' },
    });
  });

  it("When it sends back a profile it read (GET → edit → PUT, server-owned fields included), then the edit applies and ids, usage and windows stay the server's", async () => {
    const { access_profile: read } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('roundtrip'),
      ...VENDOR_PROFILE,
    });
    const edited = structuredClone(read);
    edited.description = 'edited after a read';
    edited.budgets[0].max_limit = 750;
    // a client must not be able to set usage or move windows: these are ignored
    edited.budgets[0].current_usage = 999;
    edited.budgets[0].last_reset = '2020-01-01T00:00:00Z';
    edited.rate_limit.request_current_usage = 55;
    edited.provider_configs[0].budgets[0].current_usage = 12;
    edited.version = 99;
    edited.is_active = true;
    edited.created_at = '2020-01-01T00:00:00Z';

    const { access_profile: after } = await vendor(
      'PUT',
      `/api/access-profiles/${read.id}`,
      200,
      'AccessProfileResponse',
      edited,
    );
    expect(after).toMatchObject({
      id: read.id,
      version: read.version + 1,
      is_active: false,
      created_at: read.created_at,
      description: 'edited after a read',
    });
    expect(after.budgets[0]).toEqual({ ...read.budgets[0], max_limit: 750 });
    expect(after.budgets[1]).toEqual(read.budgets[1]);
    expect(after.rate_limit).toEqual(read.rate_limit);
    expect(after.provider_configs).toEqual(read.provider_configs);

    // The same body again changes nothing: the version stays.
    const again = await vendor('PUT', `/api/access-profiles/${read.id}`, 200, 'AccessProfileResponse', edited);
    expect(again.access_profile.version).toBe(after.version);
    // A field the vendor does not have either is still refused, named.
    const refused = await vendor('PUT', `/api/access-profiles/${read.id}`, 400, 'BifrostError', {
      ...edited,
      colour: 'red',
    });
    expect(refused.error.details.map((d: Json) => d.param)).toEqual(['colour']);
  });

  it('When it creates a profile from one it read, then the sent ids are ignored and the new profile has its own', async () => {
    const { access_profile: source } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('base'),
      ...VENDOR_PROFILE,
    });
    const { access_profile: copy } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      ...source,
      name: uniqueName('from-read'),
    });
    expect(copy.id).not.toBe(source.id);
    expect(copy.version).toBe(1);
    expect(copy.budgets.map((b: Json) => b.id)).not.toContain(source.budgets[0].id);
    expect(copy.provider_configs[0].id).not.toBe(source.provider_configs[0].id);
    expect(copy.budgets.map((b: Json) => [b.max_limit, b.reset_duration, b.current_usage])).toEqual([
      [500, '1M', 0],
      [2000, '1Q', 0],
    ]);
  });

  it("When it schedules key rotation the vendor's way and sends the profile back, then the schedule is kept, even once it is due", async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('rotating'),
      auto_rotation_interval: '30d',
    });
    expect(p.auto_rotation_interval).toBe(30 * 86_400 * 1e9);
    const { access_profile: same } = await vendor('PUT', `/api/access-profiles/${p.id}`, 200, 'AccessProfileResponse', {
      ...p,
      description: 'rotating',
    });
    expect([same.auto_rotation_interval, same.next_rotation_at, same.last_rotation_at]).toEqual([
      p.auto_rotation_interval,
      p.next_rotation_at,
      null,
    ]);
    // the scheduler is late (the rotation is due by now): the read is still accepted back as it is
    await t.db.run('UPDATE access_profiles SET next_rotation_at = ? WHERE id = ?', ['2020-01-01T00:00:00.000Z', p.id]);
    const { access_profile: due } = await vendor(
      'GET',
      `/api/access-profiles/${p.id}`,
      200,
      'AccessProfileDetailResponse',
    );
    const { access_profile: back } = await vendor('PUT', `/api/access-profiles/${p.id}`, 200, 'AccessProfileResponse', {
      ...due,
      description: 'still rotating',
    });
    expect(back.next_rotation_at).toBe('2020-01-01T00:00:00.000Z');
    // moving it into the past is refused
    const refused = await vendor('PUT', `/api/access-profiles/${p.id}`, 400, 'BifrostError', {
      next_rotation_at: '2021-01-01T00:00:00Z',
    });
    expect(refused.error.param).toBe('next_rotation_at');
  });

  it('When it updates one side of a rate limit, then the other side is kept; a limit sent as null clears that side with its duration', async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('rl-merge'),
      rate_limit: { token_max_limit: 9, token_reset_duration: '1d' },
    });
    const { access_profile: both } = await vendor('PUT', `/api/access-profiles/${p.id}`, 200, 'AccessProfileResponse', {
      rate_limit: { request_max_limit: 3, request_reset_duration: '1h' },
    });
    expect(both.rate_limit).toMatchObject({
      id: p.rate_limit.id,
      token_max_limit: 9,
      token_reset_duration: '1d',
      token_last_reset: p.rate_limit.token_last_reset,
      request_max_limit: 3,
      request_reset_duration: '1h',
    });
    const { access_profile: requestOnly } = await vendor(
      'PUT',
      `/api/access-profiles/${p.id}`,
      200,
      'AccessProfileResponse',
      { rate_limit: { token_max_limit: null } },
    );
    expect(requestOnly.rate_limit).toMatchObject({
      token_max_limit: null,
      token_reset_duration: null,
      request_max_limit: 3,
      request_reset_duration: '1h',
    });
    const refused = await vendor('PUT', `/api/access-profiles/${p.id}`, 400, 'BifrostError', {
      rate_limit: { request_max_limit: null },
    });
    expect(refused.error.param).toBe('rate_limit');
    const { access_profile: cleared } = await vendor(
      'PUT',
      `/api/access-profiles/${p.id}`,
      200,
      'AccessProfileResponse',
      { rate_limit: null },
    );
    expect(cleared.rate_limit).toBeUndefined();
  });

  it('When it sends {} as the body of operations that take none, then they work as without a body', async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('empty'),
    });
    expect(
      (await vendor('PUT', `/api/access-profiles/${p.id}/activate`, 200, 'AccessProfileResponse', {})).access_profile
        .is_active,
    ).toBe(true);
    expect(
      (await vendor('PUT', `/api/access-profiles/${p.id}/deactivate`, 200, 'AccessProfileResponse', {})).access_profile
        .is_active,
    ).toBe(false);
    const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('empty-role') } })).data!.role;
    await vendor('POST', `/api/access-profiles/${p.id}/roles`, 200, 'AttachRolesResponse', { role_ids: [role.id] });
    await vendor('DELETE', `/api/access-profiles/${p.id}/roles/${role.id}`, 200, 'MessageResponse', {});
    await vendor('DELETE', `/api/access-profiles/${p.id}`, 200, 'MessageResponse', {});
  });

  it("When an error has no single parameter at fault, then param is an empty string, not null (the vendor's param is a string)", async () => {
    const res = await fetch(`${t.url}/api/access-profiles`);
    const body = await res.json();
    expect([res.status, body.error.param]).toEqual([401, '']);
    expect(vendorViolations('BifrostError', body)).toEqual([]);
  });

  it("When it sends the vendor's looser forms (forever with cycles null, an unknown audit action, an empty group_ids), then they are accepted with the vendor's meaning", async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('loose'),
      budgets: [{ max_limit: 100, reset_duration: '1M' }],
    });
    const userId = await userWithCopyOf(p.id);
    const copy = (
      await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
        params: { path: { user_id: userId, profile_id: p.id } },
      })
    ).data!.access_profile;
    const overridePath = `/api/users/${encodeURIComponent(userId)}/access-profiles/${p.id}/budgets/${copy.budgets[0]!.id}/override`;
    const forever = await vendor('PUT', overridePath, 200, 'BudgetOverrideResponse', {
      override_amount: 20,
      mode: 'forever',
      cycles: null,
    });
    expect(forever).toMatchObject({
      effective_max_limit: 120,
      budget: { override_amount: 20, override_cycles_total: null, override_cycles_remaining: null },
    });
    expect(
      (await vendor('PUT', overridePath, 400, 'BifrostError', { override_amount: 20, mode: 'cycles', cycles: null }))
        .error.param,
    ).toBe('cycles');
    const unknownAction = await vendor(
      'GET',
      '/api/access-profiles/audit-logs?action=rotate_keys_v2',
      200,
      'AuditLogListResponse',
    );
    expect(unknownAction.total_count).toBe(0);
    await vendor('POST', `/api/access-profiles/${p.id}/propagate`, 200, 'PropagateResponse', {
      fields: ['budgets'],
      group_ids: [],
    });
    const groups = await vendor('POST', `/api/access-profiles/${p.id}/propagate`, 400, 'BifrostError', {
      fields: ['budgets'],
      group_ids: ['team-a'],
    });
    expect(groups.error.param).toBe('group_ids');
  });

  it('When it sends calendar_aligned null on update, then the alignment is kept', async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('aligned'),
      calendar_aligned: true,
      budgets: [{ max_limit: 5, reset_duration: '1M' }],
    });
    const { access_profile: after } = await vendor(
      'PUT',
      `/api/access-profiles/${p.id}`,
      200,
      'AccessProfileResponse',
      { calendar_aligned: null, description: 'x' },
    );
    expect([after.calendar_aligned, after.budgets[0].last_reset]).toEqual([true, p.budgets[0].last_reset]);
  });

  it("When it propagates with an empty user_ids list, then every copy is updated (the vendor's meaning)", async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('prop'),
      ...VENDOR_PROFILE,
    });
    const users = [await userWithCopyOf(p.id), await userWithCopyOf(p.id)];
    await vendor('PUT', `/api/access-profiles/${p.id}`, 200, 'AccessProfileResponse', {
      mcp_servers: [{ mcp_server_id: 'jira' }],
    });
    const result = await vendor('POST', `/api/access-profiles/${p.id}/propagate`, 200, 'PropagateResponse', {
      fields: ['mcp_servers'],
      user_ids: [],
    });
    expect(result).toMatchObject({
      affected_users: 2,
      failed_users: 0,
      skipped_users: 0,
      applied: true,
      vk_sync_errors: [],
    });
    expect([...result.user_ids].sort()).toEqual([...users].sort());
  });

  it('When it reads history and both audit listings, then versions are JSON text and audit values are JSON strings', async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('history'),
      description: 'a',
    });
    await vendor('PUT', `/api/access-profiles/${p.id}`, 200, 'AccessProfileResponse', { description: 'b' });
    const versions = await vendor('GET', `/api/access-profiles/${p.id}/versions`, 200, 'VersionListResponse');
    expect(versions.versions.map((v: Json) => v.version)).toEqual([2, 1]);
    const v1 = await vendor('GET', `/api/access-profiles/${p.id}/versions/1`, 200, 'VersionResponse');
    expect(JSON.parse(v1.version.snapshot)).toEqual(p);
    const mine = await vendor('GET', `/api/access-profiles/${p.id}/audit-logs`, 200, 'AuditLogListResponse');
    const update = mine.audit_logs.find((e: Json) => e.action === 'update');
    expect([JSON.parse(update.previous_values), JSON.parse(update.new_values)]).toEqual([
      { description: 'a' },
      { description: 'b' },
    ]);
    expect(JSON.parse(update.metadata)).toMatchObject({ version: 2 });
    const all = await vendor(
      'GET',
      `/api/access-profiles/audit-logs?action=update&limit=500`,
      200,
      'AuditLogListResponse',
    );
    expect(all.audit_logs.map((e: Json) => e.id)).toContain(update.id);
  });

  it("When it manages a user's copy (list, budget override, keys on the vendor's path, detach), then each answer has the vendor shape", async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('copy'),
      budgets: [{ max_limit: 100, reset_duration: '1M' }],
    });
    const userId = await userWithCopyOf(p.id);
    const copies = await vendor(
      'GET',
      `/api/users/${encodeURIComponent(userId)}/access-profiles`,
      200,
      'UserAccessProfileListResponse',
    );
    const copy = copies.access_profiles.find((c: Json) => c.parent_profile_id === p.id);
    expect(Object.keys(copy.virtual_key_values)).toEqual(copy.virtual_key_ids);
    expect(Object.values(copy.virtual_key_values)[0]).toMatch(/^sk-bf-.{6}…$/);

    const budgetId = copy.budgets[0].id as string;
    const overridePath = `/api/users/${encodeURIComponent(userId)}/access-profiles/${p.id}/budgets/${budgetId}/override`;
    const set = await vendor('PUT', overridePath, 200, 'BudgetOverrideResponse', {
      override_amount: 50,
      mode: 'cycles',
      cycles: 2,
    });
    expect(set).toMatchObject({
      effective_max_limit: 150,
      budget: { id: budgetId, override_amount: 50, override_cycles_total: 2, override_cycles_remaining: 2 },
    });
    const removed = await vendor('DELETE', overridePath, 200, 'BudgetOverrideResponse');
    expect(removed).toMatchObject({
      effective_max_limit: 100,
      budget: { override_amount: null, override_cycles_total: null, override_cycles_remaining: null },
    });

    const added = await vendor(
      'POST',
      `/api/users/${encodeURIComponent(userId)}/access-profiles/${p.id}/virtual-keys`,
      200,
      'AddVirtualKeyResponse',
      { name: uniqueName('vk') },
    );
    expect(added.virtual_key.value).toMatch(/^sk-bf-/);
    const after = (
      await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
        params: { path: { user_id: userId, profile_id: p.id } },
      })
    ).data!.access_profile;
    expect(after.virtual_key_ids).toContain(added.virtual_key.id);
    await vendor(
      'DELETE',
      `/api/users/${encodeURIComponent(userId)}/virtual-keys/${added.virtual_key.id}`,
      200,
      'MessageResponse',
    );

    const detached = await vendor(
      'DELETE',
      `/api/users/${encodeURIComponent(userId)}/access-profiles/${p.id}`,
      200,
      'DetachUserProfileResponse',
    );
    expect(detached.deleted_vk_count).toBe(1);
  });

  it("When it adds a key on the vendor's path naming a profile the user does not hold, then the key goes to the user's copy anyway (the vendor ignores profile_id); with no copy at all it is a 404", async () => {
    const { access_profile: p } = await vendor('POST', '/api/access-profiles', 201, 'AccessProfileResponse', {
      name: uniqueName('vk-any'),
    });
    const userId = await userWithCopyOf(p.id);
    const added = await vendor(
      'POST',
      `/api/users/${encodeURIComponent(userId)}/access-profiles/999999/virtual-keys`,
      200,
      'AddVirtualKeyResponse',
    );
    const copy = (
      await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
        params: { path: { user_id: userId, profile_id: p.id } },
      })
    ).data!.access_profile;
    expect(copy.virtual_key_ids).toContain(added.virtual_key.id);

    const lone = uniqueName('no-copy');
    await t.client.POST('/api/users', { body: { id: lone } });
    const missing = await vendor(
      'POST',
      `/api/users/${encodeURIComponent(lone)}/access-profiles/${p.id}/virtual-keys`,
      404,
      'BifrostError',
      {},
    );
    expect(missing.error.code).toBe('user_access_profile_not_found');
  });
});
