/**
 * `runbook classify` end to end (load, full signature pack, analysis, mitigation synthesis with
 * its backtests, the --json summary) on N generated Logpush rows (default 1,000,000; the same
 * file bench/score.ts uses, `BENCH_ROWS=100000` for a quick run) against DuckDB's read_json plus
 * the 8-signature SQL of bench/score.ts, in the same run (its contender, run by
 * bench/contenders.ts in its own process). Prints each phase and the ratio per round.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesize } from './synth.js';
import { loadTraffic } from '../src/traffic/index.js';
import { score, analyze } from '../src/classify/index.js';
import { machineLine, runContender } from './contenders.js';

const N = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 2));
const file = path.join(os.tmpdir(), `netrunbook-bench-${N}.ndjson`);
const here = path.dirname(fileURLToPath(import.meta.url));

interface Ours {
  name: string;
  load: number;
  score: number;
  analyze: number;
  summary: number;
  total: number;
  clusters: number;
  mitigations: number;
  peakRssMB: number;
}
interface Duck {
  name: string;
  load: number;
  score: number;
  malicious: number;
  peakRssMB: number;
}

const now = () => performance.now() / 1000;

async function ours(): Promise<Ours> {
  const t0 = now();
  // what `runbook classify FILE --json` does (classify/classify.ts), phase by phase
  const { table } = await loadTraffic(file, { format: 'logpush', workers: Math.min(2, os.availableParallelism()) });
  const t1 = now();
  const scored = score(table);
  const t2 = now();
  const a = analyze(scored);
  const t3 = now();
  const json = JSON.stringify({ rows: table.numRows(), labels: scored.counts, clusters: a.clusters, mitigations: a.mitigations, refused: a.refused, levers: a.levers });
  const t4 = now();
  return { name: 'netrunbook', load: t1 - t0, score: t2 - t1, analyze: t3 - t2, summary: t4 - t3, total: t4 - t0, clusters: a.clusters.length, mitigations: a.mitigations.length + json.length * 0, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === 'netrunbook') {
  console.log(JSON.stringify(await ours()));
  process.exit(0);
}

if (!fs.existsSync(file)) {
  // the same generator and parameters as bench/score.ts, so both benchmarks share the file
  const fd = fs.openSync(`${file}.tmp`, 'w');
  let buf: string[] = [];
  for (const r of synthesize({ seed: 42, durationSec: Math.ceil(N / 120), benignRps: 60, attackRps: 30, attackStart: 0.2, attackEnd: 0.8, limit: N })) {
    buf.push(JSON.stringify(r.record));
    if (buf.length === 10000) {
      fs.writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
}
console.log(`data: ${file} (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB, ${N} rows)`);
console.log(machineLine());
const ratios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const o = runContender<Ours>(self, 'netrunbook');
  const d = runContender<Duck>(path.join(here, 'score.js'), 'duckdb');
  console.log(`round ${round} netrunbook  classify end to end ${o.total.toFixed(2)} s (load ${o.load.toFixed(2)}, full pack ${o.score.toFixed(2)}, analysis + mitigations ${o.analyze.toFixed(2)}, summary ${o.summary.toFixed(2)}); ${o.clusters} clusters, ${o.mitigations} mitigations; peak RSS ${o.peakRssMB} MB`);
  console.log(`round ${round} duckdb      read_json ${d.load.toFixed(2)} s + 8-signature SQL ${d.score.toFixed(2)} s = ${(d.load + d.score).toFixed(2)} s; malicious ${d.malicious}; peak RSS ${d.peakRssMB} MB`);
  ratios.push((d.load + d.score) / o.total);
}
const sorted = [...ratios].sort((a, b) => a - b);
const median = sorted.length % 2 ? (sorted[sorted.length >> 1] as number) : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
console.log(`\nDuckDB (read_json + 8 signatures) time / netrunbook classify (load + full pack + analysis + mitigations) time: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median.toFixed(2)}; target >= 1: ours no slower)`);
