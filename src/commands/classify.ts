/** `runbook classify TRAFFIC [--format F] [--rules FILE] [--out FILE] [--json]` */
import { parseArgs, UsageError } from './usage.js';
import { classifyTraffic, writeScored } from '../classify/index.js';
import { textTable } from '../display.js';
import { classifyRemote, wantsEngine } from './engine.js';
import type { LoadOptions } from '../traffic/index.js';

const FORMATS = ['auto', 'logpush', 'combined', 'csv', 'har', 'pcap', 'common', 'firewall_events'];

export async function run(argv: string[]): Promise<number> {
  // --engine clickhouse|duckdb: the same pack where the table lives (commands/engine.ts)
  if (wantsEngine(argv)) return classifyRemote(argv);
  const a = parseArgs(argv, ['--format', '--rules', '--out', '--allow'], ['--json']);
  const [file, ...extra] = a.positional;
  if (!file || extra.length) throw new UsageError('usage: runbook classify TRAFFIC [--format auto|logpush|combined|csv|har|pcap] [--rules FILE] [--out FILE] [--json]');
  const format = a.options['--format']?.at(-1) ?? 'auto';
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const c = await classifyTraffic(file, {
    format: format as LoadOptions['format'],
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
