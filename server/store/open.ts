import type { Config } from '../config.js';
import type { Database } from './database.js';
import { openSqlite } from './sqlite.js';

/** Opens the store DATABASE_URL names and applies its migrations. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'pg'>): Promise<Database> {
  if (config.databaseUrl.startsWith('sqlite:')) return openSqlite(config.databaseUrl);
  const { openPostgres } = await import('./postgres.js');
  return openPostgres(config.databaseUrl, config.pg);
}
