// Before the listener opens, the server sends itself a few requests that change nothing, through the whole
// app on a loopback socket, so the first caller does not pay for code that has never run. In a fresh
// process the first request took 8x its steady time (`npm run bench`, first requests), the first body
// checked and the first transaction more than 3x.
//
// The requests authenticate with a key that exists only in this process's memory: 32 random bytes, never
// written anywhere, accepted only until the warm-up ends, and only with the scopes the requests need.
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '../domain/principal.js';
import { hashSecret } from '../domain/secrets.js';

/** Ids that cannot exist (the spec's largest), and an entity tag no version has: nothing is ever changed. */
const NO_SUCH_ID = 9007199254740991;
const NO_SUCH_VERSION = '"warm-up"';

interface WarmUpRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** What it must answer: another status means the warm-up did not run what it meant to. */
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The requests, none of which can change anything whatever the store holds: reads; an update of an id that
 * cannot exist, with an entity tag no version has; creates the spec or the domain refuses before the
 * transaction writes (two budgets on one window are found while the content is built, before the name is
 * even looked up). `firstId` is a profile the store holds, when it holds one, to read it.
 */
function warmUpRequests(firstId: number | null): WarmUpRequest[] {
  return [
    { method: 'GET', path: `/api/access-profiles/${firstId ?? NO_SUCH_ID}`, status: firstId ? 200 : 404 },
    { method: 'GET', path: `/api/access-profiles/${NO_SUCH_ID}`, status: 404 },
    {
      method: 'PUT',
      path: `/api/access-profiles/${NO_SUCH_ID}`,
      status: 404,
      body: { description: 'warm-up' },
      headers: { 'If-Match': NO_SUCH_VERSION },
    },
    {
      method: 'POST',
      path: '/api/access-profiles',
      status: 400,
      body: {
        name: 'warm-up',
        description: 'warm-up',
        tags: ['warm-up'],
        budgets: [
          { max_limit: 1, reset_duration: '1d' },
          { max_limit: 2, reset_duration: '1d' },
        ],
        rate_limit: { token_max_limit: 1, token_reset_duration: '1h' },
        mcp_servers: [{ mcp_server_id: 'warm-up' }],
      },
    },
    { method: 'POST', path: '/api/access-profiles', status: 400, body: { name: '' } },
  ];
}

/** The in-memory key: recognised by `authenticate` while `active`, never after. */
export class WarmUpKey {
  readonly token = randomBytes(32).toString('base64url');
  readonly hash = hashSecret(this.token);
  readonly principal: Principal = {
    keyId: 'warm-up',
    name: 'warm-up',
    scopes: new Set(['AccessProfiles:View', 'AccessProfiles:Create', 'AccessProfiles:Update']),
    actor: 'warm-up',
    expiresAt: null,
  };
  active = true;

  /** The principal for a key hash, while the warm-up runs; null for every other hash, and always after. */
  principalFor(hash: string): Principal | null {
    return this.active && hash === this.hash ? this.principal : null;
  }
}

/**
 * Runs the warm-up requests, each `rounds` times, through `app` on an ephemeral loopback listener that is
 * closed afterwards, then retires the key. Resolves with what went differently than expected (an empty
 * list when every request answered its status): the caller logs it, as a start must not fail for it.
 */
export async function warmUp(app: RequestListener, key: WarmUpKey, rounds = 2): Promise<string[]> {
  const server = createServer(app);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const problems: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const list = await send(port, agent, key.token, {
      method: 'GET',
      path: '/api/access-profiles?limit=1',
      status: 200,
    });
    if (list.status !== 200) problems.push(`GET /api/access-profiles?limit=1: ${list.status}, expected 200`);
    const firstId = (list.body as { access_profiles?: Array<{ id: number }> } | null)?.access_profiles?.[0]?.id ?? null;
    for (let round = 0; round < rounds; round++) {
      for (const r of warmUpRequests(firstId)) {
        const status = await send(port, agent, key.token, r).then(
          (answer) => answer.status,
          (e: Error) => e.message,
        );
        if (status !== r.status) problems.push(`${r.method} ${r.path}: ${status}, expected ${r.status}`);
      }
    }
  } catch (e) {
    problems.push(`warm-up listener: ${(e as Error).message}`);
  } finally {
    key.active = false;
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return problems;
}

function send(port: number, agent: Agent, token: string, r: WarmUpRequest): Promise<{ status: number; body: unknown }> {
  const body = r.body === undefined ? undefined : JSON.stringify(r.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: r.method,
        path: r.path,
        headers: {
          authorization: `Bearer ${token}`,
          'x-request-id': 'warm-up',
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...r.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            /* not JSON: the status says what went wrong */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
