// Prometheus metrics (prom-client): requests by operation and status, latency, requests in flight, store
// statement and transaction latency, PostgreSQL pool figures and the process's own metrics. Served on a
// listener of their own (METRICS_PORT), never on the API's port, so they need no key and are not public.
import type { NextFunction, Request, Response } from 'express';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../store/database.js';
import type { StoreObserver } from '../store/instrumented.js';
import type { SpecRoute } from './spec-routes.js';
import { isWarmUpRequest } from './warm-up.js';

export interface Metrics {
  registry: Registry;
  countRequests(req: Request, res: Response, next: NextFunction): void;
  observeStore: StoreObserver;
  /** Reads the pool figures from this store at each scrape. */
  watchPool(db: Database): void;
  /** Runs the server's warm-up (warm-up.ts) with the store's figures left alone: its queries are no one's. */
  whileWarmingUp<T>(warmUp: () => Promise<T>): Promise<T>;
}

const OWN_PATHS: Record<string, string> = { '/docs': 'docs', '/openapi.json': 'openapi' };

export function createMetrics(): Metrics {
  let warmingUp = false;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by operationId and status.',
    labelNames: ['operation', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to the end of the answer, by operationId and status.',
    labelNames: ['operation', 'method', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests being answered now.',
    registers: [registry],
  });
  const store = new Histogram({
    name: 'store_operation_duration_seconds',
    help: 'Store statements and transactions, by outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  let poolOf: Database | null = null;
  new Gauge({
    name: 'store_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle, waiting clients).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = poolOf?.poolStats?.();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  return {
    registry,
    countRequests(req, res, next) {
      const start = process.hrtime.bigint();
      inFlight.inc();
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        inFlight.dec();
        // The server's own warm-up requests before it listens (warm-up.ts) are no one's traffic.
        if (isWarmUpRequest(req)) return;
        const route = res.locals.route as SpecRoute | undefined;
        const labels = {
          operation: route?.operationId ?? OWN_PATHS[req.path] ?? 'unmatched',
          method: req.method,
          status: String(res.statusCode),
        };
        requests.inc(labels);
        duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
      };
      res.on('finish', finish);
      res.on('close', finish);
      next();
    },
    observeStore(operation, seconds, failed) {
      if (!warmingUp) store.observe({ operation, outcome: failed ? 'error' : 'ok' }, seconds);
    },
    async whileWarmingUp(warmUp) {
      warmingUp = true;
      try {
        return await warmUp();
      } finally {
        warmingUp = false;
      }
    },
    watchPool(db) {
      poolOf = db;
    },
  };
}

/** The metrics listener: GET /metrics in the Prometheus text format, nothing else. */
export function metricsServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e.message}\n`),
    );
  });
}
