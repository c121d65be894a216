/** `runbook list [--json]`: the runbooks with id, version, title and parameters. */
import { textTable } from '../display.js';
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
  const rows = entries.map((e) => [e.meta.id, e.meta.version, e.meta.title, e.parameters.map((p) => `${p.name}: ${typeName(p.type)}`).join(', ')]);
  process.stdout.write(`${textTable(['ID', 'VERSION', 'TITLE', 'PARAMETERS'], rows, 1000)}\n`);
  return 0;
}
