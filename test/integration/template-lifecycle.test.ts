// A template's life beyond create and update: tags that follow edits into the listing, the roles it is
// attached to as its detail shows them, restoring a version whose windows changed since, and deleting a
// template its users still hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import {
  createProfile,
  editStoredProfile,
  expectStartedDuring,
  OLD_WINDOW,
  updateProfile,
  usersHoldingCopies,
} from '../support/profiles.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';
import { decoded } from '../support/audit.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const getProfile = (id: number) => t.client.GET('/api/access-profiles/{id}', { params: { path: { id } } });
const restore = (id: number, version: number) =>
  t.client.POST('/api/access-profiles/{id}/versions/{version}/restore', { params: { path: { id, version } } });
const listTagged = async (tag: string) =>
  (await t.client.GET('/api/access-profiles', { params: { query: { tags: tag } } })).data!;

describe('tags follow the edits', () => {
  it('When the tags of a profile are replaced, then the listing filtered by the new tag finds it and by the old tag no longer does', async () => {
    const oldTag = uniqueName('old-tag');
    const newTag = uniqueName('new-tag');
    const p = await createProfile(t, { tags: [oldTag] });
    expect((await listTagged(oldTag)).access_profiles.map((x) => x.id)).toEqual([p.id]);

    const res = await updateProfile(t, p.id, { tags: [newTag] });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.access_profile.tags).toEqual([newTag]);

    const byNew = await listTagged(newTag);
    expect(byNew.access_profiles.map((x) => x.id)).toEqual([p.id]);
    expect(byNew.total_count).toBe(1);
    const byOld = await listTagged(oldTag);
    expect(byOld.access_profiles).toEqual([]);
    expect(byOld.total_count).toBe(0);
  });

  it('When a restore brings back the old tags, then the listing follows them too', async () => {
    const first = uniqueName('first-tag');
    const second = uniqueName('second-tag');
    const p = await createProfile(t, { tags: [first] });
    await updateProfile(t, p.id, { tags: [second] });
    const res = await restore(p.id, 1);
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect((await listTagged(first)).access_profiles.map((x) => x.id)).toEqual([p.id]);
    expect((await listTagged(second)).total_count).toBe(0);
  });
});

describe('the roles a template is attached to', () => {
  it('When a template is attached to a role as its default, then its detail lists the role by name as default, and the activation is audited with its reason', async () => {
    const p = await createProfile(t);
    const roleName = uniqueName('role');
    const role = (await t.client.POST('/api/roles', { body: { name: roleName } })).data!.role;
    const attached = await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: p.id } },
      body: { role_ids: [role.id], is_default: true },
    });
    expect(attached.response.status, JSON.stringify(attached.error)).toBe(200);

    const detail = await getProfile(p.id);
    expect(detail.data!.roles).toEqual([
      { id: expect.any(Number), access_profile_id: p.id, role_id: role.id, role_name: roleName, is_default: true },
    ]);
    expect(detail.data!.access_profile).toMatchObject({ is_active: true, version: 2 });
    const activation = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { action: 'activate' } },
    });
    expect(activation.data!.audit_logs).toHaveLength(1);
    expect(decoded(activation.data!.audit_logs[0]!)).toMatchObject({
      previous_values: { is_active: false },
      new_values: { is_active: true },
      metadata: expect.objectContaining({ reason: 'role attached', version: 2 }),
    });
    const v2 = await t.client.GET('/api/access-profiles/{id}/versions/{version}', {
      params: { path: { id: p.id, version: 2 } },
    });
    expect(JSON.parse(v2.data!.version.snapshot)).toMatchObject({ is_active: true, version: 2 });
  });

  it('When a role is attached to a template that is already active, then no new version is written', async () => {
    const p = await createProfile(t);
    await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p.id } } });
    const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('role') } })).data!.role;
    const before = await storeCounts(t.db);
    await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: p.id } },
      body: { role_ids: [role.id] },
    });
    const after = await storeCounts(t.db);
    expect(after.versions).toBe(before.versions);
    expect((await getProfile(p.id)).data!.access_profile.version).toBe(2);
  });
});

describe('restoring a version whose windows changed since', () => {
  it("When the budget kept by id has another reset_duration now, then the restored budget keeps its usage but takes the snapshot's window", async () => {
    const p1 = await createProfile(t, { budgets: [{ max_limit: 10, reset_duration: '1M' }] });
    const id = p1.budgets[0]!.id;
    await updateProfile(t, p1.id, { budgets: [{ id, max_limit: 10, reset_duration: '1d' }] });
    await editStoredProfile(t, p1.id, (c) =>
      Object.assign(c.budgets[0]!, { current_usage: 7, last_reset: OLD_WINDOW }),
    );

    const res = await restore(p1.id, 1);
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.access_profile.budgets).toEqual([{ ...p1.budgets[0]!, current_usage: 7 }]);
  });

  it('When the budget kept by id has the same reset_duration, then it keeps both its usage and its current window', async () => {
    const p1 = await createProfile(t, { budgets: [{ max_limit: 10, reset_duration: '1M' }] });
    const id = p1.budgets[0]!.id;
    await updateProfile(t, p1.id, { budgets: [{ id, max_limit: 30, reset_duration: '1M' }] });
    await editStoredProfile(t, p1.id, (c) =>
      Object.assign(c.budgets[0]!, { current_usage: 7, last_reset: OLD_WINDOW }),
    );
    const res = await restore(p1.id, 1);
    expect(res.data!.access_profile.budgets).toEqual([{ ...p1.budgets[0]!, current_usage: 7, last_reset: OLD_WINDOW }]);
  });

  it('When a provider budget and rate limit kept by id changed since, then the restore keeps usage where the window is the same and restarts it where it is not', async () => {
    const p1 = await createProfile(t, {
      provider_configs: [
        {
          provider_name: 'openai',
          budgets: [{ max_limit: 5, reset_duration: '1d' }],
          rate_limit: {
            token_max_limit: 100,
            token_reset_duration: '1d',
            request_max_limit: 10,
            request_reset_duration: '1h',
          },
        },
      ],
    });
    const pc = p1.provider_configs[0]!;
    await updateProfile(t, p1.id, {
      provider_configs: [
        {
          id: pc.id,
          provider_name: 'openai',
          budgets: [{ id: pc.budgets[0]!.id, max_limit: 9, reset_duration: '1d' }],
          rate_limit: {
            token_max_limit: 100,
            token_reset_duration: '1h',
            request_max_limit: 20,
            request_reset_duration: '1h',
          },
        },
      ],
    });
    await editStoredProfile(t, p1.id, (c) => {
      Object.assign(c.provider_configs[0]!.budgets[0]!, { current_usage: 3, last_reset: OLD_WINDOW });
      Object.assign(c.provider_configs[0]!.rate_limit!, {
        token_current_usage: 50,
        request_current_usage: 4,
        token_last_reset: OLD_WINDOW,
        request_last_reset: OLD_WINDOW,
      });
    });

    const started = Date.now();
    const res = await restore(p1.id, 1);
    const ended = Date.now();
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const restored = res.data!.access_profile.provider_configs[0]!;
    expect(restored.budgets).toEqual([{ ...pc.budgets[0]!, current_usage: 3, last_reset: OLD_WINDOW }]);
    const rl = restored.rate_limit!;
    // The token window is 1d again (it was 1h): a new window with no usage; the request window stayed 1h.
    expect(rl).toMatchObject({
      id: pc.rate_limit!.id,
      token_max_limit: 100,
      token_reset_duration: '1d',
      token_current_usage: 0,
      request_max_limit: 10,
      request_current_usage: 4,
      request_last_reset: OLD_WINDOW,
    });
    expectStartedDuring(rl.token_last_reset, started, ended);
  });

  it("When the profile rate limit's request window changed since, then the restore restarts that window and keeps the token one", async () => {
    const p1 = await createProfile(t, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1d',
        request_max_limit: 10,
        request_reset_duration: '1d',
      },
    });
    await updateProfile(t, p1.id, {
      rate_limit: {
        token_max_limit: 100,
        token_reset_duration: '1d',
        request_max_limit: 10,
        request_reset_duration: '1h',
      },
    });
    await editStoredProfile(t, p1.id, (c) =>
      Object.assign(c.rate_limit!, {
        token_current_usage: 50,
        request_current_usage: 4,
        token_last_reset: OLD_WINDOW,
        request_last_reset: OLD_WINDOW,
      }),
    );
    const started = Date.now();
    const res = await restore(p1.id, 1);
    const ended = Date.now();
    const rl = res.data!.access_profile.rate_limit!;
    expect(rl).toMatchObject({
      id: p1.rate_limit!.id,
      request_reset_duration: '1d',
      request_current_usage: 0,
      token_current_usage: 50,
      token_last_reset: OLD_WINDOW,
    });
    expectStartedDuring(rl.request_last_reset, started, ended);
  });

  it('When a provider config and its rate limit were removed since, then the restore brings them back exactly as the snapshot has them', async () => {
    const p1 = await createProfile(t, {
      provider_configs: [
        { provider_name: 'openai', rate_limit: { request_max_limit: 10, request_reset_duration: '1d' } },
      ],
    });
    await updateProfile(t, p1.id, { provider_configs: [] });
    const res = await restore(p1.id, 1);
    expect(res.data!.access_profile.provider_configs).toEqual(p1.provider_configs);
  });
});

describe('deleting a template users still hold', () => {
  it('When one user holds a copy, then the delete answers 409 access_profile_in_use saying one user, and the template stays', async () => {
    const p = await createProfile(t);
    await usersHoldingCopies(t, p.id, 1);
    const before = await storeCounts(t.db);
    const res = await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    const env = expectEnvelope(res.error, 409, 'access_profile_in_use', res.response);
    expect(env.error.message).toContain('held by 1 user;');
    expect(env.error.param).toBe('id');
    expect(await storeCounts(t.db)).toEqual(before);
    expect((await getProfile(p.id)).response.status).toBe(200);
  });

  it('When two users hold copies, then the message counts both', async () => {
    const p = await createProfile(t);
    await usersHoldingCopies(t, p.id, 2);
    const res = await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } });
    expect(expectEnvelope(res.error, 409, 'access_profile_in_use', res.response).error.message).toContain(
      'held by 2 users;',
    );
  });
});

describe('what the errors say', () => {
  it('When If-Match names older versions, a weak tag or nothing current, then the 412 message says the current version and what was named', async () => {
    const p = await createProfile(t);
    await updateProfile(t, p.id, { description: 'v2' });
    const put = (ifMatch: string) =>
      t.client.PUT('/api/access-profiles/{id}', {
        params: { path: { id: p.id }, header: { 'If-Match': ifMatch } },
        body: { description: 'lost' },
      });
    const two = await put('"1", "3"');
    expect(expectEnvelope(two.error, 412, 'version_mismatch', two.response).error.message).toBe(
      `Access profile ${p.id} is at version 2; If-Match named 1, 3.`,
    );
    const weak = await put('W/"2"');
    expect(expectEnvelope(weak.error, 412, 'version_mismatch', weak.response).error.message).toBe(
      `Access profile ${p.id} is at version 2; If-Match named no version of it.`,
    );
  });

  it('When the profile, the version or the name is wrong, then the message says which', async () => {
    const missing = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: 987654321 } } });
    expect(expectEnvelope(missing.error, 404, 'access_profile_not_found', missing.response).error.message).toBe(
      'Access profile 987654321 was not found.',
    );
    const p = await createProfile(t);
    const version = await restore(p.id, 9);
    expect(expectEnvelope(version.error, 404, 'version_not_found', version.response).error).toMatchObject({
      message: `Access profile ${p.id} has no version 9.`,
      param: 'version',
    });
    const taken = await t.client.POST('/api/access-profiles', { body: { name: p.name } });
    expect(expectEnvelope(taken.error, 409, 'access_profile_name_taken', taken.response).error.message).toBe(
      `An access profile named '${p.name}' already exists.`,
    );
  });
});

describe('names on update', () => {
  it('When a profile is renamed with surrounding spaces and a decomposed accent, then it is stored canonical and clashes like the canonical name', async () => {
    const p = await createProfile(t);
    const base = uniqueName('renamed');
    const res = await updateProfile(t, p.id, { name: `  ${base}e\u0301 ` });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data!.access_profile.name).toBe(`${base}\u00e9`);
    const clash = await t.client.POST('/api/access-profiles', { body: { name: `${base}\u00e9` } });
    expectEnvelope(clash.error, 409, 'access_profile_name_taken', clash.response);
  });

  it('When a profile is renamed to a name of only invisible characters, then it answers 400 naming name and keeps its name', async () => {
    const p = await createProfile(t);
    const res = await updateProfile(t, p.id, { name: '\u200b\u200b' });
    expect(expectEnvelope(res.error, 400, 'validation_failed', res.response).error.param).toBe('name');
    expect((await getProfile(p.id)).data!.access_profile.name).toBe(p.name);
  });
});

describe('counts and audit around create, clone and delete', () => {
  it('When profiles are listed by is_active alone, then total_count counts only the matching ones', async () => {
    const p = await createProfile(t);
    await t.client.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: p.id } } });
    const all = (await t.client.GET('/api/access-profiles', { params: { query: { limit: 1 } } })).data!.total_count;
    const active = (await t.client.GET('/api/access-profiles', { params: { query: { is_active: true, limit: 500 } } }))
      .data!;
    const inactive = (
      await t.client.GET('/api/access-profiles', { params: { query: { is_active: false, limit: 500 } } })
    ).data!;
    expect(active.total_count).toBe(active.access_profiles.length);
    expect(inactive.total_count).toBe(inactive.access_profiles.length);
    expect(active.total_count + inactive.total_count).toBe(all);
    expect(active.access_profiles.map((x) => x.id)).toContain(p.id);
    expect(inactive.total_count).toBeGreaterThan(0);
  });

  it('When a profile is cloned, then the unfiltered total_count goes up by one', async () => {
    const src = await createProfile(t);
    const total = async () =>
      (await t.client.GET('/api/access-profiles', { params: { query: { limit: 1 } } })).data!.total_count;
    const before = await total();
    const res = await t.client.POST('/api/access-profiles/{id}/clone', {
      params: { path: { id: src.id } },
      body: { name: uniqueName('clone') },
    });
    expect(res.response.status).toBe(201);
    expect(await total()).toBe(before + 1);
  });

  it('When a profile is deleted, then its delete audit entry records the version it had and its last state', async () => {
    const p = await createProfile(t, { tags: ['gone'] });
    await updateProfile(t, p.id, { description: 'last words' });
    expect(
      (await t.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).response.status,
    ).toBe(200);
    const audit = (
      await t.client.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: p.id }, query: { action: 'delete' } },
      })
    ).data!.audit_logs.map(decoded);
    expect(audit).toEqual([
      expect.objectContaining({
        previous_values: expect.objectContaining({ id: p.id, description: 'last words', version: 2, tags: ['gone'] }),
        new_values: null,
        metadata: expect.objectContaining({ version: 2 }),
      }),
    ]);
  });
});
