/**
 * Behaviour detection on labelled scenarios whose attackers look like browsers (bench/scenarios.ts):
 * the scorer sees only the table, the truth stays beside it. Several seeds and parameter mixes,
 * the Logpush form and the origin (combined-log) form through the real loader. Prints recall per
 * attack kind and the benign share labelled malicious, and asserts the acceptance levels
 * (recall >= 0.95 per kind, benign malicious <= 0.5%).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { generateScenario, TRUTH_KINDS, ATTACK_KINDS, type ScenarioOptions } from '../../bench/scenarios.js';
import { scoreLogpush, scoreOrigin, printEvaluation, type Evaluation } from '../../bench/behaviour.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateScenario as scenarioOf, combinedLog } from '../../bench/scenarios.js';
import { score, matchRows, validateRule, baselineRates, PACK } from '../../src/classify/index.js';
import { fieldColumn } from '../../src/classify/columns.js';
import { queryRandomness, queryRandomnessBytes, isLoginPath, sessionToken } from '../../src/classify/behaviour/keys.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { Utf8Column } from '../../src/traffic/utf8.js';
import { synthesize, toNdjson } from '../../bench/synth.js';

function assertAcceptance(e: Evaluation): void {
  printEvaluation(e);
  for (const kind of ATTACK_KINDS) {
    const r = e.byKind[kind];
    if (!r) continue;
    assert.ok(r.flagged / r.rows >= 0.95, `${e.form} seed ${e.seed}: ${kind} recall ${(r.flagged / r.rows).toFixed(3)} < 0.95`);
  }
  assert.ok(e.goodMaliciousShare <= 0.005, `${e.form} seed ${e.seed}: ${(100 * e.goodMaliciousShare).toFixed(2)}% of benign rows labelled malicious`);
}

const Scenarios = suite('behaviour: browser-like attacks over busy benign traffic');

const MIXES: ScenarioOptions[] = [
  { seed: 101, users: 900, corporateUsers: 200, cgnatSessions: 300, floodPerSec: 10 },
  { seed: 202, users: 1200, corporateUsers: 400, cgnatSessions: 200, stuffingPerMin: 40, floodPerSec: 6, floodAddresses: 20000, walkers: 6, walkerIntervalSec: 5, loginFailureStatus: 200 },
  { seed: 303, durationMin: 75, users: 900, cgnatSessions: 500, stuffingPreflightShare: 0.6, floodPerSec: 8, floodTarget: 'cart', floodDictionaryShare: 0.6, walkerKeepsCookies: false, loginFailureStatus: 403 },
];

for (const mix of MIXES) {
  Scenarios(`Logpush form, seed ${mix.seed}: every attack kind is found (recall >= 0.95) and at most 0.5% of benign rows are malicious`, () => {
    assertAcceptance(scoreLogpush(generateScenario(mix)));
  });
}
for (const mix of MIXES.slice(0, 2)) {
  Scenarios(`origin combined log (no JA4, ASN, bot score or cookie), seed ${mix.seed}: the same acceptance through the real loader`, async () => {
    assertAcceptance(await scoreOrigin(generateScenario(mix)));
  });
}

Scenarios('the truth never reaches the scorer: it is returned beside the table, not as a column', () => {
  const s = generateScenario({ seed: 5, users: 200, corporateUsers: 20, cgnatSessions: 30 });
  assert.is(s.truth.length, s.table.numRows());
  for (const name of s.table.columnNames()) assert.not.ok(/truth|population|attack|label/i.test(name), name);
  // attackers carry what a browser carries
  const ua = s.table.array('http.user_agent') as string[];
  const ja4 = s.table.array('cf.bot_management.ja4') as string[];
  const headers = s.table.array('http.request.headers') as Record<string, string[]>[];
  for (let i = 0; i < s.truth.length; i++) {
    if (s.truth[i] === 0) continue;
    assert.ok(ua[i]?.startsWith('Mozilla/5.0 ('), ua[i]);
    assert.ok(/^t13d\d{4}h2_/.test(ja4[i] ?? ''), ja4[i]);
    assert.ok(headers[i]?.['accept-language']?.[0], 'Accept-Language');
  }
});

Scenarios('the generator is deterministic for a seed and differs between seeds', () => {
  const a = generateScenario({ seed: 9, users: 100, corporateUsers: 10, cgnatSessions: 10 });
  const b = generateScenario({ seed: 9, users: 100, corporateUsers: 10, cgnatSessions: 10 });
  const c = generateScenario({ seed: 10, users: 100, corporateUsers: 10, cgnatSessions: 10 });
  assert.equal(a.table.array('ip.src'), b.table.array('ip.src'));
  assert.equal([...a.truth], [...b.truth]);
  assert.not.equal(a.table.array('ip.src'), c.table.array('ip.src'));
  assert.ok(TRUTH_KINDS.every((k, i) => i === 0 || [...a.truth].includes(i)), 'every attack kind present');
});

const Fields = suite('behaviour: fields, reasons and baselines');
const scenario = generateScenario({ seed: 42, users: 800, corporateUsers: 150, cgnatSessions: 200, windows: { 'credential-stuffing': { startMin: 20, durationMin: 10 }, 'search-flood': { startMin: 35, durationMin: 10 }, 'headless-catalogue': { startMin: 10, durationMin: 15 } } });

Fields('behaviour fields are Rules-language fields: a rule over them checks and matches', () => {
  assert.ok(validateRule('behaviour.client.login_attempts ge 1 and behaviour.endpoint.incident').ok);
  const m = matchRows(scenario.table, 'behaviour.client.login_failed_pct ge 50 and behaviour.client.static_pct eq 0 and behaviour.client.login_attempts ge 1');
  let attack = 0;
  let benign = 0;
  m.forEach((x, i) => {
    if (!x) return;
    if (TRUTH_KINDS[scenario.truth[i] as number] === 'credential-stuffing') attack++;
    else benign++;
  });
  assert.ok(attack > 100, `stuffing rows matched: ${attack}`);
  assert.ok(benign < attack / 50, `benign rows matched: ${benign}`);
  const bad = validateRule('behaviour.client.login_atempts ge 1');
  assert.not.ok(bad.ok);
  assert.match(bad.error?.message ?? '', /login_attempts/);
});

Fields('a long walk without assets from a hosting network is a catalogue walk even with forged referers; from a home network, or short, it is not', () => {
  const sig = PACK.signatures.find((x) => x.id === 'bh.catalogue-walk');
  const walk = sig && 'expression' in sig ? sig.expression : '';
  assert.ok(walk, 'the pack has bh.catalogue-walk');
  const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
  const rows: Record<string, unknown>[] = [];
  // [address, ASN, distinct pages]: the same walker (a referer on every other page, no asset)
  const walkers: [string, number, number][] = [['88.198.153.34', 24940, 120], ['73.21.40.9', 7922, 120], ['51.75.103.10', 16276, 60]];
  walkers.forEach(([ip, asn, pages], w) => {
    for (let i = 0; i < pages; i++) {
      rows.push({ timestamp: 1_790_000_000_000 + w * 10 + i * 7_000, 'ip.src': ip, 'ip.src.asnum': asn, 'http.request.method': 'GET', 'http.request.uri.path': `/products/${1000 + i}`, 'http.user_agent': chrome, 'http.referer': i % 2 ? `https://shop.example/products/${999 + i}` : null });
    }
  });
  const t = aq.from(rows);
  const m = matchRows(t, walk);
  const firedOn = (ip: string) => rows.reduce((a: number, r, i) => a + (r['ip.src'] === ip && m[i] ? 1 : 0), 0);
  assert.is(firedOn('88.198.153.34'), 120, '120 pages from a hosting network, half with referers');
  assert.is(firedOn('73.21.40.9'), 0, 'the same walk from a home network sends referers: not this signature');
  assert.is(firedOn('51.75.103.10'), 0, '60 pages from a hosting network: too short to say');
});

Fields('a flood client that forges a referer on every request is still single-purpose once it sends 20+; a forged referer spares only a short one', () => {
  const sig = PACK.signatures.find((x) => x.id === 'bh.single-purpose-client');
  const expr = sig && 'expression' in sig ? sig.expression : '';
  assert.ok(expr, 'the pack has bh.single-purpose-client');
  // a flood from 80 addresses: each sends dozens
  const sc = scenarioOf({ seed: 11, durationMin: 30, users: 300, corporateUsers: 60, cgnatSessions: 60, floodAddresses: 80, windows: { 'search-flood': { startMin: 10, durationMin: 8 } } });
  const flood = TRUTH_KINDS.indexOf('search-flood');
  const truth = sc.truth;
  const ref = Array.from(sc.table.array('http.referer') as ArrayLike<unknown>, (v, i) => (truth[i] === flood ? 'https://shop.example/search?q=shoes' : v));
  const forged = sc.table.assign({ 'http.referer': ref });
  const before = matchRows(sc.table, expr);
  const after = matchRows(forged, expr);
  const ips = sc.table.array('ip.src') as ArrayLike<unknown>;
  const perIp = new Map<unknown, number>();
  for (let i = 0; i < truth.length; i++) if (truth[i] === flood) perIp.set(ips[i], (perIp.get(ips[i]) ?? 0) + 1);
  let busy = 0;
  let busyMatched = 0;
  let matchedBefore = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== flood) continue;
    if (before[i]) matchedBefore++;
    if ((perIp.get(ips[i]) ?? 0) >= 20 && before[i]) {
      busy++;
      if (after[i]) busyMatched++;
    }
  }
  assert.ok(matchedBefore > 100, `flood rows single-purpose before: ${matchedBefore}`);
  assert.ok(busy > 100, `flood rows from sources of 20+ requests: ${busy}`);
  assert.is(busyMatched, busy, 'with forged referers, the busy flood sources stay single-purpose');
  // benign rows gain nothing from the change: a referer-carrying benign client is not matched
  let benign = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === 0 && after[i]) benign++;
  assert.ok(benign <= 5, `benign rows matched: ${benign}`);
});

Fields('reasons say what the endpoint did, in words with numbers, and the report names the baseline', () => {
  const r = score(scenario.table);
  const reasons = r.table.array('reasons') as (readonly string[])[];
  const i = [...scenario.truth].findIndex((t, j) => TRUTH_KINDS[t] === 'credential-stuffing' && (reasons[j] ?? []).some((x) => x.startsWith('bh.credential-stuffing')));
  assert.ok(i >= 0);
  const text = (reasons[i] ?? []).find((x) => x.startsWith(`bh.credential-stuffing@${PACK.version}: `)) as string;
  assert.match(text, /^bh\.credential-stuffing@[\d.]+: \d+ login POSTs to POST \/login from \d+ addresses in \d+ min, \d+% failed, \d+% with no session \(baseline [\d.]+\/min\)$/);
  assert.is(r.behaviour?.baseline.kind, 'auto');
  assert.match(r.behaviour?.baseline.description ?? '', /automatic baseline/);
  assert.ok(r.behaviour?.baseline.incidents.some((x) => x.endpoint === 'POST /login'));
  assert.ok(r.behaviour?.baseline.incidents.some((x) => x.endpoint === 'GET /search'));
});

Fields('a baseline time range is used when given, and the report says so', () => {
  const start = (scenario.table.array('timestamp') as number[])[0] as number;
  const t = scenario.table.slice(0);
  const r = score(t, { baseline: { from: start, to: start + 9 * 60000 } });
  assert.is(r.behaviour?.baseline.kind, 'range');
  assert.match(r.behaviour?.baseline.description ?? '', /time range/);
  assert.ok(r.behaviour?.baseline.incidents.some((x) => x.endpoint === 'POST /login'));
  // the same table scored again without one goes back to the automatic split
  assert.is(score(t).behaviour?.baseline.kind, 'auto');
});

const finite = (a: Float64Array) => a.every((x) => Number.isFinite(x));

Fields('a baseline from another (quiet) log is used when given; an empty one is reported, not used', () => {
  const quiet = generateScenario({ seed: 43, users: 800, corporateUsers: 150, cgnatSessions: 200, attacks: [] });
  const r = score(scenario.table.slice(0), { baseline: baselineRates(quiet.table, 'quiet.ndjson') });
  assert.is(r.behaviour?.baseline.kind, 'file');
  assert.match(r.behaviour?.baseline.description ?? '', /quiet\.ndjson/);
  assert.ok(r.behaviour?.baseline.incidents.some((x) => x.endpoint === 'GET /search'));
  let caught = 0;
  let total = 0;
  scenario.truth.forEach((t, i) => {
    if (TRUTH_KINDS[t] !== 'credential-stuffing') return;
    total++;
    if ((r.labelCodes[i] as number) >= 1) caught++;
  });
  assert.ok(caught / total >= 0.95, `stuffing recall with a file baseline ${caught}/${total}`);
  const empty = score(scenario.table.slice(0), { baseline: baselineRates(quiet.table.slice(0, 0), 'empty.log') });
  assert.is(empty.behaviour?.baseline.kind, 'none');
  assert.match(empty.behaviour?.baseline.description ?? '', /empty\.log has no rows/);
  assert.ok(finite(empty.scores));
});

Fields('bad input: no timestamps gives no baseline and a clear note, no crash and no NaN', () => {
  const t = scenario.table.select(aq.not('timestamp'));
  const r = score(t);
  assert.ok(finite(r.scores));
  assert.is(r.behaviour?.baseline.kind, 'none');
  assert.match(r.behaviour?.baseline.description ?? '', /no timestamps/);
  assert.match(r.table.toString(), /.*/);
});

Fields('bad input: one source address only is noted, scores stay finite', () => {
  const n = scenario.table.numRows();
  const t = scenario.table.slice(0, 3000).assign({ 'ip.src': Array.from({ length: Math.min(n, 3000) }, () => '198.51.100.23') });
  const r = score(t);
  assert.ok(finite(r.scores));
  assert.ok(r.behaviour?.warnings.some((w) => /one source address/.test(w)), JSON.stringify(r.behaviour?.warnings));
});

Fields('bad input: no login endpoint is noted; an empty baseline range is reported, not used', () => {
  const noLogin = scenario.table.filter(aq.escape((d: Record<string, unknown>) => !String(d['http.request.uri.path']).includes('login')));
  const r = score(noLogin, { baseline: { from: 0, to: 1000 } });
  assert.ok(finite(r.scores));
  assert.ok(r.behaviour?.warnings.some((w) => /no login endpoint/.test(w)));
  assert.is(r.behaviour?.baseline.kind, 'none');
  assert.match(r.behaviour?.baseline.description ?? '', /holds no minute of this log/);
});

Fields('bad input: a log of a few rows (too short for a baseline) scores without NaN', () => {
  const t = scenario.table.slice(0, 5);
  const r = score(t);
  assert.ok(finite(r.scores));
  assert.is(r.behaviour?.baseline.kind, 'none');
});

Fields('a behaviour flag (a 0/1 byte column) is true in a rule exactly on its rows, alone and next to other fields', () => {
  const method = scenario.table.array('http.request.method') as ArrayLike<unknown>;
  const p = scenario.table.array('http.request.uri.path') as ArrayLike<unknown>;
  const expected = Array.from({ length: scenario.table.numRows() }, (_, i) => (method[i] === 'POST' && isLoginPath(p[i]) ? 1 : 0));
  assert.equal(Array.from(matchRows(scenario.table, 'behaviour.request.login')), expected);
  assert.equal(Array.from(matchRows(scenario.table, 'behaviour.request.login and http.request.method eq "POST"')), expected);
  assert.equal(Array.from(matchRows(scenario.table, 'not behaviour.request.login')), expected.map((x) => 1 - x));
});

Fields('a session is the site\'s cookie, never one Cloudflare sets on every client (__cf_bm, _cfuvid, cf_clearance)', () => {
  assert.is(sessionToken('sid=7fiDRqUoPL2Bm50krEAoHzGWlPmDtcTK'), 'sid=7fiDRqUoPL2Bm50krEAoHzGWlPmDtcTK');
  assert.is(sessionToken('__cf_bm=IeBI1LG7mrp25goreI9QxrJGxcqju4SkaqpNe7lZrrS-1795144765-1.0.1.1-DVWA1x; sid=7fiDRqUo'), 'sid=7fiDRqUo');
  assert.is(sessionToken('__cf_bm=IeBI1LG7mrp25goreI9QxrJGxcqju4SkaqpNe7lZrrS-1795144765-1.0.1.1-DVWA1x'), null);
  assert.is(sessionToken('_cfuvid=abcdefghijklmnopqrstuvwxyz0123456789; cf_clearance=abcdefghijklmnopqrstuvwxyz0123456789abcdef'), null);
  // an unnamed cookie is still taken by its length when it is the site's
  assert.is(sessionToken('__cf_bm=IeBI1LG7mrp25goreI9QxrJGxcqju4Skaq; cart=9f8e7d6c5b4a'), 'cart=9f8e7d6c5b4a');
});

Fields('query randomness: words are not random, letter-digit tokens are, non-ASCII text is not; bytes inside a larger buffer read the same', () => {
  const cases: [string, number][] = [
    ['q=running+shoes', 0],
    ['q=xk2j9qz7', 100],
    ['q=xk2j9qz7&page=2', 100],
    ['sku=AB-1234&orderid=99812', 0],
    ['q=%E4%BD%A0%E5%A5%BD', 0],
    ['q=caf\u00e9+cr\u00e8me', 0],
    // 6 + 5 word characters and a 10-character token: 10 of 21 are random
    ['q=summer+dress&sid=a8f3k2m9q1', 48],
  ];
  for (const [q, want] of cases) {
    assert.is(queryRandomness(q), want, q);
    const b = Buffer.from(`xx${q}yy`, 'utf8');
    assert.is(queryRandomnessBytes(b, 2, b.length - 2), want, q);
  }
});

Fields('behaviour fields are the same from a loader\'s dictionary and byte columns as from plain arrays', async () => {
  const s = scenarioOf({ seed: 7, durationMin: 30, users: 300, corporateUsers: 60, cgnatSessions: 60, windows: { 'credential-stuffing': { startMin: 10, durationMin: 6 }, 'search-flood': { startMin: 18, durationMin: 6 }, 'headless-catalogue': { startMin: 5, durationMin: 10 } } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhperf-fields-'));
  try {
    const file = path.join(dir, 'access.log');
    fs.writeFileSync(file, combinedLog(s));
    const { table } = await loadTraffic(file, { format: 'combined' });
    // the same rows as plain arrays (no dictionary codes, no UTF-8 bytes)
    const plainTable = aq.table(Object.fromEntries(table.columnNames().map((c) => [c, Array.from(table.array(c) as ArrayLike<unknown>)])));
    const fields = new Set<string>();
    for (const sig of PACK.signatures) for (const m of (sig.kind === 'expression' ? sig.expression : '').matchAll(/behaviour\.[a-z_.]+/g)) fields.add(m[0]);
    assert.ok(fields.size >= 20, `${fields.size} behaviour fields in the pack`);
    for (const f of fields) assert.equal(Array.from(fieldColumn(table, f)), Array.from(fieldColumn(plainTable, f)), f);
    assert.equal(score(table).labelCodes, score(plainTable).labelCodes);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Fields('behaviour fields are the same from a Logpush load (queries kept as UTF-8 bytes) as from plain arrays', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhperf-logpush-'));
  try {
    const file = path.join(dir, 'http.ndjson');
    fs.writeFileSync(file, toNdjson(synthesize({ seed: 5, durationSec: 900, benignRps: 20, attackRps: 15, attackStart: 0.3, attackEnd: 0.7, limit: 20000 })));
    const { table } = await loadTraffic(file, { format: 'logpush' });
    // the path under test: the loader left the near-unique queries as bytes
    assert.ok((table.data() as Record<string, unknown>)['http.request.uri.query'] instanceof Utf8Column);
    const plainTable = aq.table(Object.fromEntries(table.columnNames().map((c) => [c, Array.from(table.array(c) as ArrayLike<unknown>)])));
    for (const f of ['behaviour.endpoint.queries', 'behaviour.endpoint.query_unique_pct', 'behaviour.endpoint.query_random_pct', 'behaviour.request.random_query', 'behaviour.client.paths', 'behaviour.actor.interval_cv_pct', 'behaviour.endpoint.sources']) {
      assert.equal(Array.from(fieldColumn(table, f)), Array.from(fieldColumn(plainTable, f)), f);
    }
    assert.equal(score(table).labelCodes, score(plainTable).labelCodes);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Scenarios.run();
Fields.run();
