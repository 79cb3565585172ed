// The errors the domain raises, in its own terms; server/http maps each kind to a status and the envelope.
// Codes are the spec's (`ErrorCode` and its per-class enums), so a code the contract does not list is a
// compile error.
import type { components } from '../../generated/openapi.js';

type S = components['schemas'];
export type ErrorCode = S['ErrorCode'];
export interface ProblemDetail {
  param: string;
  message: string;
}

/** What went wrong, as the domain sees it; the HTTP status is chosen in one place (server/http/errors.ts). */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'stale_version' | 'forbidden';

export class DomainError extends Error {
  readonly param: string | null;
  readonly details: ProblemDetail[];
  /** For `stale_version`: the version the caller should have named. */
  readonly currentVersion: number | undefined;

  constructor(
    readonly kind: DomainErrorKind,
    readonly code: ErrorCode,
    message: string,
    options: { param?: string | null; details?: ProblemDetail[]; currentVersion?: number } = {},
  ) {
    super(message);
    this.param = options.param ?? null;
    this.details = options.details ?? [];
    this.currentVersion = options.currentVersion;
  }
}

/** No error reports more problems than this; the rest is flagged as truncated, so no input makes a large answer. */
export const MAX_PROBLEMS = 20;

/** One message for a list of problems: the first named, the rest counted. */
export function problemsMessage(details: ProblemDetail[]): string {
  const first = details[0];
  if (!first) return 'Request validation failed.';
  const more = details.length - 1;
  const rest =
    details.length > MAX_PROBLEMS
      ? ' (and more problems)'
      : more
        ? ` (and ${more} more problem${more === 1 ? '' : 's'})`
        : '';
  return `Request validation failed: ${first.param} ${first.message}${rest}.`;
}

export const invalid = (
  details: ProblemDetail[],
  options: { code?: S['BadRequestCode']; message?: string } = {},
): DomainError =>
  new DomainError('invalid', options.code ?? 'validation_failed', options.message ?? problemsMessage(details), {
    param: details[0]?.param ?? null,
    details,
  });

export const notFound = (code: S['NotFoundCode'], message: string, param: string): DomainError =>
  new DomainError('not_found', code, message, { param });

export const conflict = (code: S['ConflictCode'], message: string, param: string | null = null): DomainError =>
  new DomainError('conflict', code, message, { param });

export const forbidden = (
  code: S['ForbiddenCode'],
  message: string,
  param: string,
  details: ProblemDetail[] = [],
): DomainError => new DomainError('forbidden', code, message, { param, details });

/**
 * The one 404 for a template id that names no template; `state` says what the caller found (a profile's
 * history outlives it, so its history pages say `has no history`).
 */
export function accessProfileNotFound(id: number, state = 'was not found'): DomainError {
  return notFound('access_profile_not_found', `Access profile ${id} ${state}.`, 'id');
}

/** The one 404 for a version number a template never had. */
export function versionNotFound(id: number, version: number): DomainError {
  return notFound('version_not_found', `Access profile ${id} has no version ${version}.`, 'version');
}
