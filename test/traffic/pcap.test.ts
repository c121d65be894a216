import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { loadPcap, parseClientHello, FIELD, TUNNEL_FIELD as TF, TCP_FIELD as TO, TrafficError } from '../../src/traffic/index.js';
import { corpus, CORPUS, ROOT } from '../helpers/paths.js';
import path from 'node:path';
import { rows, tempDir } from './helpers.js';

const lp = suite('loadPcap');

/** A classic pcap: global header + records (little-endian, microseconds). */
function pcap(link: number, frames: Buffer[]): Buffer {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(link, 20);
  const recs = frames.map((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1714564803 + i, 0);
    h.writeUInt32LE(123456, 4);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    return Buffer.concat([h, f]);
  });
  return Buffer.concat([g, ...recs]);
}

/** Raw IPv4 + TCP SYN from 10.0.0.1:1234 to 10.0.0.2:80. */
function synPacket(): Buffer {
  const ip = Buffer.from('450000280001400040060000' + '0a000001' + '0a000002', 'hex');
  const tcp = Buffer.from('04d2005000000001000000005002ffff00000000', 'hex');
  return Buffer.concat([ip, tcp]);
}

lp('decodes a raw-IP SYN: addresses, ports, flags, ttl and the timestamp in ms', async () => {
  const { table, report } = await loadPcap(pcap(101, [synPacket()]));
  assert.is(report.rowsLoaded, 1);
  const [r] = rows(table);
  assert.is(r?.[FIELD.ipSrc], '10.0.0.1');
  assert.is(r?.[FIELD.ipDst], '10.0.0.2');
  assert.is(r?.[FIELD.ipProto], 6);
  assert.is(r?.[FIELD.tcpSrcPort], 1234);
  assert.is(r?.[FIELD.tcpDstPort], 80);
  assert.is(r?.[FIELD.tcpFlags], 2);
  assert.is(r?.[FIELD.ipTtl], 64);
  assert.is(r?.[FIELD.ipFlagsDf], true);
  assert.is(r?.[FIELD.timestamp], 1714564803123.456);
});

lp('a capture cut mid-packet keeps the complete packets and reports the cut one by number', async () => {
  const whole = pcap(101, [synPacket(), synPacket(), synPacket()]);
  const { table, report } = await loadPcap(whole.subarray(0, whole.length - 10));
  assert.is(table.numRows(), 2);
  assert.is(report.rowsSkipped, 1);
  assert.is(report.skipped[0]?.line, 3);
  assert.match(report.skipped[0]?.reason ?? '', /packet truncated: file ends after 30 of 40 bytes/);
});

lp('a truncated IP header inside a complete frame loads the row and counts a warning', async () => {
  const { table, report } = await loadPcap(pcap(101, [synPacket().subarray(0, 12)]));
  assert.is(table.numRows(), 1);
  assert.is(rows(table)[0]?.[FIELD.ipSrc], null);
  assert.equal(report.warnings, { 'IPv4 header truncated': 1 });
});

lp('binary garbage, an empty file and a corrupt record length are reported, never thrown', async () => {
  const garbage = await loadPcap(Buffer.from('this is not a capture at all'));
  assert.is(garbage.table.numRows(), 0);
  assert.match(garbage.report.skipped[0]?.reason ?? '', /bad magic/);
  const empty = await loadPcap(Buffer.alloc(0));
  assert.is(empty.table.numRows(), 0);
  assert.is(empty.report.rowsSkipped, 1);
  const bad = pcap(101, [synPacket(), synPacket()]);
  bad.writeUInt32LE(0x7fffffff, 24 + 16 + 40 + 8); // second record's incl_len
  const corrupt = await loadPcap(bad);
  assert.is(corrupt.table.numRows(), 1);
  assert.match(corrupt.report.skipped[0]?.reason ?? '', /file corrupt, stopped/);
});

lp('IP, port and flag columns agree with tshark on real captures', async () => {
  for (const f of ['esnet-curated-pcaps/one_way_all_flags.pcap', 'ndpi-test-pcaps/bot.pcap', 'stopddos-packet-captures/amp.UDP.snmp.src161.pcapng']) {
    const out = execFileSync('tshark', ['-r', corpus(f), '-T', 'fields', '-E', 'occurrence=f', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.flags', '-e', 'udp.srcport', '-e', 'icmp.type'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trimEnd()
      .split('\n');
    const { table } = await loadPcap(corpus(f));
    const ours = rows(table);
    assert.is(ours.length, out.length, f);
    out.forEach((line, i) => {
      const [src, dst, flags, sport, icmp] = line.split('\t');
      const r = ours[i] as Record<string, unknown>;
      assert.is(r[FIELD.ipSrc] ?? '', src, `${f} #${i + 1}`);
      assert.is(r[FIELD.ipDst] ?? '', dst, `${f} #${i + 1}`);
      if (r[FIELD.icmpType] === null) {
        // ICMP errors quote the offending packet; tshark shows its headers, we do not decode them
        assert.is(r[FIELD.tcpFlags] === null ? '' : String(r[FIELD.tcpFlags]), flags ? String(parseInt(flags, 16)) : '', `${f} #${i + 1}`);
        assert.is(r[FIELD.udpSrcPort] === null ? '' : String(r[FIELD.udpSrcPort]), sport ?? '', `${f} #${i + 1}`);
      } else assert.is(String(r[FIELD.icmpType]), icmp, `${f} #${i + 1}`);
    });
  }
});

lp('HTTP requests are read from TCP payloads, including raw spaces in the target (Nikto)', async () => {
  const { table } = await loadPcap(corpus('ndpi-test-pcaps/WebattackRCE.pcap'));
  const reqs = rows(table).filter((r) => r[FIELD.method] !== null);
  assert.is(reqs.filter((r) => /Nikto/.test(String(r[FIELD.userAgent]))).length, 735);
  assert.ok(reqs.some((r) => r[FIELD.path] === '/cgi-bin/handler/netsonar;cat /etc/passwd|'));
  const r0 = reqs[0] as Record<string, unknown>;
  assert.ok(Array.isArray(r0[FIELD.headerNames]));
  assert.ok(typeof r0[FIELD.headers] === 'object');
});

lp('slowloris requests whose headers never finish are still loaded', async () => {
  const { table } = await loadPcap(corpus('kihy-pcap-data/slowloris.pcap'));
  assert.ok(rows(table).filter((r) => r[FIELD.method] === 'GET').length >= 150);
});

lp.run();

const tun = suite('loadPcap tunnels and TCP options');

const tshark = (file: string, fields: string[], occurrence = 'l'): string[][] =>
  execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', `occurrence=${occurrence}`, '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.split('\t'));

const TUNNEL_DIR = path.join(CORPUS, 'zeek-tunnel-traces');
/** ICMP error types (v4 3,4,5,11,12; v6 1-4) quote a packet: its headers are the last ones tshark lists. */
const icmpError = (r: Record<string, unknown>) =>
  (r[FIELD.ipProto] === 1 && [3, 4, 5, 11, 12].includes(r[FIELD.icmpType] as number)) || (r[FIELD.ipProto] === 58 && [1, 2, 3, 4].includes(r[FIELD.icmpType] as number));

for (const f of fs.readdirSync(TUNNEL_DIR).filter((x) => /\.pcap(ng)?$/.test(x)).sort()) {
  tun(`${f}: inner addresses, ports and SYN MSS equal tshark's innermost (-E occurrence=l)`, async () => {
    const file = path.join(TUNNEL_DIR, f);
    const { table, report } = await loadPcap(file);
    const ours = rows(table);
    const last = tshark(file, ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.timestamp.tsval']);
    const all = tshark(file, ['ip.src', 'ip.dst'], 'a');
    assert.is(ours.length, last.length);
    assert.is(report.rowsSkipped, 0);
    ours.forEach((r, i) => {
      const t = last[i] as string[];
      const at = `${f} frame ${i + 1}`;
      if (r[FIELD.ipVersion] === 6) {
        assert.is(r[FIELD.ipSrc], t[2], at);
        assert.is(r[FIELD.ipDst], t[3], at);
      } else if (icmpError(r)) {
        // the ICMP packet's own addresses are the ones before the quoted header
        const srcs = (all[i]?.[0] ?? '').split(',');
        const dsts = (all[i]?.[1] ?? '').split(',');
        assert.is(r[FIELD.ipSrc], srcs[srcs.length - 2], at);
        assert.is(r[FIELD.ipDst], dsts[dsts.length - 2], at);
      } else {
        assert.is(r[FIELD.ipSrc], t[0], at);
        assert.is(r[FIELD.ipDst], t[1], at);
      }
      if (r[FIELD.ipProto] === 6) assert.equal([r[FIELD.tcpSrcPort], r[FIELD.tcpDstPort]], [Number(t[4]), Number(t[5])], at);
      if (r[FIELD.ipProto] === 17) assert.equal([r[FIELD.udpSrcPort], r[FIELD.udpDstPort]], [Number(t[6]), Number(t[7])], at);
      assert.is(String(r[TO.mss] ?? ''), t[8], `${at} MSS`);
      assert.is(String(r[TO.wscale] ?? ''), t[9], `${at} window scale`);
      assert.is(String(r[TO.tsval] ?? ''), t[10], `${at} TSval`);
    });
  });
}

tun('tunnel columns: type, depth, outer addresses, GRE key, VNI, ERSPAN session', async () => {
  const one = async (f: string) => rows((await loadPcap(path.join(TUNNEL_DIR, f))).table);
  const gg = await one('gre-within-gre.pcap');
  assert.ok(gg.every((r) => r[TF.type] === 'gre/gre' && r[TF.depth] === 2));
  const outer = tshark(path.join(TUNNEL_DIR, 'gre-within-gre.pcap'), ['ip.src', 'ip.dst'], 'f');
  gg.forEach((r, i) => assert.equal([r[TF.outerSrc], r[TF.outerDst]], outer[i], `frame ${i + 1}`));
  const vx = await one('vxlan.pcap');
  const vni = tshark(path.join(TUNNEL_DIR, 'vxlan.pcap'), ['vxlan.vni']);
  vx.forEach((r, i) => assert.is(r[TF.vni], Number(vni[i]?.[0]))); // tshark prints it in hex
  const ge = await one('geneve.pcap');
  const gvni = tshark(path.join(TUNNEL_DIR, 'geneve.pcap'), ['geneve.vni']);
  ge.forEach((r, i) => assert.is(r[TF.vni], Number(gvni[i]?.[0])));
  const er = await one('gre-erspan3-dot1q.pcap');
  const es = tshark(path.join(TUNNEL_DIR, 'gre-erspan3-dot1q.pcap'), ['erspan.spanid', 'vlan.id']);
  er.forEach((r, i) => {
    assert.is(r[TF.type], 'erspan');
    assert.is(r[TF.erspanVersion], 3); // type III
    assert.is(String(r[TF.erspanSession]), es[i]?.[0]);
    assert.is(String(r[FIELD.vlanId]), es[i]?.[1]);
  });
  const pptp = await one('gre-pptp.pcap');
  const key = tshark(path.join(TUNNEL_DIR, 'gre-pptp.pcap'), ['gre.key.call_id']);
  pptp.forEach((r, i) => {
    assert.is(r[TF.type], '4in6/pptp');
    assert.is((r[TF.greKey] as number) & 0xffff, Number(key[i]?.[0]));
  });
  const teredo = await one('Teredo.pcap');
  assert.is(teredo.filter((r) => r[TF.type] === 'teredo').length, 4); // SOURCES.md phs: teredo=4
  assert.ok(teredo.filter((r) => r[TF.type] === null).every((r) => r[TF.outerSrc] === null));
});

tun('the truncated GENEVE packet loads as a row with its outer header, and the cut is a warning', async () => {
  const { table, report } = await loadPcap(path.join(TUNNEL_DIR, 'geneve-truncated.pcapng'));
  const [r] = rows(table);
  assert.is(report.rowsLoaded, 1);
  assert.is(report.rowsSkipped, 0);
  assert.equal(report.warnings, { 'Ethernet header truncated': 1 });
  assert.is(r?.[TF.type], 'geneve');
  assert.is(r?.[FIELD.ipSrc], '20.0.0.1');
  assert.is(r?.[TF.outerSrc], '20.0.0.1');
  assert.is(r?.[FIELD.udpDstPort], 6081);
});

/** Raw IPv4 GRE (RFC 2784) with the given flags word around the SYN of synPacket(). */
function greAround(flags: number, extra: Buffer): Buffer {
  const inner = synPacket();
  const gre = Buffer.concat([Buffer.from([flags >> 8, flags & 0xff, 0x08, 0x00]), extra]);
  const total = 20 + gre.length + inner.length;
  const ip = Buffer.from(`4500${total.toString(16).padStart(4, '0')}00010000402f0000c0000201c0000202`, 'hex');
  return Buffer.concat([ip, gre, inner]);
}

tun('GRE key and sequence are read; reserved bits are reported and the outer packet kept', async () => {
  const keyed = await loadPcap(pcap(101, [greAround(0x3000, Buffer.from('0000002a00000007', 'hex'))]));
  const [k] = rows(keyed.table);
  assert.equal([k?.[TF.greKey], k?.[TF.greSeq], k?.[FIELD.ipSrc], k?.[FIELD.tcpDstPort], k?.[TF.outerSrc]], [42, 7, '10.0.0.1', 80, '192.0.2.1']);
  const reserved = await loadPcap(pcap(101, [greAround(0x0040, Buffer.alloc(0)), synPacket()]));
  assert.is(reserved.report.rowsLoaded, 2);
  assert.equal(reserved.report.warnings, { 'GRE header with reserved bits or an unknown version (flags 0x0040): payload not decoded': 1 });
  const [r0, r1] = rows(reserved.table);
  assert.equal([r0?.[FIELD.ipSrc], r0?.[FIELD.ipProto], r0?.[TF.type]], ['192.0.2.1', 47, 'gre']);
  assert.is(r1?.[FIELD.tcpDstPort], 80);
});

tun('ICMP fragmentation-needed and ICMPv6 packet-too-big carry their MTU, as tshark reads it', async () => {
  const icmp4 = Buffer.from('45000038000100004001000' + '0c0000201c0000202' + '0304000000000578' + '4500002800014000400600000a0000010a000002' + '04d2005000000001', 'hex');
  const v6hdr = (plen: number) => Buffer.from(`60000000${plen.toString(16).padStart(4, '0')}3a40` + '20010db8000000000000000000000001' + '20010db8000000000000000000000002', 'hex');
  const ptb = Buffer.from('02000000000005000000000000000000', 'hex');
  const icmp6 = Buffer.concat([v6hdr(ptb.length), ptb]);
  const file = pcap(101, [icmp4, icmp6]);
  const { table } = await loadPcap(file);
  const [a, b] = rows(table);
  assert.is(a?.[TO.icmpMtu], 1400);
  assert.is(b?.[TO.icmpMtu], 1280);
  const td = tempDir();
  try {
    const t = tshark(td.file('mtu.pcap', file), ['icmp.mtu', 'icmpv6.mtu']);
    assert.equal([t[0]?.[0], t[1]?.[1]], ['1400', '1280']);
  } finally {
    td.done();
  }
});

tun('TCP options of a SYN: MSS, window scale, SACK permitted, timestamps', async () => {
  const ip = Buffer.from('4500003c0001400040060000' + '0a000001' + '0a000002', 'hex');
  const tcp = Buffer.from('04d200500000000100000000a002ffff00000000' + '020405b4' + '0402' + '080a0000000100000000' + '01' + '030307', 'hex');
  const { table } = await loadPcap(pcap(101, [Buffer.concat([ip, tcp])]));
  const [r] = rows(table);
  assert.equal([r?.[TO.mss], r?.[TO.sackPerm], r?.[TO.tsval], r?.[TO.tsecr], r?.[TO.wscale]], [1460, true, 1, 0, 7]);
});
tun.run();


const hostile = suite('loadPcap on red-team captures (issue 20)');
const REPRO = path.resolve(CORPUS, '../redteam-repro');

hostile('a cookie named constructor or __proto__ and a header named constructor load as data', async () => {
  const ck = rows((await loadPcap(path.join(REPRO, 'http_cookie_constructor.pcap'))).table);
  assert.is(ck.length, 3);
  const withCookie = ck.find((r) => r[FIELD.cookie] !== null)!;
  assert.is(withCookie[FIELD.cookie], 'constructor=1; session=abc'); // tshark http.cookie
  const jar = withCookie[FIELD.cookies] as Record<string, string[]>;
  assert.equal(Object.entries(jar), [['constructor', ['1']], ['session', ['abc']]]);
  // the raw column (rows() copies maps into plain objects for deep-equal)
  const pt = (await loadPcap(path.join(REPRO, 'http_cookie_proto.pcap'))).table;
  const pjar = (pt.array(FIELD.cookies) as (Record<string, string[]> | null)[]).find((m) => m !== null)!;
  assert.equal(Object.getOwnPropertyDescriptor(pjar, '__proto__')?.value, ['1']);
  assert.is(Object.getPrototypeOf(pjar), null);
  const hd = rows((await loadPcap(path.join(REPRO, 'http_hdr_constructor.pcap'))).table).find((r) => (r[FIELD.headerNames] as string[] | null)?.includes('constructor'))!;
  assert.equal((hd[FIELD.headers] as Record<string, string[]>)['constructor'], ['x']);
  assert.is(hd[FIELD.host], 'shop.example.com');
});

hostile('a header-only capture (tcpdump -w that captured nothing) says "no packets"', async () => {
  const f = path.join(REPRO, 'pcap-header-only.pcap');
  try {
    await loadPcap(f);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, TrafficError);
    assert.match((e as Error).message, /^no packets: .*pcap-header-only\.pcap is a capture header with no packets/);
  }
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'classify', f], { encoding: 'utf8' });
  assert.is(cli.status, 1);
  assert.match(cli.stderr, /^runbook classify: no packets: /);
});

hostile('an unknown link type is a clear error naming it', async () => {
  const f = path.join(REPRO, 'pcap-linktype999.pcap');
  try {
    await loadPcap(f);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, TrafficError);
    assert.match((e as Error).message, /^unsupported link type 999 in .*pcap-linktype999\.pcap: /);
  }
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'classify', f], { encoding: 'utf8' });
  assert.is(cli.status, 1);
  assert.match(cli.stderr, /unsupported link type 999/);
});
hostile.run();

const ch = suite('parseClientHello');

interface Expected {
  src: string;
  srcport: string;
  dstport: string;
  [k: string]: string | number;
}

ch('JA4 of every TLS ClientHello matches the FoxIO golden values', async () => {
  let checked = 0;
  for (const name of fs.readdirSync(corpus('foxio-ja4/expected'))) {
    const exp = JSON.parse(fs.readFileSync(corpus('foxio-ja4/expected', name), 'utf8')) as Expected[];
    const { table } = await loadPcap(corpus('foxio-ja4', name.replace(/\.json$/, '')));
    const ours = rows(table).filter((r) => r[FIELD.ja4] !== null);
    for (const e of exp) {
      for (const k of Object.keys(e).filter((x) => /^JA4(\.\d+)?$/.test(x))) {
        const want = String(e[k]);
        if (want.startsWith('q')) continue; // QUIC: encrypted Initial packets are not decrypted
        const mine = ours.filter(
          (r) => r[FIELD.ipSrc] === e.src && String(r[FIELD.tcpSrcPort]) === e.srcport && String(r[FIELD.tcpDstPort]) === e.dstport,
        );
        assert.ok(
          mine.some((r) => r[FIELD.ja4] === want),
          `${name} stream ${e.stream}: want ${want}, got ${mine.map((r) => r[FIELD.ja4]).join(' ')}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked >= 100, `checked ${checked}`);
});

ch('JA3 matches the salesforce/ja3 Zeek baselines and tshark', async () => {
  const chrome = await loadPcap(corpus('salesforce-ja3/ssl-chrome.pcap'));
  assert.equal(rows(chrome.table).map((r) => r[FIELD.ja3]).filter(Boolean), ['14eff09463c9d6dc6e14e954eba239c2']);
  const curl = await loadPcap(corpus('salesforce-ja3/ssl-curl.pcap'));
  assert.equal(rows(curl.table).map((r) => r[FIELD.ja3]).filter(Boolean), ['2a26b1a62e40d25d4de3babc9d532f30']);
  const f = corpus('ndpi-test-pcaps/ja3_lots_of_cipher_suites.pcap');
  const tshark = execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'tls.handshake.ja3'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .split('\n')
    .filter(Boolean);
  const { table } = await loadPcap(f);
  assert.equal(rows(table).map((r) => r[FIELD.ja3]).filter(Boolean), tshark);
});

ch('QUIC client Initials are decrypted: JA3 of every QUIC and TLS ClientHello equals tshark, JA4 starts with q', async () => {
  const f = corpus('foxio-ja4/tls-handshake.pcapng');
  const tshark = execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'tls.handshake.ja3'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .split('\n');
  const { table } = await loadPcap(f);
  const ours = rows(table);
  let quic = 0;
  ours.forEach((r, i) => {
    assert.is(r[FIELD.ja3] ?? '', tshark[i] ?? '', `frame ${i + 1}`);
    if (r[FIELD.ipProto] === 17 && r[FIELD.ja4] !== null) {
      quic++;
      assert.match(String(r[FIELD.ja4]), /^q13d\d{4}h3_[0-9a-f]{12}_[0-9a-f]{12}$/);
    }
  });
  assert.ok(quic >= 10, `QUIC hellos: ${quic}`);
  // Chrome over HTTP/3, the JA4 FoxIO documents for it
  assert.ok(ours.some((r) => r[FIELD.ja4] === 'q13d0310h3_55b375c5d22e_cd85d2d88918'));
});

ch('returns null for a truncated or non-ClientHello record', () => {
  assert.is(parseClientHello(Buffer.from('160301002a0100002603', 'hex')), null);
  assert.is(parseClientHello(Buffer.from('hello world')), null);
});

ch.run();
