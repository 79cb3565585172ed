// RFC 3339 date-times as the API receives them: checked field by field (JavaScript's Date accepts
// impossible dates), with a leap second folded into the next second.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The instant an RFC 3339 date-time names, or null when it is not one (month 13, hour 25, offset +25:00, Feb 30). */
export function parseDateTime(value: string): Date | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, , oh, om] = m.map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth || h! > 23 || mi! > 59 || sec! > 60) return null;
  if (m[7] && (oh! > 23 || om! > 59)) return null;
  // A leap second (second 60, which RFC 3339 allows) is folded into the next second: JavaScript's clock
  // has no second 60, and refusing a valid date-time would be wrong.
  const t = sec === 60 ? Date.parse(value.replace(/:60(?=[.Zz+-])/, ':59')) + 1000 : Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}
