// Roles.
import { count, type Sql } from './database.js';

export interface RoleRecord {
  id: number;
  name: string;
  description: string | null;
  created_at: string;
}

export const roles = {
  byId: (db: Sql, id: number) => db.get<RoleRecord>('SELECT * FROM roles WHERE id = ?', [id]),
  /** Whether a role already has this name, ignoring case (`nameKey` is the lower-cased name). */
  nameTaken: async (db: Sql, nameKey: string) =>
    (await db.get('SELECT 1 AS x FROM roles WHERE name_key = ?', [nameKey])) !== undefined,
  page: (db: Sql, limit: number, offset: number) =>
    db.all<RoleRecord & { user_count: number }>(
      'SELECT r.*, (SELECT COUNT(*) FROM user_roles ur WHERE ur.role_id = r.id) AS user_count FROM roles r ORDER BY r.id LIMIT ? OFFSET ?',
      [limit, offset],
    ),
  count: (db: Sql) => count(db, 'SELECT COUNT(*) AS n FROM roles'),
  memberCount: (db: Sql, id: number) => count(db, 'SELECT COUNT(*) AS n FROM user_roles WHERE role_id = ?', [id]),
  insert: async (tx: Sql, r: Omit<RoleRecord, 'id'>) =>
    (await tx.get<{ id: number }>(
      'INSERT INTO roles (name, name_key, description, created_at) VALUES (?, ?, ?, ?) RETURNING id',
      [r.name, r.name.toLowerCase(), r.description, r.created_at],
    ))!.id,
  delete: (tx: Sql, id: number) => tx.run('DELETE FROM roles WHERE id = ?', [id]),
  existing: async (db: Sql, ids: number[]) => {
    if (!ids.length) return new Set<number>();
    const rows = await db.all<{ id: number }>(
      `SELECT id FROM roles WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return new Set(rows.map((r) => r.id));
  },
  /** Members of a role after `afterUserId`, in id order: keyset pages keep memory flat. */
  membersAfter: (db: Sql, roleIds: number[], afterUserId: string, limit: number) =>
    db.all<{ user_id: string }>(
      `SELECT DISTINCT user_id FROM user_roles WHERE role_id IN (${roleIds.map(() => '?').join(', ')}) AND user_id > ? ORDER BY user_id LIMIT ?`,
      [...roleIds, afterUserId, limit],
    ),
};
