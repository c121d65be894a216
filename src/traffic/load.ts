import { cachePath, DEFAULT_CACHE_DIR, readCache, writeCache } from './cache.js';
import { loadCombined } from './combined.js';
import { detectFormat } from './detect.js';
import { TrafficError } from './errors.js';
import type { TrafficFormat } from './fields.js';
import { loadLogpush, type Loaded } from './logpush.js';
import { MSG } from './messages.js';
import { loadPcap } from './pcap.js';
import { loadCsv } from './csv.js';
import { loadHar } from './har.js';
import { readHead, sourceName, type Source } from './source.js';

export type FormatOption = 'auto' | TrafficFormat;

export interface LoadOptions {
  format?: FormatOption;
  /** nginx log_format string for custom access logs. */
  logFormat?: string;
  /** Cache parsed tables: true = `.cache/netrunbook/` under the working directory, or a directory. */
  cache?: boolean | string;
  /** How many skipped rows the report lists individually (all are counted by reason). */
  maxSkippedListed?: number;
  /** Lines longer than this are skipped (default 1 MiB). */
  maxLineBytes?: number;
  /** Field names for header-less CSV (e.g. Logpush CSV without a batch_prefix). */
  fields?: string[];
  /**
   * Threads that parse a big uncompressed Logpush file (this thread and workers); default 1.
   * More threads use more CPU and memory for a modest gain at best (see bench/load.ts).
   */
  workers?: number;
}

const FORMATS: readonly FormatOption[] = ['auto', 'logpush', 'firewall_events', 'combined', 'common', 'csv', 'har', 'pcap'];

/** Loads traffic of any supported format into an Arquero table with Rules-language column names. */
export async function loadTraffic(source: Source, opts: LoadOptions = {}): Promise<Loaded> {
  const f = opts.format ?? 'auto';
  if (!FORMATS.includes(f)) throw new TrafficError(MSG.badFormatOption(String(f)), sourceName(source));
  const format = f === 'auto' ? await sniff(source) : f;
  if (!opts.cache || typeof source !== 'string') return loadAs(source, format, opts);
  const dir = typeof opts.cache === 'string' ? opts.cache : DEFAULT_CACHE_DIR;
  const started = performance.now();
  const file = await cachePath(dir, source, format, { logFormat: opts.logFormat ?? null, fields: opts.fields ?? null, maxLineBytes: opts.maxLineBytes ?? null });
  const hit = await readCache(file);
  if (hit) {
    hit.report.durationMs = Math.round((performance.now() - started) * 10) / 10;
    hit.report.source = source;
    return hit;
  }
  const loaded = await loadAs(source, format, opts);
  try {
    await writeCache(file, loaded.table, loaded.report);
  } catch (e) {
    // a read-only or full disk must not fail the load: say so in the report
    loaded.report.warnings = { ...(loaded.report.warnings ?? {}), [MSG.cacheNotWritten((e as Error).message)]: 1 };
  }
  return loaded;
}

async function sniff(source: Source): Promise<TrafficFormat> {
  const head = await readHead(source, 64 * 1024);
  return detectFormat(head, typeof source === 'string' ? source : undefined);
}

export async function loadAs(source: Source, format: TrafficFormat, opts: LoadOptions): Promise<Loaded> {
  const common = { maxSkippedListed: opts.maxSkippedListed, maxLineBytes: opts.maxLineBytes };
  switch (format) {
    case 'logpush':
    case 'firewall_events':
      return loadLogpush(source, { ...common, format, workers: opts.workers });
    case 'combined':
    case 'common':
      return loadCombined(source, { ...common, format, logFormat: opts.logFormat });
    case 'pcap':
      return loadPcap(source, common);
    case 'csv':
      return loadCsv(source, { ...common, fields: opts.fields });
    case 'har':
      return loadHar(source, common);
  }
}
