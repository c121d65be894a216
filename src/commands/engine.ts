/**
 * `--engine clickhouse|duckdb` for `runbook classify` and `runbook rule test`: the same rules
 * where the logs live. Options shared with `runbook ingest`:
 *   --clickhouse URL   the HTTP interface of a server (a Distributed table's front)
 *   --duckdb FILE      a DuckDB database file
 *   --table T          a table written by `runbook ingest`
 *   --where FROM..TO   only rows in this time range (ISO times or ms since the epoch)
 *   --timeout SECONDS  how long a ClickHouse query may take (default an hour)
 *   --skip-unavailable-shards   answer from the shards that respond; the summary says "partial"
 * and for classify:
 *   --sample-rows N    the most rows brought back for the analysis (default 100000)
 */
import { parseArgs, UsageError, type ParsedArgs } from './usage.js';
import { ClickHouse, DuckDb, openRemote, remoteRuleTest, remoteSample, remoteScore, DEFAULT_SAMPLE_ROWS, type RemoteTable, type SqlEngine, type TimeRange } from '../classify/sql/index.js';
import { SQL_MSG } from '../classify/sql/messages.js';
import { RuleError, analyze, summaryMitigations, type Analysis } from '../classify/index.js';
import { analysisLines } from './classify-text.js';

export const ENGINE_OPTIONS = ['--engine', '--clickhouse', '--duckdb', '--table', '--where', '--timeout'] as const;
export const ENGINE_FLAGS = ['--skip-unavailable-shards'] as const;
export const ENGINES = ['memory', 'clickhouse', 'duckdb'] as const;
/** The engine options as usage text. */
export const ENGINE_HELP = '(--clickhouse URL | --duckdb FILE) --table T [--where FROM..TO] [--timeout SECONDS] [--skip-unavailable-shards]';

/** True when argv asks for a SQL engine (anything but the default in-memory one). */
export function wantsEngine(argv: readonly string[]): boolean {
  const a = argv.findIndex((x) => x === '--engine' || x.startsWith('--engine='));
  if (a < 0) return false;
  const v = argv[a]?.includes('=') ? argv[a]?.split('=')[1] : argv[a + 1];
  return v !== 'memory';
}

export function parseRange(text: string): TimeRange {
  const [a, b, ...rest] = text.split('..');
  const t = (s: string | undefined): number => {
    if (!s) return NaN;
    if (/^\d+$/.test(s)) return Number(s);
    return Date.parse(s);
  };
  const from = t(a);
  const to = t(b);
  if (rest.length || !Number.isFinite(from) || !Number.isFinite(to) || to <= from) throw new UsageError(SQL_MSG.badWhere(text));
  return { from, to };
}

/** The engine named by --engine and its connection option. */
export async function engineFrom(a: ParsedArgs, command: string): Promise<SqlEngine> {
  const engine = a.options['--engine']?.at(-1) ?? (a.options['--clickhouse'] ? 'clickhouse' : a.options['--duckdb'] ? 'duckdb' : 'memory');
  if (!(ENGINES as readonly string[]).includes(engine)) throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}`);
  if (engine === 'clickhouse') {
    const url = a.options['--clickhouse']?.at(-1);
    if (!url) throw new UsageError(`${command} --engine clickhouse needs --clickhouse URL (the HTTP interface, e.g. http://127.0.0.1:8123)`);
    const t = a.options['--timeout']?.at(-1);
    const seconds = t === undefined ? undefined : Number(t);
    if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) throw new UsageError(`--timeout must be a positive number of seconds (got "${t}")`);
    return new ClickHouse({ url, ...(seconds ? { timeoutMs: seconds * 1000 } : {}) });
  }
  if (engine === 'duckdb') {
    const file = a.options['--duckdb']?.at(-1);
    if (!file) throw new UsageError(`${command} --engine duckdb needs --duckdb FILE (a database written by runbook ingest --duckdb FILE)`);
    return DuckDb.open(file);
  }
  throw new UsageError(`${command}: --engine memory reads a traffic file; give one`);
}

async function remoteOf(a: ParsedArgs, command: string): Promise<RemoteTable> {
  const table = a.options['--table']?.at(-1);
  if (!table) throw new UsageError(`${command} with --engine needs --table T (a table written by runbook ingest)`);
  const where = a.options['--where']?.at(-1);
  const engine = await engineFrom(a, command);
  return openRemote(engine, table, { range: where ? parseRange(where) : undefined, skipUnavailableShards: a.flags.has('--skip-unavailable-shards') });
}

/** `--sample-rows N`: the most rows classify --engine brings back for the analysis. */
function sampleRowsOf(a: ParsedArgs): number {
  const v = a.options['--sample-rows']?.at(-1);
  if (v === undefined) return DEFAULT_SAMPLE_ROWS;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(SQL_MSG.badSampleRows(v));
  return Number(v);
}

/**
 * `runbook classify --engine E ... [--json]`: the pack's labels computed where the table lives
 * (every row), then the in-memory analysis (clusters, mitigations, ...) on a bounded sample of
 * whole sources brought back with those labels (sql/sample.ts); `sample` and `notes` say which
 * figures are the sample's.
 */
export async function classifyRemote(argv: string[]): Promise<number> {
  const a = parseArgs(argv, [...ENGINE_OPTIONS, '--sample-rows'], ['--json', ...ENGINE_FLAGS]);
  if (a.positional.length) throw new UsageError('with --engine the traffic is the table: drop the TRAFFIC argument (load it first with runbook ingest)');
  const maxRows = sampleRowsOf(a);
  const remote = await remoteOf(a, 'runbook classify');
  try {
    const s = await remoteScore(remote);
    const sample = await remoteSample(remote, { maxRows });
    const notes = [...s.notes];
    // the in-memory summary's keys, each present: what is not computed here is null and named in
    // `absent` with the reason (an empty list would read as "none found")
    const absent: { field: string; reason: string }[] = [];
    let analysis: Analysis | null = null;
    let sampleInfo: Record<string, unknown> | null = null;
    if ('tooBig' in sample) {
      const reason = SQL_MSG.absentNoSources(sample.tooBig, maxRows);
      for (const field of ANALYSIS_FIELDS) absent.push({ field, reason });
    } else {
      analysis = analyze(sample.scored);
      if (sample.whole) notes.push(SQL_MSG.sampleWhole(sample.rows, sample.sources));
      else {
        notes.push(SQL_MSG.samplePart(sample.rows, sample.sources, sample.tableSources, sample.tableRows, maxRows));
        if (sample.leftOut.rows) notes.push(SQL_MSG.sampleLeftOut(sample.leftOut.rows, sample.leftOut.sources));
        notes.push(SQL_MSG.sampleMalicious(sample.scored.counts.malicious, s.labels.malicious));
      }
      if (sample.partial) notes.push(SQL_MSG.sampleShardsMissing);
      sampleInfo = {
        whole: sample.whole,
        rows: sample.rows,
        sources: sample.sources,
        tableRows: sample.tableRows,
        tableSources: sample.tableSources,
        maxRows,
        buckets: sample.buckets,
        leftOut: sample.leftOut,
        labels: sample.scored.counts,
        // which figures of this summary are the sample's, and which the whole table's
        fromSample: [...ANALYSIS_FIELDS],
        fromTable: ['rows', 'labels', 'topSources', 'signatures', 'skippedSignatures'],
      };
    }
    const summary = {
      rows: s.rows,
      skipped: 0,
      labels: s.labels,
      clusters: analysis ? analysis.clusters : null,
      topSources: s.topSources,
      mitigations: analysis ? summaryMitigations(analysis) : null,
      refused: analysis ? analysis.refused : null,
      levers: analysis ? analysis.levers : null,
      incident: analysis ? analysis.incident : null,
      evidence: analysis ? analysis.evidence : null,
      pack: `${s.pack.name}@${s.pack.version}`,
      engine: s.engine,
      table: remote.table,
      partial: s.partial || (!('tooBig' in sample) && sample.partial),
      signatures: s.signatures,
      skippedSignatures: s.skippedSignatures,
      sample: sampleInfo,
      notes,
      absent,
    };
    if (a.flags.has('--json')) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      const lines = [
        `${remote.table} on ${s.engine}: ${s.rows} rows${summary.partial ? ' (PARTIAL: some shards did not answer)' : ''} — ${s.labels.good} good, ${s.labels.suspicious} suspicious, ${s.labels.malicious} malicious  [signatures ${summary.pack}]`,
        '',
        'Signatures that fired:',
        ...s.signatures.filter((x) => x.fired > 0).map((x) => `  ${x.id}  ${x.fired}  ${x.title}`),
        ...(s.skippedSignatures.length ? ['', 'Signatures that do not apply here:', ...s.skippedSignatures.map((x) => `  ${x.id}: ${x.reason}`)] : []),
        '',
        ...(analysis
          ? analysisLines({ ...analysis, topSources: s.topSources, mitigations: summary.mitigations ?? [] })
          : ['Top sources:', ...s.topSources.map((x) => `  ${x.ip}  ${x.rows} rows, ${x.malicious} malicious`)]),
        ...(notes.length ? ['', 'Notes:', ...notes.map((x) => `  ${x}`)] : []),
        ...(absent.length ? ['', `Not computed on the ${remote.engine.dialect.name} engine:`, ...absent.map((x) => `  ${x.field}: ${x.reason}`)] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  } finally {
    await remote.engine.close();
  }
}

/** The summary fields the analysis of the sample computes. */
const ANALYSIS_FIELDS = ['clusters', 'mitigations', 'refused', 'levers', 'incident', 'evidence'] as const;

/** `runbook rule test EXPRESSION --engine E ... [--json]` */
export async function ruleTestRemote(argv: string[]): Promise<number> {
  const a = parseArgs(argv, [...ENGINE_OPTIONS], ['--json', ...ENGINE_FLAGS]);
  const [sub, expression, ...extra] = a.positional;
  if (sub !== 'test' || expression === undefined || extra.length) throw new UsageError('usage: runbook rule test EXPRESSION --engine clickhouse|duckdb (--clickhouse URL | --duckdb FILE) --table T [--where FROM..TO] [--json]');
  const json = a.flags.has('--json');
  const remote = await remoteOf(a, 'runbook rule test');
  try {
    const r = await remoteRuleTest(remote, expression);
    if (json) process.stdout.write(`${JSON.stringify({ matched: r.matched, total: r.total, labels: r.labels, partial: r.partial, engine: r.engine })}\n`);
    else process.stdout.write(`${r.matched} of ${r.total} rows match (${r.labels.malicious} malicious, ${r.labels.suspicious} suspicious, ${r.labels.good} good by the signature pack) on ${r.engine}${r.partial ? ' — PARTIAL: some shards did not answer' : ''}\n`);
    return 0;
  } catch (e) {
    return reportRuleError(e, json);
  } finally {
    await remote.engine.close();
  }
}

/** An invalid expression: the error and its position (JSON on stdout with --json), exit 1; anything else is rethrown. */
export function reportRuleError(e: unknown, json: boolean): number {
  if (!(e instanceof RuleError)) throw e;
  if (json) process.stdout.write(`${JSON.stringify({ error: e.name, message: e.reason, position: e.position, column: e.column })}\n`);
  process.stderr.write(`runbook rule: ${e.name}: ${e.message}\n`);
  return 1;
}
