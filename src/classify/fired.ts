/**
 * Per signature, the 0/1 rows it fired on, made when asked for: score() records a row's fired
 * signatures as bits of two words per row, so a mask per signature (1 MB at a million rows,
 * and fresh memory costs page faults) is derived only for the signatures someone reads.
 */
export class FiredMasks implements ReadonlyMap<string, Uint8Array> {
  private readonly made = new Map<string, Uint8Array>();
  private readonly bits = new Map<string, { word: Int32Array; bit: number }>();

  /** A signature's mask: the rows with `bit` set in `word`. */
  addBits(id: string, word: Int32Array, bit: number): void {
    this.bits.set(id, { word, bit });
  }

  get(id: string): Uint8Array | undefined {
    const hit = this.made.get(id);
    if (hit) return hit;
    const b = this.bits.get(id);
    if (!b) return undefined;
    const { word, bit } = b;
    const m = new Uint8Array(word.length);
    for (let i = 0; i < word.length; i++) if (((word[i] as number) & bit) !== 0) m[i] = 1;
    this.made.set(id, m);
    return m;
  }

  /**
   * Where a signature's rows are recorded: the rows with `bit` set in `word` (one word per row,
   * shared by up to 26 signatures). Readers that need many signatures per row (clustering by the
   * set of signatures a row fired) read the words instead of a mask per signature.
   */
  source(id: string): { word: Int32Array; bit: number } | undefined {
    return this.bits.get(id);
  }

  has(id: string): boolean {
    return this.bits.has(id);
  }

  get size(): number {
    return this.bits.size;
  }

  *keys(): IterableIterator<string> {
    yield* this.bits.keys();
  }

  *values(): IterableIterator<Uint8Array> {
    for (const id of this.bits.keys()) yield this.get(id) as Uint8Array;
  }

  *entries(): IterableIterator<[string, Uint8Array]> {
    for (const id of this.bits.keys()) yield [id, this.get(id) as Uint8Array];
  }

  [Symbol.iterator](): IterableIterator<[string, Uint8Array]> {
    return this.entries();
  }

  forEach(fn: (value: Uint8Array, key: string, map: ReadonlyMap<string, Uint8Array>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}
