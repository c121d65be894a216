import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import {
  loadPcap, flows, flowTable, handshakeSummary, dnsAmplification, prefixSpread, prefixOf, DNS_FIELD as D, FIELD,
} from '../../src/traffic/index.js';
import { dnsName } from '../../src/traffic/packet.js';
import { corpus } from '../helpers/paths.js';
import { rows } from './helpers.js';

/** tshark's fields, one array per frame. */
function tshark(file: string, fields: string[], extra: string[] = []): string[][] {
  const out = execFileSync('tshark', ['-n', ...extra, '-r', file, '-T', 'fields', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

const dns = suite('DNS dissection in the pcap loader');

const DNS_FILES = [
  corpus('stopddos-packet-captures', 'amp.dns.RRSIG.fragmented.pcap'),
  corpus('ndpi-test-pcaps', 'dns_exfiltration.pcap'),
  corpus('ndpi-test-pcaps', 'bad-dns-traffic.pcap'),
];

dns('dns.id, qry.name, qry.type, flags.response, rcode and answer count match tshark on every frame', async () => {
  for (const f of DNS_FILES) {
    const { table } = await loadPcap(f);
    const ours = rows(table);
    // reassembly off: the first fragment of a big response carries the header and question, as ours
    const theirs = tshark(f, ['frame.number', 'dns.id', 'dns.qry.name', 'dns.qry.type', 'dns.flags.response', 'dns.flags.rcode', 'dns.count.answers'], ['-o', 'ip.defragment:FALSE']);
    assert.is(theirs.length, ours.length, f);
    let withDns = 0;
    for (const [fn, id, name, type, resp, rcode, an] of theirs) {
      const r = ours[Number(fn) - 1] as Record<string, unknown>;
      const show = (v: unknown) => (v === null || v === undefined ? '' : String(v));
      const got = [
        r[D.id] == null ? '' : `0x${(r[D.id] as number).toString(16).padStart(4, '0')}`,
        show(r[D.qryName]),
        show(r[D.qryType]),
        r[D.response] == null ? '' : r[D.response] ? '1' : '0',
        show(r[D.rcode]),
        show(r[D.answers]),
      ];
      const want = [id, name, type, resp === 'True' ? '1' : resp === 'False' ? '0' : resp, rcode, an];
      assert.equal(got, want, `${f} frame ${fn}`);
      if (id) withDns++;
    }
    assert.ok(withDns > 200, `${f}: only ${withDns} DNS frames`);
  }
});

dns('dns.length is the message size the UDP header declares, whole for a fragmented response', async () => {
  const f = DNS_FILES[0] as string;
  const { table } = await loadPcap(f);
  const ours = rows(table);
  const theirs = tshark(f, ['frame.number', 'udp.length', 'dns.id'], ['-o', 'ip.defragment:FALSE']);
  let fragmented = 0;
  for (const [fn, ulen, id] of theirs) {
    if (!id) continue;
    const r = ours[Number(fn) - 1] as Record<string, unknown>;
    assert.is(r[D.length], Number(ulen) - 8, `frame ${fn}`);
    if ((r[D.length] as number) > (r[FIELD.frameLen] as number)) fragmented++;
  }
  assert.ok(fragmented > 100, `${fragmented} responses larger than their first fragment`);
});

dns('a name with a compression loop or running past the message is refused, not followed forever', () => {
  // header (12) then a pointer to itself at 12
  const loop = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 12])]);
  assert.is(dnsName(loop, 12), null);
  const cut = Buffer.concat([Buffer.alloc(12), Buffer.from([5, 0x61, 0x62])]);
  assert.is(dnsName(cut, 12), null);
  const ok = Buffer.concat([Buffer.alloc(12), Buffer.from([3, 0x77, 0x77, 0x77, 1, 0x0a, 0, 0xc0, 12])]);
  assert.equal(dnsName(ok, 12), { text: 'www.\\010', end: 19 });
  assert.equal(dnsName(ok, 19), { text: 'www.\\010', end: 21 });
  assert.equal(dnsName(Buffer.from([0]), 0), { text: '<Root>', end: 1 });
});

dns('DNS amplification per resolver: request and response bytes as tshark counts them, and their ratio', async () => {
  const f = corpus('ndpi-test-pcaps', 'dns_exfiltration.pcap');
  const { table } = await loadPcap(f);
  const amp = rows(dnsAmplification(table));
  const want = new Map<string, { req: number; resp: number; n: number }>();
  for (const [src, dst, ulen, resp] of tshark(f, ['ip.src', 'ip.dst', 'udp.length', 'dns.flags.response'])) {
    if (!resp) continue;
    const isResp = resp === '1' || resp === 'True';
    const resolver = (isResp ? src : dst) as string;
    const e = want.get(resolver) ?? { req: 0, resp: 0, n: 0 };
    if (isResp) e.resp += Number(ulen) - 8;
    else e.req += Number(ulen) - 8;
    e.n++;
    want.set(resolver, e);
  }
  assert.is(amp.length, want.size);
  for (const r of amp) {
    const w = want.get(r.resolver as string);
    assert.ok(w, String(r.resolver));
    assert.is(r.requestBytes, w?.req);
    assert.is(r.responseBytes, w?.resp);
    assert.is(r.factor, (w?.resp ?? 0) / (w?.req ?? 1));
  }
  // the reflection side only sees responses: no factor, but the size each response had
  const { table: refl } = await loadPcap(DNS_FILES[0] as string);
  const top = rows(dnsAmplification(refl))[0] as Record<string, unknown>;
  assert.is(top.requests, 0);
  assert.is(top.factor, null);
  assert.is(top.topName, 'pizzaseo.com');
  assert.is(top.topType, 46); // RRSIG
  assert.ok((top.bytesPerResponse as number) > 3000);
});

const fl = suite('flow table');

/** tshark -z conv,tcp as {key: [framesBA, bytesBA, framesAB, bytesAB]} (bytes: exact or kB/MB). */
function conv(file: string, proto: 'tcp' | 'udp' = 'tcp'): Map<string, [number, string, number, string]> {
  const out = execFileSync('tshark', ['-n', '-r', file, '-q', '-z', `conv,${proto}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = new Map<string, [number, string, number, string]>();
  for (const line of out.split('\n')) {
    const x = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+(\d+ \S+)\s+(\d+)\s+(\d+ \S+)/.exec(line);
    if (x) m.set(`${x[1]}|${x[2]}|${x[3]}|${x[4]}`, [Number(x[5]), x[6] as string, Number(x[7]), x[8] as string]);
  }
  return m;
}

/** tshark prints sizes as "123 bytes" (exact) or "18 kB" (rounded): does ours fit? */
function sameSize(ours: number, theirs: string): boolean {
  const [n, unit] = theirs.split(' ');
  if (unit === 'bytes') return ours === Number(n);
  const scale = unit === 'kB' ? 1e3 : unit === 'MB' ? 1e6 : NaN;
  return Math.abs(ours / scale - Number(n)) <= 1;
}

fl('TCP and UDP conversations, frames and bytes each way match tshark -z conv,tcp / conv,udp', async () => {
  for (const [f, proto] of [
    [corpus('ndpi-test-pcaps', 'WebattackSQLinj.pcap'), 'tcp'],
    [corpus('ndpi-test-pcaps', 'tcp_scan.pcapng'), 'tcp'],
    [corpus('esnet-curated-pcaps', 'one_way_all_flags.pcap'), 'tcp'],
    [corpus('ndpi-test-pcaps', 'http_auth.pcap'), 'tcp'],
    [corpus('ndpi-test-pcaps', 'dns_exfiltration.pcap'), 'udp'],
    [corpus('esnet-curated-pcaps', 'udp_0_1000_20190821.pcap'), 'udp'],
  ] as const) {
    const { table } = await loadPcap(f);
    const ours = flows(table).filter((x) => x.proto === proto);
    const theirs = conv(f, proto);
    assert.ok(theirs.size > 0, `${f}: tshark lists no ${proto} conversation`);
    assert.is(ours.length, theirs.size, f);
    for (const c of ours) {
      const t = theirs.get(`${c.a}|${c.aPort}|${c.b}|${c.bPort}`);
      assert.ok(t, `${f}: ${c.a}:${c.aPort} <-> ${c.b}:${c.bPort} not in tshark's table`);
      if (!t) continue;
      assert.is(c.packetsBA, t[0], `${f} ${c.a}:${c.aPort} frames <-`);
      assert.ok(sameSize(c.bytesBA, t[1]), `${f} ${c.a}:${c.aPort} bytes <- ${c.bytesBA} vs ${t[1]}`);
      assert.is(c.packetsAB, t[2], `${f} ${c.a}:${c.aPort} frames ->`);
      assert.ok(sameSize(c.bytesAB, t[3]), `${f} ${c.a}:${c.aPort} bytes -> ${c.bytesAB} vs ${t[3]}`);
    }
    assert.is(flowTable(table).numRows(), flows(table).length);
  }
});

fl('handshake stages and retransmissions agree with tshark (tcp.completeness, tcp.analysis.retransmission)', async () => {
  for (const f of [
    corpus('ndpi-test-pcaps', 'synscan.pcap'),
    corpus('zeek-btest-traces', 'ftp_bruteforce.pcap'),
    corpus('zeek-btest-traces', 'var-services-std-ports.pcap'),
    corpus('tcpreplay-test', 'test.pcap'),
  ]) {
    const { table } = await loadPcap(f);
    const h = handshakeSummary(table);
    // two passes: a stream's completeness is only whole once tshark has seen all of it
    const final = new Map<string, number>();
    let retx = 0;
    for (const [stream, comp, isRetx] of tshark(f, ['tcp.stream', 'tcp.completeness', 'tcp.analysis.retransmission'], ['-2'])) {
      if (stream === undefined || stream === '') continue;
      final.set(stream, Math.max(final.get(stream) ?? 0, Number(comp || 0)));
      if (isRetx) retx++;
    }
    const count = (bits: number) => [...final.values()].filter((c) => (c & bits) === bits).length;
    assert.is(h.tcpFlows, final.size, `${f} conversations`);
    assert.is(h.syn, count(1), `${f} SYN`);
    assert.is(h.established, count(7), `${f} SYN, SYN-ACK and ACK`);
    assert.is(h.retransmissions, retx, `${f} retransmissions`);
  }
  // a SYN flood from spoofed sources: thousands of conversations, none completes
  const { table } = await loadPcap(corpus('ndpi-test-pcaps', 'synscan.pcap'));
  const h = handshakeSummary(table);
  assert.ok(h.syn > 1000);
  assert.is(h.completion, 0);
});

const ps = suite('destination prefix spread');

ps('distinct destinations per /24 and /64 match tshark ip.dst/ipv6.dst', async () => {
  for (const f of [corpus('tcpreplay-test', 'test.pcap'), corpus('zeek-btest-traces', 'var-services-std-ports.pcap'), corpus('ndpi-test-pcaps', 'tcp_scan.pcapng')]) {
    const { table } = await loadPcap(f);
    const ours = new Map(rows(prefixSpread(table)).map((r) => [r.prefix as string, r.destinations as number]));
    const want = new Map<string, Set<string>>();
    for (const [v4, v6] of tshark(f, ['ip.dst', 'ipv6.dst'], ['-E', 'occurrence=l'])) {
      const d = v6 || v4;
      if (!d) continue;
      const p = prefixOf(d) as string;
      want.set(p, (want.get(p) ?? new Set()).add(d));
    }
    assert.equal(ours, new Map([...want].map(([p, s]) => [p, s.size])), f);
  }
});

ps('prefixOf: /24 and /64 by default, other lengths on request, junk refused', () => {
  assert.is(prefixOf('203.0.113.77'), '203.0.113.0/24');
  assert.is(prefixOf('203.0.113.77', 16), '203.0.0.0/16');
  assert.is(prefixOf('2001:db8:1:2:3::4'), '2001:db8:1:2::/64');
  assert.is(prefixOf('2001:db8::1'), '2001:db8:0:0::/64');
  assert.is(prefixOf('::1'), '0:0:0:0::/64');
  assert.is(prefixOf('1.2.3'), null);
  assert.is(prefixOf('1::2::3'), null);
});

dns.run();
fl.run();
ps.run();
