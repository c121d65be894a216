import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  curlWaterfall, tracerouteHops, dnsAnswers, certTimeline, backtestChart, curlTimingsFrom, tracerouteHopsFrom, dnsAnswersFrom, certChainFrom, backtestFrom, LABEL_COLORS, VizInputError,
} from '../../src/viz/index.js';
import type { Chart, TraceHop } from '../../src/viz/index.js';
import { corpus, fixture } from '../helpers/paths.js';
import { compileWarnings, items, texts } from './helpers.js';

const run = promisify(execFile);

function clean(c: Chart) {
  assert.equal(compileWarnings(c.spec), [], 'vega-lite compiles the spec without warnings');
  assert.equal(c.warnings, []);
}

/** A minimal reader of `traceroute -n` output (the steps module owns the real parser). */
function parseTraceroute(text: string): TraceHop[] {
  const hops: TraceHop[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const probes: { address: string | null; rttMs: number | null }[] = [];
    let addr: string | null = null;
    for (const tok of (m[2] ?? '').matchAll(/(\*)|(\d+\.\d+\.\d+\.\d+)|([\d.]+) ms/g)) {
      if (tok[1]) probes.push({ address: null, rttMs: null });
      else if (tok[2]) addr = tok[2];
      else probes.push({ address: addr, rttMs: Number(tok[3]) });
    }
    hops.push({ hop: Number(m[1]), probes });
  }
  return hops;
}

// ---------------------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'viz-evidence-'));

const curl = suite('curlWaterfall');
curl('draws the phases of a real curl request to a local TLS server, from curl -w %{json}', async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(tmp, 'k.pem'), '-out', path.join(tmp, 'c.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const server = https.createServer({ key: fs.readFileSync(path.join(tmp, 'k.pem')), cert: fs.readFileSync(path.join(tmp, 'c.pem')) }, (_req, res) => {
    setTimeout(() => res.end('x'.repeat(200_000)), 60); // a slow origin: the wait must dominate
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const { stdout } = await run('curl', ['-sk', '-o', '/dev/null', '-w', '%{json}', '--resolve', `origin.test:${port}:127.0.0.1`, `https://origin.test:${port}/`]);
    const timings = curlTimingsFrom({ kind: 'curl', ok: true, data: JSON.parse(stdout) as unknown, transcript: [] });
    assert.is(timings.length, 1);
    const t = timings[0];
    assert.ok(t && (t.firstByte ?? 0) >= 60, `TTFB ${t?.firstByte}`);
    const c = await curlWaterfall(timings);
    clean(c);
    const phases = (c.rows as { phase: string }[]).map((r) => r.phase);
    assert.ok(phases.includes('TLS handshake'));
    assert.ok(phases.includes('Server wait (TTFB)'));
    assert.is(items(c.svg, 'bar').length, phases.length);
    assert.ok(texts(c.svg).includes('Milliseconds since the request started'));
    assert.ok(texts(c.svg).includes(`https://origin.test:${port}/`), 'the request is labelled with the URL curl reports');
  } finally {
    server.close();
  }
});
curl('skips phases that did not happen (plain HTTP has no TLS) and labels several requests', async () => {
  const c = await curlWaterfall([
    { label: 'via edge', dns: 10, connect: 20, tls: 50, firstByte: 120, total: 130 },
    { label: 'direct to origin', dns: 0, connect: 3, tls: 0, firstByte: 400, total: 410 },
  ]);
  clean(c);
  const rows = c.rows as { request: string; phase: string }[];
  assert.is(rows.filter((r) => r.request === 'via edge').length, 5);
  assert.equal(rows.filter((r) => r.request === 'direct to origin').map((r) => r.phase), ['TCP connect', 'Server wait (TTFB)', 'Content transfer']);
});
curl.run();

// ---------------------------------------------------------------------------------------------
const trace = suite('tracerouteHops');
trace('charts a real traceroute over loopback', async () => {
  const { stdout } = await run('traceroute', ['-n', '-q', '3', '-w', '1', '127.0.0.1']);
  const hops = parseTraceroute(stdout);
  const c = await tracerouteHops(hops, { target: '127.0.0.1' });
  clean(c);
  assert.is(items(c.svg, 'point').length, 3);
  assert.ok(texts(c.svg).includes('1  127.0.0.1'));
});
trace('marks silent and lossy hops and shows every answering probe (saved output)', async () => {
  const hops = parseTraceroute(fs.readFileSync(fixture('viz', 'traceroute-lossy.txt'), 'utf8'));
  const c = await tracerouteHops(hops);
  clean(c);
  assert.is(items(c.svg, 'point').length, 14); // 18 probes, 4 lost
  assert.is(items(c.svg, 'tick').length, 5); // a median per answering hop
  const t = texts(c.svg);
  assert.ok(t.includes('3  *'));
  assert.ok(t.includes('no reply'));
  assert.ok(t.includes('33% loss'));
  const rows = c.rows as { hop: number; medianMs: number | null }[];
  assert.is(rows.find((r) => r.hop === 5)?.medianMs, 25.441);
});
trace('rejects a hop without a number, naming its position', async () => {
  try {
    await tracerouteHops([{ hop: 1, probes: [] }, { probes: [] } as unknown as TraceHop]);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, VizInputError);
    assert.match((e as Error).message, /item #1/);
  }
});
trace.run();

const trAdapter = suite('tracerouteHopsFrom');
trAdapter('reads hops from a step result, with rtt lists or probe objects', () => {
  const hops = tracerouteHopsFrom({ kind: 'traceroute', ok: true, data: { hops: [{ ttl: 1, address: '192.0.2.1', rtts: [1.5, null] }, { hop: 2, probes: [{ ip: '192.0.2.2', rtt: 3 }], loss: 0 }] } });
  assert.equal(hops, [
    { hop: 1, probes: [{ address: '192.0.2.1', rttMs: 1.5 }, { address: '192.0.2.1', rttMs: null }] },
    { hop: 2, probes: [{ address: '192.0.2.2', rttMs: 3 }], loss: 0 },
  ]);
});
trAdapter('says what it looked for when the value has no hops', () => {
  assert.throws(() => tracerouteHopsFrom({ kind: 'traceroute', ok: false, data: { error: 'x' } }), /could not find a list of hops.*error/);
});
trAdapter.run();

// ---------------------------------------------------------------------------------------------
const dns = suite('dnsAnswers');
dns('puts every resolver answer in a matrix coloured by agreement, errors in red', async () => {
  const compare = {
    kind: 'compareResolvers',
    ok: true,
    data: {
      question: { name: 'www.example.test', type: 'A' },
      answers: [
        { resolver: '127.0.0.1:5301', status: 'NOERROR', values: ['192.0.2.10', '192.0.2.11'], ttl: 300, queryTimeMs: 1, cnameChain: [], ad: false, error: null },
        { resolver: '127.0.0.1:5302', status: 'NOERROR', values: ['192.0.2.10'], ttl: 60, queryTimeMs: 1, cnameChain: [], ad: false, error: null },
        { resolver: '[::1]:5303', status: 'SERVFAIL', values: [], ttl: null, queryTimeMs: 2, cnameChain: [], ad: false, error: null },
      ],
      agree: false,
      groups: [],
    },
    transcript: [],
  };
  const c = await dnsAnswers(dnsAnswersFrom(compare), { question: 'www.example.test A' });
  clean(c);
  const cells = items(c.svg).filter((i) => i.tag === 'path' && i.label.includes('resolver'));
  assert.is(cells.length, 4);
  assert.is(cells.filter((x) => x.fill === LABEL_COLORS.good).length, 2, '192.0.2.10 from both answering resolvers');
  assert.is(cells.filter((x) => x.fill === LABEL_COLORS.suspicious).length, 1);
  assert.is(cells.filter((x) => x.fill === LABEL_COLORS.malicious).length, 1);
  const t = texts(c.svg);
  for (const s of ['SERVFAIL', 'TTL 300', 'TTL 60', '[::1]:5303']) assert.ok(t.includes(s), s);
  assert.ok(t.some((s) => s.includes('they disagree')));
});
dns.run();

const dnsAdapter = suite('dnsAnswersFrom');
dnsAdapter('reads dig results, one per resolver, with answer records and their TTLs', () => {
  const sets = dnsAnswersFrom([
    { kind: 'dig', ok: true, data: { server: '127.0.0.1#53', status: 'NOERROR', answer: [{ name: 'a.test.', ttl: 30, class: 'IN', type: 'A', data: '192.0.2.1' }] } },
    { kind: 'dig', ok: false, data: { server: null, status: 'NOREPLY', answer: [] } },
  ]);
  assert.equal(sets, [
    { resolver: '127.0.0.1#53', status: 'NOERROR', values: [{ value: '192.0.2.1', ttl: 30 }] },
    { resolver: 'resolver 2', status: 'NOREPLY', values: [] },
  ]);
});
dnsAdapter.run();

// ---------------------------------------------------------------------------------------------
/** subject CN, notBefore, notAfter of every certificate in a PEM chain, read by openssl. */
function opensslChain(file: string) {
  const pem = fs.readFileSync(file, 'utf8');
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return certs.map((cert) => {
    const out = execFileSync('openssl', ['x509', '-noout', '-subject', '-startdate', '-enddate', '-nameopt', 'multiline'], { input: cert, encoding: 'utf8' });
    return {
      subject: /commonName\s*=\s*(.+)/.exec(out)?.[1]?.trim() ?? 'unknown',
      notBefore: /notBefore=(.+)/.exec(out)?.[1]?.trim() ?? '',
      notAfter: /notAfter=(.+)/.exec(out)?.[1]?.trim() ?? '',
    };
  });
}

const cert = suite('certTimeline');
cert('shows an expired chain read by openssl in red, with the "now" rule', async () => {
  const chain = certChainFrom({ kind: 'tls', ok: true, data: { chain: opensslChain(corpus('tls-cert-chains-from-pcaps', 'spidh.org-expired-2014.chain.pem')) } });
  assert.ok(chain.length >= 2);
  const c = await certTimeline(chain, { now: '2026-01-01T00:00:00Z' });
  clean(c);
  const bars = items(c.svg, 'bar');
  assert.is(bars.length, chain.length);
  assert.ok(bars.some((b) => b.fill === LABEL_COLORS.malicious));
  assert.is(items(c.svg, 'rule mark').length, 1);
  assert.ok(texts(c.svg).some((s) => /^expired [\d,]+ d ago$/.test(s)));
});
cert('colours valid, expiring and not-yet-valid certificates', async () => {
  const c = await certTimeline(
    [
      { subject: 'leaf', notBefore: '2025-12-01', notAfter: '2026-01-10' },
      { subject: 'intermediate', notBefore: '2024-01-01', notAfter: '2030-01-01' },
      { subject: 'future', notBefore: '2027-01-01', notAfter: '2028-01-01' },
    ],
    { now: Date.UTC(2026, 0, 1) },
  );
  clean(c);
  assert.equal((c.rows as { status: string }[]).map((r) => r.status), ['expires soon', 'valid', 'not yet valid']);
  assert.equal(items(c.svg, 'bar').map((b) => b.fill), [LABEL_COLORS.suspicious, LABEL_COLORS.good, '#bab0ac']);
  assert.ok(texts(c.svg).includes('9 d left'));
});
cert('names the certificate whose dates cannot be read', async () => {
  try {
    await certTimeline([{ subject: 'x', notBefore: 'yesterday-ish', notAfter: '2026-01-01' }]);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, VizInputError);
    assert.match((e as Error).message, /chain\[0\]\.notBefore/);
  }
});
cert.run();

const certAdapter = suite('certChainFrom');
certAdapter('accepts a single certificate with validFrom/validTo names and an issuer object', () => {
  assert.equal(certChainFrom({ subject: { CN: 'a.test' }, issuer: { CN: 'CA' }, validFrom: '2025-01-01', validTo: '2026-01-01' }), [
    { subject: 'a.test', issuer: 'CA', notBefore: '2025-01-01', notAfter: '2026-01-01' },
  ]);
});
certAdapter('labels a steps CertInfo by its common name rather than the whole DN', () => {
  const [c] = certChainFrom({ ok: true, kind: 'tls', data: { chain: [{ index: 0, subject: 'CN=www.a.test, O=A', issuer: 'CN=CA', commonName: 'www.a.test', notBefore: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' }] } });
  assert.is(c?.subject, 'www.a.test');
  assert.is(c?.issuer, 'CN=CA');
});
certAdapter.run();

const btAdapter = suite('backtestFrom');
btAdapter('reads classify backtests and mitigations carrying one', () => {
  const classifyBacktest = { attack: 0.9, good: 0.001, matched: 903, total: 6000, attackRows: 1000, goodRows: 5000, attackMatched: 900, goodMatched: 3, hitsGood: false };
  assert.equal(backtestFrom({ mitigations: [{ kind: 'waf', expression: 'http.user_agent eq ""', action: 'block', backtest: classifyBacktest }] }), [
    { name: 'http.user_agent eq ""', attack: { matched: 900, total: 1000 }, good: { matched: 3, total: 5000 } },
  ]);
  assert.equal(backtestFrom([{ name: 'r', attack: { matched: 1, total: 2 }, good: { matched: 0, total: 2 } }]), [{ name: 'r', attack: { matched: 1, total: 2 }, good: { matched: 0, total: 2 } }]);
  assert.throws(() => backtestFrom([{ attack: 0.5, good: 0 }]), /attack and good match counts in item #0/);
});
btAdapter.run();

const curlAdapter = suite('curlTimingsFrom');
curlAdapter('reads ms fields, nested timings, or curl -w seconds', () => {
  assert.equal(curlTimingsFrom({ ok: true, kind: 'curl', data: { timings: { dns: 1, connect: 2, tls: 3, firstByte: 4, total: 5 } } }), [{ dns: 1, connect: 2, tls: 3, firstByte: 4, total: 5 }]);
  assert.equal(curlTimingsFrom([{ time_namelookup: 0.001, time_total: 0.5 }]), [{ dns: 1, total: 500 }]);
  assert.throws(() => curlTimingsFrom({ status: 200 }), /item #0.*status/);
});
curlAdapter('prefers cumulative marks over the phase durations of a steps CurlTiming', () => {
  const timing = { dnsMs: 5, connectMs: 10, tlsMs: 20, firstByteMs: 100, downloadMs: 3, totalMs: 138, redirectMs: 0, namelookup: 5, connect: 15, appconnect: 35, pretransfer: 35, starttransfer: 135 };
  assert.equal(curlTimingsFrom({ kind: 'curl', ok: true, data: { url: 'https://a.test/', timing }, transcript: [] }), [
    { dns: 5, connect: 15, tls: 35, firstByte: 135, total: 138, label: 'https://a.test/' },
  ]);
  const { namelookup: _n, connect: _c, appconnect: _a, pretransfer: _p, starttransfer: _s, ...durations } = timing;
  assert.equal(curlTimingsFrom({ timing: durations }), [{ dns: 5, connect: 15, tls: 35, firstByte: 135, total: 138 }]);
});
curlAdapter.run();

// ---------------------------------------------------------------------------------------------
const bt = suite('backtestChart');
bt('shows per rule the share of attack caught next to the share of good traffic hit', async () => {
  const c = await backtestChart([
    { name: 'empty user agent', attack: { matched: 900, total: 1000 }, good: { matched: 3, total: 5000 } },
    { expression: 'http.request.uri.path eq "/login" and ip.src.asnum in {64496}', attack: { matched: 600, total: 1000 }, good: { matched: 0, total: 5000 } },
  ]);
  clean(c);
  const bars = items(c.svg, 'bar');
  assert.is(bars.filter((b) => b.fill === LABEL_COLORS.malicious).length, 2);
  assert.is(bars.filter((b) => b.fill === LABEL_COLORS.good).length, 2);
  const t = texts(c.svg);
  assert.ok(t.includes('90% (900/1,000)'));
  assert.ok(t.includes('0.1% (3/5,000)'));
  assert.ok(t.includes('empty user agent'));
});
bt('rejects a result without counts, naming its position', async () => {
  try {
    await backtestChart([{ name: 'x' } as never]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /item #0 needs \{ attack/);
  }
});
bt.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
bt.run();
