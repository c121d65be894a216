/**
 * A bzip2 decompressor (Node has none; RouteViews publishes its MRT archives as .bz2). Written
 * from the format as bzip2 1.0 writes it: stream header `BZh1`..`BZh9`, blocks of Huffman-coded
 * MTF/RLE2 symbols over a Burrows-Wheeler transform with RLE1 on top, concatenated streams.
 * Block CRCs are checked. Corrupt input throws an Error saying where.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

class Bits {
  private pos = 0;
  private buf = 0;
  private n = 0;
  constructor(private readonly d: Uint8Array) {}

  /** k bits, MSB first (k at most 24). */
  bits(k: number): number {
    while (this.n < k) {
      if (this.pos >= this.d.length) throw new Error(`bzip2 data ends early (byte ${this.pos})`);
      this.buf = ((this.buf << 8) | (this.d[this.pos++] as number)) >>> 0;
      this.n += 8;
    }
    this.n -= k;
    return (this.buf >>> this.n) & ((1 << k) - 1);
  }

  bit(): number {
    return this.bits(1);
  }

  /** Byte offset (for error messages). */
  at(): number {
    return this.pos;
  }

  /** Skips to the next byte boundary (streams start byte-aligned). */
  align(): void {
    this.n -= this.n % 8;
  }

  atEnd(): boolean {
    return this.pos >= this.d.length && this.n < 8;
  }
}

const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;

export function bunzip2(input: Uint8Array): Uint8Array {
  const r = bunzip2Partial(input);
  if (r.error !== null) throw new Error(r.error);
  return r.bytes;
}

/**
 * Like bunzip2, but a corrupt or cut stream keeps the blocks decoded before the damage
 * (`error` says what stopped it): a half-downloaded archive still yields its first records.
 */
export function bunzip2Partial(input: Uint8Array): { bytes: Uint8Array; error: string | null } {
  const chunks: Uint8Array[] = [];
  let error: string | null = null;
  try {
    decodeStreams(input, chunks);
  } catch (e) {
    error = (e as Error).message;
  }
  return { bytes: concat(chunks), error };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let total = 0;
  for (const c of chunks) total += c.length;
  const all = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return all;
}

function decodeStreams(input: Uint8Array, chunks: Uint8Array[]): void {
  const br = new Bits(input);
  let streams = 0;
  while (!br.atEnd()) {
    br.align();
    if (br.atEnd()) break;
    const b = br.bits(8);
    const z = br.bits(8);
    const h = br.bits(8);
    if (b !== 0x42 || z !== 0x5a || h !== 0x68) {
      if (streams > 0) break; // trailing bytes after the last stream (bzip2 warns and ignores them)
      throw new Error('not bzip2 data (no BZh header)');
    }
    const level = br.bits(8) - 0x30;
    if (level < 1 || level > 9) throw new Error(`bad bzip2 block size '${level}'`);
    const maxBlock = level * 100000;
    const tt = new Int32Array(maxBlock);
    for (;;) {
      const m1 = br.bits(24);
      const m2 = br.bits(24);
      if (m1 === 0x177245 && m2 === 0x385090) {
        br.bits(16); // combined CRC
        br.bits(16);
        break;
      }
      if (m1 !== 0x314159 || m2 !== 0x265359) throw new Error(`bad bzip2 block header at byte ${br.at()}`);
      chunks.push(block(br, tt, maxBlock));
    }
    streams++;
  }
}

function block(br: Bits, tt: Int32Array, maxBlock: number): Uint8Array {
  const start = br.at();
  const crc = (br.bits(16) * 65536 + br.bits(16)) >>> 0;
  if (br.bit()) throw new Error(`randomised bzip2 block at byte ${start} (bzip2 0.9.0 format) not supported`);
  const origPtr = br.bits(24);
  // symbols in use
  const used16 = br.bits(16);
  const seqToUnseq = new Uint8Array(256);
  let nInUse = 0;
  for (let i = 0; i < 16; i++) {
    if (used16 & (0x8000 >> i)) {
      const u = br.bits(16);
      for (let j = 0; j < 16; j++) if (u & (0x8000 >> j)) seqToUnseq[nInUse++] = i * 16 + j;
    }
  }
  if (nInUse === 0) throw new Error(`bzip2 block at byte ${start} uses no symbols`);
  const alphaSize = nInUse + 2;
  const nGroups = br.bits(3);
  if (nGroups < 2 || nGroups > MAX_GROUPS) throw new Error(`bad bzip2 Huffman group count ${nGroups}`);
  const nSelectors = br.bits(15);
  if (nSelectors < 1) throw new Error('bzip2 block without selectors');
  const mtfGroups = [0, 1, 2, 3, 4, 5].slice(0, nGroups);
  const selectors = new Uint8Array(nSelectors);
  for (let i = 0; i < nSelectors; i++) {
    let j = 0;
    while (br.bit()) {
      j++;
      if (j >= nGroups) throw new Error('bad bzip2 selector');
    }
    const v = mtfGroups[j] as number;
    mtfGroups.splice(j, 1);
    mtfGroups.unshift(v);
    selectors[i] = v;
  }
  // code lengths and decode tables per group
  const limit: Int32Array[] = [];
  const base: Int32Array[] = [];
  const perm: Int32Array[] = [];
  const minLens: number[] = [];
  for (let t = 0; t < nGroups; t++) {
    const len = new Uint8Array(alphaSize);
    let curr = br.bits(5);
    for (let i = 0; i < alphaSize; i++) {
      for (;;) {
        if (curr < 1 || curr > MAX_CODE_LEN) throw new Error(`bad bzip2 code length ${curr}`);
        if (!br.bit()) break;
        curr += br.bit() ? -1 : 1;
      }
      len[i] = curr;
    }
    let minLen = 32;
    let maxLen = 0;
    for (let i = 0; i < alphaSize; i++) {
      minLen = Math.min(minLen, len[i] as number);
      maxLen = Math.max(maxLen, len[i] as number);
    }
    const p = new Int32Array(MAX_ALPHA);
    let pp = 0;
    for (let l = minLen; l <= maxLen; l++) for (let j = 0; j < alphaSize; j++) if (len[j] === l) p[pp++] = j;
    const bs = new Int32Array(MAX_CODE_LEN + 2);
    for (let i = 0; i < alphaSize; i++) {
      const at = (len[i] as number) + 1;
      bs[at] = (bs[at] as number) + 1;
    }
    for (let i = 1; i < bs.length; i++) bs[i] = (bs[i] as number) + (bs[i - 1] as number);
    const lim = new Int32Array(MAX_CODE_LEN + 1).fill(-1);
    let vec = 0;
    for (let i = minLen; i <= maxLen; i++) {
      vec += (bs[i + 1] as number) - (bs[i] as number);
      lim[i] = vec - 1;
      vec <<= 1;
    }
    for (let i = minLen + 1; i <= maxLen; i++) bs[i] = (((lim[i - 1] as number) + 1) << 1) - (bs[i] as number);
    limit.push(lim);
    base.push(bs);
    perm.push(p);
    minLens.push(minLen);
  }
  // MTF / RLE2 symbols into tt (the BWT last column, one byte per entry)
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  const counts = new Int32Array(256);
  const eob = nInUse + 1;
  let n = 0;
  let groupLeft = 0;
  let sel = 0;
  let g = 0;
  let runLen = 0;
  let runBit = 1;
  for (;;) {
    if (groupLeft === 0) {
      if (sel >= nSelectors) throw new Error('bzip2 selectors exhausted');
      g = selectors[sel++] as number;
      groupLeft = 50;
    }
    groupLeft--;
    const lim = limit[g] as Int32Array;
    let zn = minLens[g] as number;
    let zvec = br.bits(zn);
    while (zvec > (lim[zn] as number)) {
      zn++;
      if (zn > MAX_CODE_LEN) throw new Error(`bad bzip2 Huffman code at byte ${br.at()}`);
      zvec = (zvec << 1) | br.bit();
    }
    const idx = zvec - ((base[g] as Int32Array)[zn] as number);
    if (idx < 0 || idx >= MAX_ALPHA) throw new Error(`bad bzip2 Huffman code at byte ${br.at()}`);
    const sym = (perm[g] as Int32Array)[idx] as number;
    if (sym <= 1) {
      // RUNA / RUNB: a bijective base-2 run length of the front symbol
      runLen += (sym + 1) * runBit;
      runBit <<= 1;
      if (runLen > maxBlock) throw new Error('bzip2 run longer than the block');
      continue;
    }
    if (runLen > 0) {
      const byte = seqToUnseq[mtf[0] as number] as number;
      if (n + runLen > maxBlock) throw new Error('bzip2 block longer than its declared size');
      counts[byte] = (counts[byte] as number) + runLen;
      while (runLen-- > 0) tt[n++] = byte;
      runLen = 0;
      runBit = 1;
    }
    if (sym === eob) break;
    // move-to-front of index sym-1
    const k = sym - 1;
    const v = mtf[k] as number;
    mtf.copyWithin(1, 0, k);
    mtf[0] = v;
    const byte = seqToUnseq[v] as number;
    if (n >= maxBlock) throw new Error('bzip2 block longer than its declared size');
    counts[byte] = (counts[byte] as number) + 1;
    tt[n++] = byte;
  }
  if (origPtr >= n) throw new Error(`bad bzip2 origin pointer ${origPtr} (block of ${n})`);
  // inverse BWT: link each position to the next (index in the high bits)
  const cum = new Int32Array(256);
  for (let i = 0, s = 0; i < 256; i++) {
    cum[i] = s;
    s += counts[i] as number;
  }
  for (let i = 0; i < n; i++) {
    const b = (tt[i] as number) & 0xff;
    const at = cum[b] as number;
    tt[at] = (tt[at] as number) | (i << 8);
    cum[b] = at + 1;
  }
  // RLE1: after four equal bytes, the next is a count of further copies
  let o = new Uint8Array(n + (n >> 2) + 16);
  let len = 0;
  const put = (b: number) => {
    if (len >= o.length) {
      const bigger = new Uint8Array(o.length * 2);
      bigger.set(o);
      o = bigger;
    }
    o[len++] = b;
  };
  let pos = (tt[origPtr] as number) >>> 8;
  let prev = -1;
  let run = 0;
  let c = 0xffffffff;
  for (let k = 0; k < n; k++) {
    const v = tt[pos] as number;
    const b = v & 0xff;
    pos = v >>> 8;
    if (run === 4) {
      for (let r = 0; r < b; r++) {
        put(prev);
        c = ((c << 8) ^ (CRC_TABLE[((c >>> 24) ^ prev) & 0xff] as number)) >>> 0;
      }
      run = 0;
      prev = -1;
      continue;
    }
    put(b);
    c = ((c << 8) ^ (CRC_TABLE[((c >>> 24) ^ b) & 0xff] as number)) >>> 0;
    if (b === prev) run++;
    else {
      prev = b;
      run = 1;
    }
  }
  if ((~c >>> 0) !== crc) throw new Error(`bzip2 block at byte ${start}: CRC mismatch (data corrupt)`);
  return o.subarray(0, len);
}
