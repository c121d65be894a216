import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { table } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { DictionaryColumn } from './dictionary.js';
import { FIELD, type LoadReport, type SkippedRow } from './fields.js';
import type { Loaded, LogpushOptions } from './logpush.js';
import { parseLogpushInto } from './logpush.js';
import { MAX_SKIPPED_LISTED, ReportBuilder } from './report.js';

/**
 * Parallel Logpush loading: the file is cut at line boundaries into one byte range per thread;
 * this thread parses the first range while worker threads parse the others with the same
 * scanner into their own columns. Dictionary columns cross as codes (transferred, no copy) plus
 * their distinct values; other columns cross as they are (structured clone keeps shared objects
 * shared). The parts are stitched together in file order: dictionaries merged and codes
 * renumbered. Results equal the one-thread path.
 */

/** A column as it crosses the thread boundary. */
export type EncodedColumn =
  | { kind: 'f64'; data: Float64Array }
  | { kind: 'dict'; codes: Int32Array; values: readonly unknown[] }
  | { kind: 'plain'; data: readonly unknown[] };

export interface Part {
  rows: number;
  names: string[];
  cols: Record<string, EncodedColumn>;
  report: Pick<LoadReport, 'rowsRead' | 'rowsLoaded' | 'rowsSkipped' | 'skipped' | 'reasons'> & { warnings: Record<string, number> };
}

export interface WorkerTask {
  path: string;
  range: [number, number];
  opts: Pick<LogpushOptions, 'maxLineBytes' | 'maxSkippedListed' | 'fast'>;
  estimate: number;
}

/** The builder's columns as a part (no copies: typed arrays are listed for transfer). */
function encode(cols: Record<string, unknown[] | Float64Array | DictionaryColumn>): { cols: Record<string, EncodedColumn>; transfer: ArrayBuffer[] } {
  const out: Record<string, EncodedColumn> = {};
  const transfer: ArrayBuffer[] = [];
  for (const [name, c] of Object.entries(cols)) {
    if (c instanceof DictionaryColumn) {
      // the builder writes Int32 codes
      const codes = c.codes.byteOffset === 0 && c.codes.byteLength === c.codes.buffer.byteLength ? c.codes : c.codes.slice();
      out[name] = { kind: 'dict', codes, values: c.values };
      transfer.push(codes.buffer as ArrayBuffer);
    } else if (c instanceof Float64Array) {
      const data = c.byteOffset === 0 && c.byteLength === c.buffer.byteLength ? c : c.slice();
      out[name] = { kind: 'f64', data };
      transfer.push(data.buffer as ArrayBuffer);
    } else out[name] = { kind: 'plain', data: c as unknown[] };
  }
  return { cols: out, transfer };
}

/** Parse one range (in a worker, or on this thread for the first range) into a part. */
export async function parsePart(task: WorkerTask): Promise<{ part: Part; transfer: ArrayBuffer[] }> {
  const report = new ReportBuilder(task.path, 'logpush', task.opts.maxSkippedListed ?? MAX_SKIPPED_LISTED);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  b.reserve(task.estimate);
  await parseLogpushInto(task.path, report, b, { ...task.opts, range: task.range });
  const cols = b.finish();
  const { cols: enc, transfer } = encode(cols);
  const r = report.finish();
  return {
    part: {
      rows: b.row,
      names: Object.keys(cols),
      cols: enc,
      report: { rowsRead: r.rowsRead, rowsLoaded: r.rowsLoaded, rowsSkipped: r.rowsSkipped, skipped: r.skipped, reasons: r.reasons, warnings: r.warnings ?? {} },
    },
    transfer,
  };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

/** Byte ranges that start at line starts. */
function splitRanges(path: string, size: number, n: number): [number, number][] {
  const fd = fs.openSync(path, 'r');
  try {
    const cuts = [0];
    const probe = Buffer.alloc(1 << 16);
    for (let i = 1; i < n; i++) {
      let pos = Math.max(cuts[cuts.length - 1] as number, Math.floor((size * i) / n));
      // advance to just after the next newline
      for (;;) {
        const got = fs.readSync(fd, probe, 0, probe.length, pos);
        if (got === 0) {
          pos = size;
          break;
        }
        const nl = probe.subarray(0, got).indexOf(10);
        if (nl >= 0) {
          pos += nl + 1;
          break;
        }
        pos += got;
      }
      cuts.push(pos);
    }
    cuts.push(size);
    const ranges: [number, number][] = [];
    for (let i = 0; i < n; i++) if ((cuts[i + 1] as number) > (cuts[i] as number)) ranges.push([cuts[i] as number, cuts[i + 1] as number]);
    return ranges;
  } finally {
    fs.closeSync(fd);
  }
}

function runWorker(task: WorkerTask): Promise<Part> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./logpush-worker.js', import.meta.url), { workerData: task });
    w.once('message', (m: { part?: Part; error?: string }) => {
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.part as Part);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`logpush worker exited with code ${code}`));
    });
  });
}

export async function loadLogpushParallel(path: string, opts: LogpushOptions, workers: number): Promise<Loaded> {
  const started = performance.now();
  const size = fs.statSync(path).size;
  const ranges = splitRanges(path, size, workers);
  // rows per byte from the head, for each worker's column capacity
  const head = Buffer.alloc(1 << 18);
  const fd = fs.openSync(path, 'r');
  const got = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  let lines = 0;
  for (let p = head.subarray(0, got).indexOf(10); p >= 0 && p < got; p = head.indexOf(10, p + 1)) lines++;
  const perByte = lines > 0 ? lines / got : 1 / 512;
  const task = (range: [number, number]): WorkerTask => ({
    path,
    range,
    opts: { maxLineBytes: opts.maxLineBytes, maxSkippedListed: opts.maxSkippedListed, fast: opts.fast },
    estimate: Math.ceil((range[1] - range[0]) * perByte * 1.05) + 16,
  });
  // a worker for every range but the first, which this thread parses meanwhile
  const others = ranges.slice(1).map((range) => runWorker(task(range)));
  const first = ranges[0];
  const parts = await Promise.all(first ? [parsePart(task(first)).then((r) => r.part), ...others] : others);
  return merge(path, opts, parts, started);
}

function merge(path: string, opts: LogpushOptions, parts: Part[], started: number): Loaded {
  const total = parts.reduce((a, p) => a + p.rows, 0);
  // column order: as the one-thread builder would produce (canonical first, then first seen)
  const order = new ColumnBuilder();
  const seen: string[] = [];
  for (const p of parts) for (const n of p.names) if (!seen.includes(n)) seen.push(n);
  for (const n of seen) order.put(n, null);
  order.next();
  const names = Object.keys(order.finish([FIELD.timestamp]));
  const cols: Record<string, unknown[] | Float64Array | DictionaryColumn> = {};
  for (const name of names) {
    const present = parts.filter((p) => p.rows > 0).map((p) => p.cols[name]);
    if (present.length > 0 && present.every((c) => c?.kind === 'f64')) {
      const out = new Float64Array(total);
      let at = 0;
      for (const p of parts) {
        const c = p.cols[name];
        if (c && c.kind === 'f64') out.set(c.data.subarray(0, p.rows), at);
        at += p.rows;
      }
      cols[name] = out;
      continue;
    }
    if (present.every((c) => c === undefined || (c.kind === 'dict' && c.values.every((v) => typeof v === 'string')))) {
      // string dictionaries: one merged dictionary, codes renumbered per part
      const values: unknown[] = [];
      const index = new Map<unknown, number>();
      const codes = new Int32Array(total).fill(-1);
      let at = 0;
      for (const p of parts) {
        const c = p.cols[name];
        if (c && c.kind === 'dict') {
          const remap = Int32Array.from(c.values, (v) => {
            let k = index.get(v);
            if (k === undefined) {
              k = values.push(v) - 1;
              index.set(v, k);
            }
            return k;
          });
          const src = c.codes;
          for (let i = 0; i < p.rows; i++) {
            const k = src[i] as number;
            if (k >= 0) codes[at + i] = remap[k] as number;
          }
        }
        at += p.rows;
      }
      cols[name] = new DictionaryColumn(codes, values);
      continue;
    }
    const out = new Array<unknown>(total);
    let at = 0;
    for (const p of parts) {
      const c = p.cols[name];
      if (!c) for (let i = 0; i < p.rows; i++) out[at + i] = null;
      else if (c.kind === 'f64')
        for (let i = 0; i < p.rows; i++) {
          const v = c.data[i] as number;
          out[at + i] = v !== v ? null : v;
        }
      else if (c.kind === 'plain') for (let i = 0; i < p.rows; i++) out[at + i] = c.data[i] ?? null;
      else {
        const vals = c.values;
        for (const v of vals) if (v !== null && typeof v === 'object') deepFreeze(v);
        const codes = c.codes;
        for (let i = 0; i < p.rows; i++) {
          const k = codes[i] as number;
          out[at + i] = k < 0 ? null : vals[k];
        }
      }
      at += p.rows;
    }
    cols[name] = out;
  }
  // report: line numbers of later parts shift by the lines before them
  const max = opts.maxSkippedListed ?? MAX_SKIPPED_LISTED;
  const skipped: SkippedRow[] = [];
  const reasons: Record<string, number> = {};
  const warnings: Record<string, number> = {};
  let before = 0;
  let rowsRead = 0;
  let rowsLoaded = 0;
  let rowsSkipped = 0;
  for (const p of parts) {
    for (const s of p.report.skipped) if (skipped.length < max) skipped.push({ line: s.line + before, reason: s.reason });
    for (const [k, v] of Object.entries(p.report.reasons)) reasons[k] = (reasons[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.report.warnings)) warnings[k] = (warnings[k] ?? 0) + v;
    before += p.report.rowsRead;
    rowsRead += p.report.rowsRead;
    rowsLoaded += p.report.rowsLoaded;
    rowsSkipped += p.report.rowsSkipped;
  }
  const report: LoadReport = {
    source: path,
    format: opts.format ?? 'logpush',
    rowsRead,
    rowsLoaded,
    rowsSkipped,
    skipped,
    reasons,
    fromCache: false,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
  if (Object.keys(warnings).length) report.warnings = warnings;
  return { table: table(cols), report };
}
