// The sandbox's seed: the spec's named examples, created through the API, so the sandbox shows the docs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFromExamples } from '../../scripts/sandbox-seed.js';
import { startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

describe('sandbox seed', () => {
  it('When a fresh store is seeded from the examples, then it holds the example profiles, role and user with a copy', async () => {
    const summary = await seedFromExamples(t.client);
    expect(summary).toMatchObject({ profiles: ['Data Science', 'Contractors'], roles: ['engineer'], users: ['alice@example.com'] });
    const list = await t.client.GET('/api/access-profiles', { params: { query: { search: 'Data Science' } } });
    expect(list.data!.access_profiles[0]).toMatchObject({ name: 'Data Science', is_active: true, tags: ['data-science'] });
    const copies = await t.client.GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: 'alice@example.com' } } });
    expect(copies.data!.access_profiles.map((c) => c.name)).toEqual(['Data Science']);
  });
});
