/**
 * The runbooks' verdicts, as typed functions of step results (a verdict cell calls one and
 * displays its lines), so that a renamed field is a compile error here instead of a "?" in a
 * customer's ticket, and the sentences are tested without a kernel.
 */
import type { CurlData } from './curl.js';
import type { CompareData, DigData } from './dig.js';
import { cdnOf, staleAnswers, type DelegationData, type DnssecChainData } from './dns.js';
import type { StepResult } from './result.js';

const secs = (n: number) => (n < 120 ? `${n} s` : n < 7200 ? `${Math.round(n / 60)} min` : `${Math.round(n / 3600)} h`);

export interface DnsVerdictInput {
  comparison?: StepResult<CompareData> | null;
  detail?: readonly StepResult<DigData>[];
  delegation?: StepResult<DelegationData> | null;
  chain?: StepResult<DnssecChainData> | null;
  /** The authoritative answer (values), to name resolvers still serving an old one. */
  authoritative?: readonly string[] | null;
  observedAt?: Date;
}

/** The dns-resolution verdict: one sentence per finding, the fault first. */
export function dnsVerdict(i: DnsVerdictInput): string[] {
  const lines: string[] = [];
  const d = i.comparison?.data;
  if (d) {
    const answered = d.answers.filter((a) => a.status !== 'NOREPLY');
    const silent = d.answers.filter((a) => a.status === 'NOREPLY').map((a) => a.resolver);
    if (answered.length === 0) lines.push(`**None of the ${d.answers.length} resolvers answered** (no reply from ${silent.join(', ')}): check the resolver addresses, a firewall or the network path before the zone.`);
    else if (d.agree) lines.push(`All ${d.answers.length} resolvers agree: **${d.groups[0]?.status}** ${d.groups[0]?.values.join(', ') || '(no records)'}.`);
    else {
      lines.push(`Resolvers **disagree** (${d.groups.length} distinct answers):`);
      for (const g of d.groups) lines.push(`- ${g.resolvers.join(', ')}: ${g.status === 'NOREPLY' ? 'no reply' : `${g.status} ${g.values.join(', ') || '(no records)'}`}`);
    }
    const proxied = [...new Set(answered.flatMap((a) => a.values).filter((x) => cdnOf(x)))];
    if (proxied.length) lines.push(`${proxied.join(', ')} ${proxied.length === 1 ? 'is a' : 'are'} CDN proxy (${cdnOf(proxied[0] as string)}) address${proxied.length === 1 ? '' : 'es'}: visitors reach the edge, not the origin directly.`);
    if (i.authoritative && i.authoritative.length) {
      for (const s of staleAnswers(d, i.authoritative, i.observedAt)) {
        lines.push(`**${s.resolver} serves a stale answer** (${s.values.join(', ')}; the authoritative servers say ${[...i.authoritative].sort().join(', ')})${s.ttl !== null ? `: its cached copy expires in ${secs(s.ttl)} (at ${s.expiresAt}); nothing to fix in the zone, wait or flush that resolver's cache` : ''}.`);
      }
    }
  }
  for (const r of i.detail ?? []) {
    const x = r.data;
    if (!x) continue;
    const where = x.server ?? 'a resolver';
    if (x.dnssec?.validation === 'bogus') lines.push(`- DNSSEC is **bogus** at ${where}: ${x.dnssec.reason ?? ''}`);
    else if (x.dnssecRequested && x.status !== 'NOERROR' && x.status !== 'NOREPLY') lines.push(`- ${where}: ${x.status} (DNSSEC requested: ${x.dnssec ? x.dnssec.validation : 'no DNSSEC records in the answer'}).`);
  }
  const del = i.delegation?.data;
  if (del) {
    if (del.problems.length === 0) lines.push(`Delegation of ${del.zone} is healthy: ${del.parentNs.length} name servers, NS sets match, every server authoritative with serial ${del.latestSerial}.`);
    for (const p of del.problems) lines.push(`- ${p}.`);
  }
  const ch = i.chain?.data;
  if (ch) lines.push(`DNSSEC chain: **${ch.verdict}**: ${ch.explanation}${ch.delv ? ` (delv: ${ch.delv.text})` : ''}.`);
  return lines;
}

export interface HttpVerdictInput {
  edge: StepResult<CurlData>;
  direct?: StepResult<CurlData> | null;
}

/** What an edge status means, with 502/503/504 from the edge as well as the 52x family. */
export const EDGE_STATUS: Readonly<Record<number, string>> = {
  502: 'bad gateway: the edge (or a proxy in front of the origin) got an invalid response from the next hop; if the body is a CDN error page the origin side failed, if it is the origin\'s own page, its upstream (app server) is down',
  503: 'service unavailable: the origin (or the CDN in front of it) is overloaded or in maintenance; a Retry-After header says for how long; from the edge with cf-mitigated or a CDN page it can also be rate limiting',
  504: 'gateway timeout: a proxy did not get an answer from its upstream in time (the origin\'s own reverse proxy timing out on the application, or the edge on the origin)',
  520: 'the origin sent an empty or malformed response',
  521: 'the origin refused the connection',
  522: 'the connection to the origin timed out',
  523: 'the origin is unreachable',
  524: 'the origin accepted the connection but did not answer in time',
  525: 'the TLS handshake with the origin failed (SSL mode Full/Full (strict) while the origin speaks no TLS on 443, or no common cipher)',
  526: 'the origin certificate is invalid (SSL mode Full (strict): expired, self-signed or wrong name at the origin)',
};

const ray = (c: CurlData) => (c.cdn.cfRay ? ` (ray ${c.cdn.cfRay}${c.cdn.colo ? `, colo ${c.cdn.colo}` : ''})` : '');

/** The http-diagnosis verdict. */
export function httpVerdict(i: HttpVerdictInput): string[] {
  const lines: string[] = [];
  const e = i.edge.data;
  if (!e || e.status === 0) lines.push(`No HTTP response through the edge: ${i.edge.error?.message ?? 'unknown error'}.`);
  else {
    const fb = e.timing ? `${e.timing.firstByteMs} ms` : 'unknown';
    lines.push(`Through the edge: **${e.status}** (HTTP/${e.httpVersion ?? '?'})${ray(e)}, ${e.redirects} redirect(s), cache: ${e.cdn.cfCacheStatus ?? 'no marker'}, first byte after ${fb}.`);
    const why = EDGE_STATUS[e.status];
    if (why) lines.push(`${e.status} means ${why}.`);
    if (i.edge.error?.code === 'too-many-redirects') lines.push(redirectLoopText(e));
  }
  const o = i.direct?.data;
  if (o) {
    lines.push(`Directly from the origin: **${o.status || 'no response'}**${o.status === e?.status ? ' (same as the edge)' : ''}${ray(o)}.`);
    if (e && e.status >= 500 && o.status > 0 && o.status < 500) lines.push('The origin answers fine directly: look at the path between edge and origin (firewall, TLS, timeouts).');
    if (o.status >= 500) lines.push('The origin itself fails: the fix is at the origin.');
  }
  return lines;
}

/** A redirect loop, named, with its usual cause. */
export function redirectLoopText(c: CurlData): string {
  const urls = c.redirectChain;
  const first = urls.findIndex((u, k) => urls.indexOf(u) !== k);
  const loop = first >= 0 ? urls.slice(urls.indexOf(urls[first] as string), first + 1) : urls.slice(-3);
  const httpToHttps = c.hops.some((h) => h.url.startsWith('https:') && h.location !== null && /^http:/.test(new URL(h.location, h.url).href));
  const httpsToHttp = c.hops.some((h) => h.url.startsWith('http:') && h.location !== null && /^https:/.test(new URL(h.location, h.url).href));
  const cause = c.cdn.cfRay || c.hops.some((h) => h.headers.some(([n]) => n === 'cf-ray'))
    ? 'behind the CDN the usual cause is SSL mode **Flexible** (the edge talks plain HTTP to the origin) with an origin that redirects HTTP to HTTPS: the origin sees every request as HTTP and redirects forever. Set SSL mode Full (strict), or stop the origin redirecting'
    : httpToHttps && httpsToHttp
      ? 'the site redirects HTTP to HTTPS and HTTPS back to HTTP'
      : 'the same URL redirects to itself (check the rewrite rules)';
  return `**Redirect loop**: ${loop.join(' -> ')}; ${cause}.`;
}
