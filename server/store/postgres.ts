// PostgreSQL store through `pg`: a pool of connections, `?` placeholders translated to `$n`,
// migrations under an advisory lock (instances starting together do not race), connection faults
// mapped to StoreUnavailableError (503) and serialization failures retried.
import type pg from 'pg';
import { createRequire } from 'node:module';
import { StoreUnavailableError, UniqueViolationError, type Database, type Sql, type SqlValue } from './database.js';
import { StartupError, maskUrl } from '../startup-error.js';
import { applyMigrations } from './migrations/migration.js';
import { postgresMigrations } from './migrations/postgres.js';

export interface PostgresOptions {
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  connectRetryMs: number;
}

// The driver is loaded when a PostgreSQL store is opened, not at every start (SQLite needs none of it).
let driver: typeof pg | null = null;
function loadDriver(): typeof pg {
  if (!driver) {
    driver = createRequire(import.meta.url)('pg') as typeof pg;
    // int8 (counts, ids) and numeric as JS numbers: ids stay below 2^53 (the API rejects larger ones).
    driver.types.setTypeParser(20, (v) => Number(v));
    driver.types.setTypeParser(1700, (v) => Number(v));
  }
  return driver;
}

const MIGRATION_LOCK = 7_314_220_901;
const RETRYABLE = new Set(['40001', '40P01']);
// Transient: shutdown, too many connections, connection failures, statement timeout (57014) and lock timeout (55P03).
const UNAVAILABLE_CODES = new Set([
  '57014',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08007',
]);

const placeholderCache = new Map<string, string>();
/** `?` → `$1..$n`, leaving question marks inside string literals alone. */
export function toPositional(sql: string): string {
  let out = placeholderCache.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  let inString = false;
  out = '';
  for (const ch of sql) {
    if (ch === "'") inString = !inString;
    out += !inString && ch === '?' ? `$${++n}` : ch;
  }
  if (placeholderCache.size < 5000) placeholderCache.set(sql, out);
  return out;
}

function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  if (!err) return false;
  if (
    err.code &&
    (UNAVAILABLE_CODES.has(err.code) ||
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(err.code))
  )
    return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Connection ended/i.test(
    err.message ?? '',
  );
}

function mapError(e: unknown): unknown {
  const err = e as { code?: string; constraint?: string };
  if (err?.code === '23505') return new UniqueViolationError(err.constraint ?? 'unique', e);
  if (isUnavailable(e)) return new StoreUnavailableError(e);
  return e;
}

function schemaOf(url: string): { connectionString: string; schema: string | null } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`DATABASE_URL schema '${schema}' must be a lower-case SQL identifier`);
  return { connectionString: u.toString(), schema };
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<Database> {
  const { connectionString, schema } = schemaOf(url);
  const pool = new (loadDriver().Pool)({
    connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: schema ? `access-profiles-api:${schema}` : 'access-profiles-api',
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  const db = new PostgresDatabase(pool);
  await firstConnection(db, url, options.connectRetryMs);
  await db.withClient(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // Inside the lock: two instances running IF NOT EXISTS at once can both try to create it, and the
      // loser fails on pg_namespace's unique index.
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await applyMigrations(db, postgresMigrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
  return db;
}

/**
 * Waits for PostgreSQL at start: an unreachable server is retried with backoff for `retryMs` (it may be
 * starting beside us); anything else (no such database, bad credentials) fails at once, named.
 */
async function firstConnection(db: PostgresDatabase, url: string, retryMs: number): Promise<void> {
  const deadline = Date.now() + retryMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await db.pool.query('SELECT 1');
      return;
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (isUnavailable(e) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000, Math.max(0, deadline - Date.now()))));
        continue;
      }
      await db.close().catch(() => undefined);
      const why = `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`;
      throw new StartupError(
        'DATABASE_URL',
        isUnavailable(e)
          ? `PostgreSQL at ${maskUrl(url)} is unreachable${retryMs ? ` after retrying for ${Math.round(retryMs / 1000)} s (PG_CONNECT_RETRY_MS)` : ''} (${why})`
          : `PostgreSQL at ${maskUrl(url)} refused the connection (${why})`,
      );
    }
  }
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  constructor(readonly pool: pg.Pool) {}

  poolStats() {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  private async query<T>(
    runner: pg.Pool | pg.PoolClient,
    sql: string,
    params: SqlValue[],
  ): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    try {
      return await runner.query<T & pg.QueryResultRow>(toPositional(sql), params as unknown[]);
    } catch (e) {
      throw mapError(e);
    }
  }

  private on(runner: pg.Pool | pg.PoolClient): Sql {
    return {
      kind: this.kind,
      all: async <T>(sql: string, params: SqlValue[] = []) => (await this.query<T>(runner, sql, params)).rows as T[],
      get: async <T>(sql: string, params: SqlValue[] = []) =>
        (await this.query<T>(runner, sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params: SqlValue[] = []) => ({
        changes: (await this.query(runner, sql, params)).rowCount ?? 0,
      }),
    };
  }

  all<T>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.on(this.pool).all<T>(sql, params);
  }
  get<T>(sql: string, params: SqlValue[] = []): Promise<T | undefined> {
    return this.on(this.pool).get<T>(sql, params);
  }
  run(sql: string, params: SqlValue[] = []): Promise<{ changes: number }> {
    return this.on(this.pool).run(sql, params);
  }

  /** A dedicated client for the length of fn; destroyed instead of reused when its connection broke. */
  async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw mapError(e);
    }
    // A checked-out client whose connection drops between two queries emits 'error' outside any query;
    // the pool listens only to idle clients, so without this listener that event ends the process.
    let broken = false;
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (e) {
      broken ||= isUnavailable(e) || e instanceof StoreUnavailableError;
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (client) => {
          await this.query(client, 'BEGIN', []);
          try {
            const result = await fn(this.on(client));
            await this.query(client, 'COMMIT', []);
            return result;
          } catch (e) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw e;
          }
        });
      } catch (e) {
        const code = ((e as { cause?: { code?: string } }).cause ?? (e as { code?: string }))?.code;
        if (attempt < 5 && code && RETRYABLE.has(code)) {
          await new Promise((r) => setTimeout(r, 5 * 2 ** attempt + Math.random() * 10));
          continue;
        }
        throw e;
      }
    }
  }

  async ping(): Promise<number> {
    const start = performance.now();
    await this.get('SELECT 1 AS ok');
    return performance.now() - start;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
