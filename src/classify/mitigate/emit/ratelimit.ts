/**
 * Rate limiting rule (phase http_ratelimit), replayed the way Cloudflare counts: per
 * characteristics key, per period, with the mitigation timeout (or throttling when the timeout
 * is 0), on incident and baseline rows alike. Guard rails: per-IP counting is refused where the
 * sources the limit would hit are shared addresses (NAT/CGNAT: many sessions or user agents
 * behind one IP), and other characteristics are tried instead; static assets are left out of a
 * site-wide limit.
 */
import type { ColumnTable } from 'arquero';
import { internField, tableSchema } from '../../columns.js';
import { andNot, concatBits, countAnd, type Bits } from '../bits.js';
import { checkPhase } from '../../phases.js';
import type { ClusterWithRows } from '../cluster.js';
import { periodFor, RL_MAX_TIMEOUT, rateLimitNeeds, PLAN_RANK } from '../requires.js';
import { decide, grade, stagePlan } from '../stage.js';
import { addRule } from '../api/rulesets.js';
import type { GuardNote, Mitigation } from '../types.js';
import { finish, refOf, type EmitContext } from './common.js';
import { BLOCK_MIN_COVER, MIN_PROPOSAL_COVER, RL_HEADROOM, RL_MIN_LIMIT, RL_TIMEOUT, STATIC_EXTENSIONS } from '../thresholds.js';

/** A characteristic set: the API names and the table fields that stand for them. */
interface Characteristics {
  api: string[];
  fields: string[];
}
const CHARACTERISTICS: readonly Characteristics[] = [
  { api: ['cf.colo.id', 'ip.src'], fields: ['ip.src'] },
  { api: ['cf.colo.id', 'ip.src', 'http.request.headers["user-agent"]'], fields: ['ip.src', 'http.user_agent'] },
  { api: ['cf.colo.id', 'ip.src', 'cf.bot_management.ja4'], fields: ['ip.src', 'cf.bot_management.ja4'] },
  // distributed sources (residential proxies, a botnet): count per TLS fingerprint, or per
  // endpoint (every client of the rule's path shares one counter per data centre)
  { api: ['cf.colo.id', 'cf.bot_management.ja4'], fields: ['cf.bot_management.ja4'] },
  { api: ['cf.colo.id', 'http.request.uri.path'], fields: ['http.request.uri.path'] },
];
/**
 * Counters are per data centre (`cf.colo.id`, mandatory): a flood from many countries is split
 * over many counters. The replay stands the visitor's country in for the data centre when the
 * log has it (one country is served mostly by one or a few), so a limit is not credited with
 * stopping requests that would have been counted elsewhere. Keys that hold the address already
 * have one country.
 */
const COLO_STAND_IN = 'ip.src.country';
/** Response codes of a failed login (or a refused request) a counting expression can count. */
const FAILURE_CODES = [401, 403] as const;
/** A counting expression on failures is tried when this share of the cluster's requests failed ... */
export const RL_FAILURE_SHARE = 0.5;
/** ... and at most this share of possibly-good requests on the same expression did. */
export const RL_GOOD_FAILURE_SHARE = 0.3;

/** Dense key id per row for a characteristic set (-1 where a field is missing), cached per table. */
const keyCache = new WeakMap<ColumnTable, Map<string, { ids: Int32Array; size: number }>>();
export function denseKeys(t: ColumnTable, fields: readonly string[]): { ids: Int32Array; size: number } {
  let m = keyCache.get(t);
  if (!m) keyCache.set(t, (m = new Map()));
  const name = fields.join('\u0000');
  const hit = m.get(name);
  if (hit) return hit;
  const n = t.numRows();
  const cols = fields.map((f) => internField(t, f));
  const ids = new Int32Array(n).fill(-1);
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let k = 0;
    let ok = true;
    for (const c of cols) {
      const id = c.ids[i] as number;
      if (id < 0) {
        ok = false;
        break;
      }
      k = k * (c.values.length + 1) + id;
    }
    if (!ok) continue;
    let d = index.get(k);
    if (d === undefined) index.set(k, (d = index.size));
    ids[i] = d;
  }
  const r = { ids, size: index.size };
  m.set(name, r);
  return r;
}

/** Row indices in time order, cached per table (every replay walks them, none sorts). */
const orderCache = new WeakMap<ColumnTable, Int32Array>();
export function timeOrder(t: ColumnTable): Int32Array {
  const hit = orderCache.get(t);
  if (hit) return hit;
  const ts = t.column('timestamp') as unknown as ArrayLike<number>;
  const n = t.numRows();
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if ((ts[i] as number) < (ts[i - 1] as number)) sorted = false;
  if (!sorted) idx.sort((a, b) => (ts[a] as number) - (ts[b] as number));
  orderCache.set(t, idx);
  return idx;
}

/**
 * Replay: rows the rule acts on, walking rows in time order. `key` is a dense key per row (-1: not
 * counted), `size` the number of keys. timeout 0 = throttle (only requests over the limit in a period).
 */
export function replay(ts: ArrayLike<number>, key: ArrayLike<number>, periodSec: number, limit: number, timeoutSec: number, order?: ArrayLike<number>, size?: number, counted?: ArrayLike<number>): Uint8Array {
  const n = key.length;
  let k = size ?? 0;
  if (size === undefined) for (let i = 0; i < n; i++) k = Math.max(k, (key[i] as number) + 1);
  const window = new Float64Array(k).fill(NaN);
  const counts = new Int32Array(k);
  const until = new Float64Array(k).fill(-Infinity);
  const hit = new Uint8Array(n);
  const p = periodSec * 1000;
  const ord = order ?? Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (ts[a] as number) - (ts[b] as number));
  for (let j = 0; j < ord.length; j++) {
    const i = ord[j] as number;
    const kk = key[i] as number;
    if (kk < 0) continue;
    const t = ts[i] as number;
    if ((until[kk] as number) > t) {
      hit[i] = 1;
      continue;
    }
    const w = Math.floor(t / p);
    if (window[kk] !== w) {
      window[kk] = w;
      counts[kk] = 0;
    }
    // a counting expression (failed logins) decides what increments; every matched request is
    // acted on while its key is over the limit
    const c = !counted || counted[i] ? ++(counts[kk] as number) : (counts[kk] as number);
    if (c > limit) {
      hit[i] = 1;
      if (timeoutSec > 0) until[kk] = t + timeoutSec * 1000;
    }
  }
  return hit;
}

/** Busiest counter of possibly-good rows in any period (per key), in one time-ordered pass. */
function busiest(ts: ArrayLike<number>, key: ArrayLike<number>, size: number, good: (i: number) => boolean, periodSec: number, order: ArrayLike<number>, counted?: ArrayLike<number>): number {
  const window = new Float64Array(size).fill(NaN);
  const counts = new Int32Array(size);
  let max = 0;
  const p = periodSec * 1000;
  for (let j = 0; j < order.length; j++) {
    const i = order[j] as number;
    const k = key[i] as number;
    if (k < 0 || !good(i) || (counted && !counted[i])) continue;
    const w = Math.floor((ts[i] as number) / p);
    if (window[k] !== w) {
      window[k] = w;
      counts[k] = 0;
    }
    const c = ++(counts[k] as number);
    if (c > max) max = c;
  }
  return max;
}

export { sharedAddresses } from '../sources.js';
import { sharedAddresses } from '../sources.js';

interface Replayed {
  hits: Bits;
  hitInc: Uint8Array;
  peak: number;
  limit: number;
  timeout: number;
}
const replays = new WeakMap<object, Map<string, Replayed>>();
function replayCache(ev: object): Map<string, Replayed> {
  let m = replays.get(ev);
  if (!m) replays.set(ev, (m = new Map()));
  return m;
}

/** Dense keys of the matched rows only (the rest -1). */
function matchedKeys(t: ColumnTable, fields: readonly string[], match: (i: number) => boolean): { ids: Int32Array; size: number } {
  const all = denseKeys(t, fields);
  const ids = all.ids.slice();
  for (let i = 0; i < ids.length; i++) if (!match(i)) ids[i] = -1;
  return { ids, size: all.size };
}

export function rateLimitRule(ctx: EmitContext, c: ClusterWithRows): Mitigation | null {
  const { ev } = ctx;
  const t = ev.t;
  const has = (f: string) => tableSchema(t).fields.has(f);
  if (!has('ip.src') || !has('timestamp')) return null;
  const guards: GuardNote[] = [];
  const path = c.attributes.find((a) => a.field === 'http.request.uri.path' && a.share >= 0.8);
  const method = c.attributes.find((a) => a.field === 'http.request.method' && a.share >= 0.6 && a.value !== 'GET');
  const staticTarget = path && STATIC_EXTENSIONS.some((e) => String(path.value).toLowerCase().endsWith(`.${e}`));
  const staticExcl = `not http.request.uri.path.extension in {${STATIC_EXTENSIONS.map((e) => `"${e}"`).join(' ')}}`;
  let expression: string;
  if (path) expression = `http.request.uri.path eq ${JSON.stringify(String(path.value))}${method ? ` and http.request.method eq ${JSON.stringify(String(method.value))}` : ''}`;
  else {
    expression = staticExcl;
    guards.push({ guard: 'static-assets', outcome: 'changed', reason: 'the limit is site-wide, so static assets (a page load fetches dozens) are left out of it' });
  }
  if (path && staticTarget) guards.push({ guard: 'static-assets', outcome: 'note', reason: `the attack targets a static asset (${String(path.value)}), so it is limited` });
  const exprBits = ev.evalBits(expression);
  if (!exprBits) return null;
  const match = ctx.skip ? andNot(exprBits, ctx.skip) : exprBits;
  // count only failures when the attack fails where people succeed (credential stuffing): the
  // counter then sees the attack, not the site's own logins
  const countings: (string | null)[] = [null];
  if (has('http.response.code')) {
    const failExpr = `${expression} and http.response.code in {${FAILURE_CODES.join(' ')}}`;
    const fb = ev.evalBits(failExpr);
    if (fb) {
      const clusterFail = countAnd(fb, c.bits) / Math.max(1, c.rows);
      const goodOn = countAnd(match, ev.reference);
      const goodFail = goodOn ? countAnd(fb, ev.reference) / goodOn : 0;
      if (clusterFail >= RL_FAILURE_SHARE && goodFail <= RL_GOOD_FAILURE_SHARE) countings.push(failExpr);
    }
  }
  const inMatch = (off: number) => (i: number) => (((match[(i + off) >>> 5] as number) >>> ((i + off) & 31)) & 1) === 1;
  const isRef = (off: number) => (i: number) => (((ev.reference[(i + off) >>> 5] as number) >>> ((i + off) & 31)) & 1) === 1;
  const tsOf = (tbl: ColumnTable) => tbl.column('timestamp') as unknown as ArrayLike<number>;
  const plan = ctx.zone.plan;
  const nat = sharedAddresses(t);
  let best: { m: Mitigation; cover: number; hits: Bits; counting: string | null } | undefined;
  const peaks = new Map<string, number>();
  const keysOf = new Map<string, { inc: { ids: Int32Array; size: number }; base: { ids: Int32Array; size: number } | null }>();
  for (const counting of countings) for (const ch of CHARACTERISTICS) {
    if (!ch.fields.every(has)) continue;
    // a per-path counter under a single-path rule is one counter for the endpoint; under a
    // site-wide rule it would be one per URL, which a flood of distinct URLs never fills
    if (ch.fields[0] === 'http.request.uri.path' && !path) continue;
    if (plan && counting && PLAN_RANK[plan] < PLAN_RANK.business) continue;
    const keyFields = !ch.fields.includes('ip.src') && has(COLO_STAND_IN) ? [...ch.fields, COLO_STAND_IN] : ch.fields;
    const countBits = counting ? ev.evalBits(counting) : null;
    const countedOf = (off: number, len: number) => {
      if (!countBits) return undefined;
      const m = new Uint8Array(len);
      for (let i = 0; i < len; i++) m[i] = ((countBits[(i + off) >>> 5] as number) >>> ((i + off) & 31)) & 1;
      return m;
    };
    if (plan && PLAN_RANK[plan] < PLAN_RANK.enterprise && ch.api.length > 2) continue;
    if (plan && ch.fields.some((f) => f.startsWith('cf.bot_management.')) && ctx.zone.botManagement === false) continue;
    // two behaviours, each replayed as it would run: a block for the mitigation timeout once the
    // limit is hit, or throttling (timeout 0: only requests over the limit), which is what a
    // challenge does below Enterprise (a human who passes resets the counter)
    for (const throttle of [false, true]) for (const want of [60, 10]) {
      // a throttled challenge cannot beat a safe block that already stops the cluster
      if (throttle && best && best.m.safe && best.m.action === 'block' && best.m.backtest.attack >= BLOCK_MIN_COVER) continue;
      const period = plan ? periodFor(plan, want) : want;
      // clusters often share a limit (the site-wide one): replay each (expression, characteristics, period) once
      const cacheKey = `${expression}\u0000${counting ?? ''}\u0000${keyFields.join(',')}\u0000${period}\u0000${ctx.skip ? 1 : 0}\u0000${throttle ? 1 : 0}`;
      let cached = replayCache(ev).get(cacheKey);
      if (!cached) {
      // the keys of matched rows depend on the expression and key only: built once for every
      // counting / period / behaviour replayed on them
      const keysKey = keyFields.join(',');
      let keys = keysOf.get(keysKey);
      if (!keys) {
        keys = {
          inc: matchedKeys(t, keyFields, inMatch(0)),
          base: ev.base && keyFields.every((f) => tableSchema(ev.base as ColumnTable).fields.has(f)) ? matchedKeys(ev.base, keyFields, inMatch(ev.n)) : null,
        };
        keysOf.set(keysKey, keys);
      }
      const kInc = keys.inc;
      const kBase = keys.base;
      const cInc = countedOf(0, ev.n);
      const cBase = countedOf(ev.n, ev.m);
      // the busiest possibly-good counter does not depend on how the limit acts: once per key and period
      const peakKey = `${keysKey}\u0000${period}\u0000${counting ?? ''}`;
      let peak = peaks.get(peakKey);
      if (peak === undefined) {
        peak = Math.max(busiest(tsOf(t), kInc.ids, kInc.size, isRef(0), period, timeOrder(t), cInc), kBase ? busiest(tsOf(ev.base as ColumnTable), kBase.ids, kBase.size, isRef(ev.n), period, timeOrder(ev.base as ColumnTable), cBase) : 0);
        peaks.set(peakKey, peak);
      }
      const limit = Math.max(RL_MIN_LIMIT, Math.ceil(peak * RL_HEADROOM));
      const timeout = throttle ? 0 : plan ? Math.min(RL_TIMEOUT, RL_MAX_TIMEOUT[plan]) : RL_TIMEOUT;
      const hitInc = replay(tsOf(t), kInc.ids, period, limit, timeout, timeOrder(t), kInc.size, cInc);
      const hitBase = kBase ? replay(tsOf(ev.base as ColumnTable), kBase.ids, period, limit, timeout, timeOrder(ev.base as ColumnTable), kBase.size, cBase) : new Uint8Array(ev.m);
      cached = { hits: concatBits(hitInc, hitBase), hitInc, peak, limit, timeout };
      replayCache(ev).set(cacheKey, cached);
      }
      const { hits, hitInc, peak, limit, timeout } = cached;
      const b = grade(hits, c, ev);
      if (b.attack < MIN_PROPOSAL_COVER) continue;
      if (ch.fields.length === 1 && ch.fields[0] === 'ip.src') {
        const ipCol = internField(t, 'ip.src');
        const shared = new Set<string>();
        for (let i = 0; i < ev.n; i++) if (hitInc[i] && nat.has(ipCol.values[ipCol.ids[i] as number])) shared.add(String(ipCol.values[ipCol.ids[i] as number]));
        if (shared.size) {
          ctx.refused.push({
            cluster: c.id, kind: 'rate_limit', expression, guard: 'shared-address',
            reason: `per-IP counting would limit ${shared.size} shared address(es) (${[...shared].slice(0, 3).join(', ')}): many sessions or user agents behind one IP (a NAT or CGNAT), whose users would share one counter`,
            instead: 'count per IP and user agent, per JA4 fingerprint, or per session cookie / API key (Enterprise Advanced Rate Limiting), or cf.unique_visitor_id (IP with NAT support)',
          });
          continue;
        }
      }
      const d0 = decide(b, b.attack, { canChallenge: true, unit: 'requests' });
      // the timeout replay stands for a block (a challenge with a duration is Enterprise only, and
      // is not what it replayed); the throttle replay for a challenge
      if (!('refused' in d0) && !throttle && d0.action !== 'block') continue;
      const d = 'refused' in d0 || !throttle || d0.action !== 'block' ? d0 : { ...d0, action: 'managed_challenge' as const, why: `${d0.why} (throttled: only requests over the limit are challenged)` };
      if ('refused' in d) {
        ctx.refused.push({ cluster: c.id, kind: 'rate_limit', expression: `${expression} [${ch.api.join(', ')}; ${limit}/${period}s]`, guard: 'good-traffic', reason: d.refused });
        continue;
      }
      const to = timeout;
      const id = `rl-${c.id}-${ch.fields.join('+')}-${period}${throttle ? '-throttle' : ''}`;
      const json = {
        description: `netrunbook ${ctx.incident} ${c.id}: ${c.name}`, expression, action: d.action, enabled: d.safe, ref: '',
        ...(d.action === 'block' ? { action_parameters: { response: { status_code: 429, content_type: 'application/json', content: '{"error":"rate limited"}' } } } : {}),
        ratelimit: { characteristics: ch.api, period, requests_per_period: limit, mitigation_timeout: to, requests_to_origin: false, ...(counting ? { counting_expression: counting } : {}) },
      };
      const per = ch.api.slice(1).join(' + ');
      const what = counting ? `failed requests (${FAILURE_CODES.join('/')})` : 'requests';
      const coloNote = keyFields.includes(COLO_STAND_IN) ? '; replayed with the visitor country standing in for the data centre (counters are per data centre)' : '';
      const cand: Omit<Mitigation, 'requires' | 'require' | 'deployable'> = {
        id, kind: 'rate_limit', cluster: c.id, description: `${limit} ${what} per ${period} s per ${per} (busiest possibly-good counter: ${peak}${coloNote})`,
        expression, action: d.action, phase: 'http_ratelimit', json, api: [], position: 'rate limiting rules: last (after any rule that should win first)',
        safe: d.safe, verdict: d.verdict, why: d.why, plan: [], backtest: b, clusterCoverage: b.attack, guards: [...guards],
      };
      const score = b.attack - (d.safe ? 0 : 1) - 0.001 * ch.api.length - (counting ? 0.0005 : 0) - (d.action === 'block' ? 0 : 0.01 * b.good);
      if (!best || score > best.cover) best = { m: cand as Mitigation, cover: score, hits, counting };
    }
  }
  if (!best) return null;
  const m = best.m;
  const mid = ctx.nextId();
  ctx.record(mid, best.hits);
  const ref = refOf(ctx, mid);
  const json: Record<string, unknown> = { ...m.json, ref };
  const rl = json['ratelimit'] as { characteristics: string[]; period: number; mitigation_timeout: number };
  if (best.counting) {
    const problems = checkPhase(best.counting, 'http_ratelimit', { counting: true });
    if (problems.length) {
      ctx.refused.push({ cluster: c.id, kind: 'rate_limit', expression: best.counting, guard: 'phase', reason: problems.map((p) => p.why).join('; ') });
      return null;
    }
  }
  const origin = nginxForm(m.expression, rl.characteristics, rl.period, (json['ratelimit'] as { requests_per_period: number }).requests_per_period, ref, best.counting);
  return finish(ctx, { ...m, id: mid, json, api: addRule('zone', 'http_ratelimit', json, undefined), plan: stagePlan(m.action, ref, 'http', m.safe), ...origin },
    rateLimitNeeds(m.expression, rl.characteristics, rl.period, rl.mitigation_timeout, m.action, best.counting ?? undefined));
}

/**
 * The same limit for an origin nginx (`limit_req`, validated by `nginx -t` in the tests), when the
 * rule is one path (and a method) keyed by address or by endpoint. A key that maps to "" is not
 * counted, which is how the method is scoped. Behind Cloudflare the origin sees Cloudflare's
 * addresses: the real_ip lines restore the visitor's (fill in Cloudflare's published ranges).
 * What nginx cannot do is said, not approximated: it counts requests before the response (no
 * counting on 401/403), has one counter per server (not per data centre) and sees no JA4.
 */
export function nginxForm(expression: string, characteristics: readonly string[], period: number, limit: number, ref: string, counting: string | null): { nginx?: string; originNote: string } {
  const m = /^http\.request\.uri\.path eq ("(?:[^"\\]|\\.)*")(?: and http\.request\.method eq "([A-Z]+)")?$/.exec(expression);
  const keyed = characteristics.filter((c) => c !== 'cf.colo.id');
  const perIp = keyed.length === 1 && keyed[0] === 'ip.src';
  const perPath = keyed.length === 1 && keyed[0] === 'http.request.uri.path';
  const cannot: string[] = [];
  if (counting) cannot.push('nginx counts requests before the response, so it cannot count only failed logins (401/403) as the counting expression does: this form counts every matching request, at the limit the failures had; fail2ban on the access log counts failures per address only, which rotating sources evade');
  if (!m || !(perIp || perPath)) {
    cannot.push(`no origin form: ${!m ? 'the expression is not a single path' : `nginx has no ${keyed.join(' + ')} key (JA4 and header keys exist only at Cloudflare's edge)`}`);
    return { originNote: cannot.join('; ') };
  }
  const path = JSON.parse(m[1] as string) as string;
  if (/[\s;{}"'\\]/.test(path)) return { originNote: 'no origin form: the path has characters an nginx location cannot take unquoted' };
  const zone = ref.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 60);
  const perMinute = Math.max(1, Math.round((limit * 60) / period));
  const key = perIp ? '$binary_remote_addr' : '$server_name';
  const method = m[2];
  const lines = [
    '# http { } context',
    '# behind Cloudflare: restore the visitor address first (one set_real_ip_from per published Cloudflare range)',
    '# set_real_ip_from 173.245.48.0/20; ... real_ip_header CF-Connecting-IP;',
    ...(method ? [`map $request_method $${zone}_key {`, `    ${method} ${key};`, '    default "";', '}'] : []),
    `limit_req_zone ${method ? `$${zone}_key` : key} zone=${zone}:10m rate=${perMinute}r/m;`,
    '# server { } context',
    `location = ${path} {`,
    `    limit_req zone=${zone} burst=${limit} nodelay;`,
    '    limit_req_status 429;',
    '    # ... the existing proxy_pass / handler of this location',
    '}',
  ];
  cannot.push(perPath ? 'one counter for the whole server, not one per Cloudflare data centre: it trips sooner than the edge rule for the same traffic' : 'nginx throttles (only requests over the rate are refused); there is no mitigation timeout');
  return { nginx: lines.join('\n'), originNote: cannot.join('; ') };
}
