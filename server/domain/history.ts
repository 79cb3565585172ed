// Reading version snapshots and audit entries; both outlive the profile.
import type { components } from '../../generated/openapi.js';
import { accessProfileNotFound, versionNotFound } from './errors.js';
import type { Database } from '../store/database.js';
import { auditLogs, versions, type AuditFilter, type AuditRecord, type VersionRecord } from '../store/history.js';

type S = components['schemas'];

const toVersion = (r: VersionRecord): S['ProfileVersion'] => ({
  id: r.id,
  access_profile_id: r.access_profile_id,
  version: r.version,
  name: r.name,
  description: r.description,
  snapshot: r.snapshot,
  changed_by: r.changed_by ?? UNKNOWN_ACTOR,
  created_at: r.created_at,
});

/** Rows written before every change carried its key (none on a current store) name no actor. */
const UNKNOWN_ACTOR = 'unknown';

const toAudit = (r: AuditRecord): S['AuditLog'] => ({
  id: r.id,
  access_profile_id: r.access_profile_id,
  user_id: r.user_id,
  actor: r.actor ?? UNKNOWN_ACTOR,
  action: r.action,
  previous_values: r.previous_values,
  new_values: r.new_values,
  metadata: r.metadata,
  created_at: r.created_at,
});

export async function listVersions(db: Database, profileId: number, limit: number, offset: number) {
  const [rows, total] = await Promise.all([versions.page(db, profileId, limit, offset), versions.count(db, profileId)]);
  if (total === 0) throw accessProfileNotFound(profileId, 'has no history');
  return { items: rows.map(toVersion), total };
}

export async function getVersion(db: Database, profileId: number, version: number) {
  const row = await versions.get(db, profileId, version);
  if (!row) throw versionNotFound(profileId, version);
  return toVersion(row);
}

export async function listAudit(db: Database, filter: AuditFilter, limit: number, offset: number) {
  const [rows, total] = await Promise.all([auditLogs.page(db, filter, limit, offset), auditLogs.count(db, filter)]);
  return { items: rows.map(toAudit), total };
}
