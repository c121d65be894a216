/** `runbook diff A.ipynb B.ipynb [--json]`: semantic differences between two runs. Exit 0 same, 1 different. */
import { diffNotebooks, formatDiff, readNotebook } from '../notebook/index.js';
import { parseArgs, UsageError } from './usage.js';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [], ['--json']);
  const [a, b, ...extra] = args.positional;
  if (!a || !b || extra.length) throw new UsageError('usage: runbook diff A.ipynb B.ipynb [--json]');
  const report = diffNotebooks(readNotebook(a), readNotebook(b));
  process.stdout.write(args.flags.has('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatDiff(report));
  return report.changes.length || report.parameters.length ? 1 : 0;
}
