// The contract kit (`access-profiles-contract`) against the real server (SQLite, or TEST_DATABASE_URL),
// directly and through `prism proxy`, which fails any request or response that violates the spec.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../contract-kit/spec.js';
import { runContractKit, summaryOf } from '../support/contract-kit.js';
import { startPrism, type PrismProcess } from '../support/prism.js';
import { type TestServer, suiteServer } from '../support/server.js';

let server: TestServer;
let proxy: PrismProcess;
beforeAll(async () => {
  server = await suiteServer();
  proxy = await startPrism(server.url);
}, 60_000);
afterAll(async () => {
  await proxy?.stop();
  await server?.close();
});

const profilesNamed = async (prefix: string) =>
  (await server.client.GET('/api/access-profiles', { params: { query: { search: prefix } } })).data!.access_profiles;

describe('contract kit against the server', () => {
  it('When the kit runs against the server, then every operation passes, JUnit XML is written and its data is gone afterwards', async () => {
    const junit = join(mkdtempSync(join(tmpdir(), 'ap-junit-')), 'report.xml');
    const prefix = `kit-server-${Date.now().toString(36)}`;
    const run = await runContractKit([
      '--base-url',
      server.url,
      '--api-key',
      server.adminKey,
      '--prefix',
      prefix,
      '--junit',
      junit,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryOf(run)).toEqual({ passed: operations.size + 2, failed: 0, skipped: 0 });
    for (const id of operations.keys()) expect(run.stdout).toContain(`ok   ${id}`);
    const xml = readFileSync(junit, 'utf8');
    rmSync(dirname(junit), { recursive: true, force: true });
    expect(xml).toContain(`tests="${operations.size + 2}" failures="0"`);
    expect(xml).toContain('<testcase classname="access-profiles-contract" name="getAccessProfile"');
    expect(await profilesNamed(prefix)).toEqual([]);
  }, 90_000);

  it('When the kit runs read-only with a key of view scopes only, then it calls only reads and creates nothing', async () => {
    const { data: seeded } = await server.client.POST('/api/access-profiles', {
      body: { name: `kit-read-only-${Date.now()}` },
    });
    const { data: viewer } = await server.client.POST('/api/api-keys', {
      body: {
        name: `kit-viewer-${Date.now()}`,
        scopes: ['AccessProfiles:View', 'APIKeys:View', 'Roles:View', 'Users:View'],
      },
    });
    const before = (await server.client.GET('/api/access-profiles/audit-logs', { params: { query: { limit: 1 } } }))
      .data!.total_count;
    const run = await runContractKit(['--base-url', server.url, '--api-key', viewer!.api_key.key, '--read-only']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('ok   getAccessProfile');
    expect(run.stdout).not.toMatch(/create|update|delete/i);
    expect(
      (await server.client.GET('/api/access-profiles/audit-logs', { params: { query: { limit: 1 } } })).data!
        .total_count,
    ).toBe(before);
    await server.client.DELETE('/api/access-profiles/{id}', { params: { path: { id: seeded!.access_profile.id } } });
    await server.client.DELETE('/api/api-keys/{id}', { params: { path: { id: viewer!.api_key.id } } });
  }, 90_000);

  it('When the kit runs against the server behind prism proxy (the sandbox set-up), then every operation passes', async () => {
    const run = await runContractKit(['--base-url', proxy.baseUrl, '--api-key', server.adminKey]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryOf(run).failed).toBe(0);
    expect(run.stdout).not.toContain('(mock)');
  }, 90_000);
});
