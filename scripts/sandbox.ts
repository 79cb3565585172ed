// `npm run sandbox`: the real server on a throwaway in-memory store, seeded with what the docs show (or
// SANDBOX_SEED's file), behind `prism proxy` so every request and response is checked against the
// contract. POST /_sandbox/reset brings the store back to its seed without a restart.
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAccessProfilesClient } from '../client/index.js';
import { loadConfig } from '../server/config.js';
import { startServer, type RunningServer } from '../server/server.js';
import { StartupError } from '../server/startup-error.js';
import { prismLine } from './sandbox-log.js';
import { applySeed, docsSeed, parseSeed, type SandboxSeed, type SeedSummary } from './sandbox-seed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const adminKey = process.env.ADMIN_API_KEY || 'sandbox-admin-key';
const port = process.env.SANDBOX_PORT || '4011';
const serverPort = process.env.SANDBOX_SERVER_PORT || '4012';

let stopping = false;

function cannotStart(message: string): never {
  process.stderr.write(`sandbox cannot start: ${message}\n`);
  process.exit(2);
}

// The seed: the docs' world (profiles 12 and 13, roles 3 and 4, alice@example.com), or SANDBOX_SEED's file.
const seedFile = process.env.SANDBOX_SEED;
let seed: SandboxSeed;
try {
  seed = seedFile ? parseSeed(readFileSync(seedFile, 'utf8')) : docsSeed();
} catch (e) {
  cannotStart(`SANDBOX_SEED: ${seedFile} is not a usable seed (${(e as Error).message})`);
}

/** A server on a fresh in-memory store, seeded. Reset replaces it with another on the same port. */
async function freshServer(): Promise<{ server: RunningServer; seeded: SeedSummary }> {
  const started = await startServer(
    loadConfig({
      ...process.env,
      DATABASE_URL: 'sqlite::memory:',
      ADMIN_API_KEY: adminKey,
      CORS_ORIGINS: '*',
      PORT: serverPort,
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    }),
  ).catch((e: Error) =>
    cannotStart(e instanceof StartupError ? e.message.replace(/\bPORT\b/g, 'SANDBOX_SERVER_PORT') : e.message),
  );
  try {
    return {
      server: started,
      seeded: await applySeed(createAccessProfilesClient({ baseUrl: started.url, apiKey: adminKey }), started.db, seed),
    };
  } catch (e) {
    await started.close();
    cannotStart(`SANDBOX_SEED: ${seedFile ?? "the docs' examples"} could not be seeded (${(e as Error).message})`);
  }
}
let { server, seeded } = await freshServer();
let resetting: Promise<void> | null = null;
/** POST /_sandbox/reset: back to the seed, without restarting the sandbox. */
const reset = () =>
  (resetting ??= (async () => {
    await server.close();
    ({ server, seeded } = await freshServer());
  })().finally(() => {
    resetting = null;
  }));

// Prism checks every exchange; a caller's bad request is forwarded and answered by the server itself
// (no `--errors`: Prism's own 422 would hide the API's 400 envelope), and only a response that breaks
// the contract is reported as a violation.
const prismPort = await freePortNumber();
const prism = spawn(
  `${root}node_modules/.bin/prism`,
  ['proxy', 'generated/openapi.json', server.url, '-h', '127.0.0.1', '-p', String(prismPort)],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
prism.stdout.on('data', (chunk: Buffer) => {
  for (const line of chunk.toString().split('\n')) {
    const shown = prismLine(line);
    if (shown) (shown.stream === 'stderr' ? process.stderr : process.stdout).write(shown.text);
  }
});
// Prism failing to listen ends the sandbox too, with its reason.
let prismOutput = '';
prism.stdout.on('data', (chunk: Buffer) => (prismOutput = (prismOutput + chunk.toString()).slice(-2000)));
prism.once('exit', (code) => {
  if (stopping) return;
  void server.close();
  cannotStart(
    `prism proxy on 127.0.0.1:${prismPort} exited with ${code}${/EADDRINUSE|address already in use/i.test(prismOutput) ? ' (the port is already in use)' : ''}`,
  );
});

// SANDBOX_PORT is a thin front: Prism answers a body that is not JSON with its own error shape before
// proxying, so such a body goes straight to the server, which answers it as production does. Bodies are
// buffered up to the server's body limit; a larger one streams to the server (which answers 413).
const BODY_LIMIT = Number(process.env.BODY_LIMIT_BYTES) || 1_048_576;
const isJson = (type: string | undefined) => !!type && /^application\/([\w.+-]*\+)?json\b/i.test(type);
const parses = (body: Buffer) => {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
};
const front = createServer((req, res) => {
  if (req.url === '/_sandbox/reset') {
    if (req.method !== 'POST') {
      res
        .writeHead(405, { allow: 'POST', 'content-type': 'text/plain' })
        .end('POST /_sandbox/reset resets the sandbox to its seed\n');
      return;
    }
    void reset().then(
      () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify({ reset: true, seeded })}\n`),
      (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`reset failed: ${e.message}\n`),
    );
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let forwarded = false;
  const forward = (target: string, rest: boolean) => {
    forwarded = true;
    // a request during a reset waits for the fresh store
    if (resetting) return void resetting.then(() => forward(target, rest));
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('sandbox: the server or prism did not answer\n');
    });
    for (const c of chunks) upstream.write(c);
    if (rest) req.pipe(upstream);
    else upstream.end();
  };
  req.on('data', (c: Buffer) => {
    if (forwarded) return;
    chunks.push(c);
    size += c.length;
    if (size > BODY_LIMIT) {
      req.pause();
      forward(server.url, true);
      req.resume();
    }
  });
  req.on('end', () => {
    if (forwarded) return;
    const body = Buffer.concat(chunks);
    forward(
      body.length && isJson(req.headers['content-type']) && !parses(body)
        ? server.url
        : `http://127.0.0.1:${prismPort}`,
      false,
    );
  });
});
await new Promise<void>((resolve) => {
  front.once('error', (e: NodeJS.ErrnoException) => {
    prism.kill('SIGTERM');
    void server.close();
    cannotStart(
      `SANDBOX_PORT: 127.0.0.1:${port} ${e.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${e.code ?? e.message})`}`,
    );
  });
  front.listen(Number(port), '127.0.0.1', () => resolve());
});
await waitForPrism(prismPort);

process.stdout.write(`
  Sandbox: http://127.0.0.1:${port}  (the real server behind prism proxy; the server itself is on ${server.url})
  Admin key: ${adminKey}   e.g. curl -H 'Authorization: Bearer ${adminKey}' http://127.0.0.1:${port}/api/access-profiles
  Seeded from ${seedFile ?? "the docs' examples"}: profiles ${seeded.profiles.join(', ')}; roles ${seeded.roles.join(', ')}; users ${seeded.users.join(', ')}.
  The store lives in memory: stop the sandbox and it is gone; POST /_sandbox/reset brings back the seed.
`);
const stop = () => {
  stopping = true;
  prism.kill('SIGTERM');
  front.close();
  front.closeAllConnections();
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

async function freePortNumber(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
}

/** Prism is ready when it answers on its port (it loads the spec first). */
async function waitForPrism(on: number): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 100))) {
    try {
      await fetch(`http://127.0.0.1:${on}/livez`);
      return;
    } catch {
      /* not yet */
    }
  }
  cannotStart(`prism proxy on 127.0.0.1:${on} did not start within 60 s`);
}
