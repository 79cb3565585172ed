// What a hostile or careless client meets first: security headers, no caching of API answers, and rate
// limits (per key, and stricter per address for failed authentication), all answering the envelope.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import helmet from 'helmet';
import type { Config } from '../config.js';
import { ApiError } from './errors.js';
import type { Principal } from './operations.js';

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
  next(new ApiError(429, 'rate_limited', `Too many ${what}; retry after ${retryAfter ?? 'a while'} seconds.`, null));
};

const noop: RequestHandler = (_req, _res, next) => next();

type LimiterOptions = Pick<Options, 'identifier' | 'skip' | 'keyGenerator'> &
  Partial<Pick<Options, 'skipFailedRequests' | 'requestWasSuccessful'>>;

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
 */
export function authFailureLimit(config: Config): RequestHandler {
  return limiter(
    config.rateLimit.authFailuresPerAddress,
    config.rateLimit.windowMs,
    'failed authentications from this address',
    {
      identifier: 'auth-failures',
      // Every path that needs a key, in any letter case (authentication decides that, so must this).
      skip: (_req, res) => !res.locals.secured,
      // Every request is counted when it arrives and un-counted unless it ends as a 401. In the
      // library's words the 401s are the "successful" requests (they are what this limit counts) and
      // every other answer a "failed" one it skips: its skipFailedRequests also un-counts a request its
      // client cut off before the answer (a closed socket, a timeout), which skipSuccessfulRequests
      // with the opposite test left counted, so aborted requests with a valid key used up the limit.
      skipFailedRequests: true,
      requestWasSuccessful: (_req, res) => res.statusCode === 401,
      // IPv6 clients are counted per /56, as one host usually holds a whole prefix.
      keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    },
  );
}

/** Requests per API key; runs after authentication, so only a valid key spends its own budget. */
export function perKeyLimit(config: Config): RequestHandler {
  return limiter(config.rateLimit.perKey, config.rateLimit.windowMs, 'requests for this API key', {
    identifier: 'per-key',
    skip: (_req, res) => !res.locals.principal,
    keyGenerator: (_req, res) => (res.locals.principal as Principal).keyId,
  });
}
