// `If-Match` as RFC 9110 defines it: `*` or a list of entity tags, compared strongly (a weak tag never
// matches); empty list elements are ignored as the RFC asks; anything else is a 400 rather than a guess.
import type { ExpectedVersion } from '../domain/access-profiles.js';
import { validationError } from './errors.js';

const ENTITY_TAG = /^\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)/;

export function parseIfMatch(header: string | undefined): ExpectedVersion {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  const malformed = () =>
    validationError([{ param: 'If-Match', message: 'must be * or entity tags such as "3"' }], 'invalid_if_match');
  const versions: number[] = [];
  let tags = 0;
  for (let rest = header.replace(/^[\s,]+/, ''); rest !== ''; rest = rest.replace(/^[\s,]+/, '')) {
    const m = ENTITY_TAG.exec(rest);
    if (!m) throw malformed();
    tags++;
    // Opaque tags compare as text: only the exact tag the server sends ("4", not "04") names version 4.
    if (!m[1] && /^(?:0|[1-9]\d{0,14})$/.test(m[2]!)) versions.push(Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  if (tags === 0) throw malformed();
  return { versions };
}
