// Starts the real server in-process for integration tests: a temporary SQLite file by default, or the
// store a `databaseUrl` names (e.g. a PostgreSQL DATABASE_URL from CI), with a typed client.
import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccessProfilesClient, type AccessProfilesClient } from '../../client/index.js';
import { loadConfig } from '../../server/config.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { Database } from '../../server/store/database.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestServerOptions {
  /** Store to use; default a fresh `sqlite:<tmpdir>/db.sqlite`. Pass the same URL again to restart on it. */
  databaseUrl?: string;
  /** ADMIN_API_KEY; `null` starts without one (the server then generates the first key if none exists). */
  adminKey?: string | null;
  /** Extra environment for loadConfig (e.g. BODY_LIMIT_BYTES). */
  env?: Record<string, string>;
}

export interface TestServer {
  url: string;
  /** The admin key in use: ADMIN_API_KEY, or the generated one when this start created it. */
  adminKey: string;
  generatedAdminKey: string | null;
  databaseUrl: string;
  /** A typed client authenticated with the admin key. */
  client: AccessProfilesClient;
  /** A typed client with another key (or none). */
  clientWith(apiKey?: string): AccessProfilesClient;
  db: Database;
  server: RunningServer;
  /** Stops the server; removes the temporary directory unless `keepData` (for restart tests). */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** A fresh temporary SQLite URL and its directory (the caller removes it). */
export function tempSqliteUrl(): { url: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ap-test-'));
  return { url: `sqlite:${join(dir, 'db.sqlite')}`, dir };
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  let tempDir: string | null = null;
  let pgSchema: string | null = null;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl && process.env.TEST_STORE === 'postgres') {
    // The PostgreSQL pass of the suite: a schema of its own per server, dropped on close.
    const base = process.env.TEST_DATABASE_URL;
    if (!base) throw new Error('TEST_STORE=postgres needs TEST_DATABASE_URL');
    pgSchema = `t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const u = new URL(base);
    u.searchParams.set('schema', pgSchema);
    databaseUrl = u.toString();
  }
  if (!databaseUrl) {
    const t = tempSqliteUrl();
    tempDir = t.dir;
    databaseUrl = t.url;
  }
  const adminKey = opts.adminKey === undefined ? TEST_ADMIN_KEY : opts.adminKey;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    // Suites send thousands of requests and many deliberate 401s from one address; the rate-limit
    // suite turns the limits on itself.
    RATE_LIMIT_PER_KEY: '0',
    RATE_LIMIT_AUTH_FAILURES: '0',
    ...(adminKey ? { ADMIN_API_KEY: adminKey } : {}),
    ...opts.env,
  };
  const server = await startServer(loadConfig(env));
  const key = adminKey ?? server.generatedAdminKey ?? '';
  const clientWith = (apiKey?: string) =>
    createAccessProfilesClient({ baseUrl: server.url, ...(apiKey ? { apiKey } : {}) });
  return {
    url: server.url,
    adminKey: key,
    generatedAdminKey: server.generatedAdminKey,
    databaseUrl,
    client: clientWith(key),
    clientWith,
    db: server.db,
    server,
    async close({ keepData = false } = {}) {
      await server.close();
      if (tempDir && !keepData) rmSync(tempDir, { recursive: true, force: true });
      if (pgSchema && !keepData) await dropSchema(process.env.TEST_DATABASE_URL!, pgSchema);
    },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

let counter = 0;
/** A name unique within the run (and across files run in parallel). */
export function uniqueName(prefix = 'profile'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Rows in the tables a template change writes: for "state unchanged" checks. */
export async function storeCounts(
  db: Database,
): Promise<{ profiles: number; versions: number; audit: number; apiKeys: number }> {
  const n = async (table: string) =>
    Number((await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
  return {
    profiles: await n('access_profiles'),
    versions: await n('profile_versions'),
    audit: await n('audit_logs'),
    apiKeys: await n('api_keys'),
  };
}

/**
 * The server a whole test file shares, started in its `beforeAll`. When it cannot start, every test of
 * the file fails with the start error (each touches the server), instead of being skipped: a change
 * that breaks start-up must fail the suite loudly, including under mutation testing, whose runner does
 * not count skipped tests as failures.
 */
export async function suiteServer(opts: TestServerOptions = {}): Promise<TestServer> {
  try {
    return await startTestServer(opts);
  } catch (e) {
    const failure = new Error(`the test server did not start: ${(e as Error).message}`, { cause: e });
    return new Proxy({} as TestServer, {
      get(_target, property) {
        // Not a thenable: the caller's await gets the proxy itself.
        if (property === 'then') return undefined;
        throw failure;
      },
    });
  }
}
