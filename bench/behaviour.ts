/**
 * Behaviour detection measured on labelled scenarios (bench/scenarios.ts) the scorer never sees
 * the truth of: per attack kind the recall (suspicious or malicious), per benign population the
 * share labelled malicious and suspicious, for the Logpush form and the origin (combined-log)
 * form, over several seeds.
 *
 *   node dist/bench/behaviour.js [seeds=1,2,3] [--origin-only|--logpush-only]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateScenario, combinedLog, TRUTH_KINDS, type Scenario, type ScenarioOptions } from './scenarios.js';
import { score } from '../src/classify/index.js';
import { loadTraffic } from '../src/traffic/index.js';

export interface KindResult {
  rows: number;
  flagged: number;
  malicious: number;
}

export interface Evaluation {
  form: 'logpush' | 'origin';
  seed: number;
  rows: number;
  ms: number;
  byKind: Record<string, KindResult>;
  byPopulation: Record<string, KindResult>;
  goodMaliciousShare: number;
  goodSuspiciousShare: number;
}

/** Labels of a scored table against a scenario's truth. */
export function evaluate(s: Scenario, labelCodes: Uint8Array, form: Evaluation['form'], ms: number): Evaluation {
  const byKind: Record<string, KindResult> = {};
  const byPopulation: Record<string, KindResult> = {};
  let good = 0;
  let goodMal = 0;
  let goodSus = 0;
  for (let i = 0; i < s.truth.length; i++) {
    const kind = TRUTH_KINDS[s.truth[i] as number] as string;
    const pop = s.population[i] as string;
    const c = labelCodes[i] as number;
    for (const [m, k] of [[byKind, kind], [byPopulation, pop]] as const) {
      const r = (m[k] ??= { rows: 0, flagged: 0, malicious: 0 });
      r.rows++;
      if (c >= 1) r.flagged++;
      if (c === 2) r.malicious++;
    }
    if (kind === 'benign') {
      good++;
      if (c === 2) goodMal++;
      if (c === 1) goodSus++;
    }
  }
  return { form, seed: s.options.seed, rows: s.truth.length, ms, byKind, byPopulation, goodMaliciousShare: good ? goodMal / good : 0, goodSuspiciousShare: good ? goodSus / good : 0 };
}

export function scoreLogpush(s: Scenario): Evaluation {
  const t0 = performance.now();
  const r = score(s.table);
  return evaluate(s, r.labelCodes, 'logpush', performance.now() - t0);
}

export async function scoreOrigin(s: Scenario): Promise<Evaluation> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'behaviour-bench-'));
  const file = path.join(dir, 'access.log');
  try {
    fs.writeFileSync(file, combinedLog(s));
    const { table } = await loadTraffic(file, { format: 'combined', cache: false } as Parameters<typeof loadTraffic>[1]);
    if (table.numRows() !== s.truth.length) throw new Error(`origin form: ${table.numRows()} rows loaded of ${s.truth.length}`);
    const t0 = performance.now();
    const r = score(table);
    return evaluate(s, r.labelCodes, 'origin', performance.now() - t0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '-');

export function printEvaluation(e: Evaluation): void {
  const kinds = Object.entries(e.byKind)
    .filter(([k]) => k !== 'benign')
    .map(([k, r]) => `${k} ${pct(r.flagged, r.rows)}% (${r.flagged}/${r.rows}, mal ${pct(r.malicious, r.rows)}%)`);
  process.stdout.write(`${e.form} seed ${e.seed}: ${e.rows} rows in ${e.ms.toFixed(0)} ms; recall ${kinds.join('; ')}; good malicious ${(100 * e.goodMaliciousShare).toFixed(2)}% suspicious ${(100 * e.goodSuspiciousShare).toFixed(2)}%\n`);
  const pops = Object.entries(e.byPopulation)
    .filter(([k]) => !(TRUTH_KINDS as readonly string[]).includes(k))
    .map(([k, r]) => `${k} sus+mal ${pct(r.flagged, r.rows)}% mal ${pct(r.malicious, r.rows)}%`);
  process.stdout.write(`  benign: ${pops.join('; ')}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seeds = (args.find((a) => /^[\d,]+$/.test(a)) ?? '1,2,3').split(',').map(Number);
  const extra: ScenarioOptions = JSON.parse(process.env['SCENARIO'] ?? '{}') as ScenarioOptions;
  for (const seed of seeds) {
    const s = generateScenario({ ...extra, seed });
    if (!args.includes('--origin-only')) printEvaluation(scoreLogpush(s));
    if (!args.includes('--logpush-only')) printEvaluation(await scoreOrigin(s));
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
