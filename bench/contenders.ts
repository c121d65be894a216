/**
 * How the data benchmarks run a contender: in a child process of this script (`node self name`,
 * which prints its result as the last line of JSON), so each peak RSS is its own. Every
 * contender (ours, DuckDB, Arquero) starts the way `runbook` starts: with glibc huge pages for
 * big allocations (kernel/allocator.ts). BENCH_HUGEPAGES=0 runs them all without.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { withHugePages } from '../kernel/allocator.js';

const contenderEnv = process.env['BENCH_HUGEPAGES'] === '0' ? { ...process.env, RUNBOOK_HUGEPAGES: '0' } : withHugePages(process.env);

/** Runs contender `name` of the benchmark script `self` in a child process; its result. */
export function runContender<R>(self: string, name: string): R {
  const out = execFileSync(process.execPath, [self, name], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'], env: contenderEnv });
  return JSON.parse(out.trim().split('\n').pop() as string) as R;
}

/** The machine line every data benchmark prints. */
export function machineLine(): string {
  return `machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; contenders' GLIBC_TUNABLES: ${contenderEnv['GLIBC_TUNABLES'] ?? '(none)'}`;
}
