// Typed client of the Access Profiles API on openapi-fetch. No Node-only imports: runs in browsers.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from '../generated/openapi.js';

export type { components, paths, operations } from '../generated/openapi.js';
export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
export type AccessProfilesClient = Client<paths>;

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
      if (options.apiKey && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${options.apiKey}`);
      const id = typeof options.requestId === 'function' ? options.requestId() : options.requestId;
      if (id && !request.headers.has('X-Request-Id')) request.headers.set('X-Request-Id', id);
      return request;
    },
  };
  client.use(headers);
  return client;
}

export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  return typeof value === 'object' && value !== null && (value as { is_bifrost_error?: unknown }).is_bifrost_error === true;
}

/** An error response of the API, carrying the typed envelope. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
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
type OkBody<P extends keyof paths> = GetOf<P> extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;
export type ListPath = { [P in keyof paths]: OkBody<P> extends { total_count: number; offset: number } ? P : never }[keyof paths];
type ItemOf<P extends ListPath> = { [K in keyof OkBody<P>]: OkBody<P>[K] extends Array<infer I> ? I : never }[keyof OkBody<P>];
type ParamsOf<P extends ListPath> = GetOf<P> extends { parameters: infer Q } ? Q : never;

/** Pages through any list endpoint, yielding items until `total_count` is reached. */
export async function* paginate<P extends ListPath>(
  client: AccessProfilesClient,
  path: P,
  params: { path?: Record<string, unknown>; query?: Record<string, unknown> } & Partial<ParamsOf<P>> = {},
  pageSize = 100,
): AsyncGenerator<ItemOf<P>> {
  let offset = Number((params.query as { offset?: number } | undefined)?.offset ?? 0);
  for (;;) {
    const query = { ...(params.query ?? {}), limit: pageSize, offset };
    const get = client.GET as unknown as (p: string, init: unknown) => Promise<{ data?: Record<string, unknown>; error?: unknown; response: Response }>;
    const page = unwrap(await get(path, { params: { ...params, query } }));
    const items = Object.values(page).find(Array.isArray) as ItemOf<P>[];
    for (const item of items) yield item;
    offset += items.length;
    if (items.length === 0 || offset >= Number(page.total_count)) return;
  }
}
