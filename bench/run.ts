// `npm run bench`: the performance figures, measured in one run against real server processes on SQLite
// (or PostgreSQL with DATABASE_URL), beside baselines the bench starts itself: node:http and Express 5
// serving the same get-by-id answer as a constant, Express 5 with our validator configuration, and the
// Prism mock. Prints a table, judges every target met or MISSED, and writes bench/results/.
import autocannon from 'autocannon';
import type { components } from '../generated/openapi.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { createProfile } from '../server/domain/access-profiles.js';
import type { Database } from '../server/store/database.js';
import { openDatabase } from '../server/store/open.js';
import { startServerProcess, type ServerProcess } from '../test/support/processes.js';
import { startBaseline, startPrismBaseline, type Baseline } from './baselines.js';
import { benchStoreUrl, removeBenchStores } from './stores.js';

const ADMIN = 'bench-admin-key-0123456789';
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
const rows: Row[] = [];

const profileBody = (name: string): components['schemas']['AccessProfileCreate'] => ({
  name,
  description: 'Bench profile',
  tags: ['bench', 'engineering'],
  provider_configs: [
    {
      provider_name: 'openai',
      allowed_models: ['gpt-4o', 'gpt-4o-mini'],
      budgets: [{ max_limit: 500, reset_duration: '1M' }],
    },
    { provider_name: 'anthropic', all_models_allowed: true },
  ],
  budgets: [
    { max_limit: 2000, reset_duration: '1M' },
    { max_limit: 150, reset_duration: '1d' },
  ],
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
    await tx.run(
      `INSERT INTO profile_tags (access_profile_id, tag) SELECT p.id, t.tag FROM access_profiles p JOIN profile_tags t ON t.access_profile_id = (SELECT MIN(id) FROM access_profiles) WHERE p.name LIKE '%-copy-%'`,
    );
    // The template count's shards (server/store/counters.ts) summed to the new count.
    await tx.run(`DELETE FROM counters WHERE name LIKE 'access\\_profiles:%' ESCAPE '\\'`);
    await tx.run(`UPDATE counters SET value = (SELECT COUNT(*) FROM access_profiles) WHERE name = 'access_profiles'`);
  });
}

async function run(scenario: string, opts: autocannon.Options): Promise<Row> {
  const result = await autocannon({ duration: DURATION, connections: CONNECTIONS, headers: auth, ...opts });
  const non2xx = result.non2xx + result.errors;
  const row = {
    scenario,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: non2xx,
  };
  rows.push(row);
  console.log(
    `${scenario.padEnd(44)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  non-2xx ${non2xx}`,
  );
  // What the failures were: statuses by count, and connection errors and timeouts.
  if (non2xx)
    console.log(
      `  ${scenario}: statuses ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}, timeouts ${result.timeouts}`,
    );
  return row;
}

async function seededServer(
  name: string,
  count: number,
  env: Record<string, string> = {},
): Promise<{ server: ServerProcess; url: string }> {
  const databaseUrl = benchStoreUrl(name);
  const db = await openDatabase({
    databaseUrl,
    pg: { poolSize: 4, statementTimeoutMs: 60000, connectTimeoutMs: 5000, connectRetryMs: 0 },
  });
  const t = performance.now();
  await seed(db, count, name);
  console.log(
    `seeded ${count} profiles in ${((performance.now() - t) / 1000).toFixed(1)} s (${Math.round(count / ((performance.now() - t) / 1000))}/s, in-process)`,
  );
  await db.close();
  // One key sends every request: its rate limit would measure the limiter, not the server.
  const server = await startServerProcess({
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: ADMIN,
    RATE_LIMIT_PER_KEY: '0',
    ...env,
  });
  return { server, url: databaseUrl };
}

/** The machine's CPU time so far, all cores (/proc/stat's first line): idle and total, in ticks. */
function cpuTimes(): { idle: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: ticks[3]! + (ticks[4] ?? 0), total: ticks.reduce((a, b) => a + b, 0) };
}
const idleSince = (before: { idle: number; total: number }) => {
  const now = cpuTimes();
  return Math.round(((now.idle - before.idle) / Math.max(1, now.total - before.total)) * 100);
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The bench's own HTTP client (fetch) sends a GET, a POST and a PUT with a JSON body to a throwaway
 * local server first: its own first use of each is slow too, and that is the client's start, not the
 * server's (measured against a server that answers at once: the first POST after some GETs 3.8-4.6 ms,
 * then 1.2 ms).
 */
async function warmClient(): Promise<void> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(sink.address() as { port: number }).port}/warm`;
  try {
    for (const method of ['GET', 'POST', 'PUT', 'GET', 'POST', 'PUT'])
      await (
        await fetch(url, {
          method,
          headers: auth,
          body: method === 'GET' ? undefined : JSON.stringify(profileBody('x')),
        })
      ).arrayBuffer();
  } finally {
    sink.close();
  }
}

/**
 * The first request to each operation against its steady p50 (20 more, one at a time): a server that
 * compiles a validator on first use shows it here. Run on a fresh server, before any other request.
 */
async function firstRequests(
  url: string,
): Promise<Array<{ operation: string; first_ms: number; p50_ms: number; ratio: number }>> {
  // Names unique across the starts measured one after another on one store.
  let n = Date.now();
  const ops: Array<[string, string, string, () => unknown]> = [
    ['getAccessProfile', 'GET', '/api/access-profiles/500', () => undefined],
    ['listAccessProfiles', 'GET', '/api/access-profiles?limit=50', () => undefined],
    ['createAccessProfile', 'POST', '/api/access-profiles', () => profileBody(`bench-first-${process.pid}-${n++}`)],
    ['updateAccessProfile', 'PUT', '/api/access-profiles/20', () => ({ description: `first ${n++}` })],
    ['listAccessProfileVersions', 'GET', '/api/access-profiles/20/versions', () => undefined],
    ['listAccessProfileAuditLogs', 'GET', '/api/access-profiles/audit-logs?limit=20', () => undefined],
    ['listRoles', 'GET', '/api/roles', () => undefined],
    ['createRole', 'POST', '/api/roles', () => ({ name: `bench-role-${process.pid}-${n++}` })],
    ['listUsers', 'GET', '/api/users', () => undefined],
    ['createUser', 'POST', '/api/users', () => ({ id: `bench-${process.pid}-${n++}@example.com` })],
    ['listApiKeys', 'GET', '/api/api-keys', () => undefined],
  ];
  await warmClient();
  const out = [];
  for (const [operation, method, path, body] of ops) {
    const once = async () => {
      const b = body();
      const t = performance.now();
      const res = await fetch(url + path, {
        method,
        headers: auth,
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${operation}: ${res.status}`);
      return performance.now() - t;
    };
    const first = await once();
    const steady: number[] = [];
    for (let i = 0; i < 20; i++) steady.push(await once());
    const p50 = median(steady);
    out.push({
      operation,
      first_ms: Math.round(first * 10) / 10,
      p50_ms: Math.round(p50 * 10) / 10,
      ratio: Math.round((first / p50) * 10) / 10,
    });
  }
  console.table(out);
  return out;
}

/** Each baseline alone on the machine, as our server is measured alone. */
async function measureBaseline(start: () => Promise<Baseline>, scenario: string): Promise<Row> {
  const b = await start();
  try {
    return await run(scenario, { url: `${b.url}/api/access-profiles/500` });
  } finally {
    await b.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `bench: ${DURATION}s per scenario, ${CONNECTIONS} connections, store ${process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'}\n`,
  );

  // 1k profiles, validation on: the everyday figures.
  const small = await seededServer('p1k', 1000);
  // Start-up, three times: this server and two more fresh processes on the same store. One start is one
  // sample of each first request, and on a shared machine one sample is at the mercy of one GC pause or
  // one scheduling delay; the targets are judged on the median of the three.
  const starts = [{ readyMs: small.server.readyMs, firsts: await firstRequests(small.server.url) }];
  for (let i = 0; i < 2; i++) {
    const fresh = await startServerProcess({ DATABASE_URL: small.url, ADMIN_API_KEY: ADMIN, RATE_LIMIT_PER_KEY: '0' });
    starts.push({ readyMs: fresh.readyMs, firsts: await firstRequests(fresh.url) });
    await fresh.stop();
  }
  const readyMs = median(starts.map((s) => s.readyMs));
  console.log(
    `ready in ${readyMs.toFixed(0)} ms after spawn (median of ${starts.map((s) => s.readyMs.toFixed(0)).join(', ')})`,
  );
  const firsts = starts[0]!.firsts.map((f) => {
    const of = starts.map((s) => s.firsts.find((x) => x.operation === f.operation)!);
    return {
      operation: f.operation,
      first_ms: median(of.map((x) => x.first_ms)),
      p50_ms: median(of.map((x) => x.p50_ms)),
      ratio: median(of.map((x) => x.ratio)),
    };
  });
  console.log('first requests, median of the three starts:');
  console.table(firsts);
  const body = await (await fetch(`${small.server.url}/api/access-profiles/500`, { headers: auth })).text();
  const httpConst = await measureBaseline(() => startBaseline('http', body), 'baseline: node:http constant');
  const expressConst = await measureBaseline(() => startBaseline('express', body), 'baseline: Express 5 constant');
  const validatorConst = await measureBaseline(
    () => startBaseline('express-validator', body),
    'baseline: Express 5 + validator, constant',
  );
  // The least a real get-by-id does beside the validator (key lookup, two reads): SQLite only, as it
  // reads the seeded file directly.
  const storeFloor = small.url.startsWith('sqlite:')
    ? await measureBaseline(
        () => startBaseline('express-validator-store', body, small.url.slice('sqlite:'.length)),
        'baseline: Express 5 + validator + key + reads',
      )
    : null;
  const prism = await measureBaseline(startPrismBaseline, 'baseline: Prism mock');
  const getOn = await run('get-by-id (validation on)', { url: `${small.server.url}/api/access-profiles/500` });
  const list1k = await run('list limit=50 @ 1k profiles', { url: `${small.server.url}/api/access-profiles?limit=50` });
  let n = 0;
  const create = await run('create (2 provider configs, 3 budgets)', {
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
  // A scenario with failures: what the server said about them (its log at warn and above).
  if (rows.some((r) => r.errors > 0))
    console.log(`server log (last 4000 characters):\n${small.server.output().slice(-4000)}`);
  const smallExit = await small.server.stop();
  if (smallExit !== 0) console.log(`the 1k server exited with ${smallExit} when stopped`);

  // Same store, validation off: what request + response validation costs.
  const off = await startServerProcess({
    DATABASE_URL: small.url,
    ADMIN_API_KEY: ADMIN,
    RATE_LIMIT_PER_KEY: '0',
    VALIDATE_RESPONSES: 'false',
    VALIDATE_REQUESTS: 'false',
  });
  const getOff = await run('get-by-id (validation off)', { url: `${off.url}/api/access-profiles/500` });
  await off.stop();

  // PostgreSQL: creates on one instance, then on two side by side on one database, each driven by its
  // own autocannon: what a second instance adds when both write.
  let scaleOut: { one: number; two: number; idleOne: number; idleTwo: number } | null = null;
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    const pair = await Promise.all(
      [0, 1].map(() => startServerProcess({ DATABASE_URL: small.url, ADMIN_API_KEY: ADMIN, RATE_LIMIT_PER_KEY: '0' })),
    );
    const creating = (i: number) => ({
      url: `${pair[i]!.url}/api/access-profiles`,
      method: 'POST' as const,
      setupClient: (client: autocannon.Client) => {
        client.setBody(JSON.stringify(profileBody(`bench-scale-${i}-${process.pid}-${n++}`)));
        client.on('response', () =>
          client.setBody(JSON.stringify(profileBody(`bench-scale-${i}-${process.pid}-${n++}`))),
        );
      },
    });
    // With the machine's idle CPU during each run: a second instance can only add what is left idle.
    let cpu = cpuTimes();
    const one = await run('create, one instance', creating(0));
    const idleOne = idleSince(cpu);
    cpu = cpuTimes();
    const both = await Promise.all([0, 1].map((i) => run(`create, instance ${i + 1} of 2 (concurrent)`, creating(i))));
    const idleTwo = idleSince(cpu);
    console.log(`machine CPU idle: ${idleOne}% with one instance, ${idleTwo}% with two (${cpus().length} cores)`);
    scaleOut = { one: one.rps, two: both[0]!.rps + both[1]!.rps, idleOne, idleTwo };
    await Promise.all(pair.map((p) => p.stop()));
  }

  // 100k profiles: the page cost must follow the page, not the table.
  const big = await seededServer('p100k', Number(process.env.BENCH_LARGE ?? 100_000));
  const list100k = await run('list limit=50 @ 100k profiles', {
    url: `${big.server.url}/api/access-profiles?limit=50`,
  });
  const rssBig = big.server.peakRssMb();
  await big.server.stop();

  const validationCost = 1 - getOn.rps / getOff.rps;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const worstFirst = firsts.reduce((w, f) => (f.ratio > w.ratio ? f : w));
  const summary = {
    date: new Date().toISOString(),
    store: process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite',
    duration_s: DURATION,
    connections: CONNECTIONS,
    rows,
    first_requests: firsts,
    validator_vs_express: ratio(validatorConst.rps, expressConst.rps),
    express_vs_http: ratio(expressConst.rps, httpConst.rps),
    get_vs_validator_baseline: ratio(getOn.rps, validatorConst.rps),
    store_floor_vs_validator_baseline: storeFloor ? ratio(storeFloor.rps, validatorConst.rps) : null,
    get_vs_store_floor: storeFloor ? ratio(getOn.rps, storeFloor.rps) : null,
    get_vs_prism: ratio(getOn.rps, prism.rps),
    validation_cost_pct: Math.round(validationCost * 1000) / 10,
    list_100k_vs_1k: ratio(list1k.rps, list100k.rps),
    ready_ms: Math.round(readyMs),
    ready_ms_each: starts.map((s) => Math.round(s.readyMs)),
    peak_rss_mb: Math.round(Math.max(rssSmall, rssBig)),
    peak_rss_1k_mb: Math.round(rssSmall),
    peak_rss_100k_mb: Math.round(rssBig),
    two_instances_vs_one: scaleOut ? ratio(scaleOut.two, scaleOut.one) : null,
  };
  const anyErrors = rows.filter((r) => r.errors > 0);
  // Every target is judged, and the last line says how many were missed. A scenario that got errors
  // measured the errors, not the server: it is a target of its own, and it fails.
  const targets: Array<{ name: string; measured: string; met: boolean }> = [
    {
      name: 'no scenario answered an error',
      measured: anyErrors.length ? anyErrors.map((r) => `${r.scenario}: ${r.errors}`).join('; ') : 'none',
      met: anyErrors.length === 0,
    },
    {
      name: 'Express + validator (constant) >= 0.55x Express constant',
      measured: `${summary.validator_vs_express}x (${validatorConst.rps} vs ${expressConst.rps} req/s)`,
      met: summary.validator_vs_express >= 0.55,
    },
    {
      name: 'get-by-id >= 0.9x Express + validator baseline',
      measured: `${summary.get_vs_validator_baseline}x (${getOn.rps} vs ${validatorConst.rps} req/s)${
        storeFloor
          ? `; the floor (validator + key lookup + two reads, nothing else) ${summary.store_floor_vs_validator_baseline}x, ours ${summary.get_vs_store_floor}x of it`
          : ''
      }`,
      met: summary.get_vs_validator_baseline >= 0.9,
    },
    {
      name: 'get-by-id >= 3x the Prism mock',
      measured: `${summary.get_vs_prism}x (${getOn.rps} vs ${prism.rps} req/s)`,
      met: summary.get_vs_prism >= 3,
    },
    {
      name: 'validation cost on get-by-id <= 20% of throughput',
      measured: `${summary.validation_cost_pct}%`,
      met: summary.validation_cost_pct <= 20,
    },
    { name: 'create (2 provider configs, 3 budgets) >= 1000/s', measured: `${create.rps}/s`, met: create.rps >= 1000 },
    { name: 'list (limit 50) at 1k profiles >= 1000 req/s', measured: `${list1k.rps} req/s`, met: list1k.rps >= 1000 },
    {
      name: 'list (limit 50) at 100k no more than 1.3x slower than at 1k',
      measured: `${summary.list_100k_vs_1k}x (${list100k.rps} vs ${list1k.rps} req/s)`,
      met: summary.list_100k_vs_1k <= 1.3,
    },
    {
      name: 'ready < 500 ms after spawn (median of 3 starts)',
      measured: `${summary.ready_ms} ms (${summary.ready_ms_each.join(', ')})`,
      met: summary.ready_ms < 500,
    },
    {
      name: 'first request to each operation <= 3x its steady p50 (median of 3 starts)',
      measured: `worst ${worstFirst.operation}: ${worstFirst.first_ms} ms vs p50 ${worstFirst.p50_ms} ms (${worstFirst.ratio}x)`,
      met: worstFirst.ratio <= 3,
    },
    {
      name: 'peak RSS under the bench < 150 MB',
      measured: `${summary.peak_rss_mb} MB (1k server ${summary.peak_rss_1k_mb} MB, 100k server ${summary.peak_rss_100k_mb} MB)`,
      met: summary.peak_rss_mb < 150,
    },
    ...(scaleOut
      ? [
          {
            name: 'two instances >= 1.6x one on creates (load generator shares the cores)',
            measured: `${summary.two_instances_vs_one}x (${scaleOut.two} vs ${scaleOut.one} creates/s; CPU idle ${scaleOut.idleOne}% with one, ${scaleOut.idleTwo}% with two, ${cpus().length} cores)`,
            met: (summary.two_instances_vs_one ?? 0) >= 1.6,
          },
        ]
      : []),
  ];
  console.log('\n| target | measured | met? |\n| --- | --- | --- |');
  for (const t of targets) console.log(`| ${t.name} | ${t.measured} | ${t.met ? 'met' : 'MISSED'} |`);
  const missed = targets.filter((t) => !t.met);
  Object.assign(summary, { targets });
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/bench-${summary.store}-${Date.now()}.json`, import.meta.url);
  writeFileSync(file, JSON.stringify(summary, null, 2));
  console.log(`\nwrote ${file.pathname}`);
  console.log(
    missed.length
      ? `bench: ${missed.length} of ${targets.length} targets MISSED: ${missed.map((t) => t.name).join('; ')}`
      : `bench: all ${targets.length} targets met`,
  );
}

main()
  .finally(removeBenchStores)
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
