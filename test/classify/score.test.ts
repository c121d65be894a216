import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { score, analyze, backtest, parseRules, PACK, knownGoodMask, ClassifyError, writeScored, rule, type Signature, type ScoreResult } from '../../src/classify/index.js';
import { DISPLAY, type DisplayData } from '../../src/display.js';
import { synthesize, toColumns, MONITORING_RANGES, ATTACK_KINDS, type AttackKind } from '../../bench/synth.js';
import { ROOT } from '../helpers/paths.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { ColumnBuilder } from '../../src/traffic/columns.js';
import { Utf8Column } from '../../src/traffic/utf8.js';
import { UTF8_COLUMN_EXPRESSIONS } from './rules-cases.js';
import { startRowLocal } from '../../src/classify/score-parallel.js';

const tiny = () =>
  aq.table({
    timestamp: [0, 1000, 2000, 3000],
    'ip.src': ['192.0.2.1', '198.51.100.7', '203.0.113.9', '192.0.2.1'],
    'http.request.method': ['GET', 'GET', 'GET', 'GET'],
    'http.request.uri.path': ['/', '/.env', '/', '/products/1'],
    'http.user_agent': ['Mozilla/5.0 (X11) Firefox/120.0', 'sqlmap/1.7', 'Googlebot', 'Mozilla/5.0 (X11) Firefox/120.0'],
    'cf.bot_management.verified_bot': [false, false, true, false],
  });

const Score = suite('score');
Score('labels scanner traffic malicious and records the reasons with the pack version', () => {
  const r = score(tiny());
  assert.is(r.table.get('label', 1), 'malicious');
  assert.ok((r.table.get('reasons', 1) as string[]).includes(`l7.scanner-ua@${PACK.version}`));
  assert.is(r.table.get('label', 0), 'good');
  assert.equal(r.counts, { good: 3, suspicious: 0, malicious: 1 });
});
Score('gives the same labels, reasons and fired rows on a fresh load, a two-thread load and a reopened cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-score-cache-'));
  try {
    const file = path.join(dir, 'mix.ndjson');
    const rows = [...synthesize({ seed: 7, durationSec: 120, attacks: ['scanner', 'cache-busting', 'login-stuffing'] })];
    fs.writeFileSync(file, `${rows.map((r) => JSON.stringify(r.record)).join('\n')}\n`);
    const cache = path.join(dir, 'cache');
    const fresh = score((await loadTraffic(file, { format: 'logpush' })).table);
    const twoThreads = score((await loadTraffic(file, { format: 'logpush', workers: 2 })).table);
    await loadTraffic(file, { format: 'logpush', cache });
    const reopened = await loadTraffic(file, { format: 'logpush', cache });
    assert.ok(reopened.report.fromCache);
    const again = score(reopened.table);
    assert.ok(fresh.counts.malicious > 0 && fresh.counts.good > 0);
    for (const other of [twoThreads, again]) {
      assert.equal(other.counts, fresh.counts);
      assert.equal(Array.from(other.labelCodes), Array.from(fresh.labelCodes));
      assert.equal(other.table.array('reasons'), fresh.table.array('reasons'));
      for (const [id, mask] of fresh.fired) assert.equal(Array.from(other.fired.get(id) ?? []), Array.from(mask), id);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Everything score() reports per row and per signature, for comparing two runs. */
function scoredState(r: ScoreResult): unknown {
  return {
    counts: r.counts,
    scores: Array.from(r.scores),
    labels: Array.from(r.labelCodes),
    reasons: r.table.array('reasons'),
    signatures: r.signatures,
    fired: [...r.fired.entries()].map(([id, m]) => [id, Array.from(m)]),
  };
}

Score('counts toward the 52-signature limit only the signatures that apply: the pack plus a few of the user\'s on an HTTP log is fine, 60 applicable ones are a clear error naming the first over the limit', () => {
  const t = aq.table({ 'http.request.method': ['GET', 'POST'], 'http.user_agent': ['a', 'b'] });
  const sig = (i: number): Signature => ({ id: `u${i}`, title: `user ${i}`, layer: 'l7', kind: 'expression', weight: 1, expression: 'http.request.method eq "GET"' });
  assert.ok(PACK.signatures.length > 40, 'the pack alone is most of the limit');
  const few = score(t, { signatures: [1, 2, 3].map(sig) });
  assert.ok(few.signatures.some((s) => s.id === 'u3' && s.fired === 1));
  try {
    score(t, { signatures: Array.from({ length: 60 }, (_, i) => sig(i)), pack: { ...PACK, signatures: [] } });
    assert.unreachable('60 applicable signatures');
  } catch (e) {
    assert.instance(e, ClassifyError);
    assert.match((e as Error).message, /u52.*at most 52 signatures can apply/);
  }
});
Score('gives the same scores, labels, reasons and fired rows with the row-local signatures on a second thread', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-score-par-'));
  try {
    const file = path.join(dir, 'mix.ndjson');
    const rows = [...synthesize({ seed: 11, durationSec: 120, attacks: ['scanner', 'cache-busting', 'login-stuffing', 'http-flood'] })];
    fs.writeFileSync(file, `${rows.map((r) => JSON.stringify(r.record)).join('\n')}\n`);
    const { table } = await loadTraffic(file, { format: 'logpush' });
    // user signatures (one overriding the pack, one failing on this table, fractional weights),
    // an allow list, a known-good expression and a named list: all of them change the results
    const extra: Signature[] = [
      { id: 'l7.empty-ua', title: 'override', layer: 'l7', kind: 'expression', weight: 12.5, expression: 'http.request.uri.path in $probes' },
      { id: 'l7.ip-host', title: 'skips here', layer: 'l7', kind: 'expression', weight: 5, expression: 'tcp.dstport eq 25' },
      { id: 'post', title: 'posts', layer: 'l7', kind: 'expression', weight: 0.1, group: 'g', expression: 'http.request.method eq "POST"' },
      { id: 'get', title: 'gets', layer: 'l7', kind: 'expression', weight: 0.2, group: 'g', exemptKnownGood: false, expression: 'http.request.method eq "GET" and len(http.request.uri.query) gt 0' },
    ];
    const opts = { signatures: extra, allow: ['192.0.2.0/24'], knownGood: 'http.user_agent contains "Googlebot"', lists: { probes: ['/.env', '/wp-login.php'] } };
    const one = score(table, { ...opts, parallel: false });
    const two = score(table, { ...opts, parallel: true });
    assert.ok(one.counts.malicious > 0 && one.counts.good > 0);
    assert.ok(one.signatures.some((s) => s.id === 'l7.ip-host' && !s.applicable));
    assert.ok(one.signatures.some((s) => s.id === 'get' && s.fired > 0));
    assert.equal(scoredState(two), scoredState(one));
    // the worker did answer (a worker that failed would leave everything to this thread, unseen above)
    const run = startRowLocal(table, PACK.signatures, undefined, new Uint8Array(table.numRows()));
    const answered = PACK.signatures.filter((sig) => run?.take(sig) !== undefined).map((sig) => sig.id);
    assert.ok(answered.includes('l7.scanner-ua') && answered.includes('l7.injection'), answered.join(' '));
    assert.not.ok(answered.some((id) => id.startsWith('bh.') || id === 'l7.cache-busting' || id === 'l7.source-rate'), answered.join(' '));
    // a table Arquero made from plain arrays, and more than 26 signatures (both words)
    const sigs: Signature[] = Array.from({ length: 40 }, (_, j) => ({ id: `s${j}`, title: `s${j}`, layer: 'l7', kind: 'expression', weight: 1 + j / 3, expression: j % 2 ? 'http.request.method eq "GET"' : 'http.request.method ne "POST"' }));
    const small = aq.table({ 'http.request.method': ['GET', 'POST', 'HEAD', null] });
    const pack = { name: 'p', version: '1', signatures: sigs };
    assert.equal(scoredState(score(small, { pack, parallel: true })), scoredState(score(small, { pack, parallel: false })));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Score('a signature that fails fails the same way with the row-local signatures on a second thread', () => {
  const bad: Signature[] = [{ id: 'bad', title: 'b', layer: 'l7', kind: 'expression', weight: 1, expression: 'http.user_agent eq' }];
  for (const parallel of [false, true]) assert.throws(() => score(tiny(), { signatures: bad, parallel }), (e: Error) => e instanceof ClassifyError && /signature "bad"/.test(e.message));
});

Score('records reasons for more than 26 signatures firing on one row', () => {
  const sigs: Signature[] = Array.from({ length: 40 }, (_, j) => ({ id: `s${j}`, title: `s${j}`, layer: 'l7', kind: 'expression', weight: 1, expression: j % 2 ? 'http.request.method eq "GET"' : 'http.request.method ne "POST"' }));
  const t = aq.table({ 'http.request.method': ['GET', 'POST', 'HEAD'] });
  const r = score(t, { pack: { name: 'p', version: '1', signatures: sigs } });
  assert.equal(Array.from(r.scores), [40, 0, 20]);
  assert.equal(r.table.get('reasons', 0), sigs.map((s) => `${s.id}@1`));
  assert.equal(r.table.get('reasons', 2), sigs.filter((_, j) => j % 2 === 0).map((s) => `${s.id}@1`));
  assert.equal(r.table.get('reasons', 1), []);
  assert.is(r.fired.get('s39')?.[0], 1);
  // the masks come from the words: every signature, both words, equal to its rule's own mask
  for (const sig of sigs) assert.equal(Array.from(r.fired.get(sig.id) ?? []), Array.from(rule((sig as { expression: string }).expression, t).mask(t)), sig.id);
  assert.is(r.fired.size, 40);
  assert.equal([...r.fired.keys()], sigs.map((s) => s.id));
  assert.is(r.fired.get('nope'), undefined);
});

Score('a known-good row is left out of the fired mask of an exempt signature and kept in a non-exempt one', () => {
  const t = aq.table({ 'http.request.method': ['GET', 'GET'], 'cf.bot_management.verified_bot': [true, false] });
  const sigs: Signature[] = [
    { id: 'exempt', title: 'x', layer: 'l7', kind: 'expression', weight: 10, expression: 'http.request.method eq "GET"' },
    { id: 'always', title: 'y', layer: 'l7', kind: 'expression', weight: 10, exemptKnownGood: false, expression: 'http.request.method eq "GET" and http.request.method ne "PUT"' },
  ];
  const r = score(t, { pack: { name: 'p', version: '1', signatures: sigs } });
  assert.equal(Array.from(r.fired.get('exempt') ?? []), [0, 1]);
  assert.equal(Array.from(r.fired.get('always') ?? []), [1, 1]);
  assert.equal(r.signatures.map((s) => s.fired), [1, 2]);
});

Score('skips signatures whose fields the table lacks and says why', () => {
  const r = score(tiny());
  const ja4 = r.signatures.find((s) => s.id === 'l7.browser-ua-library-tls');
  assert.is(ja4?.applicable, false);
  assert.match(ja4?.skipped ?? '', /cf.bot_management.ja4/);
});
Score('user signatures add to and override the pack', () => {
  const extra: Signature[] = [
    { id: 'home-page', title: 'home page', layer: 'l7', kind: 'expression', weight: 65, expression: 'http.request.uri.path eq "/"' },
    { id: 'l7.scanner-ua', title: 'off', layer: 'l7', kind: 'expression', weight: 0, expression: 'http.host eq "x"', enabled: false },
  ];
  const r = score(tiny(), { signatures: extra });
  assert.is(r.table.get('label', 0), 'malicious');
  assert.is(r.table.get('label', 2), 'good', 'a verified bot stays exempt');
  assert.not.ok(r.signatures.some((s) => s.id === 'l7.scanner-ua'));
});
Score('count and distinct-values signatures fire exactly where naive counts reach their thresholds', () => {
  // 3,000 rows over 40 sources and 5-minute spans: windows x sources stays small (dense counters);
  // the same data spread over years makes windows far outnumber the rows (the Map branch)
  // and both again in time order (windows numbered at first sight from the first time, no
  // pass for the range, no renumbering table)
  for (const [spreadMs, sorted] of [[300_000, false], [300_000, true], [3e11, false], [3e11, true]] as const) {
    const n = 3000;
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const ts = Array.from({ length: n }, () => Math.floor(rnd() * spreadMs));
    if (sorted) ts.sort((a, b) => a - b);
    const ip = Array.from({ length: n }, () => `10.0.0.${Math.floor(rnd() * 40)}`);
    const path = Array.from({ length: n }, () => (rnd() < 0.05 ? null : `/p/${Math.floor(rnd() * (rnd() < 0.5 ? 3 : 60))}`));
    const t = aq.table({ timestamp: ts, 'ip.src': ip, 'http.request.uri.path': path });
    const sig: Signature = { id: 'spread', title: 'paths per source', layer: 'l7', kind: 'aggregate', weight: 60, key: ['ip.src'], window: 60, measure: 'distinct', of: 'http.request.uri.path', threshold: 8 };
    const burst: Signature = { id: 'burst', title: 'rows per source', layer: 'l7', kind: 'aggregate', weight: 1, key: ['ip.src'], window: 60, measure: 'count', threshold: 3 };
    const r = score(t, { pack: { ...PACK, signatures: [sig, burst] } });
    const t0 = Math.min(...ts);
    const sets = new Map<string, Set<string>>();
    const keyOf = (i: number) => `${ip[i]}|${Math.floor(((ts[i] as number) - t0) / 60000)}`;
    for (let i = 0; i < n; i++) if (path[i] !== null) (sets.get(keyOf(i)) ?? sets.set(keyOf(i), new Set()).get(keyOf(i)))?.add(path[i] as string);
    const want = Array.from({ length: n }, (_, i) => ((sets.get(keyOf(i))?.size ?? 0) >= 8 ? 1 : 0));
    assert.equal(Array.from(r.fired.get('spread') ?? []), want, `spread ${spreadMs} ms, sorted ${sorted}`);
    const rowsPer = new Map<string, number>();
    for (let i = 0; i < n; i++) rowsPer.set(keyOf(i), (rowsPer.get(keyOf(i)) ?? 0) + 1);
    assert.equal(Array.from(r.fired.get('burst') ?? []), Array.from({ length: n }, (_, i) => ((rowsPer.get(keyOf(i)) ?? 0) >= 3 ? 1 : 0)), `burst ${spreadMs} ms, sorted ${sorted}`);
    assert.ok(want.includes(1) || spreadMs > 1e9, 'the dense case has groups over the threshold');
  }
});
Score('does not flag known-good sources for volume', () => {
  const n = 200;
  const t = aq.table({
    timestamp: Array.from({ length: n }, (_, i) => i * 10),
    'ip.src': Array.from({ length: n }, () => '192.0.2.5'),
    'http.request.uri.path': Array.from({ length: n }, () => '/health'),
    'http.user_agent': Array.from({ length: n }, () => 'monitor/1.0'),
  });
  assert.is(score(t).counts.suspicious, n, 'unknown busy source is suspicious');
  assert.is(score(t, { allow: ['192.0.2.0/28'] }).counts.good, n, 'allowlisted source is good');
  assert.is(score(t, { knownGood: 'http.user_agent eq "monitor/1.0"' }).counts.good, n);
});
Score('counts per source and window even when windows far outnumber the rows', () => {
  // 1 s windows over ~11 days: keys x windows (2 x 1e6) is renumbered to the groups that occur
  const ts = [0, 100, 200, 5e8, 5e8 + 1, 5e8 + 2, 1e9, 1e9 + 10, 1e9 + 20, 3e5, 6e5, 9e5];
  const src = ['192.0.2.1', '192.0.2.1', '192.0.2.1', '198.51.100.7', '198.51.100.7', '198.51.100.7', '192.0.2.1', '198.51.100.7', '192.0.2.1', '192.0.2.1', '192.0.2.1', '192.0.2.1'];
  const paths = ['/a', '/b', '/c', '/a', '/a', '/a', '/a', '/b', '/c', '/a', '/a', '/a'];
  const t = aq.table({ timestamp: ts, 'ip.src': src, 'http.request.uri.path': paths, 'http.user_agent': ts.map(() => 'x') });
  const sigs: Signature[] = [
    { id: 'burst', title: 'burst', layer: 'l7', kind: 'aggregate', weight: 1, key: ['ip.src'], window: 1, measure: 'count', threshold: 3 },
    { id: 'spread', title: 'spread', layer: 'l7', kind: 'aggregate', weight: 1, key: ['ip.src'], window: 1, measure: 'distinct', of: 'http.request.uri.path', threshold: 3 },
  ];
  const r = score(t, { pack: { name: 'p', version: '1', signatures: sigs } });
  assert.equal(Array.from(r.fired.get('burst') ?? []), [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.equal(Array.from(r.fired.get('spread') ?? []), [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});
Score('a signature with a broken expression fails with its id', () => {
  assert.throws(() => score(tiny(), { signatures: [{ id: 'bad', title: 'b', layer: 'l7', kind: 'expression', weight: 1, expression: 'http.user_agent eq' }] }), (e: Error) => e instanceof ClassifyError && /signature "bad"/.test(e.message));
});
Score.run();

const KG = suite('knownGoodMask');
KG('marks verified bots and allowlisted ranges', () => assert.equal(Array.from(knownGoodMask(tiny(), { allow: ['198.51.100.0/24'] })), [0, 1, 1, 0]));
KG.run();

const Rules = suite('parseRules');
Rules('reads JSON and line formats and reports the line of a bad expression', () => {
  assert.is(parseRules('[{"id":"a","weight":5,"expression":"http.host eq \\"x\\""}]').signatures.length, 1);
  const lines = parseRules('# comment\nold-api 40 starts_with(http.request.uri.path, "/v1/")\n', 'my.rules');
  assert.is(lines.signatures[0]?.weight, 40);
  assert.throws(() => parseRules('x 1 http.host eq\n', 'my.rules'), /my\.rules:1.*column/s);
});
Rules.run();

const Backtest = suite('backtest');
Backtest('gives the share of attack and good rows matched', () => {
  const attack = Uint8Array.from([0, 1, 0, 0]);
  const b = backtest(tiny(), 'http.request.uri.path eq "/.env" or http.request.uri.path eq "/products/1"', { attack });
  assert.is(b.attack, 1);
  assert.is(b.good, 1 / 3);
  assert.ok(b.hitsGood);
});
Backtest.run();

// ------------------------------------------------------------- acceptance on labelled synthetic traffic
const Display = suite('display');
Display('score results and analyses show themselves as escaped HTML tables plus JSON', () => {
  const t = aq.table({
    'ip.src': ['203.0.113.9', '203.0.113.9'],
    'http.request.method': ['GET', 'GET'],
    'http.request.uri.path': ['/<script>alert(1)</script>/.env', '/'],
    'http.user_agent': ['sqlmap/1.7 <b>', 'sqlmap/1.7 <b>'],
  });
  const r = score(t);
  const d = r[DISPLAY]() as DisplayData;
  assert.match(String(d.data['text/html']), /<table/);
  assert.not.match(String(d.data['text/html']), /<b>/);
  assert.is((d.data['application/json'] as { rows: number }).rows, 2);
  const a = analyze(r);
  const ad = a[DISPLAY]() as DisplayData;
  assert.match(String(ad.data['text/html']), /proposed mitigations/);
  assert.not.match(String(ad.data['text/html']), /<script>alert/);
  assert.ok(Array.isArray((ad.data['application/json'] as { mitigations: unknown[] }).mitigations));
});
Display.run();

const L34 = suite('analyze (packets)');
L34('a SYN flood to one service port is never answered by blocking the port or every SYN: Advanced TCP Protection instead', () => {
  const n = 400;
  const rows = Array.from({ length: n }, (_, i) => i);
  const t = aq.table({
    timestamp: rows.map((i) => 1_700_000_000_000 + i),
    'ip.src': rows.map((i) => `198.18.${i >> 8}.${i & 255}`),
    'ip.dst': rows.map(() => '192.0.2.80'),
    'ip.proto': rows.map(() => 6),
    'tcp.srcport': rows.map((i) => 1024 + i),
    'tcp.dstport': rows.map(() => 25565),
    'tcp.flags': rows.map(() => 2),
  });
  const r = score(t);
  assert.is(r.counts.malicious, n);
  const a = analyze(r);
  assert.match(a.clusters[0]?.name ?? '', /SYN flood to tcp\/25565/);
  for (const m of a.mitigations) assert.not.match(m.expression, /^tcp\.dstport eq 25565$/);
  assert.ok(a.refused.some((r) => r.guard === 'protected-port' && /25565/.test(r.reason)));
  assert.ok(a.levers.some((l) => l.kind === 'advanced_tcp_protection'));
  assert.ok(a.levers.some((l) => l.kind === 'spectrum' && l.requires.plan === 'pro'));
});
L34.run();

const Write = suite('writeScored');
Write('writes CSV with a header and quotes, and refuses other extensions', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scored-'));
  const r = score(tiny());
  writeScored(r.table, path.join(dir, 'o.csv'));
  const lines = fs.readFileSync(path.join(dir, 'o.csv'), 'utf8').trim().split('\n');
  assert.is(lines.length, 5);
  assert.match(lines[0] ?? '', /^timestamp,ip.src,/);
  assert.match(lines[2] ?? '', /"\[""l7\./);
  assert.throws(() => writeScored(r.table, path.join(dir, 'o.txt')), /\.ndjson or \.csv/);
  fs.rmSync(dir, { recursive: true });
});
Write.run();

const Synth = suite('synthetic attack mixes');
const mixes: AttackKind[][] = [[...ATTACK_KINDS], ['http-flood'], ['login-stuffing', 'scraper'], ['cache-busting', 'scanner']];
for (const [k, mix] of mixes.entries()) {
  Synth(`mix ${mix.join('+')}: attack recall >= 0.95, good malicious <= 0.5%, blocking rules hit >= 90% of their cluster and <= 0.1% of good`, () => {
    const s = toColumns(synthesize({ seed: 100 + k, durationSec: 240, attacks: mix }));
    const t = aq.table(s.columns);
    const r = score(t, { allow: MONITORING_RANGES });
    let attack = 0;
    let caught = 0;
    let goodN = 0;
    let goodMal = 0;
    for (let i = 0; i < s.attack.length; i++) {
      if (s.attack[i]) {
        attack++;
        if (r.labelCodes[i]! >= 1) caught++;
      } else {
        goodN++;
        if (r.labelCodes[i] === 2) goodMal++;
      }
    }
    assert.ok(caught / attack >= 0.95, `recall ${caught / attack}`);
    assert.ok(goodMal / goodN <= 0.005, `good labelled malicious ${goodMal / goodN}`);
    const good = s.attack.map((v) => (v ? 0 : 1));
    const a = analyze(r, { attack: s.attack, good });
    const blocking = a.mitigations.filter((m) => m.kind === 'waf_custom_rule' && m.action === 'block');
    assert.ok(blocking.length >= 1);
    for (const m of blocking) {
      assert.ok(m.clusterCoverage >= 0.9, `${m.expression} covers ${m.clusterCoverage}`);
      assert.ok((m.backtest.truth?.good.share ?? 1) <= 0.001, `${m.expression} hits ${m.backtest.truth?.good.share} of truly good`);
    }
    // the corporate NAT and the verified crawlers are never in a blocking IP list
    for (const m of a.mitigations.filter((x) => x.kind === 'ip_list')) {
      const items = (m.json['items'] as { ip: string }[]).map((x) => x.ip);
      assert.not.ok(items.includes('198.51.100.10'));
      assert.not.ok(items.some((ip) => ip.startsWith('66.249.66.')));
    }
  });
}
Synth.run();

const Cli = suite('runbook classify / rule test');
const sample = path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), ...args], { encoding: 'utf8', cwd: ROOT });
Cli('classify --json prints the summary contract and --out writes every row atomically', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-'));
  const out = path.join(dir, 'scored.ndjson');
  const r = cli('classify', sample, '--json', '--out', out);
  assert.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { rows: number; skipped: number; labels: Record<string, number>; clusters: unknown[]; topSources: unknown[]; mitigations: { kind: string; expression: string; action: string; json: object; backtest: { attack: number; good: number } }[] };
  assert.is(s.rows, 14946);
  assert.is(s.labels['good']! + s.labels['suspicious']! + s.labels['malicious']!, s.rows);
  assert.ok(s.clusters.length >= 3);
  assert.ok(s.mitigations.some((m) => m.kind === 'waf_custom_rule' && m.backtest.attack > 0 && m.backtest.good === 0));
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  assert.is(lines.length, s.rows);
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  for (const k of ['cf.ray_id', 'ip.src', 'score', 'label', 'reasons']) assert.ok(k in first, k);
  assert.equal(fs.readdirSync(dir), ['scored.ndjson']);
  fs.rmSync(dir, { recursive: true });
});
Cli('rule test --json counts matches with labels', () => {
  const r = cli('rule', 'test', 'http.request.method eq "POST" and http.request.uri.path eq "/login"', sample, '--json');
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { matched: number; total: number; labels: Record<string, number> };
  assert.is(j.total, 14946);
  assert.ok(j.matched > 0 && j.matched === j.labels['good']! + j.labels['suspicious']! + j.labels['malicious']!);
});
Cli('rule test exits non-zero with the position of an invalid expression', () => {
  const r = cli('rule', 'test', 'http.request.method eq "POST" and', sample);
  assert.is(r.status, 1);
  assert.match(r.stderr, /RuleSyntaxError/);
  assert.match(r.stderr, /column 33/);
  assert.match(r.stderr, /\^/);
});
Cli.run();

const Bytes = suite('UTF-8 columns');
Bytes('tests on near-unique strings kept as bytes answer like the same tests on plain strings, and leave the column as bytes', () => {
  const n = 140_000;
  const exts = ['js', 'css', 'html', null];
  const path = Array.from({ length: n }, (_, i) => (exts[i % 4] === null ? '/' : `/a/${i % 50}.${exts[i % 4]}`));
  const query = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i % 7 === 0 ? `v=${i}` : i % 11 === 0 ? '' : `cb=${i}&é=${i % 13}`));
  const b = new ColumnBuilder();
  for (let i = 0; i < n; i++) {
    b.put('http.request.uri.path', path[i]);
    b.put('http.request.uri.query', query[i]);
    b.next();
  }
  const cols = b.finish();
  assert.ok(cols['http.request.uri.query'] instanceof Utf8Column);
  const bytes = aq.table(cols);
  const plainT = aq.table({ 'http.request.uri.path': path, 'http.request.uri.query': query });
  for (const expr of UTF8_COLUMN_EXPRESSIONS) {
    const want = [...rule(expr, plainT).mask(plainT)];
    assert.equal([...rule(expr, bytes).mask(bytes)], want, expr);
    assert.ok(want.includes(1) && want.includes(0), 'the test really splits the rows');
  }
  assert.ok(bytes.column('http.request.uri.query') instanceof Utf8Column);
});
Bytes.run();
