/**
 * IP addresses as numbers: IPv4 as an unsigned 32-bit `number`, IPv6 as a `bigint`, so the two
 * families never compare equal. Sets are sorted, merged intervals searched by bisection.
 */
import { parseIPv4, parseIPv6, formatIPv4, formatIPv6, maskAddress } from '../address.js';

export type IpKey = number | bigint;

export { parseIPv4, parseIPv6 };

export function parseIp(s: string): IpKey | null {
  return parseIPv4(s) ?? parseIPv6(s);
}

export function formatIp(k: IpKey): string {
  return typeof k === 'number' ? formatIPv4(k) : formatIPv6(k);
}

/** Zero the host bits: the network key of `k` for a prefix length. */
export function maskIp(k: IpKey, bits: number): IpKey {
  return maskAddress(k, bits);
}

export interface IpRange {
  lo: IpKey;
  hi: IpKey;
}

/** Parse `a.b.c.d`, `a.b.c.d/n`, `lo..hi` (and the IPv6 forms); null when it is none of them. */
export function parseIpRange(text: string): IpRange | null {
  const dots = text.indexOf('..');
  if (dots > 0) {
    const lo = parseIp(text.slice(0, dots));
    const hi = parseIp(text.slice(dots + 2));
    if (lo === null || hi === null || typeof lo !== typeof hi || lo > hi) return null;
    return { lo, hi };
  }
  const slash = text.indexOf('/');
  if (slash > 0) {
    const base = parseIp(text.slice(0, slash));
    const bitsText = text.slice(slash + 1);
    if (base === null || !/^\d{1,3}$/.test(bitsText)) return null;
    const bits = Number(bitsText);
    if (typeof base === 'number') {
      if (bits > 32) return null;
      const lo = maskIp(base, bits) as number;
      return { lo, hi: lo + 2 ** (32 - bits) - 1 };
    }
    if (bits > 128) return null;
    const lo = maskIp(base, bits) as bigint;
    return { lo, hi: lo + (1n << (128n - BigInt(bits))) - 1n };
  }
  const one = parseIp(text);
  return one === null ? null : { lo: one, hi: one };
}

/** A set of addresses: merged, sorted intervals per family. */
export class IpSet {
  private readonly v4lo: Float64Array;
  private readonly v4hi: Float64Array;
  private readonly v6: IpRange[];
  readonly size: number;
  constructor(ranges: readonly IpRange[]) {
    const v4 = ranges.filter((r) => typeof r.lo === 'number').sort((a, b) => (a.lo as number) - (b.lo as number));
    const m4: { lo: number; hi: number }[] = [];
    for (const r of v4) {
      const last = m4[m4.length - 1];
      if (last && (r.lo as number) <= last.hi + 1) last.hi = Math.max(last.hi, r.hi as number);
      else m4.push({ lo: r.lo as number, hi: r.hi as number });
    }
    this.v4lo = Float64Array.from(m4, (r) => r.lo);
    this.v4hi = Float64Array.from(m4, (r) => r.hi);
    this.v6 = ranges.filter((r) => typeof r.lo === 'bigint');
    this.size = ranges.length;
  }
  static from(items: readonly string[]): IpSet {
    const ranges: IpRange[] = [];
    for (const t of items) {
      const r = parseIpRange(t.trim());
      if (r) ranges.push(r);
    }
    return new IpSet(ranges);
  }
  has(k: IpKey | null | undefined): boolean {
    if (k === null || k === undefined) return false;
    if (typeof k === 'number') {
      let lo = 0;
      let hi = this.v4lo.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (k < (this.v4lo[mid] as number)) hi = mid - 1;
        else if (k > (this.v4hi[mid] as number)) lo = mid + 1;
        else return true;
      }
      return false;
    }
    for (const r of this.v6) if (k >= r.lo && k <= r.hi) return true;
    return false;
  }
  hasText(s: string | null | undefined): boolean {
    return s === null || s === undefined ? false : this.has(parseIp(s));
  }
}
