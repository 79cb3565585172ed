// The Express app: request id, logging, CORS, security headers, auth and rate limits before the body is
// read, bounded body checks, spec validation of every request and response, handlers by operationId,
// and the one error mapper.
import express, { type Request, type Response, type NextFunction } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { randomUUID } from 'node:crypto';
import { authenticate, authorize, refuseUnmatched, resolveRoute } from './auth.js';
import { docsRouter } from './docs.js';
import { ApiError, errorMapper } from './errors.js';
import { parseIfMatch } from './if-match.js';
import type { AppContext, Handlers, HandlerContext, OperationId, Principal } from './operations.js';
import { apiSecurityHeaders, authFailureLimit, docsSecurityHeaders, noStore, perKeyLimit } from './protection.js';
import {
  boundBodyShape,
  checkPathAndQuery,
  rejectUnstorable,
  requireDecodableQuery,
  requireJsonBody,
  strictIntegerParameters,
  verifyUtf8,
} from './request-guards.js';
import { coerceParameters, loadSpec, specRoutes, type SpecDoc, type SpecRoute } from './spec-routes.js';

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
      if (PROBES.has(req.path)) ctx.logger.debug(entry, 'request');
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

/** Path parameters by name, percent-decoded (the validator has already refused what does not decode). */
function pathParameters(specRoute: SpecRoute, path: string): Record<string, unknown> {
  const values = specRoute.regex.exec(path)?.slice(1) ?? [];
  const params: Record<string, unknown> = {};
  specRoute.pathParamNames.forEach((name, i) => {
    if (values[i] !== undefined) params[name] = decodeURIComponent(values[i]!);
  });
  return params;
}

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
      const path = coerceParameters(specRoute, pathParameters(specRoute, req.path), 'path');
      const query = coerceParameters(specRoute, req.query as Record<string, unknown>, 'query');
      checkPathAndQuery(specRoute, path, query);
      const hc = {
        path,
        query,
        body: req.body,
        ifMatch: parseIfMatch(req.headers['if-match']),
        principal: principal ?? {
          keyId: '',
          name: 'anonymous',
          scopes: new Set(),
          actor: 'anonymous',
          expiresAt: null,
        },
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
 * express-openapi-validator as this server runs it: every request and every response checked against the
 * bundled spec. Exported for the bench's "Express + validator" baseline, so it measures this configuration.
 */
export function specValidator(
  doc: SpecDoc,
  config: Pick<AppContext['config'], 'validateRequests' | 'validateResponses'>,
  logger: AppContext['logger'],
) {
  const middlewares = OpenApiValidator.middleware({
    // The parsed document, not its path: from a path the validator re-parses and resolves it (0.6-1.3 s).
    // A copy of it, as the validator may rewrite what it is given.
    apiSpec: structuredClone(doc) as never,
    validateRequests: config.validateRequests
      ? { allErrors: true, coerceTypes: false, allowUnknownQueryParameters: false }
      : false,
    validateResponses: config.validateResponses
      ? {
          // The first mismatch is enough to log and refuse; collecting all costs throughput.
          allErrors: false,
          // Answers' formats are checked by shape ('fast'): the server writes its timestamps with
          // toISOString, and full date-time checks cost about a tenth of a list's throughput (patch 007).
          // Requests keep the full checks below.
          ajvFormats: { mode: 'fast' },
          onError: (err, _body, req) => {
            logger.error(
              { reqId: (req as Request & { id?: string }).id, errors: err.errors, path: req.path },
              'response does not match the spec',
            );
            throw new ApiError(
              500,
              'internal_error',
              'An unexpected error occurred; quote the event_id when reporting it.',
            );
          },
        }
      : false,
    validateSecurity: false,
    // Full format checks: a date-time with month 13 or an impossible day is a 400 (the default 'fast'
    // mode only checks the shape). eov wants the mode in ajvFormats (validateFormats: 'full' is deprecated
    // and warns on stderr at every start).
    validateFormats: true,
    ajvFormats: { mode: 'full' },
    ignoreUndocumented: false,
    validateApiSpec: false,
    // Every operation's validators built when the spec is loaded (patch 005), not on its first request.
    compileOnLoad: true,
  });
  // Settles when the spec is loaded and every validator is built (patches/README.md, patch 005).
  const loaded = (middlewares as unknown as { loaded: Promise<void> }).loaded;
  return Object.assign(middlewares, { loaded });
}

/** The app, and a promise that settles once every operation's validators are built. */
export function createApp(
  ctx: AppContext,
  handlers: Handlers,
  doc: SpecDoc = loadSpec(),
): express.Express & { validatorsReady: Promise<void> } {
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
  app.use(authFailureLimit(ctx.config));
  app.use(authenticate(ctx.db));
  app.use(perKeyLimit(ctx.config));
  app.use(authorize);
  app.use(refuseUnmatched(routes));
  // Only an operation that takes a body has one read; any other body is refused unread.
  app.use(requireJsonBody);
  const json = express.json({
    limit: ctx.config.bodyLimitBytes,
    strict: true,
    type: 'application/json',
    verify: verifyUtf8,
  });
  app.use((req: Request, res: Response, next: NextFunction) =>
    (res.locals.route as SpecRoute | undefined)?.bodySchema ? json(req, res, next) : next(),
  );
  if (ctx.config.validateRequests) app.use(requireDecodableQuery, strictIntegerParameters, boundBodyShape(doc));
  const validator = specValidator(doc, ctx.config, ctx.logger);
  app.use(validator);
  app.use(rejectUnstorable);
  app.use(dispatch(ctx, handlers));
  app.use((req: Request, _res: Response, next: NextFunction) =>
    next(new ApiError(404, 'route_not_found', `No route ${req.method} ${req.path}.`)),
  );
  app.use(errorMapper(ctx.logger));
  return Object.assign(app, { validatorsReady: validator.loaded });
}
