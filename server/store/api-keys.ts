// Management API keys (hashes only). Reads return `scopes` parsed; writes store it as JSON text.
import type { components } from '../../generated/openapi.js';
import { count, type Sql } from './database.js';

type Scope = components['schemas']['Scope'];

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  /** The scopes it grants; the column holds them as a JSON array. */
  scopes: Scope[];
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
}

type ApiKeyColumns = Omit<ApiKeyRecord, 'scopes'> & { scopes: string };
const toRecord = (row: ApiKeyColumns): ApiKeyRecord => ({ ...row, scopes: JSON.parse(row.scopes) as Scope[] });
const maybeRecord = (row: ApiKeyColumns | undefined) => (row ? toRecord(row) : undefined);

export const apiKeys = {
  byHash: async (db: Sql, hash: string) =>
    maybeRecord(await db.get<ApiKeyColumns>('SELECT * FROM api_keys WHERE key_hash = ?', [hash])),
  byId: async (db: Sql, id: string) =>
    maybeRecord(await db.get<ApiKeyColumns>('SELECT * FROM api_keys WHERE id = ?', [id])),
  count: (db: Sql) => count(db, 'SELECT COUNT(*) AS n FROM api_keys'),
  /** Whether any key exists (cheaper than a count on a large table). */
  any: async (db: Sql) => (await db.get('SELECT 1 AS x FROM api_keys LIMIT 1')) !== undefined,
  page: async (db: Sql, limit: number, offset: number) =>
    (
      await db.all<ApiKeyColumns>('SELECT * FROM api_keys ORDER BY created_at, id LIMIT ? OFFSET ?', [limit, offset])
    ).map(toRecord),
  insert: (db: Sql, r: ApiKeyRecord) =>
    db.run(
      'INSERT INTO api_keys (id, name, prefix, key_hash, scopes, expires_at, last_used_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        r.id,
        r.name,
        r.prefix,
        r.key_hash,
        JSON.stringify(r.scopes),
        r.expires_at,
        r.last_used_at,
        r.created_at,
        r.updated_at,
      ],
    ),
  update: (db: Sql, r: Pick<ApiKeyRecord, 'id' | 'name' | 'scopes' | 'expires_at' | 'updated_at'>) =>
    db.run('UPDATE api_keys SET name = ?, scopes = ?, expires_at = ?, updated_at = ? WHERE id = ?', [
      r.name,
      JSON.stringify(r.scopes),
      r.expires_at,
      r.updated_at,
      r.id,
    ]),
  touch: (db: Sql, id: string, at: string) => db.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [at, id]),
  delete: (db: Sql, id: string) => db.run('DELETE FROM api_keys WHERE id = ?', [id]),
};
