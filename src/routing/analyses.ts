/**
 * Route analyses an engineer runs on an MRT route table (see ROUTE_FIELD): who originates a
 * prefix and since when (MOAS), more-specifics of a prefix (possible hijack), AS-path changes,
 * prepending, and withdrawal/flap counts. Each returns an Arquero table.
 */
import { escape, table, type ColumnTable } from 'arquero';
import { covers, parsePrefix } from './prefix.js';
import { ROUTE_FIELD as F } from './table.js';

interface Cols {
  n: number;
  ts: number[];
  action: string[];
  peer: string[];
  prefix: (string | null)[];
  origin: (number | null)[];
  path: (number[] | null)[];
}

function cols(t: ColumnTable): Cols {
  return {
    n: t.numRows(),
    ts: t.array(F.timestamp) as number[],
    action: t.array(F.action) as string[],
    peer: t.array(F.peer) as string[],
    prefix: t.array(F.prefix) as (string | null)[],
    origin: t.array(F.originAs) as (number | null)[],
    path: t.array(F.asPath) as (number[] | null)[],
  };
}

const routed = (a: string) => a === 'announce' || a === 'rib';

/**
 * Per prefix: the origin ASes seen (sorted), whether there is more than one (MOAS: a possible
 * hijack, or anycast/multi-homing), first and last time seen, and how many peers carried it.
 */
export function originsByPrefix(t: ColumnTable): ColumnTable {
  const c = cols(t);
  const by = new Map<string, { origins: Set<number>; first: number; last: number; peers: Set<string> }>();
  for (let i = 0; i < c.n; i++) {
    const p = c.prefix[i];
    if (!p || !routed(c.action[i] as string)) continue;
    let e = by.get(p);
    if (!e) {
      e = { origins: new Set(), first: c.ts[i] as number, last: c.ts[i] as number, peers: new Set() };
      by.set(p, e);
    }
    const o = c.origin[i];
    if (o !== null && o !== undefined) e.origins.add(o);
    e.first = Math.min(e.first, c.ts[i] as number);
    e.last = Math.max(e.last, c.ts[i] as number);
    e.peers.add(c.peer[i] as string);
  }
  const rows = [...by].map(([prefix, e]) => ({ prefix, origins: [...e.origins].sort((a, b) => a - b), moas: e.origins.size > 1, first_seen: e.first, last_seen: e.last, peers: e.peers.size }));
  return table({
    prefix: rows.map((r) => r.prefix),
    origins: rows.map((r) => r.origins),
    moas: rows.map((r) => r.moas),
    first_seen: rows.map((r) => r.first_seen),
    last_seen: rows.map((r) => r.last_seen),
    peers: rows.map((r) => r.peers),
  });
}

/** Prefixes with more than one origin AS. */
export function moas(t: ColumnTable): ColumnTable {
  return originsByPrefix(t).filter((d: { moas: boolean }) => d.moas);
}

/**
 * Announced prefixes strictly inside `prefix` (a more-specific beats the covering route in every
 * router: the classic hijack), with their origins, first time seen and peer count.
 */
export function moreSpecifics(t: ColumnTable, prefix: string): ColumnTable {
  const outer = parsePrefix(prefix);
  if (!outer) throw new Error(`not a prefix: '${prefix}'`);
  return originsByPrefix(t).filter(
    escape((d: { prefix: string }) => {
      const q = parsePrefix(d.prefix);
      return q !== null && q.len > outer.len && covers(outer, q);
    }),
  );
}

/**
 * Per peer and prefix, in time order: announcements, distinct AS paths and how many times the
 * path changed from one announcement to the next (a withdrawal in between does not count as a change).
 */
export function pathChanges(t: ColumnTable): ColumnTable {
  const c = cols(t);
  const order = Array.from({ length: c.n }, (_, i) => i).sort((a, b) => (c.ts[a] as number) - (c.ts[b] as number) || a - b);
  const by = new Map<string, { peer: string; prefix: string; ann: number; paths: Set<string>; last: string | null; changes: number }>();
  for (const i of order) {
    const p = c.prefix[i];
    if (!p || !routed(c.action[i] as string)) continue;
    const key = `${c.peer[i]}|${p}`;
    let e = by.get(key);
    if (!e) {
      e = { peer: c.peer[i] as string, prefix: p, ann: 0, paths: new Set(), last: null, changes: 0 };
      by.set(key, e);
    }
    const path = (c.path[i] ?? []).join(' ');
    e.ann++;
    e.paths.add(path);
    if (e.last !== null && e.last !== path) e.changes++;
    e.last = path;
  }
  const rows = [...by.values()];
  return table({
    peer: rows.map((r) => r.peer),
    prefix: rows.map((r) => r.prefix),
    announcements: rows.map((r) => r.ann),
    paths: rows.map((r) => r.paths.size),
    changes: rows.map((r) => r.changes),
  });
}

/** Routes whose AS path repeats an ASN back to back: the ASN and how many extra copies (prepends). */
export function prepending(t: ColumnTable): ColumnTable {
  const c = cols(t);
  const out = { peer: [] as string[], prefix: [] as string[], asn: [] as number[], prepends: [] as number[], as_path: [] as number[][] };
  for (let i = 0; i < c.n; i++) {
    const path = c.path[i];
    const p = c.prefix[i];
    if (!path || !p || !routed(c.action[i] as string)) continue;
    for (let j = 1; j < path.length; ) {
      if (path[j] !== path[j - 1]) {
        j++;
        continue;
      }
      let k = j;
      while (k < path.length && path[k] === path[j - 1]) k++;
      out.peer.push(c.peer[i] as string);
      out.prefix.push(p);
      out.asn.push(path[j - 1] as number);
      out.prepends.push(k - j);
      out.as_path.push(path);
      j = k + 1;
    }
  }
  return table(out);
}

/**
 * Per peer and prefix: withdrawals, announcements, and flaps (an announcement after a withdrawal
 * of the same prefix by the same peer). With `windowMs`, counted per time window (`window` =
 * window start, ms), as the classifier's windowed aggregates are.
 */
export function flaps(t: ColumnTable, windowMs?: number): ColumnTable {
  const c = cols(t);
  const order = Array.from({ length: c.n }, (_, i) => i).sort((a, b) => (c.ts[a] as number) - (c.ts[b] as number) || a - b);
  const state = new Map<string, boolean>(); // peer|prefix -> currently withdrawn
  const by = new Map<string, { peer: string; prefix: string; window: number | null; w: number; a: number; f: number }>();
  for (const i of order) {
    const p = c.prefix[i];
    const act = c.action[i] as string;
    if (!p || (act !== 'announce' && act !== 'withdraw')) continue;
    const key = `${c.peer[i]}|${p}`;
    const win = windowMs ? Math.floor((c.ts[i] as number) / windowMs) * windowMs : null;
    const k2 = `${key}|${win ?? ''}`;
    let e = by.get(k2);
    if (!e) {
      e = { peer: c.peer[i] as string, prefix: p, window: win, w: 0, a: 0, f: 0 };
      by.set(k2, e);
    }
    if (act === 'withdraw') {
      e.w++;
      state.set(key, true);
    } else {
      e.a++;
      if (state.get(key) === true) e.f++;
      state.set(key, false);
    }
  }
  const rows = [...by.values()];
  const out: Record<string, unknown[]> = {
    peer: rows.map((r) => r.peer),
    prefix: rows.map((r) => r.prefix),
    withdrawals: rows.map((r) => r.w),
    announcements: rows.map((r) => r.a),
    flaps: rows.map((r) => r.f),
  };
  if (windowMs) out['window'] = rows.map((r) => r.window);
  return table(out);
}
