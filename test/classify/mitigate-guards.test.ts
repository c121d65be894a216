/**
 * The guard rails one by one, the verdict arithmetic (Wilson bounds, unproven), the rate limit
 * replay, shared-address detection, IPv6 list items, plan lint, and bad input to `runbook
 * classify` (invalid rules file, unknown plan, a baseline of another site): clear errors naming
 * the input, nothing written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { ROOT } from '../helpers/paths.js';
import { score, analyze, GUARDS, GUARD_NAMES, wilson, replay, sharedAddresses, listItemFor, parsePlan, ClassifyError } from '../../src/classify/index.js';
import type { Term } from '../../src/classify/mitigate/terms.js';
import type { Evidence } from '../../src/classify/mitigate/evidence.js';
import { decide } from '../../src/classify/mitigate/stage.js';
import { baselineWindowMask } from '../../src/classify/mitigate/evidence.js';
import { figure } from '../../src/classify/mitigate/stats.js';
import { expressionNeeds, rateLimitNeeds } from '../../src/classify/mitigate/requires.js';
import { GOOD_BLOCK_LIMIT, GOOD_CHALLENGE_LIMIT, minReferenceFor } from '../../src/classify/mitigate/thresholds.js';
import { synthesize, toColumns, toNdjson, MONITORING_RANGES, ATTACK_KINDS } from '../../bench/synth.js';

const term = (expr: string, field: string, tags: string[], values?: unknown[]): Term => ({ expr, field, bits: new Uint32Array(1), tags: new Set(tags) as Term['tags'], ...(values ? { values } : {}) });
const noEvidence = { referenceRows: 0, reference: new Uint32Array(1) } as unknown as Evidence;
const l34 = (...terms: Term[]) => ({ layer: 'l34' as const, terms, stateful: false });

const Guards = suite('guard rails');
Guards('every guard has a name and a test below', () => {
  assert.equal(GUARD_NAMES.sort(), ['all-icmp', 'broad-predicate', 'essential-icmp', 'every-new-connection', 'protected-port', 'stateless-syn-ack', 'stateless-tcp-source-port', 'whole-protocol']);
});
Guards('protected-port: the attacked service port (or destination) as a whole is refused, a reflection source port is not', () => {
  const port = term('tcp.dstport eq 25565', 'tcp.dstport', ['tcp', 'dstport'], [25565]);
  const syn = term('tcp.flags.syn', 'tcp.flags', ['tcp', 'syn']);
  assert.match(GUARDS['protected-port'](l34(port), noEvidence)?.reason ?? '', /tcp\/25565 as a whole/);
  assert.ok(GUARDS['protected-port'](l34(port, syn), noEvidence));
  assert.ok(GUARDS['protected-port'](l34(term('ip.dst eq 192.0.2.1', 'ip.dst', ['dst'], ['192.0.2.1'])), noEvidence));
  assert.is(GUARDS['protected-port'](l34(port, term('udp.srcport eq 161', 'udp.srcport', ['udp', 'srcport'], [161])), noEvidence), null);
});
Guards('every-new-connection: SYN alone is refused with SYN cookies / Advanced TCP Protection instead', () => {
  const v = GUARDS['every-new-connection'](l34(term('ip.proto eq "tcp"', 'ip.proto', ['proto', 'tcp'], ['tcp']), term('tcp.flags.syn', 'tcp.flags', ['tcp', 'syn'])), noEvidence);
  assert.match(v?.instead ?? '', /Advanced TCP Protection/);
});
Guards('all-icmp and essential-icmp: all ICMP, or the types PMTUD and tunnel health checks need, are refused', () => {
  assert.match(GUARDS['all-icmp'](l34(term('ip.proto eq "icmp"', 'ip.proto', ['proto', 'icmp'], ['icmp'])), noEvidence)?.reason ?? '', /path-MTU/);
  assert.ok(GUARDS['essential-icmp'](l34(term('icmp.type eq 3', 'icmp.type', ['icmp'], [3])), noEvidence));
  assert.is(GUARDS['essential-icmp'](l34(term('icmp.type eq 13', 'icmp.type', ['icmp'], [13])), noEvidence), null);
});
Guards('whole-protocol: all UDP or all TCP is refused', () => {
  assert.ok(GUARDS['whole-protocol'](l34(term('ip.proto eq "udp"', 'ip.proto', ['proto', 'udp'], ['udp'])), noEvidence));
});
Guards('stateless TCP source ports and SYN-ACKs are refused statelessly, allowed statefully', () => {
  const sport = term('tcp.srcport in {80 443}', 'tcp.srcport', ['tcp', 'srcport'], [80, 443]);
  assert.match(GUARDS['stateless-tcp-source-port'](l34(sport), noEvidence)?.reason ?? '', /tcp\/80, tcp\/443.*own outbound/);
  assert.is(GUARDS['stateless-tcp-source-port']({ ...l34(sport), stateful: true }, noEvidence), null);
  assert.ok(GUARDS['stateless-syn-ack'](l34(term('tcp.flags.syn and tcp.flags.ack', 'tcp.flags', ['tcp', 'synack'])), noEvidence));
});
Guards('broad-predicate: GET, HTTP/1.1, a host or a country alone never make an L7 rule', () => {
  const get = term('http.request.method eq "GET"', 'http.request.method', ['generic'], ['GET']);
  const v11 = term('http.request.version eq "HTTP/1.1"', 'http.request.version', ['generic'], ['HTTP/1.1']);
  assert.ok(GUARDS['broad-predicate']({ layer: 'l7', terms: [get, v11], stateful: false }, noEvidence));
  assert.is(GUARDS['broad-predicate']({ layer: 'l7', terms: [get, term('http.request.uri.path eq "/login"', 'http.request.uri.path', [])], stateful: false }, noEvidence), null);
});
Guards.run();

const Verdict = suite('verdicts');
Verdict('Wilson bounds: 0 of 3,838 proves the block limit, 0 of 100 proves nothing', () => {
  assert.is(minReferenceFor(GOOD_BLOCK_LIMIT), 3838);
  assert.ok(wilson(0, 3838)[1] <= GOOD_BLOCK_LIMIT);
  assert.ok(wilson(0, 3837)[1] > GOOD_BLOCK_LIMIT);
  assert.ok(wilson(0, 100)[1] > GOOD_CHALLENGE_LIMIT);
  assert.equal(wilson(0, 0), [0, 1]);
});
Verdict('too little good traffic is unproven, never safe, and says what would prove it; too many good hits are refused', () => {
  const fig = (gm: number, g: number) => ({ attack: 1, good: g ? gm / g : 0, attackMatched: 100, goodMatched: gm, hitsGood: false, attackFigure: figure(100, 100), goodFigure: figure(gm, g), reference: { incidentRows: g, baselineRows: 0, source: '' } });
  const d = decide(fig(0, 6), 1, { canChallenge: false, unit: 'packets' });
  assert.ok(!('refused' in d) && d.verdict === 'unproven' && !d.safe);
  assert.match((d as { why: string }).why, /3,838 possibly-good packets.*--baseline/);
  const b = decide(fig(0, 5000), 1, { canChallenge: true, unit: 'requests' });
  assert.ok(!('refused' in b) && b.action === 'block' && b.safe);
  assert.ok('refused' in decide(fig(200, 5000), 1, { canChallenge: true, unit: 'requests' }));
  const ch = decide(fig(3, 5000), 1, { canChallenge: true, unit: 'requests' });
  assert.ok(!('refused' in ch) && ch.action === 'managed_challenge' && ch.safe);
});
Verdict('a challenge that hits clients unable to solve one (API, app, library user agents) is held to the block limit for them', () => {
  const fig = (gm: number, g: number, nc: number) => ({ attack: 1, good: gm / g, attackMatched: 100, goodMatched: gm, hitsGood: false, attackFigure: figure(50, 100), goodFigure: figure(gm, g), noChallengeFigure: figure(nc, g), reference: { incidentRows: g, baselineRows: 0, source: '' } });
  // 30 of 10,000 possibly-good requests: a challenge, when browsers are what it hits
  const browsers = decide(fig(30, 10_000, 0), 0.5, { canChallenge: true, unit: 'requests' });
  assert.ok(!('refused' in browsers) && browsers.action === 'managed_challenge' && browsers.safe);
  // the same 30, but 20 of them from an API integration: for it the challenge is a block (0.2% > 0.1%)
  const api = decide(fig(30, 10_000, 20), 0.5, { canChallenge: true, unit: 'requests' });
  assert.ok('refused' in api);
  assert.match(api.refused, /cannot solve a challenge.*0\.1% block limit/);
  // a handful of them stays within the block limit
  const few = decide(fig(30, 10_000, 5), 0.5, { canChallenge: true, unit: 'requests' });
  assert.ok(!('refused' in few) && few.safe);
});
Verdict('an all-attack capture proposes no site-wide GET/POST/HTTP/1.1 block and nothing it calls safe', () => {
  const n = 300;
  const t = aq.table({
    timestamp: Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 100),
    'ip.src': Array.from({ length: n }, (_, i) => `203.0.113.${i % 50}`),
    'http.host': Array.from({ length: n }, () => 'shop.example.com'),
    'http.request.method': Array.from({ length: n }, (_, i) => (i % 2 ? 'GET' : 'POST')),
    'http.request.version': Array.from({ length: n }, () => 'HTTP/1.1'),
    'http.request.uri.path': Array.from({ length: n }, (_, i) => `/.env${i % 3 ? '' : '.bak'}`),
    'http.user_agent': Array.from({ length: n }, () => 'sqlmap/1.7'),
  });
  const a = analyze(score(t));
  assert.ok(a.mitigations.length >= 1);
  for (const m of a.mitigations) {
    assert.not.match(m.expression, /^http\.request\.(method|version) (eq|in) [^ ]+$/);
    if (m.kind !== 'skip_rule') assert.not.ok(m.safe, `${m.expression} is not safe on an all-attack capture`);
  }
});
Verdict.run();

const Rl = suite('rate limit replay and shared addresses');
Rl('replay counts per key and period; a timeout blocks the key until it ends, 0 throttles only the excess', () => {
  // the seventh request comes two periods later: no earlier count weighs on it
  const ts = [0, 100, 200, 300, 400, 5000, 121000, 122000];
  const key = Float64Array.from([1, 1, 1, 1, 1, 1, 1, 2]);
  assert.equal([...replay(ts, key, 60, 3, 0)], [0, 0, 0, 1, 1, 1, 0, 0]);
  assert.equal([...replay(ts, key, 60, 3, 600)], [0, 0, 0, 1, 1, 1, 1, 0]);
  assert.equal([...replay(ts, Float64Array.from([-1, -1, -1, -1, -1, -1, -1, -1]), 60, 0, 0)].every((x) => x === 0), true);
});
Rl('the rate is Cloudflare\'s approximated sliding window: a burst across a window boundary is over the limit, the previous window weighing by the share of the period not yet elapsed', () => {
  // 3 requests at the end of one minute and 3 at the start of the next, limit 3 per 60 s: fixed
  // windows would see 3 and 3 (never over); the sliding estimate at 61 s is 3 x 59/60 + 1
  const ts = [57000, 58000, 59000, 61000, 62000, 63000];
  const key = Int32Array.from([0, 0, 0, 0, 0, 0]);
  assert.equal([...replay(ts, key, 60, 3, 0, undefined, 1)], [0, 0, 0, 1, 1, 1]);
  // late in the next window the previous one has rolled almost off: 3 x 1/60 + 1 is under 3
  assert.equal([...replay([57000, 58000, 59000, 119000], Int32Array.from([0, 0, 0, 0]), 60, 3, 0, undefined, 1)], [0, 0, 0, 0]);
});
Rl('with a counting expression only counted requests increment, and every matched request is acted on while its key is over the limit', () => {
  // a login endpoint: failures (1) count, successes (0) do not; limit 2 per 60 s, throttled
  const ts = [0, 1000, 2000, 3000, 4000, 5000, 130000];
  const key = Int32Array.from([0, 0, 0, 0, 0, 0, 0]);
  const failed = Uint8Array.from([1, 0, 1, 1, 0, 1, 0]);
  assert.equal([...replay(ts, key, 60, 2, 0, undefined, 1, failed)], [0, 0, 0, 1, 1, 1, 0]);
  // without it every request counts
  assert.equal([...replay(ts, key, 60, 2, 0, undefined, 1)], [0, 0, 1, 1, 1, 1, 0]);
});
Rl('plan lint: a counting expression needs Business, a JA4 or path characteristic Enterprise (JA4 with Bot Management), IP with NAT support Business, a throttled block or a timed challenge Enterprise', () => {
  const counted = rateLimitNeeds('http.request.uri.path eq "/login"', ['cf.colo.id', 'ip.src'], 10, 10, 'block', 'http.request.uri.path eq "/login" and http.response.code in {401 403}').done();
  assert.is(counted.plan, 'business');
  assert.ok(counted.reasons.some((r) => /counting expression/.test(r)));
  const ja4 = rateLimitNeeds('http.request.uri.path eq "/login"', ['cf.colo.id', 'cf.bot_management.ja4'], 60, 0, 'managed_challenge').done();
  assert.is(ja4.plan, 'enterprise');
  assert.ok(ja4.botManagement);
  assert.ok(ja4.products.includes('Advanced Rate Limiting'));
  const perPath = rateLimitNeeds('http.request.uri.path eq "/login"', ['cf.colo.id', 'http.request.uri.path'], 60, 0, 'managed_challenge').done();
  assert.is(perPath.plan, 'enterprise');
  assert.not.ok(perPath.botManagement);
  assert.is(rateLimitNeeds('http.request.uri.path eq "/x"', ['cf.colo.id', 'cf.unique_visitor_id'], 10, 10, 'block').done().plan, 'business');
  assert.is(rateLimitNeeds('http.request.uri.path eq "/x"', ['cf.colo.id', 'ip.src'], 10, 0, 'block').done().plan, 'enterprise');
  assert.is(rateLimitNeeds('http.request.uri.path eq "/x"', ['cf.colo.id', 'ip.src'], 10, 600, 'managed_challenge').done().plan, 'enterprise');
  assert.is(rateLimitNeeds('http.request.uri.path eq "/x"', ['cf.colo.id', 'ip.src'], 10, 0, 'managed_challenge').done().plan, 'free');
});
Rl('the pre-attack window ends where the first of several attacks starts, and an all-attack capture has none', () => {
  const n = 5000;
  const ts = Array.from({ length: n }, (_, i) => i * 1000);
  const t = aq.table({ timestamp: ts });
  // a small attack from row 2000 (10 a bucket of 100 rows), a flood over rows 3000-3999 (every row), quiet after
  const mal = Uint8Array.from(ts.map((_, i) => (i >= 3000 && i < 4000 ? 1 : i >= 2000 && i < 4000 && i % 10 === 0 ? 1 : 0)));
  const w = baselineWindowMask(t, mal);
  const end = w.lastIndexOf(1);
  assert.ok(end >= 1800 && end < 2000, `window ends before the first attack (at row ${end})`);
  assert.is(baselineWindowMask(t, new Uint8Array(n).fill(1)).indexOf(1), -1);
});
Rl('an address with many sessions or user agents over several TLS stacks is shared; a bot rotating user agents on one stack is not', () => {
  const t = aq.table({
    'ip.src': ['198.51.100.10', '198.51.100.10', '198.51.100.10', '203.0.113.9', '203.0.113.9', '203.0.113.9', '203.0.113.9', '203.0.113.9'],
    'http.cookie': ['s=1', 's=2', 's=3', null, null, null, null, null],
    'http.user_agent': ['a', 'b', 'c', 'u1', 'u2', 'u3', 'u4', 'u5'],
    'cf.bot_management.ja4': ['x', 'y', 'x', 'j', 'j', 'j', 'j', 'j'],
  });
  assert.equal([...sharedAddresses(t)], ['198.51.100.10']);
});
Rl('on labelled traffic, no per-IP rate limit ever counts the corporate NAT or the CGNAT addresses', () => {
  const s = toColumns(synthesize({ seed: 21, durationSec: 240, attacks: [...ATTACK_KINDS] }));
  const t = aq.table(s.columns);
  const a = analyze(score(t, { allow: MONITORING_RANGES }), { allow: MONITORING_RANGES });
  const ip = s.columns['ip.src'] as string[];
  for (const m of a.mitigations.filter((x) => x.kind === 'rate_limit')) {
    const ch = (m.json['ratelimit'] as { characteristics: string[] }).characteristics;
    if (ch.join() !== 'cf.colo.id,ip.src') continue;
    const mask = a.rowsMatched(m.id) as Uint8Array;
    for (let i = 0; i < mask.length; i++) if (mask[i]) assert.not.ok(ip[i] === '198.51.100.10' || (ip[i] ?? '').startsWith('172.58.'), `${m.id} limits shared ${ip[i]}`);
  }
});
Rl.run();

const Lists = suite('lists');
Lists('IPv6 list items are /64 prefixes (the Lists API takes no single IPv6 address); IPv4 stays an address', () => {
  assert.is(listItemFor('2001:DB8:6a0b:1a01:5::1'), '2001:db8:6a0b:1a01::/64');
  assert.is(listItemFor('2001:db8::1'), '2001:db8:0:0::/64');
  assert.is(listItemFor('198.51.100.7'), '198.51.100.7');
});
Lists.run();

const Plans = suite('plan lint');
Plans('what a rule needs: matches is Business, JA4 is Enterprise Bot Management, a 60 s period is Pro, JA4 counting is Advanced Rate Limiting', () => {
  assert.is(expressionNeeds('http.user_agent matches "x"').done().plan, 'business');
  const ja4 = expressionNeeds('cf.bot_management.ja4 eq "t13d"').done();
  assert.is(ja4.plan, 'enterprise');
  assert.ok(ja4.botManagement);
  assert.is(rateLimitNeeds('http.request.uri.path eq "/login"', ['cf.colo.id', 'ip.src'], 10, 10, 'block').done().plan, 'free');
  assert.is(rateLimitNeeds('http.request.uri.path eq "/login"', ['cf.colo.id', 'ip.src'], 60, 10, 'block').done().plan, 'pro');
  const arl = rateLimitNeeds('http.request.uri.path eq "/login"', ['cf.colo.id', 'cf.bot_management.ja4'], 10, 10, 'block').done();
  assert.ok(arl.products.includes('Advanced Rate Limiting') && arl.botManagement);
  assert.throws(() => parsePlan('gold'), (e: unknown) => e instanceof ClassifyError && /--plan "gold" is not a Cloudflare plan; use one of free, pro, business, enterprise/.test((e as Error).message));
});
Plans('with --plan free every proposal either fits Free or says it cannot be deployed there', () => {
  const s = toColumns(synthesize({ seed: 5, durationSec: 200, attacks: ['scanner', 'login-stuffing'] }));
  const a = analyze(score(aq.table(s.columns)), { zone: { plan: 'free', botManagement: false } });
  assert.ok(a.mitigations.length > 0);
  for (const m of a.mitigations) {
    assert.ok(m.requires.plan === 'free' || m.deployable === false, `${m.id} ${m.expression} needs ${m.requires.plan}`);
    assert.not.match(m.expression, /\bmatches\b|cf\.bot_management\./);
    if (m.kind === 'rate_limit') assert.is((m.json['ratelimit'] as { period: number }).period, 10);
  }
});
Plans.run();

const Bad = suite('bad input to runbook classify');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), ...args], { encoding: 'utf8', cwd: ROOT });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mitigate-bad-'));
const traffic = path.join(dir, 'incident.ndjson');
fs.writeFileSync(traffic, toNdjson(synthesize({ seed: 3, durationSec: 60, attacks: ['scanner'] })));
Bad('an invalid expression in the rules file: the file, the signature and the position; nothing written', () => {
  const rules = path.join(dir, 'bad.rules');
  fs.writeFileSync(rules, 'my-rule 50 http.request.uri.path eq \n');
  const out = path.join(dir, 'o1.ndjson');
  const r = cli('classify', traffic, '--rules', rules, '--out', out);
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /bad\.rules/);
  assert.match(r.stderr, /my-rule/);
  assert.not.match(r.stderr, /\n\s+at .*(file:\/\/|node:)/, 'no stack trace');
  assert.match(r.stderr, /column \d+/);
  assert.not.ok(fs.existsSync(out));
});
Bad('a plan that does not exist: named, with the plans that do; nothing written', () => {
  const out = path.join(dir, 'o2.ndjson');
  const r = cli('classify', traffic, '--plan', 'gold', '--out', out);
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /--plan "gold" is not a Cloudflare plan; use one of free, pro, business, enterprise/);
  assert.not.ok(fs.existsSync(out));
});
Bad('a baseline of another site: named, with the hosts that differ; nothing written', () => {
  const other = path.join(dir, 'other.ndjson');
  fs.writeFileSync(other, toNdjson(synthesize({ seed: 4, durationSec: 30, attacks: [] })).replaceAll('shop.example.com', 'blog.example.org'));
  const out = path.join(dir, 'o3.ndjson');
  const r = cli('classify', traffic, '--baseline', other, '--out', out);
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /--baseline .*other\.ndjson: the baseline is traffic of another site: its http\.host values \(blog\.example\.org\) share none with the incident's \(shop\.example\.com\)/);
  assert.not.ok(fs.existsSync(out));
});
Bad('a baseline of the same site grades the proposals on it', () => {
  const same = path.join(dir, 'same.ndjson');
  fs.writeFileSync(same, toNdjson(synthesize({ seed: 6, durationSec: 120, attacks: [] })));
  const r = cli('classify', traffic, '--baseline', same, '--json');
  assert.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { evidence: { baselineRows: number; source: string }; mitigations: { backtest: { reference: { baselineRows: number } }; safe: boolean; requires: object; require: object; api: unknown[] }[] };
  assert.ok(s.evidence.baselineRows > 1000);
  assert.match(s.evidence.source, /rows of --baseline/);
  for (const m of s.mitigations) {
    assert.is(m.backtest.reference.baselineRows, s.evidence.baselineRows);
    assert.type(m.safe, 'boolean');
    assert.equal(m.require, m.requires);
    assert.ok(Array.isArray(m.api));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
Bad.run();
