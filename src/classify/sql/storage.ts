/**
 * The storage layout of a traffic table in a SQL engine (ClickHouse or DuckDB): which Rules fields
 * become which columns, with which types, and how a row of an in-memory table is written.
 *
 * - A field's column is its name with `.` written `__` (`ip.src` -> `ip__src`), so the field set of
 *   a stored table is read back from its column names (`fieldOfColumn`).
 * - Bytes -> String, Int -> Int64, Bool -> UInt8/BOOLEAN; all nullable: a missing value stays
 *   missing (and compares false), an empty string stays "".
 * - Ip -> its text plus `__V4` (UInt32, IPv4 only) and `__V6` (32 lower-case hex digits, IPv6 only),
 *   so CIDRs and IP sets lower to integer / fixed-width string ranges.
 * - Array -> Array(...) plus `__P` (1 = present); Map(Array(Bytes)) -> flattened parallel arrays
 *   `__K` (key per value) and `__V` (values) plus `__P`: arrays cannot be nullable in ClickHouse.
 * - Derived fields (`http.request.uri`, `.args`, `.cookies`, `tcp.flags.syn`, ...) are computed at
 *   ingest with the same code the in-memory engine uses, so both engines see the same values.
 * - `__row` is the row's position in the loaded input: differential tests and samples use it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ColumnTable } from 'arquero';
import { CATALOG, DERIVED, type DerivationSource } from '../schema.js';
import { derivationSource, fieldColumn, fieldIds, plain, tableSchema } from '../columns.js';
import { WholeSource } from '../behaviour/whole.js';
import { wholeSourceFields } from '../behaviour/fields.js';
import { DictionaryColumn } from '../../traffic/dictionary.js';
import { T, type RuleType } from '../types.js';
import { parseIp } from '../ip.js';

export type SqlDialectName = 'clickhouse' | 'duckdb';

export interface StoredField {
  field: string;
  type: RuleType;
  column: string;
}

export const ROW_COLUMN = '__row';
/**
 * The behaviour window of a row: one per ingest call, or one per chunk of a streamed ingest whose
 * source could not be read twice (see WholeColumns); behaviour.* fields are computed over the
 * rows of one window.
 */
export const INGEST_COLUMN = '__ingest';

export const columnOf = (field: string): string => field.replace(/\./g, '__');
export const fieldOfColumn = (column: string): string => column.replace(/__/g, '.');

/** Fields of the catalogue that can be stored (scalars, arrays of scalars, maps of byte arrays). */
export function storable(type: RuleType): boolean {
  if (type.kind === 'Array') return type.of.kind === 'Bytes' || type.of.kind === 'Int';
  if (type.kind === 'Map') return type.of.kind === 'Array' && type.of.of.kind === 'Bytes';
  return true;
}

/** The catalogue fields a table has or can derive, in catalogue order. */
export function storedFields(table: ColumnTable): StoredField[] {
  const fields = tableSchema(plain(table)).fields;
  const out: StoredField[] = [];
  for (const [field, type] of Object.entries(CATALOG)) if (storable(type) && fields.has(field)) out.push({ field, type, column: columnOf(field) });
  // other columns (packet detail such as ip.frag_offset, source fields kept by name) under their
  // own names when those make a column name and their type is storable
  for (const [field, info] of fields) {
    if (field in CATALOG || info.derived || !STORABLE_NAME.test(field) || field.includes('__') || !storable(info.type) || info.type.kind === 'Ip') continue;
    out.push({ field, type: info.type, column: columnOf(field) });
  }
  return out;
}

const STORABLE_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;

/** The Rules type of a column of another field, from its SQL type (ClickHouse or DuckDB spelling). */
export function typeOfSqlColumn(sqlType: string): RuleType | null {
  const t = sqlType.replace(/^Nullable\((.*)\)$/, '$1').toUpperCase();
  if (t === 'STRING' || t === 'VARCHAR') return T.Bytes;
  if (t === 'INT64' || t === 'BIGINT') return T.Int;
  if (t === 'UINT8' || t === 'BOOLEAN') return T.Bool;
  if (t === 'ARRAY(STRING)' || t === 'VARCHAR[]') return T.Array(T.Bytes);
  if (t === 'ARRAY(INT64)' || t === 'BIGINT[]') return T.Array(T.Int);
  return null;
}

/** Fields of a stored table, from its column names (companion columns are skipped). */
export function fieldsFromColumns(columns: readonly { name: string; type: string }[]): StoredField[] {
  const out: StoredField[] = [];
  const names = new Set(columns.map((c) => c.name));
  for (const { name: c, type: sqlType } of columns) {
    // a map is stored as its key/value companions only: `<column>__K` stands for the field
    const column = c.endsWith('__K') ? c.slice(0, -3) : c;
    if (column === ROW_COLUMN || column === INGEST_COLUMN || /__[A-Z0-9]+$/.test(column)) continue;
    const field = fieldOfColumn(column);
    const known = CATALOG[field];
    if (known) {
      if (storable(known) && (known.kind !== 'Map' || names.has(`${column}__V`))) out.push({ field, type: known, column });
      continue;
    }
    const type = typeOfSqlColumn(sqlType);
    if (type) out.push({ field, type, column });
  }
  return out;
}

/** `CREATE TABLE` column list for a dialect. */
export function columnDefs(fields: readonly StoredField[], dialect: SqlDialectName): string[] {
  const ch = dialect === 'clickhouse';
  const q = (c: string) => (ch ? `\`${c}\`` : `"${c}"`);
  const defs = [`${q(ROW_COLUMN)} ${ch ? 'UInt64' : 'UBIGINT'}`, `${q(INGEST_COLUMN)} ${ch ? 'UInt32' : 'UINTEGER'}`];
  for (const f of fields) {
    const c = f.column;
    switch (f.type.kind) {
      case 'Bytes':
        defs.push(`${q(c)} ${ch ? 'Nullable(String)' : 'VARCHAR'}`);
        break;
      case 'Int':
        defs.push(`${q(c)} ${ch ? 'Nullable(Int64)' : 'BIGINT'}`);
        break;
      case 'Bool':
        defs.push(`${q(c)} ${ch ? 'Nullable(UInt8)' : 'BOOLEAN'}`);
        break;
      case 'Ip':
        defs.push(`${q(c)} ${ch ? 'Nullable(String)' : 'VARCHAR'}`, `${q(`${c}__V4`)} ${ch ? 'Nullable(UInt32)' : 'UINTEGER'}`, `${q(`${c}__V6`)} ${ch ? 'Nullable(String)' : 'VARCHAR'}`);
        break;
      case 'Array':
        defs.push(`${q(c)} ${ch ? (f.type.of.kind === 'Int' ? 'Array(Int64)' : 'Array(String)') : f.type.of.kind === 'Int' ? 'BIGINT[]' : 'VARCHAR[]'}`, `${q(`${c}__P`)} ${ch ? 'UInt8' : 'BOOLEAN'}`);
        break;
      case 'Map':
        defs.push(`${q(`${c}__K`)} ${ch ? 'Array(String)' : 'VARCHAR[]'}`, `${q(`${c}__V`)} ${ch ? 'Array(String)' : 'VARCHAR[]'}`, `${q(`${c}__P`)} ${ch ? 'UInt8' : 'BOOLEAN'}`);
        break;
    }
  }
  return defs;
}

const hex32 = (v: bigint): string => v.toString(16).padStart(32, '0');

const str = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
/** A Bool field's value: booleans, or 0/1 bytes (the behaviour.* flags; codegen reads 1 as true). */
const boolOf = (v: unknown): boolean | null => (v === true || v === 1 ? true : v === false || v === 0 ? false : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : null);

/**
 * The wire format rows are written in: ClickHouse's TabSeparated (the format it parses fastest,
 * on 18.16 as on current servers), or for DuckDB newline-delimited JSON objects keyed `c0`, `c1`,
 * ... in column order (read back with `read_json` and explicit types, so nothing is guessed).
 */
export type WireFormat = 'tsv' | 'json';
export const wireFormatOf = (dialect: SqlDialectName): WireFormat => (dialect === 'clickhouse' ? 'tsv' : 'json');

// ClickHouse TSV: a bare string escapes \ tab newline CR NUL; inside an array it is quoted with '

const TSV_ESC: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', "'": "\\'" };
const tsvBare = (s: string): string => (/[\\\t\n\r\0]/.test(s) ? s.replace(/[\\\t\n\r\0]/g, (c) => TSV_ESC[c] as string) : s);
const tsvQuoted = (s: string): string => `'${/[\\\t\n\r\0']/.test(s) ? s.replace(/[\\\t\n\r\0']/g, (c) => TSV_ESC[c] as string) : s}'`;

/** Encodes one value of a field as its cell(s), joined by the format's separator. */
type CellEncoder = (v: unknown) => string;

/** How many columns a field is stored as (a value, plus companions). */
export const cellsOf = (type: RuleType): number => (type.kind === 'Ip' || type.kind === 'Map' ? 3 : type.kind === 'Array' ? 2 : 1);

/** `key`: the JSON key number of the field's first column (its companions follow). */
function cellEncoder(type: RuleType, wire: WireFormat, key: number): CellEncoder {
  const tsv = wire === 'tsv';
  const NULL = tsv ? '\\N' : 'null';
  const SEP = tsv ? '\t' : `,"c${key + 1}":`;
  const SEP2 = tsv ? '\t' : `,"c${key + 2}":`;
  const s = (x: string | null): string => (x === null ? NULL : tsv ? tsvBare(x) : JSON.stringify(x));
  const present = (p: boolean): string => (tsv ? (p ? '1' : '0') : p ? 'true' : 'false');
  const strArray = (xs: readonly string[]): string => (tsv ? `[${xs.map(tsvQuoted).join(',')}]` : JSON.stringify(xs));
  switch (type.kind) {
    case 'Bytes':
      return (v) => s(str(v));
    case 'Int':
      return (v) => {
        const k = int(v);
        return k === null ? NULL : String(k);
      };
    case 'Bool':
      return (v) => {
        const b = boolOf(v);
        return b === null ? NULL : present(b);
      };
    case 'Ip':
      return (v) => {
        const x = str(v);
        const k = x === null ? null : parseIp(x);
        return `${s(x)}${SEP}${typeof k === 'number' ? String(k) : NULL}${SEP2}${typeof k === 'bigint' ? s(hex32(k)) : NULL}`;
      };
    case 'Array': {
      const ints = type.of.kind === 'Int';
      return (v) => {
        const a = Array.isArray(v) ? v : null;
        const items = a ? a.filter((x) => x !== null && x !== undefined) : [];
        const cell = ints ? `[${items.map((x) => String(int(x) ?? 0)).join(',')}]` : strArray(items.map((x) => str(x) ?? ''));
        return `${cell}${SEP}${present(a !== null)}`;
      };
    }
    case 'Map':
      return (v) => {
        const keys: string[] = [];
        const values: string[] = [];
        const m = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
        if (m)
          for (const k of Object.keys(m)) {
            const vs = m[k];
            for (const x of Array.isArray(vs) ? vs : [vs]) {
              keys.push(k);
              values.push(str(x) ?? '');
            }
          }
        return `${strArray(keys)}${SEP}${strArray(values)}${SEP2}${present(m !== null)}`;
      };
    default:
      return () => NULL;
  }
}

/** A growable byte buffer rows are written into (ASCII digits directly, strings as cached UTF-8). */
class Sink {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n < 32) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[i] as number;
      this.pos = p;
    } else {
      this.buf.set(b, this.pos);
      this.pos += n;
    }
  }
  /** A string as UTF-8, written in place (no Buffer of its own). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }
  int(k: number): void {
    this.ensure(24);
    const buf = this.buf;
    if (k < 0) {
      buf[this.pos++] = 0x2d;
      k = -k;
    }
    if (k < 10) {
      buf[this.pos++] = 0x30 + k;
      return;
    }
    if (k < 2147483648) {
      // 31-bit: integer arithmetic
      let digits = 1;
      for (let x = k; x >= 10; x = (x / 10) | 0) digits++;
      let p = this.pos + digits;
      this.pos = p;
      for (let x = k; p > this.pos - digits; x = (x / 10) | 0) buf[--p] = 0x30 + (x % 10);
      return;
    }
    let digits = 0;
    for (let x = k; x >= 1; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let x = k; x >= 1; x = Math.floor(x / 10)) buf[--p] = 0x30 + (x % 10);
  }
  /** The bytes written so far as their own Buffer; the sink starts again on fresh memory. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
    return out;
  }
}

/** Writes row i of one field's column(s) into a sink. */
type ColumnWriter = (i: number, out: Sink) => void;
/** The writer of a field for the rows [a, b) of a slice (a row-local derivation is computed per slice). */
type SliceWriter = (a: number, b: number) => ColumnWriter;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Reads row i of a stored column without turning a dictionary column into an array of values. */
function readerOf(table: ColumnTable, field: string): (i: number) => unknown {
  const c = (table.data() as Record<string, unknown>)[field];
  if (c instanceof DictionaryColumn) return (i) => c.at(i);
  if (Array.isArray(c) || ArrayBuffer.isView(c)) {
    const a = c as ArrayLike<unknown>;
    return (i) => a[i];
  }
  const col = fieldColumn(table, field);
  return (i) => col[i];
}

/**
 * The values of a field for rows [a, b). Stored columns are read in place and a table-wide
 * derivation (behaviour.*: per-group statistics of the whole table) once for the table; a
 * row-local derivation (the URI's arguments, the cookie map, ...) is computed for these rows only,
 * with the same `compute` the in-memory engine runs, so it never exists for the whole table at
 * once: at 200k rows the row-local derivations held about 1 KB a row when they were cached per table.
 */
function sliceValues(table: ColumnTable, field: string, a: number, b: number): ArrayLike<unknown> {
  const info = tableSchema(table).fields.get(field);
  const n = b - a;
  if (!info) return [];
  const d = info.derived;
  if (!d || d.whole || field === 'ip.proto') {
    const col = !d && field !== 'ip.proto' ? null : fieldColumn(table, field);
    const read = col ? (i: number) => col[i] : readerOf(table, field);
    const out = new Array<unknown>(n);
    for (let k = 0; k < n; k++) out[k] = read(a + k);
    return out;
  }
  const sources = d.from.map((f, j) => (j === 0 || tableSchema(table).fields.has(f) ? sliceValues(table, f, a, b) : []));
  return d.compute(sources, n);
}

/** A writer over a column read row by row. */
function rowWriter(get: (i: number) => unknown, f: StoredField, enc: CellEncoder): ColumnWriter {
  if (f.type.kind === 'Int')
    return (i, out) => {
      const v = get(i);
      if (typeof v === 'number' && Number.isSafeInteger(v)) out.int(v);
      else out.text(enc(v));
    };
  if (f.type.kind === 'Bool') {
    const [yes, no, none] = [utf8(enc(true)), utf8(enc(false)), utf8(enc(null))];
    return (i, out) => {
      const b = boolOf(get(i));
      out.bytes(b === null ? none : b ? yes : no);
    };
  }
  return (i, out) => out.text(enc(get(i)));
}

/** A field's writer: per distinct value (encoded once) when the column is interned, integers as digits. */
function columnWriter(table: ColumnTable, f: StoredField, enc: CellEncoder, whole?: ReadonlyMap<string, ArrayLike<unknown>>): SliceWriter {
  const wholeCol = whole?.get(f.field);
  if (wholeCol) {
    // computed over the whole source (the values of this table's rows)
    const wr = rowWriter((i) => wholeCol[i], f, enc);
    return () => wr;
  }
  if (!tableSchema(table).fields.has(f.field)) {
    // a field this table lacks (a later chunk of a streamed ingest without it): missing on every row
    const none = utf8(enc(null));
    const w: ColumnWriter = (_i, out) => out.bytes(none);
    return () => w;
  }
  // ip.proto is stored named ("tcp"), its interned ids are the numbers: read it row by row
  const ids = f.field === 'ip.proto' ? undefined : fieldIds(table, f.field);
  if (ids) {
    const codes = ids.ids;
    const values = ids.values;
    const missing = utf8(enc(null));
    // a value's cells are encoded once and kept, unless most values are distinct (a ray id):
    // then a cache is one Buffer per row, kept to the end of the table, for nothing
    if (values.length * 2 > codes.length) {
      const w: ColumnWriter = (i, out) => {
        const k = codes[i] as number;
        if (k < 0) out.bytes(missing);
        else out.text(enc(values[k]));
      };
      return () => w;
    }
    const cache = new Array<Buffer | undefined>(values.length);
    const w: ColumnWriter = (i, out) => {
      const k = codes[i] as number;
      out.bytes(k < 0 ? missing : (cache[k] ??= utf8(enc(values[k]))));
    };
    return () => w;
  }
  const d = tableSchema(table).fields.get(f.field)?.derived;
  if (d && !d.whole && f.field !== 'ip.proto')
    return (a, b) => {
      const values = sliceValues(table, f.field, a, b);
      return rowWriter((i) => values[i - a], f, enc);
    };
  // stored columns and table-wide derivations, read in place
  let get: (i: number) => unknown;
  if (!d && f.field !== 'ip.proto') get = readerOf(table, f.field);
  else {
    const col = fieldColumn(table, f.field);
    get = (i) => col[i];
  }
  const w = rowWriter(get, f, enc);
  return () => w;
}

/**
 * Rows [from, to) of a table in the wire format, one line each (each ending in "\n"), produced as
 * Buffers of `slice` rows so a caller can stream them without holding a whole batch. Cells are
 * written as bytes (a dictionary column's values encoded once each, integers digit by digit):
 * no string or object per row, which is what makes ingest fast.
 */
export function* encodeRows(table: ColumnTable, fields: readonly StoredField[], from: number, to: number, firstRow: number, ingestId: number, wire: WireFormat, slice = 10_000, whole?: ReadonlyMap<string, ArrayLike<unknown>>): Generator<Buffer> {
  const tsv = wire === 'tsv';
  // JSON keys: c0 __row, c1 __ingest, then each field's columns in order
  const keys: number[] = [];
  let next = 2;
  for (const f of fields) {
    keys.push(next);
    next += cellsOf(f.type);
  }
  const t = plain(table);
  const makers = fields.map((f, j) => columnWriter(t, f, cellEncoder(f.type, wire, keys[j] as number), whole));
  const prefixes = keys.map((k) => utf8(tsv ? '\t' : `,"c${k}":`));
  const rowStart = utf8(tsv ? '' : '{"c0":');
  const ingestCell = utf8(tsv ? `\t${ingestId}` : `,"c1":${ingestId}`);
  const rowEnd = utf8(tsv ? '\n' : '}\n');
  const out = new Sink(1 << 22);
  for (let a = from; a < to; a += slice) {
    const b = Math.min(to, a + slice);
    const writers = makers.map((m) => m(a, b));
    for (let i = a; i < b; i++) {
      out.bytes(rowStart);
      out.int(firstRow + i);
      out.bytes(ingestCell);
      for (let j = 0; j < writers.length; j++) {
        out.bytes(prefixes[j] as Buffer);
        (writers[j] as ColumnWriter)(i, out);
      }
      out.bytes(rowEnd);
    }
    yield out.take();
  }
}

/**
 * The table-wide derived fields (behaviour.*) of a source streamed in chunks, computed over the
 * whole source and kept in a temporary file (not in memory while the chunks are written): the
 * values of rows [from, to) of the source (row 0 = the first chunk's first row) read back per
 * chunk. `close` removes the file.
 */
export interface WholeColumns {
  readonly rows: number;
  readonly fields: ReadonlySet<string>;
  slice(field: string, from: number, to: number): ArrayLike<unknown>;
  close(): void;
}

type Stored = { at: number; kind: 'u8' | 'i16' | 'i32' | 'f64'; names?: readonly unknown[] } | { kind: 'memory'; values: ArrayLike<unknown> };
const BYTES_PER = { u8: 1, i16: 2, i32: 4, f64: 8 } as const;

/** Whole-source columns spilled to a temporary file as typed arrays (a column of texts as codes). */
class SpilledColumns implements WholeColumns {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-ingest-'));
  private readonly fd = fs.openSync(path.join(this.dir, 'behaviour.bin'), 'w+');
  private readonly stored = new Map<string, Stored>();
  private end = 0;
  private closed = false;
  private readonly onExit = (): void => this.close();
  constructor(readonly rows: number) {
    process.once('exit', this.onExit);
  }
  get fields(): ReadonlySet<string> {
    return new Set(this.stored.keys());
  }
  put(field: string, values: ArrayLike<unknown>): void {
    let typed: Uint8Array | Int16Array | Int32Array | Float64Array | null = null;
    let names: unknown[] | undefined;
    if (values instanceof Uint8Array || values instanceof Int16Array || values instanceof Int32Array || values instanceof Float64Array) typed = values;
    else if (Array.isArray(values)) {
      // a column of few distinct values (behaviour.network.class): codes into its values
      const index = new Map<unknown, number>();
      const codes = new Uint8Array(values.length);
      names = [];
      for (let i = 0; i < values.length && names.length <= 256; i++) {
        let k = index.get(values[i]);
        if (k === undefined) index.set(values[i], (k = names.push(values[i]) - 1));
        codes[i] = k;
      }
      if (names.length <= 256) typed = codes;
      else names = undefined;
    }
    if (!typed) {
      this.stored.set(field, { kind: 'memory', values });
      return;
    }
    const kind = typed instanceof Uint8Array ? 'u8' : typed instanceof Int16Array ? 'i16' : typed instanceof Int32Array ? 'i32' : 'f64';
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(this.fd, bytes, at, bytes.length - at, this.end + at);
    this.stored.set(field, { at: this.end, kind, names });
    this.end += bytes.length;
  }
  slice(field: string, from: number, to: number): ArrayLike<unknown> {
    const s = this.stored.get(field);
    if (!s) return [];
    if (s.kind === 'memory') return Array.prototype.slice.call(s.values, from, to);
    const per = BYTES_PER[s.kind];
    const buf = new ArrayBuffer((to - from) * per);
    const view = new Uint8Array(buf);
    for (let got = 0; got < view.length; ) {
      const k = fs.readSync(this.fd, view, got, view.length - got, s.at + from * per + got);
      if (k === 0) break;
      got += k;
    }
    const typed = s.kind === 'u8' ? new Uint8Array(buf) : s.kind === 'i16' ? new Int16Array(buf) : s.kind === 'i32' ? new Int32Array(buf) : new Float64Array(buf);
    const names = s.names;
    return names ? Array.from(typed, (k) => names[k]) : typed;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.removeListener('exit', this.onExit);
    fs.closeSync(this.fd);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Pass 1 of a whole-source ingest: the columns behaviour reads, gathered from every chunk
 * (nothing else is kept), then each table-wide derived field of `fields` computed once over the
 * whole source by the code the in-memory engine runs (the frame of the gathered source), so a
 * chunked ingest stores the values a one-table load would.
 */
export class WholeDerived {
  private readonly source = new WholeSource();
  add(table: ColumnTable): void {
    this.source.add(derivationSource(table));
  }
  get rows(): number {
    return this.source.rows;
  }
  finish(fields: readonly StoredField[]): WholeColumns {
    const src: DerivationSource = this.source.finish();
    const out = new SpilledColumns(src.n);
    try {
      // behaviour's fields in the order that holds least at once, then any other table-wide derivation
      wholeSourceFields(
        src,
        fields.map((f) => f.field),
        (field, values) => out.put(field, values),
      );
      const done = out.fields;
      for (const f of fields) {
        const whole = DERIVED[f.field]?.whole;
        if (whole && !done.has(f.field)) out.put(f.field, whole(src));
      }
    } catch (e) {
      out.close();
      throw e;
    }
    return out;
  }
}
