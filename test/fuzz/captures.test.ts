/**
 * Capture fuzzing (issue 20): real captures from the corpus and the red-team repros, mutated
 * (cut at random offsets, header bytes flipped, pcap/pcapng record and block lengths corrupted,
 * GRE reserved bits set, random link types, zero-length records, huge declared lengths, random
 * payload bytes), loaded by loadPcap. Each mutated input must give either a table with exact row
 * accounting or a TrafficError; never another exception, never more than 1 s.
 *
 * CI runs the bounded budget (FUZZ_BUDGET unset: 600 mutated captures, 300 random packets); a longer run:
 *   FUZZ_BUDGET=20000 FUZZ_SEED=123 node dist/test/fuzz/captures.test.js
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { loadPcap, TrafficError, FIELD } from '../../src/traffic/index.js';
import { corpus, ROOT } from '../helpers/paths.js';

const BUDGET = Number(process.env.FUZZ_BUDGET ?? 600);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const REDTEAM = path.resolve(ROOT, '../shared/redteam-repro');

/** Small captures (so 1 s is a generous bound) of every link type, container and tunnel we decode. */
const SEEDS: string[] = [
  ...fs.readdirSync(corpus('zeek-tunnel-traces')).map((f) => corpus('zeek-tunnel-traces', f)),
  corpus('ndpi-test-pcaps', 'NTPv2.pcap'),
  corpus('ndpi-test-pcaps', 'tcp_scan.pcapng'),
  corpus('ndpi-test-pcaps', 'tls_malicious_sha1.pcapng'),
  corpus('ndpi-test-pcaps', 'ja3_lots_of_cipher_suites.pcap'),
  corpus('ndpi-test-pcaps', 'sql_injection.pcap'),
  corpus('ndpi-test-pcaps', 'xss.pcap'),
  corpus('esnet-curated-pcaps', 'one_way_all_flags.pcap'),
  corpus('esnet-curated-pcaps', 'nmap_80_vanilla.pcap'),
  ...fs.readdirSync(REDTEAM).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => path.join(REDTEAM, f)),
].filter((f) => fs.statSync(f).size <= 32 * 1024);

/** One record of a capture: where its header starts, where its packet data starts, its end. */
interface Rec {
  start: number;
  data: number;
  end: number;
  /** the offset of the 32-bit captured-length field */
  lenAt: number;
  /** pcapng: the offset of the block total length (leading copy) */
  blockLenAt: number | null;
  packet: boolean;
}

interface Layout {
  kind: 'pcap' | 'pcapng' | 'other';
  le: boolean;
  recs: Rec[];
  /** offsets of link-type fields (pcap global header, pcapng IDBs) */
  linkAt: number[];
}

/** Walks an intact capture's records (independently of the loader) so mutations can aim at them. */
function layout(d: Buffer): Layout {
  if (d.length >= 4 && d.readUInt32BE(0) === 0x0a0d0d0a) {
    const recs: Rec[] = [];
    const linkAt: number[] = [];
    let o = 0;
    let le = true;
    while (o + 12 <= d.length) {
      if (d.readUInt32LE(o) === 0x0a0d0d0a) le = d.readUInt32LE(o + 8) === 0x1a2b3c4d;
      const r = (p: number) => (le ? d.readUInt32LE(p) : d.readUInt32BE(p));
      const type = r(o);
      const len = r(o + 4);
      if (len < 12 || o + len > d.length) break;
      if (type === 1) linkAt.push(o + 8);
      const packet = type === 6 || type === 3 || type === 2;
      recs.push({ start: o, data: type === 6 || type === 2 ? o + 28 : o + 12, end: o + len, lenAt: type === 6 || type === 2 ? o + 20 : o + 8, blockLenAt: o + 4, packet });
      o += len;
    }
    return { kind: 'pcapng', le, recs, linkAt };
  }
  if (d.length < 24) return { kind: 'other', le: true, recs: [], linkAt: [] };
  const m = d.readUInt32LE(0);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  const recs: Rec[] = [];
  let o = 24;
  while (o + 16 <= d.length) {
    const incl = le ? d.readUInt32LE(o + 8) : d.readUInt32BE(o + 8);
    if (o + 16 + incl > d.length) break;
    recs.push({ start: o, data: o + 16, end: o + 16 + incl, lenAt: o + 8, blockLenAt: null, packet: true });
    o += 16 + incl;
  }
  return { kind: 'pcap', le, recs, linkAt: [20] };
}

/** Larger captures enter as their first records (cut at a record boundary): DNS, fragments, floods. */
const HEADS: [string, number][] = [
  [corpus('ndpi-test-pcaps', 'dns_exfiltration.pcap'), 40],
  [corpus('stopddos-packet-captures', 'amp.dns.RRSIG.fragmented.pcap'), 24],
  [corpus('stopddos-packet-captures', 'amp.UDP.snmp.src161.pcapng'), 20],
  [corpus('stopddos-packet-captures', 'pkt.TCP.synflood.spoofed.pcap'), 40],
  [corpus('ndpi-test-pcaps', 'synscan.pcap'), 40],
];

function head(file: string, records: number): Buffer {
  const d = fs.readFileSync(file);
  const L = layout(d);
  const last = L.recs.filter((r) => r.packet)[records - 1];
  return last ? d.subarray(0, last.end) : d;
}

const files = [
  ...SEEDS.map((f) => ({ name: path.relative(path.resolve(ROOT, '..'), f), bytes: fs.readFileSync(f) })),
  ...HEADS.map(([f, n]) => ({ name: `${path.relative(path.resolve(ROOT, '..'), f)} (first ${n} packets)`, bytes: head(f, n) })),
].map((f) => ({ ...f, layout: layout(f.bytes) }));

type Mutation =
  | { k: 'truncate'; at: number }
  | { k: 'flip'; rec: number; off: number; xor: number }
  | { k: 'payload'; rec: number; off: number; value: number }
  | { k: 'recLen'; rec: number; value: number }
  | { k: 'blockLen'; rec: number; value: number }
  | { k: 'zeroLen'; rec: number }
  | { k: 'link'; value: number }
  | { k: 'greReserved'; rec: number; bits: number };

const NASTY_LEN = fc.oneof(
  fc.constantFrom(0, 1, 3, 4, 11, 12, 13, 16, 20, 27, 28, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 262208, 262209),
  fc.nat({ max: 0xffffffff }),
);
const LINKS = fc.oneof(fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147, 999, 0xffff), fc.nat({ max: 0xffff }));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ k: fc.constant('flip' as const), rec: fc.nat(), off: fc.nat({ max: 80 }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('payload' as const), rec: fc.nat(), off: fc.nat({ max: 2000 }), value: fc.nat({ max: 255 }) }),
  fc.record({ k: fc.constant('recLen' as const), rec: fc.nat(), value: NASTY_LEN }),
  fc.record({ k: fc.constant('blockLen' as const), rec: fc.nat(), value: NASTY_LEN }),
  fc.record({ k: fc.constant('zeroLen' as const), rec: fc.nat() }),
  fc.record({ k: fc.constant('link' as const), value: LINKS }),
  fc.record({ k: fc.constant('greReserved' as const), rec: fc.nat(), bits: fc.integer({ min: 1, max: 0x4f78 }) }),
);

/** Where the GRE header of an IPv4-in-Ethernet or raw IPv4 record starts, if it has one. */
function greAt(d: Buffer, r: Rec): number | null {
  for (const ipAt of [r.data + 14, r.data, r.data + 16, r.data + 4]) {
    if (ipAt + 24 > r.end) continue;
    if (((d[ipAt] as number) >> 4) === 4 && d[ipAt + 9] === 47) return ipAt + ((d[ipAt] as number) & 15) * 4;
  }
  return null;
}

function apply(f: (typeof files)[number], ms: Mutation[]): { bytes: Buffer; cutAt: number | null } {
  const d = Buffer.from(f.bytes);
  const L = f.layout;
  const w32 = (o: number, v: number) => {
    if (o + 4 > d.length) return;
    if (L.le) d.writeUInt32LE(v >>> 0, o);
    else d.writeUInt32BE(v >>> 0, o);
  };
  let cutAt: number | null = null;
  let out = d;
  for (const m of ms) {
    const rec = 'rec' in m && L.recs.length ? L.recs[m.rec % L.recs.length] : undefined;
    switch (m.k) {
      case 'truncate':
        cutAt = Math.floor(m.at * out.length);
        out = out.subarray(0, cutAt);
        break;
      case 'flip':
        if (rec && rec.start + m.off < d.length) d[rec.start + m.off] = (d[rec.start + m.off] as number) ^ m.xor;
        break;
      case 'payload':
        if (rec && rec.data + m.off < rec.end) d[rec.data + m.off] = m.value;
        break;
      case 'recLen':
        if (rec) w32(rec.lenAt, m.value);
        break;
      case 'blockLen':
        if (rec) w32(rec.blockLenAt ?? rec.lenAt, m.value);
        break;
      case 'zeroLen':
        if (rec) w32(rec.lenAt, 0);
        break;
      case 'link':
        for (const at of L.linkAt) {
          if (L.kind === 'pcapng' && at + 2 <= d.length) {
            if (L.le) d.writeUInt16LE(m.value, at);
            else d.writeUInt16BE(m.value, at);
          } else w32(at, m.value);
        }
        break;
      case 'greReserved': {
        const g = rec ? greAt(d, rec) : null;
        if (g !== null) d.writeUInt16BE(d.readUInt16BE(g) | m.bits, g);
        break;
      }
    }
  }
  return { bytes: out, cutAt };
}

/** Only a cut: the complete records before the cut load, the cut one (if any) is skipped. */
function expectedAfterCut(L: Layout, cut: number): { loaded: number; skipped: number } {
  const whole = L.recs.filter((r) => r.end <= cut);
  const loaded = whole.filter((r) => r.packet).length;
  const boundary = cut === (L.kind === 'pcap' ? 24 : -1) || L.recs.some((r) => r.end === cut);
  return { loaded, skipped: boundary ? 0 : 1 };
}

const fz = suite('capture fuzzing');

fz('every seed capture loads whole with one row per record (the walker and the loader agree)', async () => {
  assert.ok(files.length >= 20, `only ${files.length} seed captures`);
  for (const f of files) {
    if (f.layout.kind === 'other' || f.name.includes('linktype999')) continue;
    try {
      const { table, report } = await loadPcap(f.bytes);
      const packets = f.layout.recs.filter((r) => r.packet).length;
      assert.is(report.rowsLoaded, packets, f.name);
      assert.is(table.numRows(), packets, f.name);
    } catch (e) {
      if (!(e instanceof TrafficError) || f.layout.recs.length > 0) throw e;
    }
  }
});

fz(`${BUDGET} mutated captures: no crash, no load over 1 s, rows loaded + skipped = rows read`, async () => {
  let runs = 0;
  let errors = 0;
  let slowest = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: files.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (fi, ms) => {
      runs++;
      const f = files[fi] as (typeof files)[number];
      const { bytes, cutAt } = apply(f, ms);
      const t0 = performance.now();
      let res: Awaited<ReturnType<typeof loadPcap>>;
      try {
        res = await loadPcap(bytes);
      } catch (e) {
        // a whole-file refusal (unsupported link type, no packets) is a clear error, not a crash
        if (e instanceof TrafficError) {
          errors++;
          return;
        }
        throw new Error(`${f.name} with ${JSON.stringify(ms)}: ${(e as Error).stack ?? String(e)}`);
      }
      const ms1 = performance.now() - t0;
      slowest = Math.max(slowest, ms1);
      assert.ok(ms1 < 1000, `${f.name} took ${ms1.toFixed(0)} ms`);
      const { table, report } = res;
      assert.is(report.rowsLoaded + report.rowsSkipped, report.rowsRead, `${f.name} ${JSON.stringify(ms)} ${JSON.stringify(report)}`);
      assert.is(table.numRows(), report.rowsLoaded);
      // frame.number counts every record read, loaded or skipped, so it is increasing and within rowsRead
      const frames = table.array(FIELD.frameNumber) as ArrayLike<number>;
      for (let i = 1; i < frames.length; i++) assert.ok((frames[i] as number) > (frames[i - 1] as number));
      if (frames.length) assert.ok((frames[frames.length - 1] as number) <= report.rowsRead);
      for (const s of report.skipped) assert.type(s.reason, 'string');
      // every record read is either a loaded frame or a listed skipped row, never both, never neither
      if (report.rowsSkipped === report.skipped.length) {
        const numbers = [...Array.from(frames), ...report.skipped.map((s) => s.line)].sort((x, y) => x - y);
        assert.equal(numbers, Array.from({ length: report.rowsRead }, (_, i) => i + 1), `${f.name} ${JSON.stringify(ms)} ${JSON.stringify(report.skipped)}`);
      }
      // a cut alone: exactly the complete records before it load, and the cut one is reported
      if (ms.length === 1 && cutAt !== null && f.layout.kind !== 'other' && cutAt >= 4) {
        const want = expectedAfterCut(f.layout, cutAt);
        assert.is(report.rowsLoaded, want.loaded, `${f.name} cut at ${cutAt}`);
        assert.is(report.rowsSkipped, want.skipped, `${f.name} cut at ${cutAt}: ${JSON.stringify(report.skipped)}`);
      }
    }),
    { numRuns: BUDGET, seed: SEED, endOnFailure: true },
  );
  assert.is(runs, BUDGET);
  console.log(`capture fuzzing: ${runs} inputs from ${files.length} captures, ${errors} refused with TrafficError, slowest ${slowest.toFixed(1)} ms`);
});

fz('random bytes as a packet of every link type we decode, and as a DNS message over UDP 53: no crash', async () => {
  const runs = Math.max(200, Math.floor(BUDGET / 2));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276), fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (link, body, asDns) => {
      let frame = Buffer.from(body);
      if (asDns) {
        // raw IPv4 + UDP 53 -> 53 + the random bytes as the DNS message
        const ip = Buffer.from('4500000000004000401100000a0000010a000002', 'hex');
        const udp = Buffer.from('0035003500000000', 'hex');
        ip.writeUInt16BE(28 + body.length, 2);
        udp.writeUInt16BE(8 + body.length, 4);
        frame = Buffer.concat([ip, udp, body]);
        link = 101;
      }
      const g = Buffer.alloc(24);
      g.writeUInt32LE(0xa1b2c3d4, 0);
      g.writeUInt16LE(2, 4);
      g.writeUInt16LE(4, 6);
      g.writeUInt32LE(65535, 16);
      g.writeUInt32LE(link, 20);
      const h = Buffer.alloc(16);
      h.writeUInt32LE(frame.length, 8);
      h.writeUInt32LE(frame.length, 12);
      const { table, report } = await loadPcap(Buffer.concat([g, h, frame, h, frame]));
      assert.is(table.numRows(), 2);
      assert.is(report.rowsLoaded, 2);
    }),
    { numRuns: runs, seed: SEED, endOnFailure: true },
  );
});

// Regressions: each crash or miscount the fuzzer found, pinned on the smallest input that shows it.
const rg = suite('capture fuzzing regressions');

rg('an empty file and a cut global header are one skipped row each, counted as read', async () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from('d4c3b2a10200040000', 'hex')]) {
    const { report } = await loadPcap(bytes);
    assert.is(report.rowsRead, 1);
    assert.is(report.rowsSkipped, 1);
    assert.is(report.rowsLoaded, 0);
    assert.match(report.skipped[0]?.reason ?? '', /bad capture header/);
  }
});

/** pcapng: SHB, IDB (Ethernet), then the given blocks (little-endian). */
function pcapng(blocks: Buffer[]): Buffer {
  const shb = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');
  const idb = Buffer.from('0100000014000000010000000000040014000000', 'hex');
  return Buffer.concat([shb, idb, ...blocks]);
}

rg('a pcapng packet block shorter than its fixed fields is skipped with its offset, not read past the file', async () => {
  // an EPB whose total length (16) leaves no room for interface, timestamp and lengths: the
  // loader read them past the end of the file (RangeError) before it checked the length
  const epb = Buffer.concat([Buffer.from('06000000100000000000000010000000', 'hex')]);
  const { table, report } = await loadPcap(pcapng([epb]));
  assert.is(table.numRows(), 0);
  assert.is(report.rowsRead, 1);
  assert.is(report.rowsSkipped, 1);
  assert.match(report.skipped[0]?.reason ?? '', /packet block of 16 bytes at byte 48/);
});

rg('a packet after a skipped pcapng block keeps its own number: frame numbers and skipped rows never collide', async () => {
  // EPB (interface 0, 4 bytes of data), an EPB naming interface 7, and a good EPB again
  const epb = (iface: number) => Buffer.from(`06000000240000000${iface}00000000000000000000000400000004000000deadbeef24000000`, 'hex');
  const { table, report } = await loadPcap(pcapng([epb(0), epb(7), epb(0)]));
  assert.equal(Array.from(table.array(FIELD.frameNumber) as ArrayLike<number>), [1, 3]);
  assert.equal(report.skipped.map((s) => s.line), [2]);
  assert.match(report.skipped[0]?.reason ?? '', /unknown interface 7/);
});

rg('a pcapng simple packet block of 12 bytes is skipped rather than loaded with a negative captured length', async () => {
  const spb = Buffer.from('030000000c0000000c000000', 'hex');
  const { table, report } = await loadPcap(pcapng([spb]));
  assert.is(table.numRows(), 0);
  assert.is(report.rowsSkipped, 1);
});

fz.run();
rg.run();
