/**
 * Column arrays of an Arquero table for kernels: raw columns, derived fields and parsed-IP
 * views, each computed once per table (cached by table identity; tables are immutable).
 */
import type { ColumnTable } from 'arquero';
import { parseIp, type IpKey } from './ip.js';
import { CATALOG, schemaOf, type Column, type DerivationSource, type Schema } from './schema.js';
import { ClassifyError } from './errors.js';
import { intern, repetitive, seedInterned, type Interned } from './interned.js';
import { DictionaryColumn } from '../traffic/dictionary.js';
import { Utf8Column } from '../traffic/utf8.js';

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 41: 'ipv6', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 132: 'sctp' };

const reified = new WeakMap<ColumnTable, ColumnTable>();
const derivedCache = new WeakMap<ColumnTable, Map<string, Column>>();
const ipCache = new WeakMap<object, (IpKey | null)[]>();
const schemaCache = new WeakMap<ColumnTable, Schema>();

/** The table with filters/order applied, so row i of every column is row i of the table. */
export function plain(table: ColumnTable): ColumnTable {
  if (!table.isFiltered() && !table.isOrdered()) return table;
  let r = reified.get(table);
  if (!r) reified.set(table, (r = table.reify()));
  return r;
}

/** Raw column data of a (plain) table by name, as an indexable array. */
const rawCache = new WeakMap<ColumnTable, Record<string, Column>>();

export function rawColumns(table: ColumnTable): Record<string, Column> {
  const hit = rawCache.get(table);
  if (hit) return hit;
  const out = readColumns(table);
  rawCache.set(table, out);
  return out;
}

/**
 * The table's columns as indexable arrays. A dictionary column (the loaders' string columns) is
 * turned into an array only when something reads it row by row; its codes serve as interned ids
 * straight away (see `fieldIds`), which is how most kernels and every grouping read it.
 */
function readColumns(table: ColumnTable): Record<string, Column> {
  const data = table.data() as Record<string, unknown>;
  const out: Record<string, Column> = {};
  for (const name of table.columnNames()) {
    const c = data[name];
    if (c instanceof DictionaryColumn) {
      Object.defineProperty(out, name, {
        enumerable: true,
        configurable: true,
        get: () => {
          const arr = c.toArray();
          if (c.codes instanceof Int32Array) seedInterned(arr, { ids: c.codes, values: c.values as unknown[] });
          Object.defineProperty(out, name, { value: arr, enumerable: true, configurable: true });
          return arr;
        },
      });
    } else if (Array.isArray(c) || ArrayBuffer.isView(c)) out[name] = c as Column;
    else {
      // other column objects (Arrow vectors of a reopened cache, JSON columns): converted on
      // first read only, since a table has many columns no signature reads
      Object.defineProperty(out, name, {
        enumerable: true,
        configurable: true,
        get: () => {
          let arr: Column = [];
          if (c && typeof (c as { toArray?: unknown }).toArray === 'function') arr = (c as { toArray(): Column }).toArray();
          else if (c && typeof (c as { at?: unknown }).at === 'function') {
            const col = c as { at(i: number): unknown; length: number };
            arr = Array.from({ length: table.numRows() }, (_, i) => col.at(i));
          }
          Object.defineProperty(out, name, { value: arr, enumerable: true, configurable: true });
          return arr;
        },
      });
    }
  }
  return out;
}

const idsCache = new WeakMap<ColumnTable, Map<string, Interned | null>>();

/**
 * Interned ids of a field without reading it row by row, when they come for free: a dictionary
 * column's codes, or a field derived from one (the extension of the path) computed per distinct
 * value. Undefined otherwise (callers intern the column themselves).
 */
export function fieldIds(table: ColumnTable, name: string): Interned | undefined {
  const t = plain(table);
  return perTable(idsCache, t, name, () => computeFieldIds(t, name));
}

/** A per-table, per-field cached answer (null cached as "none"). */
function perTable<V>(caches: WeakMap<ColumnTable, Map<string, V | null>>, t: ColumnTable, name: string, compute: () => V | null): V | undefined {
  let cache = caches.get(t);
  if (!cache) caches.set(t, (cache = new Map()));
  let hit = cache.get(name);
  if (hit === undefined) cache.set(name, (hit = compute()));
  return hit ?? undefined;
}

function computeFieldIds(t: ColumnTable, name: string): Interned | null {
  let r: Interned | null = null;
  const data = t.data() as Record<string, unknown>;
  const c = Object.hasOwn(data, name) ? data[name] : undefined;
  // (Int32 codes: a Uint8 dictionary, such as score labels, is interned like any column)
  if (c instanceof DictionaryColumn && c.codes instanceof Int32Array) r = { ids: c.codes, values: c.values as unknown[] };
  else if (c === undefined) {
    const d = tableSchema(t).fields.get(name)?.derived;
    const src = d && !d.whole && d.from.length >= 1 ? fieldIds(t, d.from[0] as string) : undefined;
    const others = d ? d.from.slice(1).filter((f) => tableSchema(t).fields.has(f)) : [];
    if (d && src && others.length === 0) {
      // derive per distinct source value, then renumber so equal results share one id
      const per = d.compute([src.values], src.values.length);
      const onNull = d.compute([[null]], 1)[0];
      const values: unknown[] = [];
      const index = new Map<unknown, number>();
      const idOf = (v: unknown): number => {
        if (v === null || v === undefined) return -1;
        let k = index.get(v);
        if (k === undefined) {
          k = values.push(v) - 1;
          index.set(v, k);
        }
        return k;
      };
      const remap = Int32Array.from(per, idOf);
      const nullId = idOf(onNull);
      const ids = new Int32Array(src.ids.length);
      for (let i = 0; i < ids.length; i++) {
        const k = src.ids[i] as number;
        ids[i] = k < 0 ? nullId : (remap[k] as number);
      }
      r = { ids, values };
    }
  }
  return r;
}

const predicateCache = new WeakMap<ColumnTable, Map<string, Interned | null>>();

/**
 * Ids for evaluating a test once per distinct value, where `values` may repeat (so not for
 * grouping): a field derived from a dictionary column keeps the source's codes and derives one
 * value per source value, with no per-row pass. Falls back to `fieldIds`.
 */
export function predicateIds(table: ColumnTable, name: string): Interned | undefined {
  const t = plain(table);
  return perTable(predicateCache, t, name, () => computePredicateIds(t, name));
}

function computePredicateIds(t: ColumnTable, name: string): Interned | null {
  let r: Interned | null = null;
  const data = t.data() as Record<string, unknown>;
  if (!Object.hasOwn(data, name)) {
    const d = tableSchema(t).fields.get(name)?.derived;
    const src = d && !d.whole && d.from.length >= 1 && d.from.slice(1).every((f) => !tableSchema(t).fields.has(f)) ? fieldIds(t, d.from[0] as string) : undefined;
    // a missing source must derive a missing value (the kernel answers id -1 with the null case)
    if (d && src && d.compute([[null]], 1)[0] === null) r = { ids: src.ids, values: d.compute([src.values], src.values.length) };
  }
  return r ?? fieldIds(t, name) ?? null;
}

/** Interned ids of a field: free ones from `fieldIds`, else the column interned now (cached). */
export function internField(table: ColumnTable, name: string): Interned {
  return fieldIds(table, name) ?? intern(fieldColumn(table, name));
}

/** Columns for type inference: a dictionary column is represented by its distinct values (no rows read). */
function typeView(t: ColumnTable): Record<string, Column> {
  const data = t.data() as Record<string, unknown>;
  const raw = rawColumns(t);
  const out: Record<string, Column> = {};
  for (const name of t.columnNames()) {
    const c = data[name];
    if (c instanceof DictionaryColumn) out[name] = c.values as unknown[];
    else if (Object.hasOwn(CATALOG, name)) out[name] = []; // typed by the catalogue: nothing to read
    else out[name] = raw[name] as Column;
  }
  return out;
}

export function tableSchema(table: ColumnTable): Schema {
  const t = plain(table);
  let s = schemaCache.get(t);
  if (!s) schemaCache.set(t, (s = schemaOf(typeView(t))));
  return s;
}

/**
 * The table's column `name` when it is still UTF-8 bytes (a loader's near-unique strings) and
 * nothing has materialised it: kernels that reach only some rows decode just those.
 */
export function utf8Field(table: ColumnTable, name: string): Utf8Column | undefined {
  const t = plain(table);
  const c = (t.data() as Record<string, unknown>)[name];
  if (!(c instanceof Utf8Column)) return undefined;
  const d = Object.getOwnPropertyDescriptor(rawColumns(t), name);
  return d && d.get ? c : undefined;
}

/** The array for a field: a raw column, or a derived one computed now and cached. */
export function fieldColumn(table: ColumnTable, name: string): Column {
  const t = plain(table);
  const raw = rawColumns(t);
  let cache = derivedCache.get(t);
  if (!cache) derivedCache.set(t, (cache = new Map()));
  const hit = cache.get(name);
  if (hit) return hit;
  if (Object.hasOwn(raw, name)) {
    const col = raw[name] as Column;
    // Loaders store ip.proto as the protocol number; the Rules language compares names ("tcp").
    if (name === 'ip.proto' && Array.prototype.some.call(col, (v: unknown) => typeof v === 'number')) {
      const named = Array.from(col, (v) => (typeof v === 'number' ? (PROTO_NAMES[v] ?? String(v)) : v));
      cache.set(name, named);
      return named;
    }
    return col;
  }
  const info = tableSchema(t).fields.get(name);
  if (!info?.derived) throw new ClassifyError(`field ${name} is not a column of this table`);
  const d = info.derived;
  if (d.whole) {
    const col = d.whole(derivationSource(t));
    cache.set(name, col);
    return col;
  }
  const free = fieldIds(t, name);
  if (free) {
    // derived from a dictionary column: computed per distinct value already, spread here
    const { ids, values } = free;
    const out = new Array<unknown>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const k = ids[i] as number;
      out[i] = k < 0 ? null : values[k];
    }
    seedInterned(out, free);
    cache.set(name, out);
    return out;
  }
  const sources = d.from.map((f, j) => (j === 0 || tableSchema(t).fields.has(f) ? fieldColumn(t, f) : []));
  let col: Column;
  const present = sources.filter((x) => x.length > 0);
  const first = sources[0] as Column;
  const repeats = present.length === 1 && typeof Array.prototype.find.call(first, (v: unknown) => v !== null && v !== undefined) !== 'object' && repetitive(first);
  if (repeats) {
    // One string/number source column: derive once per distinct value, then spread (paths repeat).
    const { ids, values } = intern(first);
    const per = d.compute([values, ...sources.slice(1)], values.length);
    const onNull = d.compute([[null], ...sources.slice(1).map(() => [])], 1)[0];
    const n = t.numRows();
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const id = ids[i] as number;
      out[i] = id < 0 ? onNull : per[id];
    }
    col = out;
  } else col = d.compute(sources, t.numRows());
  cache.set(name, col);
  return col;
}

const sourceCache = new WeakMap<ColumnTable, DerivationSource>();

/** The table as a table-wide derivation reads it (one object per table). */
export function derivationSource(table: ColumnTable): DerivationSource {
  const t = plain(table);
  let s = sourceCache.get(t);
  if (!s) {
    const stored = (f: string): boolean => {
      const info = tableSchema(t).fields.get(f);
      return info !== undefined && !info.derived && Object.hasOwn(rawColumns(t), f);
    };
    s = {
      key: t,
      n: t.numRows(),
      has: stored,
      column: (f) => fieldColumn(t, f),
      ids: (f) => (stored(f) ? fieldIds(t, f) : undefined),
      bytes: (f) => (stored(f) ? utf8Field(t, f) : undefined),
    };
    sourceCache.set(t, s);
  }
  return s;
}

/** Parsed IP keys of an Ip column (number for IPv4, bigint for IPv6, null when missing/invalid). */
export function ipKeys(col: Column): (IpKey | null)[] {
  const hit = ipCache.get(col as object);
  if (hit) return hit;
  const out = new Array<IpKey | null>(col.length);
  // Many rows share a source address: memoise the text -> key parse.
  const memo = new Map<string, IpKey | null>();
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (typeof v !== 'string') {
      out[i] = typeof v === 'number' ? v : null;
      continue;
    }
    let k = memo.get(v);
    if (k === undefined) {
      k = parseIp(v);
      memo.set(v, k);
    }
    out[i] = k;
  }
  ipCache.set(col as object, out);
  return out;
}
