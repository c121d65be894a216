/**
 * Route-origin validation (RFC 6811) against Validated ROA Payloads as rpki-client and stayrtr
 * export them: `{ "roas": [ { "prefix": "192.0.2.0/24", "maxLength": 24, "asn": 64496 | "AS64496", "ta": "..." } ] }`.
 */
import type { ColumnTable } from 'arquero';
import { MSG } from './messages.js';
import { maskAddr, parsePrefix, type ParsedPrefix } from './prefix.js';
import { ROUTE_FIELD } from './table.js';

export interface Vrp {
  prefix: ParsedPrefix;
  maxLength: number;
  asn: number;
  ta: string | null;
}

export interface VrpIssue {
  /** Index in the `roas` array. */
  index: number;
  reason: string;
}

export interface VrpSet {
  vrps: Vrp[];
  /** Entries not loaded (malformed prefix, maxLength, ASN), with their index. */
  skipped: VrpIssue[];
}

export type RovState = 'valid' | 'invalid' | 'notfound';

export interface RovResult {
  state: RovState;
  /** For invalid routes: 'as' (no covering VRP for the origin AS) or 'length' (the AS matches but the prefix is longer than maxLength). */
  reason: 'as' | 'length' | null;
  /** The covering VRPs (RFC 6811 "Covering VRPs"). */
  covering: Vrp[];
}

function asnOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4294967295) return v;
  if (typeof v === 'string') {
    const m = /^(?:AS)?(\d{1,10})$/i.exec(v.trim());
    if (m && Number(m[1]) <= 4294967295) return Number(m[1]);
  }
  return null;
}

/** Reads a VRP JSON export; bad entries are reported with their index, the rest loaded. */
export function parseVrps(json: string, source = 'VRP JSON'): VrpSet {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(MSG.vrpJson(source, (e as Error).message));
  }
  const roas = (doc as { roas?: unknown } | null)?.roas;
  if (!Array.isArray(roas)) throw new Error(MSG.vrpNoRoas(source));
  const out: VrpSet = { vrps: [], skipped: [] };
  roas.forEach((r: unknown, index) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const p = typeof o['prefix'] === 'string' ? parsePrefix(o['prefix']) : null;
    if (!p || !String(o['prefix']).includes('/')) return void out.skipped.push({ index, reason: MSG.vrpPrefix(String(o['prefix'])) });
    const asn = asnOf(o['asn']);
    if (asn === null) return void out.skipped.push({ index, reason: MSG.vrpAsn(String(o['asn'])) });
    const ml = o['maxLength'] ?? o['max_length'] ?? p.len;
    const max = p.family === 4 ? 32 : 128;
    if (typeof ml !== 'number' || !Number.isInteger(ml) || ml < p.len || ml > max) return void out.skipped.push({ index, reason: MSG.vrpMaxLength(String(ml), p.text) });
    out.vrps.push({ prefix: p, maxLength: ml, asn, ta: typeof o['ta'] === 'string' ? o['ta'] : null });
  });
  return out;
}

/** VRPs indexed by family, prefix length and network address, for covering lookups. */
export class VrpIndex {
  private readonly byLen: [Map<number, Map<number | bigint, Vrp[]>>, Map<number, Map<number | bigint, Vrp[]>>] = [new Map(), new Map()];
  private readonly lens: [number[], number[]] = [[], []];

  constructor(vrps: readonly Vrp[]) {
    for (const v of vrps) {
      const f = v.prefix.family === 4 ? 0 : 1;
      let m = this.byLen[f].get(v.prefix.len);
      if (!m) {
        m = new Map();
        this.byLen[f].set(v.prefix.len, m);
      }
      const list = m.get(v.prefix.addr);
      if (list) list.push(v);
      else m.set(v.prefix.addr, [v]);
    }
    this.lens = [[...this.byLen[0].keys()].sort((a, b) => a - b), [...this.byLen[1].keys()].sort((a, b) => a - b)];
  }

  /** VRPs whose prefix covers `p`. */
  covering(p: ParsedPrefix): Vrp[] {
    const f = p.family === 4 ? 0 : 1;
    const out: Vrp[] = [];
    for (const len of this.lens[f]) {
      if (len > p.len) break;
      const hit = this.byLen[f].get(len)?.get(maskAddr(p.family, p.addr, len));
      if (hit) out.push(...hit);
    }
    return out;
  }

  /**
   * RFC 6811 section 2: NotFound without a covering VRP; Valid when a covering VRP has the
   * route's origin AS and a maxLength at least the route's length; Invalid otherwise. A route
   * without an origin AS (path ending in an AS_SET, or empty) cannot match any VRP, and an
   * AS0 VRP matches nothing (RFC 7607).
   */
  validate(prefix: string | ParsedPrefix, originAs: number | null): RovResult {
    const p = typeof prefix === 'string' ? parsePrefix(prefix) : prefix;
    if (!p) return { state: 'notfound', reason: null, covering: [] };
    const covering = this.covering(p);
    if (covering.length === 0) return { state: 'notfound', reason: null, covering };
    let asMatch = false;
    for (const v of covering) {
      if (originAs === null || v.asn === 0 || v.asn !== originAs) continue;
      asMatch = true;
      if (p.len <= v.maxLength) return { state: 'valid', reason: null, covering };
    }
    return { state: 'invalid', reason: asMatch ? 'length' : 'as', covering };
  }
}

/** Adds `rpki` ('valid' | 'invalid' | 'notfound', null for withdrawals and state rows) and `rpki_reason` to a route table. */
export function withRov(table: ColumnTable, index: VrpIndex): ColumnTable {
  const prefixes = table.array(ROUTE_FIELD.prefix) as (string | null)[];
  const origins = table.array(ROUTE_FIELD.originAs) as (number | null)[];
  const actions = table.array(ROUTE_FIELD.action) as string[];
  const n = table.numRows();
  const state = new Array<RovState | null>(n);
  const reason = new Array<string | null>(n);
  const memo = new Map<string, RovResult>();
  for (let i = 0; i < n; i++) {
    const p = prefixes[i];
    if (!p || (actions[i] !== 'announce' && actions[i] !== 'rib')) {
      state[i] = null;
      reason[i] = null;
      continue;
    }
    const key = `${p}|${origins[i] ?? ''}`;
    let r = memo.get(key);
    if (!r) {
      r = index.validate(p, origins[i] ?? null);
      memo.set(key, r);
    }
    state[i] = r.state;
    reason[i] = r.reason;
  }
  return table.assign({ rpki: state, rpki_reason: reason });
}
