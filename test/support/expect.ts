// Assertions shared by the integration tests: the error envelope and request-id conventions.
import { expect } from 'vitest';
import type { ErrorEnvelope } from '../../client/index.js';

const ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'precondition_failed_error',
  'rate_limit_error',
  'api_error',
  'service_unavailable_error',
];

/** Asserts `body` is the API's error envelope (spec: ErrorEnvelope) for `status` (and `code`, when given); returns it typed. */
export function expectEnvelope(body: unknown, status: number, code?: string, response?: Response): ErrorEnvelope {
  const env = body as ErrorEnvelope;
  expect(env, `expected an error envelope, got ${JSON.stringify(body)}`).toMatchObject({
    is_bifrost_error: true,
    status_code: status,
  });
  expect(typeof env.event_id).toBe('string');
  expect(env.event_id.length).toBeGreaterThan(0);
  expect(ERROR_TYPES).toContain(env.error.type);
  expect(env.type).toBe(env.error.type);
  expect(env.error.event_id).toBe(env.event_id);
  expect(typeof env.error.details_truncated).toBe('boolean');
  expect(env.error.details.length).toBeLessThanOrEqual(20);
  expect(env.error.code).toMatch(/^[a-z][a-z0-9_]*$/);
  expect(typeof env.error.message).toBe('string');
  expect(typeof env.error.param).toBe('string');
  expect(Array.isArray(env.error.details)).toBe(true);
  for (const d of env.error.details) expect(d).toEqual({ param: expect.any(String), message: expect.any(String) });
  if (code) expect(env.error.code, JSON.stringify(env.error)).toBe(code);
  if (response) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toBe(env.event_id);
  }
  return env;
}

/** The `param`s of an envelope's details. */
export const detailParams = (env: ErrorEnvelope): string[] => env.error.details.map((d) => d.param);
