// The sandbox's seed: the docs' world (the spec's response examples) or a seed file, created through the
// API with the ids the seed names, so examples copied from /docs work in the sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySeed, docsSeed, parseSeed } from '../../scripts/sandbox-seed.js';
import { type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

describe('sandbox seed', () => {
  it("When a fresh store is seeded with the docs' examples, then profiles 12 and 13, roles 3 and 4 and alice are there with the docs' ids, names and state", async () => {
    const summary = await applySeed(t.client, t.db, docsSeed());
    expect(summary).toMatchObject({
      profiles: ['12 Engineering Default', '13 Data Science'],
      roles: ['3 engineer', '4 staff-engineer'],
      users: ['alice@example.com'],
    });
    const detail = (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: 12 } } })).data!;
    expect(detail.access_profile).toMatchObject({
      id: 12,
      name: 'Engineering Default',
      is_active: true,
      tags: ['engineering', 'default'],
      calendar_aligned: true,
    });
    expect(detail.roles.map((r) => [r.role_id, r.role_name, r.is_default])).toEqual([
      [3, 'engineer', true],
      [4, 'staff-engineer', false],
    ]);
    expect(detail.access_profile.provider_configs.map((p) => p.provider_name)).toEqual(['openai', 'anthropic']);
    const created = (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: 13 } } })).data!
      .access_profile;
    expect(created).toMatchObject({ name: 'Data Science', is_active: false });
    const copy = await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: 'alice@example.com', profile_id: 12 } },
    });
    expect(copy.response.status).toBe(200);
    // usage is never seeded: the docs show a used profile, the seed starts it at zero
    expect(detail.access_profile.budgets.every((b) => b.current_usage === 0)).toBe(true);
  });

  it('When a seed file is given, then its roles and profiles get exactly its ids; a malformed one is refused naming what is wrong', async () => {
    const seed = parseSeed(
      JSON.stringify({
        roles: [{ id: 70, name: 'seeded-role' }],
        profiles: [{ id: 80, name: 'Seeded One', budgets: [{ max_limit: 5, reset_duration: '1d' }] }],
        attachments: [{ profile_id: 80, role_id: 70, is_default: true }],
        users: [{ id: 'seeded-user', role_ids: [70] }],
      }),
    );
    const summary = await applySeed(t.client, t.db, seed);
    expect(summary).toMatchObject({ profiles: ['80 Seeded One'], roles: ['70 seeded-role'], users: ['seeded-user'] });
    const copies = await t.client.GET('/api/users/{user_id}/access-profiles', {
      params: { path: { user_id: 'seeded-user' } },
    });
    expect(copies.data!.access_profiles.map((c) => c.parent_profile_id)).toEqual([80]);
    expect(() => parseSeed('{"profiles":[{"name":"no id"}],"roles":{}}')).toThrow(
      /roles must be a list; profiles\[0\] needs an integer id and a name/,
    );
    // an id already used cannot be handed out again
    await expect(
      applySeed(t.client, t.db, parseSeed(JSON.stringify({ profiles: [{ id: 12, name: 'Again' }] }))),
    ).rejects.toThrow(/access_profiles id 12 cannot be given: id \d+ is already in use/);
  });
});
