// `npm run bench`: the performance figures of issue 3, measured in one run against real server
// processes on SQLite (or PostgreSQL with DATABASE_URL). Prints a table and writes bench/results/.
import autocannon from 'autocannon';
import type { components } from '../generated/openapi.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProfile } from '../server/domain/templates.js';
import type { Database } from '../server/store/database.js';
import { openDatabase } from '../server/store/open.js';
import { startServerProcess, type ServerProcess } from '../test/support/processes.js';

const ADMIN = 'bench-admin-key-0123456789';
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

interface Row { scenario: string; rps: number; p50: number; p99: number; errors: number }
const rows: Row[] = [];

const profileBody = (name: string): components['schemas']['AccessProfileCreate'] => ({
  name,
  description: 'Bench profile',
  tags: ['bench', 'engineering'],
  provider_configs: [
    { provider_name: 'openai', allowed_models: ['gpt-4o', 'gpt-4o-mini'], budgets: [{ max_limit: 500, reset_duration: '1M' }] },
    { provider_name: 'anthropic', all_models_allowed: true },
  ],
  budgets: [{ max_limit: 2000, reset_duration: '1M' }, { max_limit: 150, reset_duration: '1d' }],
  rate_limit: { token_max_limit: 1000000, token_reset_duration: '1h' },
  mcp_servers: [{ mcp_server_id: 'github' }],
});

// The first 1,000 through the real use case; the rest as copies of those rows made in SQL (a
// recursive CTE both stores understand), with their tags and the template counter kept consistent.
async function seed(db: Database, count: number, prefix: string): Promise<void> {
  const who = { actor: 'bench', requestId: 'bench-seed' };
  const direct = Math.min(count, 1000);
  for (let i = 0; i < direct; i++) await createProfile(db, profileBody(`${prefix}-${i}`), who);
  const copies = Math.ceil((count - direct) / direct);
  if (copies <= 0) return;
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO access_profiles (name, name_key, description, is_active, version, content, created_at, updated_at)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       SELECT p.name || '-copy-' || n.i, p.name_key || '-copy-' || n.i, p.description, p.is_active, p.version, p.content, p.created_at, p.updated_at
       FROM access_profiles p CROSS JOIN n ORDER BY n.i, p.id`,
      [copies],
    );
    await tx.run(`INSERT INTO profile_tags (access_profile_id, tag) SELECT p.id, t.tag FROM access_profiles p JOIN profile_tags t ON t.access_profile_id = (SELECT MIN(id) FROM access_profiles) WHERE p.name LIKE '%-copy-%'`);
    await tx.run(`UPDATE counters SET value = (SELECT COUNT(*) FROM access_profiles) WHERE name = 'access_profiles'`);
  });
}

async function run(scenario: string, opts: autocannon.Options): Promise<Row> {
  const result = await autocannon({ duration: DURATION, connections: CONNECTIONS, headers: auth, ...opts });
  const non2xx = result.non2xx + result.errors;
  const row = { scenario, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: non2xx };
  rows.push(row);
  console.log(`${scenario.padEnd(44)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  non-2xx ${non2xx}`);
  return row;
}

async function storeUrl(name: string): Promise<string> {
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    const u = new URL(process.env.DATABASE_URL);
    u.searchParams.set('schema', `bench_${name}_${Date.now()}`);
    return u.toString();
  }
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'ap-bench-')), `${name}.db`)}`;
}

async function seededServer(name: string, count: number, env: Record<string, string> = {}): Promise<{ server: ServerProcess; url: string }> {
  const databaseUrl = await storeUrl(name);
  const db = await openDatabase({ databaseUrl, pg: { poolSize: 4, statementTimeoutMs: 60000, connectTimeoutMs: 5000, connectRetryMs: 0 } });
  const t = performance.now();
  await seed(db, count, name);
  console.log(`seeded ${count} profiles in ${((performance.now() - t) / 1000).toFixed(1)} s (${Math.round(count / ((performance.now() - t) / 1000))}/s, in-process)`);
  await db.close();
  // One key sends every request: its rate limit would measure the limiter, not the server.
  const server = await startServerProcess({ DATABASE_URL: databaseUrl, ADMIN_API_KEY: ADMIN, RATE_LIMIT_PER_KEY: '0', ...env });
  return { server, url: databaseUrl };
}

async function main(): Promise<void> {
  console.log(`bench: ${DURATION}s per scenario, ${CONNECTIONS} connections, store ${process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'}\n`);

  // 1k profiles, validation on: the everyday figures.
  const small = await seededServer('p1k', 1000);
  console.log(`ready in ${small.server.readyMs.toFixed(0)} ms after spawn`);
  const getOn = await run('get-by-id (validation on)', { url: `${small.server.url}/api/access-profiles/500` });
  const list1k = await run('list limit=50 @ 1k profiles', { url: `${small.server.url}/api/access-profiles?limit=50` });
  let n = 0;
  await run('create (2 provider configs, 3 budgets)', {
    url: `${small.server.url}/api/access-profiles`,
    method: 'POST',
    setupClient: (client: autocannon.Client) => {
      client.setBody(JSON.stringify(profileBody(`bench-create-${process.pid}-${n++}`)));
      client.on('response', () => client.setBody(JSON.stringify(profileBody(`bench-create-${process.pid}-${n++}`))));
    },
  });
  let u = 0;
  await run('update (description, alternating)', {
    url: `${small.server.url}/api/access-profiles/10`,
    method: 'PUT',
    setupClient: (client: autocannon.Client) => {
      client.setBody(JSON.stringify({ description: `d${u++}` }));
      client.on('response', () => client.setBody(JSON.stringify({ description: `d${u++}` })));
    },
  });
  const rssSmall = small.server.peakRssMb();
  await small.server.stop();

  // Same store, validation off: what request + response validation costs.
  const off = await startServerProcess({ DATABASE_URL: small.url, ADMIN_API_KEY: ADMIN, RATE_LIMIT_PER_KEY: '0', VALIDATE_RESPONSES: 'false', VALIDATE_REQUESTS: 'false' });
  const getOff = await run('get-by-id (validation off)', { url: `${off.url}/api/access-profiles/500` });
  await off.stop();

  // PostgreSQL: two instances side by side on one database, each driven by its own autocannon.
  let scaleOut: { one: number; two: number } | null = null;
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    const pair = await Promise.all([0, 1].map(() => startServerProcess({ DATABASE_URL: small.url, ADMIN_API_KEY: ADMIN, RATE_LIMIT_PER_KEY: '0' })));
    const one = await run('get-by-id, one instance', { url: `${pair[0]!.url}/api/access-profiles/500` });
    const both = await Promise.all(pair.map((p, i) => run(`get-by-id, instance ${i + 1} of 2 (concurrent)`, { url: `${p.url}/api/access-profiles/500` })));
    scaleOut = { one: one.rps, two: both[0]!.rps + both[1]!.rps };
    await Promise.all(pair.map((p) => p.stop()));
  }

  // 100k profiles: the page cost must follow the page, not the table.
  const big = await seededServer('p100k', Number(process.env.BENCH_LARGE ?? 100_000));
  const list100k = await run('list limit=50 @ 100k profiles', { url: `${big.server.url}/api/access-profiles?limit=50` });
  const rssBig = big.server.peakRssMb();
  await big.server.stop();

  const validationCost = 1 - getOn.rps / getOff.rps;
  const listRatio = list100k.p50 === 0 || list1k.p50 === 0 ? list1k.rps / list100k.rps : list100k.p50 / list1k.p50;
  const summary = {
    date: new Date().toISOString(),
    store: process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite',
    duration_s: DURATION,
    connections: CONNECTIONS,
    rows,
    validation_cost_pct: Math.round(validationCost * 1000) / 10,
    list_100k_vs_1k: Math.round((list1k.rps / list100k.rps) * 100) / 100,
    list_100k_vs_1k_p50: Math.round(listRatio * 100) / 100,
    ready_ms: Math.round(small.server.readyMs),
    peak_rss_mb: Math.round(Math.max(rssSmall, rssBig)),
    two_instances_vs_one: scaleOut ? Math.round((scaleOut.two / scaleOut.one) * 100) / 100 : null,
  };
  // Every target is judged, and the last line says how many were missed.
  const targets: Array<{ name: string; measured: string; met: boolean }> = [
    // A scenario that got errors measured the errors, not the server: its target cannot be met.
    getOn.errors || getOff.errors
      ? { name: 'validation cost on get-by-id <= 20% of throughput', measured: `invalid: ${getOn.errors + getOff.errors} non-2xx answers`, met: false }
      : { name: 'validation cost on get-by-id <= 20% of throughput', measured: `${summary.validation_cost_pct}%`, met: summary.validation_cost_pct <= 20 },
    { name: 'list page at 100k within 1.5x of 1k (throughput)', measured: `${summary.list_100k_vs_1k}x`, met: summary.list_100k_vs_1k <= 1.5 },
    { name: 'ready < 1000 ms after spawn', measured: `${summary.ready_ms} ms`, met: summary.ready_ms < 1000 },
    { name: 'peak RSS under load < 150 MB', measured: `${summary.peak_rss_mb} MB`, met: summary.peak_rss_mb < 150 },
    ...(scaleOut ? [{ name: 'two instances >= 1.6x one (get-by-id; load generator shares the cores)', measured: `${summary.two_instances_vs_one}x (${scaleOut.two} vs ${scaleOut.one} req/s)`, met: (summary.two_instances_vs_one ?? 0) >= 1.6 }] : []),
  ];
  console.log('\n| target | measured | met? |\n| --- | --- | --- |');
  for (const t of targets) console.log(`| ${t.name} | ${t.measured} | ${t.met ? 'met' : 'MISSED'} |`);
  const missed = targets.filter((t) => !t.met);
  Object.assign(summary, { targets });
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/bench-${summary.store}-${Date.now()}.json`, import.meta.url);
  writeFileSync(file, JSON.stringify(summary, null, 2));
  console.log(`\nwrote ${file.pathname}`);
  console.log(missed.length ? `bench: ${missed.length} of ${targets.length} targets MISSED: ${missed.map((t) => t.name).join('; ')}` : `bench: all ${targets.length} targets met`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
