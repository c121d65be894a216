/**
 * What the behaviour analysis costs: score() with the full pack on N generated Logpush rows
 * (default 1,000,000, `BENCH_ROWS=200000` to iterate), this tree against a commit from before
 * behaviour was merged (default e972a60, `BENCH_OLD=<commit>`), in the same run on the same
 * file. The old commit is exported with `git archive` into the temp directory and compiled
 * there once (node_modules linked to this tree's). Old and new run in alternating child
 * processes (old, new, old, new, ...; `BENCH_ROUNDS`, default 3), each loading the file with its
 * own loader (not timed) and then timing one score() call: wall time and the process's CPU time
 * (user + system, from process.cpuUsage: this machine is shared, and CPU time moves less with the
 * neighbours' load than wall time does). Prints every run, each round's new/old ratio and the
 * medians. `BENCH_PROF=DIR` writes a V8 CPU profile of every child into DIR.
 *
 *   node dist/bench/behaviour-overhead.js
 *   BENCH_SCORE_PARALLEL=1 node dist/bench/behaviour-overhead.js   (this tree's row-local signatures on a second thread)
 *   node dist/bench/behaviour-overhead.js child DIST_ROOT FILE   (one contender, JSON out)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scoreBenchFile } from './score-data.js';
import { machineLine } from './contenders.js';
import { withHugePages } from '../kernel/allocator.js';

interface Run {
  rows: number;
  /** score() only, seconds */
  wall: number;
  cpu: number;
  good: number;
  suspicious: number;
  malicious: number;
  signatures: number;
  peakRssMB: number;
}

interface ClassifyModule {
  score(table: unknown, opts?: { parallel?: boolean }): { counts: { good: number; suspicious: number; malicious: number }; signatures: readonly unknown[] };
}
interface TrafficModule {
  loadTraffic(file: string, opts: Record<string, unknown>): Promise<{ table: { numRows(): number } }>;
}

/** One contender in this (child) process: the tree whose compiled sources are under `dist`. */
async function child(dist: string, file: string): Promise<Run> {
  const traffic = (await import(pathToFileURL(path.join(dist, 'src/traffic/index.js')).href)) as TrafficModule;
  const classify = (await import(pathToFileURL(path.join(dist, 'src/classify/index.js')).href)) as ClassifyModule;
  const { table } = await traffic.loadTraffic(file, { format: 'logpush', workers: 2 });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // BENCH_SCORE_PARALLEL=1: this tree's row-local signatures on a second thread (the old tree has no worker)
  const r = classify.score(table, process.env['BENCH_SCORE_PARALLEL'] === '1' ? { parallel: true } : {});
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return {
    rows: table.numRows(),
    wall,
    cpu: (c.user + c.system) / 1e6,
    ...r.counts,
    signatures: r.signatures.length,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The old commit compiled under the temp directory (exported and built when missing). */
function oldTree(commit: string, repo: string): string {
  const full = execFileSync('git', ['rev-parse', '--verify', `${commit}^{commit}`], { cwd: repo, encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `netrunbook-bench-tree-${full.slice(0, 12)}`);
  const done = path.join(dir, 'dist/src/classify/index.js');
  if (fs.existsSync(done)) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  console.log(`building ${full.slice(0, 12)} in ${dir} (git archive + tsc, once)`);
  const tar = execFileSync('git', ['archive', '--format=tar', full], { cwd: repo, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', tmp], { input: tar });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(tmp, 'node_modules'));
  execFileSync(path.join(repo, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: tmp, stdio: 'inherit' });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  if (process.argv[2] === 'child') {
    console.log(JSON.stringify(await child(process.argv[3] as string, process.argv[4] as string)));
    return;
  }
  // this file is dist/bench/behaviour-overhead.js: the tree is two levels up
  const newDist = path.resolve(path.dirname(self), '..');
  const repo = path.resolve(newDist, '..');
  const commit = process.env['BENCH_OLD'] ?? 'e972a60';
  const oldDist = path.join(oldTree(commit, repo), 'dist');
  const n = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
  const rounds = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
  const prof = process.env['BENCH_PROF'];
  const file = scoreBenchFile(n);
  console.log(`data: ${file} (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB, ${n} rows); old: ${commit} (${oldDist}); new: ${newDist}`);
  console.log(machineLine());
  const env = process.env['BENCH_HUGEPAGES'] === '0' ? { ...process.env, RUNBOOK_HUGEPAGES: '0' } : withHugePages(process.env);
  const run = (name: string, dist: string, round: number): Run => {
    const flags = prof ? ['--cpu-prof', '--cpu-prof-dir', prof, '--cpu-prof-name', `${name}-${round}.cpuprofile`] : [];
    const out = execFileSync(process.execPath, [...flags, self, 'child', dist, file], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'], env });
    const r = JSON.parse(out.trim().split('\n').pop() as string) as Run;
    console.log(`round ${round} ${name}: score ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU; ${r.signatures} signatures; good ${r.good}, suspicious ${r.suspicious}, malicious ${r.malicious}; peak RSS ${r.peakRssMB} MB`);
    return r;
  };
  const olds: Run[] = [];
  const news: Run[] = [];
  for (let round = 1; round <= rounds; round++) {
    // alternate which goes first, so neither always runs on a machine the other just warmed
    if (round % 2 === 1) {
      olds.push(run('old', oldDist, round));
      news.push(run('new', newDist, round));
    } else {
      news.push(run('new', newDist, round));
      olds.push(run('old', oldDist, round));
    }
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const wall = olds.map((o, i) => (news[i] as Run).wall / o.wall);
  const cpu = olds.map((o, i) => (news[i] as Run).cpu / o.cpu);
  console.log('');
  console.log(`score() wall: old ${fmt(olds.map((r) => r.wall))} s, new ${fmt(news.map((r) => r.wall))} s; new/old per round ${fmt(wall)} (median ${median(wall).toFixed(2)}, target <= 1.5)`);
  console.log(`score() CPU:  old ${fmt(olds.map((r) => r.cpu))} s, new ${fmt(news.map((r) => r.cpu))} s; new/old per round ${fmt(cpu)} (median ${median(cpu).toFixed(2)}, target <= 1.5)`);
  console.log(`median of times: wall ${(median(news.map((r) => r.wall)) / median(olds.map((r) => r.wall))).toFixed(2)}x, CPU ${(median(news.map((r) => r.cpu)) / median(olds.map((r) => r.cpu))).toFixed(2)}x`);
}

await main();
