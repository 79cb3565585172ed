// The one store interface: SQL in a portable subset (`?` placeholders, RETURNING, ON CONFLICT),
// run by the SQLite or PostgreSQL driver. Repositories and domain code see only this.
export type SqlValue = string | number | bigint | null;

export interface Sql {
  /** Which store runs the statements, for the few that differ (id sequences). */
  readonly kind: 'sqlite' | 'postgres';
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
}

export interface Database extends Sql {
  /** Runs fn in one transaction: every write in it lands, or none does. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Round-trip time to the store in ms; throws when it does not answer. */
  ping(): Promise<number>;
  /** Connection pool figures, where there is a pool (PostgreSQL). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** The store could not be reached (connection refused, reset, timed out): mapped to 503. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('store unavailable', { cause });
  }
}

/** A unique constraint was violated; `constraint` names it when the driver tells. */
export class UniqueViolationError extends Error {
  constructor(
    readonly constraint: string,
    cause: unknown,
  ) {
    super(`unique violation: ${constraint}`, { cause });
  }
}

/** The `n` column of a `SELECT COUNT(*) AS n …` statement, as a number. */
export async function count(db: Sql, sql: string, params: SqlValue[] = []): Promise<number> {
  return Number((await db.get<{ n: number }>(sql, params))!.n);
}

/** Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on bound parameters. */
export const BATCH_ROWS = 500;

/**
 * `INSERT INTO table (columns) VALUES (…), (…), …` for up to BATCH_ROWS rows (callers chunk), with
 * an optional RETURNING clause, and its parameters in order: one round trip instead of one per row.
 */
export function multiRowInsert<R, C extends keyof R & string>(
  table: string,
  columns: readonly C[],
  rows: readonly R[],
  returning = '',
): [sql: string, params: SqlValue[]] {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}${returning ? ` RETURNING ${returning}` : ''}`;
  return [sql, rows.flatMap((r) => columns.map((c) => r[c] as SqlValue))];
}
