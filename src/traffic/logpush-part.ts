/**
 * The worker side of parallel Logpush loading (see logpush-parallel.ts): what a worker thread
 * runs, and the messages and shared types of both sides. Kept apart from logpush-parallel.ts so a
 * worker loads only the parser, not Arquero (a fifth of a second of start-up per worker that
 * delayed its first chunk).
 */
import type { MessagePort } from 'node:worker_threads';
import { ColumnBuilder, encodeColumns, type EncodedColumn } from './columns.js';
import type { LoadReport } from './fields.js';
import { parseLogpushInto, type ParseOptions } from './logpush-parse.js';
import { LogpushScanner } from './logpush-scan.js';
import { MAX_SKIPPED_LISTED, ReportBuilder } from './report.js';

/** A chunk a worker parsed: its index in the file, and its rows in the worker's part. */
export interface Segment {
  chunk: number;
  from: number;
  rows: number;
  report: PartReport;
}

export type PartReport = Pick<LoadReport, 'rowsRead' | 'rowsLoaded' | 'rowsSkipped' | 'skipped' | 'reasons'> & { warnings: Record<string, number> };

export interface Part {
  rows: number;
  cols: Record<string, EncodedColumn>;
  segments: Segment[];
}

export interface WorkerTask {
  path: string;
  opts: Pick<ParseOptions, 'maxLineBytes' | 'maxSkippedListed' | 'fast'>;
  estimate: number;
  chunks: [number, number][];
  /** Per chunk, on a SharedArrayBuffer: 0 free, MAIN or WORKER once claimed. */
  claims: Int32Array;
}

export const MAIN = 1;
const WORKER = 2;

/** Worker -> main thread. */
export type WorkerMessage = { type: 'part'; part: Part } | { type: 'error'; error: string };

/**
 * A worker's loop: claim the last free chunk, parse it into this worker's builder (one scanner
 * throughout, so its intern tables stay warm), and go on down the file until it meets a chunk
 * this thread's main loop claimed; then send the columns and where each chunk's rows are.
 */
export async function workerLoop(task: WorkerTask, port: MessagePort): Promise<void> {
  const b = new ColumnBuilder();
  b.reserve(task.estimate);
  const scanner = task.opts.fast === false ? undefined : new LogpushScanner(b);
  const segments: Segment[] = [];
  for (let chunk = task.chunks.length - 1; chunk >= 0; chunk--) {
    const was = Atomics.compareExchange(task.claims, chunk, 0, WORKER);
    if (was === MAIN) break;
    if (was === WORKER) continue; // another worker's
    const report = new ReportBuilder(task.path, 'logpush', task.opts.maxSkippedListed ?? MAX_SKIPPED_LISTED);
    b.onWarn = (r) => report.warn(r);
    const from = b.row;
    await parseLogpushInto(task.path, report, b, { ...task.opts, range: task.chunks[chunk] as [number, number], scanner });
    segments.push({ chunk, from, rows: b.row - from, report: partReport(report) });
  }
  const rows = b.row;
  const { cols, transfer } = encodeColumns(b.finish());
  port.postMessage({ type: 'part', part: { rows, cols, segments } } satisfies WorkerMessage, transfer);
}

export function partReport(report: ReportBuilder): PartReport {
  const r = report.finish();
  return { rowsRead: r.rowsRead, rowsLoaded: r.rowsLoaded, rowsSkipped: r.rowsSkipped, skipped: r.skipped, reasons: r.reasons, warnings: r.warnings ?? {} };
}
