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
import type { ColumnTable } from 'arquero';
import { CATALOG } from '../schema.js';
import { fieldColumn, plain, tableSchema } from '../columns.js';
import { T, type RuleType } from '../types.js';
import { parseIp } from '../ip.js';

export type SqlDialectName = 'clickhouse' | 'duckdb';

export interface StoredField {
  field: string;
  type: RuleType;
  column: string;
}

export const ROW_COLUMN = '__row';

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
    if (column === ROW_COLUMN || /__[A-Z0-9]+$/.test(column)) continue;
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
  const defs = [`${q(ROW_COLUMN)} ${ch ? 'UInt64' : 'UBIGINT'}`];
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

/**
 * Column arrays of a table for the stored fields, read as the in-memory engine reads them
 * (`fieldColumn`: derived fields computed, `ip.proto` numbers named), so both engines see the same values.
 */
export function sourceColumns(table: ColumnTable, fields: readonly StoredField[]): Map<string, ArrayLike<unknown>> {
  const cols = new Map<string, ArrayLike<unknown>>();
  for (const f of fields) cols.set(f.field, fieldColumn(table, f.field));
  return cols;
}

type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : null);

/** One stored row (JSON-ready: UInt8/BOOLEAN as the dialect wants them). */
export function storedRow(i: number, rowNumber: number, fields: readonly StoredField[], cols: Map<string, ArrayLike<unknown>>, dialect: SqlDialectName): Row {
  const ch = dialect === 'clickhouse';
  const row: Row = { [ROW_COLUMN]: rowNumber };
  for (const f of fields) {
    const v = cols.get(f.field)?.[i];
    const c = f.column;
    switch (f.type.kind) {
      case 'Bytes':
        row[c] = str(v);
        break;
      case 'Int':
        row[c] = int(v);
        break;
      case 'Bool':
        // a Bool column holds booleans, or 0/1 bytes (the behaviour.* flags; codegen reads 1 as true)
        row[c] = typeof v === 'boolean' ? (ch ? (v ? 1 : 0) : v) : v === 0 || v === 1 ? (ch ? v : v === 1) : null;
        break;
      case 'Ip': {
        const s = str(v);
        const k = s === null ? null : parseIp(s);
        row[c] = s;
        row[`${c}__V4`] = typeof k === 'number' ? k : null;
        row[`${c}__V6`] = typeof k === 'bigint' ? hex32(k) : null;
        break;
      }
      case 'Array': {
        const a = Array.isArray(v) ? v : null;
        row[c] = a ? a.filter((x) => x !== null && x !== undefined).map((x) => (f.type.kind === 'Array' && f.type.of.kind === 'Int' ? int(x) ?? 0 : str(x) ?? '')) : [];
        row[`${c}__P`] = ch ? (a ? 1 : 0) : a !== null;
        break;
      }
      case 'Map': {
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
        row[`${c}__K`] = keys;
        row[`${c}__V`] = values;
        row[`${c}__P`] = ch ? (m ? 1 : 0) : m !== null;
        break;
      }
    }
  }
  return row;
}
