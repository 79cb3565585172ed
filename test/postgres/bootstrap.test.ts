// Instances starting together on a new PostgreSQL store, both with ADMIN_API_KEY: both register the
// same key; the loser of the race must find the winner's row, not stop with a unique violation.
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapAdminKey } from '../../server/domain/api-keys.js';
import { openDatabase } from '../../server/store/open.js';
import { dropSchema, newSchemaName, schemaUrl } from '../support/pg-schema.js';

const schema = newSchemaName('bootstrap');
const pgOptions = { poolSize: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, connectRetryMs: 0 };

afterAll(() => dropSchema(schema));

describe('first admin key, two instances at once', () => {
  it('When two stores register the same ADMIN_API_KEY at the same moment, then both succeed with the one key row', async () => {
    const first = await openDatabase({ databaseUrl: schemaUrl(schema), pg: pgOptions });
    const second = await openDatabase({ databaseUrl: schemaUrl(schema), pg: pgOptions });
    try {
      const key = 'shared-admin-key-0123456789';
      for (let round = 0; round < 5; round++) {
        await first.run('DELETE FROM api_keys');
        const [a, b] = await Promise.all([bootstrapAdminKey(first, key), bootstrapAdminKey(second, key)]);
        expect(a.id).toBe(b.id);
        expect(await first.all('SELECT id FROM api_keys')).toEqual([{ id: a.id }]);
      }
    } finally {
      await first.close();
      await second.close();
    }
  });
});
