/**
 * Timestamps -> ms since epoch. Logpush writes rfc3339 strings, unix seconds or unixnano integers
 * (19 digits: beyond Number.MAX_SAFE_INTEGER, so digits are cut as text, never rounded as floats).
 */

/** ms from an integer given as decimal digits, by magnitude: s, ms, µs or ns. */
export function msFromDigits(d: string): number {
  const neg = d.startsWith('-');
  const digits = neg ? d.slice(1) : d;
  const n = digits.length;
  let ms: number;
  if (n <= 11) ms = Number(digits) * 1000; // seconds (until year 5138)
  else if (n <= 14) ms = Number(digits); // milliseconds
  else if (n <= 17) ms = Number(digits.slice(0, n - 3)); // microseconds
  else ms = Number(digits.slice(0, n - 6)); // nanoseconds
  return neg ? -ms : ms;
}

/** ms from a JSON number that is exactly representable (callers re-read unsafe integers as text). */
export function msFromNumber(v: number): number {
  const a = Math.abs(v);
  if (a < 1e11) return v * 1000;
  if (a < 1e14) return v;
  if (a < 1e17) return Math.trunc(v / 1e3);
  return Math.trunc(v / 1e6);
}

const DIGITS = /^-?\d+$/;
const DECIMAL = /^-?\d+\.\d+$/;

/** ms from a string: rfc3339/ISO-8601, integer digits (any unit) or decimal seconds. NaN if unparsable. */
export function msFromString(s: string): number {
  if (DIGITS.test(s)) return msFromDigits(s);
  if (DECIMAL.test(s)) return Math.round(Number(s) * 1e6) / 1e3; // e.g. nginx $msec
  return Date.parse(s);
}

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** ms from common-log time `dd/Mon/yyyy:HH:MM:SS ±hhmm`; NaN if it does not parse. */
export function msFromClf(s: string): number {
  // 01/May/2024:12:00:03 +0000
  if (s.length < 20) return NaN;
  const day = Number(s.slice(0, 2));
  const mon = MONTHS[s.slice(3, 6)];
  const year = Number(s.slice(7, 11));
  const hh = Number(s.slice(12, 14));
  const mm = Number(s.slice(15, 17));
  const ss = Number(s.slice(18, 20));
  if (mon === undefined || s[2] !== '/' || s[6] !== '/' || s[11] !== ':') return NaN;
  let ms = Date.UTC(year, mon, day, hh, mm, ss);
  const tz = s.slice(21).trim();
  if (tz) {
    const m = /^([+-])(\d\d):?(\d\d)$/.exec(tz);
    if (!m) return NaN;
    const off = (Number(m[2]) * 60 + Number(m[3])) * 60000;
    ms -= m[1] === '-' ? -off : off;
  }
  return ms;
}
