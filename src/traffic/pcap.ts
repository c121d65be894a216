import { table } from 'arquero';
import { DictionaryColumn } from './dictionary.js';
import { Utf8Column } from './utf8.js';
import { ColumnBuilder, type BuiltColumn } from './columns.js';
import { FIELD, TUNNEL_FIELD } from './fields.js';
import type { Loaded } from './logpush.js';
import { MSG } from './messages.js';
import { TrafficError } from './errors.js';
import { LINKTYPE } from './packet.js';
import { PacketDecoder, type LateWrite } from './packet.js';
import { ReportBuilder } from './report.js';
import { readAll, sourceName, type Source } from './source.js';

export interface PcapOptions {
  maxSkippedListed?: number;
}

/** Columns every capture table has (null where a packet lacks the layer), so rules never miss a name. */
const PACKET_COLUMNS: readonly string[] = [
  FIELD.timestamp, FIELD.frameNumber, FIELD.frameLen, FIELD.frameCapLen, FIELD.ipVersion, FIELD.ipSrc, FIELD.ipDst,
  FIELD.ipProto, FIELD.ipLen, FIELD.ipTtl, FIELD.ipId, FIELD.ipFlagsDf, FIELD.ipFlagsMf, FIELD.ipFragOffset,
  FIELD.tcpSrcPort, FIELD.tcpDstPort, FIELD.tcpFlags, FIELD.udpSrcPort, FIELD.udpDstPort, FIELD.icmpType, FIELD.icmpCode,
  // a rule may ask `tunnel.type eq "gre"` of any capture; the numeric and address tunnel/option
  // fields need a type in the classifier's schema before they can be listed here as all-null columns
  TUNNEL_FIELD.type,
];

const KNOWN_LINKS: ReadonlySet<number> = new Set(Object.values(LINKTYPE));

/** Largest packet we accept; bigger record lengths mean a corrupt file (tcpdump uses 256 KiB). */
const MAX_PACKET = 256 * 1024 + 64;

interface Iface {
  link: number;
  /** timestamp units per millisecond */
  unitsPerMs: number;
}

/** Writes values computed after a row was finished (reassembled HTTP/TLS) into the columns. */
export function applyLate(cols: Record<string, BuiltColumn>, late: LateWrite[], rows: number): void {
  for (const w of late) {
    let c = cols[w.name];
    if (c === undefined) {
      c = new Array<unknown>(rows).fill(null);
      cols[w.name] = c;
    } else if (c instanceof DictionaryColumn || c instanceof Utf8Column) {
      c = c.copy();
      cols[w.name] = c;
    }
    if (c instanceof Float64Array) {
      if (typeof w.value === 'number') c[w.row] = w.value;
      else {
        const plain: unknown[] = Array.from(c, (v) => (Number.isNaN(v) ? null : v));
        plain[w.row] = w.value;
        cols[w.name] = plain;
      }
    } else c[w.row] = w.value;
  }
}

/**
 * pcap (micro/nanosecond, either byte order) and pcapng (SHB/IDB/EPB/SPB/OPB, per-interface
 * link type and if_tsresol) into one row per packet. A file cut mid-packet keeps every complete
 * packet and reports the cut one; a corrupt record header ends the read with a report entry.
 */
export async function loadPcap(src: Source, opts: PcapOptions = {}): Promise<Loaded> {
  const report = new ReportBuilder(sourceName(src), 'pcap', opts.maxSkippedListed);
  const { bytes, error } = await readAll(src);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  const dec = new PacketDecoder(b);
  b.reserve(Math.ceil(bytes.length / 64));
  // frame.number and a skipped row's number both count every record read, so a report's "packet 3
  // skipped" never names a loaded frame 3 (pcapng blocks skipped mid-file used to shift them)
  let frame = 0;

  const packet = (iface: Iface, tsUnits: number, capLen: number, origLen: number, data: Uint8Array) => {
    report.rowsRead++;
    frame = report.rowsRead;
    b.put(FIELD.frameNumber, frame);
    b.put(FIELD.timestamp, tsUnits / iface.unitsPerMs);
    b.put(FIELD.frameLen, origLen);
    b.put(FIELD.frameCapLen, capLen);
    dec.decode(iface.link, data);
    b.next();
    report.rowsLoaded++;
  };
  const cut = (have: number, want: number) => {
    report.rowsRead++;
    frame = report.rowsRead;
    report.skip(frame, MSG.pcapTruncated(have, want));
  };

  if (bytes.length < 4) {
    report.rowsRead++;
    report.skip(1, MSG.pcapBadHeader(`file has ${bytes.length} bytes`));
  } else {
    const magic = bytes.readUInt32BE(0);
    if (magic === 0x0a0d0d0a) readPcapng(bytes, packet, cut, report);
    else readPcap(bytes, packet, cut, report);
  }
  if (error) {
    report.rowsRead++;
    report.skip(report.rowsRead, error);
  }
  // what tcpdump -w leaves when it captured nothing: say so, rather than hand an empty table on
  // (a classifier would then fail on something unrelated, such as a column type)
  if (frame === 0 && report.rowsRead === 0 && !error && bytes.length >= 24 && report.rowsSkipped === 0) {
    throw new TrafficError(MSG.pcapNoPackets(sourceName(src)), sourceName(src));
  }
  dec.flush();
  const cols = b.finish(PACKET_COLUMNS);
  applyLate(cols, dec.late, b.row);
  return { table: table(cols), report: report.finish() };
}

/** The file cannot be read on from here: one skipped row, counted as read, so loaded + skipped = read. */
function fail(report: ReportBuilder, reason: string): void {
  report.rowsRead++;
  report.skip(report.rowsRead, reason);
}

type PacketFn = (iface: Iface, ts: number, capLen: number, origLen: number, data: Uint8Array) => void;
type CutFn = (have: number, want: number) => void;

function readPcap(d: Buffer, packet: PacketFn, cut: CutFn, report: ReportBuilder): void {
  const m = d.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (m === 0xa1b2c3d4) [le, nano] = [true, false];
  else if (m === 0xa1b23c4d) [le, nano] = [true, true];
  else if (m === 0xd4c3b2a1) [le, nano] = [false, false];
  else if (m === 0x4d3cb2a1) [le, nano] = [false, true];
  else return fail(report, MSG.pcapBadHeader('not a pcap/pcapng file (bad magic)'));
  if (d.length < 24) return fail(report, MSG.pcapBadHeader(`global header truncated: file ends after ${d.length} of 24 bytes`));
  const r32 = (o: number) => (le ? d.readUInt32LE(o) : d.readUInt32BE(o));
  const iface: Iface = { link: r32(20) & 0xffff, unitsPerMs: nano ? 1e6 : 1e3 };
  // one link type for the whole file: if we cannot decode it, no packet will decode
  if (!KNOWN_LINKS.has(iface.link)) throw new TrafficError(MSG.pcapUnsupportedLink(report.source, iface.link), report.source);
  let o = 24;
  while (o < d.length) {
    if (o + 16 > d.length) return cut(d.length - o, 16);
    const sec = r32(o);
    const frac = r32(o + 4);
    const incl = r32(o + 8);
    const orig = r32(o + 12);
    if (incl > MAX_PACKET) {
      report.rowsRead++;
      return report.skip(report.rowsRead, MSG.pcapBadHeader(`record length ${incl} at byte ${o}: file corrupt, stopped`));
    }
    if (o + 16 + incl > d.length) return cut(d.length - o - 16, incl);
    packet(iface, sec * iface.unitsPerMs * 1000 + frac, incl, orig, d.subarray(o + 16, o + 16 + incl));
    o += 16 + incl;
  }
}

function readPcapng(d: Buffer, packet: PacketFn, cut: CutFn, report: ReportBuilder): void {
  let o = 0;
  let le = true;
  let ifaces: Iface[] = [];
  const r32 = (p: number) => (le ? d.readUInt32LE(p) : d.readUInt32BE(p));
  const r16 = (p: number) => (le ? d.readUInt16LE(p) : d.readUInt16BE(p));
  while (o < d.length) {
    if (o + 12 > d.length) return cut(d.length - o, 12);
    const typeRaw = d.readUInt32LE(o);
    if (typeRaw === 0x0a0d0d0a) {
      const bom = d.readUInt32LE(o + 8);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else {
        report.rowsRead++;
        return report.skip(report.rowsRead, MSG.pcapBadBlock(`bad byte-order magic at byte ${o}`));
      }
      ifaces = [];
    }
    const type = r32(o);
    const len = r32(o + 4);
    if (len < 12 || len % 4 !== 0) {
      report.rowsRead++;
      return report.skip(report.rowsRead, MSG.pcapBadBlock(`block length ${len} at byte ${o}: file corrupt, stopped`));
    }
    if (o + len > d.length) {
      if (type === 6 || type === 3 || type === 2) return cut(d.length - o, len);
      report.rowsRead++;
      return report.skip(report.rowsRead, MSG.pcapBadBlock(`block type ${type} truncated at byte ${o}`));
    }
    const body = o + 8;
    const end = o + len - 4;
    // the fixed fields of a block must fit in it before any of them is read
    const fixed = type === 6 || type === 2 ? 32 : type === 3 ? 16 : type === 1 ? 20 : 12;
    if (len < fixed) {
      report.rowsRead++;
      if (type === 1) return report.skip(report.rowsRead, MSG.pcapBadBlock(`interface block of ${len} bytes at byte ${o} (at least 20): file corrupt, stopped`));
      report.skip(report.rowsRead, MSG.pcapBadBlock(`packet block of ${len} bytes at byte ${o} (at least ${fixed})`));
      o += len;
      continue;
    }
    if (type === 1) {
      const iface: Iface = { link: r16(body), unitsPerMs: 1e3 };
      // options: if_tsresol (9)
      let p = body + 8;
      while (p + 4 <= end) {
        const code = r16(p);
        const olen = r16(p + 2);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = d[p + 4] as number;
          const unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
          iface.unitsPerMs = unitsPerSec / 1000;
        }
        p += 4 + ((olen + 3) & ~3);
      }
      ifaces.push(iface);
    } else if (type === 6 || type === 2) {
      const id = type === 6 ? r32(body) : r16(body);
      const hi = r32(body + 4);
      const lo = r32(body + 8);
      const capLen = r32(body + 12);
      const origLen = r32(body + 16);
      const iface = ifaces[id];
      const dataStart = body + 20;
      if (!iface || dataStart + capLen > end) {
        report.rowsRead++;
        report.skip(report.rowsRead, MSG.pcapBadBlock(iface ? 'packet longer than its block' : `unknown interface ${id}`));
      } else packet(iface, hi * 4294967296 + lo, capLen, origLen, d.subarray(dataStart, dataStart + capLen));
    } else if (type === 3) {
      const iface = ifaces[0];
      const origLen = r32(body);
      const capLen = Math.min(origLen, end - (body + 4));
      if (!iface) {
        report.rowsRead++;
        report.skip(report.rowsRead, MSG.pcapBadBlock('simple packet before any interface'));
      } else packet(iface, NaN, capLen, origLen, d.subarray(body + 4, body + 4 + capLen));
    }
    o += len;
  }
}
