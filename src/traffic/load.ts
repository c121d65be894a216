import { cachePath, DEFAULT_CACHE_DIR, readCache, writeCache } from './cache.js';
import { detectFormat } from './detect.js';
import { TrafficError } from './errors.js';
import { MSG } from './messages.js';
import { formatModule, formatNames } from './registry.js';
import { readHead, sourceName, type Source } from './source.js';
import type { LoadOptions, Loaded, TrafficFormat } from './types.js';

export type { LoadOptions, FormatOption } from './types.js';

/** Loads traffic of any registered format into an Arquero table with Rules-language column names. */
export async function loadTraffic(source: Source, opts: LoadOptions = {}): Promise<Loaded> {
  const f = opts.format ?? 'auto';
  if (f !== 'auto' && !formatModule(String(f))) throw new TrafficError(MSG.badFormatOption(String(f), formatNames()), sourceName(source));
  // a log_format string says what the log is: no guessing
  const format = f === 'auto' ? (opts.logFormat ? 'nginx' : await sniff(source)) : f;
  if (!opts.cache || typeof source !== 'string') return loadAs(source, format, opts);
  const dir = typeof opts.cache === 'string' ? opts.cache : DEFAULT_CACHE_DIR;
  const started = performance.now();
  const file = await cachePath(dir, source, format, {
    logFormat: opts.logFormat ?? null,
    fields: opts.fields ?? null,
    maxLineBytes: opts.maxLineBytes ?? null,
    maxRows: opts.maxRows ?? null,
    clientAddress: opts.clientAddress ?? null,
  });
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

/** Loads the source as the named format (no detection). */
export async function loadAs(source: Source, format: TrafficFormat, opts: LoadOptions): Promise<Loaded> {
  const m = formatModule(format);
  if (!m) throw new TrafficError(MSG.badFormatOption(format, formatNames()), sourceName(source));
  return m.load(source, opts);
}
