// Names people choose (profiles, roles, API keys, virtual keys, users): stored in one canonical form, so
// "café" typed two ways, or with a trailing space, is one name, and a name can always be read and shown.
import { invalid } from './errors.js';

// C0/C1 controls (CR, LF, ESC of ANSI sequences), line and paragraph separators, interlinear annotation
// marks, and the bidirectional overrides and isolates that make text display in another order than it
// is stored.
const CONTROL_OR_BIDI = /[\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb]/u;
// What shows nothing on its own: white space, default-ignorable characters, combining marks without a
// base, the Braille blank.
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/gu;

/** The spec's `maxLength` of each kind of name, enforced again after normalisation. */
export const NAME_LIMITS = { profile: 255, role: 100, apiKey: 255, virtualKey: 255, user: 255 } as const;

/**
 * NFC-normalised and trimmed; refused when it holds control or bidi characters, shows nothing, or grows
 * past `maxLength` under normalisation (the spec's limit is checked on the text as sent).
 */
export function canonicalName(value: string, maxLength: number, param = 'name'): string {
  const name = value.normalize('NFC').trim();
  if (CONTROL_OR_BIDI.test(name))
    throw invalid([
      { param, message: 'must not contain control characters, line separators or bidirectional overrides' },
    ]);
  if (name.replace(INVISIBLE, '') === '') throw invalid([{ param, message: 'must contain a visible character' }]);
  if (name.length > maxLength)
    throw invalid([{ param, message: `must NOT have more than ${maxLength} characters once normalised (NFC)` }]);
  return name;
}

/** The same for an optional name: undefined and null pass through. */
export function canonicalOptionalName<T extends string | null | undefined>(
  value: T,
  maxLength: number,
  param = 'name',
): T {
  return (typeof value === 'string' ? canonicalName(value, maxLength, param) : value) as T;
}
