/**
 * Interned columns: dense integer ids per distinct value, computed once per column and shared by
 * the Rules compiler (per-distinct evaluation), the aggregates and the field derivations. Its own
 * module because columns.ts and aggregate.ts both need it (it used to live in aggregate.ts, which
 * made columns.ts and aggregate.ts import each other).
 */
import type { Column } from './schema.js';

export interface Interned {
  ids: Int32Array;
  values: unknown[];
}

const internCache = new WeakMap<object, Interned>();

const cardinalityCache = new WeakMap<object, boolean>();

/**
 * Does the column repeat its values enough for per-distinct evaluation to pay off? Judged on a
 * sample, so a column of unique values (cache-busting queries, ray ids) is never interned.
 */
export function repetitive(col: Column): boolean {
  const hit = cardinalityCache.get(col as object);
  if (hit !== undefined) return hit;
  const n = Math.min(col.length, 20000);
  const seen = new Set<unknown>();
  for (let i = 0; i < n; i++) seen.add(col[i]);
  const r = seen.size <= n * 0.25;
  cardinalityCache.set(col as object, r);
  return r;
}

/** Record ids already known for `col` (a dictionary column's codes): `intern(col)` returns them. */
export function seedInterned(col: Column, interned: Interned): void {
  internCache.set(col as object, interned);
  cardinalityCache.set(col as object, interned.values.length * 4 <= col.length);
}

/** The column's interned ids if something already paid for them, else undefined. */
export function internedAlready(col: Column): Interned | undefined {
  return internCache.get(col as object);
}

/** Dense integer ids for the distinct values of a column (-1 for missing). */
export function intern(col: Column): Interned {
  const hit = internCache.get(col as object);
  if (hit) return hit;
  if (isNumericTyped(col)) {
    const r = internNumbers(col);
    internCache.set(col as object, r);
    return r;
  }
  const ids = new Int32Array(col.length);
  const map = new Map<unknown, number>();
  const values: unknown[] = [];
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === null || v === undefined) {
      ids[i] = -1;
      continue;
    }
    let id = map.get(v);
    if (id === undefined) {
      id = values.push(v) - 1;
      map.set(v, id);
    }
    ids[i] = id;
  }
  const r = { ids, values };
  internCache.set(col as object, r);
  return r;
}

type NumericTyped = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;
function isNumericTyped(col: Column): col is NumericTyped {
  return ArrayBuffer.isView(col) && !(col instanceof BigInt64Array) && !(col instanceof BigUint64Array) && !(col instanceof DataView);
}

/** Values below this that are whole numbers find their id in a typed table (codes, scores, ASNs), not a Map. */
const SMALL_INTS = 1 << 16;

/**
 * `intern` of a numeric typed array (no missing values), with the same ids and values: ids in
 * order of first appearance, a value's id shared by values a Map takes as one key (-0 and 0,
 * every NaN). Whole numbers in [0, SMALL_INTS) go through a typed table.
 */
function internNumbers(col: NumericTyped): Interned {
  const n = col.length;
  const ids = new Int32Array(n);
  const values: unknown[] = [];
  const small = new Int32Array(SMALL_INTS).fill(-1);
  let map: Map<number, number> | null = null;
  for (let i = 0; i < n; i++) {
    const v = col[i] as number;
    let id: number | undefined;
    if (v >= 0 && v < SMALL_INTS && Math.floor(v) === v) {
      id = small[v] as number;
      if (id < 0) small[v] = id = values.push(v) - 1;
    } else {
      map ??= new Map();
      id = map.get(v);
      if (id === undefined) {
        id = values.push(v) - 1;
        map.set(v, id);
      }
    }
    ids[i] = id;
  }
  return { ids, values };
}
