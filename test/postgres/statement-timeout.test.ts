// A statement PostgreSQL cancels for taking too long (57014, here: waiting on a row another session holds
// locked) is a transient store fault: 503 store_unavailable with Retry-After, nothing changed, not a 500.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { dropSchema, newSchemaName, postgresUrl, schemaUrl } from '../support/pg-schema.js';
import { uniqueName, type TestServer, suiteServer } from '../support/server.js';

const schema = newSchemaName('stmt_timeout');
let t: TestServer;
beforeAll(async () => {
  t = await suiteServer({ databaseUrl: schemaUrl(schema), env: { PG_STATEMENT_TIMEOUT_MS: '300' } });
});
afterAll(async () => {
  await t?.close();
  await dropSchema(schema);
});

describe('PostgreSQL statement timeout', () => {
  it('When a change waits past PG_STATEMENT_TIMEOUT_MS on a locked row, then it answers 503 with Retry-After and the profile is unchanged', async () => {
    const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('locked') } })).data!
      .access_profile;
    const holder = new pg.Client({ connectionString: postgresUrl() });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM ${schema}.access_profiles WHERE id = $1 FOR UPDATE`, [p.id]);
      const res = await t.client.PUT('/api/access-profiles/{id}', {
        params: { path: { id: p.id } },
        body: { description: 'blocked' },
      });
      expectEnvelope(res.error, 503, 'store_unavailable', res.response);
      expect(Number(res.response.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    const after = (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!
      .access_profile;
    expect([after.version, after.description]).toEqual([1, null]);
  });
});
