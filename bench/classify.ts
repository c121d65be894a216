/**
 * `runbook classify` end to end (load, full signature pack, analysis, mitigation synthesis with
 * its backtests, the --json summary) on N generated Logpush rows (default 1,000,000; the same
 * file bench/score.ts uses, `BENCH_ROWS=100000` for a quick run) against DuckDB's read_json plus
 * the 8-signature SQL of bench/score.ts, in the same run (its contender, run by
 * bench/contenders.ts in its own process).
 *
 * Ours is `classifyTraffic` (what the command runs, two parsing threads as the command uses for
 * a big plain file) plus the pretty-printed --json text. Each round runs both contenders, the
 * order alternating between rounds (a machine shared with others drifts from minute to minute),
 * and prints per phase the wall and CPU seconds (CPU: every thread of the process), the 1-minute
 * load average around each contender, and the ratio DuckDB / ours for wall and for CPU time.
 *
 *   BENCH_ROUNDS=2 node dist/bench/classify.js
 *   BENCH_PROF=/tmp/prof node dist/bench/classify.js   # --cpu-prof of every contender
 *   BENCH_SCORE_PARALLEL=1 node dist/bench/classify.js  # row-local signatures on a second thread (score()'s `parallel: true`)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreBenchFile } from './score-data.js';
import { classifyTraffic, type PhaseTimes } from '../src/classify/index.js';
import { machineLine, runContender, type Measured } from './contenders.js';

const N = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 2));
// the same generator, parameters and file as bench/score.ts (written once, then reused)
const file = scoreBenchFile(N);
const here = path.dirname(fileURLToPath(import.meta.url));

interface Ours {
  name: string;
  phases: PhaseTimes & { json: { wallMs: number; cpuMs: number } };
  total: number;
  rows: number;
  malicious: number;
  clusters: number;
  mitigations: number;
  jsonBytes: number;
  peakRssMB: number;
}
interface Duck {
  name: string;
  load: number;
  score: number;
  malicious: number;
  peakRssMB: number;
}

async function ours(): Promise<Ours> {
  const t0 = performance.now();
  // BENCH_SCORE_PARALLEL=1: the row-local signatures on a second thread (score()'s `parallel: true`), to compare
  const c = await classifyTraffic(file, { format: 'logpush', workers: Math.min(2, os.availableParallelism()), ...(process.env['BENCH_SCORE_PARALLEL'] === '1' ? { parallel: true } : {}) });
  // what `runbook classify FILE --json` prints
  const w = performance.now();
  const u = process.cpuUsage();
  const text = `${JSON.stringify(c.summary, null, 2)}\n`;
  const u2 = process.cpuUsage(u);
  const t1 = performance.now();
  const s = c.summary;
  return {
    name: 'netrunbook',
    phases: { ...c.timings, json: { wallMs: t1 - w, cpuMs: (u2.user + u2.system) / 1000 } },
    total: (t1 - t0) / 1000,
    rows: s.rows,
    malicious: s.labels.malicious,
    clusters: s.clusters.length,
    mitigations: s.mitigations.length,
    jsonBytes: text.length,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === 'netrunbook') {
  console.log(JSON.stringify(await ours()));
  process.exit(0);
}

console.log(`data: ${file} (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB, ${N} rows)`);
console.log(machineLine());

const sec = (ms: number) => (ms / 1000).toFixed(2);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const load = (m: Measured) => `load average ${m.loadBefore.toFixed(1)} -> ${m.loadAfter.toFixed(1)}`;
const wall: number[] = [];
const cpu: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  // alternate who goes first, so neither always gets the quieter minute
  const order = round % 2 ? ['netrunbook', 'duckdb'] : ['duckdb', 'netrunbook'];
  let o: (Ours & Measured) | undefined;
  let d: (Duck & Measured) | undefined;
  for (const who of order) {
    if (who === 'netrunbook') o = runContender<Ours>(self, 'netrunbook');
    else d = runContender<Duck>(path.join(here, 'score.js'), 'duckdb');
  }
  if (!o || !d) throw new Error('a contender did not run');
  const p = o.phases;
  const phase = (name: string, t: { wallMs: number; cpuMs: number }) => `${name} ${sec(t.wallMs)}/${sec(t.cpuMs)}`;
  console.log(
    `round ${round} netrunbook  classify end to end ${o.total.toFixed(2)} s wall, ${o.cpuSec.toFixed(2)} s CPU (process); phases wall/CPU s: ${[phase('load', p.load), phase('full pack', p.score), phase('analysis + mitigations', p.analyze), phase('summary', p.summary), phase('--json text', p.json)].join(', ')}; ${o.rows} rows, ${o.malicious} malicious, ${o.clusters} clusters, ${o.mitigations} mitigations, ${o.jsonBytes} B of JSON; peak RSS ${o.peakRssMB} MB; ${load(o)}`,
  );
  console.log(
    `round ${round} duckdb      read_json ${d.load.toFixed(2)} s + 8-signature SQL ${d.score.toFixed(2)} s = ${(d.load + d.score).toFixed(2)} s wall, ${d.cpuSec.toFixed(2)} s CPU (process); malicious ${d.malicious}; peak RSS ${d.peakRssMB} MB; ${load(d)}`,
  );
  wall.push((d.load + d.score) / o.total);
  // CPU of the whole processes (start-up and module loading included on both sides)
  cpu.push(d.cpuSec / o.cpuSec);
}
const show = (xs: number[]) => `${xs.map((r) => r.toFixed(2)).join(', ')} (median ${median(xs).toFixed(2)})`;
console.log(`\nDuckDB (read_json + 8 signatures) / netrunbook classify (load + full pack + analysis + mitigations + --json), per round (target >= 1: ours no slower):`);
console.log(`  wall time: ${show(wall)}`);
console.log(`  CPU time:  ${show(cpu)}`);
