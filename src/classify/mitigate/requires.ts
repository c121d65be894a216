/**
 * Plan and product lint: what each proposal needs (plan, Bot Management, add-on products), so a
 * rule is never sent to a zone that cannot deploy it. Sources: the rate limiting availability
 * table (developers.cloudflare.com/waf/rate-limiting-rules/#availability), custom rules
 * availability (`matches` Business+), Bot Management fields (Enterprise Bot Management), Magic
 * Firewall / Advanced TCP Protection (Magic Transit), Spectrum plans.
 */
import { expressionParts } from '../phases.js';
import { ClassifyError } from '../errors.js';

export type Plan = 'free' | 'pro' | 'business' | 'enterprise';
/** Rank of each plan (one source of truth: `PLAN_NAMES` derives from it). */
export const PLAN_RANK: Readonly<Record<Plan, number>> = { free: 0, pro: 1, business: 2, enterprise: 3 };
export const PLAN_NAMES = Object.keys(PLAN_RANK) as Plan[];

export function parsePlan(name: string, input = '--plan'): Plan {
  const p = name.toLowerCase();
  if (!Object.hasOwn(PLAN_RANK, p)) throw new ClassifyError(`${input} ${JSON.stringify(name)} is not a Cloudflare plan; use one of ${PLAN_NAMES.join(', ')}`);
  return p as Plan;
}

/** What a zone must have for a proposal (DESIGN.md calls it `require`; JSON carries both names). */
export interface Requirement {
  plan: Plan;
  botManagement: boolean;
  /** Add-ons beyond the plan: "Advanced Rate Limiting", "Magic Transit", ... */
  products: string[];
  /** One line per need, saying which part of the rule needs it. */
  reasons: string[];
}

/** Zone capabilities; undefined members are unknown (every need is reported, nothing refused). */
export interface Zone {
  plan?: Plan;
  botManagement?: boolean;
}

export class Needs {
  plan: Plan = 'free';
  botManagement = false;
  products = new Set<string>();
  reasons: string[] = [];
  need(plan: Plan, why: string, opts: { bm?: boolean; product?: string } = {}): this {
    if (PLAN_RANK[plan] > PLAN_RANK[this.plan]) this.plan = plan;
    if (opts.bm) this.botManagement = true;
    if (opts.product) this.products.add(opts.product);
    this.reasons.push(`${why}: ${plan}${opts.bm ? ' + Bot Management' : ''}${opts.product ? ` + ${opts.product}` : ''}`);
    return this;
  }
  done(): Requirement {
    return { plan: this.plan, botManagement: this.botManagement, products: [...this.products], reasons: [...new Set(this.reasons)] };
  }
}

const BM_FIELD = /^cf\.bot_management\.(score|ja3_hash|ja4|js_detection\.passed|detection_ids|static_resource|corporate_proxy|verified_bot)$/;

/** Needs of an expression in a custom rule / rate limiting rule. */
export function expressionNeeds(expression: string, needs = new Needs(), where = 'custom rule'): Needs {
  const { fields, operators } = expressionParts(expression);
  if (operators.includes('matches')) needs.need('business', `${where} uses the "matches" operator`);
  for (const f of fields) {
    if (BM_FIELD.test(f)) needs.need('enterprise', `${where} uses ${f}`, { bm: true });
    if (f.startsWith('http.request.body.')) needs.need('enterprise', `${where} inspects the request body (${f})`);
    if (f === 'ip.src.is_in_european_union') needs.need('business', `${where} uses ${f}`);
  }
  return needs;
}

/** Rate limiting periods and timeouts each plan accepts (seconds). */
export const RL_PERIODS: Readonly<Record<Plan, readonly number[]>> = {
  free: [10],
  pro: [10, 60],
  business: [10, 60, 600],
  enterprise: [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535],
};
export const RL_MAX_TIMEOUT: Readonly<Record<Plan, number>> = { free: 10, pro: 3600, business: 86400, enterprise: 86400 };
/** Fields each plan accepts in a rate limiting rule's expression. */
const RL_EXPR_FIELDS: Readonly<Record<Exclude<Plan, 'enterprise'>, RegExp>> = {
  free: /^(http\.request\.uri\.path(\.extension)?|cf\.client\.bot|cf\.bot_management\.verified_bot)$/,
  pro: /^(http\.host|http\.request\.(uri|uri\.path|uri\.path\.extension|full_uri|uri\.query)|cf\.client\.bot|cf\.bot_management\.verified_bot)$/,
  business: /^(http\.host|http\.request\.(uri|uri\.path|uri\.path\.extension|full_uri|uri\.query|method)|ip\.src|http\.user_agent|cf\.client\.bot|cf\.bot_management\.verified_bot)$/,
};

export function rateLimitNeeds(expression: string, characteristics: readonly string[], period: number, timeout: number, action: string, counting?: string): Needs {
  const needs = expressionNeeds(expression, new Needs(), 'rate limiting rule');
  // "Custom counting expression": Business and Enterprise, with response code and response
  // headers available in it (waf/rate-limiting-rules availability table)
  if (counting) {
    needs.need('business', `a custom counting expression (${counting})`);
    expressionNeeds(counting.replace(/\bhttp\.response\.[a-z_.]+/g, 'http.host'), needs, 'counting expression');
  }
  // throttling a block (mitigation_timeout 0 with block) is Enterprise only; below it a challenge
  // always throttles (parameters: "For duration" / "With the following behavior")
  if (timeout === 0 && action === 'block') needs.need('enterprise', 'throttling with the block action (mitigation_timeout 0)');
  if (timeout > 0 && action !== 'block' && action !== 'log') needs.need('enterprise', 'a mitigation timeout with a challenge action (below Enterprise a challenge always throttles: mitigation_timeout 0)');
  const { fields } = expressionParts(expression);
  for (const f of fields) {
    const lowest = (['free', 'pro', 'business'] as const).find((p) => RL_EXPR_FIELDS[p].test(f)) ?? 'enterprise';
    if (lowest !== 'free') needs.need(lowest, `rate limiting expression field ${f}`);
  }
  for (const c of characteristics) {
    if (c === 'cf.colo.id' || c === 'ip.src') continue;
    if (c === 'cf.unique_visitor_id') needs.need('business', `characteristic ${c} (IP with NAT support)`);
    else if (c.startsWith('cf.bot_management.')) needs.need('enterprise', `characteristic ${c}`, { bm: true, product: 'Advanced Rate Limiting' });
    else needs.need('enterprise', `characteristic ${c}`, { product: 'Advanced Rate Limiting' });
  }
  const lowestPeriod = PLAN_NAMES.find((p) => RL_PERIODS[p].includes(period)) ?? 'enterprise';
  if (lowestPeriod !== 'free') needs.need(lowestPeriod, `a ${period} s period`);
  const lowestTimeout = PLAN_NAMES.find((p) => RL_MAX_TIMEOUT[p] >= timeout) ?? 'enterprise';
  if (lowestTimeout !== 'free') needs.need(lowestTimeout, `a ${timeout} s mitigation timeout`);
  if (action === 'log') needs.need('enterprise', 'the log action');
  return needs;
}

/** The longest period a plan allows that is at most `want` (or the plan's shortest). */
export function periodFor(plan: Plan, want: number): number {
  const ps = RL_PERIODS[plan];
  return [...ps].reverse().find((p) => p <= want) ?? (ps[0] as number);
}

/** Does a zone satisfy a requirement? undefined when the zone is unknown. */
export function fits(r: Requirement, zone: Zone): boolean | undefined {
  if (!zone.plan) return undefined;
  if (PLAN_RANK[r.plan] > PLAN_RANK[zone.plan]) return false;
  if (r.botManagement && zone.botManagement === false) return false;
  if (r.botManagement && zone.botManagement === undefined) return undefined;
  return true;
}
