import { readAttributes, readPrefixes, AFI, type PathAttributes } from './attributes.js';
import { Cursor, fmtIpv4, fmtIpv6, maskPrefix } from './bytes.js';
import { MSG } from './messages.js';

/** MRT record types (RFC 6396, 8050) this reader knows. */
export const MRT_TYPE = { BGP: 5, TABLE_DUMP: 12, TABLE_DUMP_V2: 13, BGP4MP: 16, BGP4MP_ET: 17 } as const;

/** What a route row is: a RIB entry, an announcement, a withdrawal or a session state change. */
export type RouteKind = 'B' | 'A' | 'W' | 'STATE';

/** One route (one line of `bgpdump -m`). */
export interface Route {
  /** Byte offset of the MRT record in the (decompressed) file. */
  offset: number;
  /** Seconds since the epoch (MRT header). */
  time: number;
  /** BGP4MP_ET microseconds, null for other types. */
  micro: number | null;
  /** bgpdump's first field: TABLE_DUMP, TABLE_DUMP2, TABLE_DUMP2_AP, BGP4MP, BGP4MP_ET, BGP4MP_AP, BGP4MP_LOCAL, ..., BGP. */
  format: string;
  kind: RouteKind;
  peer: string;
  peerAs: number;
  /** `a.b.c.d/len`; null for STATE rows. */
  prefix: string | null;
  /** ADD-PATH path identifier (RFC 7911), null without ADD-PATH. */
  pathId: number | null;
  /** Path attributes (shared by the prefixes of one UPDATE / RIB entry); null for W and STATE rows. */
  attrs: PathAttributes | null;
  /** Next hop as bgpdump prints it on this row (NEXT_HOP, or the MP_REACH next hop). */
  nextHop: string | null;
  /** bgpdump prints LOCAL_PREF and MED of MP_REACH IPv4 routes as signed 32-bit numbers. */
  signedMetrics: boolean;
  oldState: number | null;
  newState: number | null;
}

export interface MrtIssue {
  /** Byte offset of the MRT record (decompressed stream). */
  offset: number;
  reason: string;
}

export interface MrtReport {
  source: string;
  /** MRT records read (complete headers). */
  records: number;
  /** Routes (rows) produced. */
  routes: number;
  /** Records not decoded, with their offsets (capped at `maxListed`; `reasons` counts all). */
  skipped: MrtIssue[];
  /** Records decoded with a problem (e.g. a truncated attribute), with their offsets (capped). */
  warnings: MrtIssue[];
  reasons: Record<string, number>;
  /** True when the file ends inside a record (everything before it is loaded). */
  truncated: boolean;
}

export interface DecodeOptions {
  source?: string;
  maxListed?: number;
  /** A problem found before decoding (a cut gzip/bzip2 stream): reported where the bytes end. */
  inputProblem?: string | null;
}

interface Peer {
  ip: string;
  as: number;
}

const BGP_STATE_NAMES = ['Unknown', 'Idle', 'Connect', 'Active', 'Opensent', 'Openconfirm', 'Established'] as const;
export const bgpStateName = (n: number): string => BGP_STATE_NAMES[n] ?? String(n);

/** MP key order in which bgpdump prints MP_(UN)REACH prefixes: IPv4 then IPv6, SAFI 1, 2, 3. */
const MP_V4 = [AFI.IPV4 * 256 + 1, AFI.IPV4 * 256 + 2, AFI.IPV4 * 256 + 3];
const MP_V6 = [AFI.IPV6 * 256 + 1, AFI.IPV6 * 256 + 2, AFI.IPV6 * 256 + 3];

/**
 * Decodes MRT records (RFC 6396; ADD-PATH RFC 8050) into route rows, in file order and in the
 * order bgpdump prints them within a record. A record that cannot be decoded is reported with its
 * byte offset and skipped; a file that ends inside a record keeps every record before it.
 */
export function decodeMrt(buf: Uint8Array, opts: DecodeOptions = {}, sink?: (r: Route) => void): { routes: Route[]; report: MrtReport } {
  const maxListed = opts.maxListed ?? 50;
  const report: MrtReport = { source: opts.source ?? '<bytes>', records: 0, routes: 0, skipped: [], warnings: [], reasons: {}, truncated: false };
  const kept: Route[] = [];
  // a sink sees each route as it is decoded (nothing is kept): `runbook mrt` prints that way
  const routes: { push(r: Route): void; length: number } = sink ? { push: (r: Route) => { report.routes++; sink(r); }, length: 0 } : kept;
  const note = (list: MrtIssue[], offset: number, reason: string) => {
    report.reasons[reason] = (report.reasons[reason] ?? 0) + 1;
    if (list.length < maxListed) list.push({ offset, reason });
  };
  const skip = (offset: number, reason: string) => note(report.skipped, offset, reason);
  const warn = (offset: number, a: PathAttributes) => {
    if (a.problems) for (const p of a.problems) note(report.warnings, offset, p);
  };
  let peers: Peer[] | null = null;
  const n = buf.length;
  let o = 0;
  while (o < n) {
    if (o + 12 > n) {
      report.truncated = true;
      skip(o, MSG.truncatedHeader(n - o));
      break;
    }
    const time = ((buf[o] as number) * 16777216) + (((buf[o + 1] as number) << 16) | ((buf[o + 2] as number) << 8) | (buf[o + 3] as number));
    const type = ((buf[o + 4] as number) << 8) | (buf[o + 5] as number);
    const subtype = ((buf[o + 6] as number) << 8) | (buf[o + 7] as number);
    const length = ((buf[o + 8] as number) * 16777216) + (((buf[o + 9] as number) << 16) | ((buf[o + 10] as number) << 8) | (buf[o + 11] as number));
    const rec = o;
    let body = o + 12;
    let micro: number | null = null;
    let len = length;
    if (type === MRT_TYPE.BGP4MP_ET) {
      if (body + 4 > n) {
        report.truncated = true;
        skip(rec, MSG.truncatedHeader(n - o));
        break;
      }
      if (length < 4) {
        report.records++;
        skip(rec, MSG.etTooShort(length));
        o = body + length;
        continue;
      }
      micro = ((buf[body] as number) * 16777216) + (((buf[body + 1] as number) << 16) | ((buf[body + 2] as number) << 8) | (buf[body + 3] as number));
      body += 4;
      len -= 4;
    }
    report.records++;
    if (body + len > n) {
      report.truncated = true;
      skip(rec, MSG.truncatedRecord(n - body, len));
      break;
    }
    o = body + len;
    const c = new Cursor(buf, body, body + len);
    const before = kept.length;
    switch (type) {
      case MRT_TYPE.TABLE_DUMP: {
        if (subtype < 1 || subtype > 4) {
          skip(rec, MSG.unsupportedSubtype('TABLE_DUMP', subtype));
          break;
        }
        const v6 = subtype === 2 || subtype === 4;
        c.skip(4); // view, sequence
        // bgpdump formats the addresses as IPv6 only for subtype AFI_IPv6 (2)
        const as6 = subtype === 2;
        const prefixText = v6 ? (as6 ? c.ipv6() : fmtIpv4(c.bytes(16), 0)) : c.ipv4();
        const mask = c.u8();
        c.skip(5); // status, originated time
        const peerText = v6 ? (as6 ? c.ipv6() : fmtIpv4(c.bytes(16), 0)) : c.ipv4();
        const peerAs = subtype >= 3 ? c.u32() : c.u16();
        const attrs = readAttributes(c, subtype >= 3 ? 4 : 2, false);
        warn(rec, attrs);
        const mp6 = attrs.hasMpReach ? attrs.announce?.get(AFI.IPV6 * 256 + 1) : undefined;
        routes.push({
          offset: rec, time, micro, format: 'TABLE_DUMP', kind: 'B', peer: peerText, peerAs, prefix: `${prefixText}/${mask}`,
          pathId: null, attrs, nextHop: mp6 ? mp6.nextHop : attrs.nextHop, signedMetrics: false, oldState: null, newState: null,
        });
        break;
      }
      case MRT_TYPE.TABLE_DUMP_V2: {
        if (subtype === 1) {
          peers = readPeerIndex(c);
          break;
        }
        const addPath = subtype >= 8 && subtype <= 12;
        const base = addPath ? subtype - 6 : subtype;
        if (base !== 2 && base !== 4) {
          skip(rec, MSG.unsupportedSubtype('TABLE_DUMP_V2', subtype));
          break;
        }
        if (!peers) {
          skip(rec, MSG.noPeerIndex);
          break;
        }
        const v6 = base === 4;
        c.skip(4); // sequence
        const plen = c.u8();
        const addr = new Uint8Array(v6 ? 16 : 4);
        c.read(addr, (plen + 7) >> 3);
        maskPrefix(addr, Math.min(plen, addr.length * 8));
        const prefix = `${v6 ? fmtIpv6(addr, 0) : fmtIpv4(addr, 0)}/${plen}`;
        const count = c.u16();
        const format = addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2';
        for (let i = 0; i < count; i++) {
          const pi = c.u16();
          c.skip(4); // originated time
          const pathId = addPath ? c.u32() : null;
          const attrs = readAttributes(c, 4, addPath);
          warn(rec, attrs);
          const peer = peers[pi];
          if (!peer) {
            skip(rec, MSG.badPeerIndex(pi, peers.length));
            continue;
          }
          const mp6 = attrs.hasMpReach ? attrs.announce?.get(AFI.IPV6 * 256 + 1) : undefined;
          routes.push({
            offset: rec, time, micro, format, kind: 'B', peer: peer.ip, peerAs: peer.as, prefix, pathId, attrs,
            nextHop: mp6 ? mp6.nextHop : attrs.nextHop, signedMetrics: false, oldState: null, newState: null,
          });
        }
        break;
      }
      case MRT_TYPE.BGP4MP:
      case MRT_TYPE.BGP4MP_ET:
        bgp4mp(c, rec, time, micro, type, subtype, routes, skip, warn, len);
        break;
      case MRT_TYPE.BGP:
        legacyBgp(c, rec, time, subtype, routes, warn);
        break;
      default:
        skip(rec, MSG.unknownType(type, subtype));
    }
    if (!sink) report.routes += kept.length - before;
  }
  if (opts.inputProblem) {
    report.truncated = true;
    skip(n, opts.inputProblem);
  }
  return { routes: kept, report };
}

function readPeerIndex(c: Cursor): Peer[] {
  c.skip(4); // collector BGP ID
  c.skip(c.u16()); // view name
  const count = c.u16();
  const out: Peer[] = [];
  for (let i = 0; i < count; i++) {
    const t = c.u8();
    c.skip(4); // peer BGP ID
    const ip = t & 1 ? c.ipv6() : c.ipv4();
    const as = t & 2 ? c.u32() : c.u16();
    out.push({ ip, as });
  }
  return out;
}

type RouteSink = { push(r: Route): void };
type Skip = (offset: number, reason: string) => void;
type Warn = (offset: number, a: PathAttributes) => void;

function bgp4mp(c: Cursor, rec: number, time: number, micro: number | null, type: number, subtype: number, routes: RouteSink, skip: Skip, warn: Warn, len: number): void {
  const et = type === MRT_TYPE.BGP4MP_ET;
  if (subtype === 0 || subtype === 5) {
    const asnLen = subtype === 5 ? 4 : 2;
    const peerAs = asnLen === 4 ? c.u32() : c.u16();
    c.skip(asnLen); // local AS
    let peer = '0.0.0.0';
    let oldState: number;
    let newState: number;
    if (len === 8) {
      // zebra wrote 8-byte state changes without addresses; bgpdump reads the states anyway
      oldState = c.u16();
      newState = c.u16();
    } else {
      c.skip(2); // interface index
      const afi = c.u16();
      if (afi === AFI.IPV4) {
        if (len !== 20 && len !== 24) return skip(rec, MSG.stateChangeLength(len));
        peer = fmtIpv4(c.bytes(4), 0);
        c.skip(4);
      } else if (afi === AFI.IPV6) {
        if (len !== 44 && len !== 48) return skip(rec, MSG.stateChangeLength(len));
        peer = fmtIpv6(c.bytes(16), 0);
        c.skip(16);
      } else return skip(rec, MSG.unsupportedAfi(afi));
      oldState = c.u16();
      newState = c.u16();
    }
    routes.push({
      offset: rec, time, micro, format: et ? 'BGP4MP_ET' : 'BGP4MP', kind: 'STATE', peer, peerAs, prefix: null, pathId: null,
      attrs: null, nextHop: null, signedMetrics: false, oldState, newState,
    });
    return;
  }
  if (subtype < 1 || subtype > 11 || subtype === 2 || subtype === 3 || subtype === 5) return skip(rec, MSG.unsupportedSubtype(et ? 'BGP4MP_ET' : 'BGP4MP', subtype));
  const as4 = subtype === 4 || subtype === 7 || subtype === 9 || subtype === 11;
  const local = subtype === 6 || subtype === 7 || subtype === 10 || subtype === 11;
  const addPath = subtype >= 8;
  const asnLen = as4 ? 4 : 2;
  const a1 = asnLen === 4 ? c.u32() : c.u16();
  const a2 = asnLen === 4 ? c.u32() : c.u16();
  const ifIndex = c.u16();
  let afi = c.u16();
  let ip1: Uint8Array;
  let marker: Uint8Array;
  if (afi === AFI.IPV4 || afi === AFI.IPV6) {
    const w = afi === AFI.IPV4 ? 4 : 16;
    ip1 = c.bytes(w);
    c.skip(w);
    marker = c.bytes(16);
  } else if (afi === 0xffff && ifIndex === 0xffff) {
    // zebra wrote OPENs without interface and addresses (bgpdump's workaround)
    afi = AFI.IPV4;
    ip1 = new Uint8Array(4);
    marker = new Uint8Array(16);
    marker.fill(0xff, 0, 4);
    marker.set(c.bytes(12), 4);
  } else return skip(rec, MSG.unsupportedAfi(afi));
  for (let i = 0; i < 16; i++) if (marker[i] !== 0xff) return skip(rec, MSG.badMarker);
  // the peer is the sender of a received message, the receiver of a sent (LOCAL) one: either way the first address/AS read
  const peerAs = a1;
  void a2;
  const peer = afi === AFI.IPV6 ? fmtIpv6(ip1, 0) : fmtIpv4(ip1, 0);
  const size = c.u16();
  const m = c.sub(Math.max(0, size - 18));
  const msgType = m.u8();
  if (msgType !== 2) return; // OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH carry no routes
  let format = et ? 'BGP4MP_ET' : 'BGP4MP';
  if (local) format += '_LOCAL';
  if (addPath) format += '_AP';
  const problems: string[] = [];
  const problem = (p: string) => void problems.push(p);
  const withdrawn = readPrefixes(m.sub(m.u16()), AFI.IPV4, addPath, problem);
  const attrs = readAttributes(m, asnLen, addPath);
  const nlri = readPrefixes(m, AFI.IPV4, addPath, problem);
  if (problems.length) (attrs.problems ??= []).push(...problems);
  warn(rec, attrs);
  const row = (kind: RouteKind, p: { text: string; pathId: number | null }, nextHop: string | null, signedMetrics: boolean): Route => ({
    offset: rec, time, micro, format, kind, peer, peerAs, prefix: p.text, pathId: p.pathId, attrs: kind === 'A' ? attrs : null,
    nextHop, signedMetrics, oldState: null, newState: null,
  });
  for (const p of withdrawn) routes.push(row('W', p, null, false));
  for (const k of [...MP_V4, ...MP_V6]) for (const p of attrs.withdraw?.get(k)?.prefixes ?? []) routes.push(row('W', p, null, false));
  for (const p of nlri) routes.push(row('A', p, attrs.nextHop, false));
  for (const k of MP_V4) {
    const mp = attrs.announce?.get(k);
    if (mp) for (const p of mp.prefixes) routes.push(row('A', p, mp.nextHop, true));
  }
  for (const k of MP_V6) {
    const mp = attrs.announce?.get(k);
    if (mp) for (const p of mp.prefixes) routes.push(row('A', p, mp.nextHop, false));
  }
}

/** The pre-RFC 6396 MRT `BGP` type (5): UPDATE and STATE_CHANGE, 2-byte ASNs, IPv4 only. */
function legacyBgp(c: Cursor, rec: number, time: number, subtype: number, routes: RouteSink, warn: Warn): void {
  const base = { offset: rec, time, micro: null, format: 'BGP', pathId: null, signedMetrics: false };
  if (subtype === 3) {
    const peerAs = c.u16();
    const peer = fmtIpv4(c.bytes(4), 0);
    const oldState = c.u16();
    const newState = c.u16();
    routes.push({ ...base, kind: 'STATE', peer, peerAs, prefix: null, attrs: null, nextHop: null, oldState, newState });
    return;
  }
  if (subtype !== 1) return;
  const peerAs = c.u16();
  const peer = fmtIpv4(c.bytes(4), 0);
  c.skip(6);
  const withdrawn = readPrefixes(c.sub(c.u16()), AFI.IPV4, false);
  const attrs = readAttributes(c, 2, false);
  warn(rec, attrs);
  const nlri = readPrefixes(c, AFI.IPV4, false);
  for (const p of withdrawn) routes.push({ ...base, kind: 'W', peer, peerAs, prefix: p.text, attrs: null, nextHop: null, oldState: null, newState: null });
  for (const p of nlri) routes.push({ ...base, kind: 'A', peer, peerAs, prefix: p.text, attrs, nextHop: attrs.nextHop, oldState: null, newState: null });
}
