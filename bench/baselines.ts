// Starts the bench's baselines as processes (see baseline-server.ts) and the Prism mock, each answering
// GET /api/access-profiles/{id}, so one run compares our server with what its stack allows.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrism, type PrismProcess } from '../test/support/prism.js';
import { freePort } from '../test/support/processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export type BaselineKind = 'http' | 'express' | 'express-validator' | 'express-validator-store';
export interface Baseline {
  kind: BaselineKind | 'prism';
  url: string;
  stop(): Promise<void>;
}

/**
 * A baseline serving `body` as a constant (or, `express-validator-store`, reading the profile from the
 * SQLite file `sqliteFile`); resolves once it listens.
 */
export async function startBaseline(kind: BaselineKind, body: string, sqliteFile?: string): Promise<Baseline> {
  const file = join(mkdtempSync(join(tmpdir(), 'ap-baseline-')), 'body.json');
  writeFileSync(file, body);
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/baseline-server.ts', kind, String(port), file, ...(sqliteFile ? [sqliteFile] : [])],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`baseline ${kind} exited (${code}):\n${output}`)));
  });
  return {
    kind,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }).then(() => rmSync(dirname(file), { recursive: true, force: true })),
  };
}

export async function startPrismBaseline(): Promise<Baseline> {
  const prism: PrismProcess = await startPrism();
  return { kind: 'prism', url: prism.baseUrl, stop: () => prism.stop() };
}
