// Which operation a request is for, who sends it (Bearer authentication) and whether they may (the
// permission in each operation's x-required-permission) — three steps, so rate limits can sit between
// them and count failed keys and refused permissions alike.
import type { RequestHandler } from 'express';
import { hashSecret } from '../domain/secrets.js';
import { keyAuthenticator } from '../domain/api-keys.js';
import type { Database } from '../store/database.js';
import { ApiError, methodNotAllowed, routeNotFound } from './errors.js';
import type { Principal } from './operations.js';
import { matchRoute, type SpecRoute } from './spec-routes.js';
import type { WarmUpKey } from './warm-up.js';
import type { components } from '../../generated/openapi.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function unauthorized(
  code: components['schemas']['UnauthorizedCode'],
  message: string,
  param: string | null = null,
): ApiError {
  return new ApiError(401, code, message, { param, headers: { 'WWW-Authenticate': 'Bearer realm="access-profiles"' } });
}

/**
 * The operation of the spec a request is for (`res.locals.route`), and whether it needs a key
 * (`res.locals.secured`). Fail closed: every /api path, in any letter case, needs a key, also one matching
 * no operation (it then answers 404 or 405 only to an authenticated caller); only operations the spec
 * declares open skip it.
 */
export function resolveRoute(routes: SpecRoute[]): RequestHandler {
  return (req, res, next) => {
    const route = matchRoute(routes, req.method, req.path);
    res.locals.route = route;
    res.locals.secured = route ? route.secured : /^\/api(\/|$)/i.test(req.path);
    next();
  };
}

/**
 * The key behind `Authorization: Bearer`, looked up by its hash. While the server warms up before
 * listening (warm-up.ts), its in-memory key is recognised too, on the warm-up's own requests.
 */
export function authenticate(db: Database, warmUpKey?: WarmUpKey): RequestHandler {
  const authenticateKey = keyAuthenticator(db);
  return async (req, res, next) => {
    try {
      if (!res.locals.secured) return next();
      if (req.headers['x-api-key'] !== undefined) {
        throw unauthorized(
          'x_api_key_not_supported',
          "x-api-key is not accepted on management APIs; send 'Authorization: Bearer <key>'.",
          'x-api-key',
        );
      }
      const header = req.headers.authorization;
      if (!header) throw unauthorized('missing_api_key', "Send a management API key as 'Authorization: Bearer <key>'.");
      const token = BEARER.exec(header)?.[1];
      if (!token)
        throw unauthorized(
          'invalid_authorization_header',
          "The Authorization header must be 'Bearer <key>'.",
          'Authorization',
        );
      const hash = hashSecret(token);
      const key = await authenticateKey(hash);
      if ('expiredAt' in key) throw unauthorized('api_key_expired', `The API key expired at ${key.expiredAt}.`);
      if ('principal' in key) {
        res.locals.principal = key.principal;
        return next();
      }
      const warmUp = warmUpKey?.principalFor(req, hash);
      if (!warmUp) throw unauthorized('invalid_api_key', 'The API key is not valid.');
      res.locals.principal = warmUp;
      next();
    } catch (e) {
      next(e);
    }
  };
}

/**
 * A request for no operation of the spec: 405 when the path exists with other methods, else 404, answered
 * here so no body is read and no validator runs for it.
 */
export function refuseUnmatched(routes: SpecRoute[]): RequestHandler {
  return (req, res, next) => {
    if (res.locals.route) return next();
    const pathExists = routes.some((r) => r.regex.test(req.path));
    next(pathExists ? methodNotAllowed(req) : routeNotFound(req));
  };
}

/** 403 unless the authenticated key holds the operation's permission. */
export const authorize: RequestHandler = (_req, res, next) => {
  const route = res.locals.route as SpecRoute | undefined;
  const principal = res.locals.principal as Principal | undefined;
  if (route?.permission && principal && !principal.scopes.has(route.permission)) {
    return next(
      new ApiError(403, 'missing_permission', `This API key lacks the ${route.permission} permission.`, {
        param: route.permission,
      }),
    );
  }
  next();
};
