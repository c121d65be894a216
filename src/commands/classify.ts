/** `runbook classify TRAFFIC [--format F] [--rules FILE] [--baseline FILE] [--plan P] [--bot-management] [--out FILE] [--json]` */
import fs from 'node:fs';
import os from 'node:os';
import { helpRequested, parseArgs, UsageError } from './usage.js';
import { classifyTraffic, writeScored, PLAN_NAMES, type Plan } from '../classify/index.js';
import { formatNames, type LoadOptions } from '../traffic/index.js';
import { classifyRemote, wantsEngine, ENGINE_HELP } from './engine.js';
import { analysisLines } from './classify-text.js';

/** `--format` values: `auto` and every format in the loader registry. */
const FORMATS = ['auto', ...formatNames()];

/** Worth a second parsing thread: an uncompressed file of 64 MB or more. */
function bigPlainFile(file: string): boolean {
  try {
    return !/\.(gz|zst|bz2|xz)$/i.test(file) && fs.statSync(file).size >= 64 * 2 ** 20;
  } catch {
    return false;
  }
}

export async function run(argv: string[]): Promise<number> {
  const usage = `usage: runbook classify TRAFFIC [--format ${FORMATS.join('|')}] [--log-format 'NGINX_LOG_FORMAT'] [--rules FILE] [--baseline FILE] [--plan free|pro|business|enterprise] [--bot-management|--no-bot-management] [--allow CIDR,...] [--out FILE [--redact]] [--max-rows N] [--max-line-bytes N] [--max-decompressed-bytes N] [--json]`;
  if (helpRequested(argv)) {
    process.stdout.write(
      `${usage}\n       runbook classify --engine clickhouse|duckdb ${ENGINE_HELP} [--sample-rows N] [--json]\n\n  Score every row against the signature pack, cluster the attack and propose backtested\n  mitigations.\n` +
        `  --baseline FILE   normal traffic of the same site: the behaviour baseline, and proposals are graded on it too\n  --plan P          the zone's plan: proposals use only what it allows; each says what it requires\n  --bot-management  the zone has Enterprise Bot Management (JA3/JA4, bot score)\n` +
        `  --out FILE        every input row, all its columns as they came (cookies, headers and tokens included), with score, label, reasons\n  --redact          with --out: cookies and secret-looking values (credential headers, API tokens, signed-URL parameters, keys) as [REDACTED]\n`,
    );
    return 0;
  }
  // --engine clickhouse|duckdb: the same pack where the table lives (commands/engine.ts)
  if (wantsEngine(argv)) return classifyRemote(argv);
  const a = parseArgs(argv, ['--format', '--rules', '--out', '--allow', '--baseline', '--plan', '--log-format', '--max-rows', '--max-line-bytes', '--max-decompressed-bytes'], ['--json', '--bot-management', '--no-bot-management', '--redact']);
  const [file, ...extra] = a.positional;
  if (!file || extra.length) throw new UsageError(usage);
  const logFormat = a.options['--log-format']?.at(-1);
  const format = a.options['--format']?.at(-1) ?? (logFormat ? 'nginx' : 'auto');
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const plan = a.options['--plan']?.at(-1);
  if (plan !== undefined && !PLAN_NAMES.includes(plan.toLowerCase() as Plan)) throw new UsageError(`--plan ${JSON.stringify(plan)} is not a Cloudflare plan; use one of ${PLAN_NAMES.join(', ')}`);
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
    baselineFile: a.options['--baseline']?.at(-1),
    plan,
    botManagement: a.flags.has('--bot-management') ? true : a.flags.has('--no-bot-management') ? false : undefined,
    // a big uncompressed Logpush file parses on two threads (with workers a .gz loads no rows: see the report)
    workers: bigPlainFile(file) ? Math.min(2, os.availableParallelism()) : undefined,
  });
  const out = a.options['--out']?.at(-1);
  if (out) writeScored(c.scored.table, out, { redact: a.flags.has('--redact') });
  if (a.flags.has('--json')) {
    process.stdout.write(`${JSON.stringify(c.summary, null, 2)}\n`);
    return 0;
  }
  const s = c.summary;
  const lines = [
    `${file}: ${s.rows} rows (${s.skipped} skipped) — ${s.labels.good} good, ${s.labels.suspicious} suspicious, ${s.labels.malicious} malicious  [signatures ${s.pack}]`,
    '',
    ...analysisLines(s),
  ];
  if (out) lines.push('', `wrote ${s.rows} rows with score, label, reasons to ${out}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
