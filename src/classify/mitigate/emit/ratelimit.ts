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
import { compact, type Interned } from '../../aggregate.js';
import { andNot, concatBits, type Bits } from '../bits.js';
import type { ClusterWithRows } from '../cluster.js';
import { periodFor, RL_MAX_TIMEOUT, rateLimitNeeds, PLAN_RANK } from '../requires.js';
import { decide, grade, stagePlan } from '../stage.js';
import { addRule } from '../api/rulesets.js';
import type { GuardNote, Mitigation } from '../types.js';
import { finish, refOf, type EmitContext } from './common.js';
import { MIN_PROPOSAL_COVER, RL_HEADROOM, RL_MIN_LIMIT, RL_TIMEOUT, STATIC_EXTENSIONS } from '../thresholds.js';

/** A characteristic set: the API names and the table fields that stand for them. */
interface Characteristics {
  api: string[];
  fields: string[];
}
const CHARACTERISTICS: readonly Characteristics[] = [
  { api: ['cf.colo.id', 'ip.src'], fields: ['ip.src'] },
  { api: ['cf.colo.id', 'ip.src', 'http.request.headers["user-agent"]'], fields: ['ip.src', 'http.user_agent'] },
  { api: ['cf.colo.id', 'ip.src', 'cf.bot_management.ja4'], fields: ['ip.src', 'cf.bot_management.ja4'] },
  { api: ['cf.colo.id', 'cf.bot_management.ja4'], fields: ['cf.bot_management.ja4'] },
];

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
  let r: { ids: Int32Array; size: number };
  // one field: its interned ids are dense keys already (shared: callers copy before writing)
  if (cols.length === 1) r = { ids: (cols[0] as Interned).ids, size: (cols[0] as Interned).values.length };
  else {
    // the composite key per row (-1 where a field is missing), numbered densely in first-seen order
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (const c of cols) {
        const id = c.ids[i] as number;
        if (id < 0) {
          k = -1;
          break;
        }
        k = k * (c.values.length + 1) + id;
      }
      raw[i] = k;
    }
    const ids = new Int32Array(n);
    r = { ids, size: compact(raw, ids) };
  }
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
export function replay(ts: ArrayLike<number>, key: ArrayLike<number>, periodSec: number, limit: number, timeoutSec: number, order?: ArrayLike<number>, size?: number): Uint8Array {
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
    const c = ++(counts[kk] as number);
    if (c > limit) {
      hit[i] = 1;
      if (timeoutSec > 0) until[kk] = t + timeoutSec * 1000;
    }
  }
  return hit;
}

/** Busiest counter of possibly-good rows in any period (per key), in one time-ordered pass. */
function busiest(ts: ArrayLike<number>, key: ArrayLike<number>, size: number, good: Bits, off: number, periodSec: number, order: ArrayLike<number>): number {
  const window = new Float64Array(size).fill(NaN);
  const counts = new Int32Array(size);
  let max = 0;
  const p = periodSec * 1000;
  for (let j = 0; j < order.length; j++) {
    const i = order[j] as number;
    const k = key[i] as number;
    const b = i + off;
    if (k < 0 || (((good[b >>> 5] as number) >>> (b & 31)) & 1) === 0) continue;
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

/** The rows of `order` that have a key (>= 0), in the same order. */
function keyedOrder(order: Int32Array, key: Int32Array): Int32Array {
  let m = 0;
  for (let j = 0; j < order.length; j++) if ((key[order[j] as number] as number) >= 0) m++;
  if (m === order.length) return order;
  const out = new Int32Array(m);
  m = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j] as number;
    if ((key[i] as number) >= 0) out[m++] = i;
  }
  return out;
}

/** Dense keys of the matched rows only (the rest -1): row i is matched when bit i + off of `match` is set. */
function matchedKeys(t: ColumnTable, fields: readonly string[], match: Bits, off: number): { ids: Int32Array; size: number } {
  const all = denseKeys(t, fields);
  const src = all.ids;
  const ids = new Int32Array(src.length);
  // bits read inline (no predicate call per row)
  for (let i = 0; i < ids.length; i++) {
    const j = i + off;
    ids[i] = (((match[j >>> 5] as number) >>> (j & 31)) & 1) === 1 ? (src[i] as number) : -1;
  }
  return { ids, size: all.size };
}

export function rateLimitRule(ctx: EmitContext, c: ClusterWithRows): Mitigation | null {
  const { ev } = ctx;
  const t = ev.t;
  const has = (f: string) => tableSchema(t).fields.has(f);
  if (!has('ip.src') || !has('timestamp')) return null;
  const guards: GuardNote[] = [];
  const path = c.attributes.find((a) => a.field === 'http.request.uri.path' && a.share >= 0.8);
  const method = c.attributes.find((a) => a.field === 'http.request.method' && a.share >= 0.8 && a.value !== 'GET');
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
  const tsOf = (tbl: ColumnTable) => tbl.column('timestamp') as unknown as ArrayLike<number>;
  const plan = ctx.zone.plan;
  const nat = sharedAddresses(t);
  let best: { m: Mitigation; cover: number; hits: Bits } | undefined;
  for (const ch of CHARACTERISTICS) {
    if (!ch.fields.every(has)) continue;
    if (plan && PLAN_RANK[plan] < PLAN_RANK.enterprise && ch.api.length > 2) continue;
    if (plan && ch.fields.some((f) => f.startsWith('cf.bot_management.')) && ctx.zone.botManagement === false) continue;
    for (const want of [60, 10]) {
      const period = plan ? periodFor(plan, want) : want;
      // clusters often share a limit (the site-wide one): replay each (expression, characteristics, period) once
      const cacheKey = `${expression}\u0000${ch.fields.join(',')}\u0000${period}\u0000${ctx.skip ? 1 : 0}`;
      let cached = replayCache(ev).get(cacheKey);
      if (!cached) {
      const kInc = matchedKeys(t, ch.fields, match, 0);
      const kBase = ev.base && ch.fields.every((f) => tableSchema(ev.base as ColumnTable).fields.has(f)) ? matchedKeys(ev.base, ch.fields, match, ev.n) : null;
      // the rows a replay counts, in time order: every walk below skips the rest anyway
      const oInc = keyedOrder(timeOrder(t), kInc.ids);
      const oBase = kBase ? keyedOrder(timeOrder(ev.base as ColumnTable), kBase.ids) : null;
      const peak = Math.max(busiest(tsOf(t), kInc.ids, kInc.size, ev.reference, 0, period, oInc), kBase && oBase ? busiest(tsOf(ev.base as ColumnTable), kBase.ids, kBase.size, ev.reference, ev.n, period, oBase) : 0);
      const limit = Math.max(RL_MIN_LIMIT, Math.ceil(peak * RL_HEADROOM));
      const timeout = plan ? Math.min(RL_TIMEOUT, RL_MAX_TIMEOUT[plan]) : RL_TIMEOUT;
      const hitInc = replay(tsOf(t), kInc.ids, period, limit, timeout, oInc, kInc.size);
      const hitBase = kBase && oBase ? replay(tsOf(ev.base as ColumnTable), kBase.ids, period, limit, timeout, oBase, kBase.size) : new Uint8Array(ev.m);
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
      const d = decide(b, b.attack, { canChallenge: true, unit: 'requests' });
      if ('refused' in d) {
        ctx.refused.push({ cluster: c.id, kind: 'rate_limit', expression: `${expression} [${ch.api.join(', ')}; ${limit}/${period}s]`, guard: 'good-traffic', reason: d.refused });
        continue;
      }
      // challenges need mitigation_timeout 0 below Enterprise
      const to = d.action === 'managed_challenge' ? 0 : timeout;
      const id = `rl-${c.id}-${ch.fields.join('+')}-${period}`;
      const json = {
        description: `netrunbook ${ctx.incident} ${c.id}: ${c.name}`, expression, action: d.action, enabled: d.safe, ref: '',
        ...(d.action === 'block' ? { action_parameters: { response: { status_code: 429, content_type: 'application/json', content: '{"error":"rate limited"}' } } } : {}),
        ratelimit: { characteristics: ch.api, period, requests_per_period: limit, mitigation_timeout: to, requests_to_origin: false },
      };
      const cand: Omit<Mitigation, 'requires' | 'require' | 'deployable'> = {
        id, kind: 'rate_limit', cluster: c.id, description: `${limit} requests per ${period} s per ${ch.api.slice(1).join(' + ')} (busiest possibly-good counter: ${peak})`,
        expression, action: d.action, phase: 'http_ratelimit', json, api: [], position: 'rate limiting rules: last (after any rule that should win first)',
        safe: d.safe, verdict: d.verdict, why: d.why, plan: [], backtest: b, clusterCoverage: b.attack, guards: [...guards],
      };
      const score = b.attack - (d.safe ? 0 : 1) - 0.001 * ch.api.length;
      if (!best || score > best.cover) best = { m: cand as Mitigation, cover: score, hits };
    }
  }
  if (!best) return null;
  const m = best.m;
  const mid = ctx.nextId();
  ctx.record(mid, best.hits);
  const ref = refOf(ctx, mid);
  const json: Record<string, unknown> = { ...m.json, ref };
  const rl = json['ratelimit'] as { characteristics: string[]; period: number; mitigation_timeout: number };
  return finish(ctx, { ...m, id: mid, json, api: addRule('zone', 'http_ratelimit', json, undefined), plan: stagePlan(m.action, ref, 'http', m.safe) },
    rateLimitNeeds(m.expression, rl.characteristics, rl.period, rl.mitigation_timeout, m.action));
}
