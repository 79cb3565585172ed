// The command line: `node dist/server/main.mjs` (what `npm start` runs). Configuration, start, the
// first admin key, signals, and exit codes an operator and a supervisor can rely on:
//   0  stopped after draining everything      1  stopped, but requests were cut at DRAIN_TIMEOUT_MS
//   2  could not start (one line on stderr naming the variable and the cause)
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startServer, type RunningServer } from './server.js';
import { StartupError } from './startup-error.js';

function cannotStart(message: string): never {
  process.stderr.write(`access-profiles-api cannot start: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) cannotStart(e.problems.join('; '));
    throw e;
  }
  const logger = pino({ level: config.logLevel });
  // Signals count from the first moment: one that arrives while starting drains as soon as the server is up.
  let running: RunningServer | null = null;
  let signalled: NodeJS.Signals | null = null;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (!running) {
      signalled ??= signal;
      return;
    }
    if (stopping) {
      logger.warn({ signal }, 'second signal: cutting what is still running');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'draining: not ready, finishing requests in flight');
    running.drain(config.drainTimeoutMs).then(
      (finished) => {
        if (finished) logger.info('stopped');
        else
          logger.warn(
            { drainTimeoutMs: config.drainTimeoutMs },
            'stopped: requests still running at the drain deadline were cut',
          );
        process.exit(finished ? 0 : 1);
      },
      (e) => {
        logger.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    running = await startServer(config, logger);
  } catch (e) {
    cannotStart(e instanceof StartupError ? e.message : `start-up failed (${(e as Error).message})`);
  }
  logger.info(
    {
      url: running.url,
      address: running.address,
      port: running.port,
      metrics: running.metricsUrl,
      store: running.db.kind,
      startupMs: Math.round(performance.now()),
      // Whether the start used the build's code cache (boot.ts); absent when started another way.
      codeCache: (globalThis as Record<symbol, unknown>)[Symbol.for('access-profiles-api.codeCache')] ?? 'none',
    },
    'Access Profiles API listening',
  );
  // For the entry that runs the bundle (boot.ts): `npm run build` makes the code cache at this point.
  process.emit('access-profiles-api:listening' as never);
  if (running.generatedAdminKey) {
    // Shown once, on stderr: stdout stays a clean stream of JSON log lines, and the key is never logged.
    logger.warn('first admin API key generated; it is printed once on stderr and stored only as a hash');
    process.stderr.write(
      `\n  First admin API key (shown once; store it now, it is kept only as a hash):\n\n    ${running.generatedAdminKey}\n\n` +
        `  Use it as 'Authorization: Bearer <key>'. Set ADMIN_API_KEY to choose the admin key yourself.\n\n`,
    );
  }
  if (signalled) stop(signalled);
}

main().catch((e) => {
  process.stderr.write(`access-profiles-api: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
