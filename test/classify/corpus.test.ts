/**
 * Real third-party data (../shared/corpus, see SOURCES.md): labelled fail2ban access logs,
 * OWASP CRS regression requests and StopDDoS attack captures, classified with the built-in
 * pack. Prints precision/recall per file; asserts the levels reached when this was written so a
 * regression in the pack shows up.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { score, analyze } from '../../src/classify/index.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { corpus } from '../helpers/paths.js';

interface Pr {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
const pr = (truth: readonly boolean[], predicted: ArrayLike<number>): Pr => {
  const r = { tp: 0, fp: 0, fn: 0, tn: 0 };
  truth.forEach((t, i) => {
    const p = (predicted[i] as number) >= 1;
    if (t && p) r.tp++;
    else if (t) r.fn++;
    else if (p) r.fp++;
    else r.tn++;
  });
  return r;
};
const fmt = (name: string, r: Pr) => {
  const precision = r.tp + r.fp ? r.tp / (r.tp + r.fp) : 1;
  const recall = r.tp + r.fn ? r.tp / (r.tp + r.fn) : 1;
  process.stdout.write(`  ${name}: precision ${precision.toFixed(2)} recall ${recall.toFixed(2)} (tp ${r.tp} fp ${r.fp} fn ${r.fn} tn ${r.tn})\n`);
  return { precision, recall };
};

// ------------------------------------------------------------------ OWASP CRS regression requests

interface FtwRequest {
  method: string;
  uri: string;
  headers: Record<string, string>;
  data: string;
  version: string;
  attack: boolean;
}

const unquote = (s: string) => {
  const t = s.trim();
  if (t.startsWith('"') && t.endsWith('"')) return JSON.parse(t) as string;
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
};

/** The subset of go-ftw YAML the regression files use: one request (first stage) per test. */
function readFtw(text: string): FtwRequest[] {
  const out: FtwRequest[] = [];
  for (const block of text.split(/\n\s*- test_id:/).slice(1)) {
    const req: FtwRequest = { method: 'GET', uri: '/', headers: {}, data: '', version: 'HTTP/1.1', attack: /expect_ids:/.test(block.replace(/no_expect_ids:/g, '')) };
    let inHeaders = -1;
    for (const line of block.split('\n')) {
      const indent = line.length - line.trimStart().length;
      const m = /^\s*([A-Za-z0-9_-]+):\s?(.*)$/.exec(line);
      if (inHeaders >= 0 && (indent <= inHeaders || !m)) inHeaders = -1;
      if (!m) continue;
      const [, key, value] = m as unknown as [string, string, string];
      if (inHeaders >= 0) {
        req.headers[key] = unquote(value);
        continue;
      }
      if (key === 'headers') inHeaders = indent;
      else if (key === 'method') req.method = unquote(value);
      else if (key === 'uri') req.uri = unquote(value);
      else if (key === 'data') req.data = unquote(value);
      else if (key === 'version') req.version = unquote(value);
      else if (key === 'encoded_request') {
        const raw = Buffer.from(unquote(value), 'base64').toString('latin1');
        const [head, body] = raw.split('\r\n\r\n') as [string, string | undefined];
        const [reqLine, ...hs] = head.split('\r\n');
        const [method, uri, version] = (reqLine ?? '').split(' ');
        Object.assign(req, { method, uri, version, data: body ?? '' });
        for (const h of hs) {
          const c = h.indexOf(':');
          if (c > 0) req.headers[h.slice(0, c)] = h.slice(c + 1).trim();
        }
      }
    }
    out.push(req);
  }
  return out;
}

function ftwTable(reqs: readonly FtwRequest[]) {
  const h = (r: FtwRequest, name: string) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? null;
  return aq.table({
    'ip.src': reqs.map(() => '192.0.2.1'),
    'http.host': reqs.map((r) => h(r, 'host')),
    'http.request.method': reqs.map((r) => r.method),
    'http.request.uri.path': reqs.map((r) => r.uri.split('?')[0] ?? ''),
    'http.request.uri.query': reqs.map((r) => (r.uri.includes('?') ? r.uri.slice(r.uri.indexOf('?') + 1) : null)),
    'http.request.version': reqs.map((r) => r.version),
    'http.user_agent': reqs.map((r) => h(r, 'user-agent')),
    'http.referer': reqs.map((r) => h(r, 'referer')),
    'http.cookie': reqs.map((r) => h(r, 'cookie')),
    'http.request.headers': reqs.map((r) => Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), [v]]))),
    'http.request.body.raw': reqs.map((r) => r.data || null),
  });
}

const Crs = suite('OWASP CRS regression requests');
const crsDir = corpus('coreruleset/regression-tests');
const crsFiles = fs.existsSync(crsDir) ? fs.readdirSync(crsDir).filter((f) => f.endsWith('.yaml')).sort() : [];
const crsAll: Pr = { tp: 0, fp: 0, fn: 0, tn: 0 };
for (const f of crsFiles) {
  Crs(`${f}: requests that trigger the CRS rule are flagged`, () => {
    const reqs = readFtw(fs.readFileSync(path.join(crsDir, f), 'utf8'));
    assert.ok(reqs.length > 0);
    const r = score(ftwTable(reqs));
    const res = pr(reqs.map((q) => q.attack), r.labelCodes);
    for (const k of ['tp', 'fp', 'fn', 'tn'] as const) crsAll[k] += res[k];
    const { recall } = fmt(f, res);
    assert.ok(recall >= 0.5, `recall ${recall}`);
  });
}
Crs('all CRS files together: precision and recall', () => {
  const { precision, recall } = fmt('CRS total', crsAll);
  assert.ok(recall >= 0.8, `recall ${recall}`);
  assert.ok(precision >= 0.8, `precision ${precision}`);
});
Crs.run();

// ------------------------------------------------------------------ fail2ban access logs

const F2b = suite('fail2ban labelled access logs');
const F2B_ACCESS = ['nginx-bad-request.log', 'nginx-botsearch.log', 'apache-badbots.log', 'apache-fakegooglebot.log', 'php-url-fopen.log', 'traefik-auth.log'];
for (const f of F2B_ACCESS) {
  F2b(`${f}: the lines fail2ban matches are flagged`, async () => {
    const lines = fs.readFileSync(corpus('fail2ban-test-logs', f), 'utf8').split('\n');
    const pairs: { match: boolean; line: string }[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^#\s*failJSON:\s*(\{.*\})\s*$/.exec(lines[i] as string);
      if (!m) continue;
      let j = i + 1;
      while (j < lines.length && ((lines[j] as string).startsWith('#') || !(lines[j] as string).trim())) j++;
      pairs.push({ match: Boolean((JSON.parse(m[1] as string) as { match?: boolean }).match), line: lines[j] as string });
    }
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'f2b-')), f);
    fs.writeFileSync(tmp, `${pairs.map((p) => p.line).join('\n')}\n`);
    const { table, report } = await loadTraffic(tmp, { format: 'combined', maxSkippedListed: 1000 });
    // rows are the lines the loader could read, in order; error-log lines are reported as skipped
    const skipped = new Set(report.skipped.map((s) => s.line));
    const kept = pairs.filter((_, i) => !skipped.has(i + 1));
    assert.is(kept.length, table.numRows());
    const r = score(table);
    const res = pr(kept.map((p) => p.match), r.labelCodes);
    fmt(`${f} (${table.numRows()} of ${pairs.length} lines are access-log lines)`, res);
    fs.rmSync(path.dirname(tmp), { recursive: true });
    if (f.startsWith('nginx-') || f === 'php-url-fopen.log') assert.is(res.fn, 0, 'every probe is flagged');
  });
}
F2b.run();

// ------------------------------------------------------------------ StopDDoS captures

const Ddos = suite('StopDDoS captures');
const DDOS: [string, RegExp, number][] = [
  ['pkt.TCP.synflood.spoofed.pcap', /SYN flood to tcp\/25565/, 0.95],
  ['pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng', /SYN flood with ECE\+CWR/, 0.95],
  ['amp.TCP.reflection.SYNACK.pcap', /SYN-ACK|tcp/i, 0.95],
  ['amp.UDP.snmp.src161.pcapng', /SNMP/, 0.9],
  ['amp.UDP.isakmp.pcap', /IKE/, 0.95],
  ['amp.UDP.bacnet.IOT.37810.pcapng', /BACnet|DVR/, 0.95],
];
for (const [f, vector, minMalicious] of DDOS) {
  Ddos(`${f}: almost entirely malicious, with a network rule for the vector or (TCP floods) Advanced TCP Protection`, async () => {
    const { table } = await loadTraffic(corpus('stopddos-packet-captures', f), { format: 'pcap' });
    const r = score(table);
    const share = r.counts.malicious / table.numRows();
    const truth = Array.from({ length: table.numRows() }, () => true);
    fmt(f, pr(truth, r.labelCodes));
    assert.ok(share >= minMalicious, `malicious share ${share}`);
    const a = analyze(r);
    assert.match(a.clusters[0]?.name ?? '', vector);
    const net = a.mitigations.find((m) => m.kind === 'network_firewall' && m.cluster === 'c1');
    if (/SYN/.test(a.clusters[0]?.name ?? '')) assert.ok(a.levers.some((l) => l.kind === 'advanced_tcp_protection'), 'TCP floods: Advanced TCP Protection');
    else {
      assert.ok(net, 'a network firewall rule is proposed');
      assert.ok((net?.clusterCoverage ?? 0) >= 0.9);
    }
  });
}
Ddos.run();
