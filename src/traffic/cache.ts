import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ColumnTable, fromArrow } from 'arquero';
import {
  bool,
  columnFromArray,
  dictionary,
  float64,
  int8,
  int16,
  int32,
  uint8,
  uint16,
  tableFromColumns,
  tableFromIPC,
  tableToIPC,
  utf8,
} from '@uwdata/flechette';
import { DictionaryColumn } from './dictionary.js';
import { FIELD, type LoadReport, type TrafficFormat } from './fields.js';
import { deepFreeze } from './freeze.js';

/**
 * Bump when any loader's output changes: old cache entries then miss instead of serving stale
 * tables.
 */
export const LOADER_VERSION = 8; // 8: icmp.ident / icmp.seq of echo packets, DNS over TCP; 7: dns.* columns in captures, frame numbers count every record; 6: empty user agents kept as "", HTTP/2.0 -> HTTP/2; 5: tunnel-aware packets, TCP options, ICMP MTU; 4: format registry, null-prototype maps, access-log columns

/** JSON.parse reviver: objects come back without a prototype, as the loaders made them (header and cookie names are attacker data). */
function nullProto(_k: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: (v as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
  return o;
}

export const DEFAULT_CACHE_DIR = path.join('.cache', 'netrunbook');

/** Arrow's type id for floating point (flechette `Type.Float`). */
const FLOAT_TYPE_ID = 3;
const INT_TYPE_ID = 2;

const MAGIC = Buffer.from('NRBTRAF1');

/** The cache file for a traffic file: keyed by real path, size, mtime, loader version and options. */
export async function cachePath(dir: string, file: string, format: TrafficFormat, options: unknown): Promise<string> {
  const real = await fs.promises.realpath(file);
  const st = await fs.promises.stat(real);
  const key = JSON.stringify({ real, size: st.size, mtime: st.mtimeMs, ino: st.ino, v: LOADER_VERSION, format, options });
  return path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.arrow`);
}

type Kind = 'f64' | 'bool' | 'str' | 'json';

/** The narrowest Arrow type for a numeric column: small integers (status, ASN, ports) shrink 2-8x. */
function numberType(a: ArrayLike<unknown>) {
  let min = Infinity;
  let max = -Infinity;
  let nulls = false;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v === null || v === undefined) {
      nulls = true;
      continue;
    }
    const n = v as number;
    if (!Number.isInteger(n)) return float64();
    if (n < min) min = n;
    if (n > max) max = n;
  }
  if (min === Infinity) return float64();
  // int64 would come back as BigInt: anything beyond int32 stays float64 (exact up to 2^53)
  if (min >= 0 && max <= 255 && !nulls) return uint8();
  if (min >= 0 && max <= 65535) return uint16();
  if (min >= -128 && max <= 127) return int8();
  if (min >= -32768 && max <= 32767) return int16();
  if (min >= -2147483648 && max <= 2147483647) return int32();
  return float64();
}

/**
 * Dictionary with Int32 keys: on reopen they become the DictionaryColumn's codes without a copy
 * (narrower keys made the file smaller but cost a conversion per row on every reopen).
 */
function dict(_a: ArrayLike<unknown>) {
  return dictionary(utf8(), int32());
}

/** Is `uri` exactly path + '?' + query on every row? Then it is rebuilt on reopen, not stored. */
function derivableUri(t: ColumnTable): boolean {
  const names = t.columnNames();
  if (!names.includes(FIELD.uri) || !names.includes(FIELD.path) || !names.includes(FIELD.query)) return false;
  const u = t.column(FIELD.uri) as unknown as { at(i: number): unknown };
  const p = t.column(FIELD.path) as unknown as { at(i: number): unknown };
  const q = t.column(FIELD.query) as unknown as { at(i: number): unknown };
  for (let i = 0; i < t.numRows(); i++) {
    const uv = u.at(i);
    const pv = p.at(i);
    const qv = q.at(i);
    const want = pv === null ? null : qv === null ? pv : `${pv as string}?${qv as string}`;
    if (uv !== want) return false;
  }
  return true;
}

/** http.request.uri rebuilt from path and query on access. */
class UriColumn {
  readonly length: number;
  constructor(
    private readonly path: { at(i: number): unknown; length: number },
    private readonly query: { at(i: number): unknown },
  ) {
    this.length = path.length;
  }
  at(i: number): string | null {
    const p = this.path.at(i) as string | null;
    if (p === null) return null;
    const q = this.query.at(i) as string | null;
    return q === null ? p : `${p}?${q}`;
  }
  get(i: number): string | null {
    return this.at(i);
  }
  *[Symbol.iterator](): Iterator<string | null> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
  toArray(): (string | null)[] {
    return Array.from(this);
  }
}

function kindOf(col: unknown): Kind {
  if (col instanceof Float64Array) return 'f64';
  const a = col as ArrayLike<unknown>;
  let kind: Kind | null = null;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v === null || v === undefined) continue;
    const k: Kind = typeof v === 'number' ? 'f64' : typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'str' : 'json';
    if (kind === null) kind = k;
    else if (kind !== k) return 'json'; // mixed types: keep them exactly via JSON
  }
  return kind ?? 'str';
}

/** Few distinct values in a sample: dictionary-encode (small file, fast reopen). */
function lowCardinality(a: ArrayLike<unknown>): boolean {
  const n = Math.min(a.length, 20000);
  const seen = new Set<unknown>();
  for (let i = 0; i < n; i++) seen.add(a[i]);
  return seen.size <= Math.max(64, n / 4);
}

/** Serialises a loaded table + report to Arrow IPC (object columns as dictionary-encoded JSON), atomically. */
export async function writeCache(file: string, table: ColumnTable, report: LoadReport): Promise<void> {
  const cols: [string, ReturnType<typeof columnFromArray>][] = [];
  const json: string[] = [];
  const n = table.numRows();
  const derived: string[] = derivableUri(table) ? [FIELD.uri] : [];
  for (const name of table.columnNames()) {
    if (derived.includes(name)) continue;
    const col = table.column(name) as unknown as ArrayLike<unknown> & { toArray?: () => ArrayLike<unknown> };
    const values: ArrayLike<unknown> = Array.isArray(col) || ArrayBuffer.isView(col) ? col : col instanceof DictionaryColumn ? col.copy() : col.toArray ? col.toArray() : Array.from({ length: n }, (_, i) => (col as unknown as { at(i: number): unknown }).at(i));
    const kind = kindOf(values);
    if (kind === 'f64') cols.push([name, columnFromArray(values as unknown[], numberType(values))]);
    else if (kind === 'bool') cols.push([name, columnFromArray(values as unknown[], bool())]);
    else if (kind === 'str') {
      cols.push([name, columnFromArray(values as unknown[], lowCardinality(values) ? dict(values) : utf8())]);
    } else {
      json.push(name);
      const memo = new Map<unknown, string>();
      const out = new Array<string | null>(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null || v === undefined) {
          out[i] = null;
          continue;
        }
        let s = memo.get(v);
        if (s === undefined) {
          s = JSON.stringify(v);
          if (memo.size < 100000) memo.set(v, s);
        }
        out[i] = s;
      }
      cols.push([name, columnFromArray(out, lowCardinality(out) ? dict(out) : utf8())]);
    }
  }
  const ipc = tableToIPC(tableFromColumns(cols), { format: 'file' }) as Uint8Array;
  let meta = Buffer.from(JSON.stringify({ report, json, rows: n, names: table.columnNames(), derived }), 'utf8');
  // pad so the Arrow data starts 8-byte aligned in the file: typed arrays then view it without a copy
  const pad = (8 - ((MAGIC.length + 4 + meta.length) % 8)) % 8;
  if (pad) meta = Buffer.concat([meta, Buffer.alloc(pad, 0x20)]);
  const head = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(meta.length, MAGIC.length);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writev([head, meta, ipc]);
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
}

interface InnerDict {
  length: number;
  at(row: number): unknown;
  key?(row: number): number;
}

/** An object column read back lazily: each distinct JSON text is parsed once, on first access. */
class JsonColumn {
  readonly length: number;
  private readonly byKey: unknown[] = [];
  private readonly byRow: Map<number, unknown> = new Map();
  constructor(private readonly inner: InnerDict) {
    this.length = inner.length;
  }
  at(row: number): unknown {
    const k = this.inner.key ? this.inner.key(row) : -1;
    if (k >= 0) {
      const hit = this.byKey[k];
      if (hit !== undefined) return hit;
    } else if (this.byRow.has(row)) return this.byRow.get(row);
    const s = this.inner.at(row);
    const v = typeof s === 'string' ? deepFreeze(JSON.parse(s, nullProto)) : null;
    if (k >= 0) this.byKey[k] = v;
    else this.byRow.set(row, v);
    return v;
  }
  get(row: number): unknown {
    return this.at(row);
  }
  *[Symbol.iterator](): Iterator<unknown> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
  toArray(): unknown[] {
    return Array.from(this);
  }
}


interface DictBatch {
  length: number;
  nullCount: number;
  validity?: Uint8Array | null;
  values: ArrayLike<number>;
  cache: readonly unknown[];
  isValid(i: number): boolean;
}

/**
 * An Arrow dictionary column of strings as a DictionaryColumn (keys copied into codes, one
 * shared dictionary), so a reopened table scores like a freshly loaded one. Null when the
 * column is not one dictionary of distinct strings.
 */
function asDictionaryColumn(c: unknown): DictionaryColumn | null {
  const batches = (c as { data?: unknown }).data;
  if (!Array.isArray(batches) || batches.length === 0) return null;
  const first = batches[0] as Partial<DictBatch>;
  const values = first.cache;
  // our own file: written through flechette's dictionary builder, so the values are distinct
  if (!Array.isArray(values) || typeof values[0] !== 'string') return null;
  let n = 0;
  for (const b of batches as Partial<DictBatch>[]) {
    if (b.cache !== values || !b.values || typeof b.isValid !== 'function' || typeof b.length !== 'number') return null;
    n += b.length;
  }
  const only = batches[0] as DictBatch;
  if (batches.length === 1 && only.nullCount === 0 && only.values instanceof Int32Array && only.values.length === n) {
    return new DictionaryColumn(only.values, values as string[]); // the keys as they lie in the file: no copy
  }
  const codes = new Int32Array(n);
  let at = 0;
  for (const b of batches as DictBatch[]) {
    const keys = b.values;
    const valid = b.validity;
    if (b.nullCount > 0 && valid) {
      // Arrow validity bitmap: bit i set = row i present
      for (let i = 0; i < b.length; i++) codes[at + i] = ((valid[i >> 3] as number) >> (i & 7)) & 1 ? (keys[i] as number) : -1;
    } else if (b.nullCount > 0) for (let i = 0; i < b.length; i++) codes[at + i] = b.isValid(i) ? (keys[i] as number) : -1;
    else if (keys instanceof Int32Array) codes.set(keys.subarray(0, b.length), at);
    else for (let i = 0; i < b.length; i++) codes[at + i] = keys[i] as number;
    at += b.length;
  }
  return new DictionaryColumn(codes, values as string[]);
}

/** Reads a cache entry; null when missing or unreadable (a corrupt entry is a miss, not an error). */
export async function readCache(file: string): Promise<{ table: ColumnTable; report: LoadReport } | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch {
    return null;
  }
  try {
    if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
    const mlen = bytes.readUInt32LE(MAGIC.length);
    const metaEnd = MAGIC.length + 4 + mlen;
    const meta = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, metaEnd)) as {
      report: LoadReport;
      json: string[];
      names: string[];
      derived: string[];
    };
    // Arrow IPC wants 8-byte alignment for zero-copy typed arrays: copy if misaligned
    let ipc = bytes.subarray(metaEnd);
    if (ipc.byteOffset % 8 !== 0) ipc = Buffer.from(ipc);
    const arrow = tableFromIPC(ipc, { useDate: false });
    const json = new Set(meta.json);
    const data: Record<string, unknown> = Object.create(null);
    // string dictionaries become DictionaryColumns here; Arquero converts the rest
    const child = (n: string): unknown => (arrow as unknown as { getChild(name: string): unknown }).getChild(n);
    const names = (arrow as unknown as { names: string[] }).names;
    for (const n of names) {
      const dictionary = json.has(n) ? null : asDictionaryColumn(child(n));
      if (dictionary) data[n] = dictionary;
    }
    const t = fromArrow(arrow as unknown as Parameters<typeof fromArrow>[0], { columns: names.filter((n) => !(n in data)) });
    for (const n of t.columnNames()) {
      const c = t.column(n) as unknown as InnerDict & { nullCount?: number; toArray?: () => unknown; type?: { typeId: number } };
      if (json.has(n)) data[n] = new JsonColumn(c);
      else if (c.nullCount === 0 && c.toArray && (c.type?.typeId === FLOAT_TYPE_ID || c.type?.typeId === INT_TYPE_ID)) {
        const arr = c.toArray();
        data[n] = ArrayBuffer.isView(arr) ? arr : c; // zero-copy typed arrays (numbers) as plain arrays
      } else data[n] = c;
    }
    if (meta.derived.includes(FIELD.uri)) {
      data[FIELD.uri] = new UriColumn(data[FIELD.path] as UriColumn, data[FIELD.query] as UriColumn);
    }
    const table = new ColumnTable(data as ConstructorParameters<typeof ColumnTable>[0], meta.names);
    return { table, report: { ...meta.report, fromCache: true } };
  } catch {
    return null;
  }
}
