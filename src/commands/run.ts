/** `runbook run RUNBOOK [-p name=value ...] [-o OUT.ipynb] [--timeout SECONDS]`: execute a runbook headless. */
import path from 'node:path';
import { findRunbook, loadRunbook, parseAssignments, runbookParameters, type JsonValue, type Notebook } from '../notebook/index.js';
import { executeWithProgress } from './runSupport.js';
import { parseArgs, UsageError } from './usage.js';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['-p', '--param', '-o', '--out', '--timeout'], []);
  const [ref, ...extra] = args.positional;
  if (!ref) throw new UsageError('usage: runbook run RUNBOOK [-p name=value ...] [-o OUT.ipynb] [--timeout SECONDS]');
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const file = findRunbook(ref);
  const runbook: Notebook = loadRunbook(file);
  const specs = runbookParameters(runbook);
  const given: Record<string, JsonValue> = parseAssignments(specs, [...(args.options['-p'] ?? []), ...(args.options['--param'] ?? [])]);
  // Paths on the command line are relative to where the user is, not to the runbook.
  for (const s of specs) {
    const v = given[s.name];
    if (s.type.base === 'path' && typeof v === 'string' && v !== '') given[s.name] = path.resolve(v);
  }
  const id = runbook.metadata.runbook?.id ?? path.basename(file, '.ipynb');
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = args.options['-o']?.at(-1) ?? args.options['--out']?.at(-1) ?? `${id}-${stamp}.ipynb`;
  const timeout = args.options['--timeout']?.at(-1);
  const cellTimeoutMs = timeout === undefined ? undefined : Number(timeout) * 1000;
  if (cellTimeoutMs !== undefined && !(cellTimeoutMs > 0)) throw new UsageError(`--timeout ${JSON.stringify(timeout)}: expected a number of seconds`);
  return executeWithProgress({ runbook, runbookFile: file, parameters: given, out, ...(cellTimeoutMs ? { cellTimeoutMs } : {}) });
}
