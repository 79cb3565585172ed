// Handler types drawn from the generated `operations`: every operationId of the spec must have a
// handler, and a handler must return one of its documented success bodies, or `tsc` fails.
import type { operations } from '../../generated/openapi.js';
import type { Database } from '../store/database.js';
import type { Config } from '../config.js';
import type { Logger } from 'pino';
import type { Principal } from '../domain/principal.js';
import type { Metrics } from './metrics.js';
import type { ExpectedVersion } from '../domain/access-profiles.js';

export type { Principal };

export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];

type ParamsOf<K extends OperationId, Where extends 'path' | 'query'> = Op<K>['parameters'] extends {
  [P in Where]?: infer T;
}
  ? undefined extends T
    ? Partial<NonNullable<T>>
    : NonNullable<T>
  : Record<string, never>;

type BodyOf<K extends OperationId> =
  Op<K> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Op<K> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B | undefined
      : undefined;

// The health and readiness probes answer 503 with their own body; every other 5xx is an error.
type SuccessStatus<K extends OperationId> = Extract<
  keyof Op<K>['responses'],
  K extends 'getHealth' | 'getReadiness' ? 200 | 503 : 200 | 201
>;
type ResponseBody<K extends OperationId, S extends SuccessStatus<K>> = Op<K>['responses'][S] extends {
  content: { 'application/json': infer B };
}
  ? B
  : never;

export type HandlerResult<K extends OperationId> = {
  [S in SuccessStatus<K>]: { status: S; body: ResponseBody<K, S>; headers?: Record<string, string> };
}[SuccessStatus<K>];

export interface AppContext {
  db: Database;
  config: Config;
  logger: Logger;
  version: string;
  startedAt: number;
  /** Set when SIGTERM/SIGINT arrives: readiness turns unavailable and every answer closes its connection. */
  lifecycle: { draining: boolean };
  /** Prometheus metrics, when METRICS_PORT is set. */
  metrics: Metrics | null;
}

export interface HandlerContext<K extends OperationId> {
  path: ParamsOf<K, 'path'>;
  query: ParamsOf<K, 'query'>;
  body: BodyOf<K>;
  /** The versions `If-Match` accepts, parsed and checked for syntax (RFC 9110 strong comparison). */
  ifMatch: ExpectedVersion;
  principal: Principal;
  requestId: string;
  app: AppContext;
}

export type Handler<K extends OperationId> = (ctx: HandlerContext<K>) => Promise<HandlerResult<K>>;
export type Handlers = { [K in OperationId]: Handler<K> };
export type HandlerGroup<K extends OperationId> = { [P in K]: Handler<P> };

/** Who acts, as versions and audit entries record it: the key and the request. */
export const actorOf = (ctx: { principal: Principal; requestId: string }) => ({
  actor: ctx.principal.actor,
  requestId: ctx.requestId,
});
