// Two server processes on one PostgreSQL database, driven at once through the typed client: no update
// is lost, versions never repeat, each change has exactly one audit entry.
import { postgresMigrations } from '../../server/store/migrations/postgres.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessProfilesClient, type AccessProfilesClient } from '../../client/index.js';
import { dropSchema, newSchemaName, schemaUrl, withPostgres } from '../support/pg-schema.js';
import { startServerProcess, type ServerProcess } from '../support/processes.js';
import { decoded } from '../support/audit.js';

const ADMIN = 'multi-instance-admin-key-0123';
const schema = newSchemaName('multi');
let a: ServerProcess;
let b: ServerProcess;
let clients: AccessProfilesClient[];

beforeAll(async () => {
  // Started together: the migrations run once, under the advisory lock.
  const started = await Promise.all(
    [0, 1].map(() => startServerProcess({ DATABASE_URL: schemaUrl(schema), ADMIN_API_KEY: ADMIN })),
  );
  a = started[0]!;
  b = started[1]!;
  clients = [a, b].map((s) => createAccessProfilesClient({ baseUrl: s.url, apiKey: ADMIN }));
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await dropSchema(schema);
});

const client = (i: number) => clients[i % 2]!;

describe('two instances on one PostgreSQL', () => {
  it('When both instances start together, then the schema was migrated exactly once', async () => {
    const rows = await withPostgres((c) => c.query(`SELECT version FROM ${schema}.schema_migrations`));
    expect(rows.rows.map((r) => Number(r.version)).sort((a, b) => a - b)).toEqual(
      postgresMigrations.map((m) => m.version),
    );
  });

  it('When ten updates race through both instances with the same If-Match, then exactly one wins and the rest get 412', async () => {
    const created = await client(0).POST('/api/access-profiles', { body: { name: `race-${schema}` } });
    const id = created.data!.access_profile.id;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client(i).PUT('/api/access-profiles/{id}', {
          params: { path: { id }, header: { 'If-Match': '"1"' } },
          body: { description: `writer ${i}` },
        }),
      ),
    );
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    const winner = results.find((r) => r.response.status === 200)!.data!.access_profile;
    const now = await client(1).GET('/api/access-profiles/{id}', { params: { path: { id } } });
    expect(now.data!.access_profile).toMatchObject({ version: 2, description: winner.description });
  });

  it('When ten creates of one name race through both instances, then exactly one is 201 and the rest 409', async () => {
    const name = `same-name-${schema}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client(i).POST('/api/access-profiles', { body: { name: i % 2 ? name.toUpperCase() : name } }),
      ),
    );
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    for (const r of results.filter((x) => x.response.status === 409))
      expect(r.error?.error.code).toBe('access_profile_name_taken');
  });

  it('When twenty updates without If-Match run at once on both instances, then none is lost: versions 1..21 without repeats and one audit entry each', async () => {
    const created = await client(0).POST('/api/access-profiles', { body: { name: `serial-${schema}`, tags: ['t0'] } });
    const id = created.data!.access_profile.id;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client(i).PUT('/api/access-profiles/{id}', { params: { path: { id } }, body: { tags: [`t${i + 1}`] } }),
      ),
    );
    expect(results.map((r) => r.response.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.data!.access_profile.version)).size).toBe(20);
    const versions = await client(1).GET('/api/access-profiles/{id}/versions', {
      params: { path: { id }, query: { limit: 100 } },
    });
    expect(versions.data!.versions.map((v) => v.version).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 21 }, (_, i) => i + 1),
    );
    const audit = await client(0).GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id }, query: { action: 'update', limit: 100 } },
    });
    expect(audit.data!.total_count).toBe(20);
    expect(audit.data!.audit_logs.map((e) => decoded(e).metadata!.version as number).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
  });

  it('When one instance propagates while the other edits the template, then every copy matches the template version it records', async () => {
    const role = (await client(0).POST('/api/roles', { body: { name: `role-${schema}` } })).data!.role;
    const users = Array.from({ length: 40 }, (_, i) => `m${i}-${schema}@example.com`);
    for (const id of users) await client(1).POST('/api/users', { body: { id, role_ids: [role.id] } });
    const created = await client(0).POST('/api/access-profiles', {
      body: { name: `prop-${schema}`, budgets: [{ max_limit: 100, reset_duration: '1M' }] },
    });
    const id = created.data!.access_profile.id;
    const attached = await client(1).POST('/api/access-profiles/{id}/roles', {
      params: { path: { id } },
      body: { role_ids: [role.id], apply_to_existing: true },
    });
    expect(attached.data!.users_applied).toBe(40);
    const edits = (async () => {
      for (let i = 1; i <= 5; i++)
        await client(1).PUT('/api/access-profiles/{id}', {
          params: { path: { id } },
          body: { budgets: [{ max_limit: 100 + i, reset_duration: '1M' }] },
        });
    })();
    const runs = (async () => {
      for (let i = 0; i < 3; i++)
        expect(
          (
            await client(0).POST('/api/access-profiles/{id}/propagate', {
              params: { path: { id } },
              body: { fields: ['budgets'] },
            })
          ).data!.failed_users,
        ).toBe(0);
    })();
    await Promise.all([edits, runs]);
    const limitAt = new Map<number, number>();
    const versions = await client(0).GET('/api/access-profiles/{id}/versions', {
      params: { path: { id }, query: { limit: 100 } },
    });
    for (const v of versions.data!.versions)
      limitAt.set(v.version, (JSON.parse(v.snapshot) as { budgets: { max_limit: number }[] }).budgets[0]!.max_limit);
    for (const user of users) {
      const copy = (
        await client(user.length % 2).GET('/api/users/{user_id}/access-profiles', {
          params: { path: { user_id: user } },
        })
      ).data!.access_profiles[0]!;
      expect(copy.budgets).toHaveLength(1);
      expect(copy.budgets[0]!.max_limit, `${user} at template version ${copy.parent_version}`).toBe(
        limitAt.get(copy.parent_version),
      );
    }
    // A last propagation brings every copy to the final template.
    await client(1).POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id } },
      body: { fields: ['budgets'] },
    });
    for (const user of users.slice(0, 5)) {
      const copy = (
        await client(0).GET('/api/users/{user_id}/access-profiles', { params: { path: { user_id: user } } })
      ).data!.access_profiles[0]!;
      expect(copy.budgets[0]!.max_limit).toBe(105);
    }
  });
});
