// The contract kit against `npm run sandbox` as frontend teams start it: the seeded server behind prism proxy.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContractKit, summaryOf } from '../support/contract-kit.js';
import { freePort } from '../support/processes.js';

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
    env: { ...process.env, SANDBOX_PORT: String(port), SANDBOX_SERVER_PORT: String(serverPort), ADMIN_API_KEY: adminKey, LOG_LEVEL: 'silent' },
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
    } catch { /* not up yet */ }
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
  it('When the kit runs against the sandbox, then every operation passes and Prism flags only its deliberate bad requests', async () => {
    const run = await runContractKit(['--base-url', baseUrl, '--api-key', adminKey]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryOf(run).failed).toBe(0);
    // The kit's four invalid requests are refused by Prism itself; anything else flagged is a violation.
    const flagged = output.split('\n').filter((l) => l.includes('✖'));
    expect(flagged.filter((l) => !l.includes('UNPROCESSABLE_ENTITY: Invalid request'))).toEqual([]);
    expect(flagged).toHaveLength(4);
  }, 150_000);

  it('When the kit runs read-only on the seeded sandbox, then every read is checked on the seeded data', async () => {
    const run = await runContractKit(['--base-url', baseUrl, '--api-key', adminKey, '--read-only']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryOf(run)).toEqual({ passed: 17, failed: 0, skipped: 0 });
  }, 150_000);
});
