// Named counters in the store: the template count (an O(1) unfiltered total) and id sequences.
import type { Sql } from './database.js';

/** Reserves `n` consecutive values of a sequence; returns the first. Serialised by the row lock. */
export async function reserveSequence(tx: Sql, name: string, n: number): Promise<number> {
  if (n <= 0) return 0;
  await tx.run('INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING', [name]);
  const row = await tx.get<{ value: number }>('UPDATE counters SET value = value + ? WHERE name = ? RETURNING value', [n, name]);
  return Number(row!.value) - n + 1;
}

export async function addToCounter(tx: Sql, name: string, delta: number): Promise<void> {
  await tx.run('UPDATE counters SET value = value + ? WHERE name = ?', [delta, name]);
}

export async function counterValue(db: Sql, name: string): Promise<number> {
  const row = await db.get<{ value: number }>('SELECT value FROM counters WHERE name = ?', [name]);
  return Number(row?.value ?? 0);
}

/** An id source for domain code, backed by a block reserved in the store. */
export async function providerConfigIds(tx: Sql, upperBound: number): Promise<() => number> {
  let next = await reserveSequence(tx, 'provider_config_ids', upperBound);
  const last = next + upperBound - 1;
  return () => {
    if (next > last) throw new Error('provider config id block exhausted');
    return next++;
  };
}
