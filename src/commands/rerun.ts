/** `runbook rerun SAVED.ipynb [-p name=value ...] [-o OUT.ipynb]`: same runbook version and parameters (unless overridden), fresh observations. */
import fs from 'node:fs';
import path from 'node:path';
import { bundledPath, checkPaths, parseAssignments, planRerun, rebasePaths, resolveParameters, runbookParameters, type JsonValue } from '../notebook/index.js';
import { runbookFileIn } from './run.js';
import { executeWithProgress } from './runSupport.js';
import { helpRequested, parseArgs, UsageError } from './usage.js';

export const USAGE = `usage: runbook rerun SAVED.ipynb [-p name=value ...] [-o OUT.ipynb] [--timeout SECONDS]

  Re-run a saved investigation: the exact runbook cells it ran, its parameters, fresh
  observations. Compare the two with "runbook diff SAVED.ipynb OUT.ipynb" (e.g. before and
  after a mitigation).

  -p, --param name=value   override a parameter (e.g. -p traffic=logs-after-the-fix.ndjson)
  -o, --out OUT.ipynb      where to save (default SAVED.rerun.ipynb; never SAVED itself)
  --timeout SECONDS        per-cell timeout (default 600)`;

export async function run(argv: string[]): Promise<number> {
  if (helpRequested(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv, ['-o', '--out', '--timeout', '-p', '--param'], []);
  const [saved, ...extra] = args.positional;
  if (!saved || extra.length) throw new UsageError(USAGE.split('\n')[0] as string);
  const plan = planRerun(saved);
  if (plan.note) process.stderr.write(`note: ${plan.note}\n`);
  if (plan.warning) process.stderr.write(`warning: ${plan.warning}\n`);
  const out = args.options['-o']?.at(-1) ?? args.options['--out']?.at(-1) ?? saved.replace(/(\.ipynb)?$/, '.rerun.ipynb');
  if (path.resolve(out) === path.resolve(saved)) throw new UsageError('-o must differ from the saved notebook: a re-run never overwrites the evidence it repeats');
  const outDir = path.dirname(path.resolve(out));
  const specs = runbookParameters(plan.runbook);
  // Saved paths are relative to the saved notebook; overrides to where the user is.
  const savedValues = rebasePaths(specs, plan.parameters, path.dirname(path.resolve(saved)), outDir);
  const raw = parseAssignments(specs, [...(args.options['-p'] ?? []), ...(args.options['--param'] ?? [])]);
  resolveParameters(specs, { ...savedValues, ...raw });
  checkPaths(specs.filter((s) => s.name in raw), raw, process.cwd());
  checkPaths(specs.filter((s) => !(s.name in raw)), savedValues, outDir, (p) => bundledPath(p, outDir) !== p);
  const overrides = rebasePaths(specs, raw, process.cwd(), outDir);
  const parameters: Record<string, JsonValue> = { ...savedValues, ...overrides };
  for (const [k, v] of Object.entries(overrides)) process.stderr.write(`override: ${k} = ${JSON.stringify(v)} (was ${JSON.stringify(plan.parameters[k] ?? null)})\n`);
  const timeout = args.options['--timeout']?.at(-1);
  fs.mkdirSync(outDir, { recursive: true });
  return executeWithProgress({
    runbook: plan.runbook,
    runbookFile: runbookFileIn(outDir, plan.runbookFile),
    parameters,
    out,
    rerunOf: { ...plan.rerunOf, path: path.relative(outDir, path.resolve(saved)) },
    ...(timeout ? { cellTimeoutMs: Number(timeout) * 1000 } : {}),
  });
}
