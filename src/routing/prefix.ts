/** IP prefixes as numbers: IPv4 in a number, IPv6 in a bigint, with the host bits cleared. */
import { parseIPv4, parseIPv6, formatIPv4, formatIPv6, maskAddress } from '../address.js';
export interface ParsedPrefix {
  family: 4 | 6;
  /** Network address: number (IPv4) or bigint (IPv6). */
  addr: number | bigint;
  len: number;
  /** Canonical text (`a.b.c.d/len`, RFC 5952 IPv6). */
  text: string;
}

/** Host bits of a network address cleared for length `len`. */
export function maskAddr(family: 4 | 6, addr: number | bigint, len: number): number | bigint {
  return maskAddress(family === 4 ? (addr as number) : (addr as bigint), len);
}

/** Parses `addr/len` (or a bare address, as a host prefix); null when malformed. Host bits are cleared. */
export function parsePrefix(s: string): ParsedPrefix | null {
  const slash = s.indexOf('/');
  const a = slash < 0 ? s : s.slice(0, slash);
  const lt = slash < 0 ? null : s.slice(slash + 1);
  if (lt !== null && !/^\d{1,3}$/.test(lt)) return null;
  if (a.includes(':')) {
    const n = a.includes('%') ? null : parseIPv6(a);
    const len = lt === null ? 128 : Number(lt);
    if (n === null || len > 128) return null;
    const m = maskAddr(6, n, len) as bigint;
    return { family: 6, addr: m, len, text: `${formatIPv6(m)}/${len}` };
  }
  const n = parseIPv4(a);
  const len = lt === null ? 32 : Number(lt);
  if (n === null || len > 32) return null;
  const m = maskAddr(4, n, len) as number;
  return { family: 4, addr: m, len, text: `${formatIPv4(m)}/${len}` };
}

/** Does `outer` cover `inner` (same family, shorter or equal length, same leading bits)? */
export function covers(outer: ParsedPrefix, inner: ParsedPrefix): boolean {
  return outer.family === inner.family && outer.len <= inner.len && maskAddr(inner.family, inner.addr, outer.len) === outer.addr;
}
