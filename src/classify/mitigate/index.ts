/**
 * Mitigation synthesis: cluster the confident attack, search candidate rules on bitsets, pass
 * them through the guard rails, grade them on traffic they were not derived from, and emit each
 * as the exact Cloudflare API requests (plus origin firewall forms), with a staged plan and what
 * it requires. Cloudflare-native levers come with it.
 *
 *   score -> evidence (attack vs possibly-good, baseline) -> cluster -> terms (bitsets)
 *         -> search -> guards -> grade/decide (Wilson) -> emit/{skip,waf,ratelimit,list,network,levers}
 */
import { createHash } from 'node:crypto';
import { DISPLAY, htmlTable, textTable, type DisplayData } from '../../display.js';
import { internField, tableSchema } from '../columns.js';
import type { ScoreResult } from '../score.js';
import { clusterAttack, residual, valueCounts, type ClusterWithRows } from './cluster.js';
import { buildEvidence, type EvidenceOptions } from './evidence.js';
import { termsFor, type Term } from './terms.js';
import { MIN_PROPOSAL_COVER, RESIDUAL_DONE, RESIDUAL_RULES } from './thresholds.js';
import { cutOffNote } from './collateral.js';
import { search } from './search.js';
import { skipRule } from './emit/skip.js';
import { lowerPlanFor, wafRule } from './emit/waf.js';
import { rateLimitRule } from './emit/ratelimit.js';
import { ipListRule } from './emit/list.js';
import { networkRule, statefulTcpRule } from './emit/network.js';
import { leversFor } from './emit/levers.js';
import { loginRules } from './emit/login.js';
import type { EmitContext } from './emit/common.js';
import { PLAN_RANK, type Zone } from './requires.js';
import { pct } from './stats.js';
import { toMask, type Bits } from './bits.js';
import type { Analysis, Cluster, Lever, Mitigation, Refusal } from './types.js';

export interface AnalyzeOptions extends EvidenceOptions {
  /** Ground truth (synthetic traffic): reported as backtest.truth, never used for a verdict. */
  attack?: Uint8Array;
  good?: Uint8Array;
  /** Clusters smaller than this share of attack rows are folded away. */
  minShare?: number;
  maxClusters?: number;
  /** The zone's plan and Bot Management, when known (`--plan`, `--bot-management`). */
  zone?: Zone;
  /** Known-good ranges (monitoring, partners): exempted by the skip rule. */
  allow?: readonly string[];
  /** Names the incident (its refs); default: a hash of the traffic's size and time range. */
  incident?: string;
}

function incidentId(scored: ScoreResult): string {
  const t = scored.table;
  const n = t.numRows();
  const h = createHash('sha256');
  h.update(String(n));
  if (tableSchema(t).fields.has('timestamp') && n) {
    const ts = t.column('timestamp') as unknown as ArrayLike<unknown>;
    h.update(`${String(ts[0])}:${String(ts[n - 1])}`);
  }
  if (tableSchema(t).fields.has('ip.src') && n) {
    const ip = internField(t, 'ip.src');
    h.update(`${String(ip.values[ip.ids[0] as number])}:${ip.values.length}`);
  }
  return `inc${h.digest('hex').slice(0, 8)}`;
}

export function analyze(scored: ScoreResult, opts: AnalyzeOptions = {}): Analysis {
  const ev = buildEvidence(scored, { ...opts, truthAttack: opts.truthAttack ?? opts.attack, truthGood: opts.truthGood ?? opts.good });
  const incident = opts.incident ?? incidentId(scored);
  const clusters = clusterAttack(scored, ev, opts);
  const refused: Refusal[] = [];
  let seq = 0;
  const matched = new Map<string, Bits>();
  const ctx: EmitContext = { ev, scored, incident, zone: opts.zone ?? {}, skip: null, nextId: () => `m${++seq}`, refused, record: (id, bits) => matched.set(id, bits) };
  const mitigations: Mitigation[] = [];
  // the same rule for two clusters (one campaign split in two, a site-wide rate limit) is one
  // rule: a second copy deployed after the first would never match anything
  const add = (m: Mitigation): void => {
    const same = mitigations.find((x) => sameRule(x, m));
    if (same) same.cluster = `${same.cluster} ${m.cluster}`;
    else mitigations.push(m);
  };
  if (clusters.some((c) => c.layer === 'l7')) {
    const s = skipRule(ctx, opts.allow ?? []);
    if (s.mitigation) mitigations.push(s.mitigation);
    ctx.skip = s.bits;
  }
  const enterpriseOk = !ctx.zone.plan || PLAN_RANK[ctx.zone.plan] >= PLAN_RANK.enterprise;
  for (const c of clusters) {
    const allowTerm = (t: Term) => {
      if (ctx.zone.plan && PLAN_RANK[ctx.zone.plan] < PLAN_RANK.business && t.tags.has('regex')) return false;
      if ((ctx.zone.botManagement === false || !enterpriseOk) && t.tags.has('bot-field')) return false;
      return true;
    };
    const terms = termsFor(c, ev, scored).filter(allowTerm);
    const cands = search(c, terms, ev);
    if (c.layer === 'l7') {
      // a cluster can mix clients (a flood and a stuffing tool share a signature): after the best
      // rule, search again on what it left, up to RESIDUAL_RULES more rules
      let part: ClusterWithRows | null = c;
      let partCands = cands;
      const tried = new Set<string>();
      for (let round = 0; part && round <= RESIDUAL_RULES; round++) {
        const w = wafRule(ctx, part, partCands, tried);
        if (!w) break;
        tried.add(w.expression);
        if (w.requires.plan !== 'free' || w.requires.botManagement) {
          const lower = lowerPlanFor(ctx, part, partCands);
          if (lower && lower.expression !== w.expression) w.lowerPlan = lower;
        }
        w.clusterCoverage = w.backtest.attackMatched / c.rows;
        add(w);
        // an unproven rule covers nothing yet: look for a provable one for the same rows
        if (!w.safe) continue;
        const covered = matched.get(w.id);
        if (!covered || w.backtest.attackMatched >= part.rows * RESIDUAL_DONE) break;
        part = residual(part, toMask(covered, ev.n), ev);
        if (!part || part.rows < c.rows * MIN_PROPOSAL_COVER * 0.25) break;
        partCands = search(part, termsFor(part, ev, scored).filter(allowTerm), ev);
      }
      const rl = rateLimitRule(ctx, c);
      if (rl) add(rl);
      // browser-grade password guessing: what separates it is that it never renders a page
      for (const m of loginRules(ctx, c)) add(m);
      const list = ipListRule(ctx, c);
      if (list) add(list);
    } else {
      const nf = networkRule(ctx, c, cands);
      if (nf) add(nf);
      const tcpRefused = refused.some((r) => r.cluster === c.id && (r.guard === 'stateless-tcp-source-port' || r.guard === 'stateless-syn-ack'));
      // one stateful origin rule per incident covers every out-of-state TCP cluster
      if ((tcpRefused || /SYN-ACK|RST/.test(c.name)) && !mitigations.some((m) => m.phase === 'origin')) {
        const st = statefulTcpRule(ctx, c);
        if (st) mitigations.push(st);
      }
    }
  }
  // what each proposal does to the clients it touches: the aggregate share can hide a few cut off
  for (const m of mitigations) {
    const bits = m.kind === 'skip_rule' ? undefined : matched.get(m.id);
    const text = bits && cutOffNote(bits, ev, m.action);
    if (text) m.breaks = m.breaks ? `${m.breaks}. Also: ${text}` : text;
  }
  const levers = leversFor(clusters, refused, incident);
  const seenRefusal = new Set<string>();
  const uniqueRefused = refused.filter((r) => {
    const k = `${r.cluster}\u0000${r.kind}\u0000${r.guard}\u0000${r.expression}`;
    if (seenRefusal.has(k)) return false;
    seenRefusal.add(k);
    return true;
  });
  const topSources: Analysis['topSources'] = [];
  if (tableSchema(ev.t).fields.has('ip.src')) {
    const ip = internField(ev.t, 'ip.src');
    const all = new Uint8Array(ev.n).fill(1);
    const top = valueCounts(ev.t, 'ip.src', all).slice(0, 10);
    // slot per address id (-1: not a top source), shifted by one so a missing address reads -1
    const slot = new Int32Array(ip.values.length + 1).fill(-1);
    top.forEach((v, j) => (slot[v.id + 1] = j));
    const mal = new Int32Array(top.length);
    for (let i = 0; i < ev.n; i++) {
      if (scored.labelCodes[i] !== 2) continue;
      const j = slot[(ip.ids[i] as number) + 1] as number;
      if (j >= 0) mal[j]++;
    }
    top.forEach((v, j) => topSources.push({ ip: String(v.value), rows: v.rows, malicious: mal[j] as number }));
  }
  const publicClusters: Cluster[] = clusters.map(({ sel: _s, bits: _b, ...c }) => c);
  const rowsMatched = (id: string) => {
    const b = matched.get(id);
    return b ? toMask(b, ev.n) : undefined;
  };
  return makeAnalysis(rowsMatched, {
    incident, clusters: publicClusters, mitigations, refused: uniqueRefused, levers, topSources,
    evidence: { incidentReferenceRows: ev.incidentReferenceRows, baselineRows: ev.baselineRows, attackRows: ev.attackMask.reduce((a, b) => a + b, 0), source: ev.source },
  });
}

/** Two proposals that would deploy as the same rule: kind, action, expression and rate-limit parameters alike. */
function sameRule(a: Mitigation, b: Mitigation): boolean {
  return a.kind === b.kind && a.action === b.action && a.expression === b.expression && a.phase === b.phase && JSON.stringify(a.json['ratelimit'] ?? null) === JSON.stringify(b.json['ratelimit'] ?? null);
}

function makeAnalysis(rowsMatched: Analysis['rowsMatched'], a: Omit<Analysis, typeof DISPLAY | 'rowsMatched'>): Analysis {
  const out: Analysis = {
    ...a,
    rowsMatched,
    [DISPLAY](): DisplayData {
      const crow = a.clusters.map((c) => [c.id, c.name, c.rows, pct(c.share, 1), c.sources, c.attributes.filter((x) => x.share >= 0.8).map((x) => `${x.field}=${String(x.value)}`).join(', ')]);
      const mrow = a.mitigations.map((m) => [m.id, m.cluster, m.kind, m.action, m.safe ? 'safe' : m.verdict, m.expression, pct(m.backtest.attack, 1), `${pct(m.backtest.good, 3)} of ${m.backtest.goodFigure.of}`, m.requires.plan + (m.requires.botManagement ? ' + BM' : '')]);
      const rrow = a.refused.map((r) => [r.cluster, r.kind, r.guard, r.expression, r.reason]);
      const lrow = a.levers.map((l: Lever) => [l.kind, l.clusters.join(' '), l.why]);
      const ch = ['cluster', 'attack', 'rows', 'share', 'sources', 'dominant'];
      const mh = ['id', 'cluster', 'kind', 'action', 'verdict', 'expression', 'attack hit', 'possibly-good hit', 'requires'];
      const rh = ['cluster', 'kind', 'guard', 'expression', 'why refused'];
      const lh = ['lever', 'clusters', 'why'];
      return {
        data: {
          'text/html': htmlTable(ch, crow, { caption: 'attack clusters' }) + htmlTable(mh, mrow, { caption: `proposed mitigations (graded on ${a.evidence.source})` }) + htmlTable(rh, rrow, { caption: 'refused by the guard rails' }) + htmlTable(lh, lrow, { caption: 'Cloudflare levers' }),
          'application/json': JSON.parse(JSON.stringify(a)) as unknown,
          'text/plain': [textTable(ch, crow), textTable(mh, mrow), textTable(rh, rrow), textTable(lh, lrow)].join('\n\n'),
        },
      };
    },
  };
  // a function is not data: keep it out of JSON.stringify and spreads
  Object.defineProperty(out, 'rowsMatched', { enumerable: false });
  return out;
}

export type { Analysis, Cluster, Mitigation, MitigationKind, Refusal, Lever, ApiRequest, BacktestFigures, Verdict } from './types.js';
export { GUARDS, GUARD_NAMES, type GuardName } from './guards.js';
export { parsePlan, PLAN_NAMES, type Plan, type Requirement, type Zone } from './requires.js';
export { wilson, figure, type Figure } from './stats.js';
export { replay, sharedAddresses } from './emit/ratelimit.js';
export { listItemFor } from './emit/list.js';
export { checkSameSite } from './evidence.js';
