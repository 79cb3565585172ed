// A store that reports how long each statement and transaction took (for metrics), and otherwise is
// the store it wraps.
import type { Database, Sql, SqlValue } from './database.js';

export type StoreObserver = (operation: 'statement' | 'transaction', seconds: number, failed: boolean) => void;

async function timed<T>(
  observe: StoreObserver,
  operation: 'statement' | 'transaction',
  run: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  let failed = true;
  try {
    const result = await run();
    failed = false;
    return result;
  } finally {
    observe(operation, (performance.now() - start) / 1000, failed);
  }
}

function observedSql(sql: Sql, observe: StoreObserver): Sql {
  return {
    kind: sql.kind,
    all: <T>(text: string, params?: SqlValue[]) => timed(observe, 'statement', () => sql.all<T>(text, params)),
    get: <T>(text: string, params?: SqlValue[]) => timed(observe, 'statement', () => sql.get<T>(text, params)),
    run: (text: string, params?: SqlValue[]) => timed(observe, 'statement', () => sql.run(text, params)),
  };
}

export function instrumented(db: Database, observe: StoreObserver): Database {
  return {
    ...observedSql(db, observe),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
      timed(observe, 'transaction', () => db.transaction((tx) => fn(observedSql(tx, observe)))),
    ping: () => db.ping(),
    close: () => db.close(),
    ...(db.poolStats ? { poolStats: () => db.poolStats!() } : {}),
  };
}
