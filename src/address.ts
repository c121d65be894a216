/**
 * IP address text <-> numbers, written once for every area (classify, routing and traffic each had
 * their own parser). IPv4 is an unsigned 32-bit `number`, IPv6 a `bigint`, so the two families
 * never compare equal. Like src/catalog.ts this module imports nothing.
 *
 * Text forms: `formatIPv6` is RFC 5952 as tshark prints it (lower case, the longest run of two or
 * more zero groups as `::`, no dotted tail). bgpdump's form (dotted tails for v4-mapped and
 * v4-compatible addresses, a single zero group compressed) stays in src/routing/bytes.ts because
 * its golden outputs require it; both pick the compressed run with `longestZeroRun`.
 */

/** A dotted quad (exactly four decimal octets, each 0-255, at most three digits) or null. */
export function parseIPv4(s: string): number | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return n * 256 + part;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** An IPv6 address (`::` once at most, a dotted IPv4 tail, a `%zone` suffix ignored) or null. */
export function parseIPv6(s: string): bigint | null {
  if (!s.includes(':')) return null;
  let text = s;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  let tail: [number, number] | null = null;
  const lastColon = text.lastIndexOf(':');
  const maybe4 = text.slice(lastColon + 1);
  if (maybe4.includes('.')) {
    const v4 = parseIPv4(maybe4);
    if (v4 === null) return null;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) return null;
  const parseGroups = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (!HEX_GROUP.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const a = parseGroups(text.slice(0, dbl));
    const b = parseGroups(text.slice(dbl + 2));
    if (!a || !b || a.length + b.length > 7) return null;
    groups = [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  } else {
    const a = parseGroups(text);
    if (!a || a.length !== 8) return null;
    groups = a;
  }
  if (tail) {
    groups[6] = tail[0];
    groups[7] = tail[1];
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Dotted quad of an unsigned 32-bit number. */
export function formatIPv4(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/** The first and length of the longest run of zero groups at least `min` long ([-1, 0] if none). */
export function longestZeroRun(groups: ArrayLike<number>, min: number): [number, number] {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= min) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  return [best, bestLen];
}

/** RFC 5952 text of eight 16-bit groups, as tshark prints it. */
export function formatGroups(g: ArrayLike<number>): string {
  const hx = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => (g[from + k] as number).toString(16)).join(':');
  const [s, l] = longestZeroRun(g, 2);
  if (s < 0) return hx(0, 8);
  return `${hx(0, s)}::${hx(s + l, 8)}`;
}

/** RFC 5952 text of a 128-bit IPv6 number. */
export function formatIPv6(v: bigint): string {
  const g = new Array<number>(8);
  for (let i = 7, x = v; i >= 0; i--, x >>= 16n) g[i] = Number(x & 0xffffn);
  return formatGroups(g);
}

/** Zero the host bits: the network number of `v` for a prefix length. */
export function maskAddress(v: number, bits: number): number;
export function maskAddress(v: bigint, bits: number): bigint;
export function maskAddress(v: number | bigint, bits: number): number | bigint;
export function maskAddress(v: number | bigint, bits: number): number | bigint {
  if (typeof v === 'number') {
    if (bits <= 0) return 0;
    if (bits >= 32) return v;
    return v - (v % 2 ** (32 - bits));
  }
  if (bits <= 0) return 0n;
  if (bits >= 128) return v;
  const host = 128n - BigInt(bits);
  return (v >> host) << host;
}
