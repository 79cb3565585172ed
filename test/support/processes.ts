// Server processes as deployed: the built server (`npm start`'s dist/server/main.mjs), one or many.
// Used by the multi-instance and fault tests and by the bench.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startCommand } from '../../scripts/start-command.mjs';

export { startCommand };

const root = fileURLToPath(new URL('../..', import.meta.url));
let built = false;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn until /health answered. */
  readyMs: number;
  output: () => string;
  /** The process's peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `npm run build` (scripts/build-server.mjs), once per process; not at all under vitest, whose global
 * setup built it for the whole run.
 */
export function buildOnce(): void {
  if (!built && !process.env.ACCESS_PROFILES_SERVER_BUILT) {
    execFileSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, stdio: 'pipe' });
    built = true;
  }
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built server until it exits by itself (a start-up that must fail), at most `timeoutMs`. */
export async function runServerToExit(env: Record<string, string>, timeoutMs = 20_000): Promise<ProcessExit> {
  buildOnce();
  const started = performance.now();
  const child = spawn(process.execPath, startCommand(), {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr, ms: performance.now() - started };
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  buildOnce();
  const port = await freePort();
  const spawned = performance.now();
  const child = spawn(process.execPath, startCommand(), {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      // The body read to its end, so the connection is kept for the caller's next request (a response
      // left unread holds it, and the caller's first request would open a new one).
      const health = await fetch(`${url}/health`);
      await health.arrayBuffer();
      if (health.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - started > 30_000) throw new Error(`server did not start:\n${out}`);
    // Every 5 ms: the bench reports this as the server's ready time, so the poll must not add to it.
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - spawned;
  return {
    url,
    child,
    readyMs,
    output: () => out,
    peakRssMb: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
