/**
 * Windowed aggregates for signatures: per key group and tumbling time window, the number of
 * rows (or of distinct values of a field); a row fires when its group reaches the threshold.
 * Keys are interned to integer ids once per column so the hot loop is integer arithmetic.
 */
import type { ColumnTable } from 'arquero';
import type { Column } from './schema.js';
import { fieldColumn, internField, plain } from './columns.js';
import { foldRow, type Fold } from './compile.js';
import { renumberInto } from './behaviour/intern.js';
import type { Interned } from './interned.js';

export interface AggregateSpec {
  key: readonly string[];
  /** seconds */
  window: number;
  measure: 'count' | 'distinct';
  of?: string;
  threshold: number;
}

/** Group id per row (0..size-1, -1 for none); Int32Array so counting loops stay integer. */
export interface Groups {
  group: Int32Array;
  size: number;
  /** Rows per group, over all rows (kept once something counted them). */
  counts?: Int32Array;
}

const groupCache = new WeakMap<ColumnTable, Map<string, Groups>>();

/** Group id per row (keys x window), -1 where a key is missing or the row is not selected. */
export function groupIds(table: ColumnTable, key: readonly string[], windowSec: number, where: Uint8Array | null): Groups {
  const t = plain(table);
  const base = baseGroups(t, key, windowSec);
  if (!where) return base;
  const group = base.group.slice();
  for (let i = 0; i < group.length; i++) if (!where[i]) group[i] = -1;
  return { group, size: base.size };
}

/** The grouping of all rows by keys x window, computed once per table (signatures share keys and windows). */
function baseGroups(t: ColumnTable, key: readonly string[], windowSec: number): Groups {
  let cache = groupCache.get(t);
  if (!cache) groupCache.set(t, (cache = new Map()));
  const ck = `${key.join('\u0000')}\u0001${windowSec}`;
  let base = cache.get(ck);
  if (!base) cache.set(ck, (base = computeGroups(t, key, windowSec)));
  return base;
}

function computeGroups(t: ColumnTable, key: readonly string[], windowSec: number): Groups {
  const where: Uint8Array | null = null;
  const n = t.numRows();
  let mult = 1;
  const keys = key.map((k) => internField(t, k));
  // window index per row, computed inside the numbering loops below (no per-row array)
  let ts: Column | null = null;
  let t0 = 0;
  let w = 1;
  let W = 1;
  const hasTs = t.columnNames().includes('timestamp');
  const only = keys.length === 1 ? (keys[0] as Interned).ids : null;
  if (hasTs && windowSec > 0) {
    ts = fieldColumn(t, 'timestamp');
    w = windowSec * 1000;
    if (only) {
      // One key over windows, rows in time order (as logs mostly are): the first time is the
      // earliest, so no pass for the range; number each (window, key) at first sight with a
      // per-key stamp of the window it was last seen in, no hashing, and only the groups that
      // occur. A row from an earlier window (out of order) falls back to the numbering below.
      let first = 0;
      while (first < n && !isTime(ts[first])) first++;
      const sorted = inTimeOrder(only, Math.max(1, (keys[0] as Interned).values.length), n, ts, first < n ? (ts[first] as number) : 0, w);
      if (sorted) return sorted;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = ts[i];
      if (typeof v === 'number') {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (hi >= lo) {
      W = Math.floor((hi - lo) / w) + 1;
      t0 = lo;
    }
  }
  // a missing time (null, or NaN in a number column) counts in window 0
  const windowOf = (i: number): number => {
    const v = (ts as Column)[i];
    return isTime(v) ? Math.floor(((v as number) - t0) / w) : 0;
  };
  // Window-major numbering (window * keys + key): rows arrive roughly in time order, so the
  // counters touched by neighbouring rows stay close together in memory.
  let K = 1;
  for (const k of keys) K *= Math.max(1, k.values.length);
  const size = W * K;
  // raw keys in an Int32Array when they fit (the usual case), else doubles renumbered below
  const group: Int32Array | Float64Array = size < 2 ** 31 ? new Int32Array(n).fill(-1) : new Float64Array(n).fill(-1);
  if (only) {
    // one key (ip.src, ip.dst): no per-row loop over keys
    for (let i = 0; i < n; i++) {
      const id = only[i] as number;
      if (id >= 0) group[i] = ts ? windowOf(i) * K + id : id;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (where && !where[i]) continue;
      let g = 0;
      mult = 1;
      let ok = true;
      for (const k of keys) {
        const id = k.ids[i] as number;
        if (id < 0) {
          ok = false;
          break;
        }
        g += id * mult;
        mult *= k.values.length;
      }
      if (!ok) continue;
      group[i] = ts ? windowOf(i) * K + g : g;
    }
  }
  // keys x windows can be far larger than the table (10k sources x 800 windows at 1M rows):
  // renumber the groups that occur densely so counters stay small typed arrays
  if (group instanceof Int32Array && size <= denseLimit(n)) return { group, size };
  const dense = group instanceof Int32Array ? group : new Int32Array(n);
  return { group: dense, size: renumberInto(group, dense) };
}

const isTime = (v: unknown): boolean => typeof v === 'number' && v === v;

const denseLimit = (n: number): number => Math.max(1 << 16, 4 * n);

/**
 * Dense groups for one key when window numbers never decrease along the rows; null otherwise.
 * Counts each group's rows in the same pass (what rate signatures ask next).
 */
function inTimeOrder(ids: Int32Array, K: number, n: number, ts: Column, t0: number, width: number): Groups | null {
  const stamp = new Int32Array(K).fill(-1);
  const gid = new Int32Array(K);
  const group = new Int32Array(n);
  let counts = new Int32Array(Math.max(1, Math.min(n, 1 << 16)));
  let next = 0;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    // the window, inline (as windowOf in computeGroups): this loop runs once per table, cold
    const v = ts[i];
    const w = isTime(v) ? Math.floor(((v as number) - t0) / width) : 0;
    if (w < last) return null;
    last = w;
    const id = ids[i] as number;
    if (id < 0) {
      group[i] = -1;
      continue;
    }
    if (stamp[id] !== w) {
      stamp[id] = w;
      if (next === counts.length) {
        const grown = new Int32Array(Math.min(n, counts.length * 2));
        grown.set(counts);
        counts = grown;
      }
      gid[id] = next++;
    }
    const g = gid[id] as number;
    group[i] = g;
    counts[g] = (counts[g] as number) + 1;
  }
  return { group, size: next, counts: counts.subarray(0, next) };
}

/**
 * Fold the rows that fire an aggregate (selected by `where`, in a group whose count or distinct
 * count reaches the threshold) into `m` (see Fold), without writing a mask; returns how many
 * rows that was. The groups come from the per-table grouping; `where` only filters the rows
 * counted and folded.
 */
export function aggregateFold(table: ColumnTable, spec: AggregateSpec, where: Uint8Array | null, m: Fold): number {
  const t = plain(table);
  const base = baseGroups(t, spec.key, spec.window);
  const measure = spec.measure === 'count' ? groupCounts(base, where) : distinctCounts(t, base, where, spec.of as string);
  return foldGroups(base.group, measure, spec.threshold, where, m);
}

/** Rows per group among the rows `where` selects (all rows: computed once and kept). */
function groupCounts(base: Groups, where: Uint8Array | null): Int32Array {
  if (!where && base.counts) return base.counts;
  const { group, size } = base;
  const counts = new Int32Array(size);
  for (let i = 0; i < group.length; i++) {
    const g = group[i] as number;
    if (g >= 0 && (where === null || where[i] !== 0)) counts[g] = (counts[g] as number) + 1;
  }
  if (!where) base.counts = counts;
  return counts;
}

/** Distinct values of `of` per group among the rows `where` selects. */
function distinctCounts(t: ColumnTable, base: Groups, where: Uint8Array | null, of: string): Int32Array {
  const { group, size } = base;
  const n = group.length;
  const vals = internField(t, of);
  const vid = vals.ids;
  // The selected rows' value ids laid out group after group (a counting sort on the dense group
  // ids: two passes, no hashing), then one pass per group with a per-value stamp of the group
  // it was last counted in: each (group, value) pair counts once.
  const end = new Int32Array(size + 1);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    if (g >= 0 && (vid[i] as number) >= 0 && (where === null || where[i] !== 0)) end[g + 1] = (end[g + 1] as number) + 1;
  }
  for (let g = 0; g < size; g++) end[g + 1] = (end[g + 1] as number) + (end[g] as number);
  // end[g] is where group g starts; the scatter moves it to where g ends (= where g + 1 starts)
  const byGroup = new Int32Array(end[size] as number);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    const v = vid[i] as number;
    if (g < 0 || v < 0 || (where !== null && where[i] === 0)) continue;
    const at = end[g] as number;
    byGroup[at] = v;
    end[g] = at + 1;
  }
  const stamp = new Int32Array(Math.max(1, vals.values.length)).fill(-1);
  const distinct = new Int32Array(size);
  let from = 0;
  for (let g = 0; g < size; g++) {
    const to = end[g] as number;
    let d = 0;
    for (let j = from; j < to; j++) {
      const v = byGroup[j] as number;
      if (stamp[v] !== g) {
        stamp[v] = g;
        d++;
      }
    }
    distinct[g] = d;
    from = to;
  }
  return distinct;
}

/** The fold of an aggregate: rows selected, in a group whose measure reaches the threshold, not exempt. */
function foldGroups(group: Int32Array, measure: Int32Array, threshold: number, where: Uint8Array | null, m: Fold): number {
  const { good, word, bit, into, weight, isMax } = m;
  let count = 0;
  for (let i = 0; i < group.length; i++) {
    const g = group[i] as number;
    if (g < 0 || (measure[g] as number) < threshold) continue;
    if (where !== null && where[i] === 0) continue;
    if (good !== null && good[i] !== 0) continue;
    count++;
    foldRow(word, bit, into, weight, isMax, i);
  }
  m.count = count;
  return count;
}
