// The contract kit as a consumer team runs it: `access-profiles-contract` (contract-kit/bin.mjs) as a child
// process. Spawned asynchronously, so an in-process test server keeps answering while it runs.
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface KitRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runContractKit(args: string[], env: Record<string, string> = {}): Promise<KitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['contract-kit/bin.mjs', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The summary line, e.g. `37 passed, 0 failed`. */
export function summaryOf(run: KitRun): { passed: number; failed: number; skipped: number } {
  const m = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(run.stdout);
  if (!m) throw new Error(`no summary line in:\n${run.stdout}\n${run.stderr}`);
  return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) };
}

/**
 * A deliberately broken target: an HTTP proxy to `upstream` that passes everything through but lets
 * `alter` rewrite JSON response bodies (method and path given), to prove the kit catches a violation.
 */
export async function startAlteringProxy(
  upstream: string,
  alter: (method: string, path: string, body: any) => any,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          let body = Buffer.concat(chunks);
          const headers = { ...upRes.headers };
          if (String(headers['content-type']).includes('json') && body.length) {
            body = Buffer.from(
              JSON.stringify(
                alter(req.method!, new URL(req.url!, 'http://x').pathname, JSON.parse(body.toString('utf8'))),
              ),
            );
            headers['content-length'] = String(body.length);
            delete headers['transfer-encoding'];
          }
          res.writeHead(upRes.statusCode!, headers);
          res.end(body);
        });
      },
    );
    up.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
