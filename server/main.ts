// Starts the server: configuration, store and migrations, first admin key, HTTP, graceful stop.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { bootstrapAdminKey } from './domain/api-keys.js';
import { createApp } from './http/app.js';
import { envelope } from './http/errors.js';
import { handlers } from './http/handlers/index.js';
import type { AppContext } from './http/operations.js';
import { bundledSpecPath } from './http/spec-routes.js';
import type { Database } from './store/database.js';
import { openDatabase } from './store/open.js';

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  /** The generated first admin key, when this start created one. */
  generatedAdminKey: string | null;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  const startedAt = Date.now();
  const db = await openDatabase(config);
  const { generated } = await bootstrapAdminKey(db, config.adminApiKey);
  const version = (JSON.parse(readFileSync(bundledSpecPath, 'utf8')) as { info: { version: string } }).info.version;
  const ctx: AppContext = { db, config, logger, version, startedAt };
  const app = createApp(ctx, handlers);
  // Slow clients are cut off: headers within HEADERS_TIMEOUT_MS, the whole request within
  // REQUEST_TIMEOUT_MS, checked every second (Node's default check runs every 30 s).
  const server: Server = createServer({
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    keepAliveTimeout: 65_000,
  }, app);
  server.maxConnections = config.maxConnections;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  // The validator loads and compiles the spec on its first request: do that now, not on a user's.
  await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/health`).catch(() => undefined);
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    db,
    generatedAdminKey: generated,
    close() {
      // Stop accepting, let in-flight requests finish, then close the store.
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }).then(() => db.close());
      return closing;
    },
  };
}

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request line and headers exceed 16 KiB.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'The request was not received in time.'],
};

/**
 * Requests Node refuses before Express sees them (oversized headers, a client too slow to send its
 * request, broken HTTP) still get the envelope, not an empty body or a reset.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  const [status, reason, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'malformed_request', 'The request is not valid HTTP.'];
  const id = randomUUID();
  const body = JSON.stringify(envelope(status, id, code, message, null, []));
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const logger = pino({ level: config.logLevel });
  const running = await startServer(config, logger);
  logger.info({ url: running.url, store: running.db.kind, startupMs: Math.round(performance.now()) }, 'Access Profiles API listening');
  if (running.generatedAdminKey) {
    // Shown once, on stdout only, never in the structured log.
    process.stdout.write(
      `\n  First admin API key (shown once; store it now, it is kept only as a hash):\n\n    ${running.generatedAdminKey}\n\n` +
        `  Use it as 'Authorization: Bearer <key>'. Set ADMIN_API_KEY to choose the admin key yourself.\n\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (e) => {
        logger.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
