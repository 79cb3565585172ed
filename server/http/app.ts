// The Express app: request id, logging, CORS, security headers, auth and rate limits before the body is
// read, bounded body checks, spec validation of every request and response, handlers by operationId,
// and the one error mapper.
import express, { type Request, type Response, type NextFunction } from 'express';
import { randomUUID } from 'node:crypto';
import { ANONYMOUS } from '../domain/principal.js';
import { authenticate, authorize, refuseUnmatched, resolveRoute } from './auth.js';
import { docsRouter } from './docs.js';
import { errorMapper, routeNotFound } from './errors.js';
import { parseIfMatch } from './if-match.js';
import type { AppContext, Handlers, HandlerContext, OperationId, Principal } from './operations.js';
import { apiSecurityHeaders, authFailureLimit, docsSecurityHeaders, noStore, perKeyLimit } from './protection.js';
import { checkedParameters, requestChecks } from './request-checks.js';
import { loadSpec, specRoutes, type SpecDoc, type SpecRoute } from './spec-routes.js';
import { isWarmUpRequest, WarmUpKey, warmUp } from './warm-up.js';

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

function requestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  (req as Request & { id: string }).id = id;
  res.setHeader('X-Request-Id', id);
  next();
}

function cors(origins: AppContext['config']['corsOrigins']) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (!origins || !origin) return next();
    if (origins !== '*' && !origins.includes(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origins === '*' ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, ETag');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match, X-Request-Id');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

const PROBES = new Set(['/health', '/livez', '/readyz']);

function accessLog(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      // Path only: query strings and headers (which carry keys) are never logged. Probes every few
      // seconds would drown the log: they are logged at debug.
      const entry = {
        reqId: (req as Request & { id: string }).id,
        remoteAddress: req.ip,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 100) / 100,
      };
      // The server's own warm-up requests before it listens (warm-up.ts) too.
      if (PROBES.has(req.path) || isWarmUpRequest(req)) ctx.logger.debug(entry, 'request');
      else ctx.logger.info(entry, 'request');
    });
    next();
  };
}

/** After SIGTERM/SIGINT every answer closes its connection, so keep-alive clients move to another instance. */
function closeWhenDraining(ctx: AppContext) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (ctx.lifecycle.draining) res.setHeader('Connection', 'close');
    next();
  };
}

type AnyHandler = (
  ctx: HandlerContext<OperationId>,
) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

/**
 * The handler of the operation `resolveRoute` found. Routing happens once, on the spec's own table: the
 * operations are not registered as Express routes a second time.
 */
function dispatch(ctx: AppContext, handlers: Handlers) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const specRoute = res.locals.route as SpecRoute | undefined;
    if (!specRoute) return next();
    try {
      const handler = handlers[specRoute.operationId] as unknown as AnyHandler;
      const principal = res.locals.principal as Principal | undefined;
      const { path, query } = checkedParameters(res);
      const hc = {
        path,
        query,
        body: req.body,
        ifMatch: parseIfMatch(req.headers['if-match']),
        principal: principal ?? ANONYMOUS,
        requestId: (req as Request & { id: string }).id,
        app: ctx,
      } as unknown as HandlerContext<OperationId>;
      const result = await handler(hc);
      for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
      res.status(result.status).json(result.body);
    } catch (e) {
      next(e);
    }
  };
}

/**
 * The app; a promise that settles once every operation's validators are built; and its warm-up, to run
 * once before the listener opens (warm-up.ts).
 */
export function createApp(
  ctx: AppContext,
  handlers: Handlers,
  doc: SpecDoc = loadSpec(),
): express.Express & { validatorsReady: Promise<void>; warmUp: () => Promise<string[]> } {
  const routes = specRoutes(doc);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Exact paths only: `/api/access-profiles/` or `/API/access-profiles` must not reach a handler that
  // authentication (which matches the spec's templates exactly) never saw.
  app.set('strict routing', true);
  app.set('case sensitive routing', true);
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(requestId);
  if (ctx.metrics) app.use(ctx.metrics.countRequests);
  app.use(closeWhenDraining(ctx));
  app.use(accessLog(ctx));
  app.use(cors(ctx.config.corsOrigins));
  app.use(docsRouter(doc, { page: docsSecurityHeaders, spec: apiSecurityHeaders }));
  app.use(apiSecurityHeaders, noStore);
  // Who calls, and whether they may, before a byte of the body is read.
  app.use(resolveRoute(routes));
  const authFailures = authFailureLimit(ctx.config);
  app.use(authFailures.count);
  const warmUpKey = new WarmUpKey();
  app.use(authenticate(ctx.db, warmUpKey));
  app.use(authFailures.forgive);
  app.use(perKeyLimit(ctx.config));
  app.use(authorize);
  app.use(refuseUnmatched(routes));
  // What the request must be, in one place (request-checks.ts): body, query, parameters, the spec.
  const checks = requestChecks(doc, ctx.config, ctx.logger);
  app.use(checks.handlers);
  app.use(dispatch(ctx, handlers));
  app.use((req: Request, _res: Response, next: NextFunction) => next(routeNotFound(req)));
  app.use(errorMapper(ctx.logger));
  return Object.assign(app, { validatorsReady: checks.loaded, warmUp: () => warmUp(app, warmUpKey) });
}
