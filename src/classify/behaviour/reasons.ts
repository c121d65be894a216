/**
 * Reasons in words with numbers for the behaviour signatures: what the endpoint, client or
 * address did ("412 login POSTs to POST /login from 398 addresses in 10 min, 91% failed").
 * Each text is made once per group (endpoint window, client, actor or address), not per row.
 */
import type { BehaviourFrame, Grouping } from './frame.js';
import { pct } from './actors.js';

export interface Explainer {
  /** Per row, the group whose text explains it (-1: none). */
  group(f: BehaviourFrame): Int32Array;
  text(f: BehaviourFrame, g: number): string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const byWindow = (text: (w: ReturnType<BehaviourFrame['endpoints']>, k: number, name: string, base: number) => string): Explainer => ({
  group: (f) => f.endpoints().window,
  text: (f, k) => {
    const w = f.endpoints();
    const e = w.endpoint[k] as number;
    return text(w, k, f.facts.endpointNames[e] ?? '?', Math.round((w.baselineRate[e] as number) * 10) / 10);
  },
});

const byGroup = (kind: Grouping, text: (s: ReturnType<BehaviourFrame['group']>['stats'], g: number) => string): Explainer => ({
  group: (f) => f.group(kind).ids,
  text: (f, g) => text(f.group(kind).stats, g),
});

const baselineWords = (f: BehaviourFrame, base: number): string => (f.endpoints().baseline.kind === 'none' ? 'no baseline' : `baseline ${base}/min`);

export const EXPLAIN: Readonly<Record<string, Explainer>> = {
  'bh.credential-stuffing': {
    group: (f) => f.endpoints().window,
    text: (f, k) => {
      const w = f.endpoints();
      const e = w.endpoint[k] as number;
      const name = f.facts.endpointNames[e] ?? '?';
      return `${plural(w.logins[k] as number, 'login POST')} to ${name} from ${plural(w.sources[k] as number, 'address', 'addresses')} in ${w.minutes[k]} min, ${pct(w.failed[k] as number, w.logins[k] as number)}% failed, ${pct(w.noSession[k] as number, w.requests[k] as number)}% with no session (${baselineWords(f, Math.round((w.baselineRate[e] as number) * 10) / 10)})`;
    },
  },
  'bh.login-only-client': byGroup('client', (s, g) => `this client made ${plural(s.loginAttempts[g] as number, 'login attempt')}, ${pct(s.loginFailures[g] as number, s.loginAttempts[g] as number)}% failed, and loaded no page assets (${plural(s.requests[g] as number, 'request')} in all)`),
  'bh.blind-login': { group: (f) => f.facts.client.ids, text: () => 'login POST with no page fetched first' },
  'bh.endpoint-flood': byWindow((w, k, name, base) => `${w.requests[k]} requests to ${name} from ${plural(w.sources[k] as number, 'address', 'addresses')} in ${w.minutes[k]} min (${Math.round((w.requests[k] as number) / (w.minutes[k] as number))}/min against a baseline of ${base}/min), ${pct(w.noSession[k] as number, w.requests[k] as number)}% with no session`),
  'bh.single-purpose-client': byGroup('client', (s, g) => `this client sent ${plural(s.requests[g] as number, 'request')} to ${plural(s.endpoints[g] as number, 'endpoint')} only, with no page assets`),
  'bh.random-query': byWindow((w, k, name) => `${pct(w.randomQueries[k] as number, w.withQuery[k] as number)}% of ${w.withQuery[k]} queries to ${name} look random, ${pct(w.uniqueQueries[k] as number, w.withQuery[k] as number)}% are unique`),
  'bh.catalogue-walk': byGroup('actor', (s, g) => `${plural(s.requests[g] as number, 'request')} to ${plural(s.paths[g] as number, 'distinct page')}, ${pct(s.statics[g] as number, s.requests[g] as number)}% assets, ${pct(s.referers[g] as number, s.requests[g] as number)}% with a referer`),
  'bh.hosting-no-assets': byGroup('client', (s, g) => `a browser on a hosting network requested ${plural(s.paths[g] as number, 'distinct page')} and no assets`),
  'bh.machine-timing': byGroup('actor', (s, g) => `the time between its page requests varies only ${s.intervalCv[g]}% (a timer, not a person)`),
  'bh.shared-address': {
    group: (f) => f.facts.ip,
    text: (f, k) => `address shared by ${f.network().browsersPerIp[k] ?? 0} people browsing (NAT or carrier-grade NAT): its volume is theirs together`,
  },
  'bh.health-check': byGroup('client', (s, g) => `${plural(s.requests[g] as number, 'request')} to ${plural(s.endpoints[g] as number, 'endpoint')} at a steady interval (varies ${s.intervalCv[g]}%): monitoring`),
};
