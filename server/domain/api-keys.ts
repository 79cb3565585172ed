// Management API keys: created with a value shown once, stored hashed; no granting scopes one lacks.
import type { components } from '../../generated/openapi.js';
import { conflict, forbidden, invalid, notFound as notFoundError } from './errors.js';
import { parseDateTime } from './date-time.js';
import { canonicalName, NAME_LIMITS } from './names.js';
import type { Principal } from './principal.js';
import { apiKeys, type ApiKeyRecord } from '../store/api-keys.js';
import { UniqueViolationError, type Database } from '../store/database.js';
import { ALL_SCOPES, type Scope } from './scopes.js';
import { hashSecret, newApiKeyValue } from './secrets.js';

type S = components['schemas'];

export const toApiKey = (r: ApiKeyRecord): S['ApiKey'] => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: r.scopes,
  expires_at: r.expires_at,
  last_used_at: r.last_used_at,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** A key may only change or delete keys no more powerful than itself (else it could demote or expire the admin). */
function checkManage(principal: Principal, target: ApiKeyRecord): void {
  const lacking = target.scopes.filter((s) => !principal.scopes.has(s));
  if (lacking.length)
    throw forbidden(
      'scope_not_held',
      `This API key cannot change or delete a key holding scopes it does not hold: ${lacking.join(', ')}.`,
      'id',
      lacking.map((s) => ({ param: 'id', message: `the target key holds ${s}, which the calling key does not` })),
    );
}

function checkGrant(principal: Principal, scopes: Scope[]): void {
  const lacking = scopes.filter((s) => !principal.scopes.has(s));
  if (lacking.length)
    throw forbidden(
      'scope_not_held',
      `This API key cannot grant scopes it does not hold: ${lacking.join(', ')}.`,
      'scopes',
      lacking.map((s) => ({ param: 'scopes', message: `${s} is not held by the calling key` })),
    );
}

/** The stored form of an expiry: null for none; 400 unless a valid date-time in the future. */
function expiryOf(expiresAt: string | null | undefined): string | null {
  if (!expiresAt) return null;
  const at = parseDateTime(expiresAt);
  if (!at)
    throw invalid([{ param: 'expires_at', message: 'must be an RFC 3339 date-time such as 2027-01-01T00:00:00Z' }]);
  if (at.getTime() <= Date.now()) throw invalid([{ param: 'expires_at', message: 'must be in the future' }]);
  return at.toISOString();
}

/** A key cannot outlive the key that sets its expiry: no later expiry, and none at all only from a key without one. */
function checkExpiryWithin(principal: Principal, expiresAt: string | null): void {
  if (principal.expiresAt === null) return;
  if (expiresAt === null || Date.parse(expiresAt) > Date.parse(principal.expiresAt)) {
    throw forbidden(
      'expiry_not_held',
      `This API key expires at ${principal.expiresAt}; a key it creates or changes must expire no later (set expires_at).`,
      'expires_at',
      [{ param: 'expires_at', message: `must be set and no later than ${principal.expiresAt}` }],
    );
  }
}

const notFound = (id: string) => notFoundError('api_key_not_found', `API key '${id}' was not found.`, 'id');

/** The principal of a request made with a stored key. */
const principalOf = (row: ApiKeyRecord): Principal => ({
  keyId: row.id,
  name: row.name,
  scopes: new Set(row.scopes),
  actor: `${row.name} (${row.id})`,
  expiresAt: row.expires_at,
});

/** What a presented key is: the principal it authenticates, a stored key past its expiry, or no stored key. */
export type KeyCheck = { principal: Principal } | { expiredAt: string } | { unknown: true };

/** A key's last use is recorded at most this often: it is for humans, and a write per request would cost. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Who a key authenticates, by the hash of its value (`hashSecret`): expired at `expires_at` and after,
 * judged by `clock` once the key is read (a lookup that waited for the store does not stretch its life).
 * Records each key's last use at most once a minute per key.
 */
export function keyAuthenticator(db: Database, clock: () => number = Date.now): (hash: string) => Promise<KeyCheck> {
  const lastTouched = new Map<string, number>();
  return async (hash) => {
    const row = await apiKeys.byHash(db, hash);
    if (!row) return { unknown: true };
    const now = clock();
    if (row.expires_at && Date.parse(row.expires_at) <= now) return { expiredAt: row.expires_at };
    if (now - (lastTouched.get(row.id) ?? 0) > TOUCH_EVERY_MS) {
      lastTouched.set(row.id, now);
      await apiKeys.touch(db, row.id, new Date(now).toISOString());
    }
    return { principal: principalOf(row) };
  };
}

export async function createApiKey(
  db: Database,
  principal: Principal | null,
  input: S['ApiKeyCreate'],
): Promise<S['CreatedApiKey']> {
  const expiresAt = expiryOf(input.expires_at);
  if (principal) {
    checkGrant(principal, input.scopes);
    checkExpiryWithin(principal, expiresAt);
  }
  const { id, value, prefix } = newApiKeyValue();
  const now = new Date().toISOString();
  const row: ApiKeyRecord = {
    id,
    name: canonicalName(input.name, NAME_LIMITS.apiKey),
    prefix,
    key_hash: hashSecret(value),
    scopes: input.scopes,
    expires_at: expiresAt,
    last_used_at: null,
    created_at: now,
    updated_at: now,
  };
  await apiKeys.insert(db, row);
  return { ...toApiKey(row), key: value };
}

export async function listApiKeys(db: Database, limit: number, offset: number) {
  const [rows, total] = await Promise.all([apiKeys.page(db, limit, offset), apiKeys.count(db)]);
  return { items: rows.map(toApiKey), total };
}

export async function getApiKey(db: Database, id: string) {
  const row = await apiKeys.byId(db, id);
  if (!row) throw notFound(id);
  return toApiKey(row);
}

export async function updateApiKey(db: Database, principal: Principal, id: string, input: S['ApiKeyUpdate']) {
  if (input.scopes) checkGrant(principal, input.scopes);
  const expiresAt = input.expires_at === undefined ? undefined : expiryOf(input.expires_at);
  if (expiresAt !== undefined) checkExpiryWithin(principal, expiresAt);
  return db.transaction(async (tx) => {
    const row = await apiKeys.byId(tx, id);
    if (!row) throw notFound(id);
    checkManage(principal, row);
    // Granting scopes to a key that outlives the caller would hand them past the caller's own expiry.
    if (input.scopes && expiresAt === undefined) checkExpiryWithin(principal, row.expires_at);
    const next: ApiKeyRecord = {
      ...row,
      name: input.name === undefined ? row.name : canonicalName(input.name, NAME_LIMITS.apiKey),
      scopes: input.scopes ?? row.scopes,
      expires_at: expiresAt === undefined ? row.expires_at : expiresAt,
      updated_at: new Date().toISOString(),
    };
    await apiKeys.update(tx, next);
    return toApiKey(next);
  });
}

export async function deleteApiKey(db: Database, principal: Principal, id: string): Promise<string> {
  if (id === principal.keyId)
    throw conflict(
      'api_key_self_delete',
      'An API key cannot delete itself; use another key with APIKeys:Delete.',
      'id',
    );
  const row = await apiKeys.byId(db, id);
  if (!row) throw notFound(id);
  checkManage(principal, row);
  await apiKeys.delete(db, id);
  return row.name;
}

/**
 * The first admin key on a fresh install: ADMIN_API_KEY when set (registered once, by its hash),
 * otherwise generated when no key exists yet. Returns a generated value so it can be shown once.
 */
export async function bootstrapAdminKey(
  db: Database,
  configured: string | undefined,
): Promise<{ generated: string | null; id: string | null }> {
  const now = new Date().toISOString();
  if (configured) {
    const hash = hashSecret(configured);
    const existing = await apiKeys.byHash(db, hash);
    if (existing) return { generated: null, id: existing.id };
    const { id } = newApiKeyValue();
    try {
      await apiKeys.insert(db, {
        id,
        name: 'admin',
        prefix: configured.slice(0, 6),
        key_hash: hash,
        scopes: ALL_SCOPES,
        expires_at: null,
        last_used_at: null,
        created_at: now,
        updated_at: now,
      });
    } catch (e) {
      // Instances starting together on a new store: another one registered the same key first.
      const registered = e instanceof UniqueViolationError ? await apiKeys.byHash(db, hash) : undefined;
      if (!registered) throw e;
      return { generated: null, id: registered.id };
    }
    return { generated: null, id };
  }
  return db.transaction(async (tx) => {
    if (await apiKeys.any(tx)) return { generated: null, id: null };
    const { id, value, prefix } = newApiKeyValue();
    await apiKeys.insert(tx, {
      id,
      name: 'admin',
      prefix,
      key_hash: hashSecret(value),
      scopes: ALL_SCOPES,
      expires_at: null,
      last_used_at: null,
      created_at: now,
      updated_at: now,
    });
    return { generated: value, id };
  });
}
