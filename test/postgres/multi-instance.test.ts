// Two server processes on one PostgreSQL database, driven at once through the typed client: no update
// is lost, versions never repeat, each change has exactly one audit entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessProfilesClient, type AccessProfilesClient } from '../../client/index.js';
import { dropSchema, newSchemaName, schemaUrl, withPostgres } from '../support/pg-schema.js';
import { startServerProcess, type ServerProcess } from '../support/processes.js';

const ADMIN = 'multi-instance-admin-key-0123';
const schema = newSchemaName('multi');
let a: ServerProcess;
let b: ServerProcess;
let clients: AccessProfilesClient[];

beforeAll(async () => {
  // Started together: the migrations run once, under the advisory lock.
  const started = await Promise.all([0, 1].map(() => startServerProcess({ DATABASE_URL: schemaUrl(schema), ADMIN_API_KEY: ADMIN })));
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
    expect(rows.rows.map((r) => r.version)).toEqual([1]);
  });

  it('When ten updates race through both instances with the same If-Match, then exactly one wins and the rest get 412', async () => {
    const created = await client(0).POST('/api/access-profiles', { body: { name: `race-${schema}` } });
    const id = created.data!.access_profile.id;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      client(i).PUT('/api/access-profiles/{id}', { params: { path: { id }, header: { 'If-Match': '"1"' } }, body: { description: `writer ${i}` } })));
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    const winner = results.find((r) => r.response.status === 200)!.data!.access_profile;
    const now = await client(1).GET('/api/access-profiles/{id}', { params: { path: { id } } });
    expect(now.data!.access_profile).toMatchObject({ version: 2, description: winner.description });
  });

  it('When ten creates of one name race through both instances, then exactly one is 201 and the rest 409', async () => {
    const name = `same-name-${schema}`;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => client(i).POST('/api/access-profiles', { body: { name: i % 2 ? name.toUpperCase() : name } })));
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    for (const r of results.filter((x) => x.response.status === 409)) expect(r.error?.error.code).toBe('access_profile_name_taken');
  });

  it('When twenty updates without If-Match run at once on both instances, then none is lost: versions 1..21 without repeats and one audit entry each', async () => {
    const created = await client(0).POST('/api/access-profiles', { body: { name: `serial-${schema}`, tags: ['t0'] } });
    const id = created.data!.access_profile.id;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      client(i).PUT('/api/access-profiles/{id}', { params: { path: { id } }, body: { tags: [`t${i + 1}`] } })));
    expect(results.map((r) => r.response.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.data!.access_profile.version)).size).toBe(20);
    const versions = await client(1).GET('/api/access-profiles/{id}/versions', { params: { path: { id }, query: { limit: 100 } } });
    expect(versions.data!.versions.map((v) => v.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    const audit = await client(0).GET('/api/access-profiles/{id}/audit-logs', { params: { path: { id }, query: { action: 'update', limit: 100 } } });
    expect(audit.data!.total_count).toBe(20);
    expect(audit.data!.audit_logs.map((e) => (e.metadata as { version: number }).version).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });
});
