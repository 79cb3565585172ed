// Templates: list, create, get, delete, activate/deactivate, clone — success paths, new state and errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../client/index.js';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { createProfile, editStoredProfile } from '../support/profiles.js';
import { decoded } from '../support/audit.js';
import { expectEncodingsAccepted } from '../support/query-encodings.js';

type ProfileCreate = components['schemas']['AccessProfileCreate'];

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => {
  await t?.close();
});

const FULL: Omit<ProfileCreate, 'name'> = {
  description: 'Model access for the data-science team.',
  tags: ['data-science', 'default'],
  provider_configs: [
    {
      provider_name: 'openai',
      allowed_models: ['gpt-4o', 'o3-mini'],
      budgets: [{ max_limit: 250, reset_duration: '1M' }],
      rate_limit: { request_max_limit: 100, request_reset_duration: '1h' },
    },
    { provider_name: 'anthropic', all_models_allowed: true },
  ],
  budgets: [
    { max_limit: 1000, reset_duration: '1M' },
    { max_limit: 100, reset_duration: '1d' },
  ],
  rate_limit: { token_max_limit: 500000, token_reset_duration: '1d' },
  mcp_tool_groups: [{ tool_group_id: 7 }],
  mcp_servers: [{ mcp_server_id: 'notebooks' }],
  mcp_tool_overrides: [{ mcp_client_id: 'github', tool_name: 'delete_repository', action: 'exclude' }],
};

describe('createAccessProfile', () => {
  it('When a full profile is created, then it answers 201 with version 1, inactive, server ids, zero usage and an ETag', async () => {
    const name = uniqueName('full');
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles', { body: { name, ...FULL } });
    expect(res.response.status).toBe(201);
    expect(res.response.headers.get('etag')).toBe('"1"');
    const p = res.data!.access_profile;
    expect(p).toMatchObject({
      name,
      description: FULL.description,
      is_active: false,
      version: 1,
      tags: FULL.tags,
      calendar_aligned: false,
      mcp_tool_groups: FULL.mcp_tool_groups,
      mcp_servers: FULL.mcp_servers,
      mcp_tool_overrides: FULL.mcp_tool_overrides,
    });
    expect(p.id).toBeGreaterThan(0);
    expect(p.provider_configs).toHaveLength(2);
    const [openai, anthropic] = p.provider_configs;
    expect(openai).toMatchObject({
      provider_name: 'openai',
      all_models_allowed: false,
      allowed_models: ['gpt-4o', 'o3-mini'],
    });
    expect(openai!.id).not.toBe(anthropic!.id);
    expect(openai!.budgets[0]).toMatchObject({
      max_limit: 250,
      reset_duration: '1M',
      scope: 'provider:openai',
      current_usage: 0,
    });
    expect(openai!.rate_limit).toMatchObject({
      request_max_limit: 100,
      request_reset_duration: '1h',
      token_max_limit: null,
      token_reset_duration: null,
      request_current_usage: 0,
      token_current_usage: 0,
    });
    expect(anthropic).toMatchObject({
      provider_name: 'anthropic',
      all_models_allowed: true,
      allowed_models: [],
      budgets: [],
    });
    expect(anthropic!.rate_limit).toBeUndefined();
    expect(p.budgets.map((b) => [b.scope, b.reset_duration, b.current_usage])).toEqual([
      ['total', '1M', 0],
      ['total', '1d', 0],
    ]);
    expect(new Set(p.budgets.map((b) => b.id)).size).toBe(2);
    expect(p.rate_limit).toMatchObject({
      token_max_limit: 500000,
      token_reset_duration: '1d',
      request_max_limit: null,
    });
    expect(Date.parse(p.created_at)).not.toBeNaN();
    expect(p.updated_at).toBe(p.created_at);

    // New state: readable, one version, one create audit entry.
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(got.data!.access_profile).toEqual(p);
    const after = await storeCounts(t.db);
    expect(after.profiles - before.profiles).toBe(1);
    expect(after.versions - before.versions).toBe(1);
    expect(after.audit - before.audit).toBe(1);
  });

  it('When only a name is sent, then defaults fill every list and no rate limit is set', async () => {
    const p = await createProfile(t);
    expect(p).toMatchObject({
      description: null,
      tags: [],
      provider_configs: [],
      budgets: [],
      calendar_aligned: false,
      mcp_tool_groups: [],
      mcp_servers: [],
      mcp_tool_overrides: [],
    });
    expect(p.rate_limit).toBeUndefined();
  });

  it('When the name is taken in another case, then it answers 409 access_profile_name_taken and creates nothing', async () => {
    const name = uniqueName('Taken');
    await createProfile(t, { name });
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles', { body: { name: name.toUpperCase() } });
    const env = expectEnvelope(res.error, 409, 'access_profile_name_taken', res.response);
    expect(env.error.param).toBe('name');
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the body breaks schema rules, then it answers 400 naming every bad field and creates nothing', async () => {
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles', {
      body: { name: '', colour: 'red', budgets: [{ max_limit: -1, reset_duration: '2d' }] } as unknown as ProfileCreate,
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(detailParams(env)).toEqual(
      expect.arrayContaining(['name', 'colour', 'budgets[0].max_limit', 'budgets[0].reset_duration']),
    );
    expect(env.error.details.find((d) => d.param === 'colour')!.message).toMatch(/unknown field/);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it.each([
    ['id', 5],
    ['version', 3],
    ['is_active', true],
    ['created_at', '2026-01-01T00:00:00Z'],
    ['updated_at', '2026-01-01T00:00:00Z'],
  ])(
    'When the server-owned field %s is sent (a GET result used as the base), then it is accepted and ignored',
    async (field, value) => {
      const res = await t.client.POST('/api/access-profiles', {
        body: { name: uniqueName(), [field]: value } as unknown as ProfileCreate,
      });
      expect(res.response.status, JSON.stringify(res.error)).toBe(201);
      const p = res.data!.access_profile;
      expect({
        id: p.id === 5 && field === 'id' ? 'kept' : 'fresh',
        version: p.version,
        is_active: p.is_active,
        stamped: p.created_at !== '2026-01-01T00:00:00Z' && p.updated_at !== '2026-01-01T00:00:00Z',
      }).toEqual({ id: 'fresh', version: 1, is_active: false, stamped: true });
    },
  );

  it('When a server-owned field has the wrong type, then it answers 400 naming it', async () => {
    const res = await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName(), version: 'three' } as unknown as ProfileCreate,
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toContain('version');
  });

  it('When a name is only white space, then it answers 400', async () => {
    const res = await t.client.POST('/api/access-profiles', { body: { name: '   ' } });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toContain('name');
  });
});

describe('listAccessProfiles', () => {
  it('When free text and e-mail addresses are sent as browsers, axios, curl and Postman send them, then the server accepts every form', async () => {
    await t.client.POST('/api/users', { body: { id: 'alice@example.com' } }); // the raw-@ path names her
    await expectEncodingsAccepted(t.url, t.adminKey);
  });

  it('When searching with letters beyond ASCII in another case, then the name and description still match', async () => {
    const marker = uniqueName('ÉQUIPE');
    const named = await t.client.POST('/api/access-profiles', { body: { name: `${marker} Données` } });
    const described = await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName('plain'), description: `Accès pour l'${marker.toUpperCase()} DATA` },
    });
    const byName = await t.client.GET('/api/access-profiles', {
      params: { query: { search: `${marker.toLowerCase()} données` } },
    });
    expect(byName.data!.access_profiles.map((p) => p.id)).toEqual([named.data!.access_profile.id]);
    const byDescription = await t.client.GET('/api/access-profiles', {
      params: { query: { search: `accès pour l'${marker.toLowerCase()}` } },
    });
    expect(byDescription.data!.access_profiles.map((p) => p.id)).toEqual([described.data!.access_profile.id]);
  });

  it('When listing with search, tags and is_active, then only matching profiles come back in id order with counts', async () => {
    const marker = uniqueName('lst').replace(/-/g, '');
    const a = await createProfile(t, { name: `Alpha ${marker}`, tags: [`${marker}-x`, `${marker}-y`] });
    const b = await createProfile(t, { name: `Beta ${marker}`, tags: [`${marker}-x`] });
    const c = await createProfile(t, {
      name: uniqueName('gamma'),
      description: `Mentions ${marker.toUpperCase()} here`,
      tags: [`${marker}-y`],
    });
    await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: b.id } } });

    const search = await t.client.GET('/api/access-profiles', { params: { query: { search: marker.toLowerCase() } } });
    expect(search.data!.access_profiles.map((p) => p.id)).toEqual([a.id, b.id, c.id]);
    expect(search.data).toMatchObject({ count: 3, total_count: 3, limit: 50, offset: 0 });

    const tags = await t.client.GET('/api/access-profiles', { params: { query: { tags: `${marker}-x,${marker}-y` } } });
    expect(tags.data!.access_profiles.map((p) => p.id)).toEqual([a.id]);
    const oneTag = await t.client.GET('/api/access-profiles', { params: { query: { tags: `${marker}-x` } } });
    expect(oneTag.data!.access_profiles.map((p) => p.id)).toEqual([a.id, b.id]);

    const active = await t.client.GET('/api/access-profiles', {
      params: { query: { search: marker, is_active: true } },
    });
    expect(active.data!.access_profiles.map((p) => p.id)).toEqual([b.id]);
    const inactive = await t.client.GET('/api/access-profiles', {
      params: { query: { search: marker, is_active: false } },
    });
    expect(inactive.data!.access_profiles.map((p) => p.id)).toEqual([a.id, c.id]);
  });

  it('When paging with limit and offset, then pages are disjoint, stable and total_count counts every match', async () => {
    const marker = uniqueName('page');
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createProfile(t, { name: `${marker}-${i}` })).id);
    const seen: number[] = [];
    for (let offset = 0; offset < 6; offset += 2) {
      const res = await t.client.GET('/api/access-profiles', {
        params: { query: { search: marker, limit: 2, offset } },
      });
      expect(res.data).toMatchObject({ limit: 2, offset, total_count: 5, count: Math.min(2, 5 - offset) });
      seen.push(...res.data!.access_profiles.map((p) => p.id));
    }
    expect(seen).toEqual(ids);
    const unfiltered = await t.client.GET('/api/access-profiles', { params: { query: { limit: 1 } } });
    expect(unfiltered.data!.total_count).toBe((await storeCounts(t.db)).profiles);
  });

  it('When a search contains LIKE wildcards, then they match literally', async () => {
    const marker = uniqueName('wild');
    const p = await createProfile(t, { name: `${marker} 100%_off` });
    await createProfile(t, { name: `${marker} 100 percent off` });
    const res = await t.client.GET('/api/access-profiles', { params: { query: { search: '100%_' } } });
    expect(res.data!.access_profiles.map((x) => x.id)).toEqual([p.id]);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 501 }, 'limit'],
    [{ offset: -1 }, 'offset'],
    [{ is_active: 'maybe' }, 'is_active'],
    [{ bogus: 'x' }, 'bogus'],
  ])('When the query is %j, then it answers 400 naming %s', async (query, param) => {
    const res = await t.client.GET('/api/access-profiles', { params: { query: query as never } });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed', res.response))).toContain(param);
  });
});

describe('getAccessProfile', () => {
  it('When a profile is read, then it comes with no roles, user_count 0 and its ETag', async () => {
    const p = await createProfile(t);
    const res = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(res.response.status).toBe(200);
    expect(res.response.headers.get('etag')).toBe('"1"');
    expect(res.data).toEqual({ access_profile: p, roles: [], user_count: 0 });
  });

  it('When the id does not exist, then it answers 404 access_profile_not_found', async () => {
    const res = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: 987654321 } } });
    expect(expectEnvelope(res.error, 404, 'access_profile_not_found', res.response).error.param).toBe('id');
  });

  it.each(['abc', '0', '1.5', '-3'])('When the id is %s, then it answers 400 naming id', async (id) => {
    const res = await fetch(`${t.url}/api/access-profiles/${id}`, {
      headers: { Authorization: `Bearer ${t.adminKey}` },
    });
    expect(detailParams(expectEnvelope(await res.json(), 400, 'validation_failed', res))).toContain('id');
  });
});

describe('deleteAccessProfile', () => {
  it('When a profile is deleted, then it is gone, the count drops and a delete audit entry is written', async () => {
    const p = await createProfile(t);
    const before = await storeCounts(t.db);
    const res = await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(res.response.status).toBe(200);
    expect(res.data!.message).toContain(String(p.id));
    const got = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expectEnvelope(got.error, 404, 'access_profile_not_found');
    const after = await storeCounts(t.db);
    expect(after.profiles).toBe(before.profiles - 1);
    expect(after.audit).toBe(before.audit + 1);
    const list = await t.client.GET('/api/access-profiles', { params: { query: { limit: 1 } } });
    expect(list.data!.total_count).toBe(after.profiles);
    // The name is free again.
    await createProfile(t, { name: p.name });
  });

  it('When the profile does not exist, then it answers 404 and writes nothing', async () => {
    const before = await storeCounts(t.db);
    const res = await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: 987654321 } } });
    expectEnvelope(res.error, 404, 'access_profile_not_found', res.response);
    expect(await storeCounts(t.db)).toEqual(before);
  });
});

describe('activate and deactivate', () => {
  it('When a profile is activated twice, then it is active, the version went up once and one audit entry was written', async () => {
    const p = await createProfile(t);
    const before = await storeCounts(t.db);
    const first = await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p.id } } });
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('etag')).toBe('"2"');
    expect(first.data!.access_profile).toMatchObject({ is_active: true, version: 2 });
    const second = await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p.id } } });
    expect(second.data!.access_profile).toMatchObject({ is_active: true, version: 2 });
    const after = await storeCounts(t.db);
    expect(after.versions - before.versions).toBe(1);
    expect(after.audit - before.audit).toBe(1);
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id: p.id } } });
    expect(decoded(audit.data!.audit_logs[0]!)).toMatchObject({
      action: 'activate',
      previous_values: { is_active: false },
      new_values: { is_active: true },
    });
  });

  it('When an active profile is deactivated twice, then it is inactive and the version went up once', async () => {
    const p = await createProfile(t);
    await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p.id } } });
    const first = await t.client.PUT('/api/access-profiles/{id}/deactivate', { params: { path: { id: p.id } } });
    expect(first.data!.access_profile).toMatchObject({ is_active: false, version: 3 });
    const second = await t.client.PUT('/api/access-profiles/{id}/deactivate', { params: { path: { id: p.id } } });
    expect(second.data!.access_profile).toMatchObject({ is_active: false, version: 3 });
    expect(second.response.headers.get('etag')).toBe('"3"');
  });

  it('When the profile does not exist, then activate and deactivate answer 404', async () => {
    for (const path of ['/api/access-profiles/{id}/activate', '/api/access-profiles/{id}/deactivate'] as const) {
      const res = await t.client.PUT(path, { params: { path: { id: 987654321 } } });
      expectEnvelope(res.error, 404, 'access_profile_not_found', res.response);
    }
  });
});

describe('cloneAccessProfile', () => {
  it('When a profile with usage is cloned, then the clone has new ids, zero usage, version 1, inactive and the source description', async () => {
    const src = await createProfile(t, { ...FULL });
    await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: src.id } } });
    // Simulate gateway usage on the source.
    await editStoredProfile(t, src.id, (content) => {
      content.budgets[0]!.current_usage = 42;
      content.provider_configs[0]!.budgets[0]!.current_usage = 7;
      content.rate_limit!.token_current_usage = 1234;
    });

    const name = uniqueName('clone');
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { name },
    });
    expect(res.response.status).toBe(201);
    expect(res.response.headers.get('etag')).toBe('"1"');
    const c = res.data!.access_profile;
    expect(c).toMatchObject({
      name,
      description: src.description,
      is_active: false,
      version: 1,
      tags: src.tags,
      calendar_aligned: src.calendar_aligned,
      mcp_servers: src.mcp_servers,
      mcp_tool_groups: src.mcp_tool_groups,
      mcp_tool_overrides: src.mcp_tool_overrides,
    });
    expect(c.id).not.toBe(src.id);
    const srcIds = new Set([
      ...src.budgets.map((b) => b.id),
      ...src.provider_configs.flatMap((p) => [String(p.id), ...p.budgets.map((b) => b.id)]),
      src.rate_limit!.id,
    ]);
    for (const id of [
      ...c.budgets.map((b) => b.id),
      ...c.provider_configs.flatMap((p) => [String(p.id), ...p.budgets.map((b) => b.id)]),
      c.rate_limit!.id,
    ])
      expect(srcIds.has(id)).toBe(false);
    expect(c.budgets.map((b) => b.current_usage)).toEqual([0, 0]);
    expect(c.provider_configs[0]!.budgets[0]!.current_usage).toBe(0);
    expect(c.rate_limit).toMatchObject({ token_current_usage: 0, request_current_usage: 0, token_max_limit: 500000 });
    expect(c.provider_configs.map((p) => [p.provider_name, p.allowed_models, p.all_models_allowed])).toEqual(
      src.provider_configs.map((p) => [p.provider_name, p.allowed_models, p.all_models_allowed]),
    );
    const detail = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: c.id } } });
    expect(detail.data).toMatchObject({ roles: [], user_count: 0 });
    const after = await storeCounts(t.db);
    expect([after.profiles - before.profiles, after.versions - before.versions, after.audit - before.audit]).toEqual([
      1, 1, 1,
    ]);
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id: c.id } } });
    expect(decoded(audit.data!.audit_logs[0]!)).toMatchObject({
      action: 'clone',
      metadata: expect.objectContaining({ cloned_from: src.id }),
    });
  });

  it('When a description is given (or null), then the clone takes it', async () => {
    const src = await createProfile(t, { description: 'source' });
    const withDesc = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { name: uniqueName(), description: 'mine' },
    });
    expect(withDesc.data!.access_profile.description).toBe('mine');
    const cleared = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { name: uniqueName(), description: null },
    });
    expect(cleared.data!.access_profile.description).toBeNull();
  });

  it('When the clone name is taken, then it answers 409 and writes nothing', async () => {
    const src = await createProfile(t);
    const before = await storeCounts(t.db);
    const res = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { name: src.name.toUpperCase() },
    });
    expectEnvelope(res.error, 409, 'access_profile_name_taken', res.response);
    expect(await storeCounts(t.db)).toEqual(before);
  });

  it('When the source does not exist, then it answers 404', async () => {
    const res = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: 987654321 } },
      body: { name: uniqueName() },
    });
    expectEnvelope(res.error, 404, 'access_profile_not_found', res.response);
  });

  it('When the body has unknown fields or misses the name, then it answers 400 naming them', async () => {
    const src = await createProfile(t);
    const res = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { tags: ['x'] } as never,
    });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toEqual(
      expect.arrayContaining(['name', 'tags']),
    );
  });
});
