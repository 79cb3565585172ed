// A running server: store and migrations, the first admin key, the HTTP listener (and the metrics one),
// and a drain that finishes what was sent before it stops. Used by `main.ts`, the sandbox and the tests.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { bootstrapAdminKey } from './domain/api-keys.js';
import { createApp } from './http/app.js';
import { envelope } from './http/errors.js';
import { handlers } from './http/handlers/index.js';
import { createMetrics, metricsServer } from './http/metrics.js';
import type { AppContext } from './http/operations.js';
import { loadSpec } from './http/spec-routes.js';
import { StartupError } from './startup-error.js';
import type { Database } from './store/database.js';
import { instrumented } from './store/instrumented.js';
import { openDatabase } from './store/open.js';
import { startRotationScheduler } from './rotation-scheduler.js';
import type { ErrorCode } from './domain/errors.js';

export interface RunningServer {
  /** Where to reach it (a wildcard host is reached on 127.0.0.1). */
  url: string;
  /** The address actually bound. */
  address: string;
  port: number;
  /** The metrics listener's URL, when METRICS_PORT is set. */
  metricsUrl: string | null;
  db: Database;
  /** The generated first admin key, when this start created one. */
  generatedAdminKey: string | null;
  /**
   * Stops: readiness turns unavailable, no new connections, every answer closes its connection, idle
   * sockets close; requests in flight finish. What still runs after `deadlineMs` is cut. Resolves
   * `true` when everything finished, `false` when something was cut.
   */
  drain(deadlineMs?: number): Promise<boolean>;
  /** `drain` with the configured deadline. */
  close(): Promise<void>;
}

const CLIENT_ERRORS: Record<string, [number, string, ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'The request line and headers exceed 16 KiB.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'The request was not received in time.'],
};

/**
 * Requests Node refuses before Express sees them (oversized headers, a client too slow to send its
 * request, broken HTTP) still get the envelope, not an empty body or a reset.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  const [status, reason, code, message]: [number, string, ErrorCode, string] = CLIENT_ERRORS[err.code ?? ''] ?? [
    400,
    'Bad Request',
    'malformed_request',
    'The request is not valid HTTP.',
  ];
  const id = randomUUID();
  const body = JSON.stringify(envelope(id, { status, code, message }));
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${id}\r\n` +
      `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nContent-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\nConnection: close\r\n\r\n${body}`,
  );
  // Closed for good once written: a client that never closes its side must not keep the slot.
  (socket as Socket).destroySoon?.() ?? socket.destroy();
}

/** A listen failure as the operator's variable and cause: a taken port, a port needing privileges, a bad host. */
function listenError(
  e: NodeJS.ErrnoException,
  what: { port: number; host: string; portVar: string; hostVar: string },
): StartupError {
  const where = `${what.host}:${what.port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return new StartupError(
        what.portVar,
        `port ${what.port} is already in use on ${what.host} (EADDRINUSE); choose another ${what.portVar} or stop what holds it`,
      );
    case 'EACCES':
      return new StartupError(
        what.portVar,
        `no permission to listen on ${where} (EACCES); ports below 1024 need privileges`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(what.hostVar, `'${what.host}' is not an address of this machine (EADDRNOTAVAIL)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new StartupError(what.hostVar, `'${what.host}' does not resolve to an address (${e.code})`);
    default:
      return new StartupError(`${what.hostVar}/${what.portVar}`, `cannot listen on ${where} (${e.code ?? e.message})`);
  }
}

function listen(server: Server, port: number, host: string, vars: { portVar: string; hostVar: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) => reject(listenError(e, { port, host, ...vars }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

const reachable = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
const urlOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function startServer(
  config: Config,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningServer> {
  const startedAt = Date.now();
  const metrics = config.metrics ? createMetrics() : null;
  const store = await openDatabase(config);
  const db = metrics ? instrumented(store, metrics.observeStore) : store;
  metrics?.watchPool(store);
  let server: Server | null = null;
  let metricsListener: Server | null = null;
  try {
    const { generated } = await bootstrapAdminKey(db, config.adminApiKey);
    const doc = loadSpec();
    const ctx: AppContext = {
      db,
      config,
      logger,
      version: doc.info.version,
      startedAt,
      lifecycle: { draining: false },
      metrics,
    };
    const app = createApp(ctx, handlers, doc);
    // Slow clients are cut off: headers within HEADERS_TIMEOUT_MS, the whole request within
    // REQUEST_TIMEOUT_MS, checked every second (Node's default check runs every 30 s).
    server = createServer(
      {
        headersTimeout: config.headersTimeoutMs,
        requestTimeout: config.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
        keepAliveTimeout: config.keepAliveTimeoutMs,
      },
      app,
    );
    server.maxConnections = config.maxConnections;
    server.on('clientError', answerClientError);
    const connections = trackConnections(server);
    // Every operation's validators are built before the listener opens: the first user of an operation
    // is not the one who waits, and a server that answers has finished starting.
    await app.validatorsReady;
    // Then the app's own requests, so the first caller does not pay for code that never ran (warm-up.ts).
    const warmUpProblems = await (metrics ? metrics.whileWarmingUp(app.warmUp) : app.warmUp());
    if (warmUpProblems.length) logger.warn({ problems: warmUpProblems }, 'warm-up requests answered unexpectedly');
    await listen(server, config.port, config.host, { portVar: 'PORT', hostVar: 'HOST' });
    if (metrics && config.metrics) {
      metricsListener = metricsServer(metrics);
      await listen(metricsListener, config.metrics.port, config.metrics.host, {
        portVar: 'METRICS_PORT',
        hostVar: 'METRICS_HOST',
      });
    }
    const bound = server.address();
    const address = typeof bound === 'object' && bound ? bound.address : config.host;
    const port = typeof bound === 'object' && bound ? bound.port : config.port;
    const url = urlOf(reachable(config.host), port);
    const metricsBound = metricsListener?.address();
    const metricsUrl =
      metricsBound && typeof metricsBound === 'object'
        ? `${urlOf(reachable(config.metrics!.host), metricsBound.port)}/metrics`
        : null;

    const rotation = startRotationScheduler(db, config.rotationCheckMs, logger);
    const listener = server;
    const metricsToClose = metricsListener;
    let draining: Promise<boolean> | null = null;
    const drain = (deadlineMs = config.drainTimeoutMs) => {
      draining ??= (async () => {
        ctx.lifecycle.draining = true;
        const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(listener, () => resolve()));
        connections.closeIdle(Math.min(1000, config.headersTimeoutMs));
        let timer: NodeJS.Timeout | undefined;
        const cut = new Promise<false>((resolve) => {
          timer = setTimeout(() => {
            listener.closeAllConnections();
            resolve(false);
          }, deadlineMs);
        });
        const finished = await Promise.race([closed.then(() => true as const), cut]);
        clearTimeout(timer);
        await new Promise<void>((resolve) => (metricsToClose ? metricsToClose.close(() => resolve()) : resolve()));
        metricsToClose?.closeAllConnections();
        await rotation.stop();
        await db.close();
        return finished;
      })();
      return draining;
    };
    return {
      url,
      address,
      port,
      metricsUrl,
      db,
      generatedAdminKey: generated,
      drain,
      close: () => drain().then(() => undefined),
    };
  } catch (e) {
    server?.close();
    metricsListener?.close();
    await db.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Which sockets are answering a request, and which have answered one. On drain, a socket idle after an
 * answer is closed at once; a socket that has not sent its request yet gets `graceMs` to send it (so a
 * request already on the wire is answered, not reset); one in the middle of a request finishes it and
 * closes (its answer says `Connection: close`).
 */
function trackConnections(server: Server) {
  const state = new Map<Socket, { busy: boolean; served: number; answering?: import('node:http').ServerResponse }>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    state.set(socket, { busy: false, served: 0 });
    socket.once('close', () => state.delete(socket));
  });
  server.on('request', (req, res) => {
    const s = state.get(req.socket);
    if (!s) return;
    s.busy = true;
    s.answering = res;
    res.once('close', () => {
      s.busy = false;
      s.answering = undefined;
      s.served++;
      if (draining) req.socket.destroySoon();
    });
  });
  return {
    closeIdle(graceMs: number) {
      draining = true;
      for (const [socket, s] of state) {
        if (!s.busy && s.served > 0) socket.destroy();
        // An answer not yet started tells its client this connection ends with it.
        else if (s.answering && !s.answering.headersSent) s.answering.setHeader('Connection', 'close');
      }
      setTimeout(() => {
        for (const [socket, s] of state) if (!s.busy) socket.destroy();
      }, graceMs).unref();
    },
  };
}
