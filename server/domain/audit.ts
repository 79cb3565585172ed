// The audit trail: who changed what, on which template or user copy, with the request that did it.
// Every use case that writes records its change here, in the same transaction as the change.
import type { components } from '../../generated/openapi.js';
import type { Sql } from '../store/database.js';
import { auditLogs } from '../store/history.js';

/** Who acts: the audit actor ("name (key id)") and the request id. */
export interface Actor {
  actor: string;
  requestId: string;
}

/** What changed: the action and the values before and after (only the fields that changed). */
export interface Change {
  /** One of the contract's audit actions (the audit log's `action` enum). */
  action: components['schemas']['AuditAction'];
  previous: Record<string, unknown> | null;
  next: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
}

/** One audit entry: what changed (`change`), on which template and user, by whom, with extra metadata. */
export interface AuditEntry {
  /** The template concerned; null once it is gone (a virtual key of a detached copy). */
  profileId: number | null;
  /** The user concerned, for user-copy actions. */
  userId?: string | null;
  who: Actor;
  change: Change;
  extra?: Record<string, unknown>;
}

function toRow({ profileId, userId = null, who, change, extra = {} }: AuditEntry, at: string) {
  return {
    access_profile_id: profileId,
    user_id: userId,
    actor: who.actor,
    action: change.action,
    previous_values: change.previous ? JSON.stringify(change.previous) : null,
    new_values: change.next ? JSON.stringify(change.next) : null,
    metadata: JSON.stringify({ ...extra, ...change.metadata, request_id: who.requestId }),
    created_at: at,
  };
}

/** Records one entry; call it inside the transaction that made the change. */
export async function audit(tx: Sql, entry: AuditEntry): Promise<void> {
  await auditLogs.insert(tx, toRow(entry, new Date().toISOString()));
}

/** Records up to BATCH_ROWS entries in one statement, in the order given (bulk provisioning). */
export async function auditMany(tx: Sql, entries: AuditEntry[]): Promise<void> {
  const at = new Date().toISOString();
  await auditLogs.insertMany(
    tx,
    entries.map((e) => toRow(e, at)),
  );
}
