// RFC 3339 date-times as the API receives them: checked field by field (JavaScript's Date accepts
// impossible dates), with a leap second folded into the next second.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The instant an RFC 3339 date-time names, or null when it is not one (month 13, hour 25, offset +25:00, Feb 30). */
export function parseDateTime(value: string): Date | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, , sec] = m.map(Number) as number[];
  // Date.parse refuses what no calendar has (month 0 or 13, day 0, minute 60, second 61, offset +24:00:
  // "illegal element values", ECMA-262 Date.parse) but rolls a day past the month's end into the next
  // month and reads 24:00 as the next midnight: those two are refused here.
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (d! > daysInMonth || h! > 23) return null;
  // A leap second (second 60, which RFC 3339 allows) is folded into the next second: JavaScript's clock
  // has no second 60, and refusing a valid date-time would be wrong.
  const t = sec === 60 ? Date.parse(value.replace(/:60(?=[.Zz+-])/, ':59')) + 1000 : Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}
