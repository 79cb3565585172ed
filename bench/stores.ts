// The stores a bench run makes (a PostgreSQL schema or an SQLite file in a temporary folder, each
// holding up to 100k profiles) and their removal when the run ends, so repeated runs leave nothing behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const schemas: string[] = [];
const folders: string[] = [];

/** A fresh store for `name`: a schema of DATABASE_URL's PostgreSQL database, or an SQLite file. */
export function benchStoreUrl(name: string): string {
  const base = process.env.DATABASE_URL;
  if (base?.startsWith('postgres')) {
    const schema = `bench_${name}_${Date.now()}`;
    schemas.push(schema);
    const u = new URL(base);
    u.searchParams.set('schema', schema);
    return u.toString();
  }
  const folder = mkdtempSync(join(tmpdir(), `ap-bench-${name}-`));
  folders.push(folder);
  return `sqlite:${join(folder, `${name}.db`)}`;
}

/** Drops the schemas and deletes the folders made so far; call it once every server is stopped. */
export async function removeBenchStores(): Promise<void> {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  if (!schemas.length) return;
  const u = new URL(process.env.DATABASE_URL!);
  u.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
