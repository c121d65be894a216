/** Is an address a CDN's egress? (ranges in cdn-ranges.ts) */
import { parseIPv4, parseIPv6 } from '../address.js';
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

/** The first 64 bits of an IPv6 address as [hi, lo] 32-bit words; null if not IPv6. */
function v6Head(s: string): [number, number] | null {
  const v = parseIPv6(s);
  if (v === null) return null;
  return [Number((v >> 96n) & 0xffffffffn), Number((v >> 64n) & 0xffffffffn)];
}

const V4S: V4[] = [];
const V6S: V6[] = [];
for (const r of CDN_RANGES) {
  for (const c of r.v4) {
    const [a, l] = c.split('/');
    const bits = Number(l);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    V4S.push({ net: ((parseIPv4(a as string) as number) & mask) >>> 0, mask, cdn: r.cdn });
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
  const a = parseIPv4(addr) ?? (addr.startsWith('::ffff:') ? parseIPv4(addr.slice(7)) : null);
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
