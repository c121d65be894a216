/**
 * A read cursor over one MRT record with bgpdump's stream semantics: reading past the end
 * yields zeros and leaves the cursor at the end, so a short field decodes the way bgpdump
 * decodes it instead of throwing. `sub(n)` is bgpdump's mstream_copy: a cursor over the
 * next n bytes (fewer if the record ends first) that advances this one past them.
 */
import { longestZeroRun } from '../address.js';

export class Cursor {
  constructor(
    readonly b: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  left(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos >= this.end) return 0;
    return this.b[this.pos++] as number;
  }

  u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) return this.slow(2);
    this.pos = p + 2;
    return ((this.b[p] as number) << 8) | (this.b[p + 1] as number);
  }

  u32(): number {
    const p = this.pos;
    if (p + 4 > this.end) return this.slow(4);
    this.pos = p + 4;
    const b = this.b;
    return (((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number)) >>> 0;
  }

  private slow(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (this.pos + i < this.end ? (this.b[this.pos + i] as number) : 0);
    this.pos = this.end;
    return v;
  }

  /** n bytes, zero-filled past the end (copied). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const have = Math.max(0, Math.min(n, this.end - this.pos));
    out.set(this.b.subarray(this.pos, this.pos + have));
    this.pos = have === n ? this.pos + n : this.end;
    return out;
  }

  /** n bytes into `into` at 0 (rest of `into` untouched), zero-filled past the end. */
  read(into: Uint8Array, n: number): void {
    const have = Math.max(0, Math.min(n, this.end - this.pos, into.length));
    for (let i = 0; i < have; i++) into[i] = this.b[this.pos + i] as number;
    for (let i = have; i < Math.min(n, into.length); i++) into[i] = 0;
    this.pos = this.pos + n <= this.end ? this.pos + n : this.end;
  }

  /** An IPv4 address as text (zero-filled past the end). */
  ipv4(): string {
    const p = this.pos;
    if (p + 4 > this.end) return fmtIpv4(this.bytes(4), 0);
    this.pos = p + 4;
    return fmtIpv4(this.b, p);
  }

  /** An IPv6 address as bgpdump prints it (zero-filled past the end). */
  ipv6(): string {
    const p = this.pos;
    if (p + 16 > this.end) return fmtIpv6(this.bytes(16), 0);
    this.pos = p + 16;
    return fmtIpv6(this.b, p);
  }

  skip(n: number): void {
    this.pos = Math.min(this.end, this.pos + n);
  }

  sub(n: number): Cursor {
    const len = Math.max(0, Math.min(n, this.end - this.pos));
    const c = new Cursor(this.b, this.pos, this.pos + len);
    this.pos += len;
    return c;
  }
}

/** Decimal strings of 0..255, so an IPv4 address is four lookups. */
const OCTET: string[] = Array.from({ length: 256 }, (_, i) => String(i));

export function fmtIpv4(b: Uint8Array, o: number): string {
  return `${OCTET[b[o] as number]}.${OCTET[b[o + 1] as number]}.${OCTET[b[o + 2] as number]}.${OCTET[b[o + 3] as number]}`;
}

/**
 * IPv6 text as bgpdump prints it: IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d,
 * except :: and ::1) with a dotted tail; otherwise lower-case hex groups with the first longest
 * run of zero groups written `::`, even a run of one group (RFC 5952 would not), which is what
 * bgpdump's own formatter does.
 */
export function fmtIpv6(b: Uint8Array, o: number): string {
  let zero96 = true;
  for (let i = 0; i < 10; i++) if (b[o + i] !== 0) zero96 = false;
  if (zero96) {
    const w5 = ((b[o + 10] as number) << 8) | (b[o + 11] as number);
    if (w5 === 0xffff) return `::ffff:${fmtIpv4(b, o + 12)}`;
    if (w5 === 0) {
      const tail = ((b[o + 12] as number) * 16777216) + ((b[o + 13] as number) << 16) + ((b[o + 14] as number) << 8) + (b[o + 15] as number);
      if (tail > 1) return `::${fmtIpv4(b, o + 12)}`;
    }
  }
  const g: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = ((b[o + 2 * i] as number) << 8) | (b[o + 2 * i + 1] as number);
  const [bestS, bestL] = longestZeroRun(g, 1);
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestS) {
      s += i === 0 ? '::' : ':';
      i += bestL - 1;
      continue;
    }
    s += (g[i] as number).toString(16);
    if (i !== 7) s += ':';
  }
  return s;
}

/** Clears the bits of a prefix beyond its length (NLRI may carry them; RFC 4271 says ignore). */
export function maskPrefix(addr: Uint8Array, bits: number): void {
  const full = bits >> 3;
  const rem = bits & 7;
  if (full < addr.length) {
    if (rem) addr[full] = (addr[full] as number) & (0xff << (8 - rem));
    for (let i = full + (rem ? 1 : 0); i < addr.length; i++) addr[i] = 0;
  }
}
