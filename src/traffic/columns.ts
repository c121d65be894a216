import { FIELD } from './fields.js';
import { DictionaryColumn } from './dictionary.js';
import { deepFreeze } from './freeze.js';
import { raw, Utf8Column } from './utf8.js';

/**
 * String columns are dictionary-encoded while they repeat: up to DICT_MIN distinct values
 * always, beyond that while fewer than one row in DICT_RATIO brings a new value. A column of
 * near-unique values (ray ids, cache-busting queries) turns into a plain array once.
 */
const DICT_MIN = 1 << 16;
const DICT_RATIO = 4;

const CANONICAL_ORDER: readonly string[] = ['timestamp', ...Object.values(FIELD).filter((f) => f !== 'timestamp')];

/**
 * One column under construction. Numbers go to a Float64Array while every value is a number
 * (missing = NaN, counted in `nulls`); strings, or objects by identity (maps a parser shares
 * between rows), go to a dictionary (codes + distinct values) while they repeat; strings that
 * stop repeating go on as UTF-8 bytes (`utf8`); booleans, a mix, or a type change make the
 * column a plain array.
 */
export interface Col {
  data: unknown[] | Float64Array;
  /** Rows written so far (the rest of `data` is spare capacity). */
  len: number;
  f64: boolean;
  nulls: number;
  /** Dictionary mode (string columns while they repeat): `data` is unused. */
  dict: Dict | null;
  /** UTF-8 mode (strings that stopped repeating): `data` is unused. */
  utf8: Utf8 | null;
}

/** Strings as bytes: row i is bytes[offsets[i], offsets[i + 1]); offsets[len] === used. */
interface Utf8 {
  bytes: Buffer;
  used: number;
  offsets: Int32Array;
  missing: Uint8Array;
  ascii: boolean;
}

interface Dict {
  codes: Int32Array;
  values: unknown[];
  /** Strings by value, or objects by identity (maps a parser shares between rows); never both. */
  index: Map<unknown, number>;
  kind: 'string' | 'object' | null;
}

/** The column a value starts: numbers unboxed, strings and objects (and leading nulls) dictionary-encoded. */
type Start = 'f64' | 'dict' | 'plain';
const startOf = (v: unknown): Start => (typeof v === 'number' ? 'f64' : typeof v === 'boolean' ? 'plain' : 'dict');

const EMPTY: unknown[] = [];

/**
 * A finished column as it crosses a thread boundary: typed arrays travel by transfer (no copy),
 * only dictionary values and plain arrays are cloned. Booleans travel as bytes (0, 1, 2 = null).
 */
export type EncodedColumn =
  | { kind: 'f64'; data: Float64Array }
  | { kind: 'dict'; codes: Int32Array; values: readonly unknown[] }
  | { kind: 'utf8'; bytes: Uint8Array; offsets: Int32Array; missing: Uint8Array; ascii: boolean }
  | { kind: 'bool'; data: Uint8Array }
  | { kind: 'plain'; data: readonly unknown[] };

/** Finished columns as they cross a thread boundary (no copies: typed arrays are listed for transfer). */
export function encodeColumns(cols: Record<string, BuiltColumn>): { cols: Record<string, EncodedColumn>; transfer: ArrayBuffer[] } {
  const out: Record<string, EncodedColumn> = Object.create(null);
  const transfer = new Set<ArrayBuffer>();
  // a view crosses with its whole buffer (each column owns its buffers)
  const send = <T extends ArrayBufferView>(v: T): T => {
    transfer.add(v.buffer as ArrayBuffer);
    return v;
  };
  for (const [name, c] of Object.entries(cols)) {
    if (c instanceof DictionaryColumn) out[name] = { kind: 'dict', codes: send(c.codes), values: c.values };
    else if (c instanceof Float64Array) out[name] = { kind: 'f64', data: send(c) };
    else if (c instanceof Utf8Column) out[name] = { kind: 'utf8', bytes: send(c.bytes), offsets: send(c.offsets), missing: send(c.missing), ascii: c.ascii };
    else {
      // flags (verified bots) as bytes; a plain loop: Uint8Array.from with a mapping function
      // costs about 0.3 µs a row, a third of a second per flag column in a half-million-row part
      const flags = boolBytes(c);
      out[name] = flags ? { kind: 'bool', data: send(flags) } : { kind: 'plain', data: c };
    }
  }
  return { cols: out, transfer: [...transfer] };
}

/** A column of booleans and nulls as bytes (2 missing, 1 true, 0 false); null if it holds anything else. */
function boolBytes(c: readonly unknown[]): Uint8Array | null {
  const out = new Uint8Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const v = c[i];
    if (v === true) out[i] = 1;
    else if (v === null) out[i] = 2;
    else if (v !== false) return null;
  }
  return out;
}

/** A flag as encodeColumns writes it: 2 missing, 1 true, 0 false. */
const flagOf = (b: number): boolean | null => (b === 2 ? null : b === 1);

/** Row i of an encoded column. */
function valueAt(e: EncodedColumn, i: number): unknown {
  switch (e.kind) {
    case 'f64': {
      const v = e.data[i] as number;
      return v !== v ? null : v;
    }
    case 'dict': {
      const k = e.codes[i] as number;
      const v = k < 0 ? null : e.values[k];
      return v !== null && typeof v === 'object' ? deepFreeze(v) : v;
    }
    case 'utf8':
      return e.missing[i] === 1 ? null : Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength).toString('utf8', e.offsets[i], e.offsets[i + 1]);
    case 'bool':
      return flagOf(e.data[i] as number);
    case 'plain':
      return e.data[i] ?? null;
  }
}

/** A finished column: a plain array, numbers, a dictionary, or UTF-8 strings. */
export type BuiltColumn = unknown[] | Float64Array | DictionaryColumn | Utf8Column;

/**
 * Builds a table column by column, row by row. A column first seen at row r is back-filled with
 * r nulls, and every column is padded with nulls at the end, so missing values are `null`.
 *
 * Memory is the cost that matters at a million rows (fresh pages are expensive, and a growing
 * array copies itself): columns are allocated once at the expected row count (`reserve`), numbers
 * live unboxed in Float64Arrays, and repeated short strings (methods, countries, hosts) are
 * interned per column so the parser's fresh copy dies young instead of living in the table.
 */
/** The column a source field named `__proto__` is loaded as. */
export const PROTO_COLUMN = '[__proto__]';

export class ColumnBuilder {
  /** Index of the row being built. */
  row = 0;
  private capacity = 1024;
  private readonly cols = new Map<string, Col>();
  /** Receives notes about rows that loaded with a missing or unparsable value. */
  onWarn: ((reason: string) => void) | null = null;

  /** Expect about `rows` rows: columns created from now on start with that capacity. */
  reserve(rows: number): void {
    if (rows > this.capacity) this.capacity = Math.min(Math.ceil(rows), 1 << 28);
  }

  /**
   * Touch every typed column's spare capacity up to `rows` (writing what a gap holds anyway),
   * so that a later `append` copies into memory already mapped. A parallel load does this while
   * it waits for its workers, instead of taking the page faults (about 3 ms per MB here) while
   * it appends their rows. `from`: rows below it were touched by an earlier call (a caller
   * touching the memory in slices, to stop as soon as the rows arrive).
   */
  prefault(rows: number, from = 0): void {
    for (const c of this.cols.values()) {
      const s = Math.max(c.len, from);
      if (c.dict) c.dict.codes.fill(-1, s, Math.min(rows, c.dict.codes.length));
      else if (c.utf8) {
        c.utf8.missing.fill(0, s, Math.min(rows, c.utf8.missing.length));
        c.utf8.offsets.fill(0, s + 1, Math.min(rows + 1, c.utf8.offsets.length));
      } else if (c.f64) (c.data as Float64Array).fill(NaN, s, Math.min(rows, c.data.length));
    }
  }

  warn(reason: string): void {
    this.onWarn?.(reason);
  }

  private create(name: string, start: Start): Col {
    const cap = Math.max(this.capacity, this.row + 1);
    let c: Col;
    if (start === 'f64') {
      const data = new Float64Array(cap);
      data.fill(NaN, 0, this.row);
      c = { data, len: this.row, f64: true, nulls: this.row, dict: null, utf8: null };
    } else if (start === 'dict') {
      const codes = new Int32Array(cap);
      codes.fill(-1, 0, this.row);
      c = { data: EMPTY, len: this.row, f64: false, nulls: this.row, dict: { codes, values: [], index: new Map(), kind: null }, utf8: null };
    } else {
      const data = new Array<unknown>(cap);
      for (let i = 0; i < this.row; i++) data[i] = null;
      c = { data, len: this.row, f64: false, nulls: this.row, dict: null, utf8: null };
    }
    this.cols.set(name, c);
    return c;
  }

  private grow(c: Col, need: number): void {
    const u = c.utf8;
    if (u) {
      const cap = Math.max(need, Math.ceil(u.missing.length * 1.5));
      const o = new Int32Array(cap + 1);
      o.set(u.offsets.subarray(0, c.len + 1));
      u.offsets = o;
      const m = new Uint8Array(cap);
      m.set(u.missing.subarray(0, c.len));
      u.missing = m;
      if (cap > this.capacity) this.capacity = cap;
      return;
    }
    const dict = c.dict;
    if (dict) {
      const cap = Math.max(need, Math.ceil(dict.codes.length * 1.5));
      const d = new Int32Array(cap);
      d.set(dict.codes);
      dict.codes = d;
      if (cap > this.capacity) this.capacity = cap;
      return;
    }
    const cap = Math.max(need, Math.ceil(c.data.length * 1.5));
    if (c.f64) {
      const d = new Float64Array(cap);
      d.set(c.data as Float64Array);
      c.data = d;
    } else (c.data as unknown[]).length = cap;
    if (cap > this.capacity) this.capacity = cap;
  }

  /**
   * The parser saw the values of `c` stop repeating: a string dictionary goes on as UTF-8 bytes
   * (see `putBytes`), any other dictionary as a plain array.
   */
  plain(c: Col): void {
    if (c.dict) {
      if (c.dict.kind === 'object') this.undict(c);
      else this.toUtf8(c);
    }
  }

  /** Is `c` storing UTF-8 bytes (so a parser may hand it bytes with `putBytes`)? */
  isUtf8(c: Col): boolean {
    return c.utf8 !== null;
  }

  /** String dictionary -> UTF-8 bytes (the values stopped repeating). */
  private toUtf8(c: Col): void {
    const dict = c.dict as Dict;
    const { codes, values } = dict;
    const cap = codes.length;
    const u: Utf8 = { bytes: Buffer.allocUnsafe(Math.max(1 << 16, cap * 16)), used: 0, offsets: new Int32Array(cap + 1), missing: new Uint8Array(cap), ascii: true };
    c.dict = null;
    c.utf8 = u;
    c.data = EMPTY;
    for (let i = 0; i < c.len; i++) {
      const k = codes[i] as number;
      if (k < 0) u.missing[i] = 1;
      else this.writeStr(u, values[k] as string);
      u.offsets[i + 1] = u.used;
    }
  }

  /** UTF-8 bytes -> plain array (a non-string arrived). */
  private utf8ToPlain(c: Col): void {
    const u = c.utf8 as Utf8;
    const col = new Utf8Column(u.bytes, u.offsets.subarray(0, c.len + 1), u.missing.subarray(0, c.len), u.ascii);
    const d = new Array<unknown>(u.missing.length);
    for (let i = 0; i < c.len; i++) d[i] = col.at(i);
    c.utf8 = null;
    c.data = d;
  }

  private writeStr(u: Utf8, v: string): void {
    // at most 3 bytes per UTF-16 unit
    if (u.used + v.length * 3 > u.bytes.length) this.growBytes(u, v.length * 3);
    const n = raw(u.bytes).utf8Write(v, u.used);
    if (n !== v.length) u.ascii = false;
    u.used += n;
  }

  private growBytes(u: Utf8, extra: number): void {
    const b = Buffer.allocUnsafe(Math.max(u.used + extra, u.bytes.length * 2));
    u.bytes.copy(b, 0, 0, u.used);
    u.bytes = b;
  }

  /** Position UTF-8 column `c` to write the current row: a rewrite drops the old value, skipped rows become missing. */
  private utf8Row(c: Col, u: Utf8): void {
    const row = this.row;
    if (row >= u.missing.length) this.grow(c, row + 1);
    if (c.len > row) {
      u.used = u.offsets[row] as number;
      c.len = row;
    }
    while (c.len < row) {
      u.missing[c.len] = 1;
      u.offsets[++c.len] = u.used;
    }
  }

  /** Close the current row of UTF-8 column `c` after its bytes (none when missing) were written. */
  private utf8End(c: Col, u: Utf8, missing: 0 | 1): void {
    u.missing[this.row] = missing;
    u.offsets[this.row + 1] = u.used;
    c.len = this.row + 1;
  }

  /**
   * Set the current row of `c` to the ASCII bytes buf[s, e) (the caller checked they are ASCII):
   * copied as they are into a UTF-8 column, decoded into a string for any other.
   */
  putBytes(c: Col, buf: Buffer, s: number, e: number): void {
    const u = c.utf8;
    if (u === null) return this.putIn(c, raw(buf).latin1Slice(s, e));
    this.utf8Row(c, u);
    const n = e - s;
    if (u.used + n > u.bytes.length) this.growBytes(u, n);
    const bytes = u.bytes;
    let at = u.used;
    if (n <= 32) for (let i = s; i < e; i++) bytes[at++] = buf[i] as number;
    else at += buf.copy(bytes, at, s, e);
    u.used = at;
    this.utf8End(c, u, 0);
  }

  /** Dictionary -> plain array (the column stopped repeating, or holds a non-string). */
  private undict(c: Col): void {
    const dict = c.dict as Dict;
    const { codes, values } = dict;
    const d = new Array<unknown>(codes.length);
    for (let i = 0; i < c.len; i++) {
      const k = codes[i] as number;
      d[i] = k < 0 ? null : values[k];
    }
    c.data = d;
    c.dict = null;
  }

  private toPlain(c: Col): void {
    const src = c.data as Float64Array;
    const d = new Array<unknown>(src.length);
    for (let i = 0; i < c.len; i++) {
      const v = src[i] as number;
      d[i] = v !== v ? null : v;
    }
    c.data = d;
    c.f64 = false;
  }

  /** Set `name` for the current row (last write wins within a row). */
  put(name: string, v: unknown): void {
    let c = this.cols.get(name);
    if (c === undefined) c = this.create(name, startOf(v));
    this.putIn(c, v);
  }

  /** The column object for `name`, creating it (typed by `v`); lets hot loops skip the name lookup. */
  slot(name: string, v: unknown): Col {
    return this.cols.get(name) ?? this.create(name, startOf(v));
  }

  /**
   * The dictionary code of `v` in column `c` (adding it): a string by value, or an object a
   * parser shares between rows by identity. -1 when the column is not dictionary-encoded or
   * holds the other kind. Lets a parser that interns values itself store codes with `putCode`.
   */
  codeOf(c: Col, v: string | object): number {
    const dict = c.dict;
    if (dict === null) return -1;
    const kind = typeof v === 'string' ? 'string' : 'object';
    if (dict.kind !== kind) {
      if (dict.kind !== null) return -1;
      dict.kind = kind;
    }
    return this.lookup(dict, v);
  }

  /** The code of `v` in `dict`, added if new; -1 when the dictionary has no room for it. */
  private lookup(dict: Dict, v: unknown): number {
    let k = dict.index.get(v);
    if (k === undefined) {
      if (!this.roomFor(dict)) return -1;
      k = dict.values.push(v) - 1;
      dict.index.set(v, k);
    }
    return k;
  }

  /** Write code `k` (-1 = missing) at the current row of dictionary column `c`. */
  private writeCode(c: Col, dict: Dict, k: number): void {
    const row = this.row;
    if (row >= dict.codes.length) this.grow(c, row + 1);
    if (c.len < row) dict.codes.fill(-1, c.len, row);
    dict.codes[row] = k;
    if (c.len <= row) c.len = row + 1;
  }

  /** Set the current row of dictionary column `c` to code `k` of value `v` (from `codeOf` on this column). */
  putCode(c: Col, k: number, v: string | object): void {
    const dict = c.dict;
    if (dict === null || k < 0) return this.putIn(c, v);
    this.writeCode(c, dict, k);
  }

  /** May this dictionary take another value? (near-unique columns stop being dictionaries) */
  private roomFor(dict: Dict): boolean {
    const n = dict.values.length;
    return n < DICT_MIN || n * DICT_RATIO < this.row;
  }

  /** Set the current row of a column obtained from `slot`. */
  putIn(c: Col, v: unknown): void {
    const row = this.row;
    const dict = c.dict;
    if (dict !== null) {
      let k = -1;
      const kind = typeof v === 'string' ? 'string' : v !== null && typeof v === 'object' ? 'object' : null;
      if (kind !== null && (dict.kind === kind || dict.kind === null)) {
        dict.kind = kind;
        k = this.lookup(dict, v);
      }
      if (k < 0 && v !== null && v !== undefined) {
        // no room: strings stopped repeating (UTF-8 bytes from now on); another type: a plain array
        if (kind === 'string' && dict.kind === 'string') this.toUtf8(c);
        else this.undict(c);
        return this.putIn(c, v);
      }
      return this.writeCode(c, dict, k);
    }
    const u = c.utf8;
    if (u !== null) {
      if (typeof v === 'string') {
        this.utf8Row(c, u);
        this.writeStr(u, v);
        return this.utf8End(c, u, 0);
      }
      if (v === null || v === undefined) {
        this.utf8Row(c, u);
        return this.utf8End(c, u, 1);
      }
      this.utf8ToPlain(c);
    }
    if (row >= c.data.length) this.grow(c, row + 1);
    const d = c.data;
    if (c.f64) {
      if (c.len < row) {
        (d as Float64Array).fill(NaN, c.len, row);
        c.nulls += row - c.len;
      }
      if (typeof v === 'number') {
        if (v !== v) c.nulls++;
        (d as Float64Array)[row] = v;
      } else if (v === null || v === undefined) {
        (d as Float64Array)[row] = NaN;
        c.nulls++;
      } else {
        c.len = Math.max(c.len, row);
        this.toPlain(c);
        (c.data as unknown[])[row] = v;
      }
    } else {
      if (c.len < row) for (let i = c.len; i < row; i++) (d as unknown[])[i] = null;
      (d as unknown[])[row] = v === undefined ? null : v;
    }
    if (c.len <= row) c.len = row + 1;
  }

  /** Set a string ('' is stored as null); repeated strings share one copy in the column's dictionary. */
  putStr(name: string, v: string): void {
    this.put(name, v === '' ? null : v);
  }

  /**
   * Appends rows [from, from + rows) of columns parsed elsewhere (another thread's builder,
   * finished and encoded), as if they had been put here one by one: dictionaries are merged
   * (codes renumbered), numbers and UTF-8 bytes copied in bulk into this builder's columns.
   * Rows start at the current row. Several calls may append slices of the same columns.
   */
  append(cols: Record<string, EncodedColumn>, from: number, rows: number): void {
    const base = this.row;
    for (const [name, e] of Object.entries(cols)) {
      let c = this.cols.get(name);
      if (c === undefined) c = this.create(name, e.kind === 'f64' ? 'f64' : e.kind === 'bool' || e.kind === 'plain' ? 'plain' : 'dict');
      if (!this.appendBulk(c, e, from, rows)) {
        for (let i = 0; i < rows; i++) {
          this.row = base + i;
          this.putIn(c, valueAt(e, from + i));
        }
        this.row = base;
      }
    }
    this.row = base + rows;
  }

  /** Per encoded dictionary, its values' codes here (a dictionary column appended in slices maps its values once). */
  private readonly remaps = new WeakMap<EncodedColumn, { dict: Dict; remap: Int32Array }>();

  /** Codes in `dict` of an encoded dictionary's values; null when they do not fit (no room, or another kind). */
  /** An object dictionary's codes by their values' JSON text (built once per dictionary, kept up to date by remapOf). */
  private contentIndex(dict: Dict): Map<string, number> {
    let m = this.contents.get(dict);
    if (!m) {
      m = new Map();
      for (let k = 0; k < dict.values.length; k++) {
        const text = JSON.stringify(dict.values[k]);
        if (!m.has(text)) m.set(text, k);
      }
      this.contents.set(dict, m);
    }
    return m;
  }
  private readonly contents = new WeakMap<Dict, Map<string, number>>();

  private remapOf(c: Col, e: Extract<EncodedColumn, { kind: 'dict' }>): Int32Array | null {
    const dict = c.dict as Dict;
    const hit = this.remaps.get(e);
    if (hit && hit.dict === dict) return hit.remap;
    const kind = e.values.every((v) => typeof v === 'string') ? 'string' : e.values.every((v) => v !== null && typeof v === 'object') ? 'object' : null;
    if (kind === null || (dict.kind !== null && dict.kind !== kind)) return null;
    dict.kind = kind;
    const remap = new Int32Array(e.values.length);
    // objects crossed threads as copies: an equal map already here is matched by its content
    const byContent = kind === 'object' ? this.contentIndex(dict) : null;
    for (let k = 0; k < e.values.length; k++) {
      const v = e.values[k];
      const text = byContent ? JSON.stringify(v) : '';
      let code = byContent ? (byContent.get(text) ?? -1) : -1;
      if (code < 0) {
        code = this.lookup(dict, kind === 'object' ? deepFreeze(v) : v);
        if (code < 0) return null;
        byContent?.set(text, code);
      }
      remap[k] = code;
    }
    this.remaps.set(e, { dict, remap });
    return remap;
  }

  /** Bulk append when the kinds agree; false: the caller appends value by value. */
  private appendBulk(c: Col, e: EncodedColumn, from: number, rows: number): boolean {
    const base = this.row;
    const end = base + rows;
    if (e.kind === 'f64' && c.f64) {
      if (end > c.data.length) this.grow(c, end);
      const d = c.data as Float64Array;
      if (c.len < base) {
        d.fill(NaN, c.len, base);
        c.nulls += base - c.len;
      }
      const src = e.data.subarray(from, from + rows);
      d.set(src, base);
      for (let i = 0; i < rows; i++) if (src[i] !== src[i]) c.nulls++;
      c.len = end;
      return true;
    }
    if (e.kind === 'dict' && c.dict) {
      const remap = this.remapOf(c, e);
      if (remap === null) {
        // no room for the other part's strings: UTF-8 from now on; objects or a mix: value by value
        if (c.dict.kind !== 'string' || !e.values.every((v) => typeof v === 'string')) return false;
        this.toUtf8(c);
        return this.appendBulk(c, e, from, rows);
      }
      const dict = c.dict;
      if (end > dict.codes.length) this.grow(c, end);
      const codes = dict.codes;
      if (c.len < base) codes.fill(-1, c.len, base);
      const src = e.codes;
      for (let i = 0; i < rows; i++) {
        const k = src[from + i] as number;
        codes[base + i] = k < 0 ? -1 : (remap[k] as number);
      }
      c.len = end;
      return true;
    }
    if (e.kind === 'bool' && !c.f64 && !c.dict && !c.utf8) {
      // flags (verified bots) into a plain column: no value-by-value path
      if (end > c.data.length) this.grow(c, end);
      const d = c.data as unknown[];
      for (let i = c.len; i < base; i++) d[i] = null;
      const src = e.data;
      for (let i = 0; i < rows; i++) {
        d[base + i] = flagOf(src[from + i] as number);
      }
      c.len = end;
      return true;
    }
    if (e.kind === 'utf8' && (c.utf8 || (c.dict && c.dict.kind !== 'object'))) {
      if (c.dict) this.toUtf8(c);
      const u = c.utf8 as Utf8;
      if (end >= u.missing.length) this.grow(c, end + 1);
      this.utf8Row(c, u);
      const start = e.offsets[from] as number;
      const n = (e.offsets[from + rows] as number) - start;
      if (u.used + n > u.bytes.length) this.growBytes(u, n);
      u.bytes.set(e.bytes.subarray(start, start + n), u.used);
      const shift = u.used - start;
      for (let i = 1; i <= rows; i++) u.offsets[base + i] = (e.offsets[from + i] as number) + shift;
      u.missing.set(e.missing.subarray(from, from + rows), base);
      u.used += n;
      if (!e.ascii) u.ascii = false;
      c.len = end;
      return true;
    }
    return false;
  }

  /** Finish the current row. */
  next(): void {
    this.row++;
  }

  /** Drop whatever was put for the current row (the row turned out bad). */
  discard(): void {
    for (const c of this.cols.values()) {
      if (c.len > this.row) {
        if (c.utf8) c.utf8.used = c.utf8.offsets[this.row] as number;
        if (c.f64) {
          const v = (c.data as Float64Array)[this.row] as number;
          if (v !== v) c.nulls--;
        }
        c.len = this.row;
      }
    }
  }

  has(name: string): boolean {
    return this.cols.has(name);
  }

  /** Was `name` already set for the current row? */
  isSet(name: string): boolean {
    const c = this.cols.get(name);
    return c !== undefined && c.len > this.row;
  }

  /**
   * Columns of exactly `row` rows; canonical names first in FIELD order, then the rest as first
   * seen. Numeric columns without missing values stay Float64Arrays; with missing values they
   * become arrays holding null (the contract: missing is null, never NaN).
   */
  finish(ensure: readonly string[] = []): Record<string, BuiltColumn> {
    for (const n of ensure) if (!this.cols.has(n)) this.create(n, 'plain');
    const out: Record<string, BuiltColumn> = Object.create(null); // column names come from the data (`__proto__` is a name)
    const names = [
      ...CANONICAL_ORDER.filter((n) => this.cols.has(n)),
      ...[...this.cols.keys()].filter((n) => !CANONICAL_ORDER.includes(n)),
    ];
    const rows = this.row;
    for (const n of names) {
      const c = this.cols.get(n) as Col;
      if (n === '__proto__') {
        // a source field named __proto__ (attacker data): Arquero keeps columns in plain objects,
        // where that name cannot be a key, so it is loaded under a visible other name
        this.warn(`a field named __proto__ is loaded as column ${PROTO_COLUMN}`);
        this.cols.delete(n);
        this.cols.set(PROTO_COLUMN, c);
        names.push(PROTO_COLUMN);
        continue;
      }
      const dict = c.dict;
      if (dict) {
        if (c.len < rows) dict.codes.fill(-1, c.len, rows);
        c.len = rows;
        // a view, not a copy: the spare capacity (about 5%) is cheaper than copying every column
        out[n] = new DictionaryColumn(dict.codes.length === rows ? dict.codes : dict.codes.subarray(0, rows), dict.values);
        continue;
      }
      const u = c.utf8;
      if (u) {
        if (c.len < rows) {
          if (rows >= u.missing.length) this.grow(c, rows);
          u.missing.fill(1, c.len, rows);
          u.offsets.fill(u.used, c.len + 1, rows + 1);
          c.len = rows;
        }
        out[n] = new Utf8Column(u.bytes.subarray(0, u.used), u.offsets.subarray(0, rows + 1), u.missing.subarray(0, rows), u.ascii);
        continue;
      }
      if (c.f64) {
        if (c.len < rows) {
          (c.data as Float64Array).fill(NaN, c.len, rows);
          c.nulls += rows - c.len;
        }
        c.len = rows;
        if (c.nulls > 0) this.toPlain(c);
      }
      if (c.f64) {
        const d = c.data as Float64Array;
        out[n] = d.length === rows ? d : d.subarray(0, rows);
      } else {
        const d = c.data as unknown[];
        for (let i = c.len; i < rows; i++) d[i] = null;
        d.length = rows;
        out[n] = d;
      }
    }
    return out;
  }
}
