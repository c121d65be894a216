/**
 * Mitigations graded with ground truth: for each labelled scenario (bench/scenarios.ts in its
 * Logpush and origin-log forms, bench/synth.ts), every mitigation the output calls safe, the
 * share of truly good requests it acts on (limit: 0.1% for a block, 1% for a challenge), and
 * per attack kind the share of attack requests the safe ones stop together. The analysis never
 * sees the truth; it is used here only to grade.
 *
 *   node dist/bench/mitigate-bots.js [seeds=1,2,3] [--origin-only|--logpush-only|--synth-only] [--no-lists] [-v]
 *
 * --no-lists leaves IP lists out of the union: a list stops the addresses it was made from, which
 * against sources that rotate (1-3 requests per address) is hindsight, not protection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { generateScenario, combinedLog, TRUTH_KINDS, type Scenario, type ScenarioOptions } from './scenarios.js';
import { synthesize, toColumns, MONITORING_RANGES, ATTACK_KINDS as SYNTH_KINDS } from './synth.js';
import { score, analyze, type Analysis } from '../src/classify/index.js';
import { loadTraffic } from '../src/traffic/index.js';
import { GOOD_BLOCK_LIMIT, GOOD_CHALLENGE_LIMIT } from '../src/classify/mitigate/thresholds.js';

export interface SafeFigure {
  id: string;
  kind: string;
  action: string;
  expression: string;
  /** truly good requests it acts on, of all truly good requests */
  goodHit: number;
  good: number;
  /** over its action's limit */
  over: boolean;
}

export interface Judgement {
  /** per attack kind: share of its requests at least one safe mitigation acts on */
  recall: Record<string, number>;
  rows: Record<string, number>;
  safe: SafeFigure[];
  /** safe mitigations over their action's limit, in words */
  worst: string[];
}

/** Grade an analysis against ground truth (`kindOf(i)`: the attack kind of row i, null when truly good). */
export function judge(a: Analysis, kindOf: (i: number) => string | null, n: number, opts: { lists?: boolean } = {}): Judgement {
  // an IP list stops the addresses it was made from: against rotating sources (1-3 requests per
  // address) that is hindsight, so it can be left out to measure what the rules alone stop
  const safe = a.mitigations.filter((m) => m.safe && m.kind !== 'skip_rule' && (opts.lists !== false || m.kind !== 'ip_list'));
  const masks = safe.map((m) => a.rowsMatched(m.id) ?? new Uint8Array(n));
  let goodN = 0;
  for (let i = 0; i < n; i++) if (kindOf(i) === null) goodN++;
  const figures: SafeFigure[] = safe.map((m, j) => {
    const mask = masks[j] as Uint8Array;
    let hit = 0;
    for (let i = 0; i < n; i++) if (mask[i] && kindOf(i) === null) hit++;
    const limit = m.action === 'block' ? GOOD_BLOCK_LIMIT : GOOD_CHALLENGE_LIMIT;
    return { id: m.id, kind: m.kind, action: m.action, expression: m.expression, goodHit: hit, good: goodN, over: hit / Math.max(1, goodN) > limit };
  });
  const tot: Record<string, number> = {};
  const hit: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const k = kindOf(i);
    if (k === null) continue;
    tot[k] = (tot[k] ?? 0) + 1;
    if (masks.some((m) => m[i])) hit[k] = (hit[k] ?? 0) + 1;
  }
  const recall = Object.fromEntries(Object.entries(tot).map(([k, t]) => [k, (hit[k] ?? 0) / t]));
  return { recall, rows: tot, safe: figures, worst: figures.filter((f) => f.over).map((f) => `${f.id} ${f.kind} ${f.action} ${f.expression}: ${f.goodHit} of ${f.good} truly good`) };
}

export const scenarioKind = (s: Scenario) => (i: number): string | null => (s.truth[i] ? (TRUTH_KINDS[s.truth[i] as number] as string) : null);

/** The scenario as an origin would log it (combined log, loaded by the product's own loader). */
export async function originTable(s: Scenario, tag = 'mitbots'): Promise<ColumnTable> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mitigate-${tag}-`));
  const file = path.join(dir, 'access.log');
  try {
    fs.writeFileSync(file, combinedLog(s));
    const { table } = await loadTraffic(file, { format: 'combined', cache: false } as Parameters<typeof loadTraffic>[1]);
    if (table.numRows() !== s.truth.length) throw new Error(`origin form: ${table.numRows()} rows loaded of ${s.truth.length}`);
    return table;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function judgeTable(table: ColumnTable, kindOf: (i: number) => string | null, opts: { allow?: string[]; lists?: boolean } = {}): { a: Analysis; j: Judgement } {
  const a = analyze(score(table, opts.allow ? { allow: opts.allow } : {}), opts.allow ? { allow: opts.allow } : {});
  return { a, j: judge(a, kindOf, table.numRows(), { lists: opts.lists }) };
}

export function synthJudgement(seed: number, lists = true): { a: Analysis; j: Judgement } {
  const s = toColumns(synthesize({ seed, durationSec: 300, attacks: [...SYNTH_KINDS] }));
  return judgeTable(aq.table(s.columns), (i) => (s.attack[i] ? (s.kind[i] as string) : null), { allow: MONITORING_RANGES, lists });
}

const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)}%`;

export function printJudgement(label: string, j: Judgement, verbose = false): void {
  const kinds = Object.entries(j.recall).map(([k, r]) => `${k} ${pct(r)} of ${j.rows[k]}`).join('; ');
  process.stdout.write(`${label}: safe ${j.safe.length}; stopped ${kinds}; over limit ${j.worst.length ? j.worst.join(' | ') : 'none'}\n`);
  if (verbose) for (const f of j.safe) process.stdout.write(`    ${f.id} ${f.kind} ${f.action} good ${f.goodHit}/${f.good} ${f.expression.slice(0, 140)}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seeds = (args.find((a) => /^[\d,]+$/.test(a)) ?? '1,2,3').split(',').map(Number);
  const verbose = args.includes('-v');
  const lists = !args.includes('--no-lists');
  const extra: ScenarioOptions = JSON.parse(process.env['SCENARIO'] ?? '{}') as ScenarioOptions;
  if (!args.includes('--synth-only')) {
    for (const seed of seeds) {
      const s = generateScenario({ ...extra, seed });
      if (!args.includes('--origin-only')) printJudgement(`scenarios logpush seed ${seed}`, judgeTable(s.table, scenarioKind(s), { lists }).j, verbose);
      if (!args.includes('--logpush-only')) printJudgement(`scenarios origin seed ${seed}`, judgeTable(await originTable(s), scenarioKind(s), { lists }).j, verbose);
    }
  }
  if (!args.includes('--origin-only') && !args.includes('--logpush-only')) for (const seed of [11, 12, 13]) printJudgement(`synth seed ${seed}`, synthJudgement(seed, lists).j, verbose);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
