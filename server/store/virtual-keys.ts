// Virtual keys (hashes only), each bound to a user's copy.
import { count, multiRowInsert, type Sql } from './database.js';

export interface VirtualKeyRecord {
  id: string;
  user_id: string;
  user_access_profile_id: number;
  name: string;
  description: string | null;
  key_hash: string;
  prefix: string;
  created_at: string;
}

export const virtualKeys = {
  ofCopies: async (db: Sql, copyIds: number[]) => {
    const map = new Map<number, VirtualKeyRecord[]>(copyIds.map((i) => [i, []]));
    if (!copyIds.length) return map;
    const rows = await db.all<VirtualKeyRecord>(
      `SELECT * FROM virtual_keys WHERE user_access_profile_id IN (${copyIds.map(() => '?').join(', ')}) ORDER BY created_at, id`,
      copyIds,
    );
    for (const r of rows) map.get(r.user_access_profile_id)!.push(r);
    return map;
  },
  byId: (db: Sql, userId: string, id: string) =>
    db.get<VirtualKeyRecord>('SELECT * FROM virtual_keys WHERE user_id = ? AND id = ?', [userId, id]),
  countOfUser: (db: Sql, userId: string) =>
    count(db, 'SELECT COUNT(*) AS n FROM virtual_keys WHERE user_id = ?', [userId]),
  nameTaken: async (db: Sql, userId: string, name: string) =>
    !!(await db.get('SELECT 1 AS x FROM virtual_keys WHERE user_id = ? AND name = ?', [userId, name])),
  /** The key names each of these users already has. */
  namesOfUsers: async (db: Sql, userIds: string[]): Promise<Map<string, Set<string>>> => {
    const names = new Map(userIds.map((u) => [u, new Set<string>()]));
    if (!userIds.length) return names;
    const rows = await db.all<{ user_id: string; name: string }>(
      `SELECT user_id, name FROM virtual_keys WHERE user_id IN (${userIds.map(() => '?').join(', ')})`,
      userIds,
    );
    for (const r of rows) names.get(r.user_id)?.add(r.name);
    return names;
  },
  /** Inserts up to BATCH_ROWS keys in one statement. */
  insertMany: async (tx: Sql, rows: VirtualKeyRecord[]) => {
    if (!rows.length) return;
    const columns = [
      'id',
      'user_id',
      'user_access_profile_id',
      'name',
      'description',
      'key_hash',
      'prefix',
      'created_at',
    ] as const;
    await tx.run(...multiRowInsert('virtual_keys', columns, rows));
  },
  insert: (tx: Sql, r: VirtualKeyRecord) =>
    tx.run(
      'INSERT INTO virtual_keys (id, user_id, user_access_profile_id, name, description, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [r.id, r.user_id, r.user_access_profile_id, r.name, r.description, r.key_hash, r.prefix, r.created_at],
    ),
  delete: (tx: Sql, id: string) => tx.run('DELETE FROM virtual_keys WHERE id = ?', [id]),
  /** Every key of every copy of a template, in id order. */
  ofTemplate: (db: Sql, parentId: number) =>
    db.all<VirtualKeyRecord>(
      'SELECT k.* FROM virtual_keys k JOIN user_access_profiles c ON c.id = k.user_access_profile_id WHERE c.parent_profile_id = ? ORDER BY k.id',
      [parentId],
    ),
  /** A new secret for the key: the old value stops working at once. */
  replaceSecret: (tx: Sql, id: string, keyHash: string, prefix: string) =>
    tx.run('UPDATE virtual_keys SET key_hash = ?, prefix = ? WHERE id = ?', [keyHash, prefix, id]),
};
