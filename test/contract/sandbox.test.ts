// The contract kit against `npm run sandbox` as frontend teams start it: the seeded server behind prism proxy.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContractKit, summaryOf } from '../support/contract-kit.js';
import { freePort } from '../support/processes.js';
import { expectEncodingsAccepted } from '../support/query-encodings.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const adminKey = 'sandbox-contract-admin-key';
let sandbox: ChildProcess;
let baseUrl = '';
let output = '';

/** Starts the sandbox on free ports; ready when it answers with its own admin key (another process may grab a "free" port first). */
async function startSandbox(): Promise<boolean> {
  const [port, serverPort] = [await freePort(), await freePort()];
  baseUrl = `http://127.0.0.1:${port}`;
  output = '';
  sandbox = spawn(`${root}node_modules/.bin/tsx`, ['scripts/sandbox.ts'], {
    cwd: root,
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_SERVER_PORT: String(serverPort),
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  sandbox.stdout!.on('data', (d) => (output += d));
  sandbox.stderr!.on('data', (d) => (output += d));
  const started = Date.now();
  for (;;) {
    if (sandbox.exitCode !== null) {
      if (/already in use/.test(output)) return false; // lost the port race: try other ports
      throw new Error(`sandbox exited (${sandbox.exitCode}):\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/roles`, { headers: { Authorization: `Bearer ${adminKey}` } });
      if (res.ok && output.includes('Sandbox:')) return true;
    } catch {
      /* not up yet */
    }
    if (Date.now() - started > 90_000) throw new Error(`sandbox did not start in 90 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  for (let attempt = 0; attempt < 3 && !(await startSandbox()); attempt++);
}, 300_000);
afterAll(async () => {
  if (!sandbox || sandbox.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    sandbox.once('exit', () => resolve());
    sandbox.kill('SIGTERM');
  });
});

describe('contract kit against the sandbox', () => {
  it('When the kit runs against the sandbox, then every operation passes and its deliberate bad requests are answered by the server, not reported as violations', async () => {
    const run = await runContractKit(['--base-url', baseUrl, '--api-key', adminKey]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryOf(run).failed).toBe(0);
    // The kit's deliberate bad requests reach the server, which refuses them; Prism notes them as the
    // caller's, and nothing is reported as a contract violation.
    expect(output).not.toContain('CONTRACT VIOLATION');
    expect(output.split('\n').filter((l) => l.includes('Violation: request')).length).toBeGreaterThanOrEqual(3);
    expect(output.split('\n').filter((l) => l.includes('✖'))).toEqual([]);
  }, 150_000);

  it("When the sandbox is reset, then what callers made is gone and the docs' seed is back, without a restart", async () => {
    const auth = { Authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const made = await fetch(`${baseUrl}/api/access-profiles`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'made before the reset' }),
    });
    expect(made.status).toBe(201);
    const madeId = (await made.json()).access_profile.id;
    await fetch(`${baseUrl}/api/access-profiles/12`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ description: 'edited' }),
    });
    const reset = await fetch(`${baseUrl}/_sandbox/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect((await reset.json()).seeded.profiles).toEqual(['12 Engineering Default', '13 Data Science']);
    expect((await fetch(`${baseUrl}/api/access-profiles/${madeId}`, { headers: auth })).status).toBe(404);
    const docs = await (await fetch(`${baseUrl}/api/access-profiles/12`, { headers: auth })).json();
    expect(docs.access_profile).toMatchObject({
      id: 12,
      name: 'Engineering Default',
      description: 'Default AI access for the engineering organisation.',
      version: 2,
    });
    expect((await fetch(`${baseUrl}/_sandbox/reset`)).status).toBe(405);
  }, 60_000);

  it("When a caller sends bad requests through the sandbox, then it gets the server's own answers (envelope, status, code), not Prism's", async () => {
    const send = (path: string, init: RequestInit = {}) =>
      fetch(`${baseUrl}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...init.headers },
      });
    const unknownField = await send('/api/access-profiles', {
      method: 'POST',
      body: JSON.stringify({ name: 'x', colour: 1 }),
    });
    expect([unknownField.status, (await unknownField.json()).error]).toEqual([
      400,
      expect.objectContaining({ code: 'validation_failed', param: 'colour' }),
    ]);
    const badLimit = await send('/api/access-profiles?limit=0');
    expect([badLimit.status, (await badLimit.json()).error.code]).toEqual([400, 'validation_failed']);
    const malformed = await send('/api/access-profiles', { method: 'POST', body: '{"name":' });
    expect([malformed.status, (await malformed.json()).error.code]).toEqual([400, 'malformed_json']);
    const tooLarge = await send('/api/access-profiles', {
      method: 'POST',
      body: `{"name":"${'x'.repeat(1_100_000)}"}`,
    });
    expect([tooLarge.status, (await tooLarge.json()).error.code]).toEqual([413, 'payload_too_large']);
    const spaced = await send('/api/access-profiles?search=Team+1');
    expect(spaced.status).toBe(200);
    expect(output).not.toContain('CONTRACT VIOLATION');
  }, 60_000);

  it('When the kit runs read-only on the seeded sandbox, then every read is checked on the seeded data', async () => {
    const run = await runContractKit(['--base-url', baseUrl, '--api-key', adminKey, '--read-only']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryOf(run)).toEqual({ passed: 17, failed: 0, skipped: 0 });
  }, 150_000);

  it('When free text and e-mail addresses are sent as browsers, axios, curl and Postman send them, then the sandbox answers as the server does', async () => {
    await expectEncodingsAccepted(baseUrl, adminKey);
    expect(output).not.toContain('CONTRACT VIOLATION');
  }, 60_000);
});
