/**
 * Packet depth for DDoS tickets: pure functions over a loaded capture table (loadPcap's columns).
 * - flowTable: conversations by 5-tuple, packets/bytes each way, handshake stages, RSTs and
 *   retransmissions, plus handshakeSummary (SYN -> SYN-ACK -> ACK completion ratio);
 * - dnsAmplification: per resolver, request and response bytes and their ratio;
 * - prefixSpread: distinct destinations per /24 (IPv4) and /64 (IPv6), for carpet bombing.
 * Each returns an Arquero table sorted with the heaviest rows first, so `.slice(0, 10)` is the top.
 */
import { table, type ColumnTable } from 'arquero';
import { plainColumn } from './dictionary.js';
import { DNS_FIELD, FIELD } from './fields.js';

type Col = ArrayLike<unknown>;

/** A column as plain values, or all nulls when the capture lacks it. */
function col(t: ColumnTable, name: string): Col {
  const c = t.column(name);
  return c ? plainColumn(c) : { length: t.numRows() };
}

/** A number, with the NaN of a Float64Array column read as missing. */
function num(c: Col, i: number): number | null {
  const v = c[i];
  return typeof v === 'number' && !Number.isNaN(v) ? v : null;
}

function str(c: Col, i: number): string | null {
  const v = c[i];
  return typeof v === 'string' ? v : null;
}

const SYN = 2;
const RST = 4;
const ACK = 16;
const FIN = 1;

/** One conversation; A is the endpoint that sent its first packet. */
export interface Flow {
  proto: 'tcp' | 'udp';
  a: string;
  aPort: number;
  b: string;
  bPort: number;
  packetsAB: number;
  bytesAB: number;
  packetsBA: number;
  bytesBA: number;
  packets: number;
  bytes: number;
  /** ms since epoch of the first packet, and the span to the last one */
  start: number | null;
  durationMs: number;
  /** TCP: a SYN (without ACK) was seen from either side */
  syn: boolean;
  /** TCP: a SYN-ACK answered it */
  synAck: boolean;
  /** TCP: the initiator's ACK (no SYN) followed the SYN-ACK */
  established: boolean;
  rst: number;
  fin: number;
  /** TCP segments whose sequence number and length (data, SYN or FIN) were already seen that way */
  retransmissions: number;
}

/** Per-conversation state while scanning (a class: one stable shape for tens of thousands of flows). */
class FlowState {
  packetsAB = 0;
  bytesAB = 0;
  packetsBA = 0;
  bytesBA = 0;
  syn = false;
  synAck = false;
  established = false;
  synFromA = true;
  rst = 0;
  fin = 0;
  retransmissions = 0;
  /** segments seen, made on the first one (most flood flows never carry two) */
  seen: Set<string> | null = null;
  constructor(
    readonly proto: 'tcp' | 'udp',
    readonly a: string,
    readonly aPort: number,
    readonly b: string,
    readonly bPort: number,
    public start: number,
    public last: number,
  ) {}

  flow(): Flow {
    const { proto, a, aPort, b, bPort, packetsAB, bytesAB, packetsBA, bytesBA, syn, synAck, established, rst, fin, retransmissions } = this;
    const start = Number.isNaN(this.start) ? null : this.start;
    const durationMs = start === null ? 0 : this.last - this.start;
    return {
      proto, a, aPort, b, bPort, packetsAB, bytesAB, packetsBA, bytesBA, packets: packetsAB + packetsBA, bytes: bytesAB + bytesBA,
      start, durationMs, syn, synAck, established, rst, fin, retransmissions,
    };
  }
}

/**
 * Conversations by 5-tuple (TCP and UDP; the inner flow of a tunnel, as ip.src is), in first-seen
 * order then sorted by bytes. Bytes are frame bytes on the wire (frame.len), as tshark's
 * `-z conv,tcp` counts them. Rows without ports (later IP fragments, ICMP) are not flows.
 */
export function flowTable(t: ColumnTable): ColumnTable {
  return table(flowColumns(flows(t)));
}

/** The same conversations as objects (first-seen order). */
export function flows(t: ColumnTable): Flow[] {
  const n = t.numRows();
  const src = col(t, FIELD.ipSrc);
  const dst = col(t, FIELD.ipDst);
  const tsp = col(t, FIELD.tcpSrcPort);
  const tdp = col(t, FIELD.tcpDstPort);
  const usp = col(t, FIELD.udpSrcPort);
  const udp = col(t, FIELD.udpDstPort);
  const flagsC = col(t, FIELD.tcpFlags);
  const seqC = col(t, FIELD.tcpSeq);
  const lenC = col(t, FIELD.tcpLen);
  const frameLen = col(t, FIELD.frameLen);
  const tsC = col(t, FIELD.timestamp);
  const byKey = new Map<string, FlowState>();
  for (let i = 0; i < n; i++) {
    const s = str(src, i);
    const d = str(dst, i);
    if (s === null || d === null) continue;
    let proto: 'tcp' | 'udp' = 'tcp';
    let sp = num(tsp, i);
    let dp = num(tdp, i);
    if (sp === null || dp === null) {
      proto = 'udp';
      sp = num(usp, i);
      dp = num(udp, i);
      if (sp === null || dp === null) continue;
    }
    const fwd = `${proto}|${s}|${sp}|${d}|${dp}`;
    let f = byKey.get(fwd);
    let ab = true;
    if (f === undefined) {
      f = byKey.get(`${proto}|${d}|${dp}|${s}|${sp}`);
      ab = false;
    }
    const ts = num(tsC, i) ?? NaN;
    if (f === undefined) {
      f = new FlowState(proto, s, sp, d, dp, ts, ts);
      byKey.set(fwd, f);
      ab = true;
    }
    const bytes = num(frameLen, i) ?? 0;
    if (ab) {
      f.packetsAB++;
      f.bytesAB += bytes;
    } else {
      f.packetsBA++;
      f.bytesBA += bytes;
    }
    // NaN (no timestamp, as in a simple packet block) never wins a comparison
    if (!(ts >= f.start)) f.start = Number.isNaN(ts) ? f.start : ts;
    if (!(ts <= f.last)) f.last = Number.isNaN(ts) ? f.last : ts;
    if (proto !== 'tcp') continue;
    const flags = num(flagsC, i) ?? 0;
    const seq = num(seqC, i);
    const len = num(lenC, i) ?? 0;
    if (flags & RST) f.rst++;
    if (flags & FIN) f.fin++;
    if ((flags & (SYN | ACK)) === SYN) {
      f.syn = true;
      f.synFromA = ab;
    } else if ((flags & (SYN | ACK)) === (SYN | ACK)) {
      if (f.syn && ab !== f.synFromA) f.synAck = true;
    } else if (flags & ACK && !(flags & RST) && f.synAck && ab === f.synFromA) f.established = true;
    // a segment that carries sequence space (data, SYN, FIN) again: a retransmission
    if (seq !== null && (len > 0 || flags & (SYN | FIN))) {
      const k = `${ab ? '>' : '<'}${seq}|${len}|${flags & (SYN | FIN)}`;
      if (f.seen === null) f.seen = new Set([k]);
      else if (f.seen.has(k)) f.retransmissions++;
      else f.seen.add(k);
    }
  }
  const out: Flow[] = [];
  for (const f of byKey.values()) out.push(f.flow());
  return out;
}

function flowColumns(fs: Flow[]): Record<string, unknown[]> {
  const sorted = [...fs].sort((x, y) => y.bytes - x.bytes);
  const keys: (keyof Flow)[] = [
    'proto', 'a', 'aPort', 'b', 'bPort', 'packetsAB', 'bytesAB', 'packetsBA', 'bytesBA', 'packets', 'bytes', 'start', 'durationMs',
    'syn', 'synAck', 'established', 'rst', 'fin', 'retransmissions',
  ];
  return Object.fromEntries(keys.map((k) => [k, sorted.map((f) => f[k])]));
}

export interface HandshakeSummary {
  tcpFlows: number;
  /** conversations that began with a SYN, got a SYN-ACK, and then the initiator's ACK */
  syn: number;
  synAck: number;
  established: number;
  /** established / syn (null without SYNs): near 0 in a SYN flood, near 1 for healthy traffic */
  completion: number | null;
  rst: number;
  retransmissions: number;
}

/** SYN -> SYN-ACK -> ACK completion over the TCP conversations of a capture. */
export function handshakeSummary(t: ColumnTable | Flow[]): HandshakeSummary {
  const fs = (Array.isArray(t) ? t : flows(t)).filter((f) => f.proto === 'tcp');
  const syn = fs.filter((f) => f.syn).length;
  const established = fs.filter((f) => f.established).length;
  return {
    tcpFlows: fs.length,
    syn,
    synAck: fs.filter((f) => f.synAck).length,
    established,
    completion: syn ? established / syn : null,
    rst: fs.reduce((a, f) => a + f.rst, 0),
    retransmissions: fs.reduce((a, f) => a + f.retransmissions, 0),
  };
}

/**
 * DNS amplification per resolver (the port-53 side): requests it received and responses it sent,
 * in DNS message bytes (dns.length: a fragmented response counts whole, from its first fragment),
 * and factor = response bytes / request bytes (null when the capture holds no requests to it, as
 * on a reflection victim's side; then bytesPerResponse still shows the size attackers chose).
 * Also the most frequent query name and type. Sorted by response bytes.
 */
export function dnsAmplification(t: ColumnTable): ColumnTable {
  const n = t.numRows();
  const src = col(t, FIELD.ipSrc);
  const dst = col(t, FIELD.ipDst);
  const resp = col(t, DNS_FIELD.response);
  const len = col(t, DNS_FIELD.length);
  const qname = col(t, DNS_FIELD.qryName);
  const qtype = col(t, DNS_FIELD.qryType);
  interface R { resolver: string; requests: number; requestBytes: number; responses: number; responseBytes: number; maxResponse: number; names: Map<string, number>; types: Map<number, number> }
  const by = new Map<string, R>();
  for (let i = 0; i < n; i++) {
    const r = resp[i];
    if (typeof r !== 'boolean') continue;
    const resolver = str(r ? src : dst, i);
    if (resolver === null) continue;
    let e = by.get(resolver);
    if (!e) {
      e = { resolver, requests: 0, requestBytes: 0, responses: 0, responseBytes: 0, maxResponse: 0, names: new Map(), types: new Map() };
      by.set(resolver, e);
    }
    const bytes = num(len, i) ?? 0;
    if (r) {
      e.responses++;
      e.responseBytes += bytes;
      e.maxResponse = Math.max(e.maxResponse, bytes);
    } else {
      e.requests++;
      e.requestBytes += bytes;
    }
    const q = str(qname, i);
    if (q !== null) e.names.set(q, (e.names.get(q) ?? 0) + 1);
    const ty = num(qtype, i);
    if (ty !== null) e.types.set(ty, (e.types.get(ty) ?? 0) + 1);
  }
  const top = <K>(m: Map<K, number>): K | null => {
    let best: K | null = null;
    let c = -1;
    for (const [k, v] of m) if (v > c) [best, c] = [k, v];
    return best;
  };
  const rows = [...by.values()].sort((x, y) => y.responseBytes - x.responseBytes || x.resolver.localeCompare(y.resolver));
  return table({
    resolver: rows.map((r) => r.resolver),
    requests: rows.map((r) => r.requests),
    requestBytes: rows.map((r) => r.requestBytes),
    responses: rows.map((r) => r.responses),
    responseBytes: rows.map((r) => r.responseBytes),
    bytesPerResponse: rows.map((r) => (r.responses ? r.responseBytes / r.responses : null)),
    maxResponse: rows.map((r) => r.maxResponse),
    factor: rows.map((r) => (r.requestBytes ? r.responseBytes / r.requestBytes : null)),
    topName: rows.map((r) => top(r.names)),
    topType: rows.map((r) => top(r.types)),
  });
}

/** The network of an address: a.b.c.0/24 for IPv4, the first four groups ::/64 for IPv6. */
export function prefixOf(addr: string, v4Bits = 24, v6Bits = 64): string | null {
  if (addr.includes(':')) {
    const groups = expand6(addr);
    if (!groups) return null;
    const keep = Math.floor(v6Bits / 16);
    const g = groups.slice(0, keep).map((x) => x.toString(16));
    return `${g.join(':')}::/${v6Bits}`;
  }
  const p = addr.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return null;
  const n = ((((p[0] as number) << 24) | ((p[1] as number) << 16) | ((p[2] as number) << 8) | (p[3] as number)) >>> 0);
  const mask = v4Bits === 0 ? 0 : (0xffffffff << (32 - v4Bits)) >>> 0;
  const m = (n & mask) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${v4Bits}`;
}

function expand6(a: string): number[] | null {
  const [head, tail, more] = a.split('::');
  if (more !== undefined) return null;
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : null;
  const parts = t === null ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (parts.length !== 8) return null;
  const g = parts.map((x) => parseInt(x, 16));
  return g.some((x) => Number.isNaN(x)) ? null : g;
}

/**
 * Destination spread for carpet bombing: per destination prefix (/24 IPv4, /64 IPv6 by default),
 * distinct destinations, packets, frame bytes and distinct sources, sorted by distinct
 * destinations. An attack spread over a customer's range shows many destinations per prefix with
 * little traffic each, where a direct attack shows one.
 */
export function prefixSpread(t: ColumnTable, opts: { v4Bits?: number; v6Bits?: number } = {}): ColumnTable {
  const n = t.numRows();
  const src = col(t, FIELD.ipSrc);
  const dst = col(t, FIELD.ipDst);
  const frameLen = col(t, FIELD.frameLen);
  interface P { prefix: string; dests: Set<string>; sources: Set<string>; packets: number; bytes: number }
  const by = new Map<string, P>();
  for (let i = 0; i < n; i++) {
    const d = str(dst, i);
    if (d === null) continue;
    const prefix = prefixOf(d, opts.v4Bits ?? 24, opts.v6Bits ?? 64);
    if (prefix === null) continue;
    let e = by.get(prefix);
    if (!e) {
      e = { prefix, dests: new Set(), sources: new Set(), packets: 0, bytes: 0 };
      by.set(prefix, e);
    }
    e.dests.add(d);
    const s = str(src, i);
    if (s !== null) e.sources.add(s);
    e.packets++;
    e.bytes += num(frameLen, i) ?? 0;
  }
  const rows = [...by.values()].sort((x, y) => y.dests.size - x.dests.size || y.packets - x.packets || x.prefix.localeCompare(y.prefix));
  return table({
    prefix: rows.map((r) => r.prefix),
    destinations: rows.map((r) => r.dests.size),
    sources: rows.map((r) => r.sources.size),
    packets: rows.map((r) => r.packets),
    bytes: rows.map((r) => r.bytes),
  });
}
