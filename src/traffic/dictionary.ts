/**
 * A dictionary-encoded table column: one integer code per row into a list of distinct values
 * (-1 = missing). Arquero accepts it as a column (`length`, `at`, iteration, `toArray`), and the
 * classifier reads `codes` directly: a user agent repeated a million times is one string, tested
 * once, and grouping by source address needs no hashing. Loaders build string columns this way
 * while they repeat (see ColumnBuilder); `values` never holds the same value twice.
 */
export class DictionaryColumn<T = unknown, C extends Int32Array | Uint8Array = Int32Array> {
  /** Int32Array (-1 = missing), or Uint8Array for a small dictionary with no missing values. */
  readonly codes: C;
  readonly values: readonly T[];
  private materialized: (T | null)[] | null = null;

  constructor(codes: C, values: readonly T[]) {
    this.codes = codes;
    this.values = values;
  }

  get length(): number {
    return this.codes.length;
  }

  at(row: number): T | null {
    const c = this.codes[row];
    return c === undefined || c < 0 ? null : (this.values[c] as T);
  }

  *[Symbol.iterator](): IterableIterator<T | null> {
    const { codes, values } = this;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i] as number;
      yield c < 0 ? null : (values[c] as T);
    }
  }

  /** The values as a plain array (built once, then shared: treat it as read-only). */
  toArray(): (T | null)[] {
    return (this.materialized ??= this.copy());
  }

  /** A fresh plain array of the values (not kept: for one-off passes such as writing a file). */
  copy(): (T | null)[] {
    if (this.materialized) return this.materialized.slice();
    const { codes, values } = this;
    const n = codes.length;
    const out = new Array<T | null>(n);
    for (let i = 0; i < n; i++) {
      const c = codes[i] as number;
      out[i] = c < 0 ? null : (values[c] as T);
    }
    return out;
  }
}

export function isDictionaryColumn(c: unknown): c is DictionaryColumn<unknown, Int32Array | Uint8Array> {
  return c instanceof DictionaryColumn;
}

/** A column of a table (plain array, typed array or dictionary) as a plain indexable array. */
export function plainColumn(c: unknown): ArrayLike<unknown> {
  if (c instanceof DictionaryColumn) return c.toArray();
  if (Array.isArray(c) || ArrayBuffer.isView(c)) return c as ArrayLike<unknown>;
  const col = c as { toArray?: () => ArrayLike<unknown>; at?: (i: number) => unknown; length?: number } | null;
  if (col && typeof col.toArray === 'function') return col.toArray();
  if (col && typeof col.at === 'function') return Array.from({ length: col.length ?? 0 }, (_, i) => (col.at as (i: number) => unknown)(i));
  return [];
}
