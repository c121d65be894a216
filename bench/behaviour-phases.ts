/**
 * Where the behaviour analysis spends its time on N generated Logpush rows (default 200,000):
 * the frame, then each `behaviour.*` field the pack reads in pack order (each one pays for
 * the parts of the frame it is the first to need), then the rest of score() (signatures,
 * reasons). A tool for profiling work, not a comparison (bench/behaviour-overhead.ts is that).
 *
 *   node dist/bench/behaviour-phases.js
 */
import { scoreBenchFile } from './score-data.js';
import { loadTraffic } from '../src/traffic/index.js';
import { score, PACK } from '../src/classify/index.js';
import { fieldColumn } from '../src/classify/columns.js';
import { behaviourOf } from '../src/classify/score.js';

const n = Number(process.env['BENCH_ROWS'] ?? 200_000);
const { table } = await loadTraffic(scoreBenchFile(n), { format: 'logpush', workers: 2 });
const cpu = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
let last = cpu();
const lap = (what: string): void => {
  const now = cpu();
  process.stdout.write(`${(now - last).toFixed(1).padStart(8)} ms CPU  ${what}\n`);
  last = now;
};
const all = cpu();
behaviourOf(table);
lap('behaviourOf (frame)');
const fields: string[] = [];
for (const s of PACK.signatures) {
  const text = s.kind === 'expression' ? s.expression : (s.where ?? '');
  for (const m of text.matchAll(/behaviour\.[a-z_.]+/g)) if (!fields.includes(m[0])) fields.push(m[0]);
}
for (const f of fields) {
  fieldColumn(table, f);
  lap(f);
}
const r = score(table);
lap(`score() after that (${r.counts.malicious} malicious)`);
process.stdout.write(`${(cpu() - all).toFixed(1).padStart(8)} ms CPU  in all\n`);
