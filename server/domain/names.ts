// Names people choose (profiles, roles, API keys, virtual keys, users): stored in one canonical form, so
// "café" typed two ways, or with a trailing space, is one name, and a name can always be read and shown.
import { invalid } from './errors.js';

// C0/C1 controls (CR, LF, ESC of ANSI sequences) and the bidirectional overrides and isolates that make
// text display in another order than it is stored.
const CONTROL_OR_BIDI = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}]/gu;

/** NFC-normalised and trimmed; refused when it holds control or bidi characters or only invisible ones. */
export function canonicalName(value: string, param = 'name'): string {
  const name = value.normalize('NFC').trim();
  if (CONTROL_OR_BIDI.test(name)) throw invalid([{ param, message: 'must not contain control characters or bidirectional overrides' }]);
  if (name.replace(INVISIBLE, '') === '') throw invalid([{ param, message: 'must contain a visible character' }]);
  return name;
}

/** The same for an optional name: undefined and null pass through. */
export function canonicalOptionalName<T extends string | null | undefined>(value: T, param = 'name'): T {
  return (typeof value === 'string' ? canonicalName(value, param) : value) as T;
}
