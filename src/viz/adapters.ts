/**
 * Adapters from step results (netrunbook/steps) to the plain inputs of the evidence charts.
 * viz may not import steps, so these read structure, not types: each accepts a StepResult
 * (`{ kind, ok, data }`), its `data`, or the bare value, and knows the few spellings the fields
 * come in (curl's own `time_*` names in seconds, `rtt`/`rttMs`, `values`/`answer` records...).
 * When nothing recognisable is found they throw a VizInputError listing the keys they saw.
 */
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import type { BacktestInput, CertSpan, CurlTimings, DnsAnswerSet, TraceHop, TraceProbe } from './evidence.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const keys = (v: unknown) => (isObj(v) ? Object.keys(v) : []);

/** A StepResult's data (or the value itself). */
function unwrap(v: unknown): unknown {
  if (isObj(v) && 'data' in v && ('kind' in v || 'ok' in v || 'transcript' in v)) return v.data;
  return v;
}

function pick(o: Obj, names: readonly string[]): unknown {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

function numOr(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

// Cumulative marks (ms from the start of the request, as curl's -w time_* values are) under the
// names they come in; curl's own names are in seconds.
const CURL_MARKS: readonly (readonly [keyof Omit<CurlTimings, 'label'>, readonly string[], readonly string[]])[] = [
  ['dns', ['namelookup', 'dns', 'nameLookupMs'], ['time_namelookup']],
  ['connect', ['connect', 'tcp'], ['time_connect']],
  ['tls', ['appconnect', 'tls', 'appConnectMs'], ['time_appconnect']],
  ['firstByte', ['starttransfer', 'firstByte', 'ttfb', 'startTransferMs'], ['time_starttransfer']],
  ['total', ['total', 'totalMs'], ['time_total']],
];
// Phase DURATIONS (netrunbook/steps' CurlTiming: dnsMs, connectMs, tlsMs, firstByteMs), summed
// into marks when no cumulative names are present.
const CURL_PHASES = ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs'] as const;

function curlOne(v: unknown, label?: string): CurlTimings | undefined {
  const d = unwrap(v);
  if (!isObj(d)) return undefined;
  const src = isObj(d.timings) ? d.timings : isObj(d.timing) ? d.timing : d;
  const out: CurlTimings = {};
  let found = 0;
  for (const [field, ms, secs] of CURL_MARKS) {
    let val = numOr(pick(src, ms));
    if (val === undefined) {
      const s = numOr(pick(src, secs));
      if (s !== undefined) val = s * 1000;
    }
    if (val !== undefined) {
      out[field] = val;
      found++;
    }
  }
  if (out.connect === undefined && out.firstByte === undefined && CURL_PHASES.some((k) => numOr(src[k]) !== undefined)) {
    const [dns, connect, tls, wait] = CURL_PHASES.map((k) => numOr(src[k]) ?? 0) as [number, number, number, number];
    out.dns = dns;
    out.connect = dns + connect;
    out.tls = tls > 0 ? dns + connect + tls : 0;
    out.firstByte = dns + connect + tls + wait;
    found++;
  }
  if (!found) return undefined;
  const l = label ?? (typeof d.url === 'string' ? d.url : typeof d.label === 'string' ? d.label : undefined);
  if (l) out.label = l;
  return out;
}

/** curl step result(s) -> CurlTimings[] for `curlWaterfall`. */
export function curlTimingsFrom(value: unknown): CurlTimings[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((v, i) => {
    const t = curlOne(v);
    if (!t) throw new VizInputError('curlTimingsFrom', MSG.unrecognised('curlTimingsFrom', `curl timings (dns, connect, tls, firstByte, total) in item #${i}`, keys(unwrap(v))));
    return t;
  });
}

/** traceroute step result -> TraceHop[] for `tracerouteHops`. */
export function tracerouteHopsFrom(value: unknown): TraceHop[] {
  const d = unwrap(value);
  const hops = Array.isArray(d) ? d : isObj(d) ? pick(d, ['hops', 'path', 'trace']) : undefined;
  if (!Array.isArray(hops)) throw new VizInputError('tracerouteHopsFrom', MSG.unrecognised('tracerouteHopsFrom', 'a list of hops', keys(d)));
  return hops.map((h: unknown, i) => {
    if (!isObj(h)) throw new VizInputError('tracerouteHopsFrom', MSG.badItem('tracerouteHopsFrom', i, 'is not a hop object'));
    const hop = numOr(pick(h, ['hop', 'ttl', 'index', 'n'])) ?? i + 1;
    const rawProbes = pick(h, ['probes', 'replies', 'rtts']);
    const hopAddr = pick(h, ['address', 'ip', 'host']);
    const probes: TraceProbe[] = Array.isArray(rawProbes)
      ? rawProbes.map((p: unknown) => {
          if (typeof p === 'number' || p === null) return { address: typeof hopAddr === 'string' ? hopAddr : null, rttMs: p };
          if (!isObj(p)) return { address: null, rttMs: null };
          const addr = pick(p, ['address', 'ip', 'host']);
          return { address: typeof addr === 'string' ? addr : null, rttMs: numOr(pick(p, ['rttMs', 'rtt', 'ms', 'time'])) ?? null };
        })
      : [];
    const loss = numOr(pick(h, ['loss', 'lossRate', 'lossPct']));
    return { hop, probes, ...(loss !== undefined ? { loss } : {}) };
  });
}

function dnsSet(v: unknown, i: number): DnsAnswerSet {
  const d = unwrap(v);
  if (!isObj(d)) throw new VizInputError('dnsAnswersFrom', MSG.badItem('dnsAnswersFrom', i, 'is not a resolver answer'));
  const resolver = pick(d, ['resolver', 'server', 'name']);
  const status = pick(d, ['status', 'rcode']);
  const ttl = numOr(pick(d, ['ttl']));
  let values: (string | { value: string; ttl?: number | null })[] = [];
  const vals = pick(d, ['values', 'answers']);
  const answer = d.answer;
  if (Array.isArray(vals)) values = vals.map((x: unknown) => (isObj(x) ? { value: String(pick(x, ['value', 'data', 'address']) ?? ''), ttl: numOr(x.ttl) ?? null } : String(x)));
  else if (Array.isArray(answer)) values = answer.filter(isObj).map((r) => ({ value: String(pick(r, ['data', 'value']) ?? ''), ttl: numOr(r.ttl) ?? null }));
  return {
    resolver: typeof resolver === 'string' ? resolver : `resolver ${i + 1}`,
    ...(typeof status === 'string' ? { status } : {}),
    values,
    ...(ttl !== undefined ? { ttl } : {}),
  };
}

/** compareResolvers result, dig results (one per resolver) or answer lists -> DnsAnswerSet[] for `dnsAnswers`. */
export function dnsAnswersFrom(value: unknown): DnsAnswerSet[] {
  const d = unwrap(value);
  const list = Array.isArray(d) ? d : isObj(d) && Array.isArray(d.answers) ? d.answers : undefined;
  if (!list) throw new VizInputError('dnsAnswersFrom', MSG.unrecognised('dnsAnswersFrom', 'a list of resolver answers', keys(d)));
  return list.map(dnsSet);
}

/** TLS step result (chain of certificates) -> CertSpan[] for `certTimeline`. */
export function certChainFrom(value: unknown): CertSpan[] {
  const d = unwrap(value);
  const list = Array.isArray(d) ? d : isObj(d) ? pick(d, ['chain', 'certificates', 'certs']) ?? (pick(d, ['notAfter', 'validTo']) !== undefined ? [d] : undefined) : undefined;
  if (!Array.isArray(list)) throw new VizInputError('certChainFrom', MSG.unrecognised('certChainFrom', 'a certificate chain (chain: [{ subject, notBefore, notAfter }])', keys(d)));
  return list.map((c: unknown, i) => {
    if (!isObj(c)) throw new VizInputError('certChainFrom', MSG.badItem('certChainFrom', i, 'is not a certificate'));
    const nb = pick(c, ['notBefore', 'validFrom', 'not_before']);
    const na = pick(c, ['notAfter', 'validTo', 'not_after']);
    if (nb === undefined || na === undefined) throw new VizInputError('certChainFrom', MSG.badItem('certChainFrom', i, 'has no notBefore/notAfter'));
    const subj = pick(c, ['commonName', 'subjectCN', 'cn', 'subject']);
    const issuer = pick(c, ['issuer', 'issuerCN']);
    const text = (x: unknown) => (typeof x === 'string' ? x : isObj(x) ? String(pick(x, ['CN', 'cn', 'commonName']) ?? JSON.stringify(x)) : `certificate ${i}`);
    return {
      subject: text(subj),
      notBefore: nb instanceof Date ? nb : (nb as string | number),
      notAfter: na instanceof Date ? na : (na as string | number),
      ...(issuer !== undefined ? { issuer: text(issuer) } : {}),
    };
  });
}

/**
 * Backtest results -> BacktestInput[] for `backtestChart`. Accepts the chart's own shape
 * (`{ attack: { matched, total }, good: { matched, total } }`), netrunbook/classify's Backtest
 * (`attackMatched`, `attackRows`, `goodMatched`, `goodRows`), or mitigations carrying one under
 * `backtest` (named by their `name`, `expression` or `kind`).
 */
export function backtestFrom(value: unknown): BacktestInput[] {
  const d = unwrap(value);
  const list = Array.isArray(d) ? d : isObj(d) && Array.isArray(d.mitigations) ? d.mitigations : [d];
  return list.map((item: unknown, i) => {
    if (!isObj(item)) throw new VizInputError('backtestFrom', MSG.badItem('backtestFrom', i, 'is not a backtest result'));
    const bt = isObj(item.backtest) ? item.backtest : item;
    const nameVal = pick(item, ['name', 'expression', 'kind']);
    const name = typeof nameVal === 'string' ? nameVal : undefined;
    const count = (o: unknown) => (isObj(o) && numOr(o.matched) !== undefined && numOr(o.total) !== undefined ? { matched: Number(o.matched), total: Number(o.total) } : undefined);
    let attack = count(bt.attack);
    let good = count(bt.good);
    if (!attack && numOr(bt.attackMatched) !== undefined && numOr(bt.attackRows) !== undefined) attack = { matched: Number(bt.attackMatched), total: Number(bt.attackRows) };
    if (!good && numOr(bt.goodMatched) !== undefined && numOr(bt.goodRows) !== undefined) good = { matched: Number(bt.goodMatched), total: Number(bt.goodRows) };
    if (!attack || !good) throw new VizInputError('backtestFrom', MSG.unrecognised('backtestFrom', `attack and good match counts in item #${i}`, keys(bt)));
    return { ...(name !== undefined ? { name } : {}), attack, good };
  });
}
