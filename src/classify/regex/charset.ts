/**
 * Sets of UTF-16 code units as sorted, merged inclusive ranges `[lo0, hi0, lo1, hi1, ...]`.
 * The regex engine matches code units (as JS strings are stored); every operation here is
 * linear in the number of ranges.
 */
export type CharSet = readonly number[];

export const MAX_CHAR = 0xffff;
export const EMPTY: CharSet = [];
export const ANY: CharSet = [0, MAX_CHAR];

/** Sort and merge possibly overlapping ranges. */
export function normalize(ranges: readonly number[]): CharSet {
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) pairs.push([ranges[i] as number, ranges[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= (out[n - 1] as number) + 1) {
      if (hi > (out[n - 1] as number)) out[n - 1] = hi;
    } else out.push(lo, hi);
  }
  return out;
}

export function union(a: CharSet, b: CharSet): CharSet {
  return normalize([...a, ...b]);
}

export function negate(a: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    const lo = a[i] as number;
    if (lo > next) out.push(next, lo - 1);
    next = (a[i + 1] as number) + 1;
  }
  if (next <= MAX_CHAR) out.push(next, MAX_CHAR);
  return out;
}

export function has(a: CharSet, c: number): boolean {
  let lo = 0;
  let hi = a.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < (a[mid * 2] as number)) hi = mid - 1;
    else if (c > (a[mid * 2 + 1] as number)) lo = mid + 1;
    else return true;
  }
  return false;
}

export const char = (c: number): CharSet => [c, c];

/** JS `\d`, `\w`, `\s` (the same sets as RegExp without the u flag). */
export const DIGIT: CharSet = [0x30, 0x39];
export const WORD: CharSet = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
export const SPACE: CharSet = normalize([0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff]);
export const NEWLINE = 0x0a;

export function isWord(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x61 && c <= 0x7a);
}

/** POSIX classes inside brackets, `[[:alpha:]]` (ASCII, as in RE2). */
export const POSIX: ReadonlyMap<string, CharSet> = new Map<string, CharSet>([
  ['alnum', [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a]],
  ['alpha', [0x41, 0x5a, 0x61, 0x7a]],
  ['ascii', [0x00, 0x7f]],
  ['blank', [0x09, 0x09, 0x20, 0x20]],
  ['cntrl', [0x00, 0x1f, 0x7f, 0x7f]],
  ['digit', [0x30, 0x39]],
  ['graph', [0x21, 0x7e]],
  ['lower', [0x61, 0x7a]],
  ['print', [0x20, 0x7e]],
  ['punct', [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e]],
  ['space', [0x09, 0x0d, 0x20, 0x20]],
  ['upper', [0x41, 0x5a]],
  ['word', WORD],
  ['xdigit', [0x30, 0x39, 0x41, 0x46, 0x61, 0x66]],
]);

// ------------------------------------------------------------------ case folding

/** Groups of code units that are equal under case-insensitive matching (only groups of 2+). */
let foldGroups: number[][] | null = null;

/** JS's Canonicalize for case-insensitive matching without the u flag. */
function canonicalize(c: number): number {
  const u = String.fromCharCode(c).toUpperCase();
  if (u.length !== 1) return c;
  const cu = u.charCodeAt(0);
  if (c >= 128 && cu < 128) return c;
  return cu;
}

function groups(): number[][] {
  if (foldGroups) return foldGroups;
  const byCanon = new Map<number, number[]>();
  for (let c = 0; c <= MAX_CHAR; c++) {
    const k = canonicalize(c);
    const g = byCanon.get(k);
    if (g) g.push(c);
    else byCanon.set(k, [c]);
  }
  foldGroups = [...byCanon.values()].filter((g) => g.length > 1);
  return foldGroups;
}

/** The set plus every code unit equal to a member under case-insensitive matching. */
export function caseFold(a: CharSet): CharSet {
  if (a.length === 0) return a;
  const extra: number[] = [];
  // ASCII letters fold among themselves; only look at the full table for other code units
  const onlyAscii = (a[a.length - 1] as number) < 128;
  if (onlyAscii) {
    for (let i = 0; i < a.length; i += 2) {
      const lo = Math.max(a[i] as number, 0x41);
      const hi = Math.min(a[i + 1] as number, 0x7a);
      for (let c = lo; c <= hi; c++) {
        if (c <= 0x5a) extra.push(c + 32, c + 32);
        else if (c >= 0x61) extra.push(c - 32, c - 32);
      }
    }
    // ASCII letters also fold with a few non-ASCII code units whose canonical form is ASCII? No:
    // Canonicalize keeps c >= 128 mapping to ASCII as itself, so ASCII groups are ASCII-only.
    return extra.length ? union(a, extra) : a;
  }
  for (const g of groups()) if (g.some((c) => has(a, c))) for (const c of g) extra.push(c, c);
  return extra.length ? union(a, extra) : a;
}

// ------------------------------------------------------------------ Unicode properties

const propertyCache = new Map<string, CharSet>();

/** `\p{Name}` over the BMP, from the JS engine's Unicode tables; null when the name is unknown. */
export function unicodeProperty(name: string): CharSet | null {
  const hit = propertyCache.get(name);
  if (hit) return hit;
  if (!/^[A-Za-z_]+(=[A-Za-z_]+)?$/.test(name)) return null;
  let re: RegExp;
  try {
    re = new RegExp(`^\\p{${name}}$`, 'u');
  } catch {
    return null;
  }
  const out: number[] = [];
  let start = -1;
  for (let c = 0; c <= MAX_CHAR + 1; c++) {
    const inSet = c <= MAX_CHAR && (c < 0xd800 || c > 0xdfff) && re.test(String.fromCharCode(c));
    if (inSet && start < 0) start = c;
    else if (!inSet && start >= 0) {
      out.push(start, c - 1);
      start = -1;
    }
  }
  propertyCache.set(name, out);
  return out;
}
