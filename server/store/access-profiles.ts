// Templates (access profiles) and their tags. Reads return records the domain can use as they are:
// `is_active` a boolean, `content` parsed; writes store them back as the columns hold them.
import type { ProfileContent } from './content.js';
import { count, type Sql, type SqlValue } from './database.js';
import { HOLDERS_OF_TEMPLATE } from './user-access-profiles.js';

export interface ProfileRecord {
  id: number;
  name: string;
  description: string | null;
  is_active: boolean;
  version: number;
  content: ProfileContent;
  created_at: string;
  updated_at: string;
  /** Automatic virtual-key rotation: interval in nanoseconds (0 = off). */
  rotation_interval_ns: number;
  next_rotation_at: string | null;
  last_rotation_at: string | null;
}

/** The columns as the drivers return them (both return BIGINT as a number: see postgres.ts). */
type ProfileColumns = Omit<ProfileRecord, 'is_active' | 'content'> & { is_active: number; content: string };

const toRecord = (row: ProfileColumns): ProfileRecord => ({
  ...row,
  is_active: row.is_active === 1,
  content: JSON.parse(row.content) as ProfileContent,
});
const maybeRecord = (row: ProfileColumns | undefined) => (row ? toRecord(row) : undefined);

export interface ProfileFilter {
  search?: string;
  tags?: string[];
  isActive?: boolean;
}

function where(filter: ProfileFilter): { sql: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (filter.search) {
    const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    clauses.push("(name_key LIKE ? ESCAPE '\\' OR lower(coalesce(description, '')) LIKE ? ESCAPE '\\')");
    params.push(pattern, pattern);
  }
  if (filter.isActive !== undefined) {
    clauses.push('is_active = ?');
    params.push(filter.isActive ? 1 : 0);
  }
  for (const tag of filter.tags ?? []) {
    clauses.push('EXISTS (SELECT 1 FROM profile_tags t WHERE t.access_profile_id = access_profiles.id AND t.tag = ?)');
    params.push(tag);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export const profiles = {
  byId: async (db: Sql, id: number) =>
    maybeRecord(await db.get<ProfileColumns>('SELECT * FROM access_profiles WHERE id = ?', [id])),
  /** A template and how many users hold a copy of it, in one statement (the template's detail). */
  byIdWithHolderCount: async (db: Sql, id: number) => {
    const row = await db.get<ProfileColumns & { holder_count: number }>(
      `SELECT p.*, (${HOLDERS_OF_TEMPLATE}) AS holder_count FROM access_profiles p WHERE p.id = ?`,
      [id, id],
    );
    if (!row) return undefined;
    const { holder_count, ...columns } = row;
    return { record: toRecord(columns), holderCount: Number(holder_count) };
  },
  /** Locks the row for the rest of the transaction (PostgreSQL); SQLite has one writer anyway. */
  lockById: async (tx: Sql, id: number, forUpdate: boolean) =>
    maybeRecord(
      await tx.get<ProfileColumns>(`SELECT * FROM access_profiles WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [id]),
    ),
  page: async (db: Sql, filter: ProfileFilter, limit: number, offset: number) => {
    const w = where(filter);
    const rows = await db.all<ProfileColumns>(`SELECT * FROM access_profiles ${w.sql} ORDER BY id LIMIT ? OFFSET ?`, [
      ...w.params,
      limit,
      offset,
    ]);
    return rows.map(toRecord);
  },
  count: (db: Sql, filter: ProfileFilter) => {
    const w = where(filter);
    return count(db, `SELECT COUNT(*) AS n FROM access_profiles ${w.sql}`, w.params);
  },
  insert: async (tx: Sql, r: Omit<ProfileRecord, 'id'>): Promise<number> => {
    const row = await tx.get<{ id: number }>(
      'INSERT INTO access_profiles (name, name_key, description, is_active, version, content, created_at, updated_at, rotation_interval_ns, next_rotation_at, last_rotation_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [
        r.name,
        r.name.toLowerCase(),
        r.description,
        r.is_active ? 1 : 0,
        r.version,
        JSON.stringify(r.content),
        r.created_at,
        r.updated_at,
        r.rotation_interval_ns,
        r.next_rotation_at,
        r.last_rotation_at,
      ],
    );
    return row!.id;
  },
  update: (tx: Sql, r: ProfileRecord) =>
    tx.run(
      'UPDATE access_profiles SET name = ?, name_key = ?, description = ?, is_active = ?, version = ?, content = ?, updated_at = ?, rotation_interval_ns = ?, next_rotation_at = ? WHERE id = ?',
      [
        r.name,
        r.name.toLowerCase(),
        r.description,
        r.is_active ? 1 : 0,
        r.version,
        JSON.stringify(r.content),
        r.updated_at,
        r.rotation_interval_ns,
        r.next_rotation_at,
        r.id,
      ],
    ),
  /** Ids of templates whose next rotation is due at `at` (RFC 3339 strings of one format compare in order). */
  dueForRotation: async (db: Sql, at: string, limit: number) =>
    (
      await db.all<{ id: number }>(
        'SELECT id FROM access_profiles WHERE next_rotation_at IS NOT NULL AND next_rotation_at <= ? ORDER BY next_rotation_at, id LIMIT ?',
        [at, limit],
      )
    ).map((r) => r.id),
  /** The template, locked, if it is still due; none when another instance holds or has just run it. */
  lockDueForRotation: async (tx: Sql, id: number, at: string, forUpdate: boolean) =>
    maybeRecord(
      await tx.get<ProfileColumns>(
        `SELECT * FROM access_profiles WHERE id = ? AND next_rotation_at IS NOT NULL AND next_rotation_at <= ?${forUpdate ? ' FOR UPDATE SKIP LOCKED' : ''}`,
        [id, at],
      ),
    ),
  setRotation: (tx: Sql, id: number, intervalNs: number, next: string | null, last: string | null) =>
    tx.run(
      'UPDATE access_profiles SET rotation_interval_ns = ?, next_rotation_at = ?, last_rotation_at = ? WHERE id = ?',
      [intervalNs, next, last, id],
    ),
  delete: (tx: Sql, id: number) => tx.run('DELETE FROM access_profiles WHERE id = ?', [id]),
  nameTaken: async (db: Sql, name: string, exceptId?: number) =>
    !!(await db.get('SELECT 1 AS x FROM access_profiles WHERE name_key = ? AND id <> ?', [
      name.toLowerCase(),
      exceptId ?? 0,
    ])),
  replaceTags: async (tx: Sql, id: number, tags: string[]) => {
    await tx.run('DELETE FROM profile_tags WHERE access_profile_id = ?', [id]);
    for (const tag of tags) await tx.run('INSERT INTO profile_tags (access_profile_id, tag) VALUES (?, ?)', [id, tag]);
  },
};
