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
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
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
  maskSource: 'rowsMatched' | 'expression' | 'replay';
  /** good rows in the tool's own mask (Analysis.rowsMatched) */
  toolGoodHit: number | null;
  /** good rows hit while the attack lasted (first to last attack row), of all good rows then */
  goodInAttackWindow: { hit: number; of: number };
  ratelimit?: RateLimitJson;
  /** the expression does not run on the loaded table as is (message) */
  notTestable?: string;
  exprError?: string;
  toolBacktest: unknown;
}

interface ScenarioGrade {
  scenario: string;
  seed: number;
  rows: number;
  good: number;
  attack: Record<string, number>;
  popTotals: Record<string, number>;
  labels: unknown;
  mitigations: number;
  safe: MitigationGrade[];
  unsafe: { id: string; kind: string; action: string; expression: string }[];
  recall: Record<string, number>;
  failures: string[];
  /** findings outside the acceptance bar (an expression `rule test` refuses, the tool's mask disagreeing) */
  notes: string[];
  reproduce: string;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 ? 3 : 2)}%`;
}


/** A rate-limit rule's `ratelimit` object as in the Cloudflare API. */
interface RateLimitJson {
  characteristics: string[];
  period: number;
  requests_per_period?: number;
  mitigation_timeout?: number;
  counting_expression?: string;
  requests_to_origin?: boolean;
}

/** The value of one rate-limit characteristic per row, or null when it cannot be read from the log. */
function characteristic(table: ColumnTable, name: string): ((i: number) => string) | null {
  const col = (c: string) => (table.columnNames().includes(c) ? (table.array(c) as ArrayLike<unknown>) : null);
  if (name === 'cf.colo.id') {
    const a = col('EdgeColoCode') ?? col('ip.src.country');
    return a ? (i) => String(a[i]) : null;
  }
  const hdr = /^http\.request\.(headers|cookies)\["([^"]+)"\]$/.exec(name);
  if (hdr) {
    const a = col(`http.request.${hdr[1]}`);
    const key = hdr[2] as string;
    return a
      ? (i) => {
          const o = a[i] as Record<string, unknown> | Map<string, unknown> | null;
          const v = o instanceof Map ? o.get(key) : o?.[key];
          return JSON.stringify(v ?? null);
        }
      : null;
  }
  const a = col(name);
  return a ? (i) => String(a[i]) : null;
}

/**
 * Independent replay of a Cloudflare rate-limiting rule: a sliding window of `period` seconds per
 * characteristics key over the requests the counting expression matches; a matching request over
 * `requests_per_period` gets the action (mitigation_timeout 0), or every matching request of the key
 * for `mitigation_timeout` seconds once the rate was exceeded. Returns null if a characteristic
 * cannot be read from the log.
 */
function replayRateLimit(table: ColumnTable, match: Uint8Array, count: Uint8Array, rl: RateLimitJson): Uint8Array | null {
  const keys = rl.characteristics.map((c) => characteristic(table, c));
  if (keys.some((k) => k === null) || !rl.requests_per_period) return null;
  const ts = table.array('timestamp') as ArrayLike<number>;
  const n = table.numRows();
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (ts[x] as number) - (ts[y] as number) || x - y);
  const win = new Map<string, { q: number[]; head: number; until: number }>();
  const out = new Uint8Array(n);
  const period = rl.period * 1000;
  const timeout = (rl.mitigation_timeout ?? 0) * 1000;
  for (const i of order) {
    if (!match[i] && !count[i]) continue;
    const k = keys.map((f) => (f as (i: number) => string)(i)).join('\u0000');
    let w = win.get(k);
    if (!w) win.set(k, (w = { q: [], head: 0, until: -1 }));
    const t = ts[i] as number;
    if (count[i]) w.q.push(t);
    while (w.head < w.q.length && (w.q[w.head] as number) <= t - period) w.head++;
    if (w.head > 4096) {
      w.q = w.q.slice(w.head);
      w.head = 0;
    }
    const over = w.q.length - w.head > rl.requests_per_period;
    if (over && timeout > 0) w.until = Math.max(w.until, t + timeout);
    if (match[i] && (over || t < w.until)) out[i] = 1;
  }
  return out;
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

  // the loader keeps JSDetectionPassed under its Logpush name; give the Rules field the tool's
  // proposals use (cf.bot_management.js_detection.passed) its Cloudflare meaning for the independent check
  let evalTable: ColumnTable = table;
  if (table.columnNames().includes('JSDetectionPassed') && !table.columnNames().includes('cf.bot_management.js_detection.passed')) {
    const js = table.array('JSDetectionPassed') as ArrayLike<unknown>;
    evalTable = table.assign(aq.table({ 'cf.bot_management.js_detection.passed': Array.from({ length: n }, (_, i) => js[i] === 'passed') }));
  }
  const a = c.analysis;
  // the IP lists the proposals create (Cloudflare list items), so `ip.src in $name` can be evaluated
  const lists: Record<string, string[]> = {};
  for (const m of a.mitigations) {
    const j = m.json as { list?: { name?: string }; items?: { ip?: string }[] } | undefined;
    if (j?.list?.name && Array.isArray(j.items)) lists[j.list.name] = j.items.map((x) => String(x.ip));
  }
  // the proposed skip rule (verified bots, monitors, the app) runs first: the rows it matches skip the
  // rest of the custom rules ("ruleset": "current") and the phases it names (rate limiting ...)
  const skipCustom = new Uint8Array(n);
  const skipPhases = new Map<string, Uint8Array>();
  for (const m of a.mitigations) {
    const mm = m as typeof m & { safe?: boolean; kind: string };
    if (mm.kind !== 'skip_rule' || !mm.safe) continue;
    const sk = matchRows(evalTable, mm.expression, { lists });
    const ap = (mm.json as { action_parameters?: { ruleset?: string; phases?: string[] } } | undefined)?.action_parameters;
    if (ap?.ruleset === 'current') for (let i = 0; i < n; i++) if (sk[i]) skipCustom[i] = 1;
    for (const ph of ap?.phases ?? []) {
      const cur = skipPhases.get(ph) ?? new Uint8Array(n);
      for (let i = 0; i < n; i++) if (sk[i]) cur[i] = 1;
      skipPhases.set(ph, cur);
    }
  }
  // the attack's time span: what a mitigation does to good visitors while it is active
  const tsAll = table.array('timestamp') as ArrayLike<number>;
  let aFrom = Infinity;
  let aTo = -Infinity;
  for (let i = 0; i < n; i++) if (kind[i] !== 'good') (aFrom = Math.min(aFrom, tsAll[i] as number)), (aTo = Math.max(aTo, tsAll[i] as number));
  let goodInWindow = 0;
  for (let i = 0; i < n; i++) if (kind[i] === 'good' && (tsAll[i] as number) >= aFrom && (tsAll[i] as number) <= aTo) goodInWindow++;
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
    const toolMask = a.rowsMatched(mm.id);
    let expr: Uint8Array | null = null;
    let exprError: string | undefined;
    try {
      expr = matchRows(evalTable, mm.expression, { lists });
    } catch (e) {
      exprError = (e as Error).message; // e.g. a list reference ($name) or a field the log lacks
    }
    let rawRowsExpr: string | undefined;
    try {
      matchRows(table, mm.expression, { lists });
    } catch (e) {
      rawRowsExpr = (e as Error).message;
    }
    // requests the skip rule lets past this rule's phase are neither matched nor counted
    const phase = (mm as { phase?: string }).phase ?? (mm.kind === 'rate_limit' ? 'http_ratelimit' : 'http_request_firewall_custom');
    const skipped = phase === 'http_request_firewall_custom' ? skipCustom : skipPhases.get(phase);
    if (expr && skipped) expr = expr.map((v, i) => (v && !skipped[i] ? 1 : 0));
    // a rate limit acts on the matching requests over the rate: replay it independently
    let replay: Uint8Array | null = null;
    const rl = (mm.json as { ratelimit?: RateLimitJson } | undefined)?.ratelimit;
    if (mm.kind === 'rate_limit' && rl && expr) {
      let count = expr;
      if (rl.counting_expression) count = matchRows(evalTable, rl.counting_expression, { lists }).map((v, i) => (v && !skipped?.[i] ? 1 : 0));
      if (rl.requests_to_origin) {
        const cache = table.array('CacheCacheStatus') as ArrayLike<unknown>;
        count = count.map((v, i) => (v && cache[i] !== 'hit' ? 1 : 0));
      }
      replay = replayRateLimit(table, expr, count, rl);
    }
    // grade on the independent mask (expression, or the replayed rate limit); fall back to the tool's own
    let mask: Uint8Array;
    let maskSource: MitigationGrade['maskSource'];
    if (mm.kind === 'rate_limit' && replay) {
      mask = replay;
      maskSource = 'replay';
    } else if (mm.kind !== 'rate_limit' && expr) {
      mask = expr;
      maskSource = 'expression';
    } else if (toolMask) {
      mask = toolMask;
      maskSource = 'rowsMatched';
    } else continue;
    let toolGood = 0;
    if (toolMask) for (let i = 0; i < n; i++) if (toolMask[i] && kind[i] === 'good') toolGood++;
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
    let winHit = 0;
    for (let i = 0; i < n; i++) if (mask[i] && kind[i] === 'good' && (tsAll[i] as number) >= aFrom && (tsAll[i] as number) <= aTo) winHit++;
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
      toolGoodHit: toolMask ? toolGood : null,
      goodInAttackWindow: { hit: winHit, of: goodInWindow },
      ...(rl ? { ratelimit: rl } : {}),
      ...(rawRowsExpr ? { notTestable: rawRowsExpr } : {}),
      ...(exprError ? { exprError } : {}),
      toolBacktest: mm.backtest,
    };
    safe.push(g);
    if (violates) {
      const pops = Object.entries(byPopulation)
        .sort((x, y) => y[1] - x[1])
        .map(([p, k]) => `${p} ${k}/${popTotals[p]} (${pct(k / (popTotals[p] ?? 1))})`)
        .join(', ');
      failures.push(`SAFE ${mm.kind} ${mm.action}${rl ? ` ${JSON.stringify(rl)}` : ''} hits ${goodHit}/${good} good (${pct(goodShare)} > ${pct(limit as number)}): ${mm.expression}  [good hit: ${pops}]`);
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
  const notes: string[] = [];
  for (const m of safe) if (m.notTestable) notes.push(`not testable as written: \`runbook rule test\` / matchRows refuses the proposed expression on the same file (${m.notTestable.split('\n')[0]}): ${m.expression}`);
  const rel = `/tmp/${name}-s${seed}.ndjson`;
  const reproduce = `node dist/bench/independent/grade.js --scenario ${name} --seed ${seed}${scale !== 1 ? ` --scale ${scale}` : ''}   # or: node dist/bench/independent/gen.js ${name} --seed ${seed}${scale !== 1 ? ` --scale ${scale}` : ''} --out ${rel} && node bin/runbook.js classify ${rel} --json`;
  for (const m of safe) if (m.toolGoodHit !== null && m.toolGoodHit < m.goodHit * 0.5 && m.goodHit - m.toolGoodHit >= 10) notes.push(`tool's own row mask counts ${m.toolGoodHit} good rows where the independent ${m.maskSource} counts ${m.goodHit}: ${m.kind} ${m.action} ${m.expression.slice(0, 200)}`);
  return { scenario: name, seed, rows: n, good, attack, popTotals, labels: c.summary.labels, mitigations: a.mitigations.length, safe, unsafe, recall, failures, notes, reproduce };
}

function print(g: ScenarioGrade): void {
  console.log(`\n=== ${g.scenario} seed ${g.seed}: ${g.rows} rows, ${g.good} good, attack ${JSON.stringify(g.attack)}; tool labels ${JSON.stringify(g.labels)}`);
  console.log(`  mitigations proposed: ${g.mitigations}; safe (graded): ${g.safe.length}; not safe: ${g.unsafe.length}`);
  for (const m of g.safe) {
    const lim = m.limit === null ? 'no limit (does not stop)' : `limit ${pct(m.limit)}`;
    const pops = Object.entries(m.byPopulation).sort((x, y) => y[1] - x[1]).slice(0, 4).map(([p, k]) => `${p}:${k}/${g.popTotals[p]}`).join(' ');
    const extra = [m.goodInAttackWindow.hit ? `during the attack ${m.goodInAttackWindow.hit}/${m.goodInAttackWindow.of} good (${pct(m.goodInAttackWindow.hit / m.goodInAttackWindow.of)})` : '', m.maskSource !== 'expression' ? `graded on ${m.maskSource}` : '', m.kind === 'rate_limit' && m.exprGoodShare !== null ? `expression alone ${m.exprGoodHit} good (${pct(m.exprGoodShare)})` : '', m.toolGoodHit !== null && m.toolGoodHit !== m.goodHit ? `tool's own mask ${m.toolGoodHit} good` : '', m.notTestable ? 'NOT TESTABLE as written' : ''].filter(Boolean).join('; ');
    console.log(`  ${m.violates ? 'FAIL' : 'ok  '} ${m.kind} ${m.action} good ${m.goodHit} (${pct(m.goodShare)}, ${lim})${extra ? ` [${extra}]` : ''} attack ${JSON.stringify(m.attackHit)}${pops ? ` good-pops ${pops}` : ''}`);
    console.log(`       ${m.expression}${m.ratelimit ? `  ratelimit ${JSON.stringify(m.ratelimit)}` : ''}`);
  }
  for (const [k, r] of Object.entries(g.recall)) console.log(`  recall ${k}: ${pct(r)}${r < RECALL_BAR && g.good > 0 ? '  FAIL' : ''}`);
  if (g.failures.length) console.log(`  FAILURES (${g.failures.length}):\n${g.failures.map((f) => `   - ${f}`).join('\n')}`);
  else console.log('  PASS');
  if (g.notes.length) console.log(`  notes:\n${[...new Set(g.notes)].map((f) => `   - ${f}`).join('\n')}`);
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
