// Provisioning at scale: one attach with apply_to_existing to 10,000 members, then a propagation to
// 10,000 copies, over HTTP against the built server; time and the server's peak RSS.
import { createAccessProfilesClient, unwrap } from '../client/index.js';
import { openDatabase } from '../server/store/open.js';
import { startServerProcess } from '../test/support/processes.js';
import { benchStoreUrl, removeBenchStores } from './stores.js';

const ADMIN = 'bench-admin-key-0123456789';
const USERS = Number(process.env.BENCH_USERS ?? 10_000);

async function main(): Promise<void> {
  const databaseUrl = benchStoreUrl('prov');

  // Members are arranged directly in the store (the directory API is not what is measured here).
  const db = await openDatabase({
    databaseUrl,
    pg: { poolSize: 4, statementTimeoutMs: 120000, connectTimeoutMs: 5000, connectRetryMs: 0 },
  });
  const at = new Date().toISOString();
  await db.transaction(async (tx) => {
    await tx.run("INSERT INTO roles (name, name_key, description, created_at) VALUES ('bench', 'bench', NULL, ?)", [
      at,
    ]);
    for (let i = 0; i < USERS; i++) {
      const id = `user-${String(i).padStart(6, '0')}@example.com`;
      await tx.run('INSERT INTO users (id, name, email, created_at, updated_at) VALUES (?, NULL, NULL, ?, ?)', [
        id,
        at,
        at,
      ]);
      await tx.run('INSERT INTO user_roles (user_id, role_id) VALUES (?, 1)', [id]);
    }
  });
  await db.close();

  const server = await startServerProcess({ DATABASE_URL: databaseUrl, ADMIN_API_KEY: ADMIN, RATE_LIMIT_PER_KEY: '0' });
  const api = createAccessProfilesClient({ baseUrl: server.url, apiKey: ADMIN });
  const profile = unwrap(
    await api.POST('/api/access-profiles', {
      body: {
        name: 'Bench template',
        provider_configs: [
          { provider_name: 'openai', allowed_models: ['gpt-4o'], budgets: [{ max_limit: 50, reset_duration: '1M' }] },
          { provider_name: 'anthropic', all_models_allowed: true },
        ],
        budgets: [
          { max_limit: 1000, reset_duration: '1M' },
          { max_limit: 40, reset_duration: '1d' },
        ],
        rate_limit: { token_max_limit: 10000, token_reset_duration: '1h' },
      },
    }),
  ).access_profile;

  let t = performance.now();
  const attached = unwrap(
    await api.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: profile.id } },
      body: { role_ids: [1], apply_to_existing: true },
    }),
  );
  const attachS = (performance.now() - t) / 1000;
  const rssAfterAttach = server.peakRssMb();
  console.log(
    `attach with apply_to_existing: ${attached.users_applied} copies + keys in ${attachS.toFixed(2)} s (target < 5 s), server peak RSS ${rssAfterAttach.toFixed(0)} MB`,
  );

  unwrap(
    await api.PUT('/api/access-profiles/{id}', {
      params: { path: { id: profile.id } },
      body: {
        budgets: [
          { max_limit: 2000, reset_duration: '1M' },
          { max_limit: 40, reset_duration: '1d' },
        ],
      },
    }),
  );
  t = performance.now();
  const dry = unwrap(
    await api.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: profile.id } },
      body: { fields: ['budgets'], dry_run: true },
    }),
  );
  const dryS = (performance.now() - t) / 1000;
  t = performance.now();
  const real = unwrap(
    await api.POST('/api/access-profiles/{id}/propagate', {
      params: { path: { id: profile.id } },
      body: { fields: ['provider_configs', 'budgets', 'rate_limit'] },
    }),
  );
  const realS = (performance.now() - t) / 1000;
  console.log(`propagate dry run: ${dry.affected_users} would change in ${dryS.toFixed(2)} s`);
  console.log(
    `propagate: ${real.affected_users} copies updated (${real.failed_users} failed) in ${realS.toFixed(2)} s (target < 5 s), server peak RSS ${server.peakRssMb().toFixed(0)} MB`,
  );
  await server.stop();
  const targets = [
    { name: 'attach to 10,000 members < 5 s', measured: `${attachS.toFixed(2)} s`, met: attachS < 5 },
    { name: 'propagate to 10,000 copies < 5 s', measured: `${realS.toFixed(2)} s`, met: realS < 5 },
  ];
  console.log('\n| target | measured | met? |\n| --- | --- | --- |');
  for (const x of targets) console.log(`| ${x.name} | ${x.measured} | ${x.met ? 'met' : 'MISSED'} |`);
  const missed = targets.filter((x) => !x.met);
  console.log(
    missed.length
      ? `provisioning bench: ${missed.length} of ${targets.length} targets MISSED`
      : `provisioning bench: all ${targets.length} targets met`,
  );
}

main()
  .finally(removeBenchStores)
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
