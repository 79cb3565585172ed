// The Express app: request id, logging, CORS, body parsing, auth, spec validation of every request
// and response, handlers by operationId, and the one error mapper.
import express, { type Request, type Response, type NextFunction } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { randomUUID } from 'node:crypto';
import { authenticate } from './auth.js';
import { docsRouter } from './docs.js';
import { ApiError, errorMapper, validationError, type ErrorDetail } from './errors.js';
import type { AppContext, Handlers, HandlerContext, OperationId, Principal } from './operations.js';
import { coerceParameters, loadSpec, specRoutes, type SpecRoute } from './spec-routes.js';

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

function accessLog(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      // Path only: query strings and headers (which carry keys) are never logged.
      ctx.logger.info({ reqId: (req as Request & { id: string }).id, method: req.method, path: req.path, status: res.statusCode, durationMs: Math.round(durationMs * 100) / 100 }, 'request');
    });
    next();
  };
}

// Text no store can hold faithfully (PostgreSQL rejects NUL in text and JSON; an unpaired surrogate is
// not Unicode), and integers past 2^53 (they lose precision and overflow int8): a 400 naming the field,
// found without recursion so no nesting depth can overflow the stack.
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_PROBLEMS = 20;

function unstorableValues(root: unknown, rootPath: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const stack: Array<[unknown, string]> = [[root, rootPath]];
  while (stack.length && problems.length < MAX_PROBLEMS) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE_TEXT.test(value)) problems.push({ param: path || 'body', message: 'must not contain NUL characters or unpaired surrogates' });
    } else if (typeof value === 'number') {
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) problems.push({ param: path || 'body', message: `must be between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        if (UNSTORABLE_TEXT.test(k)) problems.push({ param: path || 'body', message: 'has a key with NUL characters or unpaired surrogates' });
        else stack.push([v, path ? `${path}.${k}` : k]);
      }
    }
  }
  return problems;
}

function rejectUnstorable(req: Request, _res: Response, next: NextFunction): void {
  const problems = [...unstorableValues(req.query, ''), ...unstorableValues(req.body, '')];
  next(problems.length ? validationError(problems.slice(0, MAX_PROBLEMS)) : undefined);
}

/** Path parameters: no unstorable text, and integers within the range every store holds exactly. */
function checkPathAndQuery(specRoute: SpecRoute, path: Record<string, unknown>, query: Record<string, unknown>): void {
  const problems = [...unstorableValues(path, '')];
  for (const p of specRoute.parameters) {
    if (p.schema?.type !== 'integer' || (p.in !== 'path' && p.in !== 'query')) continue;
    const v = (p.in === 'path' ? path : query)[p.name];
    if (typeof v === 'number' && !Number.isSafeInteger(v) && !problems.some((d) => d.param === p.name)) problems.push({ param: p.name, message: `must be an integer from ${-Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` });
  }
  if (problems.length) throw validationError(problems);
}

/**
 * Integer parameters must be written as decimal integers: the validator coerces with Number(), which
 * would take `0x10`, `1e1` or ` 5` for 16, 10 and 5. Checked on the raw text, before validation.
 */
const DECIMAL_INTEGER = /^-?\d+$/;
function strictIntegerParameters(req: Request, res: Response, next: NextFunction): void {
  const route = res.locals.route as SpecRoute | undefined;
  if (!route) return next();
  const problems: ErrorDetail[] = [];
  const names = [...route.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const segments = route.regex.exec(req.path)?.slice(1) ?? [];
  for (const p of route.parameters) {
    if (p.schema?.type !== 'integer') continue;
    let raw: unknown;
    if (p.in === 'path') {
      const i = names.indexOf(p.name);
      try {
        raw = i >= 0 && segments[i] !== undefined ? decodeURIComponent(segments[i]!) : undefined;
      } catch {
        raw = undefined; // broken percent-encoding: the validator reports it
      }
    } else if (p.in === 'query') raw = (req.query as Record<string, unknown>)[p.name];
    else continue;
    if (typeof raw === 'string' && !DECIMAL_INTEGER.test(raw)) problems.push({ param: p.name, message: 'must be integer' });
  }
  next(problems.length ? validationError(problems) : undefined);
}

type AnyHandler = (ctx: HandlerContext<OperationId>) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

function route(ctx: AppContext, specRoute: SpecRoute, handler: AnyHandler) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const principal = res.locals.principal as Principal | undefined;
      const path = coerceParameters(specRoute, req.params as Record<string, unknown>, 'path');
      const query = coerceParameters(specRoute, req.query as Record<string, unknown>, 'query');
      checkPathAndQuery(specRoute, path, query);
      const hc = {
        path,
        query,
        body: req.body,
        ifMatch: typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined,
        principal: principal ?? { keyId: '', name: 'anonymous', scopes: new Set(), actor: 'anonymous' },
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

export function createApp(ctx: AppContext, handlers: Handlers): express.Express {
  const doc = loadSpec();
  const routes = specRoutes(doc);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Exact paths only: `/api/access-profiles/` or `/API/access-profiles` must not reach a handler that
  // authentication (which matches the spec's templates exactly) never saw.
  app.set('strict routing', true);
  app.set('case sensitive routing', true);
  app.use(requestId);
  app.use(accessLog(ctx));
  app.use(cors(ctx.config.corsOrigins));
  app.use(docsRouter());
  app.use(express.json({ limit: ctx.config.bodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] }));
  app.use(authenticate(ctx.db, routes));
  if (ctx.config.validateRequests) app.use(strictIntegerParameters);
  app.use(
    OpenApiValidator.middleware({
      // The parsed document, not its path: from a path the validator re-parses and resolves it (0.6-1.3 s).
      apiSpec: loadSpec() as never,
      validateRequests: ctx.config.validateRequests ? { allErrors: true, coerceTypes: false, allowUnknownQueryParameters: false } : false,
      validateResponses: ctx.config.validateResponses
        ? {
            // The first mismatch is enough to log and refuse; collecting all costs throughput.
            allErrors: false,
            onError: (err, body, req) => {
              ctx.logger.error({ reqId: (req as Request & { id?: string }).id, errors: err.errors, path: req.path }, 'response does not match the spec');
              throw new ApiError(500, 'internal_error', 'An unexpected error occurred; quote the event_id when reporting it.');
            },
          }
        : false,
      validateSecurity: false,
      validateFormats: true,
      ignoreUndocumented: false,
      validateApiSpec: false,
    }),
  );
  app.use(rejectUnstorable);
  for (const r of routes) {
    app[r.method](r.expressPath, route(ctx, r, handlers[r.operationId] as unknown as AnyHandler));
  }
  app.use((req: Request, _res: Response, next: NextFunction) => next(new ApiError(404, 'route_not_found', `No route ${req.method} ${req.path}.`)));
  app.use(errorMapper(ctx.logger));
  return app;
}
