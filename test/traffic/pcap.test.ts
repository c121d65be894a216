import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { loadPcap, parseClientHello, FIELD } from '../../src/traffic/index.js';
import { corpus } from '../helpers/paths.js';
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
