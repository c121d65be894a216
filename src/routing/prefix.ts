/** IP prefixes as numbers: IPv4 in a number, IPv6 in a bigint, with the host bits cleared. */
import { ipv6 } from '../traffic/packet.js';
export interface ParsedPrefix {
  family: 4 | 6;
  /** Network address: number (IPv4) or bigint (IPv6). */
  addr: number | bigint;
  len: number;
  /** Canonical text (`a.b.c.d/len`, RFC 5952 IPv6). */
  text: string;
}

function v4(s: string): number | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  let n = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return null;
    n = n * 256 + Number(x);
  }
  return n;
}

function v6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.split('::').length > 2) return null;
  const [h, t] = s.includes('::') ? (s.split('::') as [string, string]) : [s, null];
  const parse = (x: string): number[] | null => {
    if (x === '') return [];
    const out: number[] = [];
    const parts = x.split(':');
    for (let i = 0; i < parts.length; i++) {
      const g = parts[i] as string;
      if (i === parts.length - 1 && g.includes('.')) {
        const n = v4(g);
        if (n === null) return null;
        out.push(Math.floor(n / 65536), n % 65536);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const hs = parse(h);
  const ts = t === null ? [] : parse(t);
  if (!hs || !ts) return null;
  if (t === null ? hs.length !== 8 : hs.length + ts.length > 7) return null;
  const groups = t === null ? hs : [...hs, ...new Array<number>(8 - hs.length - ts.length).fill(0), ...ts];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

function text6(n: bigint): string {
  // RFC 5952, as tshark prints it: the pcap decoder's formatter over the address's 16 bytes
  const b = new Uint8Array(16);
  for (let i = 15, x = n; i >= 0; i--, x >>= 8n) b[i] = Number(x & 0xffn);
  return ipv6(b, 0);
}

/** Host bits of a network address cleared for length `len`. */
export function maskAddr(family: 4 | 6, addr: number | bigint, len: number): number | bigint {
  if (family === 4) {
    const a = addr as number;
    return len === 0 ? 0 : len >= 32 ? a : a - (a % 2 ** (32 - len));
  }
  const a = addr as bigint;
  if (len === 0) return 0n;
  if (len >= 128) return a;
  const host = (1n << BigInt(128 - len)) - 1n;
  return a & ~host;
}

/** Parses `addr/len` (or a bare address, as a host prefix); null when malformed. Host bits are cleared. */
export function parsePrefix(s: string): ParsedPrefix | null {
  const slash = s.indexOf('/');
  const a = slash < 0 ? s : s.slice(0, slash);
  const lt = slash < 0 ? null : s.slice(slash + 1);
  if (lt !== null && !/^\d{1,3}$/.test(lt)) return null;
  if (a.includes(':')) {
    const n = v6(a);
    const len = lt === null ? 128 : Number(lt);
    if (n === null || len > 128) return null;
    const m = maskAddr(6, n, len) as bigint;
    return { family: 6, addr: m, len, text: `${text6(m)}/${len}` };
  }
  const n = v4(a);
  const len = lt === null ? 32 : Number(lt);
  if (n === null || len > 32) return null;
  const m = maskAddr(4, n, len) as number;
  return { family: 4, addr: m, len, text: `${[24, 16, 8, 0].map((x) => Math.floor(m / 2 ** x) % 256).join('.')}/${len}` };
}

/** Does `outer` cover `inner` (same family, shorter or equal length, same leading bits)? */
export function covers(outer: ParsedPrefix, inner: ParsedPrefix): boolean {
  return outer.family === inner.family && outer.len <= inner.len && maskAddr(inner.family, inner.addr, outer.len) === outer.addr;
}
