/**
 * A bounded sample of a stored table brought back to Node as an in-memory table, with the labels
 * the engine computed, so the in-memory analysis (clusters, mitigations and their backtests,
 * refusals, levers, evidence) runs on it without scoring anything again.
 *
 *   1. per bucket of source addresses (a hash of ip.src modulo SAMPLE_BUCKETS), its rows and
 *      sources: one small GROUP BY
 *   2. buckets are taken in bucket order while they fit under the cap (a bucket of more than half
 *      the cap that does not fit is left out, and said so, and the walk goes on): the sample is
 *      every request of the sources it holds, so per-source rates (rate limits, per-IP counts)
 *      are exact for them
 *   3. per sampled row, the engine's score, label, known-good flag and fired signatures (bits of
 *      two words, as score() keeps them): one query, a few numbers a row
 *   4. the rows themselves, a page at a time in `__row` order, decoded into the columns a loader
 *      makes (`decodeCell` is the inverse of storage.ts's cell encoders, in one place); array and
 *      map derivations are left to the in-memory engine, which derives them as ingest did
 *
 * A table no larger than the cap is brought back whole: the analysis is then the in-memory one.
 */
import * as aq from 'arquero';
import { ColumnBuilder } from '../../traffic/columns.js';
import { DictionaryColumn, plainColumn } from '../../traffic/dictionary.js';
import { FiredMasks } from '../fired.js';
import { PACK } from '../signatures/pack.js';
import { DEFAULT_THRESHOLDS, effectiveSignatures, finish, ScoreResult, type SignatureOutcome } from '../score.js';
import type { RuleType } from '../types.js';
import { DERIVED } from '../schema.js';
import type { Dialect } from './dialect.js';
import { num, rangeCond, remoteRows, scoreSql, type RemoteScoreOptions, type RemoteTable } from './remote.js';
import { columnOf, ROW_COLUMN, type StoredField } from './storage.js';

/**
 * Rows a sample holds at most by default (`--sample-rows`): the sample and its analysis are most
 * of the cluster path's Node memory (484 MB peak at 200,000 rows on a 10M-row table, under the
 * 500 MB bound by too little for traffic with more distinct values), so half that by default.
 */
export const DEFAULT_SAMPLE_ROWS = 100_000;
/** Buckets source addresses are hashed into: the grain of the sample fraction. */
export const SAMPLE_BUCKETS = 4096;
/** Rows fetched per query when the sample's rows are brought back. */
const PAGE_ROWS = 10_000;

export interface SampleOptions extends RemoteScoreOptions {
  /** At most this many rows (default DEFAULT_SAMPLE_ROWS). */
  maxRows?: number;
  /** Rows fetched per query (tests set it small to cross pages). */
  pageRows?: number;
}

export interface RemoteSample {
  /** The sampled rows as an in-memory table with the engine's labels and fired signatures. */
  scored: ScoreResult;
  /** Rows and distinct sources in the sample. */
  rows: number;
  sources: number;
  /** Rows and distinct sources of the table (in --where). */
  tableRows: number;
  tableSources: number;
  /** The sample is the whole table. */
  whole: boolean;
  maxRows: number;
  /** Source buckets taken, of SAMPLE_BUCKETS (both 1 when the table came back whole). */
  buckets: { taken: number; of: number };
  /** Buckets (and their rows and sources) of more than half the cap each that did not fit: heavy sources. */
  leftOut: { buckets: number; rows: number; sources: number };
  /** Some shard did not answer one of the sample's queries. */
  partial: boolean;
}

/** The hash of a row's source address that picks its bucket (ClickHouse 18.16 and current, DuckDB). */
function bucketOf(d: Dialect): string {
  const ip = d.ident(columnOf('ip.src'));
  return d.name === 'clickhouse' ? `(cityHash64(ifNull(${ip}, '')) % ${SAMPLE_BUCKETS})` : `(hash(coalesce(${ip}, '')) % ${SAMPLE_BUCKETS})`;
}

/**
 * The buckets to take: in bucket order while they fit in the room left (`whole` when the table
 * fits). A table without ip.src is taken whole when it fits, else `tooBig`.
 */
async function chooseBuckets(remote: RemoteTable, maxRows: number): Promise<{ cond: string; whole: boolean; taken: number[]; tableRows: number; tableSources: number; leftOut: RemoteSample['leftOut']; partial: boolean } | { tooBig: number }> {
  const d = remote.engine.dialect;
  const where = rangeCond(remote);
  if (!remote.fields.some((f) => f.field === 'ip.src')) {
    const r = await remoteRows<Record<string, unknown>>(remote, `SELECT count(*) AS n FROM ${remote.table} WHERE ${where}`);
    const n = num(r.rows[0]?.['n']);
    if (n > maxRows) return { tooBig: n };
    return { cond: where, whole: true, taken: [0], tableRows: n, tableSources: 0, leftOut: { buckets: 0, rows: 0, sources: 0 }, partial: r.partial };
  }
  const ip = d.ident(columnOf('ip.src'));
  const r = await remoteRows<Record<string, unknown>>(remote, `SELECT ${bucketOf(d)} AS b, count(*) AS n, ${d.countDistinct(ip)} AS s FROM ${remote.table} WHERE ${where} GROUP BY b ORDER BY b`);
  const buckets = r.rows.map((x) => ({ b: num(x['b']), n: num(x['n']), s: num(x['s']) }));
  const tableRows = buckets.reduce((a, x) => a + x.n, 0);
  const tableSources = buckets.reduce((a, x) => a + x.s, 0);
  if (tableRows <= maxRows) return { cond: where, whole: true, taken: buckets.map((x) => x.b), tableRows, tableSources, leftOut: { buckets: 0, rows: 0, sources: 0 }, partial: r.partial };
  const taken: number[] = [];
  const leftOut = { buckets: 0, rows: 0, sources: 0 };
  let room = maxRows;
  for (const x of buckets) {
    if (x.n <= room) {
      taken.push(x.b);
      room -= x.n;
    } else if (x.n > maxRows / 2) {
      // a bucket of more than half the cap (a heavy source) would end the walk early or never
      // fit: it is left out, said so, and the walk goes on
      leftOut.buckets++;
      leftOut.rows += x.n;
      leftOut.sources += x.s;
    } else break;
  }
  // the rows of the taken buckets, whole sources only: an empty list takes nothing
  const cond = `(${where} AND ${taken.length ? `${bucketOf(d)} IN (${taken.join(', ')})` : '1 = 0'})`;
  return { cond, whole: false, taken, tableRows, tableSources, leftOut, partial: r.partial };
}

/** The SQL columns a field is read back from (its value, then its companions). */
function readColumns(f: StoredField): string[] {
  const c = f.column;
  switch (f.type.kind) {
    case 'Array':
      return [c, `${c}__P`];
    case 'Map':
      return [`${c}__K`, `${c}__V`, `${c}__P`];
    default:
      return [c];
  }
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v));
const flag = (v: unknown): boolean | null => (v === null || v === undefined ? null : v === true || v === 1 || v === 1n || v === '1' || v === 'true');
const integer = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v) : Number(v));

/**
 * A field's value as a loader holds it, from its stored cells (storage.ts writes them): text,
 * numbers, booleans, arrays (missing when their presence flag is 0) and maps rebuilt from the
 * parallel key/value arrays in key order of first appearance ({ key: [values...] }).
 */
export function decodeCell(type: RuleType, cells: readonly unknown[]): unknown {
  switch (type.kind) {
    case 'Bytes':
    case 'Ip':
      return text(cells[0]);
    case 'Int':
      return integer(cells[0]);
    case 'Bool':
      return flag(cells[0]);
    case 'Array': {
      if (flag(cells[1]) !== true) return null;
      const a = Array.isArray(cells[0]) ? (cells[0] as unknown[]) : [];
      return type.of.kind === 'Int' ? a.map((x) => integer(x)) : a.map((x) => text(x) ?? '');
    }
    case 'Map': {
      if (flag(cells[2]) !== true) return null;
      const keys = Array.isArray(cells[0]) ? (cells[0] as unknown[]) : [];
      const values = Array.isArray(cells[1]) ? (cells[1] as unknown[]) : [];
      // no prototype, as the loaders make maps (keys are attacker data)
      const out = Object.create(null) as Record<string, string[]>;
      keys.forEach((k, i) => (out[String(k)] ??= []).push(text(values[i]) ?? ''));
      return out;
    }
    default:
      return null;
  }
}

/**
 * A bounded sample of whole sources of a stored table, scored by the engine, as an in-memory
 * ScoreResult the analysis takes as it is. `{ tooBig }` when the table has no ip.src and more
 * rows than the cap (there are no sources to sample by); the caller says why.
 */
export async function remoteSample(remote: RemoteTable, opts: SampleOptions = {}): Promise<RemoteSample | { tooBig: number }> {
  const maxRows = Math.max(1, Math.floor(opts.maxRows ?? DEFAULT_SAMPLE_ROWS));
  const pick = await chooseBuckets(remote, maxRows);
  if ('tooBig' in pick) return pick;
  const d = remote.engine.dialect;
  const q = d.ident;
  const s = scoreSql(remote, opts);
  const pack = opts.pack ?? PACK;
  let partial = pick.partial;
  // per row: score, label, known-good, fired signatures as bits (s < 26: w0, else w1)
  const word = (from: number, to: number) => {
    const terms = s.fired.slice(from, to).map((f, i) => `(CASE WHEN ${f.cond} THEN ${2 ** i} ELSE 0 END)`);
    return terms.length ? terms.join(' + ') : '0';
  };
  const labelSql = `SELECT ${q(ROW_COLUMN)} AS r, ${s.score} AS sc, ${s.label} AS lab, (CASE WHEN ${s.good} THEN 1 ELSE 0 END) AS kg, ${word(0, 26)} AS w0, ${word(26, 52)} AS w1 FROM ${remote.table} WHERE ${pick.cond} ORDER BY r`;
  const lr = await remoteRows<Record<string, unknown>>(remote, await s.prepare(labelSql));
  partial ||= lr.partial;
  const m = lr.rows.length;
  const rowNo = new Float64Array(m);
  const sc = new Float64Array(m);
  const lab = new Uint8Array(m);
  const kg = new Uint8Array(m);
  const w0 = new Int32Array(m);
  const w1 = new Int32Array(m);
  lr.rows.forEach((x, i) => {
    rowNo[i] = num(x['r']);
    sc[i] = num(x['sc']);
    lab[i] = num(x['lab']);
    kg[i] = num(x['kg']);
    w0[i] = num(x['w0']);
    w1[i] = num(x['w1']);
  });
  lr.rows.length = 0;
  // the rows, page by page in __row order, matched to their labels by row number (a shard that
  // stopped answering between the queries leaves rows out of one side: those are dropped)
  const fields = sampledFields(remote.fields);
  const cols = fields.flatMap(readColumns);
  // repeated cells (a header set, a user agent) decode to one shared value, as loaders share them
  const memo = fields.map(() => new Map<string, unknown>());
  const select = cols.map((c, i) => `${q(c)} AS c${i}`).join(', ');
  const page = Math.max(1, Math.floor(opts.pageRows ?? PAGE_ROWS));
  const b = new ColumnBuilder();
  b.reserve(m);
  const keep = new Uint8Array(m);
  let j = 0;
  let last = -1;
  for (;;) {
    const r = await remoteRows<Record<string, unknown>>(remote, `SELECT ${q(ROW_COLUMN)} AS r, ${select} FROM ${remote.table} WHERE ${pick.cond} AND ${q(ROW_COLUMN)} > ${last} ORDER BY r LIMIT ${page}`);
    partial ||= r.partial;
    for (const x of r.rows) {
      const rn = num(x['r']);
      last = rn;
      while (j < m && (rowNo[j] as number) < rn) j++;
      if (j >= m || rowNo[j] !== rn) {
        partial = true;
        continue;
      }
      keep[j] = 1;
      let c = 0;
      let fi = 0;
      for (const f of fields) {
        const k = readColumns(f).length;
        const cells: unknown[] = [];
        for (let t = 0; t < k; t++) cells.push(x[`c${c + t}`]);
        c += k;
        const v = decodeShared(f.type, cells, memo[fi] as Map<string, unknown>);
        fi++;
        // a missing value is left to the builder (it back-fills nulls), as the loaders leave it
        if (v !== null) b.put(f.field, v);
      }
      b.next();
      j++;
    }
    if (r.rows.length < page) break;
  }
  const kept = keep.reduce((a, x) => a + x, 0);
  if (kept < m) partial = true;
  const pickRows = <A extends Float64Array | Uint8Array | Int32Array>(a: A): A => (kept === m ? a : (a.filter((_, i) => keep[i] === 1) as A));
  const scores = pickRows(sc);
  const codes = pickRows(lab);
  const good = pickRows(kg);
  const lo = pickRows(w0);
  const hi = pickRows(w1);
  const table = aq.table(b.finish(fields.map((f) => f.field)));
  return { scored: scoredSample(table, scores, codes, good, lo, hi, s, pack, opts), rows: kept, sources: sourcesOf(table), tableRows: pick.tableRows, tableSources: pick.tableSources, whole: pick.whole, maxRows, buckets: pick.whole ? { taken: 1, of: 1 } : { taken: pick.taken.length, of: SAMPLE_BUCKETS }, leftOut: pick.leftOut, partial };
}

/** Distinct cells a field's memo keeps at most (beyond it, near-unique values are decoded each time). */
const MEMO_MAX = 50_000;

/** decodeCell, with arrays and maps decoded once per distinct cell content. */
function decodeShared(type: RuleType, cells: readonly unknown[], memo: Map<string, unknown>): unknown {
  if (type.kind !== 'Array' && type.kind !== 'Map') return decodeCell(type, cells);
  const key = JSON.stringify(cells);
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const v = decodeCell(type, cells);
  if (memo.size < MEMO_MAX) memo.set(key, v === null ? null : Object.freeze(v));
  return v;
}

/**
 * The fields read back: every stored field except the row-local derivations of arrays and maps
 * (the URI's arguments, header names and values, cookies, languages), which the in-memory engine
 * derives from their stored sources with the same code ingest ran, when something reads them.
 */
function sampledFields(fields: readonly StoredField[]): StoredField[] {
  const stored = new Set(fields.map((f) => f.field));
  return fields.filter((f) => {
    const d = DERIVED[f.field];
    const rebuilt = d !== undefined && !d.whole && (f.type.kind === 'Array' || f.type.kind === 'Map') && stored.has(d.from[0] as string) && !DERIVED[d.from[0] as string];
    return !rebuilt;
  });
}

function sourcesOf(table: aq.ColumnTable): number {
  const c = (table.data() as Record<string, unknown>)['ip.src'];
  if (c instanceof DictionaryColumn) return c.values.length;
  if (!c) return 0;
  return new Set(Array.from(plainColumn(c)).filter((x) => x !== null)).size;
}

/** The ScoreResult score() would have made for these rows, from what the engine computed. */
function scoredSample(table: aq.ColumnTable, scores: Float64Array, codes: Uint8Array, good: Uint8Array, lo: Int32Array, hi: Int32Array, s: ReturnType<typeof scoreSql>, pack: { name: string; version: string }, opts: RemoteScoreOptions): ScoreResult {
  const n = codes.length;
  const fired = new FiredMasks();
  const count = new Map<string, number>();
  s.fired.forEach((f, i) => {
    const w = i < 26 ? lo : hi;
    const bit = 1 << i % 26;
    fired.addBits(f.id, w, bit);
    let k = 0;
    for (let r = 0; r < n; r++) if (((w[r] as number) & bit) !== 0) k++;
    count.set(f.id, k);
  });
  const skipped = new Map(s.skipped.map((x) => [x.id, x.reason]));
  const signatures: SignatureOutcome[] = effectiveSignatures(opts.pack ?? PACK, opts.signatures).map((sig) => {
    const base: SignatureOutcome = { id: sig.id, title: sig.title, layer: sig.layer, weight: sig.weight, group: sig.group, fired: count.get(sig.id) ?? 0, applicable: !skipped.has(sig.id), expression: sig.kind === 'expression' ? sig.expression : sig.where };
    const why = skipped.get(sig.id);
    return why === undefined ? base : { ...base, skipped: why };
  });
  // labels and reasons as score() makes them (reasons named id@version), with the engine's labels
  const ids = s.fired.map((f) => `${f.id}@${pack.version}`);
  const { counts, labels, reasons } = finish(scores, opts.thresholds ?? DEFAULT_THRESHOLDS, lo, s.fired.length > 26 ? hi : null, ids, codes);
  const scored = table.assign(aq.table({ score: scores, label: labels, reasons }));
  return new ScoreResult({ table: scored, scores, labelCodes: codes, knownGood: good, fired, signatures, pack: { name: pack.name, version: pack.version }, counts, thresholds: opts.thresholds ?? DEFAULT_THRESHOLDS });
}
