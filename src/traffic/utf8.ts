/**
 * A string column kept as UTF-8 bytes (Arrow's layout: one byte buffer, n + 1 offsets, and a
 * missing flag per row). Loaders store near-unique strings this way (ray ids, cache-busting
 * queries, full URIs): the parser copies bytes instead of making a string per row, the column
 * crosses threads without a copy, and a value is decoded only when something reads it.
 * Arquero accepts it as a column (`length`, `at`, iteration, `toArray`).
 */
export class Utf8Column {
  readonly bytes: Buffer;
  /** Row i is bytes[offsets[i], offsets[i + 1]). */
  readonly offsets: Int32Array;
  /** 1 where the row is missing (null); an empty string has equal offsets and 0 here. */
  readonly missing: Uint8Array;
  /** Every byte below 0x80 (decoded as latin1, which is faster). */
  readonly ascii: boolean;
  private materialized: (string | null)[] | null = null;

  constructor(bytes: Uint8Array, offsets: Int32Array, missing: Uint8Array, ascii: boolean) {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offsets = offsets;
    this.missing = missing;
    this.ascii = ascii;
  }

  get length(): number {
    return this.missing.length;
  }

  at(row: number): string | null {
    if (!(row >= 0 && row < this.missing.length) || this.missing[row] === 1) return null;
    const s = this.offsets[row] as number;
    const e = this.offsets[row + 1] as number;
    return this.ascii ? raw(this.bytes).latin1Slice(s, e) : raw(this.bytes).utf8Slice(s, e);
  }

  *[Symbol.iterator](): IterableIterator<string | null> {
    for (let i = 0; i < this.missing.length; i++) yield this.at(i);
  }

  /** The values as a plain array (built once, then shared: treat it as read-only). */
  toArray(): (string | null)[] {
    return (this.materialized ??= this.copy());
  }

  /** A fresh plain array of the values (not kept). */
  copy(): (string | null)[] {
    if (this.materialized) return this.materialized.slice();
    const n = this.missing.length;
    const out = new Array<string | null>(n);
    for (let i = 0; i < n; i++) out[i] = this.at(i);
    return out;
  }
}

/** Node's Buffer methods that skip argument checks (undocumented, long-standing; the scanner's hot paths use them). */
interface RawBuffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number): number;
}
export const raw = (b: Buffer): RawBuffer => b as unknown as RawBuffer;

export function isUtf8Column(c: unknown): c is Utf8Column {
  return c instanceof Utf8Column;
}

/** Is every byte of b[s, e) ASCII? */
export function isAscii(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if ((b[i] as number) >= 0x80) return false;
  return true;
}
