// Named counters in the store: the template count (an O(1) unfiltered total) and id sequences. Neither
// may be a row every create locks until it commits: on PostgreSQL that would queue the writers of every
// instance behind one another.
import type { Sql } from './database.js';

/**
 * `n` new values of an id sequence. PostgreSQL: a SEQUENCE (nextval takes no lock a transaction holds;
 * values are unique, not necessarily consecutive). SQLite, whose writers are serialised anyway: a row
 * of `counters`, consecutive values.
 */
export async function reserveIds(tx: Sql, name: 'provider_config_ids', n: number): Promise<number[]> {
  if (n <= 0) return [];
  if (tx.kind === 'postgres') {
    const rows = await tx.all<{ id: number | string }>(`SELECT nextval('${name}') AS id FROM generate_series(1, ?)`, [
      n,
    ]);
    return rows.map((r) => Number(r.id));
  }
  await tx.run('INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING', [name]);
  const row = await tx.get<{ value: number }>('UPDATE counters SET value = value + ? WHERE name = ? RETURNING value', [
    n,
    name,
  ]);
  const first = Number(row!.value) - n + 1;
  return Array.from({ length: n }, (_, i) => first + i);
}

/**
 * A counter is the sum of its shards (`<name>` and `<name>:1` … `<name>:15`); a change goes to one
 * shard picked at random, so concurrent creates seldom wait for the same row.
 */
const SHARDS = 16;
const shardNames = (name: string) => [name, ...Array.from({ length: SHARDS - 1 }, (_, i) => `${name}:${i + 1}`)];

export async function addToCounter(tx: Sql, name: string, delta: number): Promise<void> {
  const shard = Math.floor(Math.random() * SHARDS);
  await tx.run(
    'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value',
    [shard === 0 ? name : `${name}:${shard}`, delta],
  );
}

export async function counterValue(db: Sql, name: string): Promise<number> {
  const names = shardNames(name);
  const row = await db.get<{ value: number | string | null }>(
    `SELECT SUM(value) AS value FROM counters WHERE name IN (${names.map(() => '?').join(', ')})`,
    names,
  );
  return Number(row?.value ?? 0);
}

/** An id source for domain code, backed by ids reserved in the store. */
export async function providerConfigIds(tx: Sql, upperBound: number): Promise<() => number> {
  const ids = await reserveIds(tx, 'provider_config_ids', upperBound);
  let i = 0;
  return () => {
    if (i >= ids.length) throw new Error('provider config id block exhausted');
    return ids[i++]!;
  };
}
