import { Cursor, fmtIpv4, fmtIpv6, maskPrefix } from './bytes.js';
import { MSG } from './messages.js';

/** BGP path attribute type codes (RFC 4271, 4760, 6793, 1997, 8092). */
export const ATTR = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MED: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
} as const;

export const AFI = { IPV4: 1, IPV6: 2 } as const;
/** AS_PATH segment types. */
export const SEG = { SET: 1, SEQUENCE: 2, CONFED_SEQUENCE: 3, CONFED_SET: 4 } as const;
const AS_TRANS = 23456;

export interface Prefix {
  /** `a.b.c.d/len` or `x::/len` (host bits cleared). */
  text: string;
  pathId: number | null;
}

export interface MpNlri {
  afi: number;
  safi: number;
  /** Next hop as bgpdump prints it (IPv4 dotted for AFI 1, IPv6 text for AFI 2). */
  nextHop: string;
  nextHopLocal: string | null;
  prefixes: Prefix[];
}

export interface AsSegment {
  type: number;
  asns: number[];
}

/** Decoded path attributes of one UPDATE or RIB entry (shared by every prefix it carries). */
export interface PathAttributes {
  /** 0 IGP, 1 EGP, 2 INCOMPLETE, -1 absent. */
  origin: number;
  /** Effective AS path (AS4_PATH merged the way bgpdump merges it), null when absent. */
  asPath: AsSegment[] | null;
  /** bgpdump's text of the AS path ('' when absent). */
  asPathText: string;
  /** NEXT_HOP attribute, or bgpdump's placeholder 255.255.255.255 when absent. */
  nextHop: string;
  med: number | null;
  localPref: number | null;
  atomicAggregate: boolean;
  /** `ASN a.b.c.d` when an aggregator is present (bgpdump's form). */
  aggregator: string | null;
  /** Standard communities as `asn:value` (or no-export / no-advertise / local-AS), null when absent. */
  communities: string[] | null;
  largeCommunities: string[] | null;
  hasMpReach: boolean;
  hasMpUnreach: boolean;
  /** MP_REACH per AFI/SAFI (first one wins, as in bgpdump); key afi*256+safi; null when none. */
  announce: Map<number, MpNlri> | null;
  withdraw: Map<number, MpNlri> | null;
  /** Decoding problems worth reporting (the attribute set is still used); null when none. */
  problems: string[] | null;
}

/**
 * Reads a prefix list (NLRI, withdrawn routes, MP_(UN)REACH NLRI) to the end of `c`. A prefix
 * cut by the end of the list ends it (bgpdump keeps it aside as "incomplete"; so do we, by
 * dropping it).
 */
export function readPrefixes(c: Cursor, afi: number, addPath: boolean, problem?: (p: string) => void): Prefix[] {
  const out: Prefix[] = [];
  const width = afi === AFI.IPV6 ? 16 : 4;
  while (c.left() > 0) {
    const pathId = addPath ? c.u32() : null;
    let bits = c.u8();
    const nbytes = (bits + 7) >> 3;
    if (c.left() < nbytes) break;
    const addr = new Uint8Array(width);
    const start = c.pos;
    c.read(addr, nbytes);
    if (bits > width * 8) {
      problem?.(MSG.prefixTooLong(bits, width * 8));
      // bgpdump copies such a prefix into its 16-byte address and the 17th byte lands on the
      // length field; printing what it prints keeps `runbook mrt` line-compatible
      if (nbytes > 16) bits = c.b[start + 16] as number;
    }
    maskPrefix(addr, Math.min(bits, width * 8));
    out.push({ text: `${width === 4 ? fmtIpv4(addr, 0) : fmtIpv6(addr, 0)}/${bits}`, pathId });
  }
  return out;
}

function readSegments(c: Cursor, asnLen: number): AsSegment[] | null {
  const segs: AsSegment[] = [];
  while (c.left() > 0) {
    const type = c.u8();
    const n = c.u8();
    if (type < 1 || type > 4) return null;
    if (c.left() < n * asnLen) return null;
    const asns = new Array<number>(n);
    for (let i = 0; i < n; i++) asns[i] = asnLen === 4 ? c.u32() : c.u16();
    segs.push({ type, asns });
  }
  return segs;
}

const DELIM: Record<number, [string, string]> = { 1: ['{', '}'], 3: ['(', ')'], 4: ['[', ']'] };
const MAX_ASPATH_TEXT = 8000;

/** bgpdump's AS path text: sequences space-separated, {sets,with,commas}, (confed seq), [confed set]. */
export function asPathText(segs: readonly AsSegment[] | null): string {
  if (segs === null) return '! Error !';
  let s = '';
  let prev: number = SEG.SEQUENCE;
  let space = false;
  for (const seg of segs) {
    if (prev !== SEG.SEQUENCE) s += (DELIM[prev] as [string, string])[1];
    if (space) s += ' ';
    if (seg.type !== SEG.SEQUENCE) s += (DELIM[seg.type] as [string, string])[0];
    space = false;
    const sep = seg.type === SEG.SET || seg.type === SEG.CONFED_SET ? ',' : ' ';
    for (const asn of seg.asns) {
      if (space) s += sep;
      else space = true;
      s += asn;
      if (s.length > MAX_ASPATH_TEXT - 100) return `${s}...`;
    }
    prev = seg.type;
  }
  const last = segs[segs.length - 1];
  if (last && last.type !== SEG.SEQUENCE) s += (DELIM[last.type] as [string, string])[1];
  return s;
}

/** bgpdump's path length: a sequence counts its ASNs, a set counts one. */
function pathCount(segs: readonly AsSegment[]): number {
  let n = 0;
  for (const s of segs) n += s.type === SEG.SET || s.type === SEG.CONFED_SET ? 1 : s.asns.length;
  return n;
}

/**
 * RFC 6793 reconstruction of a 2-byte AS_PATH with its AS4_PATH, as bgpdump 1.6 does it: take
 * leading ASNs of AS_PATH until the path is as long as AS_PATH minus AS4_PATH, then append
 * AS4_PATH. (bgpdump takes them from the first segment each time; paths whose first segment is
 * shorter than that are rare, and matching its output is the point of `runbook mrt`.)
 */
function mergeAs4(path: AsSegment[], as4: AsSegment[]): AsSegment[] {
  const want = pathCount(path) - pathCount(as4);
  const out: AsSegment[] = [];
  let count = 0;
  const first = path[0];
  while (first && count < want) {
    const seg: AsSegment = { type: first.type, asns: first.asns.slice() };
    if (first.type === SEG.SET || first.type === SEG.CONFED_SET) count += 1;
    else {
      count += seg.asns.length;
      if (count > want) seg.asns.length -= count - want;
    }
    out.push(seg);
  }
  return out.concat(as4);
}

const COMMUNITY_NAME: Record<number, string> = { 0xffffff01: 'no-export', 0xffffff02: 'no-advertise', 0xffffff03: 'local-AS' };

/** The MP_REACH next hop as bgpdump reads it: 4 bytes for IPv4, 16 (+16 link-local) for IPv6. */
function mpNextHop(c: Cursor, afi: number): { nextHop: string; nextHopLocal: string | null } {
  const len = c.u8();
  if (afi === AFI.IPV4) {
    const nextHop = c.ipv4();
    if (len > 4) c.skip(len - 4);
    return { nextHop, nextHopLocal: null };
  }
  const nextHop = c.ipv6();
  return { nextHop, nextHopLocal: len === 32 ? c.ipv6() : null };
}

/**
 * Reads a path attribute block: 2-byte total length, then attributes. `asnLen` is 2 for
 * TABLE_DUMP and BGP4MP MESSAGE records, 4 for the AS4 subtypes and TABLE_DUMP_V2.
 */
export function readAttributes(s: Cursor, asnLen: number, addPath: boolean): PathAttributes {
  const total = s.u16();
  const c = s.sub(total);
  const a: PathAttributes = {
    origin: -1,
    asPath: null,
    asPathText: '',
    nextHop: '255.255.255.255',
    med: null,
    localPref: null,
    atomicAggregate: false,
    aggregator: null,
    communities: null,
    largeCommunities: null,
    hasMpReach: false,
    hasMpUnreach: false,
    announce: null,
    withdraw: null,
    problems: null,
  };
  const problem = (p: string) => (a.problems ??= []).push(p);
  if (c.left() !== total) problem(MSG.attrTruncated(0, total, c.left()));
  let as4: AsSegment[] | null | undefined;
  let pathBad = false;
  let aggAs = -1;
  let aggAddr: string | null = null;
  let agg4As = -1;
  let agg4Addr: string | null = null;
  while (c.left() > 0) {
    const flag = c.u8();
    const type = c.u8();
    const len = flag & 0x10 ? c.u16() : c.u8();
    const v = c.sub(len);
    if (v.left() !== len) {
      problem(MSG.attrTruncated(type, len, v.left()));
      break;
    }
    switch (type) {
      case ATTR.ORIGIN:
        a.origin = v.u8();
        break;
      case ATTR.AS_PATH:
        a.asPath = readSegments(v, asnLen);
        if (a.asPath === null) {
          pathBad = true;
          problem('AS_PATH malformed');
        }
        break;
      case ATTR.NEXT_HOP:
        a.nextHop = v.ipv4();
        break;
      case ATTR.MED:
        a.med = v.u32();
        break;
      case ATTR.LOCAL_PREF:
        a.localPref = v.u32();
        break;
      case ATTR.ATOMIC_AGGREGATE:
        a.atomicAggregate = true;
        break;
      case ATTR.AGGREGATOR:
        aggAs = asnLen === 4 ? v.u32() : v.u16();
        aggAddr = v.ipv4();
        break;
      case ATTR.COMMUNITIES: {
        const list: string[] = [];
        for (let i = 0; i + 4 <= len; i += 4) {
          const x = v.u32();
          list.push(COMMUNITY_NAME[x] ?? `${x >>> 16}:${x & 0xffff}`);
        }
        a.communities = list;
        break;
      }
      case ATTR.LARGE_COMMUNITY: {
        const list: string[] = [];
        for (let i = 0; i + 12 <= len; i += 12) list.push(`${v.u32()}:${v.u32()}:${v.u32()}`);
        a.largeCommunities = list;
        break;
      }
      case ATTR.AS4_PATH:
        as4 = readSegments(v, 4);
        break;
      case ATTR.AS4_AGGREGATOR:
        agg4As = v.u32();
        agg4Addr = v.ipv4();
        break;
      case ATTR.MP_REACH_NLRI: {
        a.hasMpReach = true;
        // TABLE_DUMP_V2 abbreviates MP_REACH to next-hop length + next hop (RFC 6396 4.3.4);
        // like bgpdump, a non-zero first byte means that form, read as an IPv6 unicast next hop
        if (v.left() > 0 && v.b[v.pos] !== 0) {
          a.announce ??= new Map();
          if (!a.announce.has(AFI.IPV6 * 256 + 1)) a.announce.set(AFI.IPV6 * 256 + 1, { afi: AFI.IPV6, safi: 1, ...mpNextHop(v, AFI.IPV6), prefixes: [] });
          break;
        }
        const afi = v.u16();
        const safi = v.u8();
        if (afi > 2 || safi > 3 || afi === 0 || safi === 0) break; // bgpdump ignores other AFI/SAFI (VPN, labeled, flowspec)
        const key = afi * 256 + safi;
        a.announce ??= new Map();
        if (a.announce.has(key)) break;
        const nh = mpNextHop(v, afi);
        const snpa = v.u8();
        for (let i = 0; i < snpa; i++) v.skip(v.u8());
        a.announce.set(key, { afi, safi, ...nh, prefixes: readPrefixes(v, afi, addPath, problem) });
        break;
      }
      case ATTR.MP_UNREACH_NLRI: {
        a.hasMpUnreach = true;
        const afi = v.u16();
        const safi = v.u8();
        if (afi > 2 || safi > 3 || afi === 0 || safi === 0) break;
        const key = afi * 256 + safi;
        a.withdraw ??= new Map();
        if (a.withdraw.has(key)) break;
        a.withdraw.set(key, { afi, safi, nextHop: '', nextHopLocal: null, prefixes: readPrefixes(v, afi, addPath, problem) });
        break;
      }
      default:
        break;
    }
  }
  // RFC 6793 transition (2-byte sessions only), in bgpdump's order: an AGGREGATOR that is not
  // AS_TRANS beside an AS4_AGGREGATOR ends the reconstruction before AS4_PATH is looked at
  let mergePath = true;
  if (asnLen === 2 && aggAddr !== null && agg4Addr !== null) {
    if (aggAs !== AS_TRANS) mergePath = false;
    else {
      aggAs = agg4As;
      aggAddr = agg4Addr;
    }
  }
  if (asnLen === 2 && mergePath && as4 && a.asPath && pathCount(a.asPath) >= pathCount(as4)) a.asPath = mergeAs4(a.asPath, as4);
  if (asnLen === 2 && as4 === null) problem('AS4_PATH malformed');
  if (aggAddr !== null && aggAddr !== '255.255.255.255') a.aggregator = `${aggAs >>> 0} ${aggAddr}`;
  a.asPathText = pathBad ? '! Error !' : a.asPath === null ? '' : asPathText(a.asPath);
  return a;
}
