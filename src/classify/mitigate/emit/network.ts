/**
 * Magic Firewall rule (account phase magic_transit) for an L3/4 cluster, with its nftables and
 * iptables forms for an origin firewall; plus the stateful origin rule that replaces a refused
 * stateless source-port / SYN-ACK rule (conntrack knows which packets answer the customer's own
 * connections, a stateless rule cannot).
 */
import type { ClusterWithRows } from '../cluster.js';
import { breaksOf, firstRefusal } from '../guards.js';
import { Needs } from '../requires.js';
import { expressionOf, type Candidate } from '../search.js';
import { decide, grade, stagePlan } from '../stage.js';
import { addRule } from '../api/rulesets.js';
import type { Term } from '../terms.js';
import type { Mitigation } from '../types.js';
import { finish, refOf, type EmitContext } from './common.js';
import { MIN_PROPOSAL_COVER } from '../thresholds.js';
import { countAnd } from '../bits.js';
import { figure } from '../stats.js';

/** nft table for origin rules: stateless drops at raw priority, stateful (ct state) after conntrack. */
export function nftTable(name: string, rules: { match: string; comment: string; stateful: boolean }[]): string {
  const line = (r: { match: string; comment: string }) => `    ${r.match} counter drop comment "${r.comment}"`;
  const raw = rules.filter((r) => !r.stateful);
  const ct = rules.filter((r) => r.stateful);
  const chains: string[] = [];
  if (raw.length) chains.push(`  chain prerouting_raw {\n    type filter hook prerouting priority raw; policy accept;\n${raw.map(line).join('\n')}\n  }`);
  if (ct.length) chains.push(`  chain prerouting_ct {\n    type filter hook prerouting priority mangle; policy accept;\n${ct.map(line).join('\n')}\n  }`);
  return `table inet ${name} {\n${chains.join('\n')}\n}`;
}

function nftOf(terms: readonly Term[]): string | undefined {
  return terms.every((t) => t.nft) ? terms.map((t) => t.nft).join(' ') : undefined;
}
function iptOf(terms: readonly Term[], comment: string): string | undefined {
  if (!terms.every((t) => t.ipt)) return undefined;
  // one -p: the first term that names a protocol
  const parts = terms.map((t) => t.ipt as string);
  const proto = parts.map((p) => /-p (\w+)/.exec(p)?.[1]).find(Boolean);
  const rest = parts.map((p) => p.replace(/-p \w+\s*/, '').trim()).filter(Boolean);
  return `iptables -t raw -A PREROUTING ${proto ? `-p ${proto} ` : ''}${rest.join(' ')} -m comment --comment "${comment}" -j DROP`;
}

export const tableName = (incident: string) => `netrunbook_${incident.replace(/[^a-z0-9_]/gi, '_')}`;

export function networkRule(ctx: EmitContext, c: ClusterWithRows, cands: readonly Candidate[]): Mitigation | null {
  const seen = new Set<string>();
  for (const cand of cands) {
    if (cand.cover < MIN_PROPOSAL_COVER) continue;
    const expression = expressionOf(cand.terms);
    const refusal = firstRefusal({ layer: 'l34', terms: cand.terms, stateful: false }, ctx.ev);
    if (refusal) {
      if (!seen.has(refusal.guard)) ctx.refused.push({ cluster: c.id, kind: 'network_firewall', expression, ...refusal });
      seen.add(refusal.guard);
      continue;
    }
    const b = grade(cand.bits, c, ctx.ev);
    const d = decide(b, b.attack, { canChallenge: false, unit: 'packets' });
    if ('refused' in d) {
      if (!seen.has('good-traffic')) ctx.refused.push({ cluster: c.id, kind: 'network_firewall', expression, guard: 'good-traffic', reason: d.refused });
      seen.add('good-traffic');
      continue;
    }
    const id = ctx.nextId();
    ctx.record(id, cand.bits);
    const ref = refOf(ctx, id);
    const json = { description: `netrunbook ${ref}: ${c.name}`, expression, action: 'block', enabled: d.safe };
    const nftMatch = nftOf(cand.terms);
    const breaks = breaksOf(cand.terms, false);
    // the origin form of a UDP source-port rule is stateful: replies to the customer's own queries are established
    const udpSrc = cand.terms.some((t) => t.tags.has('srcport') && t.tags.has('udp'));
    const originMatch = nftMatch && udpSrc ? `${nftMatch} ct state new` : nftMatch;
    const ipt = iptOf(cand.terms, ref);
    return finish(ctx, {
      id, kind: 'network_firewall', cluster: c.id, description: c.name, expression, action: 'block', phase: 'magic_transit', json,
      api: addRule('account', 'magic_transit', json, undefined),
      position: 'Magic Firewall custom rules: after any rule that allows tunnel health checks and the customer\'s own services (first match wins)',
      safe: d.safe, verdict: d.verdict, why: d.why, plan: stagePlan('block', ref, 'network', d.safe), backtest: b, clusterCoverage: b.attack, guards: [],
      ...(breaks ? { breaks } : {}),
      ...(originMatch ? { nftables: nftTable(tableName(ctx.incident), [{ match: originMatch, comment: ref, stateful: udpSrc }]) } : {}),
      ...(ipt ? { iptables: udpSrc ? ipt.replace('-t raw -A PREROUTING', '-t mangle -A PREROUTING').replace(' -j DROP', ' -m conntrack --ctstate NEW -j DROP') : ipt } : {}),
    }, new Needs().need('enterprise', 'Magic Firewall rule', { product: 'Magic Transit' }));
  }
  return null;
}

/**
 * Out-of-state TCP on the origin: conntrack marks SYN-ACK and RST packets that answer no
 * connection of this host as invalid, so the drop never touches the customer's own connections.
 * Proposed when the stateless forms were refused for a SYN-ACK / RST reflection cluster.
 */
export function statefulTcpRule(ctx: EmitContext, c: ClusterWithRows): Mitigation | null {
  // what conntrack (loose pickup off) calls invalid in a one-way capture: TCP that opens no connection
  const expression = 'ip.proto eq "tcp" and not (tcp.flags.syn and not tcp.flags.ack)';
  const bits = ctx.ev.evalBits(expression);
  if (!bits) return null;
  const b = grade(bits, c, ctx.ev);
  if (b.attack < MIN_PROPOSAL_COVER) return null;
  const id = ctx.nextId();
  ctx.record(id, bits);
  const ref = refOf(ctx, id);
  // graded statelessly (an upper bound: conntrack drops fewer: only the out-of-state ones)
  const goodAll = figure(countAnd(bits, ctx.ev.reference), ctx.ev.referenceRows);
  return finish(ctx, {
    id, kind: 'network_firewall', cluster: c.id, description: `${c.name}: out-of-state TCP on the origin`, expression, action: 'block', phase: 'origin', json: {},
    api: [], position: 'origin firewall (nftables/iptables), ahead of the service\'s accept rules',
    safe: false, verdict: 'unproven',
    why: `stateful: drops only TCP packets (SYN-ACK, RST, ACK) that conntrack cannot match to a connection of this host. Graded statelessly it matches ${(goodAll.share * 100).toFixed(2)}% of ${goodAll.of} possibly-good packets (an upper bound); it is proven on the origin by the nft counters (test/classify/mitigate-nft.test.ts replays the capture)`,
    plan: ['apply on the origin: sysctl -w net.netfilter.nf_conntrack_tcp_loose=0 (so an ACK of no connection is invalid too), then nft -f FILE (or the iptables line); watch the counter of the rule', 'on Magic Transit use Advanced TCP Protection instead: it is the same idea at the edge'],
    backtest: b, clusterCoverage: b.attack, guards: [{ guard: 'stateless-tcp-source-port', outcome: 'changed', reason: 'the stateless source-port / SYN-ACK form was refused; this is its stateful replacement' }],
    nftables: nftTable(tableName(ctx.incident), [{ match: 'meta l4proto tcp ct state invalid', comment: ref, stateful: true }]),
    iptables: `iptables -t mangle -A PREROUTING -p tcp -m conntrack --ctstate INVALID -m comment --comment "${ref}" -j DROP`,
  }, new Needs());
}
