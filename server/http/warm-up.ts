// Before the listener opens, the server sends itself requests that change nothing, through the whole app
// on a loopback socket, so the first caller does not pay for code that has never run. In a fresh process
// the first request took 8x its steady time (`npm run bench`, first requests), the first list of API keys
// 6x, the first body checked and the first transaction more than 3x.
//
// - Every GET operation of the spec is read once (a test checks the list is complete), plus the checks of
//   a create and an update that are refused before anything is written.
// - The requests authenticate with a key that exists only in this process's memory: 32 random bytes, never
//   written anywhere, accepted only from the warm-up's own listener and only until the warm-up ends, with
//   the view scopes and the access-profile create and update scopes.
// - They are logged at debug, left out of the metrics and of the per-key limit (`isWarmUpRequest`); the
//   failed-authentication limit counts and forgives them as any authenticated request.
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '../domain/principal.js';
import { hashSecret } from '../domain/secrets.js';

/**
 * The most a warm-up may take: past it the server stops warming and listens. A store that blocks (a held
 * lock) must not keep the server from answering its probes.
 */
export const WARM_UP_BUDGET_MS = 2000;

/** Ids that cannot exist (the spec's largest), and an entity tag no version has: nothing is ever changed. */
const NO_SUCH_ID = 9007199254740991;
const NO_SUCH_VERSION = '"warm-up"';
const NO_SUCH_USER = 'warm-up.no-such-user';
const NO_SUCH_KEY = 'warm-up-no-such-key';

export interface WarmUpRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** What it may answer: another status means the warm-up did not run what it meant to. */
  statuses: number[];
  body?: unknown;
  headers?: Record<string, string>;
}

const read = (path: string): WarmUpRequest => ({ method: 'GET', path, statuses: [200, 404] });

/**
 * The requests, none of which can change anything whatever the store holds: reads of every GET operation;
 * an update of an id that cannot exist, with an entity tag no version has; creates the spec or the domain
 * refuses before the transaction writes (two budgets on one window are found while the content is built,
 * before the name is even looked up). `id` is a profile the store holds, when it holds one, to read it.
 */
export function warmUpRequests(id: number = NO_SUCH_ID): WarmUpRequest[] {
  return [
    read('/health'),
    read('/livez'),
    read('/readyz'),
    read('/api/access-profiles?limit=1'),
    read(`/api/access-profiles/${id}`),
    read(`/api/access-profiles/${id}/versions?limit=1`),
    read(`/api/access-profiles/${id}/versions/1`),
    read(`/api/access-profiles/${id}/audit-logs?limit=1`),
    read('/api/access-profiles/audit-logs?limit=1'),
    read('/api/roles?limit=1'),
    read('/api/users?limit=1'),
    read(`/api/users/${NO_SUCH_USER}`),
    read(`/api/users/${NO_SUCH_USER}/access-profiles?limit=1`),
    read(`/api/users/${NO_SUCH_USER}/access-profiles/${NO_SUCH_ID}`),
    read('/api/api-keys?limit=1'),
    read(`/api/api-keys/${NO_SUCH_KEY}`),
    {
      method: 'PUT',
      path: `/api/access-profiles/${NO_SUCH_ID}`,
      statuses: [404],
      body: { description: 'warm-up' },
      headers: { 'If-Match': NO_SUCH_VERSION },
    },
    {
      method: 'POST',
      path: '/api/access-profiles',
      statuses: [400],
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
    // Every part of a create the spec checks, refused for its empty name: all of them are still checked
    // (every error is collected), so each part's validator has run once.
    {
      method: 'POST',
      path: '/api/access-profiles',
      statuses: [400],
      body: {
        name: '',
        description: 'warm-up',
        tags: ['warm-up'],
        provider_configs: [
          { provider_name: 'openai', allowed_models: ['gpt-4o'] },
          { provider_name: 'anthropic', all_models_allowed: true },
        ],
        budgets: [{ max_limit: 1, reset_duration: '1M' }],
        rate_limit: {
          token_max_limit: 1,
          token_reset_duration: '1h',
          request_max_limit: 1,
          request_reset_duration: '1m',
        },
        mcp_servers: [{ mcp_server_id: 'warm-up' }],
      },
    },
  ];
}

/** Requests that came through the warm-up's own listener with its key (the listener takes no others). */
const fromWarmUp = new WeakSet<object>();
export const isWarmUpRequest = (req: object): boolean => fromWarmUp.has(req);

/** The in-memory key: recognised by `authenticate` while `active`, never after. */
export class WarmUpKey {
  readonly token = randomBytes(32).toString('base64url');
  readonly hash = hashSecret(this.token);
  readonly principal: Principal = {
    keyId: 'warm-up',
    name: 'warm-up',
    scopes: new Set([
      'AccessProfiles:View',
      'AccessProfiles:Create',
      'AccessProfiles:Update',
      'APIKeys:View',
      'Roles:View',
      'Users:View',
    ]),
    actor: 'warm-up',
    expiresAt: null,
  };
  active = true;

  /**
   * The principal for a request with this key hash: only while the warm-up runs, and only for a request
   * through its own listener; null for every other request and hash, and always after.
   */
  principalFor(req: object, hash: string): Principal | null {
    return this.active && hash === this.hash && isWarmUpRequest(req) ? this.principal : null;
  }

  /** Whether a request's Authorization header carries this key, while the warm-up runs. */
  carriedBy(authorization: string | undefined): boolean {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    return this.active && token !== undefined && hashSecret(token) === this.hash;
  }
}

/**
 * Runs the warm-up requests once each (the first call is what compiles; a second round cost start-up time)
 * through `app` on an ephemeral loopback listener that is closed afterwards, then retires the key.
 * Resolves with what went differently than expected (an empty list when every request answered as it
 * may): the caller logs it, as a start must not fail for it.
 */
export async function warmUp(app: RequestListener, key: WarmUpKey, budgetMs = WARM_UP_BUDGET_MS): Promise<string[]> {
  const deadline = Date.now() + budgetMs;
  // Its own requests only: another local client that finds the port is disconnected unanswered, so
  // nothing it sends is taken for the warm-up's (left out of limits, metrics and the info log).
  const server = createServer((req, res) => {
    if (!key.carriedBy(req.headers.authorization)) return void req.socket.destroy();
    fromWarmUp.add(req);
    app(req, res);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const problems: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.on('error', (e: Error) => problems.push(`warm-up listener: ${e.message}`));
    const { port } = server.address() as AddressInfo;
    const list = await send(port, agent, key.token, read('/api/access-profiles?limit=1'), deadline);
    const firstId = (list.body as { access_profiles?: Array<{ id: number }> } | null)?.access_profiles?.[0]?.id;
    const requests = warmUpRequests(firstId);
    for (const [i, r] of requests.entries()) {
      if (Date.now() >= deadline) {
        problems.push(`stopped after ${budgetMs} ms, ${requests.length - i} requests not sent`);
        break;
      }
      const status = await send(port, agent, key.token, r, deadline).then(
        (answer) => answer.status,
        (e: Error) => e.message,
      );
      if (typeof status !== 'number' || !r.statuses.includes(status))
        problems.push(`${r.method} ${r.path}: ${status}, expected ${r.statuses.join(' or ')}`);
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

function send(
  port: number,
  agent: Agent,
  token: string,
  r: WarmUpRequest,
  deadline: number,
): Promise<{ status: number; body: unknown }> {
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
    req.setTimeout(Math.max(1, deadline - Date.now()), () =>
      req.destroy(new Error('no answer within the warm-up budget')),
    );
    req.end(body);
  });
}
