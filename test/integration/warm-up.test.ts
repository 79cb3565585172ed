// Before it listens, the server sends itself requests through the whole app (server/http/warm-up.ts) so
// the first caller does not pay for cold code. They must leave no trace (store, metrics, info log), and
// the in-memory key they use must not outlive them.
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../server/http/errors.js';
import { authenticate } from '../../server/http/auth.js';
import { WarmUpKey, warmUp } from '../../server/http/warm-up.js';
import { openDatabase } from '../../server/store/open.js';
import type { Database } from '../../server/store/database.js';
import { freePort, startServerProcess } from '../support/processes.js';
import { startTestServer, TEST_ADMIN_KEY, tempSqliteUrl } from '../support/server.js';

const pg = { poolSize: 1, statementTimeoutMs: 5000, connectTimeoutMs: 5000, connectRetryMs: 0 };

/** Every table the warm-up requests could touch, as rows. */
async function storeState(db: Database) {
  const tables = [
    'access_profiles',
    'profile_tags',
    'profile_versions',
    'audit_logs',
    'counters',
    'api_keys',
    'user_access_profiles',
  ];
  const state: Record<string, unknown[]> = {};
  for (const t of tables) state[t] = await db.all(`SELECT * FROM ${t} ORDER BY 1, 2`);
  return state;
}

describe('the warm-up of a starting server', () => {
  it('When the server starts on a store with profiles, then each warm-up request answers what it expects, at debug only, none is in the metrics, and the store is unchanged', async () => {
    const { url } = tempSqliteUrl();
    const seeded = await startTestServer({ databaseUrl: url });
    for (const name of ['warm-a', 'warm-b'])
      await seeded.client.POST('/api/access-profiles', {
        body: {
          name,
          provider_configs: [{ provider_name: 'openai', allowed_models: ['gpt-4o'] }],
          budgets: [{ max_limit: 10, reset_duration: '1d' }],
        },
      });
    await seeded.close({ keepData: true });
    const before = await (async () => {
      const db = await openDatabase({ databaseUrl: url, pg });
      try {
        return await storeState(db);
      } finally {
        await db.close();
      }
    })();
    const metricsPort = await freePort();
    const server = await startServerProcess({
      DATABASE_URL: url,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'debug',
      METRICS_PORT: String(metricsPort),
      // Eleven warm-up requests under a limit of one per key: they count against no key's limit.
      RATE_LIMIT_PER_KEY: '1',
    });
    let metrics: string;
    try {
      metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as {
            level: number;
            msg: string;
            reqId?: string;
            method?: string;
            path?: string;
            status?: number;
          },
      );
    const warm = lines.filter((l) => l.reqId === 'warm-up');
    expect(warm.map((l) => [l.level, l.method, l.path, l.status])).toEqual([
      [20, 'GET', '/api/access-profiles', 200],
      ...Array(2)
        .fill([
          [20, 'GET', `/api/access-profiles/${(before.access_profiles![0] as { id: number }).id}`, 200],
          [20, 'GET', '/api/access-profiles/9007199254740991', 404],
          [20, 'PUT', '/api/access-profiles/9007199254740991', 404],
          [20, 'POST', '/api/access-profiles', 400],
          [20, 'POST', '/api/access-profiles', 400],
        ])
        .flat(),
    ]);
    expect(lines.filter((l) => l.msg === 'warm-up requests answered unexpectedly')).toEqual([]);
    expect(metrics).not.toMatch(
      /http_requests_total\{[^}]*operation="(getAccessProfile|updateAccessProfile|createAccessProfile|listAccessProfiles)"/,
    );

    const db = await openDatabase({ databaseUrl: url, pg });
    try {
      expect(await storeState(db)).toEqual(before);
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('the warm-up key', () => {
  let db: Database;
  afterAll(() => db?.close());

  async function appWith(key: WarmUpKey) {
    db ??= await openDatabase({ databaseUrl: 'sqlite::memory:', pg });
    const app = express();
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.locals.secured = true;
      next();
    });
    app.use(authenticate(db, key));
    app.get('/api/access-profiles', (_req, res) => {
      res.json({ actor: (res.locals.principal as { actor: string }).actor, warmUp: res.locals.warmUp === true });
    });
    app.use((err: ApiError, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status).json({ code: err.code });
    });
    return app;
  }

  it('When the warm-up is running, then its key authenticates as the warm-up and no other unknown key does; once it ended, its key is refused too', async () => {
    const key = new WarmUpKey();
    const app = await appWith(key);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const call = async (token: string) => {
      const r = await fetch(`${base}/api/access-profiles`, { headers: { authorization: `Bearer ${token}` } });
      return [r.status, await r.json()];
    };
    try {
      expect(await call(key.token)).toEqual([200, { actor: 'warm-up', warmUp: true }]);
      expect(await call(new WarmUpKey().token)).toEqual([401, { code: 'invalid_api_key' }]);
      expect(key.principal.scopes).toEqual(
        new Set(['AccessProfiles:View', 'AccessProfiles:Create', 'AccessProfiles:Update']),
      );
      // This app answers only the list: the warm-up reports each request that answered otherwise.
      const problems = await warmUp(app, key);
      expect(key.active).toBe(false);
      // (Unknown routes get Express's 404, which the reads and the update expect; the creates do not.)
      expect(problems).toEqual(Array(4).fill('POST /api/access-profiles: 404, expected 400'));
      expect(await call(key.token)).toEqual([401, { code: 'invalid_api_key' }]);
    } finally {
      server.close();
    }
  });
});
