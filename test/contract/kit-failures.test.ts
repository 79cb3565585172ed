// The contract kit must fail loudly: a target that alters one response field makes it exit 1 naming the
// operation and the field (and it still removes its data); bad usage exits 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContractKit, startAlteringProxy, summaryOf } from '../support/contract-kit.js';
import { type TestServer, suiteServer } from '../support/server.js';

let server: TestServer;
let broken: Awaited<ReturnType<typeof startAlteringProxy>>;
beforeAll(async () => {
  server = await suiteServer();
  // GET /api/access-profiles/{id} answers with a number where the spec says the name is a string.
  broken = await startAlteringProxy(server.url, (method, path, body) => {
    if (method === 'GET' && /^\/api\/access-profiles\/\d+$/.test(path) && body?.access_profile)
      body.access_profile.name = 42;
    return body;
  });
}, 60_000);
afterAll(async () => {
  await broken?.close();
  await server?.close();
});

describe('contract kit failures', () => {
  it('When a target alters one response field, then the kit exits 1 naming the operation and field, and removes its data', async () => {
    const prefix = `kit-broken-${Date.now().toString(36)}`;
    const run = await runContractKit(['--base-url', broken.url, '--api-key', server.adminKey, '--prefix', prefix]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('getAccessProfile: body field access_profile.name must be string');
    expect(summaryOf(run).failed).toBe(1);
    const left = await server.client.GET('/api/access-profiles', { params: { query: { search: prefix } } });
    expect(left.data!.access_profiles).toEqual([]);
  }, 90_000);

  it('When a flag is missing or unknown, then it exits 2 with the usage', async () => {
    const missing = await runContractKit(['--base-url', server.url], { ACCESS_PROFILES_API_KEY: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--api-key (or ACCESS_PROFILES_API_KEY) is required');
    const unknown = await runContractKit(['--base-url', server.url, '--api-key', 'k', '--verbose']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--verbose'");
    expect(unknown.stderr).toContain('Usage: access-profiles-contract');
  }, 60_000);

  it('When the target is unreachable or refuses the key, then it exits 2 before checking anything', async () => {
    const refused = await runContractKit(['--base-url', server.url, '--api-key', 'not-a-key-of-this-server']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused the API key (401)');
    await broken.close();
    const down = await runContractKit(['--base-url', broken.url, '--api-key', server.adminKey]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`cannot reach ${broken.url}`);
  }, 60_000);
});
