/**
 * Adapters from step results (netrunbook/steps) to the plain inputs of the evidence charts.
 * viz may not import steps, so these read structure, not types: each accepts a StepResult
 * (`{ kind, ok, data }`), its `data`, or the bare value, and knows the few spellings the fields
 * come in (curl's own `time_*` names in seconds, `rtt`/`rttMs`, `values`/`answer` records...).
 * When nothing recognisable is found they throw a VizInputError listing the keys they saw.
 */
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import type { CertSpan, CurlTimings, DnsAnswerSet, TraceHop, TraceProbe } from './evidence.js';

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

const CURL_KEYS: readonly (readonly [keyof Omit<CurlTimings, 'label'>, readonly string[], readonly string[]])[] = [
  // [field, names in ms, curl's names in seconds]
  ['dns', ['dns', 'dnsMs', 'namelookup', 'nameLookupMs'], ['time_namelookup']],
  ['connect', ['connect', 'connectMs', 'tcp'], ['time_connect']],
  ['tls', ['tls', 'tlsMs', 'appconnect', 'appConnectMs', 'tlsHandshake'], ['time_appconnect']],
  ['firstByte', ['firstByte', 'firstByteMs', 'ttfb', 'ttfbMs', 'starttransfer', 'startTransferMs'], ['time_starttransfer']],
  ['total', ['total', 'totalMs'], ['time_total']],
];

function curlOne(v: unknown, label?: string): CurlTimings | undefined {
  const d = unwrap(v);
  if (!isObj(d)) return undefined;
  const src = isObj(d.timings) ? d.timings : isObj(d.timing) ? d.timing : d;
  const out: CurlTimings = {};
  let found = 0;
  for (const [field, ms, secs] of CURL_KEYS) {
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
    const subj = pick(c, ['subject', 'subjectCN', 'cn', 'commonName']);
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
