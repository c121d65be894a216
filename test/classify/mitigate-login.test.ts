/**
 * Login protection (src/classify/mitigate/emit/login.ts): the JavaScript-detections stand-in on
 * tiny tables, and on a scenario written for it (mitigate-login.ts: a JSON login API posted from a
 * single-page app, cached bundles, a mobile app on the same API, low-and-slow stuffing over the
 * whole log) the safe mitigations stay within the truly-good limits and stop the stuffing. Graded
 * with the scenario's truth, which the analysis never sees.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { judgeTable } from '../../bench/mitigate-bots.js';
import { score, analyze } from '../../src/classify/index.js';
import { passedStandIn, JSD_LIFESPAN_MS, JS_SET_COOKIE } from '../../src/classify/mitigate/emit/login.js';
import { loginScenario, KINDS3 } from './mitigate-login.js';

const T = Date.UTC(2026, 0, 1);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SID = 'sid=0123456789abcdef0123456789abcdef';
function tiny(rows: { t: number; ip: string; p: string; m?: string; ck?: string | null }[]) {
  const table = aq.table({
    timestamp: rows.map((r) => T + r.t),
    'ip.src': rows.map((r) => r.ip),
    'http.user_agent': rows.map(() => UA),
    'http.request.method': rows.map((r) => r.m ?? 'GET'),
    'http.request.uri.path': rows.map((r) => r.p),
    'http.cookie': rows.map((r) => r.ck ?? null),
  });
  const scope = Uint8Array.from(rows, (r) => (r.m === 'POST' ? 1 : 0));
  const evidence = Uint8Array.from(rows, (r) => (r.p.endsWith('.js') ? 1 : 0));
  return passedStandIn(table, scope, evidence);
}

test('passedStandIn: a login POST passes when its client fetched the page\'s scripts before it, and not when it never did', () => {
  const passed = tiny([
    { t: 0, ip: '198.51.100.1', p: '/login' },
    { t: 200, ip: '198.51.100.1', p: '/static/app.js' },
    { t: 9000, ip: '198.51.100.1', p: '/login', m: 'POST' },
    { t: 9500, ip: '203.0.113.9', p: '/login' },
    { t: 9900, ip: '203.0.113.9', p: '/login', m: 'POST' },
  ]);
  assert.equal([...passed], [0, 0, 1, 0, 0]);
});

test('passedStandIn: evidence older than the detections\' lifespan no longer counts, and evidence after the POST never does', () => {
  const passed = tiny([
    { t: 0, ip: '198.51.100.1', p: '/static/app.js' },
    { t: JSD_LIFESPAN_MS + 1, ip: '198.51.100.1', p: '/login', m: 'POST' },
    { t: JSD_LIFESPAN_MS + 5, ip: '198.51.100.2', p: '/login', m: 'POST' },
    { t: JSD_LIFESPAN_MS + 9, ip: '198.51.100.2', p: '/static/app.js' },
  ]);
  assert.equal([...passed], [0, 0, 0, 0]);
});

test('passedStandIn: a session cookie carries the evidence to another address (a phone changing cells), and a cookie only JavaScript sets counts as having run scripts', () => {
  const passed = tiny([
    { t: 0, ip: '198.51.100.1', p: '/static/app.js', ck: SID },
    { t: 5000, ip: '192.0.2.77', p: '/login', m: 'POST', ck: SID },
    { t: 6000, ip: '192.0.2.78', p: '/login', m: 'POST', ck: '_ga=GA1.2.123456789.1700000000' },
    { t: 7000, ip: '192.0.2.79', p: '/login', m: 'POST', ck: 'consent=1' },
  ]);
  assert.equal([...passed], [0, 1, 1, 0]);
  assert.ok(JS_SET_COOKIE.test('sid=x; _ga=GA1.2.1.2'));
  assert.not.ok(JS_SET_COOKIE.test('my_ga=1; sga=2'));
});

for (const seed of [1, 2, 4]) {
  test(`login scenario seed ${seed}: safe mitigations hit <= 0.1% (block) / 1% (challenge) of truly good requests and stop >= 90% of the low-and-slow stuffing without IP lists`, () => {
    const s = loginScenario(seed);
    const kindOf = (i: number) => (s.truth[i] ? (KINDS3[s.truth[i] as number] as string) : null);
    const { a, j } = judgeTable(s.table, kindOf, { lists: false });
    assert.equal(j.worst, []);
    // the app's failed logins are confident attack too; once the skip rule exempts the app, a rule
    // on its user agent acts on nothing and must not be offered as a safe one
    assert.equal(a.mitigations.filter((m) => m.safe && m.kind === 'waf_custom_rule' && m.backtest.attackMatched === 0).map((m) => m.expression), []);
    assert.ok((j.recall['stuffing-low-and-slow'] ?? 0) >= 0.9, `stuffing ${j.recall['stuffing-low-and-slow']}`);
    const jsd = a.mitigations.find((m) => m.expression.includes('cf.bot_management.js_detection.passed'));
    assert.ok(jsd, 'a JavaScript-detections rule on the login API');
    assert.is(jsd.action, 'managed_challenge');
    assert.match(jsd.expression, /http\.request\.uri\.path eq "\/api\/v1\/auth\/session" and http\.request\.method eq "POST"/);
    assert.is(jsd.requires.plan, 'enterprise');
    assert.ok(jsd.requires.botManagement);
    assert.ok(jsd.api.some((r) => r.method === 'PUT' && r.path === '/zones/{zone_id}/bot_management'), 'turns JavaScript detections on');
    assert.match(jsd.breaks ?? '', /mobile apps/);
    // the lower-plan form is the blanket challenge, with what it costs said in figures
    assert.is(jsd.lowerPlan?.requires.plan, 'free');
    assert.ok((jsd.lowerPlan?.backtest.good ?? 0) > jsd.backtest.good);
    // the mobile app posts to the same API: the skip rule exempts it, so the challenge never sees it
    assert.ok(a.mitigations.some((m) => m.kind === 'skip_rule' && m.expression.includes('starts_with(http.user_agent, "okhttp/")')));
    // the form lives on /login (the posts' referer), not on the API path
    assert.ok(a.mitigations.some((m) => m.safe && m.expression.includes('"/login"') && m.expression.includes('http.request.method eq "GET"')));
    console.log(`    login scenario seed ${seed}: ${JSON.stringify(j.recall)}; ${j.safe.map((f) => `${f.id} ${f.action} good ${f.goodHit}/${f.good}`).join(', ')}`);
  });
}

test('a log that carries cf.bot_management.js_detection.passed is graded on the field itself, not on the stand-in', () => {
  const s = loginScenario(2);
  const ua = s.table.array('http.user_agent') as string[];
  // browsers ran the snippet; the app's traffic never gets it injected; the proxies never run it
  const passed = Array.from(s.truth, (k, i) => k === 0 && String(ua[i]).startsWith('Mozilla/'));
  const table = s.table.assign(aq.table({ 'cf.bot_management.js_detection.passed': passed }));
  const kindOf = (i: number) => (s.truth[i] ? (KINDS3[s.truth[i] as number] as string) : null);
  const { a, j } = judgeTable(table, kindOf, { lists: false });
  assert.equal(j.worst, []);
  const jsd = a.mitigations.find((m) => m.kind === 'waf_custom_rule' && m.expression.endsWith('and not cf.bot_management.js_detection.passed') && m.expression.includes('/api/v1/auth/session'));
  assert.ok(jsd, 'the login rule on the field');
  assert.match(jsd.why, /from the log's own field/);
  assert.not.match(jsd.why, /stand-in/);
  assert.ok((j.recall['stuffing-low-and-slow'] ?? 0) >= 0.9, `stuffing ${j.recall['stuffing-low-and-slow']}`);
});

test('on a zone without Enterprise Bot Management the JavaScript-detections rule is not proposed, and the refusal names what that plan can use', () => {
  const s = loginScenario(2);
  const a = analyze(score(s.table), { zone: { plan: 'business', botManagement: false } });
  assert.not.ok(a.mitigations.some((m) => m.expression.includes('cf.bot_management.')));
  const r = a.refused.find((x) => x.guard === 'plan' && x.expression.includes('js_detection'));
  assert.ok(r, 'refused with the plan named');
  assert.match(r.instead ?? '', /Turnstile/);
});

test('login scenario without analytics cookies: the stand-in counts returning browsers with cached bundles as challenged, so the JavaScript-detections rule is emitted disabled as unproven (an upper bound), never refused and never safe', () => {
  const s = loginScenario(1, { analyticsCookie: false });
  const kindOf = (i: number) => (s.truth[i] ? (KINDS3[s.truth[i] as number] as string) : null);
  const { a, j } = judgeTable(s.table, kindOf, { lists: false });
  assert.equal(j.worst, []);
  const jsd = a.mitigations.find((m) => m.expression.includes('cf.bot_management.js_detection.passed'));
  assert.ok(jsd, 'still proposed');
  assert.is(jsd.safe, false);
  assert.is(jsd.verdict, 'unproven');
  assert.is((jsd.json as { enabled?: boolean }).enabled, false);
  assert.match(jsd.why, /upper bound/);
  assert.ok(jsd.backtest.goodFigure.high > 0.01, 'its replayed figure is over the challenge limit');
  console.log(`    login scenario without analytics cookies: ${JSON.stringify(j.recall)} (the JavaScript-detections rule unproven: ${(jsd.backtest.good * 100).toFixed(2)}% replayed)`);
});

test.run();
