/**
 * `runbook kernel install [--user|--sys-prefix|--prefix DIR] [--name NAME]`: write the
 * `runbook` kernelspec where `jupyter kernelspec list` finds it.
 *
 * Locations follow jupyter_core: --user (the default) is $JUPYTER_DATA_DIR, else
 * $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter; --sys-prefix is Python's sys.prefix +
 * /share/jupyter; --prefix DIR is DIR/share/jupyter. The spec directory is written beside its
 * final place and renamed over it, so a reader never sees a half-written spec.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError } from './usage.js';
import { HUGE_PAGES_TUNABLE } from '../../kernel/allocator.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/src/commands -> package root. */
const ROOT = path.resolve(HERE, '../../..');
const KERNEL_MAIN = path.join(ROOT, 'dist/kernel/main.js');
const ASSETS = path.join(ROOT, 'kernel/assets');

export const KERNEL_NAME = 'runbook';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'signal' | 'message';
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

export function kernelSpec(): KernelSpec {
  return {
    argv: [process.execPath, KERNEL_MAIN, '{connection_file}'],
    display_name: 'TypeScript (runbook)',
    language: 'typescript',
    // SIGINT reaches a synchronous loop (vm breakOnSigint); a message could not.
    interrupt_mode: 'signal',
    // huge pages for big tables (see kernel/allocator.ts)
    env: { GLIBC_TUNABLES: HUGE_PAGES_TUNABLE },
    metadata: { debugger: false },
  };
}

function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.env.XDG_DATA_HOME) return path.join(process.env.XDG_DATA_HOME, 'jupyter');
  return path.join(os.homedir(), '.local/share/jupyter');
}

function sysPrefix(): string {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      return execFileSync(py, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // try the next interpreter
    }
  }
  throw Object.assign(new Error('--sys-prefix needs python3 to find sys.prefix; pass --prefix DIR instead'), { userFacing: true });
}

/** Install the spec; returns the directory written. */
export function installKernelSpec(dataDir: string, name = KERNEL_NAME): string {
  const kernels = path.join(dataDir, 'kernels');
  const dest = path.join(kernels, name);
  fs.mkdirSync(kernels, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(kernels, `.${name}-`));
  try {
    fs.writeFileSync(path.join(tmp, 'kernel.json'), `${JSON.stringify(kernelSpec(), null, 2)}\n`);
    for (const f of ['logo-32x32.png', 'logo-64x64.png', 'logo.svg']) fs.copyFileSync(path.join(ASSETS, f), path.join(tmp, f));
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return dest;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['--prefix', '--name'], ['--user', '--sys-prefix']);
  const [sub, ...extra] = args.positional;
  if (sub !== 'install') throw new UsageError(`expected "kernel install", got "kernel ${sub ?? ''}"`.trim());
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const chosen = [args.flags.has('--user'), args.flags.has('--sys-prefix'), Boolean(args.options['--prefix'])].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of --user, --sys-prefix, --prefix DIR');
  if (!fs.existsSync(KERNEL_MAIN)) {
    throw Object.assign(new Error(`the kernel is not built (${KERNEL_MAIN} is missing): run "npm run build" first`), { userFacing: true });
  }
  const prefix = args.options['--prefix']?.at(-1);
  const dataDir = prefix ? path.join(path.resolve(prefix), 'share/jupyter') : args.flags.has('--sys-prefix') ? path.join(sysPrefix(), 'share/jupyter') : userDataDir();
  const dest = installKernelSpec(dataDir, args.options['--name']?.at(-1) ?? KERNEL_NAME);
  process.stdout.write(`installed kernelspec "${path.basename(dest)}" in ${dest}\n`);
  return 0;
}
