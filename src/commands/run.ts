/** `runbook run RUNBOOK [-p name=value ...] [-o OUT.ipynb] [--timeout SECONDS]`: execute a runbook headless. */
import fs from 'node:fs';
import path from 'node:path';
import {
  bundledPath, checkPaths, findRunbook, loadRunbook, parseAssignments, rebasePaths, resolveParameters, runbookParameters, type JsonValue, type Notebook,
} from '../notebook/index.js';
import { executeWithProgress } from './runSupport.js';
import { helpRequested, parseArgs, UsageError } from './usage.js';

export const USAGE = `usage: runbook run RUNBOOK [-p name=value ...] [-o OUT.ipynb] [--timeout SECONDS]

  Execute a runbook (an id from "runbook list", or a file) headless and save the executed
  notebook after every cell.

  -p, --param name=value   set a parameter (lists comma-separated); see "runbook list"
  -o, --out OUT.ipynb      where to save (default RUNBOOK-<time>.ipynb here)
  --timeout SECONDS        per-cell timeout (default 600)

  File parameters are checked before the kernel starts and saved relative to OUT, so the
  investigation can move with its inputs; the kernel runs in OUT's directory.`;

/** Kernel cwd = the output notebook's directory; the runner takes it from `runbookFile`'s directory. */
export function runbookFileIn(dir: string, file: string): string {
  return path.join(path.resolve(dir), path.basename(file));
}

export async function run(argv: string[]): Promise<number> {
  if (helpRequested(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv, ['-p', '--param', '-o', '--out', '--timeout'], []);
  const [ref, ...extra] = args.positional;
  if (!ref) throw new UsageError(USAGE.split('\n')[0] as string);
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const file = findRunbook(ref);
  const runbook: Notebook = loadRunbook(file);
  const specs = runbookParameters(runbook);
  const id = runbook.metadata.runbook?.id ?? path.basename(file, '.ipynb');
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = args.options['-o']?.at(-1) ?? args.options['--out']?.at(-1) ?? `${id}-${stamp}.ipynb`;
  const outDir = path.dirname(path.resolve(out));
  const timeout = args.options['--timeout']?.at(-1);
  const cellTimeoutMs = timeout === undefined ? undefined : Number(timeout) * 1000;
  if (cellTimeoutMs !== undefined && !(cellTimeoutMs > 0)) throw new UsageError(`--timeout ${JSON.stringify(timeout)}: expected a number of seconds`);
  // Paths on the command line are relative to where the user is; saved relative to the notebook.
  const raw = parseAssignments(specs, [...(args.options['-p'] ?? []), ...(args.options['--param'] ?? [])]);
  // Everything is validated, files included, before a kernel starts.
  resolveParameters(specs, raw);
  checkPaths(specs, raw, process.cwd(), (p) => bundledPath(p, outDir) !== p);
  const given: Record<string, JsonValue> = rebasePaths(specs, raw, process.cwd(), outDir);
  fs.mkdirSync(outDir, { recursive: true });
  return executeWithProgress({ runbook, runbookFile: runbookFileIn(outDir, file), parameters: given, out, ...(cellTimeoutMs ? { cellTimeoutMs } : {}) });
}
