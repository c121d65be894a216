/**
 * Bitsets over rows (32 rows a word) for the candidate search: a term is evaluated once into a
 * bitset; every conjunction and every count afterwards is word arithmetic, never a row scan.
 */
export type Bits = Uint32Array;

export const words = (n: number): number => (n + 31) >>> 5;

export function emptyBits(n: number): Bits {
  return new Uint32Array(words(n));
}

export function bitsOf(mask: ArrayLike<number>, n = mask.length): Bits {
  const b = emptyBits(n);
  for (let i = 0; i < n; i++) if (mask[i]) (b[i >>> 5] as number) |= 1 << (i & 31);
  return b;
}

/** Bits of `a` (length n) followed by bits of `b` (length m): incident rows then baseline rows. */
export function concatBits(a: ArrayLike<number>, b: ArrayLike<number>): Bits {
  const n = a.length;
  const out = emptyBits(n + b.length);
  for (let i = 0; i < n; i++) if (a[i]) (out[i >>> 5] as number) |= 1 << (i & 31);
  for (let j = 0; j < b.length; j++) if (b[j]) (out[(n + j) >>> 5] as number) |= 1 << ((n + j) & 31);
  return out;
}

/**
 * Bits of `total` rows where rows [0, n) are set when their id (in `ids`, -1 missing) is wanted:
 * a value-list term built straight from a per-distinct-value table, with no byte mask between.
 */
export function idBits(ids: ArrayLike<number>, want: ArrayLike<number>, n: number, total = n): Bits {
  const out = emptyBits(total);
  // wanted ids shifted by one, so a missing id (-1) reads slot 0 (never wanted): no branch per row
  const shifted = new Uint8Array(want.length + 1);
  for (let k = 0; k < want.length; k++) shifted[k + 1] = want[k] !== 0 ? 1 : 0;
  for (let w = 0, i = 0; i < n; w++) {
    let word = 0;
    for (let b = 0; b < 32 && i < n; b++, i++) word |= (shifted[(ids[i] as number) + 1] as number) << b;
    out[w] = word;
  }
  return out;
}

/** Copies bits [from, to) of `src` into `out` (same layout); the other bits of `out` stay as they were. */
export function copyBits(out: Bits, src: Bits, from: number, to: number): void {
  const one = (i: number): void => {
    const m = 1 << (i & 31);
    const w = i >>> 5;
    out[w] = ((out[w] as number) & ~m) | ((src[w] as number) & m);
  };
  let i = from;
  for (; i < to && i & 31; i++) one(i);
  for (; i + 32 <= to; i += 32) out[i >>> 5] = src[i >>> 5] as number;
  for (; i < to; i++) one(i);
}

export function setBit(b: Bits, i: number): void {
  (b[i >>> 5] as number) |= 1 << (i & 31);
}
export function hasBit(b: Bits, i: number): boolean {
  return (((b[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
}

function pop(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

export function count(a: Bits): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += pop(a[i] as number);
  return c;
}
export function countAnd(a: Bits, b: Bits): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += pop((a[i] as number) & (b[i] as number));
  return c;
}
export function countAnd3(a: Bits, b: Bits, c3: Bits): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += pop((a[i] as number) & (b[i] as number) & (c3[i] as number));
  return c;
}
/**
 * countAnd3(a, b, c) and countAnd3(a, b, d) in one pass (the search scores an extension by its
 * cover and its possibly-good hits): `a & b` once per word, words where it is empty skipped.
 * Answers in `out` [with c, with d].
 */
export function countAnd3Both(a: Bits, b: Bits, c: Bits, d: Bits, out: Int32Array): void {
  let x = 0;
  let y = 0;
  for (let i = 0; i < a.length; i++) {
    const ab = (a[i] as number) & (b[i] as number);
    if (ab === 0) continue;
    x += pop(ab & (c[i] as number));
    y += pop(ab & (d[i] as number));
  }
  out[0] = x;
  out[1] = y;
}
export function and(a: Bits, b: Bits): Bits {
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = (a[i] as number) & (b[i] as number);
  return o;
}
export function andNot(a: Bits, b: Bits): Bits {
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = (a[i] as number) & ~(b[i] as number);
  return o;
}
export function or(a: Bits, b: Bits): Bits {
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = (a[i] as number) | (b[i] as number);
  return o;
}
/** The first n bits as a 0/1 byte mask. */
export function toMask(b: Bits, n: number, offset = 0): Uint8Array {
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = ((b[(i + offset) >>> 5] as number) >>> ((i + offset) & 31)) & 1;
  return m;
}
/** The indices of the set bits, ascending. */
export function positions(b: Bits): Int32Array {
  const out = new Int32Array(count(b));
  let o = 0;
  for (let w = 0; w < b.length; w++) {
    let x = b[w] as number;
    while (x !== 0) {
      out[o++] = (w << 5) + (31 - Math.clz32(x & -x));
      x &= x - 1;
    }
  }
  return out;
}
/** The set bits of `b` in [from, to), ascending, as offsets from `from`. */
export function positionsIn(b: Bits, from: number, to: number): Int32Array {
  if (to <= from) return new Int32Array(0);
  const first = from >>> 5;
  const last = (to - 1) >>> 5;
  // word w's bits inside the range
  const within = (w: number): number => {
    let x = b[w] as number;
    const lo = w << 5;
    if (lo < from) x &= -1 << (from - lo);
    if (to - lo < 32) x &= (1 << (to - lo)) - 1;
    return x;
  };
  let m = 0;
  for (let w = first; w <= last; w++) m += pop(within(w));
  const out = new Int32Array(m);
  let o = 0;
  for (let w = first; w <= last; w++) {
    let x = within(w);
    while (x !== 0) {
      out[o++] = (w << 5) + (31 - Math.clz32(x & -x)) - from;
      x &= x - 1;
    }
  }
  return out;
}
/**
 * The bits of `b` at `at` (ascending indices) packed one after the other: `b` restricted to a
 * subset of rows (a cluster's), where counts over the subset cost its size, not the table's.
 */
export function gather(b: Bits, at: Int32Array): Bits {
  const out = emptyBits(at.length);
  for (let w = 0, j = 0; j < at.length; w++) {
    let word = 0;
    for (let k = 0; k < 32 && j < at.length; k++, j++) {
      const i = at[j] as number;
      word |= (((b[i >>> 5] as number) >>> (i & 31)) & 1) << k;
    }
    out[w] = word;
  }
  return out;
}
