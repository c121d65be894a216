/** `runbook rerun SAVED.ipynb [-o OUT.ipynb]`: same runbook version, same parameters, fresh observations. */
import path from 'node:path';
import { planRerun } from '../notebook/index.js';
import { executeWithProgress } from './runSupport.js';
import { parseArgs, UsageError } from './usage.js';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['-o', '--out', '--timeout'], []);
  const [saved, ...extra] = args.positional;
  if (!saved || extra.length) throw new UsageError('usage: runbook rerun SAVED.ipynb [-o OUT.ipynb] [--timeout SECONDS]');
  const plan = planRerun(saved);
  if (plan.note) process.stderr.write(`note: ${plan.note}\n`);
  if (plan.warning) process.stderr.write(`warning: ${plan.warning}\n`);
  const out = args.options['-o']?.at(-1) ?? args.options['--out']?.at(-1) ?? saved.replace(/(\.ipynb)?$/, '.rerun.ipynb');
  if (path.resolve(out) === path.resolve(saved)) throw new UsageError('-o must differ from the saved notebook: a re-run never overwrites the evidence it repeats');
  const timeout = args.options['--timeout']?.at(-1);
  return executeWithProgress({
    runbook: plan.runbook,
    runbookFile: plan.runbookFile,
    parameters: plan.parameters,
    out,
    rerunOf: plan.rerunOf,
    ...(timeout ? { cellTimeoutMs: Number(timeout) * 1000 } : {}),
  });
}
