import { formatGroups } from '../address.js';
import type { ColumnBuilder } from './columns.js';
import { DNS_FIELD, FIELD, TCP_FIELD, TUNNEL_FIELD } from './fields.js';
import { addHeader, putTarget, parseCookies, splitRequestLine } from './http-fields.js';
import { MSG } from './messages.js';
import { quicInitialCrypto } from './quic.js';
import { clientHelloNeeds, parseClientHello, parseClientHelloMessage, type ClientHello } from './tls.js';

/** Link-layer header types (tcpdump.org/linktypes.html) this decoder understands. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  RAW_12: 12,
  RAW_14: 14,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const u16 = (b: Uint8Array, o: number): number => ((b[o] as number) << 8) | (b[o + 1] as number);
const u32 = (b: Uint8Array, o: number): number =>
  (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;

export function ipv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form (lower-case, longest run of 2+ zero groups as ::), as tshark prints it. */
export function ipv6(b: Uint8Array, o: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = u16(b, o + i * 2);
  return formatGroups(g);
}

/** Encapsulations decoded: IP-in-IP (4, 41), GRE (47), and UDP-borne ones (told apart by port). */
type Tunnel = 'ip4' | 'ip6' | 'gre' | 'udp';
const MAX_TUNNEL_DEPTH = 8;

interface OuterIp {
  version: number;
  src: string;
  dst: string;
  proto: number;
  len: number;
  ttl: number;
  d: Uint8Array;
  o: number;
  end: number;
}

/**
 * Is this IP payload a tunnel? IP-in-IP and GRE by protocol; VXLAN (4789), GENEVE (6081) and
 * GRE-in-UDP (4754) by destination port; Teredo (3544, either port) only when an IPv6 header
 * with a consistent length follows, so ordinary traffic from port 3544 stays what it is.
 */
function tunnelOf(proto: number, d: Uint8Array, o: number, end: number): Tunnel | null {
  if (proto === 4) return 'ip4';
  if (proto === 41) return 'ip6';
  if (proto === 47) return 'gre';
  if (proto !== 17 || end < o + 8) return null;
  const sport = u16(d, o);
  const dport = u16(d, o + 2);
  if (dport === 4789 || dport === 6081 || dport === 4754) return 'udp';
  if (sport === 3544 || dport === 3544) {
    const p = teredoStart(d, o + 8, end);
    if (p + 40 <= end && ((d[p] as number) >> 4) === 6 && p + 40 + u16(d, p + 4) === end) return 'udp';
  }
  return null;
}

/** Where the IPv6 packet of a Teredo datagram starts (after its indications, RFC 4380 5.1.1). */
function teredoStart(d: Uint8Array, p: number, end: number): number {
  if (p + 4 <= end && d[p] === 0 && d[p + 1] === 1) p += 4 + (d[p + 2] as number) + (d[p + 3] as number) + 9; // authentication
  if (p + 8 <= end && d[p] === 0 && d[p + 1] === 0) p += 8; // origin indication
  return p;
}

/**
 * A domain name at `o` (RFC 1035 4.1.4): its text as tshark prints it (labels joined by '.',
 * '<Root>' for the root, bytes outside printable ASCII as \\ddd) and where the name ends in the
 * message (after the first pointer), or null when it runs past the message, loops or is too long.
 */
export function dnsName(p: Uint8Array, o: number): { text: string; end: number } | null {
  const labels: string[] = [];
  let end = -1;
  let jumps = 0;
  let size = 0;
  for (;;) {
    if (o >= p.length) return null;
    const len = p[o] as number;
    if (len === 0) {
      if (end < 0) end = o + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (o + 1 >= p.length || ++jumps > 64) return null;
      if (end < 0) end = o + 2;
      o = ((len & 0x3f) << 8) | (p[o + 1] as number);
      continue;
    }
    if ((len & 0xc0) !== 0 || o + 1 + len > p.length) return null;
    size += len + 1;
    if (size > 255) return null;
    let label = '';
    for (let i = o + 1; i <= o + len; i++) {
      const c = p[i] as number;
      label += c > 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString().padStart(3, '0')}`;
    }
    labels.push(label);
    o += 1 + len;
  }
  return { text: labels.length ? labels.join('.') : '<Root>', end };
}

/** A TCP payload waiting for more segments (ClientHello or HTTP header block spanning packets). */
interface Pending {
  kind: 'tls' | 'http';
  row: number;
  nextSeq: number;
  parts: Uint8Array[];
  size: number;
  need: number; // tls: bytes needed; http: 0 (until CRLFCRLF)
  segments: number;
}

/** A value to write into an earlier row once the table is built (reassembled requests). */
export interface LateWrite {
  row: number;
  name: string;
  value: unknown;
}

/** End of an HTTP header block (CRLFCRLF, or bare LFLF as some clients send), or -1. */
function headerEnd(b: Buffer): number {
  const crlf = b.indexOf('\r\n\r\n');
  const lf = b.indexOf('\n\n');
  if (crlf < 0) return lf;
  if (lf < 0) return crlf;
  return Math.min(crlf, lf);
}

const MAX_PENDING_BYTES = 64 * 1024;
const MAX_PENDING_SEGMENTS = 16;
const HTTP_METHOD = /^(GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|SEARCH) /;

/**
 * Decodes packets into columns: link layer -> (VLAN/MPLS) -> IPv4/IPv6 (+fragments, extension
 * headers) -> TCP/UDP/ICMP, plus HTTP/1 requests and TLS ClientHellos (JA3/JA4) found in TCP
 * payloads, reassembled across a few in-order segments. Malformed headers leave the rest of the
 * row null and are counted as warnings; they never throw.
 */
export class PacketDecoder {
  private readonly pending = new Map<string, Pending>();
  /** DNS over TCP: per flow, the sequence number where the next length-prefixed message starts. */
  private readonly dnsNext = new Map<string, number>();
  readonly late: LateWrite[] = [];
  /** Tunnel layers entered for the current packet. */
  private depth = 0;
  /** Tunnel names of the current packet, outer to inner. */
  private tunnelTypes: string[] = [];
  /** Did the current packet write an IP layer (inside its tunnels)? */
  private ipSeen = false;

  constructor(private readonly b: ColumnBuilder) {}

  /** Decodes one frame into the current row (caller sets frame.* and calls b.next()). */
  decode(link: number, d: Uint8Array): void {
    this.depth = 0;
    this.tunnelTypes = [];
    this.ipSeen = false;
    switch (link) {
      case LINKTYPE.ETHERNET:
        return this.ether(d, 0);
      case LINKTYPE.NULL:
      case LINKTYPE.LOOP: {
        if (d.length < 4) return this.b.warn(MSG.decodeTruncated('loopback'));
        // NULL: family in the capturing host's byte order; LOOP: network order
        const le = (d[0] as number) | ((d[1] as number) << 8);
        const fam = link === LINKTYPE.LOOP ? u32(d, 0) : le !== 0 ? le : u32(d, 0);
        if (fam === 2) return this.ip4(d, 4);
        if (fam === 24 || fam === 28 || fam === 30 || fam === 10) return this.ip6(d, 4);
        return;
      }
      case LINKTYPE.RAW:
      case LINKTYPE.RAW_12:
      case LINKTYPE.RAW_14:
      case LINKTYPE.IPV4:
      case LINKTYPE.IPV6:
        return this.rawIp(d, 0);
      case LINKTYPE.LINUX_SLL:
        if (d.length < 16) return this.b.warn(MSG.decodeTruncated('Linux SLL'));
        return this.etherType(u16(d, 14), d, 16);
      case LINKTYPE.LINUX_SLL2:
        if (d.length < 20) return this.b.warn(MSG.decodeTruncated('Linux SLL2'));
        return this.etherType(u16(d, 0), d, 20);
      default:
        this.b.warn(MSG.pcapUnknownLink(link));
    }
  }

  private rawIp(d: Uint8Array, o: number): void {
    const v = (d[o] ?? 0) >> 4;
    if (v === 4) this.ip4(d, o);
    else if (v === 6) this.ip6(d, o);
  }

  private ether(d: Uint8Array, o: number): void {
    if (d.length < o + 14) return this.b.warn(MSG.decodeTruncated('Ethernet'));
    this.etherType(u16(d, o + 12), d, o + 14);
  }

  private etherType(type: number, d: Uint8Array, o: number): void {
    const b = this.b;
    for (let hops = 0; hops < 8; hops++) {
      if (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
        if (d.length < o + 4) return b.warn(MSG.decodeTruncated('VLAN'));
        b.put(FIELD.vlanId, u16(d, o) & 0x0fff);
        type = u16(d, o + 2);
        o += 4;
        continue;
      }
      if (type === 0x8847 || type === 0x8848) {
        // MPLS label stack until bottom-of-stack, then guess the payload by its first nibble
        for (;;) {
          if (d.length < o + 4) return b.warn(MSG.decodeTruncated('MPLS'));
          const bos = (d[o + 2] as number) & 1;
          o += 4;
          if (bos) break;
        }
        b.put('eth.type', type);
        const nib = (d[o] ?? 0) >> 4;
        if (nib === 4 || nib === 6) return this.rawIp(d, o);
        if (nib === 0) return this.ether(d, o + 4); // pseudowire control word, then Ethernet
        return;
      }
      break;
    }
    b.put('eth.type', type);
    if (type === 0x0800) this.ip4(d, o);
    else if (type === 0x86dd) this.ip6(d, o);
  }

  private ip4(d: Uint8Array, o: number): void {
    const b = this.b;
    if (d.length < o + 20) return b.warn(MSG.decodeTruncated('IPv4'));
    const ihl = ((d[o] as number) & 0x0f) * 4;
    const total = u16(d, o + 2);
    const flagsOff = u16(d, o + 6);
    const proto = d[o + 9] as number;
    const frag = flagsOff & 0x1fff; // 8-byte units, as tshark shows ip.frag_offset
    const src = ipv4(d, o + 12);
    const dst = ipv4(d, o + 16);
    // the IP total length bounds the payload (Ethernet pads short frames)
    const end = Math.min(d.length, total >= ihl ? o + total : d.length);
    if (ihl >= 20 && frag === 0 && this.depth < MAX_TUNNEL_DEPTH) {
      const t = tunnelOf(proto, d, o + ihl, end);
      if (t !== null) return this.decap(t, d, o + ihl, end, { version: 4, src, dst, proto, len: total, ttl: d[o + 8] as number, d, o: o + ihl, end });
    }
    this.ipSeen = true;
    b.put(FIELD.ipVersion, 4);
    b.putStr(FIELD.ipSrc, src);
    b.putStr(FIELD.ipDst, dst);
    b.put(FIELD.ipProto, proto);
    b.put(FIELD.ipLen, total);
    b.put(FIELD.ipTtl, d[o + 8]);
    b.put(FIELD.ipId, u16(d, o + 4));
    b.put(FIELD.ipFlagsDf, (flagsOff & 0x4000) !== 0);
    b.put(FIELD.ipFlagsMf, (flagsOff & 0x2000) !== 0);
    b.put(FIELD.ipFragOffset, frag);
    if (ihl < 20) return b.warn(MSG.decodeTruncated('IPv4 (bad header length)'));
    if (frag !== 0) return; // later fragment: no transport header here
    this.transport(proto, d, o + ihl, end, src, dst);
  }

  private ip6(d: Uint8Array, o: number): void {
    const b = this.b;
    if (d.length < o + 40) return b.warn(MSG.decodeTruncated('IPv6'));
    const plen = u16(d, o + 4);
    let nh = d[o + 6] as number;
    const src = ipv6(d, o + 8);
    const dst = ipv6(d, o + 24);
    const end = Math.min(d.length, o + 40 + plen || d.length);
    let p = o + 40;
    let frag = 0;
    let mf = false;
    let id: number | null = null;
    let cut: string | null = null;
    for (let i = 0; i < 8; i++) {
      if (nh === 0 || nh === 43 || nh === 60) {
        if (end < p + 8) {
          cut = 'IPv6 extension';
          break;
        }
        const next = d[p] as number;
        p += ((d[p + 1] as number) + 1) * 8;
        nh = next;
      } else if (nh === 44) {
        if (end < p + 8) {
          cut = 'IPv6 fragment';
          break;
        }
        const next = d[p] as number;
        const fo = u16(d, p + 2);
        frag = fo >> 3;
        mf = (fo & 1) === 1;
        id = u32(d, p + 4);
        p += 8;
        nh = next;
      } else if (nh === 51) {
        if (end < p + 2) {
          cut = 'IPv6 AH';
          break;
        }
        const next = d[p] as number;
        p += ((d[p + 1] as number) + 2) * 4;
        nh = next;
      } else break;
    }
    if (cut === null && frag === 0 && this.depth < MAX_TUNNEL_DEPTH) {
      const t = tunnelOf(nh, d, p, end);
      if (t !== null) return this.decap(t, d, p, end, { version: 6, src, dst, proto: nh, len: plen + 40, ttl: d[o + 7] as number, d, o: p, end });
    }
    this.ipSeen = true;
    b.put(FIELD.ipVersion, 6);
    b.putStr(FIELD.ipSrc, src);
    b.putStr(FIELD.ipDst, dst);
    b.put(FIELD.ipLen, plen + 40);
    b.put(FIELD.ipTtl, d[o + 7]);
    if (id !== null) b.put(FIELD.ipId, id);
    if (cut !== null) return b.warn(MSG.decodeTruncated(cut));
    b.put(FIELD.ipProto, nh);
    b.put(FIELD.ipFragOffset, frag);
    b.put(FIELD.ipFlagsMf, mf);
    if (frag !== 0) return;
    this.transport(nh, d, p, end, src, dst);
  }

  /**
   * One tunnel layer: the outer header's addresses go to tunnel.outer.* (the outermost layer
   * only), the payload is decoded as the packet, so ip.src/ip.dst and ports are the inner ones. If
   * nothing inside decodes as IP (a cut capture), the outer header fills ip.* after all.
   */
  private decap(t: Tunnel, d: Uint8Array, o: number, end: number, outer: OuterIp): void {
    const b = this.b;
    this.depth++;
    if (this.depth === 1) {
      b.putStr(TUNNEL_FIELD.outerSrc, outer.src);
      b.putStr(TUNNEL_FIELD.outerDst, outer.dst);
      b.put(TUNNEL_FIELD.outerProto, outer.proto);
      b.put(TUNNEL_FIELD.outerLen, outer.len);
      b.put(TUNNEL_FIELD.outerVersion, outer.version);
    }
    const types: string[] = this.tunnelTypes;
    const before = this.ipSeen;
    this.ipSeen = false;
    this.payloadIn(t, d, o, end, types, outer.version);
    b.put(TUNNEL_FIELD.type, types.join('/'));
    b.put(TUNNEL_FIELD.depth, types.length);
    if (!this.ipSeen) {
      // nothing decodable inside: the row keeps the outer packet as its IP layer
      this.ipSeen = true;
      b.put(FIELD.ipVersion, outer.version);
      b.putStr(FIELD.ipSrc, outer.src);
      b.putStr(FIELD.ipDst, outer.dst);
      b.put(FIELD.ipProto, outer.proto);
      b.put(FIELD.ipLen, outer.len);
      b.put(FIELD.ipTtl, outer.ttl);
      if (outer.proto === 17 && outer.end >= outer.o + 8) {
        b.put(FIELD.udpSrcPort, u16(outer.d, outer.o));
        b.put(FIELD.udpDstPort, u16(outer.d, outer.o + 2));
        b.put(FIELD.udpLength, u16(outer.d, outer.o + 4));
      }
    } else this.ipSeen = this.ipSeen || before;
    this.depth--;
  }

  /** Decodes the payload a tunnel header carries (recursing for tunnels in tunnels). */
  private payloadIn(t: Tunnel, d: Uint8Array, o: number, end: number, types: string[], outerVersion: number): void {
    const b = this.b;
    const inner = d.subarray(0, end);
    switch (t) {
      case 'ip4':
      case 'ip6': {
        const v = ((inner[o] ?? 0) >> 4) === 6 ? 6 : 4;
        types.push(`${v}in${outerVersion}`);
        return v === 6 ? this.ip6(inner, o) : this.ip4(inner, o);
      }
      case 'gre':
        return this.gre(inner, o, types, 'gre');
      case 'udp': {
        const dport = u16(d, o + 2);
        const sport = u16(d, o);
        const p = o + 8;
        if (dport === 4789 || sport === 4789) {
          types.push('vxlan');
          if (end < p + 8) return b.warn(MSG.decodeTruncated('VXLAN'));
          b.put(TUNNEL_FIELD.vni, (u32(d, p + 4) >>> 8) & 0xffffff);
          return this.ether(inner, p + 8);
        }
        if (dport === 6081 || sport === 6081) {
          types.push('geneve');
          if (end < p + 8) return b.warn(MSG.decodeTruncated('GENEVE'));
          const optLen = ((d[p] as number) & 0x3f) * 4;
          const proto = u16(d, p + 2);
          b.put(TUNNEL_FIELD.vni, (u32(d, p + 4) >>> 8) & 0xffffff);
          const q = p + 8 + optLen;
          if (end < q) return b.warn(MSG.decodeTruncated('GENEVE options'));
          return this.tunnelPayload(proto, inner, q);
        }
        if (dport === 4754 || sport === 4754) return this.gre(inner, p, types, 'gre-udp');
        // Teredo (RFC 4380): optional authentication and origin indications, then IPv6
        types.push('teredo');
        return this.ip6(inner, teredoStart(d, p, end));
      }
    }
  }

  private tunnelPayload(etherType: number, d: Uint8Array, o: number): void {
    if (etherType === 0x6558) return this.ether(d, o);
    if (etherType === 0x0800) return this.ip4(d, o);
    if (etherType === 0x86dd) return this.ip6(d, o);
    this.b.put('eth.type', etherType);
  }

  /** GRE (RFC 2784/2890), PPTP's enhanced GRE (RFC 2637) and ERSPAN II/III inside it. */
  private gre(d: Uint8Array, o: number, types: string[], name: string): void {
    const b = this.b;
    if (d.length < o + 4) {
      types.push(name);
      return b.warn(MSG.decodeTruncated('GRE'));
    }
    const flags = u16(d, o);
    const proto = u16(d, o + 2);
    const version = flags & 7;
    let p = o + 4;
    if (version === 1) {
      // enhanced GRE: key present (payload length + call ID), sequence and ack optional
      types.push('pptp');
      if (flags & 0x2000) {
        b.put(TUNNEL_FIELD.greKey, u32(d, p));
        p += 4;
      }
      if (flags & 0x1000) {
        b.put(TUNNEL_FIELD.greSeq, u32(d, p));
        p += 4;
      }
      if (flags & 0x0080) p += 4;
      if (proto !== 0x880b) return;
      if (d.length <= p) return; // a bare acknowledgement
      // PPP: address/control (ff 03) may be compressed away; protocol 1 or 2 bytes
      if (d[p] === 0xff && d[p + 1] === 0x03) p += 2;
      let pp = d[p] as number;
      if (pp & 1) p += 1;
      else {
        pp = u16(d, p);
        p += 2;
      }
      if (pp === 0x21) return this.ip4(d, p);
      if (pp === 0x57) return this.ip6(d, p);
      return;
    }
    if (version !== 0 || (flags & 0x4f78) !== 0) {
      // routing present, strict source route, recursion control, reserved flags or an unknown version
      types.push(name);
      return b.warn(MSG.greReserved(flags));
    }
    if (flags & 0x8000) p += 4; // checksum + reserved1
    if (flags & 0x2000) {
      b.put(TUNNEL_FIELD.greKey, u32(d, p));
      p += 4;
    }
    if (flags & 0x1000) {
      b.put(TUNNEL_FIELD.greSeq, u32(d, p));
      p += 4;
    }
    if (d.length < p) {
      types.push(name);
      return b.warn(MSG.decodeTruncated('GRE'));
    }
    b.put(TUNNEL_FIELD.greProto, proto);
    if (proto === 0x88be || proto === 0x22eb) {
      types.push('erspan');
      if (proto === 0x88be && !(flags & 0x1000)) return this.ether(d, p); // ERSPAN type I: no header
      if (d.length < p + 8) return b.warn(MSG.decodeTruncated('ERSPAN'));
      const ver = (d[p] as number) >> 4;
      b.put(TUNNEL_FIELD.erspanVersion, ver + 1); // the type: version field 1 is type II, 2 is type III
      b.put(TUNNEL_FIELD.erspanSession, u16(d, p + 2) & 0x3ff);
      if (ver === 1) return this.ether(d, p + 8);
      if (d.length < p + 12) return b.warn(MSG.decodeTruncated('ERSPAN III'));
      const platform = ((d[p + 11] as number) & 1) === 1; // O bit: 8-byte platform-specific subheader
      return this.ether(d, p + 12 + (platform ? 8 : 0));
    }
    types.push(name);
    if (proto === 0x0800 || proto === 0x86dd || proto === 0x6558) {
      // GRE inside GRE: the next layer decides its own name
      return this.tunnelPayload(proto, d, p);
    }
    b.put('eth.type', proto);
  }

  private transport(proto: number, d: Uint8Array, o: number, end: number, src: string, dst: string): void {
    const b = this.b;
    if (proto === 6) {
      if (end < o + 20) return b.warn(MSG.decodeTruncated('TCP'));
      const sport = u16(d, o);
      const dport = u16(d, o + 2);
      const seq = u32(d, o + 4);
      const off = ((d[o + 12] as number) >> 4) * 4;
      const flags = (d[o + 13] as number) | (((d[o + 12] as number) & 1) << 8);
      b.put(FIELD.tcpSrcPort, sport);
      b.put(FIELD.tcpDstPort, dport);
      b.put(FIELD.tcpFlags, flags);
      b.put(FIELD.tcpSeq, seq);
      b.put(FIELD.tcpAck, u32(d, o + 8));
      b.put(FIELD.tcpWindow, u16(d, o + 14));
      if (off < 20) return b.warn(MSG.decodeTruncated('TCP (bad data offset)'));
      if (off > 20) this.tcpOptions(d, o + 20, Math.min(end, o + off));
      const payload = d.subarray(Math.min(end, o + off), end);
      b.put(FIELD.tcpLen, payload.length);
      if (payload.length > 0) {
        if (sport === 53 || dport === 53) this.dnsTcp(`${src}|${sport}|${dst}|${dport}`, seq, payload);
        else this.tcpPayload(`${src}|${sport}|${dst}|${dport}`, seq, payload);
      }
    } else if (proto === 17) {
      if (end < o + 8) return b.warn(MSG.decodeTruncated('UDP'));
      b.put(FIELD.udpSrcPort, u16(d, o));
      b.put(FIELD.udpDstPort, u16(d, o + 2));
      b.put(FIELD.udpLength, u16(d, o + 4));
      const payload = d.subarray(o + 8, end);
      if (u16(d, o) === 53 || u16(d, o + 2) === 53) this.dns(payload, u16(d, o + 4) - 8);
      if (payload.length >= 1136 && ((payload[0] as number) & 0xf0) === 0xc0) this.quic(`${src}|${u16(d, o)}|${dst}|${u16(d, o + 2)}`, payload);
    } else if (proto === 1 || proto === 58) {
      if (end < o + 2) return b.warn(MSG.decodeTruncated(proto === 1 ? 'ICMP' : 'ICMPv6'));
      b.put(FIELD.icmpType, d[o]);
      b.put(FIELD.icmpCode, d[o + 1]);
      // the next-hop MTU of "fragmentation needed" (RFC 1191) and "packet too big" (RFC 8201)
      if (proto === 1 && d[o] === 3 && d[o + 1] === 4 && end >= o + 8) b.put(TCP_FIELD.icmpMtu, u16(d, o + 6));
      else if (proto === 58 && d[o] === 2 && end >= o + 8) b.put(TCP_FIELD.icmpMtu, u32(d, o + 4));
      // echo identifier and sequence (RFC 792, RFC 4443 4.1): what pairs a probe with its answer
      const t = d[o] as number;
      if (end >= o + 8 && (proto === 1 ? t === 0 || t === 8 : t === 128 || t === 129)) {
        b.put(TCP_FIELD.icmpIdent, u16(d, o + 4));
        b.put(TCP_FIELD.icmpSeq, u16(d, o + 6));
      }
    }
  }

  /**
   * DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by a two-byte length. The
   * segment that starts a message gets the DNS columns (header and first question, from what it
   * carries; dns.length is the length prefix); segments that only continue a message get none.
   * Per flow, the sequence number where the next message starts tells the two apart. A segment
   * holding several messages shows the first.
   */
  private dnsTcp(flow: string, seq: number, p: Uint8Array): void {
    const next = this.dnsNext.get(flow);
    let off = 0;
    if (next !== undefined) {
      const behind = (next - seq) >>> 0; // bytes of the previous message still in this segment
      if (behind < 0x40000000) {
        if (behind >= p.length) return; // a continuation (or a retransmission of one)
        off = behind;
      } // else: data missing before this segment; take it as the start of a message
    }
    if (p.length - off < 2) return;
    const len = u16(p, off);
    this.dnsNext.set(flow, (seq + off + 2 + len) >>> 0);
    this.dns(p.subarray(off + 2, Math.min(p.length, off + 2 + len)), len);
  }

  /** A DNS message's header and first question (RFC 1035 4.1), names with compression pointers. */
  private dns(p: Uint8Array, declared: number): void {
    const b = this.b;
    if (p.length < 12) return b.warn(MSG.decodeTruncated('DNS'));
    const flags = u16(p, 2);
    const response = (flags & 0x8000) !== 0;
    const qd = u16(p, 4);
    b.put(DNS_FIELD.id, u16(p, 0));
    b.put(DNS_FIELD.response, response);
    if (response) b.put(DNS_FIELD.rcode, flags & 0x0f);
    b.put(DNS_FIELD.queries, qd);
    b.put(DNS_FIELD.answers, u16(p, 6));
    b.put(DNS_FIELD.authority, u16(p, 8));
    b.put(DNS_FIELD.additional, u16(p, 10));
    b.put(DNS_FIELD.length, declared >= 12 ? declared : p.length);
    if (qd === 0) return;
    const name = dnsName(p, 12);
    if (name === null) return b.warn(MSG.decodeTruncated('DNS name'));
    b.putStr(DNS_FIELD.qryName, name.text);
    if (name.end + 2 > p.length) return b.warn(MSG.decodeTruncated('DNS question'));
    b.put(DNS_FIELD.qryType, u16(p, name.end));
  }

  /** TCP options (RFC 9293, 7323, 2018): MSS, window scale, SACK permitted, timestamps. */
  private tcpOptions(d: Uint8Array, p: number, end: number): void {
    const b = this.b;
    while (p < end) {
      const kind = d[p] as number;
      if (kind === 0) return;
      if (kind === 1) {
        p++;
        continue;
      }
      if (p + 1 >= end) return b.warn(MSG.decodeTruncated('TCP options'));
      const len = d[p + 1] as number;
      if (len < 2 || p + len > end) return b.warn(MSG.decodeTruncated('TCP options'));
      if (kind === 2 && len === 4) b.put(TCP_FIELD.mss, u16(d, p + 2));
      else if (kind === 3 && len === 3) b.put(TCP_FIELD.wscale, d[p + 2]);
      else if (kind === 4 && len === 2) b.put(TCP_FIELD.sackPerm, true);
      else if (kind === 8 && len === 10) {
        b.put(TCP_FIELD.tsval, u32(d, p + 2));
        b.put(TCP_FIELD.tsecr, u32(d, p + 6));
      }
      p += len;
    }
  }

  private tcpPayload(flow: string, seq: number, p: Uint8Array): void {
    const pend = this.pending.get(flow);
    if (pend) {
      if (seq === pend.nextSeq) {
        pend.parts.push(Uint8Array.from(p));
        pend.size += p.length;
        pend.nextSeq = (seq + p.length) >>> 0;
        pend.segments++;
        const all = Buffer.concat(pend.parts);
        if (pend.kind === 'tls' ? all.length >= pend.need : headerEnd(all) >= 0) {
          this.pending.delete(flow);
          this.finishPayload(pend.kind, all, pend.row);
        } else if (pend.size > MAX_PENDING_BYTES || pend.segments > MAX_PENDING_SEGMENTS) {
          this.pending.delete(flow);
          this.finishPayload(pend.kind, all, pend.row); // parse what arrived
        }
        return;
      }
      if (seq !== ((pend.nextSeq - (pend.size)) >>> 0)) {
        // out of order or a new exchange: give up on the old one with what we have
        this.pending.delete(flow);
        this.finishPayload(pend.kind, Buffer.concat(pend.parts), pend.row);
      } else return; // retransmission of the first segment
    }
    const row = this.b.row;
    // TLS 1.3 middlebox compatibility: a ChangeCipherSpec record may precede the second ClientHello
    if (p.length > 6 && p[0] === 0x14 && p[1] === 0x03 && p[3] === 0x00 && p[4] === 0x01) p = p.subarray(6);
    const tlsNeed = clientHelloNeeds(p);
    if (tlsNeed > 0) {
      if (p.length >= tlsNeed) return this.putTls(p, row);
      this.pending.set(flow, { kind: 'tls', row, nextSeq: (seq + p.length) >>> 0, parts: [Uint8Array.from(p)], size: p.length, need: tlsNeed, segments: 1 });
      return;
    }
    if (p.length >= 4 && (p[0] as number) >= 0x41 && (p[0] as number) <= 0x5a) {
      const head = Buffer.from(p.buffer, p.byteOffset, Math.min(p.length, 16)).toString('latin1');
      if (!HTTP_METHOD.test(head)) return;
      const buf = Buffer.from(p.buffer, p.byteOffset, p.length);
      if (headerEnd(buf) >= 0) return this.putHttp(buf, row);
      this.pending.set(flow, { kind: 'http', row, nextSeq: (seq + p.length) >>> 0, parts: [Uint8Array.from(p)], size: p.length, need: 0, segments: 1 });
    }
  }

  /** Client Initial packets of a QUIC connection: CRYPTO data reassembled until the ClientHello is whole. */
  private quic(flow: string, p: Uint8Array): void {
    const chunks = quicInitialCrypto(p);
    if (!chunks || chunks.length === 0) return;
    let st = this.quicFlows.get(flow);
    if (!st || st.done) {
      if (st?.done && chunks.every((c) => c.offset > 0)) return; // a later Initial of a finished hello
      st = { row: this.b.row, parts: new Map(), done: false };
      this.quicFlows.set(flow, st);
    }
    for (const c of chunks) st.parts.set(c.offset, Uint8Array.from(c.data));
    // contiguous bytes from offset 0
    const ordered: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const next = st.parts.get(at);
      if (!next) {
        // a chunk may start inside what we have (retransmission with other boundaries)
        let found: Uint8Array | null = null;
        for (const [off, data] of st.parts) if (off < at && off + data.length > at) found = data.subarray(at - off);
        if (!found) break;
        ordered.push(found);
        at += found.length;
        continue;
      }
      ordered.push(next);
      at += next.length;
    }
    const h = Buffer.concat(ordered);
    if (h.length < 4) return;
    const need = 4 + (((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number));
    if (h.length < need) return;
    st.done = true;
    const ch = parseClientHelloMessage(h.subarray(0, need), 'q');
    if (ch) this.putHello(ch, st.row);
    else this.b.warn(MSG.quicHelloBad);
  }

  private readonly quicFlows = new Map<string, { row: number; parts: Map<number, Uint8Array>; done: boolean }>();

  private finishPayload(kind: 'tls' | 'http', all: Buffer, row: number): void {
    if (kind === 'tls') this.putTls(all, row);
    else this.putHttp(all, row);
  }

  /** Writes to `row`: the current row directly, an earlier one later (after the table is built). */
  private set(row: number, name: string, value: unknown): void {
    if (row === this.b.row) this.b.put(name, value);
    else this.late.push({ row, name, value });
  }

  private putTls(p: Uint8Array, row: number): void {
    const ch = parseClientHello(p);
    if (!ch) return this.b.warn(MSG.tlsHelloBad);
    this.putHello(ch, row);
  }

  private putHello(ch: ClientHello, row: number): void {
    this.set(row, FIELD.ja3, ch.ja3Hash);
    this.set(row, FIELD.ja4, ch.ja4);
    this.set(row, 'tls.handshake.ja3', ch.ja3);
    this.set(row, 'tls.handshake.ja4_r', ch.ja4r);
    this.set(row, FIELD.sni, ch.sni);
    if (ch.alpn.length) this.set(row, 'tls.handshake.extensions_alpn_str', ch.alpn);
  }

  /** HTTP/1 request line + headers (body ignored). */
  private putHttp(buf: Buffer, row: number): void {
    const endHdr = headerEnd(buf);
    const text = buf.toString('latin1', 0, endHdr >= 0 ? endHdr : Math.min(buf.length, 64 * 1024));
    const lines = text.split(/\r?\n/);
    const first = lines[0] ?? '';
    const m = splitRequestLine(first);
    if (!m) {
      this.set(row, 'request', first);
      return;
    }
    this.set(row, FIELD.method, m.method);
    this.set(row, FIELD.httpVersion, m.version);
    const target = m.target;
    if (row === this.b.row) putTarget(this.b, target);
    else {
      const q = target.indexOf('?');
      this.set(row, FIELD.uri, target);
      this.set(row, FIELD.path, q < 0 ? target : target.slice(0, q));
      this.set(row, FIELD.query, q < 0 || q === target.length - 1 ? null : target.slice(q + 1));
    }
    const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>; // header names are attacker data
    const names: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i] as string;
      const c = l.indexOf(':');
      if (c <= 0) continue;
      const name = l.slice(0, c);
      names.push(name);
      addHeader(headers, name, l.slice(c + 1).trim());
    }
    this.set(row, FIELD.headers, headers);
    this.set(row, FIELD.headerNames, names);
    const one = (k: string) => (Object.hasOwn(headers, k) ? (headers[k] as string[]).join(', ') : null);
    this.set(row, FIELD.host, one('host'));
    this.set(row, FIELD.userAgent, one('user-agent'));
    this.set(row, FIELD.referer, one('referer'));
    const cookie = Object.hasOwn(headers, 'cookie') ? (headers.cookie as string[]).join('; ') : null;
    this.set(row, FIELD.cookie, cookie);
    this.set(row, FIELD.cookies, cookie === null ? null : parseCookies(cookie));
  }

  /** Flushes requests still waiting for segments that never came. */
  flush(): void {
    for (const [flow, pend] of this.pending) {
      this.pending.delete(flow);
      this.finishPayload(pend.kind, Buffer.concat(pend.parts), pend.row);
    }
  }
}
