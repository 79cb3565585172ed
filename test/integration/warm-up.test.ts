// Before it listens, the server sends itself requests through the whole app (server/http/warm-up.ts) so
// the first caller does not pay for cold code. They must leave no trace (store, metrics, info log), and
// the in-memory key they use must not outlive them.
import { rmSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../../server/http/errors.js';
import { authenticate } from '../../server/http/auth.js';
import { WarmUpKey, warmUp, warmUpRequests } from '../../server/http/warm-up.js';
import { loadSpec, matchRoute, specRoutes } from '../../server/http/spec-routes.js';
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
    const { url, dir } = tempSqliteUrl();
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
      // And one failed authentication per address: each of theirs is counted and forgiven.
      RATE_LIMIT_AUTH_FAILURES: '1',
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
    const firstId = (before.access_profiles![0] as { id: number }).id;
    const expected = warmUpRequests(firstId);
    // The list that finds a profile to read, then every request once: all at debug, each as expected.
    expect(warm.map((l) => `${l.method} ${l.path}`)).toEqual(
      ['GET /api/access-profiles', ...expected].map((r) =>
        typeof r === 'string' ? r : `${r.method} ${r.path.split('?')[0]}`,
      ),
    );
    expect(warm.every((l) => l.level === 20)).toBe(true);
    const statusOf = (path: string) => warm.find((l) => l.path === path)?.status;
    expect(statusOf(`/api/access-profiles/${firstId}`)).toBe(200);
    expect(statusOf(`/api/access-profiles/${firstId}/versions/1`)).toBe(200);
    expect(statusOf('/api/api-keys')).toBe(200);
    expect(lines.filter((l) => l.msg === 'warm-up requests answered unexpectedly')).toEqual([]);
    // Only the harness's own readiness poll (one GET /health that answered) is counted: not one of the
    // warm-up's requests, not even its three probes.
    expect(metrics.split('\n').filter((l) => l.startsWith('http_requests_total{'))).toEqual([
      'http_requests_total{operation="getHealth",method="GET",status="200"} 1',
    ]);

    // Nor their store work: two of them end in a refused transaction, which would read as failures.
    expect(metrics).not.toMatch(/store_operation_duration_seconds_count\{[^}]*outcome="error"/);
    expect(metrics).toMatch(/store_operation_duration_seconds_count\{[^}]*outcome="ok"/);

    const db = await openDatabase({ databaseUrl: url, pg });
    try {
      expect(await storeState(db)).toEqual(before);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the warm-up key', () => {
  let db: Database;
  afterAll(() => db?.close());

  it('When the warm-up runs, then its key authenticates its own requests only (not the same key sent to the app from elsewhere), and once it ended it is retired', async () => {
    db = await openDatabase({ databaseUrl: 'sqlite::memory:', pg });
    const key = new WarmUpKey();
    const seen: string[] = [];
    const app = express();
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.locals.secured = true;
      next();
    });
    app.use(authenticate(db, key));
    let outsider: unknown = 'not tried';
    app.get('/api/access-profiles', async (req, res) => {
      seen.push((res.locals.principal as { actor: string }).actor);
      // Another local client that found the warm-up's port, with a key of its own.
      if (outsider === 'not tried') {
        outsider = await fetch(`http://127.0.0.1:${req.socket.localPort}/api/access-profiles`, {
          headers: { authorization: 'Bearer some-real-looking-key-0123456789' },
        }).then(
          (r) => r.status,
          () => 'disconnected',
        );
      }
      res.json({ access_profiles: [] });
    });
    app.use((err: ApiError, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 404).json({ code: err.code });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const call = async (token: string) =>
      (await fetch(`${base}/api/access-profiles`, { headers: { authorization: `Bearer ${token}` } })).status;
    try {
      // Active, but not through the warm-up's listener: refused.
      expect(await call(key.token)).toBe(401);
      const problems = await warmUp(app, key);
      // Its own requests were authenticated as the warm-up: the list (twice: finding a profile, then the
      // round); the reads this app does not have answer Express's 404, which a read may, the creates not.
      expect(seen).toEqual(['warm-up', 'warm-up']);
      // The listener took nothing but the warm-up's own requests.
      expect(outsider).toBe('disconnected');
      expect(problems).toEqual([
        'POST /api/access-profiles: 404, expected 400',
        'POST /api/access-profiles: 404, expected 400',
      ]);
      expect(key.active).toBe(false);
      expect(await call(key.token)).toBe(401);
    } finally {
      server.close();
    }
  });

  it('When the store does not answer, then the warm-up stops at its budget and says so, and the key is retired', async () => {
    const key = new WarmUpKey();
    const app = express();
    // A store that holds every request (a lock held elsewhere, say).
    app.use((_req: Request, _res: Response) => undefined);
    const started = Date.now();
    const problems = await warmUp(app, key, 300);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(problems).toEqual(['warm-up listener: no answer within the warm-up budget']);
    expect(key.active).toBe(false);
  });

  it('When the spec has a GET operation, then the warm-up reads it', () => {
    const routes = specRoutes(loadSpec());
    const warmed = new Set(
      warmUpRequests(1)
        .filter((r) => r.method === 'GET')
        .map((r) => matchRoute(routes, 'GET', r.path.split('?')[0]!)?.operationId),
    );
    const gets = routes.filter((r) => r.method === 'get').map((r) => r.operationId);
    expect(gets.length).toBeGreaterThan(10);
    expect(gets.filter((op) => !warmed.has(op))).toEqual([]);
  });
});
