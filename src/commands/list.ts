/** `runbook list [--json]`: the runbooks with id, version, title and parameters (type, default, required). */
import { listRunbooks, runbooksDir, typeName, type ParamSpec } from '../notebook/index.js';
import { helpRequested, parseArgs } from './usage.js';

export const USAGE = `usage: runbook list [--json]

  The installed runbooks: id, version, title, and each parameter with its type, its default
  and whether it is required (a required parameter has no usable default: pass -p name=VALUE).`;

/** A parameter must be given when its default is empty and its type is not optional. */
export function isRequired(p: ParamSpec): boolean {
  const d = p.default;
  const empty = d === '' || d === null || (Array.isArray(d) && d.length === 0);
  return empty && !p.type.optional;
}

function paramText(p: ParamSpec): string {
  const def = p.default === '' || p.default === null ? '' : ` = ${JSON.stringify(p.default)}`;
  return `${p.name}: ${typeName(p.type)}${isRequired(p) ? ' (required)' : def}`;
}

export async function run(argv: string[]): Promise<number> {
  if (helpRequested(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv, [], ['--json']);
  const entries = listRunbooks();
  if (args.flags.has('--json')) {
    const out = entries.map((e) => ({
      id: e.meta.id,
      version: e.meta.version,
      title: e.meta.title,
      summary: e.meta.summary,
      file: e.file,
      parameters: e.parameters.map((p) => ({ name: p.name, type: typeName(p.type), default: p.default, required: isRequired(p), description: p.description })),
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(`no runbooks in ${runbooksDir()}\n`);
    return 0;
  }
  // The id/version columns are aligned; title and parameters are never cut (they are what you read).
  const w0 = Math.max(2, ...entries.map((e) => e.meta.id.length));
  const w1 = Math.max(7, ...entries.map((e) => e.meta.version.length));
  const pad = ' '.repeat(w0 + w1 + 4);
  const lines = [`${'ID'.padEnd(w0)}  ${'VERSION'.padEnd(w1)}  TITLE\n${pad}PARAMETERS (type = default, or required)`];
  for (const e of entries) {
    lines.push(`${e.meta.id.padEnd(w0)}  ${e.meta.version.padEnd(w1)}  ${e.meta.title}`);
    for (const p of e.parameters) lines.push(`${pad}-p ${paramText(p)}${p.description ? `  — ${p.description}` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
