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
export function mapIds(src: Ids, f: (v: unknown) => string | number | null, out?: Int32Array): Ids {
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
  return { ids: gather(src.ids, per, -1, out), size: values.length, values };
}

/*
 * Small typed kernels. Each loop over the rows lives in a function of its own, called with the
 * same array types everywhere, so V8 optimises it once and every caller shares that code (one
 * long function with many row loops is compiled again for each loop it enters hot).
 */

/** out[i] = per[ids[i]], or `missing` where ids[i] < 0. */
export function gather(ids: Int32Array, per: Int32Array, missing: number, into?: Int32Array): Int32Array {
  const n = ids.length;
  const out = into ?? new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = ids[i] as number;
    out[i] = k < 0 ? missing : (per[k] as number);
  }
  return out;
}

/** `gather` into 16-bit values (the caller checked they fit). */
export function gather16(ids: Int32Array, per: Int32Array, missing: number): Int16Array {
  const n = ids.length;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const k = ids[i] as number;
    out[i] = k < 0 ? missing : (per[k] as number);
  }
  return out;
}

/** `gather` into bytes 0..255 (the caller checked they fit). */
export function gatherU8(ids: Int32Array, per: Int32Array, missing: number): Uint8Array {
  const n = ids.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = ids[i] as number;
    out[i] = k < 0 ? missing : (per[k] as number);
  }
  return out;
}

/** out[i] = per[ids[i]] for 0/1 flags (0 where ids[i] < 0). */
export function gatherFlags(ids: Int32Array, per: Uint8Array): Uint8Array {
  const n = ids.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = ids[i] as number;
    if (k >= 0) out[i] = per[k] as number;
  }
  return out;
}

/** Per distinct value of `src`, a 0/1 flag f(value), spread over the rows. */
export function flagPer(src: Ids, f: (v: unknown) => boolean): Uint8Array {
  const per = new Uint8Array(src.size);
  for (let k = 0; k < src.size; k++) per[k] = f(src.values[k]) ? 1 : 0;
  return gatherFlags(src.ids, per);
}

/** Rows per group. */
export function countPer(group: Int32Array, size: number): Int32Array {
  const out = new Int32Array(size);
  for (let i = 0; i < group.length; i++) {
    const g = group[i] as number;
    if (g >= 0) out[g] = (out[g] as number) + 1;
  }
  return out;
}

/** Rows per group among those flagged. */
export function countFlagged(group: Int32Array, size: number, flag: Uint8Array): Int32Array {
  const out = new Int32Array(size);
  for (let i = 0; i < group.length; i++) {
    const g = group[i] as number;
    if (g >= 0 && flag[i] === 1) out[g] = (out[g] as number) + 1;
  }
  return out;
}

/** The first row of each group (-1 for a group with none). */
export function firstRows(group: Int32Array, size: number): Int32Array {
  const out = new Int32Array(size).fill(-1);
  for (let i = 0; i < group.length; i++) {
    const g = group[i] as number;
    if (g >= 0 && out[g] === -1) out[g] = i;
  }
  return out;
}

/** A UTF-8 byte column: row i is bytes[offsets[i], offsets[i + 1]), or missing where missing[i] is 1. */
export interface QueryBytes {
  bytes: Uint8Array;
  offsets: Int32Array;
  missing: Uint8Array;
}

/**
 * A key for the bytes b[s, e), equal for equal values, without decoding them: hashed to 53 bits
 * (two independent 32-bit hashes; two different values sharing a key is a chance of about
 * n^2 / 2^54).
 */
function utf8Key(bytes: Uint8Array, s: number, e: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let j = s; j < e; j++) {
    const b = bytes[j] as number;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995) ^ (h2 >>> 15);
  }
  h2 ^= e - s;
  return (h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff);
}

/**
 * Distinct values per group of a UTF-8 byte column (near-unique queries), over bucketed rows:
 * each bucket's keys (utf8Key) hashed into a scratch array, sorted (a typed sort) and the
 * changes counted; no per-row key column is kept (a global numbering would be a hash table as
 * large as the column).
 */
export function distinctUtf8In(b: Buckets, size: number, col: QueryBytes): Int32Array {
  const out = new Int32Array(size);
  const { start, rows } = b;
  const { bytes, offsets, missing } = col;
  const scratch = takeF64(rows.length);
  for (let g = 0; g < size; g++) {
    const s = start[g] as number;
    const e = start[g + 1] as number;
    let m = s;
    for (let j = s; j < e; j++) {
      const i = rows[j] as number;
      if (missing[i] === 0) scratch[m++] = utf8Key(bytes, offsets[i] as number, offsets[i + 1] as number);
    }
    if (m === s) continue;
    const part = scratch.subarray(s, m);
    part.sort();
    let c = 1;
    for (let j = 1; j < part.length; j++) if (part[j] !== part[j - 1]) c++;
    out[g] = c;
  }
  release(scratch);
  return out;
}

/** Rows per group whose id is present (>= 0). */
export function countPresent(group: Int32Array, size: number, ids: Int32Array): Int32Array {
  const out = new Int32Array(size);
  for (let i = 0; i < group.length; i++) {
    const g = group[i] as number;
    if (g >= 0 && (ids[i] as number) >= 0) out[g] = (out[g] as number) + 1;
  }
  return out;
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
 * numbers: this runs over every row). Also the numbering classify/aggregate.ts groups with.
 */
export function renumber(keys: Float64Array | Int32Array): { ids: Int32Array; size: number } {
  const out = new Int32Array(keys.length);
  const n = keys.length;
  let max = -1;
  for (let i = 0; i < n; i++) if ((keys[i] as number) > max) max = keys[i] as number;
  // small key space: a direct-address table, no hashing
  return { ids: out, size: max < Math.max(1 << 16, 2 * n) ? renumberDirect(keys, max, out) : renumberInto(keys, out) };
}

function renumberDirect(keys: Float64Array | Int32Array, max: number, out: Int32Array): number {
  const slotOf = takeI32(max + 1).fill(-1);
  let next = 0;
  for (let i = 0; i < keys.length; i++) {
    const r = keys[i] as number;
    if (r < 0) {
      out[i] = -1;
      continue;
    }
    let id = slotOf[r] as number;
    if (id === -1) slotOf[r] = id = next++;
    out[i] = id;
  }
  release(slotOf);
  return next;
}

/**
 * `renumber` into `out` (which may be `keys` when both are Int32Array) with the typed hash table
 * whatever the keys' range (not sized by the rows: fresh memory is what this costs most);
 * returns the number of ids.
 */
export function renumberInto(keys: Float64Array | Int32Array, out: Int32Array): number {
  const n = keys.length;
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
  return next;
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

/** The rows of each group, contiguous: group g's rows are rows[start[g]] .. rows[start[g + 1] - 1]. */
export interface Buckets {
  start: Int32Array;
  rows: Int32Array;
}

/** Rows bucketed by group (a counting sort: typed passes, no hashing); rows with no group left out. */
export function bucketRows(group: Int32Array, size: number, scratch = false): Buckets {
  const n = group.length;
  const start = new Int32Array(size + 1);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    if (g >= 0) start[g + 1] = (start[g + 1] as number) + 1;
  }
  for (let g = 0; g < size; g++) start[g + 1] = (start[g + 1] as number) + (start[g] as number);
  const fill = start.slice(0, size);
  // every slot of `rows` is written below, so a dirty scratch array will do
  const rows = scratch ? takeI32(start[size] as number) : new Int32Array(start[size] as number);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    if (g < 0) continue;
    rows[fill[g] as number] = i;
    fill[g] = (fill[g] as number) + 1;
  }
  return { start, rows };
}

/** Distinct values (>= 0) per group, over bucketed rows: each bucket stamps the values it saw. */
export function distinctIn(b: Buckets, size: number, values: Int32Array): Int32Array {
  let width = 0;
  for (let i = 0; i < values.length; i++) if ((values[i] as number) + 1 > width) width = (values[i] as number) + 1;
  const out = new Int32Array(size);
  const stamp = new Int32Array(width).fill(-1);
  const { start, rows } = b;
  for (let g = 0; g < size; g++) {
    let c = 0;
    const end = start[g + 1] as number;
    for (let j = start[g] as number; j < end; j++) {
      const v = values[rows[j] as number] as number;
      if (v >= 0 && stamp[v] !== g) {
        stamp[v] = g;
        c++;
      }
    }
    out[g] = c;
  }
  return out;
}

/** Distinct values per group: how many different `values` each group has. */
export function distinctPer(group: Int32Array, size: number, values: Int32Array): Int32Array {
  const b = bucketRows(group, size, true);
  const out = distinctIn(b, size, values);
  release(b.rows);
  return out;
}

/**
 * Ids of the pairs (a, b) that occur, a in 0..A-1 (-1: missing, so the pair is missing) and b in
 * -1..B-1 (-1 is a value of its own), dense in order of first sight. Each pair's number is made
 * in the loop (no array of keys: fresh memory is what a pass over a million rows costs most
 * here) and looked up in a direct table from the scratch pool when the pairs' range is small,
 * else in a typed hash table of integer keys (the pairs that occur, not the rows).
 */
export function pairIds(a: Int32Array, A: number, b: Int32Array, B: number, opts: { aMissingIsValue?: boolean; out?: Int32Array } = {}): { ids: Int32Array; size: number } {
  const n = a.length;
  const W = B + 1;
  // a missing a as a value of its own: every a shifted up by one
  const ao = opts.aMissingIsValue ? 1 : 0;
  const range = (A + ao) * W;
  const out = opts.out ?? new Int32Array(n);
  if (range <= Math.max(1 << 16, n >> 2)) return { ids: out, size: pairsDirect(a, ao, b, W, range, out) };
  if (range < 2 ** 31) return { ids: out, size: pairsHashed(a, ao, b, W, out) };
  // pairs beyond 32 bits: the general numbering of 53-bit keys
  const keys = takeF64(n);
  for (let i = 0; i < n; i++) {
    const x = (a[i] as number) + ao;
    keys[i] = x < 0 ? -1 : x * W + (b[i] as number) + 1;
  }
  const size = renumberInto(keys, out);
  release(keys);
  return { ids: out, size };
}

function pairsDirect(a: Int32Array, ao: number, b: Int32Array, W: number, range: number, out: Int32Array): number {
  const slotOf = takeI32(range).fill(-1);
  let next = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) + ao;
    if (x < 0) {
      out[i] = -1;
      continue;
    }
    const r = x * W + (b[i] as number) + 1;
    let id = slotOf[r] as number;
    if (id === -1) slotOf[r] = id = next++;
    out[i] = id;
  }
  release(slotOf);
  return next;
}

/** Open addressing over 31-bit keys; the table grows with the pairs found. */
function pairsHashed(a: Int32Array, ao: number, b: Int32Array, W: number, out: Int32Array): number {
  let cap = 1 << 12;
  let mask = cap - 1;
  let table = new Int32Array(cap).fill(-1);
  let vals = new Int32Array(cap);
  let next = 0;
  let lastKey = -2;
  let lastId = -1;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) + ao;
    if (x < 0) {
      out[i] = -1;
      continue;
    }
    const r = x * W + (b[i] as number) + 1;
    if (r === lastKey) {
      out[i] = lastId;
      continue;
    }
    let h = Math.imul(r, 0x9e3779b1);
    h = (h ^ (h >>> 16)) & mask;
    let id: number;
    for (;;) {
      const k = table[h] as number;
      if (k === r) {
        id = vals[h] as number;
        break;
      }
      if (k === -1) {
        table[h] = r;
        vals[h] = id = next++;
        if (next * 2 > cap) {
          // grow: rehash the keys found so far
          const oldT = table;
          const oldV = vals;
          cap *= 2;
          mask = cap - 1;
          table = new Int32Array(cap).fill(-1);
          vals = new Int32Array(cap);
          for (let j = 0; j < oldT.length; j++) {
            const ok = oldT[j] as number;
            if (ok === -1) continue;
            let s2 = Math.imul(ok, 0x9e3779b1);
            s2 = (s2 ^ (s2 >>> 16)) & mask;
            while (table[s2] !== -1) s2 = (s2 + 1) & mask;
            table[s2] = ok;
            vals[s2] = oldV[j] as number;
          }
        }
        break;
      }
      h = (h + 1) & mask;
    }
    out[i] = id;
    lastKey = r;
    lastId = id;
  }
  return next;
}

/**
 * Per a (0..A-1), how many distinct b (0..B-1) it has among the rows whose b is kept
 * (keep[b] === 1): each (a, b) pair counted at its first sight, in one pass with a typed hash
 * set of the pairs (no gathered or bucketed copies of the rows).
 */
export function distinctKeptPer(a: Int32Array, A: number, b: Int32Array, B: number, keep: Uint8Array): Int32Array {
  const out = new Int32Array(A);
  if (A * B >= 2 ** 31) {
    // pairs beyond 31 bits: gather the kept b, bucket by a
    const kept = takeI32(b.length);
    for (let i = 0; i < b.length; i++) {
      const y = b[i] as number;
      kept[i] = y >= 0 && keep[y] === 1 ? y : -1;
    }
    const r = distinctPer(a, A, kept);
    release(kept);
    return r;
  }
  let cap = 1 << 12;
  let mask = cap - 1;
  let table = new Int32Array(cap).fill(-1);
  let used = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x < 0 || y < 0 || keep[y] !== 1) continue;
    const r = x * B + y;
    let h = Math.imul(r, 0x9e3779b1);
    h = (h ^ (h >>> 16)) & mask;
    for (;;) {
      const k = table[h] as number;
      if (k === r) break;
      if (k === -1) {
        table[h] = r;
        out[x] = (out[x] as number) + 1;
        if (++used * 2 > cap) {
          const old = table;
          cap *= 2;
          mask = cap - 1;
          table = new Int32Array(cap).fill(-1);
          for (let j = 0; j < old.length; j++) {
            const ok = old[j] as number;
            if (ok === -1) continue;
            let s2 = Math.imul(ok, 0x9e3779b1);
            s2 = (s2 ^ (s2 >>> 16)) & mask;
            while (table[s2] !== -1) s2 = (s2 + 1) & mask;
            table[s2] = ok;
          }
        }
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return out;
}

/*
 * A pool of scratch typed arrays for temporaries (keys, direct tables, bucketed rows): a million
 * rows' worth of fresh memory costs more here than the pass that fills it (page faults, measured
 * several times the pass on the bench machine), so a temporary goes back to the pool when its
 * computation is done and the next one reuses it. Pooled arrays come dirty (callers initialise
 * what they read). The pool is emptied after the current task (a microtask), so nothing stays
 * held once score() or a field has returned.
 */
const pool: { i32: Int32Array[]; f64: Float64Array[] } = { i32: [], f64: [] };
let emptying = false;

function take<T extends Int32Array | Float64Array>(list: T[], n: number, make: (n: number) => T): T {
  let best = -1;
  for (let k = 0; k < list.length; k++) if ((list[k] as T).length >= n && (best < 0 || (list[k] as T).length < (list[best] as T).length)) best = k;
  if (best < 0) return make(n);
  const a = list.splice(best, 1)[0] as T;
  return (a.length === n ? a : a.subarray(0, n)) as T;
}

/** A scratch Int32Array of n (dirty) from the pool; give it back with `release`. */
export function takeI32(n: number): Int32Array {
  return take(pool.i32, n, (m) => new Int32Array(m));
}
/** A scratch Float64Array of n (dirty) from the pool; give it back with `release`. */
export function takeF64(n: number): Float64Array {
  return take(pool.f64, n, (m) => new Float64Array(m));
}
/** Give a scratch array back (the whole buffer it views); the caller must not use it after. */
export function release(a: Int32Array | Float64Array): void {
  if (a instanceof Int32Array) pool.i32.push(new Int32Array(a.buffer, 0, a.buffer.byteLength >> 2));
  else pool.f64.push(new Float64Array(a.buffer, 0, a.buffer.byteLength >> 3));
  if (!emptying) {
    emptying = true;
    queueMicrotask(() => {
      pool.i32.length = 0;
      pool.f64.length = 0;
      emptying = false;
    });
  }
}
