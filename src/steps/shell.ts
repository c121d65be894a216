/**
 * The one runner every step uses, and the only module that imports zx.
 *
 * - argv arrays only: zx is given a spawn function that executes argv[0] with argv[1..] directly
 *   (shell: false), so no string ever reaches /bin/sh, whatever zx would have quoted.
 * - timeouts: the process (tree) is killed with SIGKILL, the partial output is kept and the
 *   transcript says `timedOut: true`.
 * - redaction: argv, stdout and stderr are redacted (redact.ts) before the transcript exists.
 * - a missing tool is a ToolMissingError naming the Debian package, raised before spawning.
 * - `netns` runs the tool inside a network namespace: `ip netns exec NS tool ...`.
 */
import cp from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { ToolMissingError } from './errors.js';
import { redact } from './redact.js';
import * as v from './validate.js';

/** One process run, as evidence. */
export interface Transcript {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** ISO 8601 time the process was started. */
  startedAt: string;
  durationMs: number;
  timedOut: boolean;
}

export interface RunOptions {
  /** Kill the process after this many ms (default 30000). */
  timeoutMs?: number;
  /** Text written to stdin (stdin is otherwise empty, never inherited). */
  input?: string;
  /** Run inside this network namespace (`ip netns exec NS ...`). */
  netns?: string;
  cwd?: string;
  /** Extra environment; LC_ALL=C is always set. */
  env?: Record<string, string>;
}

/** Which Debian package provides each tool we call. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  dig: 'dnsutils',
  delv: 'bind9-dnsutils',
  curl: 'curl',
  openssl: 'openssl',
  git: 'git',
  traceroute: 'traceroute',
  tracepath: 'iputils-tracepath',
  ping: 'iputils-ping',
  ip: 'iproute2',
  mtr: 'mtr-tiny',
  vtysh: 'frr',
  tshark: 'tshark',
  named: 'bind9',
  'dnssec-signzone': 'bind9-utils',
  'dnssec-keygen': 'bind9-utils',
  'named-checkconf': 'bind9-utils',
  nginx: 'nginx-light',
};

const found = new Map<string, string | null>();

/** The absolute path of a tool on PATH (also sbin directories), or null. */
export function which(tool: string): string | null {
  if (found.has(tool)) return found.get(tool) ?? null;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  let hit: string | null = null;
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, tool);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) {
        hit = p;
        break;
      }
    } catch {
      /* not here */
    }
  }
  found.set(tool, hit);
  return hit;
}

/** Throw ToolMissingError unless the tool is installed. */
export function requireTool(tool: string): string {
  const p = which(tool);
  if (!p) throw new ToolMissingError(tool, TOOL_PACKAGES[tool] ?? tool);
  return p;
}

/** Every transcript produced by this process, in order (tests assert nothing ran). */
let processCount = 0;
export function processesStarted(): number {
  return processCount;
}

/**
 * Run argv and return its transcript. Never throws for a failing tool (exit code, signal and
 * timeout are data); throws ToolMissingError / StepInputError before starting anything.
 */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<Transcript> {
  if (argv.length === 0) throw new TypeError('run: empty argv');
  for (const a of argv) if (typeof a !== 'string' || a.includes('\0')) throw new TypeError('run: argv must be strings without NUL');
  const tool = argv[0] as string;
  const toolPath = requireTool(tool);
  let full = [toolPath, ...argv.slice(1)];
  if (opts.netns !== undefined) {
    const ns = v.netns('netns', opts.netns);
    full = [requireTool('ip'), 'netns', 'exec', ns, toolPath, ...argv.slice(1)];
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const shown = opts.netns !== undefined ? ['ip', 'netns', 'exec', opts.netns, ...argv] : [...argv];
  const startedAt = new Date();
  const t0 = performance.now();
  let timedOut = false;
  processCount += 1;

  const [file, ...args] = full as [string, ...string[]];
  // zx builds a command line for a shell; we ignore it and spawn the argv itself.
  const spawn = ((_cmd: string, _args: readonly string[], o: cp.SpawnOptions) =>
    cp.spawn(file, args, { ...o, shell: false, detached: true })) as unknown as typeof cp.spawn;
  const p = $({
    nothrow: true,
    quiet: true,
    verbose: false,
    spawn,
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, ...(opts.env ?? {}), LC_ALL: 'C', LANG: 'C' },
    // stdin is /dev/null unless there is input: tools like s_client wait on an open stdin.
    ...(opts.input ? { input: opts.input } : { stdio: ['ignore', 'pipe', 'pipe'] as cp.StdioOptions }),
    detached: true,
  })`${full}`;
  const timer = setTimeout(() => {
    timedOut = true;
    const pid = p.pid;
    // Kill the whole group (ip netns exec, timeout wrappers, children).
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        void p.kill('SIGKILL').catch(() => undefined);
      }
    }
  }, timeoutMs);
  const out = await p;
  clearTimeout(timer);
  return {
    argv: shown.map(redact),
    exitCode: out.exitCode,
    signal: out.signal,
    stdout: redact(out.stdout),
    stderr: redact(out.stderr),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
    timedOut,
  };
}
