// User access profiles: each user's own copy of a template. Reads return records with `is_active` a
// boolean and `content` parsed; writes store them back as the columns hold them.
import type { CopyContent } from './content.js';
import { count, multiRowInsert, type Sql } from './database.js';

export interface CopyRecord {
  id: number;
  user_id: string;
  parent_profile_id: number;
  parent_version: number;
  name: string;
  is_active: boolean;
  expires_at: string | null;
  content: CopyContent;
  created_at: string;
  updated_at: string;
}

type CopyColumns = Omit<CopyRecord, 'is_active' | 'content'> & { is_active: number; content: string };

const toRecord = (row: CopyColumns): CopyRecord => ({
  ...row,
  is_active: row.is_active === 1,
  content: JSON.parse(row.content) as CopyContent,
});
const maybeRecord = (row: CopyColumns | undefined) => (row ? toRecord(row) : undefined);
const toColumns = (r: Omit<CopyRecord, 'id'>): Omit<CopyColumns, 'id'> => ({
  ...r,
  is_active: r.is_active ? 1 : 0,
  content: JSON.stringify(r.content),
});

/** How many users hold a copy of a template (one parameter: its id): the one definition of `user_count`. */
export const HOLDERS_OF_TEMPLATE = 'SELECT COUNT(*) FROM user_access_profiles WHERE parent_profile_id = ?';

export const copies = {
  /** How many users hold a copy of this template. */
  countOfTemplate: (db: Sql, parentId: number) => count(db, `SELECT (${HOLDERS_OF_TEMPLATE}) AS n`, [parentId]),
  of: async (db: Sql, userId: string, parentId: number) =>
    maybeRecord(
      await db.get<CopyColumns>('SELECT * FROM user_access_profiles WHERE user_id = ? AND parent_profile_id = ?', [
        userId,
        parentId,
      ]),
    ),
  pageOfUser: async (db: Sql, userId: string, limit: number, offset: number) =>
    (
      await db.all<CopyColumns>('SELECT * FROM user_access_profiles WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?', [
        userId,
        limit,
        offset,
      ])
    ).map(toRecord),
  countOfUser: (db: Sql, userId: string) =>
    count(db, 'SELECT COUNT(*) AS n FROM user_access_profiles WHERE user_id = ?', [userId]),
  allOfUser: async (db: Sql, userId: string) =>
    (await db.all<CopyColumns>('SELECT * FROM user_access_profiles WHERE user_id = ? ORDER BY id', [userId])).map(
      toRecord,
    ),
  latestOfUser: async (db: Sql, userId: string) =>
    maybeRecord(
      await db.get<CopyColumns>('SELECT * FROM user_access_profiles WHERE user_id = ? ORDER BY id DESC LIMIT 1', [
        userId,
      ]),
    ),
  /** Copies of a template after `afterId`, in id order (keyset pages). */
  ofParentAfter: async (db: Sql, parentId: number, afterId: number, limit: number, userIds?: string[]) =>
    (userIds
      ? await db.all<CopyColumns>(
          `SELECT * FROM user_access_profiles WHERE parent_profile_id = ? AND id > ? AND user_id IN (${userIds.map(() => '?').join(', ')}) ORDER BY id LIMIT ?`,
          [parentId, afterId, ...userIds, limit],
        )
      : await db.all<CopyColumns>(
          'SELECT * FROM user_access_profiles WHERE parent_profile_id = ? AND id > ? ORDER BY id LIMIT ?',
          [parentId, afterId, limit],
        )
    ).map(toRecord),
  holdersAmong: async (db: Sql, parentId: number, userIds: string[]) => {
    if (!userIds.length) return new Set<string>();
    const rows = await db.all<{ user_id: string }>(
      `SELECT user_id FROM user_access_profiles WHERE parent_profile_id = ? AND user_id IN (${userIds.map(() => '?').join(', ')})`,
      [parentId, ...userIds],
    );
    return new Set(rows.map((r) => r.user_id));
  },
  /** Inserts copies for distinct users of one template (at most BATCH_ROWS); returns each user's copy id. */
  insertMany: async (tx: Sql, records: Omit<CopyRecord, 'id'>[]): Promise<Map<string, number>> => {
    if (!records.length) return new Map();
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
      ...multiRowInsert('user_access_profiles', columns, records.map(toColumns), 'id, user_id'),
    );
    return new Map(inserted.map((r) => [r.user_id, r.id]));
  },
  update: (tx: Sql, r: Pick<CopyRecord, 'id' | 'parent_version' | 'content' | 'updated_at'>) =>
    tx.run('UPDATE user_access_profiles SET parent_version = ?, content = ?, updated_at = ? WHERE id = ?', [
      r.parent_version,
      JSON.stringify(r.content),
      r.updated_at,
      r.id,
    ]),
  /** Updates several copies of one template to one version in one statement (at most BATCH_ROWS). */
  updateMany: async (
    tx: Sql,
    rows: Array<Pick<CopyRecord, 'id' | 'content'>>,
    parentVersion: number,
    updatedAt: string,
  ) => {
    if (!rows.length) return;
    await tx.run(
      `UPDATE user_access_profiles SET parent_version = ?, updated_at = ?, content = CASE id ${rows.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (${rows.map(() => '?').join(', ')})`,
      [parentVersion, updatedAt, ...rows.flatMap((r) => [r.id, JSON.stringify(r.content)]), ...rows.map((r) => r.id)],
    );
  },
  /** These copies, locked for the transaction on PostgreSQL (SQLite serialises writers anyway). */
  lockMany: async (tx: Sql, ids: number[], forUpdate: boolean): Promise<Map<number, CopyRecord>> => {
    if (!ids.length) return new Map();
    const rows = await tx.all<CopyColumns>(
      `SELECT * FROM user_access_profiles WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id${forUpdate ? ' FOR UPDATE' : ''}`,
      ids,
    );
    return new Map(rows.map((r) => [r.id, toRecord(r)]));
  },
  lock: async (tx: Sql, id: number, forUpdate: boolean) =>
    maybeRecord(
      await tx.get<CopyColumns>(`SELECT * FROM user_access_profiles WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [
        id,
      ]),
    ),
  delete: (tx: Sql, id: number) => tx.run('DELETE FROM user_access_profiles WHERE id = ?', [id]),
};
