/** Is an address a CDN's egress? (ranges in cdn-ranges.ts) */
import { CDN_RANGES } from './cdn-ranges.js';

interface V4 {
  net: number;
  mask: number;
  cdn: string;
}
interface V6 {
  /** the first 64 bits as two 32-bit words, and the prefix length (<= 64 for every published range) */
  hi: number;
  lo: number;
  bits: number;
  cdn: string;
}

function v4(s: string): number | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  let n = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return null;
    n = n * 256 + Number(x);
  }
  return n >>> 0;
}

/** The first 64 bits of an IPv6 address as [hi, lo] 32-bit words; null if not IPv6. */
function v6Head(s: string): [number, number] | null {
  if (!s.includes(':')) return null;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (right.length && right[right.length - 1]!.includes('.')) right.splice(-1, 1, '0', '0'); // v4-mapped tail
  const fill = halves.length === 2 ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array<string>(Math.max(fill, 0)).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const g = groups.map((x) => parseInt(x, 16));
  return [((g[0]! << 16) | g[1]!) >>> 0, ((g[2]! << 16) | g[3]!) >>> 0];
}

const V4S: V4[] = [];
const V6S: V6[] = [];
for (const r of CDN_RANGES) {
  for (const c of r.v4) {
    const [a, l] = c.split('/');
    const bits = Number(l);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    V4S.push({ net: ((v4(a as string) as number) & mask) >>> 0, mask, cdn: r.cdn });
  }
  for (const c of r.v6) {
    const [a, l] = c.split('/');
    const [hi, lo] = v6Head(a as string) as [number, number];
    V6S.push({ hi, lo, bits: Number(l), cdn: r.cdn });
  }
}

const maskOf = (bits: number): number => (bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0);

/** First octets of every IPv4 range: most addresses are rejected on this alone (loaders ask per row). */
const V4_FIRST = new Uint8Array(256);
for (const r of V4S) {
  const lo = r.net >>> 24;
  const hi = (r.net | ~r.mask) >>> 24;
  for (let o = lo; o <= hi; o++) V4_FIRST[o] = 1;
}

/** The CDN whose egress range holds `addr` (IPv4, IPv6, v4-mapped v6), or null. */
export function cdnOf(addr: string): string | null {
  // the first octet read from the characters (no substring): a dotted quad not starting like a
  // CDN range is answered here
  let o = 0;
  let i = 0;
  for (; i < 4; i++) {
    const c = addr.charCodeAt(i);
    if (c < 48 || c > 57) break;
    o = o * 10 + c - 48;
  }
  if (i > 0 && addr.charCodeAt(i) === 46 && o < 256 && V4_FIRST[o] === 0) return null;
  const a = v4(addr) ?? (addr.startsWith('::ffff:') ? v4(addr.slice(7)) : null);
  if (a !== null) {
    for (const r of V4S) if (((a & r.mask) >>> 0) === r.net) return r.cdn;
    return null;
  }
  const h = v6Head(addr);
  if (!h) return null;
  for (const r of V6S) {
    const mhi = maskOf(r.bits);
    const mlo = maskOf(r.bits - 32);
    if (((h[0] & mhi) >>> 0) === ((r.hi & mhi) >>> 0) && ((h[1] & mlo) >>> 0) === ((r.lo & mlo) >>> 0)) return r.cdn;
  }
  return null;
}
