/**
 * `runbook ingest TRAFFIC (--clickhouse URL | --duckdb FILE) --table T [--cluster NAME --shard URL ...]
 *  [--format F] [--replace] [--batch N] [--json]`: load any format the loaders read into a SQL
 * engine, in batches with progress, and print the load report. With --cluster, a MergeTree table
 * `T_local` is created on every --shard (default: the --clickhouse server only) and `T` is a
 * Distributed table over the cluster, sharded by source address.
 */
import { parseArgs, UsageError } from './usage.js';
import { loadTraffic, type LoadOptions } from '../traffic/index.js';
import { ClickHouse, ingest } from '../classify/sql/index.js';
import { engineFrom } from './engine.js';

const USAGE = 'usage: runbook ingest TRAFFIC (--clickhouse URL | --duckdb FILE) --table T [--cluster NAME [--shard URL ...]] [--format F] [--replace | --append] [--batch N] [--json]';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const a = parseArgs(argv, ['--clickhouse', '--duckdb', '--table', '--cluster', '--shard', '--format', '--batch', '--engine'], ['--replace', '--append', '--json']);
  const [file, ...extra] = a.positional;
  const table = a.options['--table']?.at(-1);
  if (!file || extra.length || !table) throw new UsageError(USAGE);
  if (!a.options['--clickhouse'] && !a.options['--duckdb']) throw new UsageError(`${USAGE}\n(give --clickhouse URL or --duckdb FILE)`);
  const batch = a.options['--batch'] ? Number(a.options['--batch'].at(-1)) : undefined;
  if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) throw new UsageError('--batch must be a positive number of rows');
  const engine = await engineFrom(a, 'runbook ingest');
  try {
    const { table: t, report } = await loadTraffic(file, { format: (a.options['--format']?.at(-1) ?? 'auto') as LoadOptions['format'] });
    const shards = (a.options['--shard'] ?? []).map((url) => new ClickHouse({ url }));
    let last = 0;
    const r = await ingest(engine, t, table, {
      cluster: a.options['--cluster']?.at(-1),
      shards: shards.length ? shards : undefined,
      batchRows: batch,
      replace: a.flags.has('--replace'),
      append: a.flags.has('--append'),
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last > 1000 || done === total) {
          last = now;
          process.stderr.write(`\ringest: ${done} / ${total} rows`);
          if (done === total) process.stderr.write('\n');
        }
      },
    });
    const out = { ...r, load: { format: report.format, rowsRead: report.rowsRead, rowsLoaded: report.rowsLoaded, rowsSkipped: report.rowsSkipped } };
    if (a.flags.has('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else
      process.stdout.write(
        `${file}: ${report.rowsLoaded} rows loaded (${report.rowsSkipped} skipped, format ${report.format}) -> ${r.table} on ${r.engine}${r.shards > 1 ? ` over ${r.shards} shards` : ''} in ${r.batches} batches, ${r.seconds.toFixed(1)} s\n` +
          `fields: ${r.fields.join(', ')}\n${r.skippedFields.length ? `not stored (no Rules field type): ${r.skippedFields.join(', ')}\n` : ''}`,
      );
    return 0;
  } finally {
    await engine.close();
  }
}
