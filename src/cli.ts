/**
 * The `runbook` command: a dispatcher. Each sub-command lives in src/commands/<name>.ts and
 * exports `run(argv: string[]): Promise<number>` (the exit code); they load lazily so
 * `runbook kernel install` does not pay for arquero or vega.
 */
import { UsageError } from './commands/usage.js';

const COMMANDS: Record<string, { module: string; summary: string }> = {
  kernel: { module: './commands/kernel.js', summary: 'kernel install [--user|--sys-prefix|--prefix DIR] [--name N] [--display-name T] | list | doctor   the "runbook" kernelspec' },
  list: { module: './commands/list.js', summary: 'list                                  the runbooks with id, version, title, parameters' },
  run: { module: './commands/run.js', summary: 'run RUNBOOK [-p name=value ...] [-o OUT.ipynb]   execute a runbook headless' },
  rerun: { module: './commands/rerun.js', summary: 'rerun SAVED.ipynb [-o OUT.ipynb]      same runbook and parameters, fresh observations' },
  diff: { module: './commands/diff.js', summary: 'diff A.ipynb B.ipynb [--json]         semantic differences of two runs' },
  export: { module: './commands/export.js', summary: 'export NB.ipynb --to html|markdown|pdf [--for customer|engineer] [-o FILE]   the postmortem' },
  classify: { module: './commands/classify.js', summary: 'classify TRAFFIC [--format F] [--rules FILE] [--out FILE] [--json]' },
  rule: { module: './commands/rule.js', summary: 'rule test EXPRESSION TRAFFIC [--json]  which rows an expression matches' },
  mrt: { module: './commands/mrt.js', summary: 'mrt FILE [--json]                     MRT routing dump: one bgpdump -m line per route' },
  ingest: { module: './commands/ingest.js', summary: 'ingest TRAFFIC (--clickhouse URL | --duckdb FILE) --table T [--cluster NAME]   load traffic into a SQL engine' },
};

function usage(): string {
  return ['usage: runbook <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  runbook ${c.summary}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  // own keys only: `runbook constructor` is an unknown command, not Object.prototype.constructor
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) {
    process.stderr.write(`runbook: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    const mod = (await import(cmd.module)) as { run(argv: string[]): Promise<number> };
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      // every subcommand answers --help: one without its own text prints its line of the overview
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`usage: runbook ${cmd.summary}\n`);
        return 0;
      }
      process.stderr.write(`runbook ${name}: ${err.message}\n`);
      return 2;
    }
    // User mistakes are typed errors with a message; only unexpected failures show a stack.
    const e = err as Error & { userFacing?: boolean };
    if (e && e.userFacing) {
      process.stderr.write(`runbook ${name}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`runbook ${name}: internal error: ${e?.stack ?? String(err)}\n`);
    return 70;
  }
}
