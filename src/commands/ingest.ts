/**
 * `runbook ingest TRAFFIC (--clickhouse URL | --duckdb FILE) --table T [--cluster NAME --shard URL ...]
 *  [--format F] [--replace] [--chunk ROWS] [--behaviour chunk|whole] [--batch N] [--json]`: load any format the loaders read
 * into a SQL engine and print the load report. The file is read in chunks of ROWS lines (default
 * 100,000), each loaded, written in batches and dropped before the next, so Node's memory is that
 * of one chunk whatever the file's size. With --cluster, a MergeTree table `T_local` is created on
 * every --shard (default: the --clickhouse server only) and `T` is a Distributed table over the
 * cluster, sharded by source address.
 *
 * behaviour.* fields (per-address, per-client, per-endpoint statistics) are computed per chunk by
 * default (a window of ROWS consecutive lines: the memory of one chunk, whatever the file's size),
 * and the classify summary says so. `--behaviour whole` computes them over the whole file, as in
 * memory: a file of several chunks is read twice, first for the columns behaviour reads only
 * (kept compactly, the frame of the whole file computed from them), then to write the rows with
 * those values. That first pass holds the behaviour columns of every row (about 250 bytes a row at
 * its peak: ~900 MB of Node memory at 2M rows), so it is for a time range that fits, not for a
 * day of a big zone. A source that cannot be read twice (a pipe) is per chunk either way.
 */
import { parseArgs, UsageError } from './usage.js';
import { mergeReports, trafficChunks, DEFAULT_CHUNK_ROWS, type FormatOption, type LoadReport } from '../traffic/index.js';
import fs from 'node:fs';
import type { ColumnTable } from 'arquero';
import { ClickHouse, ingestStream, type IngestOptions, type IngestReport, type SqlEngine } from '../classify/sql/index.js';
import { storedFields, WholeDerived, type WholeColumns } from '../classify/sql/storage.js';
import { engineFrom } from './engine.js';

const USAGE =
  'usage: runbook ingest TRAFFIC (--clickhouse URL | --duckdb FILE) --table T [--cluster NAME [--shard URL ...]] [--format F] [--replace | --append] [--chunk ROWS] [--behaviour chunk|whole] [--batch N] [--json]';

export interface IngestFileOptions extends Omit<IngestOptions, 'onChunk'> {
  format?: FormatOption;
  /** Lines per chunk (default 100,000): the unit of memory of the second pass (of the only one per chunk). */
  chunkRows?: number;
  /**
   * 'chunk' (default): behaviour.* over each chunk's rows (one pass, the memory of one chunk);
   * 'whole': over the whole file (two passes, the first holding the behaviour columns of every row).
   */
  behaviour?: BehaviourScope;
  /** After every chunk: its number, rows written so far, and the load report of the chunk. */
  onChunk?: (chunk: number, rows: number, report: LoadReport) => void;
  /** After every chunk of the first pass (behaviour over the whole file): its number and the rows read so far. */
  onScan?: (chunk: number, rows: number) => void;
}

export const BEHAVIOUR_SCOPES = ['chunk', 'whole'] as const;
export type BehaviourScope = (typeof BEHAVIOUR_SCOPES)[number];

/** Can the source be read a second time (a regular file; not a pipe or a terminal)? */
function rereadable(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Pass 1: the behaviour over the whole file (WholeDerived), or the one table when the file is a
 * single chunk (its own behaviour is the whole file's, and it is not read again).
 */
async function scan(file: string, opts: IngestFileOptions): Promise<{ whole: WholeColumns } | { table: ColumnTable; report: LoadReport }> {
  const acc = new WholeDerived();
  let first: { table: ColumnTable; report: LoadReport } | null = null;
  let fields: ReturnType<typeof storedFields> = [];
  let chunks = 0;
  for await (const c of chunksOf(file, opts)) {
    if (chunks === 0) fields = storedFields(c.table);
    // held only while it may be the only chunk (then it is written as it is, not read again)
    first = chunks === 0 ? { table: c.table, report: c.report } : null;
    acc.add(c.table);
    opts.onScan?.(chunks, acc.rows);
    chunks++;
  }
  return first ?? { whole: acc.finish(fields) };
}

/** The file's chunks as this ingest reads them (both passes alike). */
function chunksOf(file: string, opts: IngestFileOptions) {
  return trafficChunks(file, { format: opts.format ?? 'auto', rows: opts.chunkRows ?? DEFAULT_CHUNK_ROWS });
}

/**
 * A traffic file streamed into a SQL engine chunk by chunk (what `runbook ingest` runs; the
 * benchmark measures this same path): the engine's report and the load report of the whole file.
 */
export async function ingestFile(engine: SqlEngine, file: string, table: string, opts: IngestFileOptions = {}): Promise<{ ingest: IngestReport; load: LoadReport }> {
  let load: LoadReport | null = null;
  let last: LoadReport | null = null;
  const pass1 = opts.behaviour === 'whole' && rereadable(file) ? await scan(file, opts) : null;
  if (pass1 && 'table' in pass1) {
    load = last = pass1.report;
    const r = await ingestStream(engine, [pass1.table], table, { ...opts, onChunk: (chunk, rows) => last && opts.onChunk?.(chunk, rows, last) });
    return { ingest: r, load: mergeReports([pass1.report], file) };
  }
  async function* tables() {
    for await (const c of chunksOf(file, opts)) {
      // the reports are added up as they come (a capped list of skipped lines), not kept per chunk
      load = load ? mergeReports([load, c.report], file) : mergeReports([c.report], file);
      last = c.report;
      yield c.table;
    }
  }
  let r: IngestReport;
  try {
    r = await ingestStream(engine, tables(), table, { ...opts, whole: pass1?.whole, onChunk: (chunk, rows) => last && opts.onChunk?.(chunk, rows, last) });
  } finally {
    pass1?.whole.close();
  }
  return { ingest: r, load: load ?? mergeReports([], file) };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const a = parseArgs(argv, ['--clickhouse', '--duckdb', '--table', '--cluster', '--shard', '--format', '--batch', '--chunk', '--engine', '--behaviour'], ['--replace', '--append', '--json']);
  const [file, ...extra] = a.positional;
  const table = a.options['--table']?.at(-1);
  if (!file || extra.length || !table) throw new UsageError(USAGE);
  if (!a.options['--clickhouse'] && !a.options['--duckdb']) throw new UsageError(`${USAGE}\n(give --clickhouse URL or --duckdb FILE)`);
  const count = (opt: string): number | undefined => {
    const v = a.options[opt]?.at(-1);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(Number.isInteger(n) && n > 0)) throw new UsageError(`${opt} must be a positive number of rows`);
    return n;
  };
  const scope = a.options['--behaviour']?.at(-1) ?? 'chunk';
  if (!(BEHAVIOUR_SCOPES as readonly string[]).includes(scope)) throw new UsageError(`--behaviour must be one of ${BEHAVIOUR_SCOPES.join(', ')} (got "${scope}")`);
  const batch = count('--batch');
  const chunkRows = count('--chunk');
  const engine = await engineFrom(a, 'runbook ingest');
  const shards = (a.options['--shard'] ?? []).map((url) => new ClickHouse({ url }));
  try {
    let last = 0;
    const { ingest: r, load: report } = await ingestFile(engine, file, table, {
      format: a.options['--format']?.at(-1) ?? 'auto',
      chunkRows,
      behaviour: scope as BehaviourScope,
      cluster: a.options['--cluster']?.at(-1),
      shards: shards.length ? shards : undefined,
      batchRows: batch,
      replace: a.flags.has('--replace'),
      append: a.flags.has('--append'),
      onProgress: (done) => {
        const now = Date.now();
        if (now - last > 1000) {
          last = now;
          process.stderr.write(`\ringest: ${done} rows written`);
        }
      },
      onScan: (chunk, rows) => {
        const now = Date.now();
        if (now - last > 1000) {
          last = now;
          process.stderr.write(`\ringest: ${rows} rows read for behaviour over the whole file, ${chunk + 1} chunk${chunk ? 's' : ''}`);
        }
      },
      onChunk: (chunk, rows, rep) => {
        if (rep.rowsSkipped) process.stderr.write(`\ringest: chunk ${chunk + 1}: ${rep.rowsSkipped} lines skipped (first: line ${rep.skipped[0]?.line}: ${rep.skipped[0]?.reason})\n`);
        last = 0;
        process.stderr.write(`\ringest: ${rows} rows written, ${chunk + 1} chunk${chunk ? 's' : ''}`);
      },
    });
    process.stderr.write('\n');
    const out = { ...r, load: { format: report.format, rowsRead: report.rowsRead, rowsLoaded: report.rowsLoaded, rowsSkipped: report.rowsSkipped, skipped: report.skipped.slice(0, 20), reasons: report.reasons, ...(report.warnings ? { warnings: report.warnings } : {}) } };
    if (a.flags.has('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else
      process.stdout.write(
        `${file}: ${report.rowsLoaded} rows loaded (${report.rowsSkipped} skipped, format ${report.format}) -> ${r.table} on ${r.engine}${r.shards > 1 ? ` over ${r.shards} shards` : ''} in ${r.chunks} chunks, ${r.batches} batches, ${r.seconds.toFixed(1)} s\n` +
          `${report.skipped
            .slice(0, 5)
            .map((s) => `  skipped line ${s.line}: ${s.reason}\n`)
            .join('')}` +
          `fields: ${r.fields.join(', ')}\n${r.skippedFields.length ? `not stored (no Rules field type): ${r.skippedFields.join(', ')}\n` : ''}` +
          `${r.laterFields.length ? `not stored (first seen after the first chunk, which made the table): ${r.laterFields.join(', ')}\n` : ''}` +
          `${r.windows > 1 ? `behaviour.* fields computed per chunk of ${chunkRows ?? DEFAULT_CHUNK_ROWS} lines (a window of consecutive rows), not over the whole source${scope === 'chunk' ? ' (--behaviour whole: over the whole file, memory ~250 bytes a row)' : ': it could not be read twice'}\n` : ''}`,
      );
    return 0;
  } finally {
    await engine.close();
    for (const s of shards) await s.close();
  }
}
