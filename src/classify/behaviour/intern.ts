/**
 * Dense integer ids for the values of a column and for combinations of ids (the keys behaviour
 * is grouped by). Kept free of the Rules-language modules: schema.ts registers the behaviour
 * fields, so this folder must not import what imports schema.ts.
 */
import type { Column } from '../schema.js';

export interface Ids {
  /** Per row, 0..size-1, or -1 where the value is missing. */
  ids: Int32Array;
  size: number;
  values: unknown[];
}

const cache = new WeakMap<object, Ids>();

/** Record ids already known for a column (a loader's dictionary codes), so nothing re-interns it. */
export function seedIds(col: Column, ids: Ids): void {
  if (!cache.has(col as object)) cache.set(col as object, ids);
}

/** Ids of a column's distinct values (an empty string is a value; null/undefined are missing). */
export function internColumn(col: Column): Ids {
  const hit = cache.get(col as object);
  if (hit) return hit;
  const n = col.length;
  const ids = new Int32Array(n);
  const map = new Map<unknown, number>();
  const values: unknown[] = [];
  let last: unknown = undefined;
  let lastId = -1;
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (v === null || v === undefined) {
      ids[i] = -1;
      continue;
    }
    if (v === last) {
      ids[i] = lastId;
      continue;
    }
    let id = map.get(v);
    if (id === undefined) {
      id = values.push(v) - 1;
      map.set(v, id);
    }
    ids[i] = id;
    last = v;
    lastId = id;
  }
  const r = { ids, size: values.length, values };
  cache.set(col as object, r);
  return r;
}

/** Per distinct value of `src`, f(value) as an id space of its own (-1 where f answers null). */
export function mapIds(src: Ids, f: (v: unknown) => string | number | null): Ids {
  const per = new Int32Array(src.size);
  const map = new Map<unknown, number>();
  const values: unknown[] = [];
  for (let k = 0; k < src.size; k++) {
    const v = f(src.values[k]);
    if (v === null) {
      per[k] = -1;
      continue;
    }
    let id = map.get(v);
    if (id === undefined) {
      id = values.push(v) - 1;
      map.set(v, id);
    }
    per[k] = id;
  }
  const ids = new Int32Array(src.ids.length);
  for (let i = 0; i < ids.length; i++) {
    const k = src.ids[i] as number;
    ids[i] = k < 0 ? -1 : (per[k] as number);
  }
  return { ids, size: values.length, values };
}

/** Per distinct value of `src`, a number (NaN where the value is missing). */
export function mapValues(src: Ids, f: (v: unknown) => number): Float64Array {
  const per = new Float64Array(src.size);
  for (let k = 0; k < src.size; k++) per[k] = f(src.values[k]);
  const out = new Float64Array(src.ids.length);
  for (let i = 0; i < out.length; i++) {
    const k = src.ids[i] as number;
    out[i] = k < 0 ? NaN : (per[k] as number);
  }
  return out;
}

/**
 * Renumber non-negative integer keys (< 2^53; negative = missing) to 0..size-1 in order of first
 * sight, with a typed open-addressing table that grows with the keys found (no Map of boxed
 * numbers: this runs over every row).
 */
export function renumber(keys: Float64Array | Int32Array): { ids: Int32Array; size: number } {
  const n = keys.length;
  const out = new Int32Array(n);
  let max = -1;
  for (let i = 0; i < n; i++) if ((keys[i] as number) > max) max = keys[i] as number;
  if (max < Math.max(1 << 16, 8 * n)) {
    // small key space: a direct-address table, no hashing
    const slotOf = new Int32Array(max + 1).fill(-1);
    let next = 0;
    for (let i = 0; i < n; i++) {
      const r = keys[i] as number;
      if (r < 0) {
        out[i] = -1;
        continue;
      }
      let id = slotOf[r] as number;
      if (id === -1) slotOf[r] = id = next++;
      out[i] = id;
    }
    return { ids: out, size: next };
  }
  let cap = 1 << 12;
  let mask = cap - 1;
  let table = new Float64Array(cap).fill(-1);
  let vals = new Int32Array(cap);
  let next = 0;
  const slot = (r: number): number => {
    const h = Math.imul((r >>> 0) ^ Math.imul(Math.floor(r / 4294967296), 0x9e3779b1), 0x85ebca6b);
    return (h ^ (h >>> 15)) & mask;
  };
  let lastKey = -2;
  let lastId = -1;
  for (let i = 0; i < n; i++) {
    const r = keys[i] as number;
    if (r < 0) {
      out[i] = -1;
      continue;
    }
    if (r === lastKey) {
      out[i] = lastId;
      continue;
    }
    let h = slot(r);
    for (;;) {
      const k = table[h] as number;
      if (k === r) {
        out[i] = vals[h] as number;
        break;
      }
      if (k === -1) {
        table[h] = r;
        vals[h] = next;
        out[i] = next++;
        if (next * 2 > cap) {
          const oldT = table;
          const oldV = vals;
          cap *= 2;
          mask = cap - 1;
          table = new Float64Array(cap).fill(-1);
          vals = new Int32Array(cap);
          for (let j = 0; j < oldT.length; j++) {
            const ok = oldT[j] as number;
            if (ok === -1) continue;
            let s2 = slot(ok);
            while (table[s2] !== -1) s2 = (s2 + 1) & mask;
            table[s2] = ok;
            vals[s2] = oldV[j] as number;
          }
        }
        break;
      }
      h = (h + 1) & mask;
    }
    lastKey = r;
    lastId = out[i] as number;
  }
  return { ids: out, size: next };
}

function widthOf(part: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < part.length; i++) if ((part[i] as number) + 2 > w) w = (part[i] as number) + 2;
  return Math.max(1, w);
}

/**
 * Ids of the combination of several id columns (a row missing the first part is missing; a
 * missing later part is a value of its own), dense in order of first sight.
 */
export function combine(parts: readonly ArrayLike<number>[], n: number): Ids {
  const first = parts[0] as ArrayLike<number>;
  if (parts.length === 1) {
    const ids = Int32Array.from(first);
    return { ids, size: widthOf(first) - 1, values: [] };
  }
  let cur: Int32Array | null = null;
  let size = 0;
  for (let p = 1; p < parts.length; p++) {
    const a = cur ?? first;
    const part = parts[p] as ArrayLike<number>;
    const width = widthOf(part);
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = a[i] as number;
      keys[i] = x < 0 ? -1 : x * width + (part[i] as number) + 1;
    }
    const r = renumber(keys);
    cur = r.ids;
    size = r.size;
  }
  return { ids: cur as Int32Array, size, values: [] };
}

/**
 * Distinct values per group: how many different `values` each group has. Rows are bucketed by
 * group (a counting sort: typed passes, no hashing), then each bucket stamps the values it saw.
 */
export function distinctPer(group: Int32Array, size: number, values: Int32Array): Int32Array {
  const n = group.length;
  const out = new Int32Array(size);
  const start = new Int32Array(size + 1);
  let width = 0;
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    const v = values[i] as number;
    if (v + 1 > width) width = v + 1;
    if (g >= 0 && v >= 0) start[g + 1] = (start[g + 1] as number) + 1;
  }
  for (let g = 0; g < size; g++) start[g + 1] = (start[g + 1] as number) + (start[g] as number);
  const fill = start.slice(0, size);
  const rows = new Int32Array(start[size] as number);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    const v = values[i] as number;
    if (g < 0 || v < 0) continue;
    rows[fill[g] as number] = v;
    fill[g] = (fill[g] as number) + 1;
  }
  const stamp = new Int32Array(width).fill(-1);
  for (let g = 0; g < size; g++) {
    let c = 0;
    const end = start[g + 1] as number;
    for (let j = start[g] as number; j < end; j++) {
      const v = rows[j] as number;
      if (stamp[v] !== g) {
        stamp[v] = g;
        c++;
      }
    }
    out[g] = c;
  }
  return out;
}
