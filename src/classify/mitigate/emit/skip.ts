/**
 * The incident's skip rule, placed first: verified bots, the customer's monitoring and the
 * mobile-app clients seen in the traffic go past this incident's rules (and its rate limits).
 * Each part is kept only if it matches (almost) no confident-attack row: an exemption the
 * attackers also match is dropped and said so.
 */
import { internField, tableSchema } from '../../columns.js';
import { and, countAnd, or, type Bits } from '../bits.js';
import type { Evidence } from '../evidence.js';
import { expressionNeeds } from '../requires.js';
import { figure } from '../stats.js';
import { addRule } from '../api/rulesets.js';
import type { GuardNote, Mitigation } from '../types.js';
import { finish, refOf, type EmitContext } from './common.js';
import { SKIP_MAX_ATTACK_SHARE } from '../thresholds.js';

const MONITORING_UA = /(uptimerobot|pingdom|statuscake|site24x7|healthcheck|health-check|monitor|datadog|newrelic|catchpoint|thousandeyes|nagios|zabbix)/i;
const APP_UA = /(okhttp|cfnetwork|dalvik|alamofire|dart\/|ktor)/i;

interface Part {
  what: string;
  expression: string;
  /** The expression is `(conjuncts[0] and conjuncts[1])`. */
  conjuncts?: [string, string];
}

function refValues(ev: Evidence, field: string, test: (v: string) => boolean): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const has = (f: string) => tableSchema(ev.t).fields.has(f);
  if (!has(field) || !has('ip.src')) return out;
  const col = internField(ev.t, field);
  const ip = internField(ev.t, 'ip.src');
  // the test once per distinct value (0 untested, 1 passes, 2 fails), not once per row
  const verdict = new Uint8Array(col.values.length);
  for (let i = 0; i < ev.n; i++) {
    if (!((((ev.reference[i >>> 5] as number) >>> (i & 31)) & 1) === 1)) continue;
    const k = col.ids[i] as number;
    if (k < 0) continue;
    if (verdict[k] === 0) verdict[k] = test(String(col.values[k])) ? 1 : 2;
    if (verdict[k] !== 1) continue;
    const v = String(col.values[k]);
    let s = out.get(v);
    if (!s) out.set(v, (s = new Set()));
    if ((ip.ids[i] as number) >= 0 && s.size < 50) s.add(String(ip.values[ip.ids[i] as number]));
  }
  return out;
}

/**
 * Bits of a skip part. A monitoring part is `(user agent eq X and ip.src in {...})`: a conjunction
 * of two one-column tests, each answered per distinct value, instead of one kernel that reads
 * both columns row by row (rows match the conjunction exactly when they match both tests).
 */
function partBits(ev: Evidence, part: Part): Bits | null {
  if (!part.conjuncts) return ev.evalBits(part.expression);
  const [a, b] = part.conjuncts.map((e) => ev.evalBits(e));
  return a && b ? and(a, b) : null;
}

export function skipRule(ctx: EmitContext, allow: readonly string[]): { mitigation: Mitigation | null; bits: Bits | null } {
  const { ev } = ctx;
  const parts: Part[] = [];
  const has = (f: string) => tableSchema(ev.t).fields.has(f);
  if (has('cf.bot_management.verified_bot')) {
    const vb = ev.evalBits('cf.client.bot');
    if (vb && countAnd(vb, ev.reference) > 0) parts.push({ what: 'verified bots seen in the traffic', expression: 'cf.client.bot' });
  }
  if (allow.length) parts.push({ what: 'the customer\'s allowlisted monitoring/partner ranges', expression: `ip.src in {${allow.join(' ')}}` });
  for (const [ua, ips] of refValues(ev, 'http.user_agent', (v) => MONITORING_UA.test(v))) {
    if (!ips.size || ips.size > 20) continue;
    const conjuncts: [string, string] = [`http.user_agent eq ${JSON.stringify(ua)}`, `ip.src in {${[...ips].join(' ')}}`];
    parts.push({ what: `monitoring client "${ua.slice(0, 40)}" from its ${ips.size} address(es)`, expression: `(${conjuncts[0]} and ${conjuncts[1]})`, conjuncts });
  }
  const apps = new Set<string>();
  for (const ua of refValues(ev, 'http.user_agent', (v) => APP_UA.test(v) && !v.startsWith('Mozilla/')).keys()) {
    const prefix = /^([A-Za-z][\w.-]{1,40})\//.exec(ua)?.[1];
    if (prefix) apps.add(`${prefix}/`);
  }
  for (const p of apps) parts.push({ what: `mobile-app client ${p}`, expression: `starts_with(http.user_agent, ${JSON.stringify(p)})` });
  const guards: GuardNote[] = [];
  const kept: { part: Part; bits: Bits }[] = [];
  const attackRows = countAnd(ev.attack, ev.attack);
  for (const part of parts) {
    const bits = partBits(ev, part);
    if (!bits) continue;
    const hit = countAnd(bits, ev.attack);
    if (attackRows && hit / attackRows > SKIP_MAX_ATTACK_SHARE) {
      guards.push({ guard: 'skip-matches-attack', outcome: 'refused', reason: `left out ${part.what}: it also matches ${hit} of ${attackRows} confident-attack rows (attackers use the same client string)` });
      continue;
    }
    kept.push({ part, bits });
  }
  if (!kept.length) return { mitigation: null, bits: null };
  let bits = kept[0]?.bits as Bits;
  for (const k of kept.slice(1)) bits = or(bits, k.bits);
  const expression = kept.length === 1 ? (kept[0] as { part: Part }).part.expression : kept.map((k) => k.part.expression).join(' or ');
  const id = ctx.nextId();
  ctx.record(id, bits);
  const ref = refOf(ctx, id);
  const a = figure(countAnd(bits, ev.attack), attackRows);
  const g = figure(countAnd(bits, ev.reference), ev.referenceRows);
  const json = {
    description: `netrunbook ${ctx.incident}: let ${kept.map((k) => k.part.what).join('; ')} past this incident's rules`,
    expression, action: 'skip', enabled: true, ref,
    action_parameters: { ruleset: 'current', phases: ['http_ratelimit', 'http_request_sbfm'] },
    logging: { enabled: true },
  };
  const m = finish(ctx, {
    id, kind: 'skip_rule', cluster: '*', description: `exempt ${kept.map((k) => k.part.what).join('; ')}`, expression, action: 'skip', phase: 'http_request_firewall_custom', json,
    api: addRule('zone', 'http_request_firewall_custom', json, { index: 1 }), position: 'first in the custom rules (position index 1): a skip placed after a block never runs',
    safe: a.share <= SKIP_MAX_ATTACK_SHARE, verdict: 'safe',
    why: `exempts ${(g.share * 100).toFixed(2)}% of possibly-good requests and ${(a.share * 100).toFixed(2)}% of confident-attack requests (${a.matched} of ${a.of})`,
    plan: ['deploy first, before any of the incident\'s rules'],
    backtest: { attack: a.share, good: g.share, attackMatched: a.matched, goodMatched: g.matched, hitsGood: false, attackFigure: a, goodFigure: g, reference: { incidentRows: ev.incidentReferenceRows, baselineRows: ev.baselineRows, source: ev.source } },
    clusterCoverage: 0, guards,
  }, expressionNeeds(expression));
  return { mitigation: m, bits };
}
