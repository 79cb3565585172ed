// Users and their role memberships.
import { count, type Sql } from './database.js';

export interface UserRecord {
  id: string;
  name: string | null;
  email: string | null;
  created_at: string;
  updated_at: string;
}

export const users = {
  byId: (db: Sql, id: string) => db.get<UserRecord>('SELECT * FROM users WHERE id = ?', [id]),
  page: (db: Sql, roleId: number | undefined, limit: number, offset: number) =>
    roleId === undefined
      ? db.all<UserRecord>('SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?', [limit, offset])
      : db.all<UserRecord>(
          'SELECT u.* FROM users u JOIN user_roles ur ON ur.user_id = u.id WHERE ur.role_id = ? ORDER BY u.id LIMIT ? OFFSET ?',
          [roleId, limit, offset],
        ),
  count: (db: Sql, roleId: number | undefined) =>
    roleId === undefined
      ? count(db, 'SELECT COUNT(*) AS n FROM users')
      : count(db, 'SELECT COUNT(*) AS n FROM user_roles WHERE role_id = ?', [roleId]),
  insert: (tx: Sql, r: UserRecord) =>
    tx.run('INSERT INTO users (id, name, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
      r.id,
      r.name,
      r.email,
      r.created_at,
      r.updated_at,
    ]),
  update: (tx: Sql, r: UserRecord) =>
    tx.run('UPDATE users SET name = ?, email = ?, updated_at = ? WHERE id = ?', [r.name, r.email, r.updated_at, r.id]),
  delete: (tx: Sql, id: string) => tx.run('DELETE FROM users WHERE id = ?', [id]),
  roleIds: async (db: Sql, id: string) =>
    (await db.all<{ role_id: number }>('SELECT role_id FROM user_roles WHERE user_id = ? ORDER BY role_id', [id])).map(
      (r) => r.role_id,
    ),
  roleIdsOf: async (db: Sql, ids: string[]) => {
    const map = new Map<string, number[]>(ids.map((i) => [i, []]));
    if (!ids.length) return map;
    const rows = await db.all<{ user_id: string; role_id: number }>(
      `SELECT user_id, role_id FROM user_roles WHERE user_id IN (${ids.map(() => '?').join(', ')}) ORDER BY role_id`,
      ids,
    );
    for (const r of rows) map.get(r.user_id)!.push(r.role_id);
    return map;
  },
  setRoles: async (tx: Sql, id: string, roleIds: number[]) => {
    await tx.run('DELETE FROM user_roles WHERE user_id = ?', [id]);
    for (const roleId of roleIds) await tx.run('INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)', [id, roleId]);
  },
};
