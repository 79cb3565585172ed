// Role attachments: which roles a template is attached to, and whether it is their default.
import { count, type Sql } from './database.js';

export interface AttachmentRecord {
  id: number;
  access_profile_id: number;
  role_id: number;
  is_default: boolean;
  created_at: string;
}

type AttachmentColumns = Omit<AttachmentRecord, 'is_default'> & { is_default: number };
const toRecord = <R extends AttachmentColumns>(row: R): Omit<R, 'is_default'> & { is_default: boolean } => ({
  ...row,
  is_default: row.is_default === 1,
});

export const attachments = {
  get: async (db: Sql, profileId: number, roleId: number) => {
    const row = await db.get<AttachmentColumns>(
      'SELECT * FROM profile_roles WHERE access_profile_id = ? AND role_id = ?',
      [profileId, roleId],
    );
    return row && toRecord(row);
  },
  countForRole: (db: Sql, roleId: number) =>
    count(db, 'SELECT COUNT(*) AS n FROM profile_roles WHERE role_id = ?', [roleId]),
  /** A template's attachments with each role's name, oldest first. */
  ofProfileWithRoleNames: async (db: Sql, profileId: number) =>
    (
      await db.all<AttachmentColumns & { role_name: string }>(
        'SELECT pr.*, r.name AS role_name FROM profile_roles pr JOIN roles r ON r.id = pr.role_id WHERE pr.access_profile_id = ? ORDER BY pr.id',
        [profileId],
      )
    ).map(toRecord),
  /** Default profiles of these roles. */
  defaultsOf: async (db: Sql, roleIds: number[]) => {
    if (!roleIds.length) return [] as number[];
    const rows = await db.all<{ access_profile_id: number }>(
      `SELECT DISTINCT access_profile_id FROM profile_roles WHERE is_default = 1 AND role_id IN (${roleIds.map(() => '?').join(', ')}) ORDER BY access_profile_id`,
      roleIds,
    );
    return rows.map((r) => r.access_profile_id);
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
