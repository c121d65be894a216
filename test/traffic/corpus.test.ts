/**
 * Every access log, Logpush-like/CSV file and packet capture in ../shared/corpus loads with a
 * correct report: counts checked against SOURCES.md (capinfos/tshark figures, line counts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadTraffic, FIELD } from '../../src/traffic/index.js';
import { CORPUS, corpus } from '../helpers/paths.js';
import { rows } from './helpers.js';

const test = suite('loadTraffic on the corpus');

/** Packet counts from SOURCES.md (capinfos -c). */
const PACKETS: Record<string, number> = {
  'stopddos-packet-captures/pkt.TCP.synflood.spoofed.pcap': 37841,
  'stopddos-packet-captures/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng': 9878,
  'stopddos-packet-captures/amp.TCP.reflection.SYNACK.pcap': 8000,
  'stopddos-packet-captures/amp.TCP.syn.optionallyACK.optionallysamePort.pcapng': 896,
  'stopddos-packet-captures/amp.UDP.snmp.src161.pcapng': 4373,
  'stopddos-packet-captures/amp.UDP.isakmp.pcap': 3984,
  'stopddos-packet-captures/amp.UDP.bacnet.IOT.37810.pcapng': 9617,
  'stopddos-packet-captures/amp.dns.RRSIG.fragmented.pcap': 4412,
  'kihy-pcap-data/slowloris.pcap': 3754,
  'zeek-btest-traces/dhcp_dhcp_flood.pcap': 500,
  'zeek-btest-traces/ssh_sshguess.pcap': 431,
  'zeek-btest-traces/ftp_bruteforce.pcap': 606,
  'zeek-btest-traces/nmap-vsn.pcap': 547,
  'zeek-btest-traces/rfb_vnc-scanner.pcap': 20,
  'zeek-btest-traces/http_cooper-grill-dvwa.pcapng': 64,
  'zeek-btest-traces/http_smuggle-http-request.pcap': 23,
  'zeek-btest-traces/tls_heartbleed-success.pcap': 34,
  'zeek-btest-traces/tls_chrome-34-google.pcap': 42,
  'zeek-btest-traces/tls_tls-expired-cert.pcap': 49,
  'zeek-btest-traces/wikipedia.pcap': 136,
  'zeek-btest-traces/var-services-std-ports.pcap': 263,
  'esnet-curated-pcaps/tcp_0_1000_20190821.pcap': 1005,
  'esnet-curated-pcaps/udp_0_1000_20190821.pcap': 1001,
  'esnet-curated-pcaps/nmap_80_all.pcap': 431,
  'esnet-curated-pcaps/nmap_80_w_service_detection.pcap': 154,
  'esnet-curated-pcaps/nmap_80_vanilla.pcap': 11,
  'esnet-curated-pcaps/one_way_all_flags.pcap': 63,
  'pcaphunt-scans/ps-tcp_syn.pcap': 4993,
  'pcaphunt-scans/ps-udp.pcap': 5862,
  'pcaphunt-scans/hs-tcp_synPingSweepRand.pcapng': 513,
  'pcaphunt-scans/cs-httpServerCredentials.pcap': 54,
  'ndpi-test-pcaps/bot.pcap': 402,
  'ndpi-test-pcaps/WebattackRCE.pcap': 797,
  'ndpi-test-pcaps/WebattackSQLinj.pcap': 94,
  'ndpi-test-pcaps/sql_injection.pcap': 5,
  'ndpi-test-pcaps/xss.pcap': 11,
  'ndpi-test-pcaps/log4j-webapp-exploit.pcap': 426,
  'ndpi-test-pcaps/synscan.pcap': 2011,
  'ndpi-test-pcaps/tcp_scan.pcapng': 30,
  'ndpi-test-pcaps/NTPv2.pcap': 1,
  'ndpi-test-pcaps/dns_exfiltration.pcap': 300,
  'ndpi-test-pcaps/bad-dns-traffic.pcap': 382,
  'ndpi-test-pcaps/http_auth.pcap': 33,
  'ndpi-test-pcaps/ja3_lots_of_cipher_suites.pcap': 11,
  'ndpi-test-pcaps/tls_malicious_sha1.pcapng': 22,
  'foxio-ja4/tls-handshake.pcapng': 193,
  'foxio-ja4/tls-sni.pcapng': 84,
  'foxio-ja4/tls12.pcap': 1,
  'foxio-ja4/tls-alpn-h2.pcap': 9,
  'foxio-ja4/browsers-x509.pcapng': 179,
  'foxio-ja4/http1.pcapng': 184,
  'foxio-ja4/http-empty-useragent.pcap': 16,
  'foxio-ja4/single-packets.pcap': 9,
  'foxio-ja4/ssh.pcapng': 318,
  'foxio-ja4/latest.pcapng': 209,
  'salesforce-ja3/ssl-chrome.pcap': 15,
  'salesforce-ja3/ssl-curl.pcap': 34,
  'tcpreplay-test/test.pcap': 179,
  // SOURCES.md section 9 (capinfos -c), added 2026-12-02
  'zeek-tunnel-traces/4in4.pcap': 1,
  'zeek-tunnel-traces/4in6.pcap': 1,
  'zeek-tunnel-traces/6in4.pcap': 1,
  'zeek-tunnel-traces/6in6.pcap': 1,
  'zeek-tunnel-traces/ping6-in-ipv4.pcap': 10,
  'zeek-tunnel-traces/Teredo.pcap': 78,
  'zeek-tunnel-traces/geneve.pcap': 6,
  'zeek-tunnel-traces/geneve-ipv6.pcap': 2,
  'zeek-tunnel-traces/geneve-many-options.pcap': 10,
  'zeek-tunnel-traces/geneve-truncated.pcapng': 1,
  'zeek-tunnel-traces/gre-erspan3-dot1q.pcap': 2,
  'zeek-tunnel-traces/gre-over-udp-4754.pcap': 14,
  'zeek-tunnel-traces/gre-pptp.pcap': 2,
  'zeek-tunnel-traces/gre-sample.pcap': 40,
  'zeek-tunnel-traces/gre-within-gre.pcap': 628,
  'zeek-tunnel-traces/vxlan.pcap': 10,
  'zeek-tunnel-traces/vxlan-encapsulated-http.pcap': 12,
};

/** Every pcap/pcapng in the corpus, so a new capture cannot be forgotten here. */
function captures(): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(CORPUS, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(CORPUS, d.name))) if (/\.pcap(ng)?$/.test(f)) out.push(`${d.name}/${f}`);
  }
  return out.sort();
}

test('every capture in the corpus has an expected packet count here', () => {
  assert.equal(captures(), Object.keys(PACKETS).sort());
});

test('every capture loads every packet (counts = capinfos) with nothing skipped', async () => {
  for (const [f, n] of Object.entries(PACKETS)) {
    const { table, report } = await loadTraffic(corpus(f));
    assert.is(report.format, 'pcap', f);
    assert.is(report.rowsLoaded, n, f);
    assert.is(report.rowsSkipped, 0, `${f}: ${JSON.stringify(report.reasons)}`);
    assert.is(table.numRows(), n, f);
  }
});

const flagCounts = (t: Parameters<typeof rows>[0]) => {
  const c: Record<number, number> = {};
  for (const r of rows(t)) {
    const f = r[FIELD.tcpFlags];
    if (typeof f === 'number') c[f] = (c[f] ?? 0) + 1;
  }
  return c;
};

test('TCP flag counts of the flood and scan captures match SOURCES.md', async () => {
  const syn = await loadTraffic(corpus('stopddos-packet-captures/pkt.TCP.synflood.spoofed.pcap'));
  assert.equal(flagCounts(syn.table), { 2: 37841 });
  assert.is(new Set(syn.table.array(FIELD.ipSrc) as string[]).size, 37623);
  const dom = await loadTraffic(corpus('stopddos-packet-captures/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng'));
  assert.equal(flagCounts(dom.table), { 194: 9639, 4: 208, 20: 31 }); // SYN+ECE+CWR, RST, RST/ACK
  const refl = await loadTraffic(corpus('stopddos-packet-captures/amp.TCP.reflection.SYNACK.pcap'));
  const rc = flagCounts(refl.table);
  assert.is(rc[18], 6651); // SYN/ACK
  assert.is(rc[4], 813);
  assert.is(rc[20], 205);
  const scan = await loadTraffic(corpus('esnet-curated-pcaps/tcp_0_1000_20190821.pcap'));
  assert.is(flagCounts(scan.table)[2], 1001);
  assert.ok(rows(scan.table).every((r) => r[FIELD.vlanId] !== null), 'VLAN-tagged');
});

test('fragments, SLL and loopback link types decode', async () => {
  const frag = await loadTraffic(corpus('stopddos-packet-captures/amp.dns.RRSIG.fragmented.pcap'));
  const fr = rows(frag.table).filter((r) => r[FIELD.ipFlagsMf] === true || (r[FIELD.ipFragOffset] as number) > 0);
  assert.is(fr.length, 1209); // tshark -Y "ip.flags.mf==1 || ip.frag_offset>0"
  const sll = await loadTraffic(corpus('ndpi-test-pcaps/log4j-webapp-exploit.pcap'));
  assert.ok(rows(sll.table).some((r) => /jndi:ldap/.test(String(r[FIELD.userAgent]))), 'Log4Shell UA from an SLL capture');
  const lo = await loadTraffic(corpus('foxio-ja4/tls-alpn-h2.pcap'));
  assert.ok(rows(lo.table).every((r) => r[FIELD.ipVersion] === 6));
});

/** Line counts from SOURCES.md / wc -l. */
const LOGS: Record<string, { lines: number; loaded: number }> = {
  'elastic-examples-apache-logs/apache_logs': { lines: 10000, loaded: 10000 },
  'honeynet-redhat-apache-logs/access_log.24': { lines: 9344, loaded: 9344 },
  'honeynet-redhat-apache-logs/access_log.18': { lines: 967, loaded: 967 },
  'honeynet-redhat-apache-logs/access_log.1': { lines: 1199, loaded: 1199 },
  'honeynet-redhat-apache-logs/access_log.5': { lines: 251, loaded: 251 },
};

test('access logs load every line; status counts of the Elastic log match SOURCES.md', async () => {
  for (const [f, want] of Object.entries(LOGS)) {
    const { report } = await loadTraffic(corpus(f));
    assert.is(report.format, 'combined', f);
    assert.is(report.rowsRead, want.lines, f);
    assert.is(report.rowsLoaded, want.loaded, f);
  }
  const { table } = await loadTraffic(corpus('elastic-examples-apache-logs/apache_logs'));
  const st: Record<string, number> = {};
  for (const s of table.array(FIELD.status) as number[]) st[s] = (st[s] ?? 0) + 1;
  assert.equal(st, { 200: 9126, 304: 445, 404: 213, 301: 164, 206: 45, 500: 3, 416: 2, 403: 2 });
  assert.is(rows(table).filter((r) => r[FIELD.ipSrc] === '66.249.73.135').length, 482);
});

test('the honeynet WebDAV burst and raw shellcode lines are kept (bytes as \\xHH, counted as warnings)', async () => {
  const { table, report } = await loadTraffic(corpus('honeynet-redhat-apache-logs/access_log.24'));
  assert.is(rows(table).filter((r) => r[FIELD.ipSrc] === '82.82.97.119').length, 6152);
  assert.is(new Set(table.array(FIELD.ipSrc) as string[]).size, 2167);
  assert.is(Object.values(report.warnings ?? {}).reduce((a, b) => a + b, 0), 229);
  assert.ok(rows(table).some((r) => r[FIELD.method] === 'SEARCH' && String(r[FIELD.path]).includes('\\x90')));
});

/** fail2ban files that are access logs (the others are error/auth logs and are not traffic). */
const FAIL2BAN_ACCESS: Record<string, number> = {
  'nginx-botsearch.log': 8,
  'nginx-bad-request.log': 8,
  'apache-badbots.log': 4,
  'apache-fakegooglebot.log': 3,
  'traefik-auth.log': 6,
  'php-url-fopen.log': 1,
};

test('fail2ban access-log samples: labelled lines load, comments and error-log lines are reported', async () => {
  for (const [f, n] of Object.entries(FAIL2BAN_ACCESS)) {
    const { report } = await loadTraffic(corpus('fail2ban-test-logs', f));
    assert.is(report.rowsLoaded, n, `${f}: ${JSON.stringify(report.reasons)}`);
    assert.is(report.rowsRead, report.rowsLoaded + report.rowsSkipped, f);
    assert.ok((report.reasons['comment line'] ?? 0) > 0, f);
  }
});

test('CSV files in the corpus load with their headers', async () => {
  const flows = await loadTraffic(corpus('kihy-pcap-data/slowloris.pcap_Flow.csv'));
  assert.is(flows.report.format, 'csv');
  assert.is(flows.report.rowsLoaded, 300);
  const ssh = await loadTraffic(corpus('loghub-openssh/OpenSSH_2k.log_structured.csv'));
  assert.is(ssh.report.rowsLoaded, 2000);
  const ja3 = await loadTraffic(corpus('abusech-sslbl-ja3/ja3_fingerprints.csv'));
  assert.is(ja3.report.rowsLoaded, 98);
  assert.ok(ja3.table.columnNames().includes('ja3_md5'));
  const map = await loadTraffic(corpus('foxio-ja4/ja4plus-mapping.csv'));
  assert.is(map.report.rowsLoaded, 66);
});

test.run();
