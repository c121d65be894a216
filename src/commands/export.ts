/** `runbook export NB.ipynb --to html|markdown|pdf [--for customer|engineer] [--inline] [-o FILE]`: the postmortem. */
import { exportNotebook, readNotebook, writeExport, type Audience, type ExportFormat } from '../notebook/index.js';
import { helpRequested, parseArgs, UsageError } from './usage.js';

export const USAGE = `usage: runbook export NB.ipynb [--to html|markdown|pdf] [--for customer|engineer] [--inline] [-o FILE]

  The postmortem of an executed runbook: summary, incident timeline, impact, vectors,
  mitigations, follow-ups, then the evidence and the run record.

  --to html|markdown|pdf   format (default html); pdf needs -o and Chromium
  --for customer|engineer  customer leaves out code, stack traces, transcripts, tool versions
                           and local paths (default engineer: everything)
  --inline                 markdown: embed charts as data URIs; default writes them as SVG
                           files in FILE-charts/ beside the Markdown (stdout output inlines)
  -o, --out FILE           write here (default stdout for html/markdown)`;

export async function run(argv: string[]): Promise<number> {
  if (helpRequested(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv, ['--to', '-o', '--out', '--for'], ['--inline']);
  const [file, ...extra] = args.positional;
  if (!file || extra.length) throw new UsageError(USAGE.split('\n')[0] as string);
  const to = (args.options['--to']?.at(-1) ?? 'html').toLowerCase();
  const format: ExportFormat | undefined = to === 'html' ? 'html' : to === 'markdown' || to === 'md' ? 'markdown' : to === 'pdf' ? 'pdf' : undefined;
  if (!format) throw new UsageError(`--to ${JSON.stringify(to)}: expected html, markdown or pdf`);
  const forWho = (args.options['--for']?.at(-1) ?? 'engineer').toLowerCase();
  if (forWho !== 'customer' && forWho !== 'engineer') throw new UsageError(`--for ${JSON.stringify(forWho)}: expected customer or engineer`);
  const audience = forWho as Audience;
  const inline = args.flags.has('--inline');
  const nb = readNotebook(file);
  const out = args.options['-o']?.at(-1) ?? args.options['--out']?.at(-1);
  if (!out || out === '-') {
    if (format === 'pdf') throw new UsageError('--to pdf needs -o FILE.pdf');
    process.stdout.write(exportNotebook(nb, format, { audience, inline: true }));
    return 0;
  }
  const written = await writeExport(nb, format, out, { audience, inline });
  process.stderr.write(`wrote ${written[0]}${written.length > 1 ? ` and ${written.length - 1} chart files` : ''}\n`);
  return 0;
}
