import { FIELD } from './fields.js';

/** Stop interning a column's strings once it has this many distinct values (e.g. ray ids). */
const INTERN_LIMIT = 4096;

const CANONICAL_ORDER: readonly string[] = ['timestamp', ...Object.values(FIELD).filter((f) => f !== 'timestamp')];

/**
 * One column under construction. Numbers go to a Float64Array while every value is a number
 * (missing = NaN, counted in `nulls`); the first non-number turns it into a plain array.
 */
export interface Col {
  data: unknown[] | Float64Array;
  /** Rows written so far (the rest of `data` is spare capacity). */
  len: number;
  f64: boolean;
  nulls: number;
}

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
  private readonly interns = new Map<string, Map<string, string> | null>();
  /** Receives notes about rows that loaded with a missing or unparsable value. */
  onWarn: ((reason: string) => void) | null = null;

  /** Expect about `rows` rows: columns created from now on start with that capacity. */
  reserve(rows: number): void {
    if (rows > this.capacity) this.capacity = Math.min(Math.ceil(rows), 1 << 28);
  }

  warn(reason: string): void {
    this.onWarn?.(reason);
  }

  private create(name: string, f64: boolean): Col {
    const cap = Math.max(this.capacity, this.row + 1);
    let c: Col;
    if (f64) {
      const data = new Float64Array(cap);
      data.fill(NaN, 0, this.row);
      c = { data, len: this.row, f64: true, nulls: this.row };
    } else {
      const data = new Array<unknown>(cap);
      for (let i = 0; i < this.row; i++) data[i] = null;
      c = { data, len: this.row, f64: false, nulls: this.row };
    }
    this.cols.set(name, c);
    return c;
  }

  private grow(c: Col, need: number): void {
    const cap = Math.max(need, Math.ceil(c.data.length * 1.5));
    if (c.f64) {
      const d = new Float64Array(cap);
      d.set(c.data as Float64Array);
      c.data = d;
    } else (c.data as unknown[]).length = cap;
    if (cap > this.capacity) this.capacity = cap;
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
    if (c === undefined) c = this.create(name, typeof v === 'number');
    this.putIn(c, v);
  }

  /** The column object for `name`, creating it (typed by `v`); lets hot loops skip the name lookup. */
  slot(name: string, v: unknown): Col {
    return this.cols.get(name) ?? this.create(name, typeof v === 'number');
  }

  /** Set the current row of a column obtained from `slot`. */
  putIn(c: Col, v: unknown): void {
    const row = this.row;
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

  /** Set a string, interned per column; '' is stored as null. */
  putStr(name: string, v: string): void {
    if (v === '') return this.put(name, null);
    let m = this.interns.get(name);
    if (m === undefined) {
      m = new Map();
      this.interns.set(name, m);
    }
    if (m !== null) {
      const hit = m.get(v);
      if (hit !== undefined) v = hit;
      else if (m.size < INTERN_LIMIT) m.set(v, v);
      else this.interns.set(name, null);
    }
    this.put(name, v);
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
  finish(ensure: readonly string[] = []): Record<string, unknown[] | Float64Array> {
    for (const n of ensure) if (!this.cols.has(n)) this.create(n, false);
    const out: Record<string, unknown[] | Float64Array> = {};
    const names = [
      ...CANONICAL_ORDER.filter((n) => this.cols.has(n)),
      ...[...this.cols.keys()].filter((n) => !CANONICAL_ORDER.includes(n)),
    ];
    const rows = this.row;
    for (const n of names) {
      const c = this.cols.get(n) as Col;
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
