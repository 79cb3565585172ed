// The stores a bench run makes (a PostgreSQL schema or an SQLite file in a temporary folder, each
// holding up to 100k profiles) and their removal when the run ends, so repeated runs leave nothing behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, schemaUrl } from '../test/support/pg-schema.js';

const schemas: string[] = [];
const folders: string[] = [];

/** A fresh store for `name`: a schema of DATABASE_URL's PostgreSQL database, or an SQLite file. */
export function benchStoreUrl(name: string): string {
  const base = process.env.DATABASE_URL;
  if (base?.startsWith('postgres')) {
    const schema = `bench_${name}_${Date.now()}`;
    schemas.push(schema);
    return schemaUrl(schema, base);
  }
  const folder = mkdtempSync(join(tmpdir(), `ap-bench-${name}-`));
  folders.push(folder);
  return `sqlite:${join(folder, `${name}.db`)}`;
}

/** Drops the schemas and deletes the folders made so far; call it once every server is stopped. */
export async function removeBenchStores(): Promise<void> {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  for (const schema of schemas.splice(0)) await dropSchema(schema, process.env.DATABASE_URL);
}
