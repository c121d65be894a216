/** `runbook classify TRAFFIC [--format F] [--rules FILE] [--out FILE] [--json]` */
import { helpRequested, parseArgs, UsageError } from './usage.js';
import { classifyTraffic, writeScored } from '../classify/index.js';
import { textTable } from '../display.js';
import { formatNames, type LoadOptions } from '../traffic/index.js';
import { classifyRemote, wantsEngine, ENGINE_HELP } from './engine.js';

/** `--format` values: `auto` and every format in the loader registry. */
const FORMATS = ['auto', ...formatNames()];

export async function run(argv: string[]): Promise<number> {
  if (helpRequested(argv)) {
    process.stdout.write(`usage: runbook classify TRAFFIC [--format ${FORMATS.join('|')}] [--log-format 'NGINX_LOG_FORMAT'] [--rules FILE] [--allow CIDR,...] [--out FILE] [--max-rows N] [--max-line-bytes N] [--max-decompressed-bytes N] [--json]\n       runbook classify --engine clickhouse|duckdb ${ENGINE_HELP} [--json]\n\n  Score every row against the signature pack, cluster the attack and propose backtested\n  mitigations.\n`);
    return 0;
  }
  // --engine clickhouse|duckdb: the same pack where the table lives (commands/engine.ts)
  if (wantsEngine(argv)) return classifyRemote(argv);
  const a = parseArgs(argv, ['--format', '--rules', '--out', '--allow', '--log-format', '--max-rows', '--max-line-bytes', '--max-decompressed-bytes'], ['--json']);
  const [file, ...extra] = a.positional;
  if (!file || extra.length) throw new UsageError(`usage: runbook classify TRAFFIC [--format ${FORMATS.join('|')}] [--log-format 'NGINX_LOG_FORMAT'] [--max-rows N] [--max-line-bytes N] [--max-decompressed-bytes N] [--rules FILE] [--out FILE] [--json]`);
  const logFormat = a.options['--log-format']?.at(-1);
  const format = a.options['--format']?.at(-1) ?? (logFormat ? 'nginx' : 'auto');
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  // loader limits: each stops the load with a reason in the report; raise them for big trusted files
  const limit = (flag: string): number | undefined => {
    const v = a.options[flag]?.at(-1);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} takes a positive whole number, not '${v}'`);
    return Number(v);
  };
  const limits = { maxRows: limit('--max-rows'), maxLineBytes: limit('--max-line-bytes'), maxDecompressedBytes: limit('--max-decompressed-bytes') };
  const c = await classifyTraffic(file, {
    format: format as LoadOptions['format'],
    logFormat,
    limits,
    rules: a.options['--rules']?.at(-1),
    allow: a.options['--allow']?.flatMap((x) => x.split(',')),
  });
  const out = a.options['--out']?.at(-1);
  if (out) writeScored(c.scored.table, out);
  if (a.flags.has('--json')) {
    process.stdout.write(`${JSON.stringify(c.summary, null, 2)}\n`);
    return 0;
  }
  const s = c.summary;
  const lines = [
    `${file}: ${s.rows} rows (${s.skipped} skipped) — ${s.labels.good} good, ${s.labels.suspicious} suspicious, ${s.labels.malicious} malicious  [signatures ${s.pack}]`,
    '',
    'Attack clusters:',
    textTable(['id', 'attack', 'rows', 'sources'], s.clusters.map((x) => [x.id, x.name, x.rows, x.sources])),
    '',
    'Top sources:',
    textTable(['ip', 'rows', 'malicious'], s.topSources.map((x) => [x.ip, x.rows, x.malicious])),
    '',
    'Proposed mitigations (backtest: share of attack / good traffic matched):',
    ...s.mitigations.map((m) => `  [${m.cluster}] ${m.kind} ${m.action}: ${m.expression.length > 160 ? `${m.expression.slice(0, 157)}...` : m.expression}\n        attack ${(m.backtest.attack * 100).toFixed(1)}%  good ${(m.backtest.good * 100).toFixed(3)}%${m.hitsGood ? '  ** HITS GOOD TRAFFIC **' : ''}`),
  ];
  if (out) lines.push('', `wrote ${s.rows} rows with score, label, reasons to ${out}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
