// The history: version snapshots and audit log entries.
import type { components } from '../../generated/openapi.js';
import { count, multiRowInsert, type Sql, type SqlValue } from './database.js';

export interface VersionRecord {
  id: number;
  access_profile_id: number;
  version: number;
  name: string;
  description: string | null;
  /** The profile as served at that version, as JSON text (the API serves it as text). */
  snapshot: string;
  changed_by: string | null;
  created_at: string;
}

export const versions = {
  insert: (tx: Sql, r: Omit<VersionRecord, 'id'>) =>
    tx.run(
      'INSERT INTO profile_versions (access_profile_id, version, name, description, snapshot, changed_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [r.access_profile_id, r.version, r.name, r.description, r.snapshot, r.changed_by, r.created_at],
    ),
  get: (db: Sql, profileId: number, version: number) =>
    db.get<VersionRecord>('SELECT * FROM profile_versions WHERE access_profile_id = ? AND version = ?', [
      profileId,
      version,
    ]),
  /** The profile as its version `version` was served (the snapshot, parsed); none if there is no such version. */
  snapshotOf: async (db: Sql, profileId: number, version: number) => {
    const row = await db.get<{ snapshot: string }>(
      'SELECT snapshot FROM profile_versions WHERE access_profile_id = ? AND version = ?',
      [profileId, version],
    );
    return row && (JSON.parse(row.snapshot) as components['schemas']['AccessProfile']);
  },
  page: (db: Sql, profileId: number, limit: number, offset: number) =>
    db.all<VersionRecord>(
      'SELECT * FROM profile_versions WHERE access_profile_id = ? ORDER BY version DESC LIMIT ? OFFSET ?',
      [profileId, limit, offset],
    ),
  count: (db: Sql, profileId: number) =>
    count(db, 'SELECT COUNT(*) AS n FROM profile_versions WHERE access_profile_id = ?', [profileId]),
};

export interface AuditRecord {
  id: number;
  access_profile_id: number | null;
  user_id: string | null;
  actor: string | null;
  action: components['schemas']['AuditAction'];
  previous_values: string | null;
  new_values: string | null;
  metadata: string | null;
  created_at: string;
}

export interface AuditFilter {
  accessProfileId?: number;
  action?: string;
  userId?: string;
}

function auditWhere(f: AuditFilter): { sql: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (f.accessProfileId !== undefined) {
    clauses.push('access_profile_id = ?');
    params.push(f.accessProfileId);
  }
  if (f.action !== undefined) {
    clauses.push('action = ?');
    params.push(f.action);
  }
  if (f.userId !== undefined) {
    clauses.push('user_id = ?');
    params.push(f.userId);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export const auditLogs = {
  /** Inserts up to BATCH_ROWS entries in one statement, in the order given. */
  insertMany: async (tx: Sql, rows: Omit<AuditRecord, 'id'>[]) => {
    if (!rows.length) return;
    const columns = [
      'access_profile_id',
      'user_id',
      'actor',
      'action',
      'previous_values',
      'new_values',
      'metadata',
      'created_at',
    ] as const;
    await tx.run(...multiRowInsert('audit_logs', columns, rows));
  },
  insert: (tx: Sql, r: Omit<AuditRecord, 'id'>) =>
    tx.run(
      'INSERT INTO audit_logs (access_profile_id, user_id, actor, action, previous_values, new_values, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [r.access_profile_id, r.user_id, r.actor, r.action, r.previous_values, r.new_values, r.metadata, r.created_at],
    ),
  page: (db: Sql, f: AuditFilter, limit: number, offset: number) => {
    const w = auditWhere(f);
    return db.all<AuditRecord>(`SELECT * FROM audit_logs ${w.sql} ORDER BY id DESC LIMIT ? OFFSET ?`, [
      ...w.params,
      limit,
      offset,
    ]);
  },
  count: (db: Sql, f: AuditFilter) => {
    const w = auditWhere(f);
    return count(db, `SELECT COUNT(*) AS n FROM audit_logs ${w.sql}`, w.params);
  },
};
