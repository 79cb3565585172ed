// Typed client of the Access Profiles API on openapi-fetch. No Node-only imports: runs in browsers.
import createClient, { type FetchResponse, type MaybeOptionalInit, type Middleware } from 'openapi-fetch';
import type { components, paths } from '../generated/openapi.js';

export type { components, paths, operations } from '../generated/openapi.js';
export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
/** Every error code the API can answer (each error response narrows it: `NotFoundCode`, `ConflictCode`, ...). */
export type ErrorCode = components['schemas']['ErrorCode'];

type Method = 'get' | 'put' | 'post' | 'delete';
/** Paths that have `method`. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined ? never : P;
}[keyof paths];
/** The request options of one operation: `params` (path, query, header) and `body`. */
export type RequestInit<P extends keyof paths, M extends Method> = MaybeOptionalInit<paths[P], M>;
type InitArgs<I> = undefined extends I ? [init?: I] : [init: I];
/**
 * One HTTP method of the client. Unlike openapi-fetch's own signature, the options are not inferred
 * from the call but fixed by the path, so a misspelt field in `body` or `params.query` is a compile
 * error (openapi-fetch infers them, which lets excess properties through: openapi-ts/openapi-typescript
 * #1769, #2329).
 */
export type ClientMethod<M extends Method> = <P extends PathsWith<M>>(
  url: P,
  ...init: InitArgs<RequestInit<P, M>>
) => Promise<FetchResponse<paths[P][M] & Record<string | number, unknown>, RequestInit<P, M>, `${string}/${string}`>>;

export interface AccessProfilesClient {
  GET: ClientMethod<'get'>;
  POST: ClientMethod<'post'>;
  PUT: ClientMethod<'put'>;
  DELETE: ClientMethod<'delete'>;
  use(...middleware: Middleware[]): void;
  eject(...middleware: Middleware[]): void;
}

export interface ClientOptions {
  baseUrl: string;
  /** Management API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** A fixed request id, or a function making one per request (sent as `X-Request-Id`). */
  requestId?: string | (() => string);
  fetch?: typeof globalThis.fetch;
}

export function createAccessProfilesClient(options: ClientOptions): AccessProfilesClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const headers: Middleware = {
    onRequest({ request }) {
      if (options.apiKey && !request.headers.has('Authorization'))
        request.headers.set('Authorization', `Bearer ${options.apiKey}`);
      const id = typeof options.requestId === 'function' ? options.requestId() : options.requestId;
      if (id && !request.headers.has('X-Request-Id')) request.headers.set('X-Request-Id', id);
      return request;
    },
  };
  client.use(headers);
  return client as unknown as AccessProfilesClient;
}

export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  return (
    typeof value === 'object' && value !== null && (value as { is_bifrost_error?: unknown }).is_bifrost_error === true
  );
}

/** An error response of the API, carrying the typed envelope. */
export class ApiError extends Error {
  readonly status: number;
  /** The envelope's code; `unknown_error` when the answer was not the API's envelope (a proxy's page, say). */
  readonly code: ErrorCode | 'unknown_error';
  readonly envelope: ErrorEnvelope | null;
  constructor(status: number, envelope: ErrorEnvelope | null) {
    super(envelope ? `${status} ${envelope.error.code}: ${envelope.error.message}` : `HTTP ${status}`);
    this.status = status;
    this.code = envelope?.error.code ?? 'unknown_error';
    this.envelope = envelope;
  }
}

/** The data of a successful result, or throws ApiError with the envelope. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw new ApiError(result.response.status, isErrorEnvelope(result.error) ? result.error : null);
  }
  return result.data;
}

// List paths: GET operations whose 200 body has total_count and one array.
type GetOf<P extends keyof paths> = paths[P] extends { get: infer G } ? G : never;
type OkBody<P extends keyof paths> =
  GetOf<P> extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;
export type ListPath = {
  [P in keyof paths]: OkBody<P> extends { total_count: number; offset: number } ? P : never;
}[keyof paths];
type ItemOf<P extends ListPath> = {
  [K in keyof OkBody<P>]: OkBody<P>[K] extends Array<infer I> ? I : never;
}[keyof OkBody<P>];
type ParamsOf<P extends ListPath> = GetOf<P> extends { parameters: infer Q } ? Q : never;

/** Pages through any list endpoint, yielding items until `total_count` is reached. */
export async function* paginate<P extends ListPath>(
  client: AccessProfilesClient,
  path: P,
  params: Partial<ParamsOf<P>> = {},
  pageSize = 100,
): AsyncGenerator<ItemOf<P>> {
  const given = params as { query?: Record<string, unknown> };
  let offset = Number(given.query?.offset ?? 0);
  for (;;) {
    const query = { ...(given.query ?? {}), limit: pageSize, offset };
    const get = client.GET as unknown as (
      p: string,
      init: unknown,
    ) => Promise<{ data?: Record<string, unknown>; error?: unknown; response: Response }>;
    const page = unwrap(await get(path, { params: { ...params, query } }));
    const items = Object.values(page).find(Array.isArray) as ItemOf<P>[];
    for (const item of items) yield item;
    offset += items.length;
    if (items.length === 0 || offset >= Number(page.total_count)) return;
  }
}

/**
 * The profile a version snapshot holds, typed. On the wire `snapshot` is JSON text (the vendor's shape,
 * kept for compatibility); this reads it as the `AccessProfile` it is.
 */
export function versionSnapshot(
  version: components['schemas']['ProfileVersion'],
): components['schemas']['AccessProfile'] {
  return JSON.parse(version.snapshot) as components['schemas']['AccessProfile'];
}
