/**
 * How the data benchmarks run a contender: in a child process of this script (`node self name`,
 * which prints its result as the last line of JSON), so each peak RSS is its own. Every
 * contender (ours, DuckDB, Arquero) starts the way `runbook` starts: with glibc huge pages for
 * big allocations (kernel/allocator.ts). BENCH_HUGEPAGES=0 runs them all without.
 *
 * Each child also reports the CPU time of its whole process (every thread: DuckDB's and our
 * parsing workers alike) on a line of its own when it exits, so a benchmark can print CPU next
 * to wall time: on a shared machine CPU time moves far less than wall time. BENCH_PROF=DIR
 * runs every contender under `node --cpu-prof --cpu-prof-dir=DIR` (one profile per thread).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { withHugePages } from '../kernel/allocator.js';

const contenderEnv = process.env['BENCH_HUGEPAGES'] === '0' ? { ...process.env, RUNBOOK_HUGEPAGES: '0' } : withHugePages(process.env);

/** Set in a contender's environment: it reports its CPU time as it exits. */
const CPU_REPORT = 'NETRUNBOOK_BENCH_CPU_REPORT';
const CPU_TAG = '"contenderCpu"';

if (process.env[CPU_REPORT] === '1') {
  process.on('exit', () => {
    const c = process.cpuUsage();
    // stdout to a pipe is synchronous on Linux; writeSync makes sure it is out before exit
    fs.writeSync(1, `\n{${CPU_TAG}:{"user":${c.user / 1e6},"system":${c.system / 1e6}}}\n`);
  });
}

/** What every contender's result carries besides its own fields. */
export interface Measured {
  /** CPU seconds of the contender's process, user + system, all threads. */
  cpuSec: number;
  /** Wall seconds of the whole child process (start-up included). */
  processSec: number;
  /** 1-minute load average just before and just after the contender ran. */
  loadBefore: number;
  loadAfter: number;
}

/** Runs contender `name` of the benchmark script `self` in a child process; its result. */
export function runContender<R>(self: string, name: string): R & Measured {
  const prof = process.env['BENCH_PROF'];
  const args = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, self, name] : [self, name];
  const loadBefore = os.loadavg()[0] as number;
  const t0 = performance.now();
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'], env: { ...contenderEnv, [CPU_REPORT]: '1' } });
  const processSec = (performance.now() - t0) / 1000;
  const lines = out.trim().split('\n').filter((l) => l.trim() !== '');
  const cpuLine = lines.findLast((l) => l.includes(CPU_TAG));
  const result = lines.findLast((l) => !l.includes(CPU_TAG)) as string;
  const cpu = cpuLine ? (JSON.parse(cpuLine) as { contenderCpu: { user: number; system: number } }).contenderCpu : { user: NaN, system: NaN };
  return { ...(JSON.parse(result) as R), cpuSec: cpu.user + cpu.system, processSec, loadBefore, loadAfter: os.loadavg()[0] as number };
}

/** The machine line every data benchmark prints. */
export function machineLine(): string {
  return `machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; contenders' GLIBC_TUNABLES: ${contenderEnv['GLIBC_TUNABLES'] ?? '(none)'}`;
}
