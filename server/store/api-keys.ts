// Rows of management API keys.
import type { Sql } from './database.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
}

export const apiKeys = {
  byHash: (db: Sql, hash: string) => db.get<ApiKeyRow>('SELECT * FROM api_keys WHERE key_hash = ?', [hash]),
  byId: (db: Sql, id: string) => db.get<ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?', [id]),
  count: async (db: Sql) => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM api_keys'))!.n),
  /** Whether any key exists (cheaper than a count on a large table). */
  any: async (db: Sql) => (await db.get('SELECT 1 AS x FROM api_keys LIMIT 1')) !== undefined,
  page: (db: Sql, limit: number, offset: number) =>
    db.all<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id LIMIT ? OFFSET ?', [limit, offset]),
  insert: (db: Sql, r: ApiKeyRow) =>
    db.run(
      'INSERT INTO api_keys (id, name, prefix, key_hash, scopes, expires_at, last_used_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [r.id, r.name, r.prefix, r.key_hash, r.scopes, r.expires_at, r.last_used_at, r.created_at, r.updated_at],
    ),
  update: (db: Sql, r: Pick<ApiKeyRow, 'id' | 'name' | 'scopes' | 'expires_at' | 'updated_at'>) =>
    db.run('UPDATE api_keys SET name = ?, scopes = ?, expires_at = ?, updated_at = ? WHERE id = ?', [
      r.name,
      r.scopes,
      r.expires_at,
      r.updated_at,
      r.id,
    ]),
  touch: (db: Sql, id: string, at: string) => db.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [at, id]),
  delete: (db: Sql, id: string) => db.run('DELETE FROM api_keys WHERE id = ?', [id]),
};
