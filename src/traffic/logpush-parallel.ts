import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { table } from 'arquero';
import { ColumnBuilder, type BuiltColumn, type EncodedColumn } from './columns.js';
import { DictionaryColumn } from './dictionary.js';
import { FIELD, type LoadReport, type SkippedRow } from './fields.js';
import type { Loaded, LogpushOptions } from './logpush.js';
import { parseLogpushInto } from './logpush.js';
import { MAX_SKIPPED_LISTED, ReportBuilder } from './report.js';
import { Utf8Column } from './utf8.js';

/**
 * Parallel Logpush loading: the file is cut at line boundaries into one byte range per thread;
 * this thread parses the first range while worker threads parse the others with the same
 * scanner into their own columns. Numbers, dictionary codes, UTF-8 strings and booleans cross
 * as typed arrays (transferred, no copy); only dictionary values and mixed columns are cloned.
 * This thread's builder, sized for the whole file, then takes the other parts in file order
 * (ColumnBuilder.append: dictionaries merged, codes renumbered, bytes copied in bulk), so its
 * own part is never copied. Results equal the one-thread path.
 */

export interface Part {
  rows: number;
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
function encode(cols: Record<string, BuiltColumn>): { cols: Record<string, EncodedColumn>; transfer: ArrayBuffer[] } {
  const out: Record<string, EncodedColumn> = {};
  const transfer = new Set<ArrayBuffer>();
  // a view crosses with its whole buffer (each column owns its buffers)
  const send = <T extends ArrayBufferView>(v: T): T => {
    transfer.add(v.buffer as ArrayBuffer);
    return v;
  };
  for (const [name, c] of Object.entries(cols)) {
    if (c instanceof DictionaryColumn) out[name] = { kind: 'dict', codes: send(c.codes), values: c.values };
    else if (c instanceof Float64Array) out[name] = { kind: 'f64', data: send(c) };
    else if (c instanceof Utf8Column) out[name] = { kind: 'utf8', bytes: send(c.bytes), offsets: send(c.offsets), missing: send(c.missing), ascii: c.ascii };
    else if (c.every((v) => v === null || typeof v === 'boolean')) out[name] = { kind: 'bool', data: send(Uint8Array.from(c, (v) => (v === null ? 2 : v ? 1 : 0))) };
    else out[name] = { kind: 'plain', data: c };
  }
  return { cols: out, transfer: [...transfer] };
}

/** Parse one range (in a worker, or on this thread for the first range) into a part. */
/** Parses one range into a fresh builder sized for `estimate` rows. */
async function parseRange(task: WorkerTask, estimate: number): Promise<{ b: ColumnBuilder; report: ReportBuilder }> {
  const report = new ReportBuilder(task.path, 'logpush', task.opts.maxSkippedListed ?? MAX_SKIPPED_LISTED);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  b.reserve(estimate);
  await parseLogpushInto(task.path, report, b, { ...task.opts, range: task.range });
  return { b, report };
}

/** Parse one range in a worker into a part. */
export async function parsePart(task: WorkerTask): Promise<{ part: Part; transfer: ArrayBuffer[] }> {
  const { b, report } = await parseRange(task, task.estimate);
  const cols = b.finish();
  const { cols: enc, transfer } = encode(cols);
  return { part: { rows: b.row, cols: enc, report: partReport(report) }, transfer };
}

function partReport(report: ReportBuilder): Part['report'] {
  const r = report.finish();
  return { rowsRead: r.rowsRead, rowsLoaded: r.rowsLoaded, rowsSkipped: r.rowsSkipped, skipped: r.skipped, reasons: r.reasons, warnings: r.warnings ?? {} };
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
      if (process.env['PT']) console.error('message received now', Date.now() % 100000);
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
  // a worker for every range but the first, which this thread parses meanwhile into a builder
  // sized for the whole file, then appends the others' parts to
  const others = ranges.slice(1).map((range) => runWorker(task(range)));
  const first = ranges[0] as [number, number];
  const { b, report } = await parseRange(task(first), Math.ceil(size * perByte * 1.05) + 16);
  const reports = [partReport(report)];
  for (const o of others) {
    const part = await o;
    b.append(part.rows, part.cols);
    reports.push(part.report);
  }
  return { table: table(b.finish([FIELD.timestamp])), report: mergeReports(path, opts, reports, started) };
}

function mergeReports(path: string, opts: LogpushOptions, parts: Part['report'][], started: number): LoadReport {
  // line numbers of later parts shift by the lines before them
  const max = opts.maxSkippedListed ?? MAX_SKIPPED_LISTED;
  const skipped: SkippedRow[] = [];
  const reasons: Record<string, number> = {};
  const warnings: Record<string, number> = {};
  let before = 0;
  let rowsRead = 0;
  let rowsLoaded = 0;
  let rowsSkipped = 0;
  for (const p of parts) {
    for (const s of p.skipped) if (skipped.length < max) skipped.push({ line: s.line + before, reason: s.reason });
    for (const [k, v] of Object.entries(p.reasons)) reasons[k] = (reasons[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.warnings)) warnings[k] = (warnings[k] ?? 0) + v;
    before += p.rowsRead;
    rowsRead += p.rowsRead;
    rowsLoaded += p.rowsLoaded;
    rowsSkipped += p.rowsSkipped;
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
  return report;
}
