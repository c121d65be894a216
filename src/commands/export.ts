/** `runbook export NB.ipynb --to html|markdown [-o FILE]`: the postmortem document. */
import { exportNotebook, readNotebook, writeFileAtomic, type ExportFormat } from '../notebook/index.js';
import { parseArgs, UsageError } from './usage.js';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['--to', '-o', '--out'], []);
  const [file, ...extra] = args.positional;
  if (!file || extra.length) throw new UsageError('usage: runbook export NB.ipynb --to html|markdown [-o FILE]');
  const to = (args.options['--to']?.at(-1) ?? 'html').toLowerCase();
  const format: ExportFormat | undefined = to === 'html' ? 'html' : to === 'markdown' || to === 'md' ? 'markdown' : undefined;
  if (!format) throw new UsageError(`--to ${JSON.stringify(to)}: expected html or markdown`);
  const text = exportNotebook(readNotebook(file), format);
  const out = args.options['-o']?.at(-1) ?? args.options['--out']?.at(-1);
  if (!out || out === '-') {
    process.stdout.write(text);
  } else {
    writeFileAtomic(out, text);
    process.stderr.write(`wrote ${out}\n`);
  }
  return 0;
}
