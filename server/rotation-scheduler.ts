// Runs the scheduled virtual-key rotation every ROTATION_CHECK_MS: each run rotates what is due then
// (server/domain/key-rotation.ts); several instances may run it at once, each due rotation happens once.
// A failing run (store away) is logged and retried on the next tick; it never stops the server.
import type { Logger } from 'pino';
import { rotateDueKeys } from './domain/key-rotation.js';
import type { Database } from './store/database.js';

export interface RotationScheduler {
  /** Stops the ticks and waits for a run in progress to finish (before the store closes). */
  stop(): Promise<void>;
}

export function startRotationScheduler(
  db: Database,
  everyMs: number,
  logger: Logger,
  clock: () => Date = () => new Date(),
): RotationScheduler {
  if (everyMs === 0) return { stop: async () => undefined };
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= rotateDueKeys(db, clock())
      .then((run) => {
        if (run.profiles)
          logger.info({ profiles: run.profiles, keys: run.keys }, 'scheduled virtual-key rotation done');
      })
      .catch((e: unknown) =>
        logger.warn({ err: e }, 'scheduled virtual-key rotation failed; retrying on the next tick'),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
