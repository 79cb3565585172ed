// What a hostile or careless client meets first: security headers, no caching of API answers, and rate
// limits (per key, and stricter per address for failed authentication), all answering the envelope.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options } from 'express-rate-limit';
import helmet from 'helmet';
import type { Config } from '../config.js';
import { ApiError } from './errors.js';
import type { Principal } from './operations.js';
import { isWarmUpRequest } from './warm-up.js';

/** API answers: nothing to render, frame or cache. */
export const apiSecurityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
  },
  frameguard: { action: 'deny' },
  strictTransportSecurity: false,
});

/** The reference page: Redoc's inlined scripts and styles, its search worker, nothing from elsewhere. */
export const docsSecurityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'script-src': ["'self'", "'unsafe-inline'", 'blob:'],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'", 'data:'],
      'worker-src': ["'self'", 'blob:'],
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  strictTransportSecurity: false,
});

/** Answers of /api carry keys, usage and configuration: never stored by a browser or a proxy. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

const tooMany = (what: string) => (_req: Request, res: Response, next: NextFunction) => {
  const retryAfter = res.getHeader('Retry-After');
  next(new ApiError(429, 'rate_limited', `Too many ${what}; retry after ${retryAfter ?? 'a while'} seconds.`));
};

const noop: RequestHandler = (_req, _res, next) => next();

type LimiterOptions = Pick<Options, 'identifier' | 'skip' | 'keyGenerator'> &
  Partial<Pick<Options, 'store' | 'requestPropertyName'>>;

/**
 * One limiter as every limit here is: `limit` per window (0: off), IETF draft-8 `RateLimit` headers,
 * the envelope on 429. express-rate-limit's start-up checks of proxy and key settings are off: the key
 * generators here are ours and TRUST_PROXY is validated with the rest of the configuration.
 */
function limiter(limit: number, windowMs: number, what: string, options: LimiterOptions): RequestHandler {
  if (limit === 0) return noop;
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: tooMany(what),
    validate: false,
    ...options,
  });
}

/**
 * Failed authentications per client address: past the limit, every /api request from that address is
 * refused until the window ends, so guessing keys or flooding with bad ones costs the attacker, not us.
 *
 * `count` counts every request that needs a key when it arrives, before the key is looked up; `forgive`,
 * mounted right after authentication, takes the count back unless authentication answered 401: once the
 * key proved valid, or when it could not be checked (the store unreachable: a 503 is not a failed
 * authentication). What the count keeps is then decided by authentication alone, not by how the answer
 * ends: a request with a bad key stays counted even if its client hangs up before the 401, and one with a
 * valid key is forgiven even if its client hangs up later (express-rate-limit's skip*Requests decide on
 * the response's finish or close, which counted the first kind out and the second kind in).
 */
export function authFailureLimit(config: Config): {
  count: RequestHandler;
  forgive: [RequestHandler, ErrorRequestHandler];
} {
  const limit = config.rateLimit.authFailuresPerAddress;
  const pass: ErrorRequestHandler = (err, _req, _res, next) => next(err);
  if (limit === 0) return { count: noop, forgive: [noop, pass] };
  const store = new MemoryStore();
  const key = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  const count = limiter(limit, config.rateLimit.windowMs, 'failed authentications from this address', {
    identifier: 'auth-failures',
    store,
    requestPropertyName: 'authFailures',
    // Every path that needs a key, in any letter case (authentication decides that, so must this).
    // The warm-up's requests (warm-up.ts) are counted and, authenticated, forgiven like any other: they
    // warm this path too (its first IPv6 check compiles a large regular expression).
    skip: (_req, res) => !res.locals.secured,
    // IPv6 clients are counted per /56, as one host usually holds a whole prefix.
    keyGenerator: key,
  });
  const counted = (req: Request) => (req as Request & { authFailures?: unknown }).authFailures !== undefined;
  const forgiveValid: RequestHandler = (req, res, next) => {
    if (!res.locals.principal || !counted(req)) return next();
    store.decrement(key(req)).then(() => next(), next);
  };
  const forgiveUnchecked: ErrorRequestHandler = (err, req, _res, next) => {
    if (!counted(req) || (err instanceof ApiError && err.status === 401)) return next(err);
    store.decrement(key(req)).then(
      () => next(err),
      () => next(err),
    );
  };
  return { count, forgive: [forgiveValid, forgiveUnchecked] };
}

/** Requests per API key; runs after authentication, so only a valid key spends its own budget. */
export function perKeyLimit(config: Config): RequestHandler {
  return limiter(config.rateLimit.perKey, config.rateLimit.windowMs, 'requests for this API key', {
    identifier: 'per-key',
    // The server's own warm-up requests before it listens (warm-up.ts) count against no one's limit.
    skip: (req, res) => !res.locals.principal || isWarmUpRequest(req),
    keyGenerator: (_req, res) => (res.locals.principal as Principal).keyId,
  });
}
