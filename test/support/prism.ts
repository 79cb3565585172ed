// Prism as a real child process serving the bundled spec; ready when it answers.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface PrismProcess {
  baseUrl: string;
  startupMs: number;
  stop(): Promise<void>;
}

/** `prism mock` (or `prism proxy <upstream>`) with --errors, so any contract violation is loud. */
export async function startPrism(upstream?: string): Promise<PrismProcess> {
  const port = await freePort();
  const args = upstream
    ? ['proxy', 'generated/openapi.json', upstream, '-h', '127.0.0.1', '-p', String(port), '--errors']
    : ['mock', 'generated/openapi.json', '-h', '127.0.0.1', '-p', String(port), '--errors'];
  const started = performance.now();
  const child = spawn(`${root}node_modules/.bin/prism`, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prism exited (${child.exitCode}):\n${output}`);
    try {
      await fetch(`${baseUrl}/health`);
      break;
    } catch {
      /* not up yet */
    }
    if (performance.now() - started > 30_000) throw new Error(`prism did not start in 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const startupMs = Math.round(performance.now() - started);
  console.info(`prism ${upstream ? 'proxy' : 'mock'} ready in ${startupMs} ms on ${baseUrl}`);
  return {
    baseUrl,
    startupMs,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
