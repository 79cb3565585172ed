// Bearer authentication and the permission check, driven by each operation's x-required-permission.
import type { RequestHandler } from 'express';
import { hashSecret, sameHash } from '../domain/secrets.js';
import { apiKeys } from '../store/api-keys.js';
import type { Database } from '../store/database.js';
import { ApiError } from './errors.js';
import type { Principal } from './operations.js';
import { matchRoute, type SpecRoute } from './spec-routes.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const TOUCH_EVERY_MS = 60_000;

function unauthorized(code: string, message: string, param: string | null = null): ApiError {
  return new ApiError(401, code, message, param, [], { 'WWW-Authenticate': 'Bearer realm="access-profiles"' });
}

export function authenticate(db: Database, routes: SpecRoute[]): RequestHandler {
  const lastTouched = new Map<string, number>();
  return async (req, res, next) => {
    try {
      const route = matchRoute(routes, req.method, req.path);
      res.locals.route = route;
      // Fail closed: every /api/* call needs a key, also one matching no operation (it then answers 404
      // or 405 only to an authenticated caller); only operations the spec declares open skip this.
      const secured = route ? route.secured : /^\/api(\/|$)/i.test(req.path);
      if (!secured) return next();
      if (req.headers['x-api-key'] !== undefined) {
        throw unauthorized('x_api_key_not_supported', "x-api-key is not accepted on management APIs; send 'Authorization: Bearer <key>'.", 'x-api-key');
      }
      const header = req.headers.authorization;
      if (!header) throw unauthorized('missing_api_key', "Send a management API key as 'Authorization: Bearer <key>'.");
      const token = BEARER.exec(header)?.[1];
      if (!token) throw unauthorized('invalid_authorization_header', "The Authorization header must be 'Bearer <key>'.", 'Authorization');
      const hash = hashSecret(token);
      const row = await apiKeys.byHash(db, hash);
      if (!row || !sameHash(row.key_hash, hash)) throw unauthorized('invalid_api_key', 'The API key is not valid.');
      const now = Date.now();
      if (row.expires_at && Date.parse(row.expires_at) <= now) throw unauthorized('api_key_expired', `The API key expired at ${row.expires_at}.`);
      const principal: Principal = {
        keyId: row.id,
        name: row.name,
        scopes: new Set(JSON.parse(row.scopes) as string[]),
        actor: `${row.name} (${row.id})`,
        expiresAt: row.expires_at,
      };
      res.locals.principal = principal;
      if (route?.permission && !principal.scopes.has(route.permission)) {
        throw new ApiError(403, 'missing_permission', `This API key lacks the ${route.permission} permission.`, route.permission);
      }
      if (now - (lastTouched.get(row.id) ?? 0) > TOUCH_EVERY_MS) {
        lastTouched.set(row.id, now);
        await apiKeys.touch(db, row.id, new Date(now).toISOString());
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}
