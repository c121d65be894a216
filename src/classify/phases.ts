/**
 * Which fields and functions exist in which Cloudflare phase. A proposal is checked against the
 * phase it is emitted for: HTTP request phases take request fields (no packet headers), Magic
 * Firewall (`magic_transit`) takes packet fields only (no HTTP, no fragment fields, functions
 * limited to bit_slice), rate limiting adds the counting-only fields. The Rules checker proper
 * (parse + check) runs first, so a phase problem is only about placement, never syntax.
 *
 * Sources: developers.cloudflare.com/ruleset-engine/rules-language/fields/reference (per-field
 * "phases"), magic-firewall/reference/magic-firewall-fields, rules-language/functions.
 */
import { parse } from './parse.js';
import { check } from './check.js';
import { catalogSchema } from './schema.js';
import type { Expr, Value } from './ast.js';
import { RuleError } from './errors.js';

export type Phase = 'http_request_firewall_custom' | 'http_ratelimit' | 'magic_transit' | 'http_request_sbfm' | 'ddos_l7' | 'ddos_l4';

/** Packet-header fields: Magic Firewall only. */
const NETWORK_ONLY = /^(ip\.(proto|len|hdr_len|ttl|opt\.type|dst|dst\.country|id|flags\..*|frag_offset)|tcp(\..*)?|udp(\..*)?|icmp(\..*)?|sip|ip|cf\.colo\.(name|region))$/;
/** Fields that exist in neither HTTP nor Magic Firewall expressions. */
const NOWHERE = new Set(['timestamp', 'cf.colo.id']);
/** Fragment fields: the packet tables carry them, Magic Firewall does not offer them. */
const FRAGMENT = /^ip\.(frag_offset|flags\.mf|flags\.df)$/;
/** Magic Firewall also takes the source address and its geo fields. */
const SHARED = /^ip\.src(\.country)?$/;
/** Response fields: rate limiting counting expressions only. */
const RESPONSE = /^http\.response\./;

export interface PhaseProblem {
  phase: Phase;
  what: string;
  why: string;
}

function walkValue(v: Value, fields: Set<string>, fns: Set<string>): void {
  if (v.type === 'field') fields.add(v.name);
  else if (v.type === 'call') {
    fns.add(v.name);
    for (const a of v.args) if (a.type === 'field' || a.type === 'call' || a.type === 'index') walkValue(a, fields, fns);
  } else walkValue(v.target, fields, fns);
}

function walk(e: Expr, fields: Set<string>, fns: Set<string>, ops: Set<string>): void {
  switch (e.type) {
    case 'logical':
      for (const a of e.args) walk(a, fields, fns, ops);
      return;
    case 'not':
      walk(e.arg, fields, fns, ops);
      return;
    case 'quantifier':
      walk(e.body, fields, fns, ops);
      return;
    case 'bool':
      walkValue(e.value, fields, fns);
      return;
    case 'compare':
      ops.add(e.op);
      walkValue(e.lhs, fields, fns);
  }
}

/** The fields, functions and operators an expression uses (after it parses). */
export function expressionParts(expression: string): { fields: string[]; functions: string[]; operators: string[] } {
  const fields = new Set<string>();
  const fns = new Set<string>();
  const ops = new Set<string>();
  walk(parse(expression).root, fields, fns, ops);
  return { fields: [...fields], functions: [...fns], operators: [...ops] };
}

/**
 * Problems that would make Cloudflare reject `expression` in `phase` (empty: accepted). A syntax
 * or type error is returned as a problem too, naming the checker's message.
 */
export function checkPhase(expression: string, phase: Phase, opts: { counting?: boolean; lists?: readonly string[] } = {}): PhaseProblem[] {
  const out: PhaseProblem[] = [];
  const magicPhase = phase === 'magic_transit' || phase === 'ddos_l4';
  try {
    // packet tables carry fragment fields the catalogue does not: name the placement problem first
    const frag = expressionParts(expression).fields.filter((f) => FRAGMENT.test(f));
    if (frag.length) return frag.map((f) => ({ phase, what: f, why: magicPhase ? `Magic Firewall has no fragment fields (${f}); drop fragments with the origin firewall or rely on the L3/4 DDoS managed ruleset` : `${f} is a packet field; no HTTP phase has it` }));
    const lists = Object.fromEntries((opts.lists ?? []).map((l) => [l, [] as string[]]));
    check(parse(expression), catalogSchema(), { lists });
  } catch (e) {
    if (e instanceof RuleError) return [{ phase, what: 'expression', why: e.message }];
    throw e;
  }
  const { fields, functions } = expressionParts(expression);
  const magic = phase === 'magic_transit' || phase === 'ddos_l4';
  for (const f of fields) {
    if (NOWHERE.has(f)) out.push({ phase, what: f, why: `${f} is not a Rules-language field in any phase${f === 'cf.colo.id' ? ' (it is a rate limiting characteristic only)' : ''}` });
    else if (magic && FRAGMENT.test(f)) out.push({ phase, what: f, why: `Magic Firewall has no fragment fields (${f}); drop fragments with the origin firewall or rely on the L3/4 DDoS managed ruleset` });
    else if (magic && !NETWORK_ONLY.test(f) && !SHARED.test(f)) out.push({ phase, what: f, why: `${f} is an HTTP field; ${phase} sees packets, not requests` });
    else if (!magic && NETWORK_ONLY.test(f)) out.push({ phase, what: f, why: `${f} is a packet field; it exists only in Magic Firewall (magic_transit), not in ${phase}` });
    else if (!magic && RESPONSE.test(f) && !(phase === 'http_ratelimit' && opts.counting)) out.push({ phase, what: f, why: `${f} is known only after the response: use it in a rate limiting counting_expression` });
  }
  for (const fn of functions) {
    if (magic && fn !== 'bit_slice') out.push({ phase, what: `${fn}()`, why: `Magic Firewall expressions take no functions except bit_slice()` });
    if (!magic && fn === 'bit_slice') out.push({ phase, what: 'bit_slice()', why: `bit_slice() exists only in Magic Firewall` });
  }
  return out;
}
