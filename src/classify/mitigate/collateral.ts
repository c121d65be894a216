/**
 * What a proposal does to the possibly-good clients it touches. Its share of possibly-good rows
 * can be tiny while it stops every request of a few clients (an API integration that shares the
 * attack's TLS stack, a partner's poller): the aggregate hides an outage for them. Per source
 * address, the possibly-good incident rows the rule stops of that source's possibly-good rows;
 * sources losing most of theirs are named in the proposal's `breaks`, so the engineer exempts
 * them (skip rule) or asks the customer before deploying.
 */
import { internField, tableSchema } from '../columns.js';
import { MSG } from '../messages.js';
import { and, hasBit, positions, type Bits } from './bits.js';
import type { Evidence } from './evidence.js';
import type { Action } from './types.js';
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
  // the possibly-good incident rows the rule stops (baseline rows, from n on, have other sources)
  const hit = positions(and(bits, ev.reference)).filter((i) => i < ev.n);
  const stopped = new Map<number, number>();
  for (const i of hit) {
    const k = ip.ids[i] as number;
    if (k >= 0) stopped.set(k, (stopped.get(k) ?? 0) + 1);
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
    for (const i of hit) {
      const m = named.get(ip.ids[i] as number);
      const u = ua.ids[i] as number;
      if (m && u >= 0) m.set(u, (m.get(u) ?? 0) + 1);
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

/** The `breaks` text for the sources a proposal of `action` cuts off (undefined when none). */
export function cutOffNote(bits: Bits, ev: Evidence, action: Action): string | undefined {
  const cut = cutOffSources(bits, ev);
  if (!cut.length) return undefined;
  const ua = (u: string) => JSON.stringify(u.length > 60 ? `${u.slice(0, 57)}...` : u);
  const shown = cut.slice(0, CUT_OFF_LISTED).map((c) => `${c.ip}: ${c.stopped} of ${c.rows}${c.userAgent !== undefined ? `, ${ua(c.userAgent)}` : ''}`).join('; ') + (cut.length > CUT_OFF_LISTED ? `; ${cut.length - CUT_OFF_LISTED} more` : '');
  return MSG.cutOff(cut.length, shown, action === 'block' ? 'block' : action === 'managed_challenge' ? 'challenge' : 'rule');
}
