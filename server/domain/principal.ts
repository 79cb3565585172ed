// Who calls: the management API key behind a request, as the domain needs to know it.
export interface Principal {
  keyId: string;
  name: string;
  scopes: ReadonlySet<string>;
  /** How the key is named in versions and audit entries: `name (id)`. */
  actor: string;
  /** When the calling key stops working (RFC 3339, UTC), or null when it never expires. */
  expiresAt: string | null;
}

/** The principal of a request to an operation the spec leaves open (no key): no scopes, acts as `anonymous`. */
export const ANONYMOUS: Principal = Object.freeze({
  keyId: '',
  name: 'anonymous',
  scopes: new Set<string>(),
  actor: 'anonymous',
  expiresAt: null,
});
