// The server as an ops team runs it: real processes, their exit codes, signals and logs. Start-up
// failures are one line naming the variable (exit 2); SIGTERM drains (exit 0) or cuts at the deadline
// (exit 1); `npm start` passes signals on; probes, metrics and the docs behave as documented.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { freePort, runServerToExit, startServerProcess } from '../support/processes.js';

const ADMIN = 'ops-admin-key-0123456789abcdef';
const root = fileURLToPath(new URL('../..', import.meta.url));
const memoryStore = { DATABASE_URL: 'sqlite::memory:', ADMIN_API_KEY: ADMIN };

/** A port held by another listener for the length of fn. */
async function withTakenPort<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const holder = createNetServer(() => undefined);
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  try {
    return await fn((holder.address() as { port: number }).port);
  } finally {
    holder.close();
  }
}

const oneLine = (text: string) => text.trim().split('\n').filter(Boolean);

describe('start-up failures', () => {
  it('When PORT is taken, then the server exits 2 at once with one line naming PORT and EADDRINUSE, not "listening"', async () => {
    const r = await withTakenPort((port) => runServerToExit({ ...memoryStore, PORT: String(port) }));
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^access-profiles-api cannot start: PORT: port \d+ is already in use on 127\.0\.0\.1 \(EADDRINUSE\)/,
    );
    expect(r.stdout).not.toContain('listening');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    // It fails at listen, before any warm-up or banner: how fast that is depends on the machine; what
    // is asserted is that it ends by itself, with code 2.
  });

  it('When HOST is not a host, then it exits 2 naming HOST', async () => {
    const r = await runServerToExit({ ...memoryStore, PORT: '0', HOST: 'not a host' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot start: HOST: 'not a host' does not resolve/);
  });

  it.each([
    [
      'a file in place of a folder',
      'sqlite:/etc/passwd/x.db',
      /DATABASE_URL: sqlite:\/etc\/passwd\/x\.db: cannot open the SQLite database/,
    ],
    [
      'a folder under /proc',
      'sqlite:/proc/ap-test/y.db',
      /DATABASE_URL: sqlite:\/proc\/ap-test\/y\.db: cannot create the folder \/proc\/ap-test/,
    ],
    [
      'an unknown scheme (password masked)',
      'mysql://app:s3cret-pass@db.internal/ap',
      /DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres:\/\/\.\.\., got 'mysql:\/\/app:\*\*\*@db\.internal\/ap'/,
    ],
  ])(
    'When DATABASE_URL is %s, then it exits 2 with one line naming DATABASE_URL, no stack, no secret',
    async (_label, url, message) => {
      const r = await runServerToExit({ DATABASE_URL: url, ADMIN_API_KEY: ADMIN, PORT: '0' });
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('s3cret-pass');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it('When a value is invalid, then every bad variable is named on one line and it exits 2', async () => {
    const r = await runServerToExit({ ...memoryStore, PORT: 'eighty', DRAIN_TIMEOUT_MS: '-1' });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/PORT must be an integer/);
    expect(r.stderr).toMatch(/DRAIN_TIMEOUT_MS must be an integer/);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'When PostgreSQL is unreachable at start, then it retries for PG_CONNECT_RETRY_MS, then exits 2 naming DATABASE_URL with the password masked',
    async () => {
      const port = await freePort();
      const r = await runServerToExit({
        DATABASE_URL: `postgres://app:s3cret-pass@127.0.0.1:${port}/test`,
        PG_CONNECT_RETRY_MS: '1500',
        ADMIN_API_KEY: ADMIN,
        PORT: '0',
      });
      expect(r.code).toBe(2);
      expect(r.ms).toBeGreaterThan(1400); // it did retry
      expect(r.stderr).toMatch(
        /DATABASE_URL: PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/test is unreachable after retrying for 2 s \(PG_CONNECT_RETRY_MS\)/,
      );
      expect(r.stderr).not.toContain('s3cret-pass');
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "When the PostgreSQL database does not exist, then it exits 2 at once with PostgreSQL's reason",
    async () => {
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.pathname = '/no_such_database_ap';
      const r = await runServerToExit({ DATABASE_URL: u.toString(), ADMIN_API_KEY: ADMIN, PORT: '0' });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /DATABASE_URL: PostgreSQL at .* refused the connection \(3D000: database "no_such_database_ap" does not exist\)/,
      );
    },
  );

  it("When the sandbox's server port is taken, then npm run sandbox exits 2 naming SANDBOX_SERVER_PORT", async () => {
    const r = await withTakenPort(async (port) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], {
        cwd: root,
        env: { ...process.env, SANDBOX_SERVER_PORT: String(port), SANDBOX_PORT: String(await freePort()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      return { code, stderr };
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sandbox cannot start: SANDBOX_SERVER_PORT: port \d+ is already in use/);
  }, 60_000);

  it('When SANDBOX_SEED names a file that is not a seed, then npm run sandbox exits 2 naming SANDBOX_SEED and the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const file = join(dir, 'seed.json');
    writeFileSync(file, '{"profiles": {"id": 1}}');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], {
        cwd: root,
        env: {
          ...process.env,
          SANDBOX_SEED: file,
          SANDBOX_SERVER_PORT: String(await freePort()),
          SANDBOX_PORT: String(await freePort()),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(2);
      expect(stderr).toContain(
        `sandbox cannot start: SANDBOX_SEED: ${file} is not a usable seed (profiles must be a list)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('When the port of an in-process server is taken, then startServer rejects naming PORT (the test helpers and the sandbox share it)', async () => {
    await withTakenPort(async (port) => {
      await expect(startTestServer({ env: { PORT: String(port) } })).rejects.toThrow(
        /^PORT: port \d+ is already in use/,
      );
    });
  });
});

/** Sends raw bytes and reads until the server closes the connection. */
function openSocket(port: number): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, text: () => text, closed }));
  });
}
const portOf = (url: string) => Number(new URL(url).port);
async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 25)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

describe('SIGTERM drains', () => {
  it('When SIGTERM arrives during a request, then that request is answered with Connection: close, a fresh socket still gets /readyz 503 draining, and the exit is 0', async () => {
    const server = await startServerProcess({ ...memoryStore, LOG_LEVEL: 'info' });
    const port = portOf(server.url);
    const busy = await openSocket(port);
    const body = '{"name":"drained-profile"}';
    busy.socket.write(
      `POST /api/access-profiles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    const fresh = await openSocket(port); // accepted, nothing sent yet
    await new Promise((r) => setTimeout(r, 200));
    const exit = new Promise<number | null>((r) => server.child.once('exit', (code) => r(code)));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    fresh.socket.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    busy.socket.write(body.slice(5));
    await Promise.all([busy.closed, fresh.closed]);
    expect(busy.text()).toMatch(/^HTTP\/1\.1 201 /);
    expect(busy.text()).toMatch(/\r\nConnection: close\r\n/i);
    expect(fresh.text(), server.output()).toMatch(/^HTTP\/1\.1 503 /);
    expect(fresh.text()).toContain('"status":"draining"');
    expect(await exit).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    // New connections are refused once draining began.
    await expect(fetch(`${server.url}/livez`)).rejects.toThrow();
  });

  it('When a keep-alive client keeps sending after SIGTERM, then every answer says Connection: close and it exits 0', async () => {
    const server = await startServerProcess({ ...memoryStore });
    const port = portOf(server.url);
    const client = await openSocket(port);
    client.socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor('the first answer', () => client.text().includes('"status":"ok"'));
    expect(client.text()).toMatch(/Connection: keep-alive/i);
    const exit = new Promise<number | null>((r) => server.child.once('exit', (code) => r(code)));
    server.child.kill('SIGTERM');
    await client.closed; // the idle keep-alive socket is closed, not left open until a force timer
    expect(await exit).toBe(0);
  });

  it('When a request is still running at DRAIN_TIMEOUT_MS, then it is cut and the exit is 1', async () => {
    const server = await startServerProcess({ ...memoryStore, DRAIN_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '60000' });
    const stuck = await openSocket(portOf(server.url));
    stuck.socket.write(
      `POST /api/access-profiles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    expect(await server.stop()).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
    await stuck.closed;
    expect(server.output()).toContain('cut');
  });

  it('When npm start gets SIGTERM, then the server gets it too: it drains, exits, and nothing is left serving', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, ...memoryStore, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    for (let i = 0; i < 600 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('listening');
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('"msg":"stopped"');
    await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow(); // no orphaned node still serving
  }, 90_000);
});

describe('probes, logs and metrics', () => {
  it('When probes and API calls are made, then probes log at debug only, API calls log the client address, and the listening line names the bound address', async () => {
    const server = await startServerProcess({ ...memoryStore, LOG_LEVEL: 'info', HOST: '0.0.0.0' });
    const url = server.url.replace('127.0.0.1', '127.0.0.1');
    for (const p of ['/livez', '/readyz', '/health']) expect((await fetch(`${url}${p}`)).status).toBe(200);
    expect((await fetch(`${url}/api/roles`, { headers: { Authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => l.path)).toEqual(['/api/roles']);
    expect(requests[0]!.remoteAddress).toMatch(/127\.0\.0\.1/);
    expect(lines.find((l) => String(l.msg).includes('listening'))).toMatchObject({ address: '0.0.0.0' });
    expect(await server.stop()).toBe(0);
  });

  it('When the store is reachable, then /livez, /readyz and /health answer without a key, and /livez never touches the store', async () => {
    const t = await startTestServer();
    try {
      expect(await (await fetch(`${t.url}/livez`)).json()).toMatchObject({ status: 'ok' });
      expect(await (await fetch(`${t.url}/readyz`)).json()).toMatchObject({
        status: 'ready',
        store: { reachable: true },
      });
      await t.db.close(); // the store goes away: readiness fails, liveness does not
      expect((await fetch(`${t.url}/livez`)).status).toBe(200);
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable', store: { reachable: false } });
    } finally {
      await t.close().catch(() => undefined);
    }
  });

  it('When METRICS_PORT is set, then /metrics there has requests by operation and status, latency, in-flight, store and process metrics, and the API port has no /metrics', async () => {
    const metricsPort = await freePort();
    const t = await startTestServer({ env: { METRICS_PORT: String(metricsPort) } });
    try {
      await t.client.GET('/api/access-profiles');
      await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: 999 } } });
      await t.client.POST('/api/roles', { body: { name: 'metrics-role' } });
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toMatch(/http_requests_total\{operation="listAccessProfiles",method="GET",status="200"\} 1/);
      expect(text).toMatch(/http_requests_total\{operation="getAccessProfile",method="GET",status="404"\} 1/);
      expect(text).toMatch(/http_request_duration_seconds_bucket\{le="[^"]+",operation="listAccessProfiles"/);
      expect(text).toMatch(/http_requests_in_flight \d/);
      expect(text).toMatch(/store_operation_duration_seconds_count\{operation="statement",outcome="ok"\} \d+/);
      expect(text).toMatch(/store_operation_duration_seconds_count\{operation="transaction",outcome="ok"\} \d+/);
      expect(text).toMatch(/process_resident_memory_bytes \d+/);
      // The pool figures exist where there is a pool (the PostgreSQL pass of this suite).
      if (process.env.TEST_STORE === 'postgres') expect(text).toMatch(/store_pool_connections\{state="total"\} [1-9]/);
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});

describe('the docs', () => {
  it('When /docs and /openapi.json are fetched with gzip, then they come compressed with an ETag, and If-None-Match gets 304', async () => {
    const t = await startTestServer();
    try {
      for (const path of ['/docs', '/openapi.json']) {
        const { request } = await import('node:http');
        const res = await new Promise<{
          status: number;
          headers: Record<string, string | string[] | undefined>;
          body: Buffer;
        }>((resolve, reject) => {
          request(`${t.url}${path}`, { headers: { 'Accept-Encoding': 'gzip' } }, (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(chunks) }));
          })
            .on('error', reject)
            .end();
        });
        expect(res.status).toBe(200);
        expect(res.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(res.body).length).toBeGreaterThan(res.body.length * 3);
        expect(res.headers['cache-control']).toContain('max-age=');
        const etag = String(res.headers.etag);
        expect(etag).toMatch(/^"[\w-]+"$/);
        const again = await fetch(`${t.url}${path}`, { headers: { 'If-None-Match': etag } });
        expect(again.status).toBe(304);
      }
    } finally {
      await t.close();
    }
  });
});
