/**
 * Behaviour over a whole source that is read in chunks (`runbook ingest --chunk`): the columns
 * behaviour reads (BEHAVIOUR_SOURCES, nothing else) gathered from every chunk into one compact
 * source, so the frame of the whole source is the one the in-memory engine builds for the whole
 * table, computed by the same code (frame.ts, actors.ts, endpoint.ts): not a second
 * implementation that could drift.
 *
 *   const acc = new WholeSource();
 *   for (const chunk of chunks) acc.add(derivationSource(chunk));   // pass 1: what behaviour reads
 *   const src = acc.finish();                                         // behaviourFrame(src) as in memory
 *
 * Compact: a text column is kept as ids into the distinct values of the whole source (4 bytes a
 * row, its values once), numbers as a Float64Array (NaN where missing: every reader of them
 * treats a non-number as missing), the query string (near-unique under an attack) as UTF-8
 * bytes, as the loaders keep it. No other column of the chunks is kept.
 */
import { BEHAVIOUR_SOURCES, rowFacts, type BehaviourSource, type SourceName } from './facts.js';
import type { Column } from '../schema.js';

/** Columns behaviour reads as numbers (`column()`), not through the ids of their values. */
const NUMERIC: ReadonlySet<SourceName> = new Set<SourceName>(['timestamp', 'http.response.code', 'ip.src.asnum']);
/** Columns behaviour reads as UTF-8 bytes when a loader kept them so (facts.ts `queries`). */
const BYTES: ReadonlySet<SourceName> = new Set<SourceName>(['http.request.uri.query']);

/** A column grown chunk by chunk: its parts, joined once at the end. */
class Parts<T extends Int32Array | Float64Array | Uint8Array> {
  parts: T[] = [];
  length = 0;
  push(a: T): void {
    this.parts.push(a);
    this.length += a.length;
  }
  /** The parts as one array (each part dropped as it is copied). */
  join(make: (n: number) => T): T {
    const out = make(this.length);
    let at = 0;
    for (let k = 0; k < this.parts.length; k++) {
      const p = this.parts[k] as T;
      out.set(p, at);
      at += p.length;
      (this.parts as (T | undefined)[])[k] = undefined;
    }
    this.parts = [];
    return out;
  }
}

/** A text column of the whole source: per row the id of its value among all values seen. */
class IdColumn {
  readonly ids = new Parts<Int32Array>();
  readonly values: unknown[] = [];
  private readonly index = new Map<unknown, number>();
  /** The index of values is needed while chunks come only. */
  seal(): void {
    this.index.clear();
  }
  /** Rows of a chunk, given as the chunk's own ids and values. */
  add(ids: Int32Array, values: readonly unknown[], size: number): void {
    const global = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const v = values[k];
      let g = this.index.get(v);
      if (g === undefined) {
        g = this.values.push(v) - 1;
        this.index.set(v, g);
      }
      global[k] = g;
    }
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const k = ids[i] as number;
      out[i] = k < 0 ? -1 : (global[k] as number);
    }
    this.ids.push(out);
  }
  missing(n: number): void {
    this.ids.push(new Int32Array(n).fill(-1));
  }
}

/** A UTF-8 column of the whole source (bytes, offsets, missing flags), as utf8Field gives one. */
class BytesColumn {
  readonly bytes = new Parts<Uint8Array>();
  readonly lengths = new Parts<Int32Array>();
  readonly missing = new Parts<Uint8Array>();
  private readonly encoder = new TextEncoder();
  add(src: BehaviourSource, name: SourceName, n: number): void {
    const b = src.bytes(name);
    const len = new Int32Array(n);
    const miss = new Uint8Array(n);
    if (b) {
      for (let i = 0; i < n; i++) {
        miss[i] = b.missing[i] as number;
        len[i] = (b.offsets[i + 1] as number) - (b.offsets[i] as number);
      }
      this.bytes.push(b.bytes.slice(b.offsets[0] as number, b.offsets[n] as number));
    } else {
      // a chunk whose loader interned the column: its values' bytes, row by row
      const { ids, values } = rowFacts(src).idsOf(name);
      const enc = values.map((v) => this.encoder.encode(String(v)));
      let total = 0;
      for (let i = 0; i < n; i++) {
        const k = ids[i] as number;
        if (k < 0) miss[i] = 1;
        else total += (len[i] = (enc[k] as Uint8Array).length);
      }
      const out = new Uint8Array(total);
      for (let i = 0, at = 0; i < n; i++) {
        const k = ids[i] as number;
        if (k < 0) continue;
        out.set(enc[k] as Uint8Array, at);
        at += len[i] as number;
      }
      this.bytes.push(out);
    }
    this.lengths.push(len);
    this.missing.push(miss);
  }
  none(n: number): void {
    this.lengths.push(new Int32Array(n));
    this.missing.push(new Uint8Array(n).fill(1));
  }
}

/** Numbers of a column (NaN where a row has none). */
function numbersOf(col: Column, n: number): Float64Array {
  if (col instanceof Float64Array && col.length === n) return col.slice();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = col[i];
    out[i] = typeof v === 'number' ? v : NaN;
  }
  return out;
}

/**
 * The behaviour columns of a source given chunk by chunk, kept compact; `finish` gives the
 * whole source as behaviour reads a table (a BehaviourSource whose frame is the whole table's).
 */
export class WholeSource {
  private n = 0;
  private readonly present = new Set<SourceName>();
  private readonly idCols = new Map<SourceName, IdColumn>();
  private readonly numCols = new Map<SourceName, Parts<Float64Array>>();
  private readonly byteCols = new Map<SourceName, BytesColumn>();
  /** Rows so far. */
  get rows(): number {
    return this.n;
  }
  /** The next chunk's rows (read through the same view a table-wide derivation reads a table by). */
  add(src: BehaviourSource): void {
    const n = src.n;
    const facts = rowFacts(src);
    for (const name of BEHAVIOUR_SOURCES) {
      const has = src.has(name);
      if (has && !this.present.has(name)) {
        // first seen in this chunk: missing on every row before
        this.present.add(name);
        if (NUMERIC.has(name)) this.numCols.set(name, filled(new Parts<Float64Array>(), this.n, (k) => new Float64Array(k).fill(NaN)));
        else if (BYTES.has(name)) {
          const c = new BytesColumn();
          if (this.n) c.none(this.n);
          this.byteCols.set(name, c);
        } else {
          const c = new IdColumn();
          if (this.n) c.missing(this.n);
          this.idCols.set(name, c);
        }
      }
      if (!this.present.has(name)) continue;
      if (NUMERIC.has(name)) this.numCols.get(name)?.push(has ? numbersOf(src.column(name), n) : new Float64Array(n).fill(NaN));
      else if (BYTES.has(name)) {
        const c = this.byteCols.get(name) as BytesColumn;
        if (has) c.add(src, name, n);
        else c.none(n);
      } else {
        const c = this.idCols.get(name) as IdColumn;
        if (!has) c.missing(n);
        else {
          const ids = facts.idsOf(name);
          c.add(ids.ids, ids.values, ids.size);
        }
      }
    }
    this.n += n;
  }
  /** The whole source, for behaviourFrame (the chunks' parts are joined and dropped). */
  finish(): BehaviourSource {
    const n = this.n;
    const num = new Map<string, Float64Array>();
    for (const [name, p] of this.numCols) num.set(name, p.join((k) => new Float64Array(k)));
    const ids = new Map<string, { ids: Int32Array; values: readonly unknown[] }>();
    for (const [name, c] of this.idCols) {
      c.seal();
      ids.set(name, { ids: c.ids.join((k) => new Int32Array(k)), values: c.values });
    }
    const bytes = new Map<string, { bytes: Uint8Array; offsets: Int32Array; missing: Uint8Array; at(row: number): string | null }>();
    const decoder = new TextDecoder();
    for (const [name, c] of this.byteCols) {
      const len = c.lengths.join((k) => new Int32Array(k));
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = (offsets[i] as number) + (len[i] as number);
      const b = c.bytes.join((k) => new Uint8Array(k));
      const missing = c.missing.join((k) => new Uint8Array(k));
      bytes.set(name, { bytes: b, offsets, missing, at: (i) => (missing[i] ? null : decoder.decode(b.subarray(offsets[i] as number, offsets[i + 1] as number))) });
    }
    const present = new Set<string>(this.present);
    // a text column read as values (not through its ids): built when first asked for
    const values = new Map<string, unknown[]>();
    const column = (f: string): Column => {
      const x = num.get(f);
      if (x) return x;
      let v = values.get(f);
      if (!v) {
        const c = ids.get(f);
        const b = bytes.get(f);
        v = new Array<unknown>(n);
        for (let i = 0; i < n; i++) v[i] = c ? ((c.ids[i] as number) < 0 ? null : c.values[c.ids[i] as number]) : b ? b.at(i) : null;
        values.set(f, v);
      }
      return v;
    };
    return {
      key: {},
      n,
      has: (f) => present.has(f),
      column,
      ids: (f) => ids.get(f),
      bytes: (f) => bytes.get(f),
    };
  }
}

function filled<T extends Float64Array>(p: Parts<T>, n: number, make: (n: number) => T): Parts<T> {
  if (n) p.push(make(n));
  return p;
}
