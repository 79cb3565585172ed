// Rows of user access profiles: each user's own copy of a template.
import { count, multiRowInsert, type Sql } from './database.js';

export interface CopyRow {
  id: number;
  user_id: string;
  parent_profile_id: number;
  parent_version: number;
  name: string;
  is_active: number;
  expires_at: string | null;
  content: string;
  created_at: string;
  updated_at: string;
}

export const copies = {
  /** How many users hold a copy of this template. */
  countOfTemplate: (db: Sql, parentId: number) =>
    count(db, 'SELECT COUNT(*) AS n FROM user_access_profiles WHERE parent_profile_id = ?', [parentId]),
  of: (db: Sql, userId: string, parentId: number) =>
    db.get<CopyRow>('SELECT * FROM user_access_profiles WHERE user_id = ? AND parent_profile_id = ?', [
      userId,
      parentId,
    ]),
  pageOfUser: (db: Sql, userId: string, limit: number, offset: number) =>
    db.all<CopyRow>('SELECT * FROM user_access_profiles WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?', [
      userId,
      limit,
      offset,
    ]),
  countOfUser: (db: Sql, userId: string) =>
    count(db, 'SELECT COUNT(*) AS n FROM user_access_profiles WHERE user_id = ?', [userId]),
  allOfUser: (db: Sql, userId: string) =>
    db.all<CopyRow>('SELECT * FROM user_access_profiles WHERE user_id = ? ORDER BY id', [userId]),
  latestOfUser: (db: Sql, userId: string) =>
    db.get<CopyRow>('SELECT * FROM user_access_profiles WHERE user_id = ? ORDER BY id DESC LIMIT 1', [userId]),
  /** Copies of a template after `afterId`, in id order (keyset pages). */
  ofParentAfter: (db: Sql, parentId: number, afterId: number, limit: number, userIds?: string[]) =>
    userIds
      ? db.all<CopyRow>(
          `SELECT * FROM user_access_profiles WHERE parent_profile_id = ? AND id > ? AND user_id IN (${userIds.map(() => '?').join(', ')}) ORDER BY id LIMIT ?`,
          [parentId, afterId, ...userIds, limit],
        )
      : db.all<CopyRow>(
          'SELECT * FROM user_access_profiles WHERE parent_profile_id = ? AND id > ? ORDER BY id LIMIT ?',
          [parentId, afterId, limit],
        ),
  holdersAmong: async (db: Sql, parentId: number, userIds: string[]) => {
    if (!userIds.length) return new Set<string>();
    const rows = await db.all<{ user_id: string }>(
      `SELECT user_id FROM user_access_profiles WHERE parent_profile_id = ? AND user_id IN (${userIds.map(() => '?').join(', ')})`,
      [parentId, ...userIds],
    );
    return new Set(rows.map((r) => r.user_id));
  },
  /** Inserts copies for distinct users of one template (at most BATCH_ROWS); returns each user's copy id. */
  insertMany: async (tx: Sql, rows: Omit<CopyRow, 'id'>[]): Promise<Map<string, number>> => {
    if (!rows.length) return new Map();
    const columns = [
      'user_id',
      'parent_profile_id',
      'parent_version',
      'name',
      'is_active',
      'expires_at',
      'content',
      'created_at',
      'updated_at',
    ] as const;
    const inserted = await tx.all<{ id: number; user_id: string }>(
      ...multiRowInsert('user_access_profiles', columns, rows, 'id, user_id'),
    );
    return new Map(inserted.map((r) => [r.user_id, Number(r.id)]));
  },
  insert: async (tx: Sql, r: Omit<CopyRow, 'id'>) =>
    Number(
      (await tx.get<{ id: number }>(
        'INSERT INTO user_access_profiles (user_id, parent_profile_id, parent_version, name, is_active, expires_at, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
        [
          r.user_id,
          r.parent_profile_id,
          r.parent_version,
          r.name,
          r.is_active,
          r.expires_at,
          r.content,
          r.created_at,
          r.updated_at,
        ],
      ))!.id,
    ),
  update: (tx: Sql, r: Pick<CopyRow, 'id' | 'parent_version' | 'content' | 'updated_at'>) =>
    tx.run('UPDATE user_access_profiles SET parent_version = ?, content = ?, updated_at = ? WHERE id = ?', [
      r.parent_version,
      r.content,
      r.updated_at,
      r.id,
    ]),
  /** Updates several copies of one template to one version in one statement (at most BATCH_ROWS). */
  updateMany: async (
    tx: Sql,
    rows: Array<Pick<CopyRow, 'id' | 'content'>>,
    parentVersion: number,
    updatedAt: string,
  ) => {
    if (!rows.length) return;
    await tx.run(
      `UPDATE user_access_profiles SET parent_version = ?, updated_at = ?, content = CASE id ${rows.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (${rows.map(() => '?').join(', ')})`,
      [parentVersion, updatedAt, ...rows.flatMap((r) => [r.id, r.content]), ...rows.map((r) => r.id)],
    );
  },
  /** These copies, locked for the transaction on PostgreSQL (SQLite serialises writers anyway). */
  lockMany: async (tx: Sql, ids: number[], forUpdate: boolean): Promise<Map<number, CopyRow>> => {
    if (!ids.length) return new Map();
    const rows = await tx.all<CopyRow>(
      `SELECT * FROM user_access_profiles WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id${forUpdate ? ' FOR UPDATE' : ''}`,
      ids,
    );
    return new Map(rows.map((r) => [Number(r.id), r]));
  },
  lock: (tx: Sql, id: number, forUpdate: boolean) =>
    tx.get<CopyRow>(`SELECT * FROM user_access_profiles WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [id]),
  delete: (tx: Sql, id: number) => tx.run('DELETE FROM user_access_profiles WHERE id = ?', [id]),
};
