/**
 * What a proposal does to the possibly-good clients it touches. Its share of possibly-good rows
 * can be tiny while it stops every request of a few clients (an API integration that shares the
 * attack's TLS stack, a partner's poller): the aggregate hides an outage for them. Per source
 * address, the possibly-good incident rows the rule stops of that source's possibly-good rows;
 * sources losing most of theirs are named in the proposal's `breaks`, so the engineer exempts
 * them (skip rule) or asks the customer before deploying.
 */
import { internField, tableSchema } from '../columns.js';
import { hasBit, type Bits } from './bits.js';
import type { Evidence } from './evidence.js';
import { CUT_OFF_LISTED, CUT_OFF_MIN_ROWS, CUT_OFF_SHARE } from './thresholds.js';

export interface CutOff {
  ip: string;
  /** possibly-good rows of this source the rule stops */
  stopped: number;
  /** possibly-good rows of this source */
  rows: number;
  /** its most frequent user agent among the stopped rows, when the table has one */
  userAgent?: string;
}

/** Per source, possibly-good incident rows: counted once per evidence. */
const perSource = new WeakMap<Evidence, Int32Array>();

function referenceRowsPerSource(ev: Evidence, ids: Int32Array, size: number): Int32Array {
  let c = perSource.get(ev);
  if (!c) {
    c = new Int32Array(size);
    for (let i = 0; i < ev.n; i++) {
      const k = ids[i] as number;
      if (k >= 0 && hasBit(ev.reference, i)) c[k]++;
    }
    perSource.set(ev, c);
  }
  return c;
}

/** Possibly-good sources the rule (its incident+baseline bits) stops most requests of, largest first. */
export function cutOffSources(bits: Bits, ev: Evidence): CutOff[] {
  const t = ev.t;
  if (!tableSchema(t).fields.has('ip.src')) return [];
  const ip = internField(t, 'ip.src');
  const total = referenceRowsPerSource(ev, ip.ids, ip.values.length);
  const stopped = new Map<number, number>();
  const ruleWords = bits;
  const refWords = ev.reference;
  const words = Math.min(ruleWords.length, (ev.n + 31) >>> 5);
  for (let w = 0; w < words; w++) {
    let x = ((ruleWords[w] as number) & (refWords[w] as number)) >>> 0;
    while (x) {
      const b = 31 - Math.clz32(x & -x);
      x &= x - 1;
      const i = (w << 5) + b;
      if (i >= ev.n) break;
      const k = ip.ids[i] as number;
      if (k >= 0) stopped.set(k, (stopped.get(k) ?? 0) + 1);
    }
  }
  const out: (CutOff & { k: number })[] = [];
  for (const [k, s] of stopped) {
    const rows = total[k] as number;
    if (s >= CUT_OFF_MIN_ROWS && s > rows * CUT_OFF_SHARE) out.push({ k, ip: String(ip.values[k]), stopped: s, rows });
  }
  out.sort((a, b) => b.stopped - a.stopped || (a.ip < b.ip ? -1 : 1));
  if (out.length && tableSchema(t).fields.has('http.user_agent')) {
    const ua = internField(t, 'http.user_agent');
    const named = new Map(out.slice(0, CUT_OFF_LISTED).map((o) => [o.k, new Map<number, number>()]));
    for (let i = 0; i < ev.n; i++) {
      const m = named.get(ip.ids[i] as number);
      if (!m || !hasBit(bits, i) || !hasBit(ev.reference, i)) continue;
      const u = ua.ids[i] as number;
      if (u >= 0) m.set(u, (m.get(u) ?? 0) + 1);
    }
    for (const o of out) {
      const m = named.get(o.k);
      if (!m || !m.size) continue;
      const top = [...m].sort((a, b) => b[1] - a[1])[0] as [number, number];
      o.userAgent = String(ua.values[top[0]]);
    }
  }
  return out.map(({ k: _k, ...o }) => o);
}
