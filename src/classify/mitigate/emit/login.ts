/**
 * Login protection for credential stuffing by browser-grade bots: residential proxies with a real
 * browser's user agent, TLS stack and Accept-Language, a fresh address and session per try, that
 * GET the form and POST with its cookie and a referer. Per request they look like the site's own
 * logins, so no value list separates them; what separates them is that they never render a page:
 * no scripts, styles or images fetched, no JavaScript run. Cloudflare acts on exactly that with
 * JavaScript detections (Enterprise Bot Management): a snippet injected into HTML pages runs in
 * real browsers, and `cf.bot_management.js_detection.passed` is false for a client that never ran
 * it. Two custom rules, both `managed_challenge` (a human who fails JavaScript detections passes
 * the challenge):
 *
 *   1. the login endpoint's POSTs from clients that have not passed JavaScript detections;
 *   2. the login form fetched with an empty cookie jar and no referer (a client that lands on the
 *      form directly, as each fresh proxy session does), when the backtest allows it; on a log
 *      without one of the two fields, the other alone.
 *
 * A log has no JavaScript-detection outcome (unless it carries the field, which is then used as
 * is), so rule 1 is replayed with a stand-in: a client (an address and user agent, or a session
 * cookie it sends) counts as having passed once it fetched a page's static assets, or the
 * detection script under /cdn-cgi/challenge-platform/, within the detection's 15-minute lifespan
 * before the request. Browsers that had the assets cached run the script too, but the stand-in
 * cannot see it and counts them as challenged: the possibly-good figure is an upper bound. A bot
 * that fetched assets counts as passing: the attack figure is a lower bound.
 * Source: developers.cloudflare.com/bots/additional-configurations/javascript-detections/ and
 * /ruleset-engine/rules-language/fields/reference/cf.bot_management.js_detection.passed/.
 */
import type { ColumnTable } from 'arquero';
import { internField, tableSchema } from '../../columns.js';
import { andNot, concatBits, toMask, type Bits } from '../bits.js';
import { valueCounts, type ClusterWithRows } from '../cluster.js';
import type { Evidence } from '../evidence.js';
import { firstRefusal } from '../guards.js';
import { expressionNeeds, PLAN_RANK } from '../requires.js';
import { decide, grade, stagePlan, type Decision } from '../stage.js';
import { addRule } from '../api/rulesets.js';
import type { Term } from '../terms.js';
import type { BacktestFigures, Mitigation } from '../types.js';
import { finish, refOf, type EmitContext } from './common.js';
import { keysOf, timeOrder } from './ratelimit.js';
import { LOGIN_SIGS } from './levers.js';
import { isLoginPath } from '../../behaviour/index.js';
import { MIN_PROPOSAL_COVER, STATIC_EXTENSIONS } from '../thresholds.js';

/** JavaScript detections' documented lifespan (re-injected on every HTML page before it ends). */
export const JSD_LIFESPAN_MS = 15 * 60_000;
/** A path is the cluster's login endpoint when it holds at least this share of the cluster's POSTs ... */
export const LOGIN_PATH_POST_SHARE = 0.9;
/** ... in at most this many paths, and POSTs are at least this share of the cluster. */
export const LOGIN_MAX_PATHS = 3;
export const LOGIN_MIN_POST_SHARE = 0.3;
/** A cookie pair whose value is at least this long identifies a session (ids, not flags like `consent=1`). */
export const SESSION_VALUE_MIN = 16;

const JSD_FIELD = 'cf.bot_management.js_detection.passed';
const JSD_NOT = `not ${JSD_FIELD}`;
const RENDER_EVIDENCE = `http.request.uri.path.extension in {${STATIC_EXTENSIONS.map((e) => `"${e}"`).join(' ')}} or starts_with(http.request.uri.path, "/cdn-cgi/challenge-platform/")`;

/** The cluster's login endpoint(s) when it is a password-guessing cluster: the paths holding its POSTs. */
export function loginPaths(c: ClusterWithRows, ev: Evidence): string[] | null {
  if (c.layer !== 'l7') return null;
  // a password-guessing signature, or (checked below) POSTs that all go to login-like paths
  const bySignature = c.signatures.some((s) => LOGIN_SIGS.has(s));
  const t = ev.t;
  const has = (f: string) => tableSchema(t).fields.has(f);
  if (!has('http.request.method') || !has('http.request.uri.path')) return null;
  const method = internField(t, 'http.request.method');
  const posts = new Uint8Array(ev.n);
  let postRows = 0;
  for (let i = 0; i < ev.n; i++) {
    const k = method.ids[i] as number;
    if (c.sel[i] && k >= 0 && method.values[k] === 'POST') {
      posts[i] = 1;
      postRows++;
    }
  }
  if (postRows < c.rows * LOGIN_MIN_POST_SHARE) return null;
  const paths: string[] = [];
  let covered = 0;
  for (const v of valueCounts(t, 'http.request.uri.path', posts)) {
    if (paths.length >= LOGIN_MAX_PATHS) break;
    paths.push(String(v.value));
    covered += v.rows;
    if (covered >= postRows * LOGIN_PATH_POST_SHARE) return bySignature || paths.every(isLoginPath) ? paths : null;
  }
  return null;
}

const pathExpr = (paths: readonly string[]) => (paths.length === 1 ? `http.request.uri.path eq ${JSON.stringify(paths[0])}` : `http.request.uri.path in {${paths.map((p) => JSON.stringify(p)).join(' ')}}`);

/**
 * Cookies only client-side JavaScript sets (analytics and tag libraries: Google Analytics, Meta
 * pixel, Matomo, Hotjar, Segment, Amplitude, Mixpanel): a request carrying one comes from a
 * browser that ran the site's scripts, so it would run the detection snippet too. A bot that
 * replays a harvested one counts as passing: the attack figure stays a lower bound.
 */
export const JS_SET_COOKIE = /(?:^|;\s*)(?:_ga|_gid|_fbp|_pk_id\.[\w.]+|_hjSessionUser_\d+|ajs_anonymous_id|amplitude_id\w*|mp_\w+_mixpanel)=/;

/** Session tokens of each distinct cookie header: the `name=value` pairs whose value is long enough to be an id. */
function sessionTokens(t: ColumnTable): { ids: Int32Array; tokens: Int32Array[]; size: number; jsCookie: Uint8Array } | null {
  if (!tableSchema(t).fields.has('http.cookie')) return null;
  const col = internField(t, 'http.cookie');
  const index = new Map<string, number>();
  const jsCookie = Uint8Array.from(col.values, (v) => (JS_SET_COOKIE.test(String(v)) ? 1 : 0));
  const tokens = col.values.map((v) => {
    const out: number[] = [];
    for (const part of String(v).split(';')) {
      const p = part.trim();
      const eq = p.indexOf('=');
      if (eq <= 0 || p.length - eq - 1 < SESSION_VALUE_MIN) continue;
      let id = index.get(p);
      if (id === undefined) index.set(p, (id = index.size));
      out.push(id);
    }
    return Int32Array.from(out);
  });
  return { ids: col.ids as Int32Array, tokens, size: index.size, jsCookie };
}

/**
 * Rows in `scope` whose client had rendering evidence (`evidence` rows: static assets, the
 * detection script) within the lifespan before them, or that carry a cookie only JavaScript sets:
 * the stand-in for "passed JavaScript detections". Clients are keyed by address + user agent and by each session token they send, so a
 * session that started on another address (a NAT, a phone changing cells) keeps its evidence.
 */
export function passedStandIn(t: ColumnTable, scope: Uint8Array, evidence: Uint8Array, lifespanMs = JSD_LIFESPAN_MS): Uint8Array {
  const n = t.numRows();
  const out = new Uint8Array(n);
  if (!tableSchema(t).fields.has('timestamp') || !tableSchema(t).fields.has('ip.src')) return out;
  const keyFields = tableSchema(t).fields.has('http.user_agent') ? ['ip.src', 'http.user_agent'] : ['ip.src'];
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const client = keysOf(t, all, keyFields);
  const sess = sessionTokens(t);
  const lastKey = new Float64Array(client.size).fill(-Infinity);
  const lastTok = new Float64Array(sess?.size ?? 0).fill(-Infinity);
  const ts = t.column('timestamp') as unknown as ArrayLike<number>;
  const order = timeOrder(t);
  for (let j = 0; j < order.length; j++) {
    const i = order[j] as number;
    if (!scope[i] && !evidence[i]) continue;
    const at = ts[i] as number;
    const k = client.key[i] as number;
    const toks = sess && (sess.ids[i] as number) >= 0 ? (sess.tokens[sess.ids[i] as number] as Int32Array) : null;
    if (scope[i]) {
      let ok = (k >= 0 && at - (lastKey[k] as number) <= lifespanMs) || (sess !== null && (sess.ids[i] as number) >= 0 && sess.jsCookie[sess.ids[i] as number] === 1);
      if (!ok && toks) for (let x = 0; x < toks.length && !ok; x++) ok = at - (lastTok[toks[x] as number] as number) <= lifespanMs;
      out[i] = ok ? 1 : 0;
    }
    if (evidence[i]) {
      if (k >= 0) lastKey[k] = at;
      if (toks) for (let x = 0; x < toks.length; x++) lastTok[toks[x] as number] = at;
    }
  }
  return out;
}

interface Proposal {
  expression: string;
  terms: Term[];
  bits: Bits;
  what: string;
  rule: 'jsd' | 'arrival';
  /** Replayed with the JavaScript-detections stand-in (the log lacks the field). */
  standIn: boolean;
}

function term(ev: Evidence, expr: string, field: string, tags: Term['tags']): Term | null {
  const bits = ev.evalBits(expr);
  return bits ? { expr, field, bits, tags } : null;
}

/** Rule 1: login POSTs from clients that have not passed JavaScript detections (replayed by the stand-in when the log lacks the field). */
function jsdProposal(ev: Evidence, paths: readonly string[]): Proposal | null {
  const scopeExpr = `${pathExpr(paths)} and http.request.method eq "POST"`;
  const expression = `${scopeExpr} and ${JSD_NOT}`;
  const path = term(ev, pathExpr(paths), 'http.request.uri.path', new Set());
  const method = term(ev, 'http.request.method eq "POST"', 'http.request.method', new Set(['generic']));
  const scope = ev.evalBits(scopeExpr);
  if (!path || !method || !scope) return null;
  if (tableSchema(ev.t).fields.has(JSD_FIELD)) {
    const bits = ev.evalBits(expression);
    const jsd = ev.evalBits(JSD_NOT);
    if (!bits || !jsd) return null;
    return { expression, terms: [path, method, { expr: JSD_NOT, field: JSD_FIELD, bits: jsd, tags: new Set(['bot-field']) }], bits, what: 'JavaScript detections (from the log\'s own field)', rule: 'jsd', standIn: false };
  }
  const evidence = ev.evalBits(RENDER_EVIDENCE);
  if (!evidence) return null;
  const side = (tbl: ColumnTable, off: number, len: number) => {
    const sc = toMask(scope, len, off);
    const passed = passedStandIn(tbl, sc, toMask(evidence, len, off));
    for (let i = 0; i < len; i++) sc[i] = sc[i] && !passed[i] ? 1 : 0;
    return sc;
  };
  const inc = side(ev.t, 0, ev.n);
  const base = ev.base ? side(ev.base, ev.n, ev.m) : new Uint8Array(ev.m);
  const bits = concatBits(inc, base);
  return { expression, terms: [path, method, { expr: JSD_NOT, field: JSD_FIELD, bits, tags: new Set(['bot-field']) }], bits, what: 'JavaScript detections (a client passes once it fetched a page\'s assets or the detection script within 15 minutes before, or sends a cookie only scripts set)', rule: 'jsd', standIn: true };
}

/**
 * The page the login form lives on: the path the cluster's login POSTs name as their referer
 * (a single-page app posts to an API path from a /login page), else the login path itself.
 */
export function formPaths(c: ClusterWithRows, ev: Evidence, paths: readonly string[]): string[] {
  const out = new Set(paths);
  const t = ev.t;
  if (!tableSchema(t).fields.has('http.referer')) return [...out];
  const post = ev.evalBits(`${pathExpr(paths)} and http.request.method eq "POST"`);
  if (!post) return [...out];
  const sel = new Uint8Array(ev.n);
  let rows = 0;
  for (let i = 0; i < ev.n; i++) if (c.sel[i] && (((post[i >>> 5] as number) >>> (i & 31)) & 1)) {
    sel[i] = 1;
    rows++;
  }
  // blind posts (no referer) say nothing about where the form is: share among posts that name a page
  const counts = valueCounts(t, 'http.referer', sel).filter((v) => String(v.value) !== '');
  const withRef = counts.reduce((a, v) => a + v.rows, 0);
  const top = counts[0];
  if (!top || withRef < rows * LOGIN_MIN_POST_SHARE || top.rows < withRef * LOGIN_PATH_POST_SHARE) return [...out];
  try {
    const u = new URL(String(top.value));
    const host = tableSchema(t).fields.has('http.host') ? internField(t, 'http.host') : null;
    const sameSite = !host || host.values.some((h) => String(h) === u.host);
    if (sameSite && u.pathname) out.add(u.pathname);
  } catch {
    // a referer that is not a URL names no page
  }
  return [...out];
}

/** Rule 2: the login form fetched with no cookie and no referer (landing on it directly). */
function arrivalProposal(ev: Evidence, paths: readonly string[]): Proposal | null {
  const has = (f: string) => tableSchema(ev.t).fields.has(f);
  // a log without a field (origin logs have no cookies) says nothing about it: "no cookie" there
  // would be every request, so only the fields the log has are conditions (and graded as such)
  const absent = [['http.cookie', 'not len(http.cookie) gt 0'], ['http.referer', 'not len(http.referer) gt 0']].filter(([f]) => has(f as string));
  if (!absent.length) return null;
  const parts = [pathExpr(paths), 'http.request.method eq "GET"', ...absent.map(([, e]) => e as string)];
  const expression = parts.join(' and ');
  const fields = ['http.request.uri.path', 'http.request.method', ...absent.map(([f]) => f as string)];
  const terms = parts.map((p, j) => term(ev, p, fields[j] as string, new Set(j === 1 ? ['generic'] : [])));
  const bits = ev.evalBits(expression);
  if (!bits || terms.some((x) => !x)) return null;
  const what = absent.length === 2 ? 'the login form requested with an empty cookie jar and no referer' : `the login form requested with no ${absent[0]?.[0] === 'http.cookie' ? 'cookie' : 'referer'} (the log has no ${absent[0]?.[0] === 'http.cookie' ? 'referers' : 'cookies'})`;
  return { expression, terms: terms as Term[], bits, what, rule: 'arrival', standIn: false };
}

export function loginRules(ctx: EmitContext, c: ClusterWithRows): Mitigation[] {
  const { ev } = ctx;
  const paths = loginPaths(c, ev);
  if (!paths) return [];
  const out: Mitigation[] = [];
  // a zone known to lack Enterprise Bot Management has no JavaScript-detections field: say so and
  // name what it can use instead, rather than hand it a rule it cannot deploy
  const bmOk = ctx.zone.botManagement !== false && (!ctx.zone.plan || PLAN_RANK[ctx.zone.plan] >= PLAN_RANK.enterprise);
  const jsd = jsdProposal(ev, paths);
  if (jsd && !bmOk) {
    ctx.refused.push({
      cluster: c.id, kind: 'waf_custom_rule', expression: jsd.expression, guard: 'plan',
      reason: 'cf.bot_management.js_detection.passed needs Enterprise Bot Management, which this zone does not have',
      instead: 'Turnstile on the login form with the token verified at the origin (siteverify) before the password is checked (every plan), and leaked credentials detection (see the levers)',
    });
  }
  for (const p of [bmOk ? jsd : null, arrivalProposal(ev, formPaths(c, ev, paths))]) {
    if (!p) continue;
    const refusal = firstRefusal({ layer: 'l7', terms: p.terms, stateful: false }, ev);
    if (refusal) {
      ctx.refused.push({ cluster: c.id, kind: 'waf_custom_rule', expression: p.expression, ...refusal });
      continue;
    }
    const bits = ctx.skip ? andNot(p.bits, ctx.skip) : p.bits;
    const b = grade(bits, c, ev);
    if (b.attack < MIN_PROPOSAL_COVER) continue;
    const d0 = decide(b, b.attack, { canChallenge: true, unit: 'requests' });
    if ('refused' in d0 && p.standIn) {
      // the stand-in counts every browser that had its assets cached as challenged: its figure is
      // an upper bound, not a measurement, so it cannot refuse the rule, only leave it unproven
      const d: Decision = {
        action: 'managed_challenge', safe: false, verdict: 'unproven',
        why: `unproven: the replay ${d0.refused.replace(/^hits/, 'counts')}, but that figure is an upper bound (browsers with cached assets ran the page's script without leaving a trace in the log). ` +
          'It is proven by the field itself: turn JavaScript detections on, then read Security Analytics for this path and method filtered on "JS detection passed: false" (or deploy the rule with action log on Enterprise) for 30 minutes; the share of the site\'s own logins there is the figure to judge. Until then it is emitted disabled',
      };
      const m = emitJsd(ctx, c, p, bits, b, d, paths);
      if (m) out.push(m);
      continue;
    }
    if ('refused' in d0) {
      ctx.refused.push({ cluster: c.id, kind: 'waf_custom_rule', expression: p.expression, guard: 'good-traffic', reason: d0.refused, instead: 'leaked credentials detection (see the levers), Turnstile on the login form' });
      continue;
    }
    // a login endpoint is where the customer's own users are: challenge, never block outright
    // (a human the rule matches by mistake passes a challenge; a block locks them out)
    const d: Decision = d0.action === 'block' ? { ...d0, action: 'managed_challenge', why: `${d0.why}; challenged, not blocked, because the endpoint is where the site's own users log in` } : d0;
    const m = p.rule === 'jsd' ? emitJsd(ctx, c, p, bits, b, d, paths) : emitArrival(ctx, c, p, bits, b, d);
    if (m) out.push(m);
  }
  return out;
}

function baseRule(ctx: EmitContext, c: ClusterWithRows, p: Proposal, bits: Bits, b: BacktestFigures, d: Decision, label: string) {
  const id = ctx.nextId();
  ctx.record(id, bits);
  const ref = refOf(ctx, id);
  const json = { description: `netrunbook ${ctx.incident} ${c.id}: ${label}`, expression: p.expression, action: d.action, enabled: d.safe, ref };
  return { id, ref, json };
}

function emitJsd(ctx: EmitContext, c: ClusterWithRows, p: Proposal, bits: Bits, b: BacktestFigures, d: Decision, paths: readonly string[]): Mitigation | null {
  const { id, ref, json } = baseRule(ctx, c, p, bits, b, d, 'challenge login POSTs from clients that never ran JavaScript detections');
  const scope = `${pathExpr(paths)} and http.request.method eq "POST"`;
  const scopeBits = ctx.ev.evalBits(scope);
  const blanket = scopeBits ? grade(ctx.skip ? andNot(scopeBits, ctx.skip) : scopeBits, c, ctx.ev) : undefined;
  const api = [
    { method: 'GET' as const, path: '/zones/{zone_id}/bot_management', body: null, note: 'check enable_js: JavaScript detections must be on for the field to be populated' },
    { method: 'PUT' as const, path: '/zones/{zone_id}/bot_management', body: { enable_js: true }, note: 'turn JavaScript detections on; wait 15+ minutes (their lifespan) before enabling the rule, so browsers already carry the result' },
    ...addRule('zone', 'http_request_firewall_custom', json, undefined).map((r) => (r.method === 'POST' ? { ...r, note: `${r.note ?? ''}; if JavaScript detections were just turned on, send this 15 minutes later: browsers that loaded the page before carry no result yet and would be challenged (they pass, at the cost of a challenge)` } : r)),
  ];
  return finish(ctx, {
    id, kind: 'waf_custom_rule', cluster: c.id, description: `${c.name}: login POSTs from clients that never ran the page's JavaScript`, expression: p.expression, action: d.action,
    phase: 'http_request_firewall_custom', json, api, position: 'after the incident skip rule (appended to the custom rules)',
    safe: d.safe, verdict: d.verdict,
    why: p.standIn ? `${d.why}. Replayed with a stand-in for ${p.what}; browsers with cached assets count as challenged, so the possibly-good figure is an upper bound` : `${d.why}. Graded on ${p.what}`,
    plan: [
      '0. turn JavaScript detections on (Security > Bots, or the PUT above) and wait at least 15 minutes',
      ...stagePlan(d.action, ref, 'http', d.safe),
    ],
    backtest: b, clusterCoverage: b.attack, guards: [{ guard: 'js-detection-first-page', outcome: 'note', reason: 'scoped to POSTs: a visitor\'s first HTML page cannot have passed JavaScript detections yet, the form POST always comes after a page' }],
    breaks: 'clients that post to the login endpoint without loading a page of the site first: mobile apps and API clients (JavaScript detections are not injected into their traffic) unless the skip rule exempts them, browsers with JavaScript off, and a Content-Security-Policy that blocks /cdn-cgi/challenge-platform/ scripts (allow it). A challenge answers a fetch()/XHR login (single-page apps) with a page the script cannot show, so such a login fails instead of showing a challenge; browsers that ran the page pass and are not affected',
    originNote: `below Enterprise Bot Management the field does not exist: ${blanket ? `challenging every login POST (${scope}, all plans) acts on ${(blanket.good * 100).toFixed(2)}% of possibly-good requests (one challenge per human login)` : 'challenge every login POST (all plans, one challenge per human login)'}, or add Turnstile to the login form and verify its token at the origin (siteverify) before checking the password`,
    ...(blanket ? { lowerPlan: { expression: scope, requires: expressionNeeds(scope).done(), backtest: blanket } } : {}),
  }, expressionNeeds(p.expression));
}

function emitArrival(ctx: EmitContext, c: ClusterWithRows, p: Proposal, bits: Bits, b: BacktestFigures, d: Decision): Mitigation | null {
  const { id, ref, json } = baseRule(ctx, c, p, bits, b, d, `challenge ${p.what}`);
  return finish(ctx, {
    id, kind: 'waf_custom_rule', cluster: c.id, description: `${c.name}: ${p.what}`, expression: p.expression, action: d.action,
    phase: 'http_request_firewall_custom', json, api: addRule('zone', 'http_request_firewall_custom', json, undefined), position: 'after the incident skip rule (appended to the custom rules)',
    safe: d.safe, verdict: d.verdict, why: d.why, plan: stagePlan(d.action, ref, 'http', d.safe), backtest: b, clusterCoverage: b.attack, guards: [],
    breaks: 'people who open the login page directly (a bookmark, a link in an email, a password manager) with no cookie of the site see a challenge first; a browser that blocks referers and cookies sees one on every visit',
  }, expressionNeeds(p.expression));
}
