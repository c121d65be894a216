/**
 * IP addresses as numbers: IPv4 as an unsigned 32-bit `number`, IPv6 as a `bigint`, so the two
 * families never compare equal. Sets are sorted, merged intervals searched by bisection.
 */
export type IpKey = number | bigint;

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

export function parseIPv6(s: string): bigint | null {
  if (!s.includes(':')) return null;
  let text = s;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  // embedded IPv4 tail
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybe4 = text.slice(lastColon + 1);
  if (maybe4.includes('.')) {
    const v4 = parseIPv4(maybe4);
    if (v4 === null) return null;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    text = `${text.slice(0, lastColon + 1)}${tail.length ? '0:0' : ''}`;
  }
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) return null;
  const parseGroups = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
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
  if (tail.length) {
    groups[6] = tail[0] as number;
    groups[7] = tail[1] as number;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

export function parseIp(s: string): IpKey | null {
  return parseIPv4(s) ?? parseIPv6(s);
}

export function formatIp(k: IpKey): string {
  if (typeof k === 'number') return `${k >>> 24}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`;
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((k >> BigInt(i * 16)) & 0xffffn).toString(16));
  // compress the longest run of zero groups
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Zero the host bits: the network key of `k` for a prefix length. */
export function maskIp(k: IpKey, bits: number): IpKey {
  if (typeof k === 'number') {
    if (bits <= 0) return 0;
    if (bits >= 32) return k;
    return (k - (k % 2 ** (32 - bits)));
  }
  if (bits <= 0) return 0n;
  if (bits >= 128) return k;
  const host = 128n - BigInt(bits);
  return (k >> host) << host;
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
