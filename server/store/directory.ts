// Rows of roles, users, memberships, role attachments, user copies and virtual keys.
import type { Sql, SqlValue } from './database.js';

export interface RoleRow {
  id: number;
  name: string;
  description: string | null;
  created_at: string;
}
export interface UserRow {
  id: string;
  name: string | null;
  email: string | null;
  created_at: string;
  updated_at: string;
}
export interface AttachmentRow {
  id: number;
  access_profile_id: number;
  role_id: number;
  is_default: number;
  created_at: string;
}
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
export interface VirtualKeyRow {
  id: string;
  user_id: string;
  user_access_profile_id: number;
  name: string;
  description: string | null;
  key_hash: string;
  prefix: string;
  created_at: string;
}

const count = async (db: Sql, sql: string, params: SqlValue[] = []) =>
  Number((await db.get<{ n: number }>(sql, params))!.n);

export const roles = {
  byId: (db: Sql, id: number) => db.get<RoleRow>('SELECT * FROM roles WHERE id = ?', [id]),
  /** Whether a role already has this name, ignoring case (`nameKey` is the lower-cased name). */
  nameTaken: async (db: Sql, nameKey: string) =>
    (await db.get('SELECT 1 AS x FROM roles WHERE name_key = ?', [nameKey])) !== undefined,
  page: (db: Sql, limit: number, offset: number) =>
    db.all<RoleRow & { user_count: number }>(
      'SELECT r.*, (SELECT COUNT(*) FROM user_roles ur WHERE ur.role_id = r.id) AS user_count FROM roles r ORDER BY r.id LIMIT ? OFFSET ?',
      [limit, offset],
    ),
  count: (db: Sql) => count(db, 'SELECT COUNT(*) AS n FROM roles'),
  memberCount: (db: Sql, id: number) => count(db, 'SELECT COUNT(*) AS n FROM user_roles WHERE role_id = ?', [id]),
  insert: async (tx: Sql, r: Omit<RoleRow, 'id'>) =>
    Number(
      (await tx.get<{ id: number }>(
        'INSERT INTO roles (name, name_key, description, created_at) VALUES (?, ?, ?, ?) RETURNING id',
        [r.name, r.name.toLowerCase(), r.description, r.created_at],
      ))!.id,
    ),
  delete: (tx: Sql, id: number) => tx.run('DELETE FROM roles WHERE id = ?', [id]),
  existing: async (db: Sql, ids: number[]) => {
    if (!ids.length) return new Set<number>();
    const rows = await db.all<{ id: number }>(
      `SELECT id FROM roles WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return new Set(rows.map((r) => Number(r.id)));
  },
  /** Members of a role after `afterUserId`, in id order: keyset pages keep memory flat. */
  membersAfter: (db: Sql, roleIds: number[], afterUserId: string, limit: number) =>
    db.all<{ user_id: string }>(
      `SELECT DISTINCT user_id FROM user_roles WHERE role_id IN (${roleIds.map(() => '?').join(', ')}) AND user_id > ? ORDER BY user_id LIMIT ?`,
      [...roleIds, afterUserId, limit],
    ),
};

export const users = {
  byId: (db: Sql, id: string) => db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]),
  page: (db: Sql, roleId: number | undefined, limit: number, offset: number) =>
    roleId === undefined
      ? db.all<UserRow>('SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?', [limit, offset])
      : db.all<UserRow>(
          'SELECT u.* FROM users u JOIN user_roles ur ON ur.user_id = u.id WHERE ur.role_id = ? ORDER BY u.id LIMIT ? OFFSET ?',
          [roleId, limit, offset],
        ),
  count: (db: Sql, roleId: number | undefined) =>
    roleId === undefined
      ? count(db, 'SELECT COUNT(*) AS n FROM users')
      : count(db, 'SELECT COUNT(*) AS n FROM user_roles WHERE role_id = ?', [roleId]),
  insert: (tx: Sql, r: UserRow) =>
    tx.run('INSERT INTO users (id, name, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
      r.id,
      r.name,
      r.email,
      r.created_at,
      r.updated_at,
    ]),
  update: (tx: Sql, r: UserRow) =>
    tx.run('UPDATE users SET name = ?, email = ?, updated_at = ? WHERE id = ?', [r.name, r.email, r.updated_at, r.id]),
  delete: (tx: Sql, id: string) => tx.run('DELETE FROM users WHERE id = ?', [id]),
  roleIds: async (db: Sql, id: string) =>
    (await db.all<{ role_id: number }>('SELECT role_id FROM user_roles WHERE user_id = ? ORDER BY role_id', [id])).map(
      (r) => Number(r.role_id),
    ),
  roleIdsOf: async (db: Sql, ids: string[]) => {
    const map = new Map<string, number[]>(ids.map((i) => [i, []]));
    if (!ids.length) return map;
    const rows = await db.all<{ user_id: string; role_id: number }>(
      `SELECT user_id, role_id FROM user_roles WHERE user_id IN (${ids.map(() => '?').join(', ')}) ORDER BY role_id`,
      ids,
    );
    for (const r of rows) map.get(r.user_id)!.push(Number(r.role_id));
    return map;
  },
  setRoles: async (tx: Sql, id: string, roleIds: number[]) => {
    await tx.run('DELETE FROM user_roles WHERE user_id = ?', [id]);
    for (const roleId of roleIds) await tx.run('INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)', [id, roleId]);
  },
};

export const attachments = {
  get: (db: Sql, profileId: number, roleId: number) =>
    db.get<AttachmentRow>('SELECT * FROM profile_roles WHERE access_profile_id = ? AND role_id = ?', [
      profileId,
      roleId,
    ]),
  countForRole: (db: Sql, roleId: number) =>
    count(db, 'SELECT COUNT(*) AS n FROM profile_roles WHERE role_id = ?', [roleId]),
  /** A template's attachments with each role's name, oldest first. */
  ofProfileWithRoleNames: (db: Sql, profileId: number) =>
    db.all<AttachmentRow & { role_name: string }>(
      'SELECT pr.*, r.name AS role_name FROM profile_roles pr JOIN roles r ON r.id = pr.role_id WHERE pr.access_profile_id = ? ORDER BY pr.id',
      [profileId],
    ),
  /** Default profiles of these roles. */
  defaultsOf: async (db: Sql, roleIds: number[]) => {
    if (!roleIds.length) return [] as number[];
    const rows = await db.all<{ access_profile_id: number }>(
      `SELECT DISTINCT access_profile_id FROM profile_roles WHERE is_default = 1 AND role_id IN (${roleIds.map(() => '?').join(', ')}) ORDER BY access_profile_id`,
      roleIds,
    );
    return rows.map((r) => Number(r.access_profile_id));
  },
  clearDefault: (tx: Sql, roleId: number) =>
    tx.run('UPDATE profile_roles SET is_default = 0 WHERE role_id = ? AND is_default = 1', [roleId]),
  upsert: (tx: Sql, profileId: number, roleId: number, isDefault: boolean, at: string) =>
    tx.run(
      'INSERT INTO profile_roles (access_profile_id, role_id, is_default, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (access_profile_id, role_id) DO UPDATE SET is_default = excluded.is_default',
      [profileId, roleId, isDefault ? 1 : 0, at],
    ),
  delete: (tx: Sql, profileId: number, roleId: number) =>
    tx.run('DELETE FROM profile_roles WHERE access_profile_id = ? AND role_id = ?', [profileId, roleId]),
};

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
  lock: (tx: Sql, id: number, forUpdate: boolean) =>
    tx.get<CopyRow>(`SELECT * FROM user_access_profiles WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [id]),
  delete: (tx: Sql, id: number) => tx.run('DELETE FROM user_access_profiles WHERE id = ?', [id]),
};

export const virtualKeys = {
  ofCopies: async (db: Sql, copyIds: number[]) => {
    const map = new Map<number, VirtualKeyRow[]>(copyIds.map((i) => [i, []]));
    if (!copyIds.length) return map;
    const rows = await db.all<VirtualKeyRow>(
      `SELECT * FROM virtual_keys WHERE user_access_profile_id IN (${copyIds.map(() => '?').join(', ')}) ORDER BY created_at, id`,
      copyIds,
    );
    for (const r of rows) map.get(Number(r.user_access_profile_id))!.push(r);
    return map;
  },
  byId: (db: Sql, userId: string, id: string) =>
    db.get<VirtualKeyRow>('SELECT * FROM virtual_keys WHERE user_id = ? AND id = ?', [userId, id]),
  countOfUser: (db: Sql, userId: string) =>
    count(db, 'SELECT COUNT(*) AS n FROM virtual_keys WHERE user_id = ?', [userId]),
  nameTaken: async (db: Sql, userId: string, name: string) =>
    !!(await db.get('SELECT 1 AS x FROM virtual_keys WHERE user_id = ? AND name = ?', [userId, name])),
  insert: (tx: Sql, r: VirtualKeyRow) =>
    tx.run(
      'INSERT INTO virtual_keys (id, user_id, user_access_profile_id, name, description, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [r.id, r.user_id, r.user_access_profile_id, r.name, r.description, r.key_hash, r.prefix, r.created_at],
    ),
  delete: (tx: Sql, id: string) => tx.run('DELETE FROM virtual_keys WHERE id = ?', [id]),
  /** Every key of every copy of a template, in id order. */
  ofTemplate: (db: Sql, parentId: number) =>
    db.all<VirtualKeyRow>(
      'SELECT k.* FROM virtual_keys k JOIN user_access_profiles c ON c.id = k.user_access_profile_id WHERE c.parent_profile_id = ? ORDER BY k.id',
      [parentId],
    ),
  /** A new secret for the key: the old value stops working at once. */
  replaceSecret: (tx: Sql, id: string, keyHash: string, prefix: string) =>
    tx.run('UPDATE virtual_keys SET key_hash = ?, prefix = ? WHERE id = ?', [keyHash, prefix, id]),
};
