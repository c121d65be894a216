/** WAF custom rule (phase http_request_firewall_custom) for an L7 cluster. */
import { andNot, type Bits } from '../bits.js';
import type { ClusterWithRows } from '../cluster.js';
import { firstRefusal } from '../guards.js';
import { expressionNeeds } from '../requires.js';
import { expressionOf, type Candidate } from '../search.js';
import { decide, grade, stagePlan, type Decision } from '../stage.js';
import { addRule } from '../api/rulesets.js';
import type { BacktestFigures, Mitigation } from '../types.js';
import { finish, refOf, type EmitContext } from './common.js';
import { MIN_PROPOSAL_COVER } from '../thresholds.js';

/** The first candidate the guard rails and the backtest accept, as a custom rule; refusals are recorded. */
export function wafRule(ctx: EmitContext, c: ClusterWithRows, cands: readonly Candidate[], skipExpr: ReadonlySet<string> = new Set()): Mitigation | null {
  const seen = new Set<string>();
  let fallback: { cand: Candidate; expression: string; bits: Bits; b: BacktestFigures; d: Decision } | undefined;
  for (const cand of cands) {
    if (cand.cover < MIN_PROPOSAL_COVER) continue;
    const expression = expressionOf(cand.terms);
    if (skipExpr.has(expression)) continue;
    const refusal = firstRefusal({ layer: 'l7', terms: cand.terms, stateful: false }, ctx.ev);
    if (refusal) {
      if (!seen.has(refusal.guard)) ctx.refused.push({ cluster: c.id, kind: 'waf_custom_rule', expression, ...refusal });
      seen.add(refusal.guard);
      continue;
    }
    const bits = ctx.skip ? andNot(cand.bits, ctx.skip) : cand.bits;
    const b = grade(bits, c, ctx.ev);
    // the skip rule can leave a candidate nothing to act on (the attack rows it matched were an app's)
    if (b.attack < MIN_PROPOSAL_COVER) continue;
    const d = decide(b, b.attack, { canChallenge: true, unit: 'requests' });
    if ('refused' in d) {
      if (!seen.has('good-traffic')) ctx.refused.push({ cluster: c.id, kind: 'waf_custom_rule', expression, guard: 'good-traffic', reason: d.refused });
      seen.add('good-traffic');
      continue;
    }
    // a provable rule that stops less beats an unproven one that stops more (the rest gets its own rule)
    if (!d.safe) {
      fallback ??= { cand, expression, bits, b, d };
      continue;
    }
    return emitWaf(ctx, c, expression, bits, b, d);
  }
  return fallback ? emitWaf(ctx, c, fallback.expression, fallback.bits, fallback.b, fallback.d) : null;
}

function emitWaf(ctx: EmitContext, c: ClusterWithRows, expression: string, bits: Bits, b: BacktestFigures, d: Decision): Mitigation | null {
  {
    const id = ctx.nextId();
    ctx.record(id, bits);
    const ref = refOf(ctx, id);
    const json = { description: `netrunbook ${ctx.incident} ${c.id}: ${c.name}`, expression, action: d.action, enabled: d.safe, ref };
    return finish(ctx, {
      id, kind: 'waf_custom_rule', cluster: c.id, description: c.name, expression, action: d.action, phase: 'http_request_firewall_custom', json,
      api: addRule('zone', 'http_request_firewall_custom', json, undefined), position: 'after the incident skip rule (appended to the custom rules)',
      safe: d.safe, verdict: d.verdict, why: d.why, plan: stagePlan(d.action, ref, 'http', d.safe), backtest: b, clusterCoverage: b.attack, guards: [],
    }, expressionNeeds(expression));
  }
}

/** A custom rule for a lower plan: no `matches`, no Bot Management fields (the first candidate that passes without them). */
export function lowerPlanFor(ctx: EmitContext, c: ClusterWithRows, cands: readonly Candidate[]): Mitigation['lowerPlan'] {
  for (const cand of cands) {
    if (cand.cover < MIN_PROPOSAL_COVER || cand.terms.some((t) => t.tags.has('regex') || t.tags.has('bot-field'))) continue;
    if (firstRefusal({ layer: 'l7', terms: cand.terms, stateful: false }, ctx.ev)) continue;
    const bits = ctx.skip ? andNot(cand.bits, ctx.skip) : cand.bits;
    const b = grade(bits, c, ctx.ev);
    const d = decide(b, b.attack, { canChallenge: true, unit: 'requests' });
    if ('refused' in d) continue;
    const expression = expressionOf(cand.terms);
    return { expression, requires: expressionNeeds(expression).done(), backtest: b };
  }
  return undefined;
}
