import { FIELD } from './fields.js';
import { DictionaryColumn } from './dictionary.js';

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
 * between rows), go to a dictionary (codes + distinct values) while they repeat; booleans, a
 * mix, or a type change make the column a plain array.
 */
export interface Col {
  data: unknown[] | Float64Array;
  /** Rows written so far (the rest of `data` is spare capacity). */
  len: number;
  f64: boolean;
  nulls: number;
  /** Dictionary mode (string columns while they repeat): `data` is unused. */
  dict: Dict | null;
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
 * Builds a table column by column, row by row. A column first seen at row r is back-filled with
 * r nulls, and every column is padded with nulls at the end, so missing values are `null`.
 *
 * Memory is the cost that matters at a million rows (fresh pages are expensive, and a growing
 * array copies itself): columns are allocated once at the expected row count (`reserve`), numbers
 * live unboxed in Float64Arrays, and repeated short strings (methods, countries, hosts) are
 * interned per column so the parser's fresh copy dies young instead of living in the table.
 */
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

  warn(reason: string): void {
    this.onWarn?.(reason);
  }

  private create(name: string, start: Start): Col {
    const cap = Math.max(this.capacity, this.row + 1);
    let c: Col;
    if (start === 'f64') {
      const data = new Float64Array(cap);
      data.fill(NaN, 0, this.row);
      c = { data, len: this.row, f64: true, nulls: this.row, dict: null };
    } else if (start === 'dict') {
      const codes = new Int32Array(cap);
      codes.fill(-1, 0, this.row);
      c = { data: EMPTY, len: this.row, f64: false, nulls: this.row, dict: { codes, values: [], index: new Map(), kind: null } };
    } else {
      const data = new Array<unknown>(cap);
      for (let i = 0; i < this.row; i++) data[i] = null;
      c = { data, len: this.row, f64: false, nulls: this.row, dict: null };
    }
    this.cols.set(name, c);
    return c;
  }

  private grow(c: Col, need: number): void {
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

  /** Make `c` a plain array column from now on (a parser saw its values stop repeating). */
  plain(c: Col): void {
    if (c.dict) this.undict(c);
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
        // no room (stopped repeating) or another type: a plain array from now on
        this.undict(c);
        return this.putIn(c, v);
      }
      return this.writeCode(c, dict, k);
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

  /** Finish the current row. */
  next(): void {
    this.row++;
  }

  /** Drop whatever was put for the current row (the row turned out bad). */
  discard(): void {
    for (const c of this.cols.values()) {
      if (c.len > this.row) {
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
  finish(ensure: readonly string[] = []): Record<string, unknown[] | Float64Array | DictionaryColumn> {
    for (const n of ensure) if (!this.cols.has(n)) this.create(n, 'plain');
    const out: Record<string, unknown[] | Float64Array | DictionaryColumn> = {};
    const names = [
      ...CANONICAL_ORDER.filter((n) => this.cols.has(n)),
      ...[...this.cols.keys()].filter((n) => !CANONICAL_ORDER.includes(n)),
    ];
    const rows = this.row;
    for (const n of names) {
      const c = this.cols.get(n) as Col;
      const dict = c.dict;
      if (dict) {
        if (c.len < rows) dict.codes.fill(-1, c.len, rows);
        c.len = rows;
        // a view, not a copy: the spare capacity (about 5%) is cheaper than copying every column
        out[n] = new DictionaryColumn(dict.codes.length === rows ? dict.codes : dict.codes.subarray(0, rows), dict.values);
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
