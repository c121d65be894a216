import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import * as aq from 'arquero';
import { packetRate, packetSizes, tcpFlagMix, sourcePortSpread, tcpFlagName, protoName, portName, PROTO_COLORS, VizInputError } from '../../src/viz/index.js';
import type { Chart } from '../../src/viz/index.js';
import { corpus } from '../helpers/paths.js';
import { compileWarnings, items, texts, T0 } from './helpers.js';

const FIELDS = ['frame.time_epoch', 'ip.src', 'ip.proto', 'ip.len', 'tcp.flags', 'tcp.srcport', 'udp.srcport', 'tcp.dstport', 'udp.dstport'] as const;

/** Real packets: tshark reads a corpus capture into the canonical packet columns. */
function capture(file: string) {
  const out = execFileSync('tshark', ['-r', corpus('stopddos-packet-captures', file), '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const cols: Record<string, (number | string | null)[]> = { timestamp: [], 'ip.src': [], 'ip.proto': [], 'ip.len': [], 'tcp.flags': [], 'tcp.srcport': [], 'udp.srcport': [], 'tcp.dstport': [], 'udp.dstport': [] };
  const num = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s));
  for (const line of out.split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    cols.timestamp?.push(Math.round(Number(f[0]) * 1000));
    cols['ip.src']?.push(f[1] || null);
    for (const [i, name] of FIELDS.entries()) if (i >= 2) cols[name]?.push(num(f[i]));
  }
  return aq.table(cols);
}

function clean(c: Chart) {
  assert.equal(compileWarnings(c.spec), [], 'vega-lite compiles the spec without warnings');
  assert.equal(c.warnings, []);
}

const tiny = () =>
  aq.table({
    timestamp: [T0, T0 + 100, T0 + 1100, T0 + 1200, T0 + 2100, T0 + 2200],
    'ip.src': ['a', 'b', 'c', 'd', 'e', 'f'],
    'ip.proto': [6, 6, 17, 17, 17, 1],
    'ip.len': [60, 60, 1400, 1400, 480, 84],
    'tcp.flags': [2, 18, null, null, null, null],
    'tcp.dstport': [443, 443, null, null, null, null],
    'udp.dstport': [null, null, 40000, 40001, 123, null],
    'tcp.srcport': [50000, 443, null, null, null, null],
    'udp.srcport': [null, null, 53, 53, 123, null],
  });

const rate = suite('packetRate');
rate('draws packets/s and bits/s per protocol, one bar per (second, protocol) in each panel', async () => {
  const c = await packetRate(tiny(), { binMs: 1000 });
  clean(c);
  const bars = items(c.svg, 'bar');
  assert.is(bars.length, 8); // s0 TCP; s1 UDP; s2 UDP, ICMP => 4 per panel
  assert.equal(new Set(bars.map((b) => b.fill)), new Set([PROTO_COLORS.TCP, PROTO_COLORS.UDP, PROTO_COLORS.ICMP]));
  assert.ok(texts(c.svg).includes('Packets / s'));
  assert.ok(texts(c.svg).includes('Bits / s'));
  assert.match(c.toString(), /UDP\s+3\s+3280/);
});
rate('splits by destination port and infers the protocol when ip.proto is missing', async () => {
  const c = await packetRate(tiny().select('timestamp', 'tcp.dstport', 'udp.dstport'), { by: 'port', binMs: 1000 });
  clean(c);
  const t = texts(c.svg);
  for (const k of ['TCP/443', 'UDP/40000', 'UDP/123']) assert.ok(t.includes(k), k);
  assert.not.ok(t.includes('Bits / s'), 'no byte panel without ip.len');
});
rate('shows the SNMP reflection capture as a UDP flood', async () => {
  const c = await packetRate(capture('amp.UDP.snmp.src161.pcapng'));
  clean(c);
  const rows = c.rows as { protocol: string; packets: number }[];
  assert.is(rows.reduce((s, r) => s + r.packets, 0), 4373);
  const udp = rows.find((r) => r.protocol === 'UDP')?.packets ?? 0;
  assert.ok(udp > 4000, `UDP packets ${udp}`);
});
rate.run();

const sizes = suite('packetSizes');
sizes('bins packet lengths and stacks them by protocol', async () => {
  const c = await packetSizes(tiny(), { binBytes: 100 });
  clean(c);
  const bars = items(c.svg, 'bar');
  assert.is(bars.length, 4); // 0-100 TCP, 0-100 ICMP, 400-500 UDP, 1400-1500 UDP
  assert.is(bars.filter((b) => b.fill === PROTO_COLORS.UDP).length, 2);
  assert.ok(texts(c.svg).includes('IP packet length (bytes)'));
});
sizes.run();

const flags = suite('tcpFlagMix');
flags('names flag combinations and ranks them: the SYN-ACK reflection capture is mostly SYN+ACK', async () => {
  const c = await tcpFlagMix(capture('amp.TCP.reflection.SYNACK.pcap'));
  clean(c);
  const rows = c.rows as { flags: string; packets: number }[];
  assert.is(rows[0]?.flags, 'SYN+ACK');
  assert.is(rows[0]?.packets, 6651);
  assert.ok(rows.some((r) => r.flags === 'RST'));
  const labels = texts(c.svg);
  assert.is(labels.indexOf('SYN+ACK') < labels.indexOf('RST'), true);
  assert.is(items(c.svg, 'bar').length, rows.length);
});
flags('requires the tcp.flags column', async () => {
  try {
    await tcpFlagMix(aq.table({ x: [1] }));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, VizInputError);
  }
});
flags.run();

const spread = suite('sourcePortSpread');
spread('puts the reflector port on top with its service name and the number of sources', async () => {
  const c = await sourcePortSpread(capture('amp.UDP.snmp.src161.pcapng'));
  clean(c);
  const rows = c.rows as { port: string; packets: number; sources: number; knownReflector: boolean }[];
  assert.is(rows[0]?.port, 'UDP 161 (SNMP)');
  // SOURCES.md counts 4,108 frames with sport 161; 29 of them are ICMP errors quoting a UDP header.
  assert.is(rows[0]?.packets, 4079);
  assert.ok((rows[0]?.sources ?? 0) > 1000);
  assert.is(rows[0]?.knownReflector, true);
  assert.ok(texts(c.svg).includes('UDP 161 (SNMP)'));
});
spread('labels only UDP ports as reflection services', async () => {
  const c = await sourcePortSpread(tiny());
  clean(c);
  const t = texts(c.svg);
  assert.ok(t.includes('UDP 53 (DNS)'));
  assert.ok(t.includes('TCP 443'));
  assert.is(items(c.svg, 'bar').length, 4);
});
spread.run();

const names = suite('tcpFlagName / protoName / portName');
names('spell flags, protocols and ports the way engineers say them', () => {
  assert.is(tcpFlagName(18), 'SYN+ACK');
  assert.is(tcpFlagName('0x0012'), 'SYN+ACK');
  assert.is(tcpFlagName(0), 'none (null scan)');
  assert.is(tcpFlagName(2 | 64 | 128), 'SYN+ECE+CWR');
  assert.is(tcpFlagName(999), 'invalid (999)');
  assert.is(protoName(17), 'UDP');
  assert.is(protoName('tcp'), 'TCP');
  assert.is(protoName(132), 'proto 132');
  assert.is(portName(11211), '11211 (memcached)');
  assert.is(portName(53, 'TCP'), '53');
});
names.run();
