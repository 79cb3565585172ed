// A PostgreSQL schema of its own for a test file, dropped afterwards.
import pg from 'pg';

export function postgresUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

export function schemaUrl(schema: string, base = postgresUrl()): string {
  const u = new URL(base);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export const newSchemaName = (prefix: string) => `${prefix}_${process.pid}_${Date.now().toString(36)}`;

/** A client of `base` (the test database unless given) for `fn`, closed afterwards. */
export async function withPostgres<T>(fn: (client: pg.Client) => Promise<T>, base = postgresUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const dropSchema = (schema: string, base?: string) =>
  withPostgres((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`), base);
