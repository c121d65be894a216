/**
 * Per-column intern table for the Logpush byte scanner: byte string -> shared value, so a
 * repeated user agent costs a lookup instead of a string allocation.
 *
 * Open addressing over typed arrays: the table holds entry numbers, each entry's hash, start and
 * length live in Int32Arrays and its bytes in one pool, so a lookup touches three flat arrays
 * (no Map, no per-entry objects on the hot path). Candidates are verified byte by byte, so a
 * weak hash costs time, never a wrong value.
 *
 * Callers pass the scanner's sampled hash (`sampled`) until `deep` is set: values differing only
 * between sampled bytes (user agents that differ in one version digit) share a hash, and once
 * more than MAX_SAME_HASH entries do, the table rehashes itself on whole strings and callers
 * pass `fnv` instead.
 */

/** A value in the table: `code` (its dictionary code in the column, -1 if none) and `text` are caller state. */
export interface Interned<T> {
  value: T;
  code: number;
  /** Text derived from a nested value once (a cookie map's Cookie header), and its code in its column. */
  text?: string | null;
  textCode?: number;
}

/**
 * Always intern up to INTERN_MIN distinct values; beyond that while the column keeps repeating
 * itself, up to INTERN_MAX. It stops repeating when more than half (by default; see
 * `freshShare`) of all lookups so far, or of the last WINDOW lookups, brought a new value:
 * near-unique columns (ray ids, cache-busting queries) give up at once, while a column whose new values come early and then repeat (cookie
 * maps as sessions start, which bring 40% new values in the first 8,192 rows and 2% by the
 * 50,000th) keeps its table.
 */
export const INTERN_MIN = 4096;
const INTERN_MAX = 1 << 16;
const WINDOW = 8192;
/** Entries sharing one hash before the table switches to whole-string hashes. */
const MAX_SAME_HASH = 8;

/**
 * Hashes keep 30 bits: V8 keeps such integers unboxed (small integers) when they are stored in
 * fields or passed to calls that are not inlined, where a 32-bit hash was boxed each time: about
 * 300 bytes of garbage per Logpush row.
 */
const SMI_BITS = 0x3fffffff;

/** FNV-1a over buf[s, e): the full hash (`deep` interners, nested values). */
export function fnv(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h & SMI_BITS;
}

/** The scanner's cheap hash of buf[s, e): length and up to 12 bytes (all of a short string). */
export function sampled(buf: Uint8Array, s: number, q: number): number {
  const n = q - s;
  let h = n;
  if (n <= 12) {
    for (let i = s; i < q; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  } else {
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ (buf[s + i] as number), 0x01000193);
      h = Math.imul(h ^ (buf[q - 1 - i] as number), 0x01000193);
      h = Math.imul(h ^ (buf[s + ((n * (i + 1)) >> 3)] as number), 0x01000193);
    }
  }
  return h & SMI_BITS;
}

/**
 * Do a[as, as + n) and b[bs, bs + n) hold the same bytes? Four at a time through DataViews (about
 * twice as fast as a byte loop on a 110-byte user agent), the tail byte by byte.
 */
export function sameBytes(a: DataView, as: number, b: DataView, bs: number, n: number): boolean {
  let x = 0;
  for (const n4 = n - 3; x < n4; x += 4) if (a.getInt32(as + x) !== b.getInt32(bs + x)) return false;
  for (; x < n; x++) if (a.getUint8(as + x) !== b.getUint8(bs + x)) return false;
  return true;
}

/** Slot of hash h in a table of mask + 1 slots (high bits folded in: sampled hashes vary most there). */
const home = (h: number, mask: number): number => (h ^ (h >>> 15)) & mask;

export class Interner<T> {
  /**
   * @param freshShare the share of new values (over all lookups, or over the last WINDOW) at
   * which the column counts as no longer repeating: 1/2 by default; lower for values whose
   * interning costs more than their repeats save (the scanner's full URIs).
   */
  constructor(private readonly freshShare = 0.5) {}
  size = 0;
  full = false;
  deep = false;
  /** lookups so far (repetition estimate) */
  lookups = 0;
  private table = new Int32Array(64);
  private mask = 63;
  private hashes = new Int32Array(32);
  private starts = new Int32Array(32);
  private lens = new Int32Array(32);
  private pool = new Uint8Array(4096);
  private poolView = new DataView(this.pool.buffer);
  private poolLen = 0;
  /** The buffer last looked up in, and a view of it (the scanner reads one chunk for many lines). */
  private lastBuf: Uint8Array | null = null;
  private lastView = new DataView(new ArrayBuffer(0));
  private readonly entries: Interned<T>[] = [];

  get(buf: Uint8Array, s: number, e: number, h: number): T | undefined {
    return this.entry(buf, s, e, h)?.value;
  }

  entry(buf: Uint8Array, s: number, e: number, h: number): Interned<T> | undefined {
    this.lookups++;
    const n = e - s;
    const table = this.table;
    const mask = this.mask;
    const hashes = this.hashes;
    const lens = this.lens;
    h |= 0;
    for (let i = home(h, mask); ; i = (i + 1) & mask) {
      const k = table[i] as number;
      if (k === 0) return undefined;
      const j = k - 1;
      if (hashes[j] === h && lens[j] === n) {
        if (buf !== this.lastBuf) {
          this.lastBuf = buf;
          this.lastView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        }
        if (sameBytes(this.poolView, this.starts[j] as number, this.lastView, s, n)) return this.entries[j];
      }
    }
  }

  /** Adds buf[s, e) (not present) with `value`; the new entry, or undefined once the table gave up. */
  set(buf: Uint8Array, s: number, e: number, h: number, value: T, code = -1): Interned<T> | undefined {
    if (this.full) return undefined;
    if (this.size >= INTERN_MIN && this.stopsRepeating()) {
      this.full = true;
      // one empty slot: lookups miss at once
      this.table = new Int32Array(1);
      this.mask = 0;
      this.pool = new Uint8Array(0);
      this.poolView = new DataView(this.pool.buffer);
      this.lastBuf = null;
      this.entries.length = 0;
      return undefined;
    }
    h |= 0;
    const j = this.size;
    const n = e - s;
    if (j === this.hashes.length) this.growEntries();
    if (this.poolLen + n > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolLen + n));
      p.set(this.pool.subarray(0, this.poolLen));
      this.pool = p;
      this.poolView = new DataView(p.buffer);
    }
    this.pool.set(buf.subarray(s, e), this.poolLen);
    this.starts[j] = this.poolLen;
    this.lens[j] = n;
    this.hashes[j] = h;
    this.poolLen += n;
    const entry: Interned<T> = { value, code };
    this.entries.push(entry);
    this.size++;
    const same = this.place(j, h);
    if ((this.size << 1) > this.mask) this.rebuild(this.mask * 2 + 1);
    else if (same > MAX_SAME_HASH && !this.deep) {
      this.deep = true;
      for (let x = 0; x < this.size; x++) {
        const st = this.starts[x] as number;
        this.hashes[x] = fnv(this.pool, st, st + (this.lens[x] as number)) | 0;
      }
      this.rebuild(this.mask);
    }
    return entry;
  }

  private windowLookups = 0;
  private windowSize = 0;

  /** Has the column stopped repeating (see INTERN_MIN)? Called once the table holds INTERN_MIN values. */
  private stopsRepeating(): boolean {
    if (this.size >= INTERN_MAX || this.size > this.lookups * this.freshShare) return true;
    if (this.lookups - this.windowLookups < WINDOW) return false;
    const fresh = this.size - this.windowSize;
    const seen = this.lookups - this.windowLookups;
    this.windowLookups = this.lookups;
    this.windowSize = this.size;
    return fresh > seen * this.freshShare;
  }

  /** Puts entry j in the table; returns how many entries already there share its hash. */
  private place(j: number, h: number): number {
    const table = this.table;
    const mask = this.mask;
    let same = 0;
    let i = home(h, mask);
    for (;;) {
      const k = table[i] as number;
      if (k === 0) break;
      if (this.hashes[k - 1] === h) same++;
      i = (i + 1) & mask;
    }
    table[i] = j + 1;
    return same;
  }

  private rebuild(mask: number): void {
    this.mask = mask;
    this.table = new Int32Array(mask + 1);
    for (let j = 0; j < this.size; j++) this.place(j, this.hashes[j] as number);
  }

  private growEntries(): void {
    const cap = this.hashes.length * 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lens = grow(this.lens);
  }
}
