// Upgrading a PostgreSQL store in place: migration 3 moves provider-config ids from a row of `counters`
// (which every create locked until it committed) to a SEQUENCE that continues where the counter stopped.
import { afterAll, describe, expect, it } from 'vitest';
import { createProfile } from '../../server/domain/access-profiles.js';
import { postgresMigrations } from '../../server/store/migrations/postgres.js';
import { openDatabase } from '../../server/store/open.js';
import { dropSchema, newSchemaName, schemaUrl, withPostgres } from '../support/pg-schema.js';

const schema = newSchemaName('migrations');
const fresh = newSchemaName('migrations_race');
const pgOptions = { poolSize: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, connectRetryMs: 0 };

afterAll(() => Promise.all([dropSchema(schema), dropSchema(fresh)]));

describe('PostgreSQL store upgraded from schema version 2', () => {
  it('When a store at version 2 has handed out provider-config ids up to 41, then after the upgrade new configs get 42 and on, and the counter row is gone', async () => {
    await withPostgres(async (c) => {
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.query(`SET search_path = ${schema}`);
      await c.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      for (const m of postgresMigrations.filter((x) => x.version <= 2)) {
        for (const statement of m.statements) await c.query(statement);
        await c.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      }
      await c.query("INSERT INTO counters (name, value) VALUES ('provider_config_ids', 41)");
    });

    const db = await openDatabase({ databaseUrl: schemaUrl(schema), pg: pgOptions });
    try {
      const created = await createProfile(
        db,
        {
          name: 'after the upgrade',
          provider_configs: [
            { provider_name: 'openai', allowed_models: ['gpt-4o'] },
            { provider_name: 'anthropic', all_models_allowed: true },
          ],
        } as never,
        { actor: 'test', requestId: 'migration-test' },
      );
      const ids = created.provider_configs.map((p) => p.id).sort((a, b) => a - b);
      expect(ids).toEqual([42, 43]);
      const versions = await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((v) => Number(v.version))).toEqual(postgresMigrations.map((m) => m.version));
      expect(await db.all("SELECT * FROM counters WHERE name = 'provider_config_ids'")).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('PostgreSQL store opened by several instances at once', () => {
  it('When eight instances open a schema that does not exist yet at the same moment, then every one starts and the schema is created and migrated once', async () => {
    // CI found this: two servers started together, one ran CREATE SCHEMA IF NOT EXISTS while the other did,
    // and the loser stopped with "unique violation: pg_namespace_nspname_index".
    const opened = await Promise.allSettled(
      Array.from({ length: 8 }, () => openDatabase({ databaseUrl: schemaUrl(fresh), pg: pgOptions })),
    );
    try {
      expect(
        opened.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
      ).toEqual([]);
      const versions = await withPostgres((c) =>
        c.query(`SELECT version FROM ${fresh}.schema_migrations ORDER BY version`),
      );
      expect(versions.rows.map((v) => Number(v.version))).toEqual(postgresMigrations.map((m) => m.version));
    } finally {
      await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : undefined)));
    }
  });
});
