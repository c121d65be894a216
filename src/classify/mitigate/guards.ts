/**
 * Guard rails: named checks that refuse a proposal before an engineer can paste it. Each returns
 * null (passes) or the reason, said so the customer-facing engineer can repeat it. Tested one by
 * one in test/classify/mitigate-guards.test.ts.
 */
import { countAnd } from './bits.js';
import type { Evidence } from './evidence.js';
import type { Term } from './terms.js';
import { BROAD_PREDICATE_SHARE, MIN_ROWS_FOR_SHARE } from './thresholds.js';

export interface GuardInput {
  layer: 'l7' | 'l34';
  terms: readonly Term[];
  /** Stateless (Magic Firewall, a WAF rule) or stateful (an nft rule with ct state). */
  stateful: boolean;
}

export interface GuardVerdict {
  guard: GuardName;
  reason: string;
  instead?: string;
}

export type GuardName = 'broad-predicate' | 'protected-port' | 'all-icmp' | 'essential-icmp' | 'whole-protocol' | 'stateless-tcp-source-port' | 'stateless-syn-ack' | 'every-new-connection';

const only = (terms: readonly Term[], allowed: readonly string[]) => terms.every((t) => [...t.tags].every((g) => allowed.includes(g)) && t.tags.size > 0);
const ports = (terms: readonly Term[], tag: 'dstport' | 'srcport') =>
  terms.filter((t) => t.tags.has(tag)).flatMap((t) => (t.values ?? []).map((v) => `${t.tags.has('udp') ? 'udp' : 'tcp'}/${String(v)}`)).join(', ');

/** ICMP types a network cannot do without (ICMPv4 numbering; ICMPv6 2 = packet too big). */
const ESSENTIAL_ICMP = new Map<number, string>([
  [3, 'destination unreachable, including "fragmentation needed" for path-MTU discovery'],
  [11, 'time exceeded (traceroute, loop detection)'],
  [0, 'echo reply (Magic Transit tunnel health checks)'],
  [8, 'echo request (Magic Transit tunnel health checks)'],
]);

/** A predicate is broad when normal traffic of any site carries it, or when it matches a large share of possibly-good traffic. */
export function isBroad(t: Term, ev: Evidence): boolean {
  if (t.tags.has('generic')) return true;
  if (ev.referenceRows < MIN_ROWS_FOR_SHARE) return false;
  return countAnd(t.bits, ev.reference) / ev.referenceRows > BROAD_PREDICATE_SHARE;
}

export const GUARDS: Readonly<Record<GuardName, (g: GuardInput, ev: Evidence) => GuardVerdict | null>> = {
  'broad-predicate': (g, ev) =>
    g.layer === 'l7' && g.terms.every((t) => isBroad(t, ev))
      ? { guard: 'broad-predicate', reason: `every condition is one that normal traffic carries (${g.terms.map((t) => t.expr).join('; ')}): it would act on the site as a whole (more than ${BROAD_PREDICATE_SHARE * 100}% of traffic, or a method/version/host/country/ASN every site sees)`, instead: 'a rule on what only the attack has (path, user agent, fingerprint, signature), a rate limit on the targeted path, or the DDoS L7 managed ruleset' }
      : null,
  'protected-port': (g) =>
    g.layer === 'l34' && g.terms.some((t) => t.tags.has('dstport') || t.tags.has('dst')) && only(g.terms, ['proto', 'tcp', 'udp', 'icmp', 'dstport', 'dst', 'syn'])
      ? { guard: 'protected-port', reason: `it drops ${ports(g.terms, 'dstport') || `everything to ${g.terms.filter((t) => t.tags.has('dst')).flatMap((t) => t.values ?? []).join(', ')}`} as a whole: the attacked service is the one the customer wants reachable, so this is the outage the attacker wants`, instead: 'Advanced TCP Protection (SYN flood / out-of-state TCP) or the L3/4 DDoS managed ruleset; for a non-HTTP service not on Magic Transit, Spectrum' }
      : null,
  'every-new-connection': (g) =>
    g.layer === 'l34' && g.terms.some((t) => t.tags.has('syn')) && only(g.terms, ['proto', 'tcp', 'syn', 'dst'])
      ? { guard: 'every-new-connection', reason: 'it drops every TCP SYN: no client could open a connection', instead: 'Advanced TCP Protection SYN flood protection (challenges SYNs with SYN cookies); on the origin, net.ipv4.tcp_syncookies=1' }
      : null,
  'all-icmp': (g) =>
    g.layer === 'l34' && g.terms.some((t) => t.tags.has('icmp')) && only(g.terms, ['proto', 'icmp', 'dst']) && !g.terms.some((t) => t.field === 'icmp.type')
      ? { guard: 'all-icmp', reason: 'it drops all ICMP: path-MTU discovery (ICMP "fragmentation needed" / ICMPv6 "packet too big") breaks, so large responses stall, and Magic Transit tunnel health checks (ICMP echo) fail, marking tunnels down', instead: 'leave ICMP to the L3/4 DDoS managed ruleset (raise its sensitivity), or drop only the flood\'s ICMP type while keeping types 0, 3, 8 and 11 allowed from Cloudflare and the tunnel endpoints' }
      : null,
  'essential-icmp': (g) => {
    const types = g.terms.filter((t) => t.field === 'icmp.type').flatMap((t) => (t.values ?? []).map(Number));
    const bad = types.filter((x) => ESSENTIAL_ICMP.has(x));
    return g.layer === 'l34' && bad.length
      ? { guard: 'essential-icmp', reason: `it drops ICMP type ${bad.join(', ')} (${bad.map((x) => ESSENTIAL_ICMP.get(x)).join('; ')}): path-MTU discovery and error reporting depend on it`, instead: 'leave these types to the L3/4 DDoS managed ruleset, which rate-limits floods without dropping every packet' }
      : null;
  },
  'whole-protocol': (g) =>
    g.layer === 'l34' && only(g.terms, ['proto', 'tcp', 'udp'])
      ? { guard: 'whole-protocol', reason: `it drops all ${g.terms.flatMap((t) => t.values ?? []).join('/') || 'of a protocol'}: every service on it stops (for UDP: DNS answers, NTP, QUIC; for TCP: everything)`, instead: 'a rule on what only the attack carries (reflection source ports, flags, lengths), Advanced TCP Protection for TCP, or the L3/4 DDoS managed ruleset' }
      : null,
  'stateless-tcp-source-port': (g) =>
    g.layer === 'l34' && !g.stateful && g.terms.some((t) => t.tags.has('srcport') && t.tags.has('tcp'))
      ? { guard: 'stateless-tcp-source-port', reason: `a stateless drop of TCP from source ports (${ports(g.terms, 'srcport') || 'below 1024'}) also drops the replies to the customer's own outbound connections (every server they connect to answers from 80/443)`, instead: 'Advanced TCP Protection (out-of-state TCP protection drops SYN-ACK/RST/ACK that belong to no connection); on the origin the stateful form: ct state invalid drop' }
      : null,
  'stateless-syn-ack': (g) =>
    g.layer === 'l34' && !g.stateful && g.terms.some((t) => t.tags.has('synack'))
      ? { guard: 'stateless-syn-ack', reason: 'a stateless SYN-ACK drop also drops the handshake replies of the customer\'s own outbound connections', instead: 'Advanced TCP Protection (out-of-state TCP protection); on the origin: ct state invalid drop' }
      : null,
};

export const GUARD_NAMES = Object.keys(GUARDS) as GuardName[];

/** The first guard that refuses, or null. */
export function firstRefusal(g: GuardInput, ev: Evidence): GuardVerdict | null {
  for (const name of GUARD_NAMES) {
    const v = GUARDS[name](g, ev);
    if (v) return v;
  }
  return null;
}

/** What a proposal that passes still breaks (said next to it, not refused). */
export function breaksOf(terms: readonly Term[], stateful: boolean): string | undefined {
  const out: string[] = [];
  const udpSrc = terms.filter((t) => t.tags.has('srcport') && t.tags.has('udp'));
  if (udpSrc.length && !stateful) out.push(`drops the replies to the customer's own queries to outside ${ports(udpSrc, 'srcport')} servers (a stateless rule cannot tell them apart); exempt the servers they use, or use the stateful origin form`);
  if (terms.some((t) => t.tags.has('ecn'))) out.push('drops ECN-setup SYNs (SYN+ECE+CWR, RFC 3168) of legitimate ECN-capable clients; they fall back to a non-ECN SYN after a retransmission timeout');
  if (terms.some((t) => t.tags.has('len'))) out.push('drops large UDP packets: QUIC Initial packets (padded to 1200+ bytes) and large DNS answers of the customer\'s own services');
  if (terms.some((t) => t.tags.has('fragment'))) out.push('drops every IP fragment: large DNS (EDNS0) answers and fragmented UDP of the customer\'s own services stop');
  return out.length ? out.join('; ') : undefined;
}
