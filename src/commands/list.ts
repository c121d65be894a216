/** `runbook list [--json]`: the runbooks with id, version, title and parameters. */
import { listRunbooks, runbooksDir, typeName } from '../notebook/index.js';
import { parseArgs } from './usage.js';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [], ['--json']);
  const entries = listRunbooks();
  if (args.flags.has('--json')) {
    const out = entries.map((e) => ({
      id: e.meta.id,
      version: e.meta.version,
      title: e.meta.title,
      summary: e.meta.summary,
      file: e.file,
      parameters: e.parameters.map((p) => ({ name: p.name, type: typeName(p.type), default: p.default, description: p.description })),
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(`no runbooks in ${runbooksDir()}\n`);
    return 0;
  }
  // The id/version columns are aligned; title and parameters are never cut (they are what you read).
  const rows = entries.map((e) => [e.meta.id, e.meta.version, e.meta.title, e.parameters.map((p) => `${p.name}: ${typeName(p.type)}`).join(', ')]);
  const w0 = Math.max(2, ...rows.map((r) => (r[0] as string).length));
  const w1 = Math.max(7, ...rows.map((r) => (r[1] as string).length));
  const line = (r: string[]) => `${(r[0] ?? '').padEnd(w0)}  ${(r[1] ?? '').padEnd(w1)}  ${r[2]}\n${' '.repeat(w0 + w1 + 4)}${r[3]}`;
  process.stdout.write(`${[`${'ID'.padEnd(w0)}  ${'VERSION'.padEnd(w1)}  TITLE\n${' '.repeat(w0 + w1 + 4)}PARAMETERS`, ...rows.map(line)].join('\n')}\n`);
  return 0;
}
