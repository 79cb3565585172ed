// SQLite store through better-sqlite3 (WAL, foreign keys on). The driver is synchronous and the
// connection is one, so transactions are serialised by a queue: a transaction holds the connection
// across its awaits, and no other request's statement can interleave with it.
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StartupError } from '../startup-error.js';
import { UniqueViolationError, type Database, type Sql, type SqlValue } from './database.js';
import { applyMigrations } from './migrations/migration.js';
import { sqliteMigrations } from './migrations/sqlite.js';

/**
 * The database file's folder, created one level at a time from the nearest existing ancestor: Node's
 * recursive mkdir spins forever under /proc, and each step's error names the folder that failed.
 */
function ensureFolder(folder: string, url: string): void {
  const missing: string[] = [];
  for (let dir = resolve(folder); !existsSync(dir); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new StartupError('DATABASE_URL', `${url}: cannot create the folder ${dir} (${err.code ?? err.message})`);
    }
  }
}

export async function openSqlite(url: string): Promise<Database> {
  const file = url.replace(/^sqlite:/, '');
  const memory = file === ':memory:';
  if (!memory) ensureFolder(dirname(file), url);
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(memory ? ':memory:' : file);
    raw.pragma('journal_mode = WAL');
  } catch (e) {
    const err = e as Error & { code?: string };
    throw new StartupError(
      'DATABASE_URL',
      `${url}: cannot open the SQLite database (${err.code ? `${err.code}: ` : ''}${err.message})`,
    );
  }
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  // SQLite's lower() folds ASCII only; PostgreSQL's folds every letter. Same search results on both.
  raw.function(
    'lower',
    { deterministic: true },
    (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value) as string | null,
  );
  const db = new SqliteDatabase(raw);
  await applyMigrations(db, sqliteMigrations);
  return db;
}

const UNIQUE_RE = /UNIQUE constraint failed: (.+)$/;

class SqliteDatabase implements Database {
  readonly kind = 'sqlite' as const;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private inTransaction = false;

  constructor(private readonly raw: BetterSqlite3.Database) {}

  private prepare(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      if (this.statements.size > 2000) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  private exec<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const m = e instanceof Error ? UNIQUE_RE.exec(e.message) : null;
      if (m) throw new UniqueViolationError(m[1] ?? 'unique', e);
      throw e;
    }
  }

  // Direct statements: run at once unless a transaction holds the connection, then wait for it.
  private direct<T>(fn: () => T): Promise<T> {
    if (!this.inTransaction) {
      try {
        return Promise.resolve(this.exec(fn));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.enqueue(async () => this.exec(fn));
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private sqlOn(): Sql {
    return {
      kind: this.kind,
      all: async <T>(sql: string, params: SqlValue[] = []) => this.exec(() => this.prepare(sql).all(...params) as T[]),
      get: async <T>(sql: string, params: SqlValue[] = []) =>
        this.exec(() => this.prepare(sql).get(...params) as T | undefined),
      run: async (sql: string, params: SqlValue[] = []) =>
        this.exec(() => ({ changes: this.prepare(sql).run(...params).changes })),
    };
  }

  all<T>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.direct(() => this.prepare(sql).all(...params) as T[]);
  }
  get<T>(sql: string, params: SqlValue[] = []): Promise<T | undefined> {
    return this.direct(() => this.prepare(sql).get(...params) as T | undefined);
  }
  run(sql: string, params: SqlValue[] = []): Promise<{ changes: number }> {
    return this.direct(() => ({ changes: this.prepare(sql).run(...params).changes }));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.inTransaction = true;
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.sqlOn());
        this.raw.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw e;
      } finally {
        this.inTransaction = false;
      }
    });
  }

  async ping(): Promise<number> {
    const start = performance.now();
    await this.get('SELECT 1 AS ok');
    return performance.now() - start;
  }

  async close(): Promise<void> {
    await this.enqueue(async () => this.raw.close());
  }
}
