/**
 * `runbook kernel install [--user|--sys-prefix|--prefix DIR] [--name NAME] [--display-name TEXT]`:
 * write the `runbook` kernelspec where `jupyter kernelspec list` finds it. The spec records the
 * install it points at (`metadata.netrunbook`: package root and version); installing a second
 * clone under the same name says which install it replaced (use --name to keep both).
 * `runbook kernel list`: the netrunbook kernelspecs Jupyter finds and the install each points at.
 * `runbook kernel doctor`: whether each of them resolves (node and the kernel exist); exit 1 if not.
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
import { createRequire } from 'node:module';

const PKG = createRequire(import.meta.url)('../../../package.json') as { version: string };

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

/** What a spec records about the install it runs (kernel.json `metadata.netrunbook`). */
export interface InstallRecord {
  root: string;
  version: string;
}

export function kernelSpec(displayName = 'TypeScript (runbook)'): KernelSpec {
  return {
    argv: [process.execPath, KERNEL_MAIN, '{connection_file}'],
    display_name: displayName,
    language: 'typescript',
    // SIGINT reaches a synchronous loop (vm breakOnSigint); a message could not.
    interrupt_mode: 'signal',
    // huge pages for big tables (see kernel/allocator.ts)
    env: { GLIBC_TUNABLES: HUGE_PAGES_TUNABLE },
    metadata: { debugger: false, netrunbook: { root: ROOT, version: PKG.version } satisfies InstallRecord },
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

/** The install a kernelspec runs: its metadata record, else derived from its argv. */
function installOf(spec: Partial<KernelSpec>): InstallRecord | null {
  const rec = (spec.metadata as { netrunbook?: Partial<InstallRecord> } | undefined)?.netrunbook;
  if (rec && typeof rec.root === 'string') return { root: rec.root, version: String(rec.version ?? '?') };
  const main = spec.argv?.[1];
  if (typeof main === 'string' && main.endsWith(path.join('dist', 'kernel', 'main.js'))) return { root: path.resolve(path.dirname(main), '../..'), version: '?' };
  return null;
}

function readSpec(dir: string): Partial<KernelSpec> | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')) as Partial<KernelSpec>;
  } catch {
    return null;
  }
}

const KERNEL_NAME_RE = /^[a-z0-9._-]+$/i;

/** Install the spec; returns the directory written and the install it replaced, if another. */
export function installKernelSpec(dataDir: string, name = KERNEL_NAME, displayName?: string): string {
  return installKernelSpecReplacing(dataDir, name, displayName).dest;
}

export function installKernelSpecReplacing(dataDir: string, name = KERNEL_NAME, displayName?: string): { dest: string; replaced: InstallRecord | null } {
  if (!KERNEL_NAME_RE.test(name)) throw new UsageError(`--name "${name}": a kernelspec name may only contain letters, digits, ".", "_" and "-"`);
  const kernels = path.join(dataDir, 'kernels');
  const dest = path.join(kernels, name);
  const old = readSpec(dest);
  const oldInstall = old ? installOf(old) : null;
  const replaced = oldInstall && path.resolve(oldInstall.root) !== ROOT ? oldInstall : null;
  fs.mkdirSync(kernels, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(kernels, `.${name}-`));
  try {
    fs.writeFileSync(path.join(tmp, 'kernel.json'), `${JSON.stringify(kernelSpec(displayName), null, 2)}\n`);
    for (const f of ['logo-32x32.png', 'logo-64x64.png', 'logo.svg']) fs.copyFileSync(path.join(ASSETS, f), path.join(tmp, f));
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dest, replaced };
}

export interface FoundSpec {
  name: string;
  dir: string;
  displayName: string;
  install: InstallRecord;
  /** Problems that keep it from starting (empty: it resolves). */
  problems: string[];
}

/** Every kernelspec directory Jupyter would search, with jupyter's own listing when available. */
function specDirs(): { name: string; dir: string }[] {
  try {
    const out = execFileSync('jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const listed = JSON.parse(out) as { kernelspecs: Record<string, { resource_dir: string }> };
    return Object.entries(listed.kernelspecs).map(([name, v]) => ({ name, dir: v.resource_dir }));
  } catch {
    const roots = [...(process.env.JUPYTER_PATH ?? '').split(path.delimiter).filter(Boolean), userDataDir(), '/usr/local/share/jupyter', '/usr/share/jupyter'];
    const seen = new Map<string, string>();
    for (const r of roots) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(path.join(r, 'kernels'));
      } catch {
        continue;
      }
      for (const n of names) if (!seen.has(n) && !n.startsWith('.')) seen.set(n, path.join(r, 'kernels', n));
    }
    return [...seen].map(([name, dir]) => ({ name, dir }));
  }
}

/** The netrunbook kernelspecs Jupyter finds, each with what keeps it from starting. */
export function findKernelSpecs(): FoundSpec[] {
  const out: FoundSpec[] = [];
  for (const { name, dir } of specDirs()) {
    const spec = readSpec(dir);
    const install = spec ? installOf(spec) : null;
    if (!spec || !install) continue;
    const problems: string[] = [];
    const [node, main] = spec.argv ?? [];
    if (!node || !fs.existsSync(node)) problems.push(`node (${node ?? 'missing from argv'}) does not exist`);
    if (!main || !fs.existsSync(main)) problems.push(`the kernel (${main ?? 'missing from argv'}) does not exist: build or reinstall that install`);
    if (!fs.existsSync(path.join(install.root, 'package.json'))) problems.push(`the install ${install.root} is gone`);
    out.push({ name, dir, displayName: String(spec.display_name ?? name), install, problems });
  }
  return out;
}

function listOrDoctor(doctor: boolean): number {
  const specs = findKernelSpecs();
  if (specs.length === 0) {
    process.stdout.write('no netrunbook kernelspec found: run "runbook kernel install"\n');
    return doctor ? 1 : 0;
  }
  let broken = 0;
  for (const s of specs) {
    const here = path.resolve(s.install.root) === ROOT ? ' (this install)' : '';
    const status = s.problems.length === 0 ? 'ok' : `BROKEN: ${s.problems.join('; ')}`;
    if (s.problems.length) broken++;
    process.stdout.write(`${s.name}\t"${s.displayName}"\t${s.install.root}${here} v${s.install.version}\t${doctor ? status : s.dir}\n`);
  }
  return doctor && broken > 0 ? 1 : 0;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['--prefix', '--name', '--display-name'], ['--user', '--sys-prefix']);
  const [sub, ...extra] = args.positional;
  if (sub === 'list' || sub === 'doctor') {
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    return listOrDoctor(sub === 'doctor');
  }
  if (sub !== 'install') throw new UsageError(`expected "kernel install", "kernel list" or "kernel doctor", got "kernel ${sub ?? ''}"`.trim());
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const chosen = [args.flags.has('--user'), args.flags.has('--sys-prefix'), Boolean(args.options['--prefix'])].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of --user, --sys-prefix, --prefix DIR');
  if (!fs.existsSync(KERNEL_MAIN)) {
    throw Object.assign(new Error(`the kernel is not built (${KERNEL_MAIN} is missing): run "npm run build" first`), { userFacing: true });
  }
  const prefix = args.options['--prefix']?.at(-1);
  const dataDir = prefix ? path.join(path.resolve(prefix), 'share/jupyter') : args.flags.has('--sys-prefix') ? path.join(sysPrefix(), 'share/jupyter') : userDataDir();
  const { dest, replaced } = installKernelSpecReplacing(dataDir, args.options['--name']?.at(-1) ?? KERNEL_NAME, args.options['--display-name']?.at(-1));
  process.stdout.write(`installed kernelspec "${path.basename(dest)}" in ${dest} (runs ${ROOT})\n`);
  if (replaced) process.stderr.write(`note: it replaced "${path.basename(dest)}", which ran ${replaced.root}; install with --name to keep both\n`);
  return 0;
}
