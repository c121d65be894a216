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
import { pairIds } from '../../behaviour/index.js';
import { and, andNot, countAnd, emptyBits, positionsIn, setBit, type Bits } from '../bits.js';
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

/** Row indices in time order, cached per table (every replay walks them, none sorts). */
const orderCache = new WeakMap<ColumnTable, Int32Array>();
/** Time orders that are the row order itself (rows already sorted by time, as logs mostly are). */
const inRowOrder = new WeakSet<Int32Array>();
export function timeOrder(t: ColumnTable): Int32Array {
  const hit = orderCache.get(t);
  if (hit) return hit;
  const ts = t.column('timestamp') as unknown as ArrayLike<number>;
  const n = t.numRows();
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if ((ts[i] as number) < (ts[i - 1] as number)) sorted = false;
  if (!sorted) idx.sort((a, b) => (ts[a] as number) - (ts[b] as number));
  else inRowOrder.add(idx);
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
  const ord = order ?? Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (ts[a] as number) - (ts[b] as number));
  const m = ord.length;
  const oTs = new Float64Array(m);
  const oKey = new Int32Array(m);
  const oCounted = counted ? new Uint8Array(m) : undefined;
  for (let j = 0; j < m; j++) {
    const i = ord[j] as number;
    oTs[j] = ts[i] as number;
    oKey[j] = key[i] as number;
    if (oCounted) oCounted[j] = (counted as ArrayLike<number>)[i] ? 1 : 0;
  }
  const oHit = emptyBits(m);
  replayLimits(oTs, oKey, k, [{ period: periodSec, limit, timeout: timeoutSec }], oCounted, null, 0, [oHit]);
  const hit = new Uint8Array(n);
  for (let j = 0; j < m; j++) if ((((oHit[j >>> 5] as number) >>> (j & 31)) & 1) === 1) hit[ord[j] as number] = 1;
  return hit;
}

/** How a limit acts: its period (s), its threshold and its mitigation timeout (s; 0 = throttle). */
interface Limit {
  period: number;
  limit: number;
  timeout: number;
}

/**
 * Counter `s` at time `t` (ms) for a period of `pMs`: rolls its windows (the previous window's
 * count is kept when it is the one just before, else 0), counts this request when `inc`, and
 * returns the rate Cloudflare acts on, the approximated sliding window (see replayLimits).
 */
function slidingRate(window: Float64Array, counts: Int32Array, prev: Int32Array, s: number, t: number, pMs: number, inc: boolean): number {
  const w = Math.floor(t / pMs);
  const cur = window[s] as number;
  if (cur !== w) {
    prev[s] = cur === w - 1 ? (counts[s] as number) : 0;
    window[s] = w;
    counts[s] = 0;
  }
  const c = inc ? ++(counts[s] as number) : (counts[s] as number);
  return (prev[s] as number) * (1 - (t - w * pMs) / pMs) + c;
}

/**
 * The replay itself, over rows already in time order (`ts`, `key` and `counted` per row of that
 * order), for several limits on the same keys at once (each period and behaviour the search
 * tries): the rows are read once, and each limit keeps its own counters (side by side per key).
 *
 * Counting is Cloudflare's approximated sliding window ("How we built rate limiting capable of
 * scaling to millions of domains", Cloudflare blog, 2017): per key, the counts of the current and
 * the previous fixed window of the period; a request's rate is the previous count weighted by the
 * share of the period not yet elapsed plus the current count. Fixed windows alone let a client
 * send twice the limit across a window boundary unseen, so they credit a limit with sparing good
 * clients a real one would act on.
 *
 * The rows limit v acts on get their bit in `hits[v]`: bit `rows[j] + off` (their row in the
 * evidence bitsets), or bit j without `rows`.
 */
function replayLimits(ts: Float64Array, key: Int32Array, size: number, limits: readonly Limit[], counted: Uint8Array | undefined, rows: Int32Array | null, off: number, hits: readonly Bits[]): void {
  const m = ts.length;
  const V = limits.length;
  const window = new Float64Array(size * V).fill(NaN);
  const counts = new Int32Array(size * V);
  const prev = new Int32Array(size * V);
  const until = new Float64Array(size * V).fill(-Infinity);
  const p = Float64Array.from(limits, (l) => l.period * 1000);
  const max = Float64Array.from(limits, (l) => l.limit);
  const timeoutMs = Float64Array.from(limits, (l) => l.timeout * 1000);
  for (let j = 0; j < m; j++) {
    const kk = key[j] as number;
    if (kk < 0) continue;
    const t = ts[j] as number;
    // a counting expression (failed logins) decides what increments; every matched request is
    // acted on while its key is over the limit
    const inc = !counted || counted[j] !== 0;
    // the row's bit in the hit sets: its row number (plus the table's offset) or its place j
    const b = rows === null ? j : (rows[j] as number) + off;
    const w = b >>> 5;
    const bit = 1 << (b & 31);
    for (let v = 0; v < V; v++) {
      const s = kk * V + v;
      if ((until[s] as number) > t) {
        (hits[v] as Bits)[w] = ((hits[v] as Bits)[w] as number) | bit;
        continue;
      }
      if (slidingRate(window, counts, prev, s, t, p[v] as number, inc) > (max[v] as number)) {
        (hits[v] as Bits)[w] = ((hits[v] as Bits)[w] as number) | bit;
        if ((timeoutMs[v] as number) > 0) until[s] = t + (timeoutMs[v] as number);
      }
    }
  }
}

/**
 * Busiest rate of possibly-good rows (per key), counted as the replay counts (the approximated
 * sliding window), in one pass over those rows in time order (`good`: their places among `ts`).
 */
function busiest(ts: Float64Array, key: Int32Array, size: number, good: Int32Array, periodSec: number, counted?: Uint8Array): number {
  const window = new Float64Array(size).fill(NaN);
  const counts = new Int32Array(size);
  const prev = new Int32Array(size);
  let max = 0;
  const p = periodSec * 1000;
  for (let g = 0; g < good.length; g++) {
    const j = good[g] as number;
    const k = key[j] as number;
    if (k < 0 || (counted && !counted[j])) continue;
    const rate = slidingRate(window, counts, prev, k, ts[j] as number, p, true);
    if (rate > max) max = rate;
  }
  return max;
}

/** The places of an admitted set's possibly-good rows, ascending (once per set). */
function goodRows(a: Admitted): Int32Array {
  if (a.good) return a.good;
  let m = 0;
  for (let j = 0; j < a.ref.length; j++) m += a.ref[j] as number;
  const out = new Int32Array(m);
  for (let j = 0, o = 0; j < a.ref.length; j++) if (a.ref[j] !== 0) out[o++] = j;
  return (a.good = out);
}

/**
 * The rows of one table a rule's expression admits (after the skip rule), in time order, with
 * their timestamps and whether each is possibly good: gathered once per expression, then every
 * characteristics set, counting expression, period and behaviour replays these arrays only.
 */
interface Admitted {
  /** Row index in its table, in time order. */
  rows: Int32Array;
  ts: Float64Array;
  ref: Uint8Array;
  /** Bit offset of the table's rows in the evidence bitsets (0 incident, n baseline). */
  off: number;
  keys: Map<string, { key: Int32Array; size: number }>;
  counted: Map<string, Uint8Array>;
  /** The places of the possibly-good rows (goodRows). */
  good?: Int32Array;
}

function admit(tbl: ColumnTable, match: Bits, reference: Bits, off: number): Admitted {
  const order = timeOrder(tbl);
  const tsCol = tbl.column('timestamp') as unknown as ArrayLike<number>;
  if (inRowOrder.has(order)) {
    // time order is row order: the admitted rows are the set bits, read a word at a time
    const rows = positionsIn(match, off, off + order.length);
    const m = rows.length;
    const ts = new Float64Array(m);
    const ref = new Uint8Array(m);
    for (let o = 0; o < m; o++) {
      const i = rows[o] as number;
      const b = i + off;
      ts[o] = tsCol[i] as number;
      ref[o] = ((reference[b >>> 5] as number) >>> (b & 31)) & 1;
    }
    return { rows, ts, ref, off, keys: new Map(), counted: new Map() };
  }
  let m = 0;
  for (let j = 0; j < order.length; j++) {
    const b = (order[j] as number) + off;
    if ((((match[b >>> 5] as number) >>> (b & 31)) & 1) === 1) m++;
  }
  const rows = new Int32Array(m);
  const ts = new Float64Array(m);
  const ref = new Uint8Array(m);
  for (let j = 0, o = 0; j < order.length; j++) {
    const i = order[j] as number;
    const b = i + off;
    if ((((match[b >>> 5] as number) >>> (b & 31)) & 1) !== 1) continue;
    rows[o] = i;
    ts[o] = tsCol[i] as number;
    ref[o] = ((reference[b >>> 5] as number) >>> (b & 31)) & 1;
    o++;
  }
  return { rows, ts, ref, off, keys: new Map(), counted: new Map() };
}

/**
 * The characteristics key of each admitted row (-1 where a field is missing) and the number of
 * keys. Rows share a counter exactly when their interned ids are equal field by field; how the
 * keys are numbered does not change a replay.
 */
function admittedKeys(tbl: ColumnTable, a: Admitted, fields: readonly string[]): { key: Int32Array; size: number } {
  const name = fields.join('\u0000');
  const hit = a.keys.get(name);
  if (hit) return hit;
  const r = keysOf(tbl, a.rows, fields);
  a.keys.set(name, r);
  return r;
}

/**
 * The key of each of `rows` (row numbers of `tbl`) over `fields`: dense ids, equal exactly when
 * the rows' interned ids are equal field by field; -1 where a field is missing.
 */
export function keysOf(tbl: ColumnTable, rows: ArrayLike<number>, fields: readonly string[]): { key: Int32Array; size: number } {
  const cols = fields.map((f) => internField(tbl, f));
  const m = rows.length;
  // field by field: the key so far paired with the next field's id (pairs numbered densely in
  // order of first sight through typed tables, no Map of keys); a missing field makes it missing
  let key = new Int32Array(m).fill(-1);
  let size = 0;
  cols.forEach((c, f) => {
    const ids = c.ids;
    if (f === 0) {
      for (let j = 0; j < m; j++) key[j] = ids[rows[j] as number] as number;
      size = c.values.length;
      return;
    }
    const next = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      const id = ids[rows[j] as number] as number;
      next[j] = id;
      if (id < 0) key[j] = -1;
    }
    const paired = pairIds(key, size, next, c.values.length);
    key = paired.ids;
    size = paired.size;
  });
  return { key, size };
}

/** Whether each admitted row counts towards the limit under a counting expression. */
function admittedCounted(a: Admitted, counting: string, countBits: Bits): Uint8Array {
  const hit = a.counted.get(counting);
  if (hit) return hit;
  const out = new Uint8Array(a.rows.length);
  for (let j = 0; j < out.length; j++) {
    const b = (a.rows[j] as number) + a.off;
    out[j] = ((countBits[b >>> 5] as number) >>> (b & 31)) & 1;
  }
  a.counted.set(counting, out);
  return out;
}

export { sharedAddresses } from '../sources.js';
import { sharedAddresses } from '../sources.js';

interface Replayed {
  hits: Bits;
  peak: number;
  limit: number;
  timeout: number;
}
/** Per analysis: replays by (expression, counting, key, period, skip, behaviour), and admitted rows by (expression, skip). */
interface RateLimitCache {
  replays: Map<string, Replayed>;
  admitted: Map<string, { inc: Admitted; base: Admitted | null }>;
  peaks: Map<string, number>;
}
const caches = new WeakMap<object, RateLimitCache>();
function cacheOf(ev: object): RateLimitCache {
  let m = caches.get(ev);
  if (!m) caches.set(ev, (m = { replays: new Map(), admitted: new Map(), peaks: new Map() }));
  return m;
}

const codeCache = new WeakMap<object, Bits>();
/**
 * Bits of `${expression} and http.response.code in {401 403}`: the expression's bits (already
 * evaluated) and the failure codes' bits, since a row matches the conjunction exactly when it
 * matches both. The codes are read straight from a numeric column (`in` on numbers is
 * equality with one of them); with a baseline table the conjunction is evaluated as written.
 */
function failureBits(ev: EmitContext['ev'], exprBits: Bits, failExpr: string): Bits | null {
  const col = ev.t.column('http.response.code') as unknown;
  if (ev.base || !(col instanceof Float64Array || col instanceof Int32Array || col instanceof Uint16Array)) return ev.evalBits(failExpr);
  let codes = codeCache.get(ev);
  if (codes === undefined) {
    codes = emptyBits(ev.N);
    const want = new Set<number>(FAILURE_CODES);
    for (let i = 0; i < ev.n; i++) if (want.has(col[i] as number)) setBit(codes, i);
    codeCache.set(ev, codes);
  }
  return and(exprBits, codes);
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
  const countingBits = new Map<string, Bits>();
  if (has('http.response.code')) {
    const failExpr = `${expression} and http.response.code in {${FAILURE_CODES.join(' ')}}`;
    const fb = failureBits(ev, exprBits, failExpr);
    if (fb) {
      countingBits.set(failExpr, fb);
      const clusterFail = countAnd(fb, c.bits) / Math.max(1, c.rows);
      const goodOn = countAnd(match, ev.reference);
      const goodFail = goodOn ? countAnd(fb, ev.reference) / goodOn : 0;
      if (clusterFail >= RL_FAILURE_SHARE && goodFail <= RL_GOOD_FAILURE_SHARE) countings.push(failExpr);
    }
  }
  const plan = ctx.zone.plan;
  const nat = sharedAddresses(t);
  const cache = cacheOf(ev);
  let best: { m: Mitigation; cover: number; hits: Bits; counting: string | null } | undefined;
  // the rows the expression admits, in time order: every replay below walks these only
  const admittedKey = `${expression}\u0000${ctx.skip ? 1 : 0}`;
  let adm = cache.admitted.get(admittedKey);
  if (!adm) {
    adm = { inc: admit(t, match, ev.reference, 0), base: ev.base && tableSchema(ev.base).fields.has('timestamp') ? admit(ev.base, match, ev.reference, ev.n) : null };
    cache.admitted.set(admittedKey, adm);
  }
  const { inc, base } = adm;
  for (const counting of countings) for (const ch of CHARACTERISTICS) {
    if (!ch.fields.every(has)) continue;
    // a per-path counter under a single-path rule is one counter for the endpoint; under a
    // site-wide rule it would be one per URL, which a flood of distinct URLs never fills
    if (ch.fields[0] === 'http.request.uri.path' && !path) continue;
    if (plan && counting && PLAN_RANK[plan] < PLAN_RANK.business) continue;
    const keyFields = !ch.fields.includes('ip.src') && has(COLO_STAND_IN) ? [...ch.fields, COLO_STAND_IN] : ch.fields;
    const countBits = counting ? (countingBits.get(counting) ?? null) : null;
    if (plan && PLAN_RANK[plan] < PLAN_RANK.enterprise && ch.api.length > 2) continue;
    if (plan && ch.fields.some((f) => f.startsWith('cf.bot_management.')) && ctx.zone.botManagement === false) continue;
    // two behaviours, each replayed as it would run: a block for the mitigation timeout once the
    // limit is hit, or throttling (timeout 0: only requests over the limit), which is what a
    // challenge does below Enterprise (a human who passes resets the counter)
    // a counter shared by every client (per JA4, per endpoint) punishes all of them for the
    // attack's requests: a block with a timeout would shut the endpoint or the TLS stack for
    // everyone at that data centre (a real one counts differently from any replay, too), so a
    // shared counter only ever throttles with a challenge, which people pass
    const behaviours = ch.fields.includes('ip.src') ? [false, true] : [true];
    for (const throttle of behaviours) for (const want of [60, 10]) {
      // a throttled challenge cannot beat a safe block that already stops the cluster
      if (throttle && best && best.m.safe && best.m.action === 'block' && best.m.backtest.attack >= BLOCK_MIN_COVER) continue;
      const period = plan ? periodFor(plan, want) : want;
      // clusters often share a limit (the site-wide one): replay each (expression, characteristics, period) once
      const replayKey = (p: number, th: boolean) => `${expression}\u0000${counting ?? ''}\u0000${keyFields.join(',')}\u0000${p}\u0000${ctx.skip ? 1 : 0}\u0000${th ? 1 : 0}`;
      let cached = cache.replays.get(replayKey(period, throttle));
      if (!cached) {
        // every period and behaviour this loop may ask for on these keys, replayed in one pass
        const kInc = admittedKeys(t, inc, keyFields);
        const kBase = base && keyFields.every((f) => tableSchema(ev.base as ColumnTable).fields.has(f)) ? admittedKeys(ev.base as ColumnTable, base, keyFields) : null;
        const cInc = counting && countBits ? admittedCounted(inc, counting, countBits) : undefined;
        const cBase = kBase && counting && countBits ? admittedCounted(base as Admitted, counting, countBits) : undefined;
        const periods = [...new Set([60, 10].map((w) => (plan ? periodFor(plan, w) : w)))];
        const variants: (Limit & { throttle: boolean; peak: number })[] = [];
        // the behaviours this key set is tried with (a shared counter only throttles): no replay
        // of a block no one asks for
        for (const th of behaviours) for (const p of periods) {
          // the busiest possibly-good counter does not depend on how the limit acts: once per key and period
          const peakKey = `${admittedKey}\u0000${keyFields.join(',')}\u0000${p}\u0000${counting ?? ''}`;
          let peak = cache.peaks.get(peakKey);
          if (peak === undefined) {
            peak = Math.max(busiest(inc.ts, kInc.key, kInc.size, goodRows(inc), p, cInc), kBase ? busiest((base as Admitted).ts, kBase.key, kBase.size, goodRows(base as Admitted), p, cBase) : 0);
            cache.peaks.set(peakKey, peak);
          }
          const limit = Math.max(RL_MIN_LIMIT, Math.ceil(peak * RL_HEADROOM));
          const timeout = th ? 0 : plan ? Math.min(RL_TIMEOUT, RL_MAX_TIMEOUT[plan]) : RL_TIMEOUT;
          variants.push({ period: p, limit, timeout, throttle: th, peak });
        }
        const hits = variants.map(() => emptyBits(ev.N));
        // each replay sets its rows' bits (row number + the table's offset) straight in the hit sets
        replayLimits(inc.ts, kInc.key, kInc.size, variants, cInc, inc.rows, inc.off, hits);
        if (kBase) replayLimits((base as Admitted).ts, kBase.key, kBase.size, variants, cBase, (base as Admitted).rows, (base as Admitted).off, hits);
        variants.forEach((v, i) => cache.replays.set(replayKey(v.period, v.throttle), { hits: hits[i] as Bits, peak: v.peak, limit: v.limit, timeout: v.timeout }));
        cached = cache.replays.get(replayKey(period, throttle)) as Replayed;
      }
      const { hits, peak, limit, timeout } = cached;
      const b = grade(hits, c, ev);
      if (b.attack < MIN_PROPOSAL_COVER) continue;
      if (ch.fields.length === 1 && ch.fields[0] === 'ip.src') {
        const ipCol = internField(t, 'ip.src');
        const shared = new Set<string>();
        // incident rows in row order (the order the addresses are named in)
        for (let w = 0; w << 5 < ev.n; w++) {
          let x = hits[w] as number;
          while (x !== 0) {
            const i = (w << 5) + (31 - Math.clz32(x & -x));
            x &= x - 1;
            if (i < ev.n && nat.has(ipCol.values[ipCol.ids[i] as number])) shared.add(String(ipCol.values[ipCol.ids[i] as number]));
          }
        }
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
