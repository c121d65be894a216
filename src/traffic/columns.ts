import { FIELD } from './fields.js';

/** Stop interning a column's strings once it has this many distinct values (e.g. ray ids). */
const INTERN_LIMIT = 4096;

const CANONICAL_ORDER: readonly string[] = ['timestamp', ...Object.values(FIELD).filter((f) => f !== 'timestamp')];

/**
 * Builds a table column by column, row by row. A column first seen at row r is back-filled with
 * r nulls, and every column is padded with nulls at the end, so missing values are `null`.
 * Repeated short strings (methods, countries, hosts) are interned per column: the parser's fresh
 * copy becomes garbage at once instead of living for the table's lifetime (memory at 1M rows).
 */
export class ColumnBuilder {
  /** Index of the row being built. */
  row = 0;
  private readonly cols = new Map<string, unknown[]>();
  private readonly interns = new Map<string, Map<string, string> | null>();

  column(name: string): unknown[] {
    let a = this.cols.get(name);
    if (!a) {
      a = [];
      for (let i = 0; i < this.row; i++) a.push(null);
      this.cols.set(name, a);
    }
    return a;
  }

  /** Set `name` for the current row (last write wins within a row). */
  put(name: string, v: unknown): void {
    const a = this.cols.get(name) ?? this.column(name);
    const row = this.row;
    const len = a.length;
    if (len === row) a.push(v);
    else if (len < row) {
      while (a.length < row) a.push(null);
      a.push(v);
    } else a[row] = v;
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

  /** Receives notes about rows that loaded with a missing or unparsable value. */
  onWarn: ((reason: string) => void) | null = null;

  warn(reason: string): void {
    this.onWarn?.(reason);
  }

  /** Finish the current row. */
  next(): void {
    this.row++;
  }

  /** Drop whatever was put for the current row (the row turned out bad). */
  discard(): void {
    for (const a of this.cols.values()) if (a.length > this.row) a.length = this.row;
  }

  has(name: string): boolean {
    return this.cols.has(name);
  }

  /** Columns padded to `row` rows; canonical names first in FIELD order, then the rest as first seen. */
  finish(ensure: readonly string[] = []): Record<string, unknown[]> {
    for (const n of ensure) this.column(n);
    const out: Record<string, unknown[]> = {};
    const names = [
      ...CANONICAL_ORDER.filter((n) => this.cols.has(n)),
      ...[...this.cols.keys()].filter((n) => !CANONICAL_ORDER.includes(n)),
    ];
    for (const n of names) {
      const a = this.cols.get(n) as unknown[];
      while (a.length < this.row) a.push(null);
      out[n] = a;
    }
    return out;
  }
}
