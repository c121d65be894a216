/** `runbook rule test EXPRESSION TRAFFIC [--json]`: which rows a rules-language expression matches. */
import { helpRequested, parseArgs, UsageError } from './usage.js';
import { rule, score } from '../classify/index.js';
import { loadTraffic, type LoadOptions } from '../traffic/index.js';
import { ENGINE_HELP, reportRuleError, ruleTestRemote, wantsEngine } from './engine.js';

export async function run(argv: string[]): Promise<number> {
  if (helpRequested(argv)) {
    process.stdout.write(`usage: runbook rule test EXPRESSION TRAFFIC [--format F] [--json]\n       runbook rule test EXPRESSION --engine clickhouse|duckdb ${ENGINE_HELP} [--json]\n\n  Which rows of a traffic file (logs or capture), or of a table in ClickHouse/DuckDB, a\n  Rules-language expression matches, with their labels from the signature pack. Exit 1 on a\n  rule error (position and caret on stderr).\n`);
    return 0;
  }
  // --engine clickhouse|duckdb: the expression runs where the table lives (commands/engine.ts)
  if (wantsEngine(argv)) return ruleTestRemote(argv);
  const a = parseArgs(argv, ['--format'], ['--json']);
  const [sub, expression, file, ...extra] = a.positional;
  if (sub !== 'test' || expression === undefined || !file || extra.length) throw new UsageError('usage: runbook rule test EXPRESSION TRAFFIC [--json]');
  const json = a.flags.has('--json');
  const { table } = await loadTraffic(file, { format: (a.options['--format']?.at(-1) ?? 'auto') as LoadOptions['format'] });
  let mask: Uint8Array;
  try {
    mask = rule(expression, table).mask(table);
  } catch (e) {
    return reportRuleError(e, json);
  }
  const scored = score(table);
  const labels = { good: 0, suspicious: 0, malicious: 0 };
  let matched = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    matched++;
    const c = scored.labelCodes[i];
    if (c === 2) labels.malicious++;
    else if (c === 1) labels.suspicious++;
    else labels.good++;
  }
  if (json) process.stdout.write(`${JSON.stringify({ matched, total: mask.length, labels })}\n`);
  else process.stdout.write(`${matched} of ${mask.length} rows match (${labels.malicious} malicious, ${labels.suspicious} suspicious, ${labels.good} good by the signature pack)\n`);
  return 0;
}
