import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { table } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { FIELD, type LoadReport, type SkippedRow } from './fields.js';
import type { Loaded } from './types.js';
import { parseLogpushInto, type ParseOptions } from './logpush-parse.js';
import { LogpushScanner } from './logpush-scan.js';
import { MAX_SKIPPED_LISTED, ReportBuilder } from './report.js';
import { estimateRows } from './source.js';
import { MAIN, partReport, type Part, type PartReport, type Segment, type WorkerMessage, type WorkerTask } from './logpush-part.js';

/**
 * Parallel Logpush loading. The file is cut at line boundaries into chunks of about 32 MB.
 * This thread parses chunks from the front, in order, straight into a builder sized for the
 * whole file; worker threads take chunks from the back, one at a time as they finish, into
 * their own builders (each chunk is claimed once, through Atomics on a shared array, so no
 * thread waits for another to hand out work). So the threads meet wherever the file's rows make them meet (a worker
 * that starts late, or a costlier half of the file, does not leave this thread idle).
 * A worker's columns cross as typed arrays (transferred, no copy; only dictionary values and
 * mixed columns are cloned), and this thread appends each of its chunks in file order
 * (ColumnBuilder.append: dictionaries merged, codes renumbered, bytes copied in bulk); its
 * own rows are never copied. Results equal the one-thread path.
 */

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

/** Chunks of about this size: small enough to balance the threads, big enough that per-chunk costs vanish. */
const CHUNK_BYTES = 32 << 20;

/** What the parallel loader needs of LogpushOptions (declared here so logpush.ts -> this file is the only import edge). */
export interface ParallelOptions extends Pick<ParseOptions, 'maxLineBytes' | 'maxSkippedListed' | 'fast'> {
  format?: string;
  chunkBytes?: number;
}

export async function loadLogpushParallel(path: string, opts: ParallelOptions, workers: number): Promise<Loaded> {
  const started = performance.now();
  const size = fs.statSync(path).size;
  const chunks = splitRanges(path, size, Math.max(workers, Math.ceil(size / (opts.chunkBytes ?? CHUNK_BYTES))));
  // column capacities: the whole file's rows here, a share of them in each worker
  const rows = await estimateRows(path);
  const workerOpts = { maxLineBytes: opts.maxLineBytes, maxSkippedListed: opts.maxSkippedListed, fast: opts.fast };
  // each chunk is claimed once: this thread from the front, workers from the back
  const claims = new Int32Array(new SharedArrayBuffer(4 * chunks.length));
  // a worker's share is its own pace's: room for more than an even share (capacity never
  // written is never mapped; growing a column past it copies the column)
  const parts = Array.from({ length: workers - 1 }, () => runWorker({ path, opts: workerOpts, estimate: Math.ceil((rows * 1.5) / workers), chunks, claims }));
  const b = new ColumnBuilder();
  b.reserve(rows);
  const report = new ReportBuilder(path, opts.format ?? 'logpush', opts.maxSkippedListed ?? MAX_SKIPPED_LISTED);
  b.onWarn = (r) => report.warn(r);
  const scanner = opts.fast === false ? undefined : new LogpushScanner(b);
  // The rows the workers parse are copied in here at the end, into memory not mapped yet (page
  // faults cost about as much as the copy). After each chunk of its own, this thread maps as many
  // rows from the top of the columns, so that cost is shared with the workers (they claim the
  // chunks this thread has no time for) instead of all falling after the last chunk.
  let mappedFrom = rows;
  try {
    for (let chunk = 0; chunk < chunks.length && Atomics.compareExchange(claims, chunk, 0, MAIN) === 0; chunk++) {
      const before = b.row;
      await parseLogpushInto(path, report, b, { ...workerOpts, range: chunks[chunk] as [number, number], scanner, lineBase: report.rowsRead });
      const from = Math.max(b.row, mappedFrom - (b.row - before));
      if (from < mappedFrom) b.prefault(mappedFrom, from);
      mappedFrom = from;
    }
  } catch (e) {
    // leave the workers nothing more to claim; wait for them to stop before failing
    for (let c = 0; c < chunks.length; c++) Atomics.compareExchange(claims, c, 0, MAIN);
    await Promise.allSettled(parts);
    throw e;
  }
  // while the workers finish: map the memory their rows will be copied into
  const done = Promise.all(parts);
  await prefaultUntil(b, mappedFrom, done);
  const reports = [partReport(report)];
  const segments: { seg: Segment; part: Part }[] = [];
  for (const part of await done) for (const seg of part.segments) segments.push({ seg, part });
  segments.sort((x, y) => x.seg.chunk - y.seg.chunk);
  for (const { seg, part } of segments) {
    b.append(part.cols, seg.from, seg.rows);
    reports.push(seg.report);
  }
  return { table: table(b.finish([FIELD.timestamp])), report: mergeReports(path, opts, reports, started) };
}

/** Rows of column memory touched per slice while waiting for the workers (a few ms each). */
const PREFAULT_ROWS = 1 << 15;

/**
 * Touches the builder's spare capacity up to `rows` in slices, yielding between them, and stops
 * when `done` settles: the workers' rows are then copied at once (the copy maps what is left)
 * instead of waiting for the whole file's memory to be touched first.
 */
async function prefaultUntil(b: ColumnBuilder, rows: number, done: Promise<unknown>): Promise<void> {
  let settled = false;
  void done.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let from = b.row; from < rows && !settled; from += PREFAULT_ROWS) {
    b.prefault(Math.min(rows, from + PREFAULT_ROWS), from);
    // a macrotask turn, so the workers' messages are taken when they come
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * The worker thread. Built, it runs logpush-worker.js. Under a TypeScript loader (the fast test
 * loop runs src/*.ts through tsx) a worker does not inherit the loader, so it registers tsx
 * first and then imports logpush-worker.ts.
 */
function startWorker(task: WorkerTask): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./logpush-worker.js', import.meta.url), { workerData: task });
  const entry = new URL('./logpush-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: task });
}

/** Runs a worker thread until it sends its part. */
function runWorker(task: WorkerTask): Promise<Part> {
  return new Promise((resolve, reject) => {
    const w = startWorker(task);
    let settled = false;
    w.once('message', (m: WorkerMessage) => {
      settled = true;
      if (m.type === 'error') reject(new Error(m.error));
      else resolve(m.part);
      void w.terminate();
    });
    w.once('error', (e) => {
      settled = true;
      reject(e);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`logpush worker exited with code ${code}`));
    });
  });
}

function mergeReports(path: string, opts: ParallelOptions, parts: PartReport[], started: number): LoadReport {
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
