import { table } from 'arquero';
import fs from 'node:fs';
import os from 'node:os';
import { ColumnBuilder } from './columns.js';
import { FIELD } from './fields.js';
import { loadLogpushParallel } from './logpush-parallel.js';
import { parseLogpushInto } from './logpush-parse.js';
import { ReportBuilder } from './report.js';
import { estimateRows, isGzip, readHead, sourceName, type Source } from './source.js';
import type { LineLoadOptions, Loaded, TrafficFormat } from './types.js';

export type { Loaded, LineLoadOptions } from './types.js';
export { timestampMs, addLogpushRecord, shortJsonError } from './logpush-parse.js';
export { isLogpushField, LOGPUSH_FIELD_OF } from './logpush-fields.js';

export interface LogpushOptions extends LineLoadOptions {
  format?: TrafficFormat;
  /** false: JSON.parse every line (the reference path the scanner is tested against). */
  fast?: boolean;
  /**
   * Threads for a big plain file (this thread plus workers, claiming ~32 MB pieces of it); default
   * 1 = this thread only. Opt-in: it takes both cores from whatever else the notebook's machine is
   * doing, for a modest gain (bench/load.ts prints the figures).
   */
  workers?: number;
  /**
   * With workers: the size of the pieces the threads claim one at a time (default 32 MB). Smaller
   * balances the threads more finely; tests use a few KB to cut small files into many pieces.
   */
  chunkBytes?: number;
}

/** Logpush NDJSON (http_requests, firewall_events, network_analytics_logs), plain or gzip. */
export async function loadLogpush(src: Source, opts: LogpushOptions = {}): Promise<Loaded> {
  const workers = await plannedWorkers(src, opts);
  if (workers > 1 && typeof src === 'string') return loadLogpushParallel(src, opts, workers);
  const report = new ReportBuilder(sourceName(src), opts.format ?? 'logpush', opts.maxSkippedListed);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  b.reserve(await estimateRows(src));
  await parseLogpushInto(src, report, b, opts);
  const cols = b.finish([FIELD.timestamp]);
  return { table: table(cols), report: report.finish() };
}

/** Files smaller than this parse on this thread: starting workers costs more than it saves. */
const PARALLEL_MIN_BYTES = 32 << 20;

async function plannedWorkers(src: Source, opts: LogpushOptions): Promise<number> {
  if (typeof src !== 'string' || opts.fast === false) return 1;
  const want = Math.min(opts.workers ?? 1, os.availableParallelism() * 2);
  if (want <= 1) return 1;
  const head = await readHead(src, 2);
  if (isGzip(head)) return 1; // one gzip stream cannot be split
  const size = (await fs.promises.stat(src)).size;
  // an explicit count is obeyed; a future automatic default would apply the size floor
  return opts.workers !== undefined || size >= PARALLEL_MIN_BYTES ? want : 1;
}

/** Logpush `firewall_events` NDJSON: `Datetime` is the row time, other fields as in loadLogpush. */
export function loadFirewallEvents(src: Source, opts: LogpushOptions = {}): Promise<Loaded> {
  return loadLogpush(src, { ...opts, format: 'firewall_events' });
}
