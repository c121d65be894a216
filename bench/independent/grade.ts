/**
 * Grade `runbook classify` on the independent scenarios (bench/independent/gen.ts) against ground
 * truth the tool never sees.
 *
 *   node dist/bench/independent/grade.js [--scenario NAME[,NAME]] [--seed N[,N]] [--scale X] [--json OUT] [--keep DIR]
 *
 * For every scenario: generate the Logpush file, run classifyTraffic (what `runbook classify --json`
 * prints) in process, then for every mitigation the tool calls safe take the rows it acts on
 * (Analysis.rowsMatched, the tool's own per-proposal row mask) and, as an independent check, the
 * rows its expression matches (matchRows). Acceptance bar:
 *   - a safe mitigation hits at most 0.1% of truly good requests if it blocks, 1% if it challenges;
 *   - the safe mitigations that stop traffic (block / challenge) together stop >= 90% of each attack kind;
 *   - with no good traffic at all, nothing may be called safe (unproven).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyTraffic, matchRows } from '../../src/classify/index.js';
import { SCENARIOS, writeScenario, type TruthRow } from './gen.js';

const BLOCK_LIMIT = 0.001;
const CHALLENGE_LIMIT = 0.01;
const RECALL_BAR = 0.9;
const CHALLENGES = new Set(['managed_challenge', 'js_challenge', 'challenge']);

function limitFor(action: string): number | null {
  if (action === 'block') return BLOCK_LIMIT;
  if (CHALLENGES.has(action)) return CHALLENGE_LIMIT;
  return null; // log, skip, allow ...: stops nothing
}

interface MitigationGrade {
  id: string;
  kind: string;
  action: string;
  expression: string;
  cluster?: string;
  goodHit: number;
  goodShare: number;
  limit: number | null;
  violates: boolean;
  byPopulation: Record<string, number>;
  attackHit: Record<string, number>;
  /** rows the expression alone matches among good (independent of the tool's mask) */
  exprGoodHit: number | null;
  exprGoodShare: number | null;
  maskSource: 'rowsMatched' | 'expression';
  toolBacktest: unknown;
}

interface ScenarioGrade {
  scenario: string;
  seed: number;
  rows: number;
  good: number;
  attack: Record<string, number>;
  labels: unknown;
  mitigations: number;
  safe: MitigationGrade[];
  unsafe: { id: string; kind: string; action: string; expression: string }[];
  recall: Record<string, number>;
  failures: string[];
  reproduce: string;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 ? 3 : 2)}%`;
}

async function gradeOne(name: string, seed: number, scale: number, dir: string): Promise<ScenarioGrade> {
  const file = path.join(dir, `${name}-s${seed}.ndjson`);
  const { truthFile } = writeScenario(name, seed, scale, file);
  const truth = new Map<string, TruthRow>();
  for (const line of fs.readFileSync(truthFile, 'utf8').split('\n')) {
    if (!line) continue;
    const t = JSON.parse(line) as TruthRow;
    truth.set(t.ray, t);
  }
  const c = await classifyTraffic(file);
  const table = c.scored.table;
  const n = table.numRows();
  const rays = table.array('cf.ray_id') as ArrayLike<string>;
  const kind: string[] = new Array(n);
  const pop: string[] = new Array(n);
  let good = 0;
  const attack: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const t = truth.get(String(rays[i]));
    if (!t) throw new Error(`${file}: row ${i} ray ${rays[i]} has no truth`);
    kind[i] = t.truth;
    pop[i] = t.population;
    if (t.truth === 'good') good++;
    else attack[t.truth] = (attack[t.truth] ?? 0) + 1;
  }
  const popTotals: Record<string, number> = {};
  for (let i = 0; i < n; i++) if (kind[i] === 'good') popTotals[pop[i] as string] = (popTotals[pop[i] as string] ?? 0) + 1;

  const a = c.analysis;
  const safe: MitigationGrade[] = [];
  const unsafe: ScenarioGrade['unsafe'] = [];
  const stop = new Uint8Array(n);
  const failures: string[] = [];
  for (const m of a.mitigations) {
    const mm = m as typeof m & { id: string; safe?: boolean; action: string; kind: string; cluster?: string };
    if (!mm.safe) {
      unsafe.push({ id: mm.id, kind: mm.kind, action: mm.action, expression: mm.expression });
      continue;
    }
    if (mm.kind === 'skip_rule') continue; // lets traffic through; stops nothing
    let mask = a.rowsMatched(mm.id);
    let maskSource: MitigationGrade['maskSource'] = 'rowsMatched';
    let expr: Uint8Array | null = null;
    try {
      expr = matchRows(table, mm.expression);
    } catch {
      expr = null; // an expression the in-memory engine cannot run on this table (e.g. network rules)
    }
    if (!mask) {
      if (!expr) continue;
      mask = expr;
      maskSource = 'expression';
    }
    const limit = limitFor(mm.action);
    let goodHit = 0;
    let exprGood = 0;
    const byPopulation: Record<string, number> = {};
    const attackHit: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      if (expr && expr[i] && kind[i] === 'good') exprGood++;
      if (!mask[i]) continue;
      if (kind[i] === 'good') {
        goodHit++;
        byPopulation[pop[i] as string] = (byPopulation[pop[i] as string] ?? 0) + 1;
      } else attackHit[kind[i] as string] = (attackHit[kind[i] as string] ?? 0) + 1;
      if (limit !== null) stop[i] = 1;
    }
    const goodShare = good ? goodHit / good : 0;
    const violates = limit !== null && good > 0 && goodShare > limit;
    const g: MitigationGrade = {
      id: mm.id,
      kind: mm.kind,
      action: mm.action,
      expression: mm.expression,
      ...(mm.cluster !== undefined ? { cluster: String(mm.cluster) } : {}),
      goodHit,
      goodShare,
      limit,
      violates,
      byPopulation,
      attackHit,
      exprGoodHit: expr ? exprGood : null,
      exprGoodShare: expr && good ? exprGood / good : null,
      maskSource,
      toolBacktest: mm.backtest,
    };
    safe.push(g);
    if (violates) {
      const pops = Object.entries(byPopulation)
        .sort((x, y) => y[1] - x[1])
        .map(([p, k]) => `${p} ${k}/${popTotals[p]} (${pct(k / (popTotals[p] ?? 1))})`)
        .join(', ');
      failures.push(`SAFE ${mm.kind} ${mm.action} hits ${goodHit}/${good} good (${pct(goodShare)} > ${pct(limit as number)}): ${mm.expression}  [good hit: ${pops}]`);
    }
  }
  if (good === 0 && safe.length > 0) failures.push(`no good traffic in the capture, yet ${safe.length} mitigation(s) called safe (must be unproven): ${safe.map((s) => `${s.action} ${s.expression}`).join(' | ')}`);
  const recall: Record<string, number> = {};
  for (const k of Object.keys(attack)) {
    let hit = 0;
    for (let i = 0; i < n; i++) if (kind[i] === k && stop[i]) hit++;
    recall[k] = hit / (attack[k] as number);
    if (good > 0 && (recall[k] as number) < RECALL_BAR) failures.push(`recall ${k}: safe mitigations stop ${hit}/${attack[k]} (${pct(recall[k] as number)} < 90%)`);
  }
  const rel = `/tmp/${name}-s${seed}.ndjson`;
  const reproduce = `node dist/bench/independent/grade.js --scenario ${name} --seed ${seed}${scale !== 1 ? ` --scale ${scale}` : ''}   # or: node dist/bench/independent/gen.js ${name} --seed ${seed}${scale !== 1 ? ` --scale ${scale}` : ''} --out ${rel} && node bin/runbook.js classify ${rel} --json`;
  return { scenario: name, seed, rows: n, good, attack, labels: c.summary.labels, mitigations: a.mitigations.length, safe, unsafe, recall, failures, reproduce };
}

function print(g: ScenarioGrade): void {
  console.log(`\n=== ${g.scenario} seed ${g.seed}: ${g.rows} rows, ${g.good} good, attack ${JSON.stringify(g.attack)}; tool labels ${JSON.stringify(g.labels)}`);
  console.log(`  mitigations proposed: ${g.mitigations}; safe (graded): ${g.safe.length}; not safe: ${g.unsafe.length}`);
  for (const m of g.safe) {
    const lim = m.limit === null ? 'no limit (does not stop)' : `limit ${pct(m.limit)}`;
    const pops = Object.entries(m.byPopulation).sort((x, y) => y[1] - x[1]).slice(0, 4).map(([p, k]) => `${p}:${k}`).join(' ');
    console.log(`  ${m.violates ? 'FAIL' : 'ok  '} ${m.kind} ${m.action} good ${m.goodHit} (${pct(m.goodShare)}, ${lim})${m.exprGoodShare !== null && m.exprGoodHit !== m.goodHit ? ` [expression alone: ${m.exprGoodHit} good, ${pct(m.exprGoodShare)}]` : ''} attack ${JSON.stringify(m.attackHit)}${pops ? ` good-pops ${pops}` : ''}`);
    console.log(`       ${m.expression}`);
  }
  for (const [k, r] of Object.entries(g.recall)) console.log(`  recall ${k}: ${pct(r)}${r < RECALL_BAR && g.good > 0 ? '  FAIL' : ''}`);
  if (g.failures.length) console.log(`  FAILURES (${g.failures.length}):\n${g.failures.map((f) => `   - ${f}`).join('\n')}`);
  else console.log('  PASS');
  console.log(`  reproduce: ${g.reproduce}`);
}

async function main(argv: string[]): Promise<void> {
  const arg = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const names = (arg('--scenario') ?? SCENARIOS.map((s) => s.name).join(',')).split(',');
  const seeds = (arg('--seed') ?? '1').split(',').map(Number);
  const scale = Number(arg('--scale') ?? 1);
  const keep = arg('--keep');
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'indep-grade-'));
  fs.mkdirSync(dir, { recursive: true });
  const all: ScenarioGrade[] = [];
  try {
    for (const seed of seeds) {
      for (const name of names) {
        const t0 = Date.now();
        const g = await gradeOne(name, seed, scale, dir);
        print(g);
        console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        all.push(g);
        if (!keep) for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
      }
    }
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
  const out = arg('--json');
  if (out) fs.writeFileSync(out, JSON.stringify(all, null, 1));
  const bad = all.filter((g) => g.failures.length);
  console.log(`\n${all.length - bad.length}/${all.length} scenario runs pass; ${all.reduce((s, g) => s + g.failures.length, 0)} failures`);
  process.exitCode = bad.length ? 1 : 0;
}

await main(process.argv.slice(2));
