// PostgreSQL becoming unreachable under load: the server answers 503 with the envelope, /health says
// so, it recovers by itself, and no half-written change survives. The outage is made by a TCP proxy
// between the server and PostgreSQL, so other tests sharing the database are not disturbed.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessProfilesClient } from '../../client/index.js';
import { dropSchema, newSchemaName, postgresUrl, withPostgres } from '../support/pg-schema.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/processes.js';

const ADMIN = 'faults-admin-key-0123456789';
const schema = newSchemaName('faults');

class ToggleProxy {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}
  up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }
  down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let proxy: ToggleProxy;
let server: ServerProcess;

beforeAll(async () => {
  const pg = new URL(postgresUrl());
  proxy = new ToggleProxy(await freePort(), { host: pg.hostname, port: Number(pg.port || 5432) });
  await proxy.up();
  const viaProxy = new URL(postgresUrl());
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  viaProxy.searchParams.set('schema', schema);
  server = await startServerProcess({
    DATABASE_URL: viaProxy.toString(),
    ADMIN_API_KEY: ADMIN,
    PG_CONNECT_TIMEOUT_MS: '1000',
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await proxy?.down();
  await dropSchema(schema);
});

describe('PostgreSQL outage', () => {
  it('When the store goes away under load, then requests get 503 store_unavailable (never 500), /health says so, and the server recovers by itself', async () => {
    const api = createAccessProfilesClient({ baseUrl: server.url, apiKey: ADMIN });
    let stop = false;
    const statuses: number[] = [];
    const codes = new Set<string>();
    let n = 0;
    const load = (async () => {
      while (!stop) {
        const r = await api.POST('/api/access-profiles', {
          body: { name: `fault-${n++}`, budgets: [{ max_limit: 5, reset_duration: '1d' }] },
        });
        statuses.push(r.response.status);
        if (r.error) codes.add(r.error.error.code);
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await proxy.down();
    await new Promise((r) => setTimeout(r, 1500));
    const health = await fetch(`${server.url}/health`).catch((e: unknown) => {
      throw new Error(`the server stopped answering (exit ${server.child.exitCode}); its output:\n${server.output()}`, {
        cause: e,
      });
    });
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', store: { kind: 'postgres', reachable: false } });
    await proxy.up();
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = (await fetch(`${server.url}/health`)).status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await load;
    expect(recovered).toBe(true);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(statuses).toContain(503);
    expect(statuses.at(-1)).toBe(201);
    expect([...codes].filter((c) => c !== 'store_unavailable')).toEqual([]);
  });

  it('When the outage is over, then every profile has exactly its version snapshots and audit entries (no half-written change)', async () => {
    const check = await withPostgres((c) =>
      c.query(`
      SELECT p.id, p.version,
        (SELECT COUNT(*) FROM ${schema}.profile_versions v WHERE v.access_profile_id = p.id) AS versions,
        (SELECT COUNT(*) FROM ${schema}.audit_logs a WHERE a.access_profile_id = p.id) AS audits
      FROM ${schema}.access_profiles p`),
    );
    expect(check.rows.length).toBeGreaterThan(0);
    for (const row of check.rows)
      expect([Number(row.versions), Number(row.audits)]).toEqual([Number(row.version), Number(row.version)]);
    // The template count is the sum of its shards.
    const counter = await withPostgres((c) =>
      c.query(
        `SELECT SUM(value) AS value FROM ${schema}.counters WHERE name = 'access_profiles' OR name LIKE 'access\\_profiles:%'`,
      ),
    );
    expect(Number(counter.rows[0].value)).toBe(check.rows.length);
  });
});
