/**
 * L3/4 charts from packet tables (pcap loaders): rates by protocol or port, packet sizes,
 * TCP flag mix, and the source-port spread that gives reflection attacks away.
 */
import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import type { Row } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides, Columns } from './columns.js';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import { portName, protoName, tcpFlagName, REFLECTION_PORTS } from './proto.js';
import {
  assertTable, binIndexExpr, checkLimit, col, columnValues, decodeBinKeys, fmtCount, fmtPct, hasColumn, makeCodes, noDataSpec, requireColumn, rows, sumBy, timeBins, topKeys, topLevel, timeX,
} from './table.js';
import type { Codes } from './table.js';
import { HEIGHT, PROTO_COLORS, WIDTH, categoryRange, fixedScale } from './theme.js';

interface Common {
  title?: string;
  columns?: ColumnOverrides;
}

/** An Arquero expression for the row's protocol: ip.proto if present, else inferred from tcp/udp columns. */
function protoExpr(table: ColumnTable, c: Columns): string {
  return `d => ${protoBody(table, c)}`;
}

function protoBody(table: ColumnTable, c: Columns): string {
  if (hasColumn(table, c.ipProto)) return col(c.ipProto);
  const tcp = [c.tcpDstPort, c.tcpFlags, c.tcpSrcPort].filter((x) => hasColumn(table, x));
  const udp = [c.udpDstPort, c.udpSrcPort].filter((x) => hasColumn(table, x));
  const isTcp = tcp.map((x) => `${col(x)} != null`).join(' || ') || 'false';
  const isUdp = udp.map((x) => `${col(x)} != null`).join(' || ') || 'false';
  return `((${isTcp}) ? 6 : (${isUdp}) ? 17 : null)`;
}

function portBody(table: ColumnTable, tcpCol: string, udpCol: string): string {
  const t = hasColumn(table, tcpCol), u = hasColumn(table, udpCol);
  if (t && u) return `(${col(tcpCol)} != null ? ${col(tcpCol)} : ${col(udpCol)})`;
  if (t) return col(tcpCol);
  if (u) return col(udpCol);
  return 'null';
}

/** Codes for the protocols present: few distinct values, so (protocol code) fits a numeric key. */
function protoCodes(table: ColumnTable, c: Columns): Codes {
  const distinct = rows(table.groupby({ p: protoExpr(table, c) }).count()).map((r) => r.p);
  const byName = new Map<string, unknown[]>();
  for (const v of distinct) byName.set(protoName(v), [...(byName.get(protoName(v)) ?? []), v]);
  return makeCodes([...byName.entries()], 'other');
}

/** One numeric key per (protocol, port): protoCode * 65537 + port (65536 when there is no port). */
function protoPortBody(table: ColumnTable, c: Columns, tcpCol: string, udpCol: string): string {
  const port = portBody(table, tcpCol, udpCol);
  return `(($.pc[${protoBody(table, c)}] ?? $.pother) * 65537 + (${port} == null ? 65536 : +${port}))`;
}

/** Packets per (protocol, port) key: a typed-array histogram (keys are bounded integers). */
function countProtoPort(keys: ArrayLike<unknown>, pc: Codes): { k: number; n: number }[] {
  const size = pc.size * 65537;
  const counts = new Int32Array(size);
  const noPort = (code: number) => code * 65537 + 65536;
  for (let i = 0; i < keys.length; i++) {
    const k = Number(keys[i]);
    // A port outside 0..65535 (bad input) counts as "no port" of the row's protocol.
    if (Number.isInteger(k) && k >= 0 && k < size) counts[k] = (counts[k] ?? 0) + 1;
    else if (Number.isFinite(k)) counts[noPort(Math.min(pc.size - 1, Math.max(0, Math.floor(k / 65537))))]! += 1;
  }
  const out: { k: number; n: number }[] = [];
  for (let k = 0; k < size; k++) if ((counts[k] ?? 0) > 0) out.push({ k, n: counts[k] ?? 0 });
  return out;
}

function decodeProtoPort(key: number, pc: Codes): { proto: string; port: number | null } {
  const code = Math.floor(key / 65537);
  const port = key - code * 65537;
  return { proto: pc.names[code] ?? 'other', port: port === 65536 ? null : port };
}

function requireOneOf(builder: string, table: ColumnTable, names: readonly string[], role: string): void {
  if (!names.some((n) => hasColumn(table, n))) requireColumn(builder, table, names[0] as string, role);
}

export interface PacketRateOptions extends Common {
  /** Stack by protocol (default) or by destination port ("UDP/53"). */
  by?: 'proto' | 'port';
  /** Ports shown with by: 'port' (the rest are "other"). Default 8. */
  limit?: number;
  binMs?: number;
}

const PR = 'packetRate';

/** Packets per second and bytes per second over time (two panels sharing the time axis). */
export async function packetRate(table: ColumnTable, options: PacketRateOptions = {}): Promise<Chart> {
  assertTable(PR, table);
  const c = columnsWith(options.columns);
  const by = options.by ?? 'proto';
  if (by !== 'proto' && by !== 'port') throw new VizInputError(PR, MSG.badOption(PR, 'by', by, "'proto' | 'port'"));
  requireColumn(PR, table, c.timestamp, 'timestamp, ms since epoch');
  const limit = checkLimit(PR, 'limit', options.limit, 8);
  if (by === 'port') requireOneOf(PR, table, [c.tcpDstPort, c.udpDstPort], 'destination port');
  const hasLen = hasColumn(table, c.ipLen);
  const title = options.title ?? `Packet and bit rate by ${by === 'port' ? 'destination port' : 'protocol'}`;
  const bins = timeBins(PR, table, c.timestamp, options.binMs);
  if (!bins) return Chart.render(noDataSpec(title, 'packets'), { title });
  const step = bins.step;
  const pc = protoCodes(table, c);
  const measures = { packets: 'd => op.count()', ...(hasLen ? { bytes: `d => op.sum(${col(c.ipLen)})` } : {}) };
  let keyed: { t: number; key: string; packets: number; bytes: number }[];
  let color: Record<string, unknown>;
  if (by === 'port') {
    // Stage 1: packets per (protocol, port); stage 2: per (bin, top port) with the rest as "other".
    // The (protocol, port) key is derived once; stage 2 looks the top ports up in an Int32Array
    // indexed by that key (a number index, not a string-keyed object).
    const withKey = table.params({ pc: pc.codes, pother: pc.size - 1 }).derive({ __pp: `(d, $) => ${protoPortBody(table, c, c.tcpDstPort, c.udpDstPort)}` });
    const perPort = countProtoPort(columnValues(withKey, '__pp'), pc).sort((x, y) => y.n - x.n);
    const top = perPort.slice(0, limit);
    const name = (k: number) => {
      const { proto, port } = decodeProtoPort(k, pc);
      return port === null ? proto : `${proto}/${port}`;
    };
    const codes = makeCodes(top.map((t) => [name(t.k), [t.k]] as const), 'other');
    const lookup = new Int32Array(pc.size * 65537).fill(codes.size - 1);
    top.forEach((t, i) => (lookup[t.k] = i));
    const agg = rows(
      withKey
        .params({ top: lookup, t0: bins.t0, step: step.ms })
        .groupby({ k: `(d, $) => (${binIndexExpr(c.timestamp)}) * ${codes.size} + $.top[d.__pp]` })
        .rollup(measures),
    );
    keyed = decodeBinKeys(agg, 'k', bins, codes.size).map((r) => ({ t: r.t, key: codes.names[r.code] as string, packets: Number(r.packets), bytes: Number(r.bytes ?? 0) }));
    const domain = codes.names.filter((n) => keyed.some((r) => r.key === n));
    color = { field: 'key', type: 'nominal', title: 'Destination', scale: { domain, range: categoryRange(domain) } };
  } else {
    const agg = rows(
      table
        .params({ pc: pc.codes, t0: bins.t0, step: step.ms })
        .groupby({ k: `(d, $) => (${binIndexExpr(c.timestamp)}) * ${pc.size} + ($.pc[${protoBody(table, c)}] ?? ${pc.size - 1})` })
        .rollup(measures),
    );
    keyed = decodeBinKeys(agg, 'k', bins, pc.size).map((r) => ({ t: r.t, key: pc.names[r.code] as string, packets: Number(r.packets), bytes: Number(r.bytes ?? 0) }));
    color = { field: 'key', type: 'nominal', title: 'Protocol', scale: fixedScale(PROTO_COLORS, keyed.map((r) => r.key)) };
  }
  const perSecond = 1000 / step.ms;
  const data = sumBy(keyed, ['t', 'key'], ['packets', 'bytes'])
    .map((r) => ({ t: Number(r.t), t2: Number(r.t) + step.ms, key: String(r.key), pps: Number(r.packets) * perSecond, bps: Number(r.bytes) * 8 * perSecond, packets: Number(r.packets), bytes: Number(r.bytes) }))
    .sort((a, b) => a.t - b.t);
  const panel = (field: string, title: string) => ({
    width: WIDTH,
    height: Math.round(HEIGHT * 0.6),
    mark: { type: 'bar' },
    encoding: {
      x: { ...timeX('t'), bin: 'binned' },
      x2: { field: 't2' },
      y: { field, type: 'quantitative', title, stack: 'zero', axis: { format: '~s', tickMinStep: 1 } },
      color,
      order: { field: 'key', sort: 'ascending' },
      tooltip: [
        { field: 'key', type: 'nominal', title: by === 'port' ? 'destination' : 'protocol' },
        { field: 'packets', type: 'quantitative', format: ',', title: `packets in ${step.label}` },
        { field: 'bytes', type: 'quantitative', format: ',', title: `bytes in ${step.label}` },
      ],
    },
  });
  if (data.length === 0) return Chart.render(noDataSpec(title, 'packets'), { title });
  const totalPackets = data.reduce((s, r) => s + r.packets, 0);
  const totalBytes = data.reduce((s, r) => s + r.bytes, 0);
  const spec = topLevel(title, `${fmtCount(totalPackets)} packets, ${fmtCount(totalBytes)} bytes; averaged over ${step.label} bins`, {
    data: { values: data },
    vconcat: [panel('pps', 'Packets / s'), ...(hasLen ? [panel('bps', 'Bits / s')] : [])],
  });
  return Chart.render(spec, {
    title,
    rows: sumBy(data, ['key'], ['packets', 'bytes']).map((r) => ({ [by === 'port' ? 'destination' : 'protocol']: r.key, packets: r.packets, bytes: r.bytes })),
  });
}

export interface PacketSizesOptions extends Common {
  /** Bin width in bytes. Default 50. */
  binBytes?: number;
}

const PS = 'packetSizes';

/** Histogram of IP packet lengths by protocol: floods are a spike at one size, reflection near the MTU. */
export async function packetSizes(table: ColumnTable, options: PacketSizesOptions = {}): Promise<Chart> {
  assertTable(PS, table);
  const c = columnsWith(options.columns);
  requireColumn(PS, table, c.ipLen, 'IP packet length in bytes');
  const width = checkLimit(PS, 'binBytes', options.binBytes, 50);
  const pc = protoCodes(table, c);
  const len = col(c.ipLen);
  const raw = rows(
    table
      .params({ w: width, pc: pc.codes })
      .groupby({ k: `(d, $) => (${len} == null ? -1 : op.floor(${len} / $.w)) * ${pc.size} + ($.pc[${protoBody(table, c)}] ?? ${pc.size - 1})` })
      .count({ as: 'packets' }),
  );
  const data = raw
    .map((r) => ({ k: Number(r.k), packets: Number(r.packets) }))
    .filter((r) => Number.isFinite(r.k) && r.k >= 0)
    .map((r) => {
      const b = Math.floor(r.k / pc.size);
      return { b0: b * width, b1: (b + 1) * width, proto: pc.names[r.k - b * pc.size] as string, packets: r.packets };
    });
  const title = options.title ?? 'Packet sizes';
  if (data.length === 0) return Chart.render(noDataSpec(title, 'packets'), { title });
  const total = data.reduce((s, r) => s + r.packets, 0);
  const spec = topLevel(title, `${fmtCount(total)} packets; ${width}-byte bins`, {
    width: WIDTH,
    height: HEIGHT,
    data: { values: data },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'b0', type: 'quantitative', bin: { binned: true, step: width }, title: 'IP packet length (bytes)' },
      x2: { field: 'b1' },
      y: { field: 'packets', type: 'quantitative', title: 'Packets', stack: 'zero', axis: { format: '~s', tickMinStep: 1 } },
      color: { field: 'proto', type: 'nominal', title: 'Protocol', scale: fixedScale(PROTO_COLORS, data.map((r) => r.proto)) },
      tooltip: [
        { field: 'b0', type: 'quantitative', title: 'from (bytes)' },
        { field: 'b1', type: 'quantitative', title: 'to (bytes)' },
        { field: 'proto', type: 'nominal', title: 'protocol' },
        { field: 'packets', type: 'quantitative', format: ',' },
      ],
    },
  });
  return Chart.render(spec, { title, rows: sumBy(data, ['proto'], ['packets']).map((r) => ({ protocol: r.proto, packets: r.packets })) });
}

export interface TcpFlagMixOptions extends Common {
  /** Flag combinations shown (the rest are "other"). Default 10. */
  limit?: number;
}

const TF = 'tcpFlagMix';

/** Which TCP flag combinations the packets carry: a SYN flood is all SYN, an ACK flood all ACK. */
export async function tcpFlagMix(table: ColumnTable, options: TcpFlagMixOptions = {}): Promise<Chart> {
  assertTable(TF, table);
  const c = columnsWith(options.columns);
  requireColumn(TF, table, c.tcpFlags, 'TCP flags bit field');
  const limit = checkLimit(TF, 'limit', options.limit, 10);
  const raw = rows(table.groupby({ f: `d => ${col(c.tcpFlags)}` }).count({ as: 'packets' })).filter((r) => r.f !== null && r.f !== undefined && r.f !== '');
  let named: Row[] = raw.map((r) => ({ flags: tcpFlagName(r.f), packets: r.packets }));
  const keep = new Set(topKeys(named, 'flags', 'packets', limit));
  named = sumBy(named.map((r) => ({ ...r, flags: keep.has(String(r.flags)) ? r.flags : 'other' })), ['flags'], ['packets']);
  const total = named.reduce((s, r) => s + Number(r.packets), 0);
  const data = named
    .map((r) => ({ flags: String(r.flags), packets: Number(r.packets), share: total ? Number(r.packets) / total : 0, note: `${fmtCount(Number(r.packets))} · ${fmtPct(total ? Number(r.packets) / total : 0)}` }))
    .sort((a, b) => b.packets - a.packets);
  const order = data.map((r) => r.flags);
  const title = options.title ?? 'TCP flag mix';
  if (data.length === 0) return Chart.render(noDataSpec(title, 'TCP packets'), { title });
  const y = { field: 'flags', type: 'nominal', title: 'TCP flags', sort: order };
  const spec = topLevel(title, `${fmtCount(total)} TCP packets`, {
    width: WIDTH - 200,
    height: { step: 22 },
    data: { values: data },
    layer: [
      {
        mark: { type: 'bar', color: PROTO_COLORS.TCP },
        encoding: { y, x: { field: 'packets', type: 'quantitative', title: 'Packets', axis: { format: '~s', tickMinStep: 1 } }, tooltip: [{ field: 'flags', type: 'nominal' }, { field: 'packets', type: 'quantitative', format: ',' }] },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#333333' }, encoding: { y, x: { field: 'packets', type: 'quantitative' }, text: { field: 'note' } } },
    ],
  });
  return Chart.render(spec, { title, rows: data.map(({ flags, packets, share }) => ({ flags, packets, share: fmtPct(share) })) });
}

export interface SourcePortSpreadOptions extends Common {
  /** Source ports shown (by packets). Default 15. */
  limit?: number;
}

const SP = 'sourcePortSpread';

/**
 * Packets by source port with the number of distinct sources per port. Reflection shows as a few
 * well-known service ports (53 DNS, 123 NTP, 11211 memcached) sent by many hosts; a direct flood
 * spreads over random high ports.
 */
export async function sourcePortSpread(table: ColumnTable, options: SourcePortSpreadOptions = {}): Promise<Chart> {
  assertTable(SP, table);
  const c = columnsWith(options.columns);
  requireOneOf(SP, table, [c.udpSrcPort, c.tcpSrcPort], 'source port');
  const limit = checkLimit(SP, 'limit', options.limit, 15);
  const hasSrc = hasColumn(table, c.ipSrc);
  // Stage 1: packets per (protocol, source port), one numeric key counted with a Map (ports are many); stage 2: distinct sources
  // for the top ports only (distinct counting is the expensive part, so it runs on their rows).
  const pc = protoCodes(table, c);
  const withKey = table.params({ pc: pc.codes, pother: pc.size - 1 }).derive({ __pp: `(d, $) => ${protoPortBody(table, c, c.tcpSrcPort, c.udpSrcPort)}` });
  const keys = columnValues(withKey, '__pp');
  const perPort = countProtoPort(keys, pc)
    .map(({ k, n }) => ({ k, packets: n, ...decodeProtoPort(k, pc) }))
    .filter((r) => r.port !== null);
  const allPorts = perPort.length;
  const total = perPort.reduce((s, r) => s + r.packets, 0);
  const topPorts = perPort.sort((a, b) => b.packets - a.packets || a.k - b.k).slice(0, limit);
  // Distinct sources of the top ports: JS Sets over the key and ip.src columns (Arquero's
  // op.distinct per group measured ~4x slower on a million rows).
  const sources: Set<unknown>[] = topPorts.map(() => new Set());
  if (hasSrc && topPorts.length) {
    const lookup = new Int32Array(pc.size * 65537).fill(-1);
    topPorts.forEach((p, i) => (lookup[p.k] = i));
    const ips = columnValues(table, c.ipSrc);
    for (let i = 0; i < keys.length; i++) {
      const j = lookup[Number(keys[i])] ?? -1;
      if (j >= 0) sources[j]?.add(ips[i]);
    }
  }
  const data = topPorts.map((p, i) => {
    const port = p.port as number;
    const n = hasSrc ? sources[i]?.size ?? 0 : undefined;
    return {
      port: `${p.proto} ${portName(port, p.proto)}`,
      proto: p.proto,
      packets: p.packets,
      reflection: p.proto === 'UDP' && REFLECTION_PORTS[port] !== undefined,
      note: `${fmtPct(total ? p.packets / total : 0)}${n !== undefined ? ` · ${fmtCount(n)} source${n === 1 ? '' : 's'}` : ''}`,
      sources: n ?? null,
    };
  });
  const order = data.map((r) => r.port);
  const shownShare = total ? data.reduce((s, r) => s + r.packets, 0) / total : 0;
  const title = options.title ?? 'Packets by source port';
  if (data.length === 0) return Chart.render(noDataSpec(title, 'packets with a source port'), { title });
  const y = { field: 'port', type: 'nominal', title: 'Source port', sort: order, axis: { labelLimit: 200 } };
  const spec = topLevel(title, `top ${data.length} of ${fmtCount(allPorts)} source ports carry ${fmtPct(shownShare)} of ${fmtCount(total)} packets`, {
    width: WIDTH - 220,
    height: { step: 20 },
    data: { values: data },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y,
          x: { field: 'packets', type: 'quantitative', title: 'Packets', axis: { format: '~s', tickMinStep: 1 } },
          color: { field: 'proto', type: 'nominal', title: 'Protocol', legend: { orient: 'bottom' }, scale: fixedScale(PROTO_COLORS, data.map((r) => r.proto)) },
          tooltip: [{ field: 'port', type: 'nominal' }, { field: 'packets', type: 'quantitative', format: ',' }, { field: 'sources', type: 'quantitative', format: ',' }],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#333333' }, encoding: { y, x: { field: 'packets', type: 'quantitative' }, text: { field: 'note' } } },
    ],
  });
  return Chart.render(spec, { title, rows: data.map(({ port, packets, sources, reflection }) => ({ port, packets, sources, knownReflector: reflection })) });
}
