// Rows of role attachments: which roles a template is attached to, and whether it is their default.
import { count, type Sql } from './database.js';

export interface AttachmentRow {
  id: number;
  access_profile_id: number;
  role_id: number;
  is_default: number;
  created_at: string;
}

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
