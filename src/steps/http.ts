/**
 * HTTP through a CDN, in depth, built on the curl step: `/cdn-cgi/trace`, a cache probe (the same
 * request twice: MISS -> HIT, or why not), edge vs origin header differences (volatile headers
 * ignored), HTTP/1.1 vs HTTP/2, the same request pinned to several edge addresses, and redirect
 * loop detection. Ray id and colo are part of every row.
 */
import { StepInputError } from './errors.js';
import { curl, type CurlData, type CurlOptions, type Header } from './curl.js';
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepResult } from './result.js';
import * as v from './validate.js';

type BaseOptions = Omit<CurlOptions, 'resolve' | 'http'> & { resolve?: string | readonly string[] };

// ---------------------------------------------------------------- /cdn-cgi/trace

export type CdnTrace = Record<string, string>;

/** Parse `/cdn-cgi/trace` (key=value lines). Pure. */
export function parseCdnTrace(text: string): CdnTrace {
  const out: CdnTrace = Object.create(null) as CdnTrace;
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export interface CdnTraceData {
  url: string;
  trace: CdnTrace;
  colo: string | null;
  /** The client address the edge saw. */
  ip: string | null;
  http: string | null;
  tls: string | null;
  cfRay: string | null;
}

/** GET https://host/cdn-cgi/trace through the edge and parse it. */
export async function cdnTrace(url: string, opts: BaseOptions = {}): Promise<StepResult<CdnTraceData>> {
  const u = v.url('url', url);
  const target = `${u.protocol}//${u.host}/cdn-cgi/trace`;
  const r = await curl(target, { ...opts, previewBytes: 4096, followRedirects: false });
  const trace = r.data && r.data.status === 200 ? parseCdnTrace(r.data.bodyPreview) : (Object.create(null) as CdnTrace);
  const found = trace.colo !== undefined;
  const data: CdnTraceData = { url: target, trace, colo: trace.colo ?? null, ip: trace.ip ?? null, http: trace.http ?? null, tls: trace.tls ?? null, cfRay: r.data?.cdn.cfRay ?? null };
  return makeResult('cdn-trace', { ok: found, data, ...(found ? {} : { error: r.error ?? err('not-proxied', message.noTrace(u.host)) }), transcript: r.transcript }, () => ({
    title: `${target}: ${found ? `colo ${data.colo}` : 'no trace (not proxied?)'}`,
    summary: [['cf-ray', data.cfRay ?? '']],
    tables: [{ columns: ['key', 'value'], rows: Object.entries(trace) }],
  }));
}

// ---------------------------------------------------------------- cache probe

export interface CacheProbeData {
  url: string;
  requests: { status: number; cacheStatus: string | null; age: string | null; cfRay: string | null; colo: string | null }[];
  cacheControl: string | null;
  vary: string | null;
  setCookie: boolean;
  /** "cached" (MISS/EXPIRED -> HIT), "hit", "bypass", "dynamic", "not-cached", "not-proxied". */
  outcome: 'cached' | 'hit' | 'bypass' | 'dynamic' | 'not-cached' | 'not-proxied';
  explanation: string;
}

const hv = (hs: readonly Header[], name: string) => hs.find(([n]) => n === name)?.[1] ?? null;

/** Why a response is (not) served from cache, from its headers and two cf-cache-status values. Pure. */
export function explainCache(statuses: readonly (string | null)[], headers: readonly Header[]): { outcome: CacheProbeData['outcome']; explanation: string } {
  const cc = (hv(headers, 'cache-control') ?? '').toLowerCase();
  const setCookie = headers.some(([n]) => n === 'set-cookie');
  const vary = hv(headers, 'vary');
  const [first, last] = [statuses[0] ?? null, statuses[statuses.length - 1] ?? null];
  if (!first) return { outcome: 'not-proxied', explanation: message.cacheNotProxied };
  if (first !== 'HIT' && last === 'HIT') return { outcome: 'cached', explanation: message.cacheCached(first) };
  if (first === 'HIT') return { outcome: 'hit', explanation: message.cacheHit };
  const reasons: string[] = [];
  if (/no-store|private|no-cache|max-age=0\b|s-maxage=0\b/.test(cc)) reasons.push(`cache-control "${cc}"`);
  if (setCookie) reasons.push('a Set-Cookie header');
  if (vary && !/^accept-encoding$/i.test(vary.trim())) reasons.push(`Vary: ${vary}`);
  if (last === 'BYPASS') return { outcome: 'bypass', explanation: message.cacheBypass(reasons) };
  if (last === 'DYNAMIC') return { outcome: 'dynamic', explanation: message.cacheDynamic(reasons) };
  return { outcome: 'not-cached', explanation: message.cacheOther(last ?? '', reasons) };
}

/** Request the same URL twice (or `repeat` times) and explain the cache outcome. */
export async function cacheProbe(url: string, opts: BaseOptions & { repeat?: number } = {}): Promise<StepResult<CacheProbeData>> {
  v.url('url', url);
  const n = v.integer('repeat', opts.repeat ?? 2, 2, 10);
  const { repeat: _r, ...copts } = opts;
  const rs: StepResult<CurlData>[] = [];
  for (let i = 0; i < n; i++) rs.push(await curl(url, copts));
  const last = rs[rs.length - 1]?.data;
  const headers = last?.headers ?? [];
  const requests = rs.map((r) => ({ status: r.data?.status ?? 0, cacheStatus: r.data?.cdn.cfCacheStatus ?? null, age: r.data?.cdn.age ?? null, cfRay: r.data?.cdn.cfRay ?? null, colo: r.data?.cdn.colo ?? null }));
  const ex = explainCache(requests.map((q) => q.cacheStatus), headers);
  const data: CacheProbeData = { url, requests, cacheControl: hv(headers, 'cache-control'), vary: hv(headers, 'vary'), setCookie: headers.some(([h]) => h === 'set-cookie'), ...ex };
  const failed = rs.find((r) => !r.data || r.data.status === 0);
  return makeResult('cache-probe', { ok: !failed, data, ...(failed?.error ? { error: failed.error } : {}), transcript: rs.flatMap((r) => r.transcript) }, () => ({
    title: `cache probe ${url}: ${requests.map((q) => q.cacheStatus ?? '-').join(' -> ')} (${data.outcome})`,
    summary: [['explanation', data.explanation], ['cache-control', data.cacheControl ?? ''], ['vary', data.vary ?? ''], ['set-cookie', data.setCookie]],
    tables: [{ columns: ['#', 'status', 'cf-cache-status', 'age', 'cf-ray', 'colo'], rows: requests.map((q, i) => [i + 1, q.status, q.cacheStatus, q.age, q.cfRay, q.colo]) }],
  }));
}

// ---------------------------------------------------------------- header diff

/** Headers that differ on every response (or by hop) and say nothing about configuration. */
export const VOLATILE_HEADERS: readonly string[] = ['date', 'age', 'cf-ray', 'expires', 'x-request-id', 'request-id', 'x-amz-request-id', 'x-amz-id-2', 'report-to', 'nel', 'server-timing', 'set-cookie', 'etag', 'last-modified', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'alt-svc', 'cf-cache-status', 'x-served-by', 'x-timer', 'via'];

export interface HeaderDiff {
  onlyA: Header[];
  onlyB: Header[];
  different: { name: string; a: string; b: string }[];
}

/** Compare two header lists by name (repeats joined), ignoring volatile headers. Pure. */
export function diffHeaders(a: readonly Header[], b: readonly Header[], ignore: readonly string[] = VOLATILE_HEADERS): HeaderDiff {
  const fold = (hs: readonly Header[]) => {
    const m = new Map<string, string>();
    for (const [n, val] of hs) if (!ignore.includes(n)) m.set(n, m.has(n) ? `${m.get(n)}, ${val}` : val);
    return m;
  };
  const ma = fold(a);
  const mb = fold(b);
  const out: HeaderDiff = { onlyA: [], onlyB: [], different: [] };
  for (const [n, val] of ma) {
    if (!mb.has(n)) out.onlyA.push([n, val]);
    else if (mb.get(n) !== val) out.different.push({ name: n, a: val, b: mb.get(n) as string });
  }
  for (const [n, val] of mb) if (!ma.has(n)) out.onlyB.push([n, val]);
  return out;
}

export interface EdgeOriginData {
  url: string;
  edge: CurlData | null;
  origin: CurlData | null;
  diff: HeaderDiff;
}

/** The same request through the edge and pinned to the origin address, and their header differences. */
export async function edgeVsOrigin(url: string, origin: string, opts: BaseOptions & { edge?: string } = {}): Promise<StepResult<EdgeOriginData>> {
  const u = v.url('url', url);
  const o = v.ip('origin', origin);
  const e = opts.edge !== undefined ? v.ip('edge', opts.edge) : undefined;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const pin = (ip: string) => `${u.hostname}:${port}:${ip.includes(':') ? `[${ip}]` : ip}`;
  const { edge: _e, ...copts } = opts;
  const [er, or] = await Promise.all([curl(url, { ...copts, ...(e ? { resolve: pin(e) } : {}) }), curl(url, { ...copts, resolve: pin(o) })]);
  const data: EdgeOriginData = { url, edge: er.data ?? null, origin: or.data ?? null, diff: diffHeaders(er.data?.headers ?? [], or.data?.headers ?? []) };
  const bad = !er.data?.status || !or.data?.status;
  return makeResult('http-edge-origin', { ok: !bad, data, ...(bad ? { error: (er.data?.status ? or.error : er.error) ?? err('no-response', message.httpNoResponse) } : {}), transcript: [...er.transcript, ...or.transcript] }, showEdgeOrigin);
}

function showEdgeOrigin(r: StepResult<EdgeOriginData>): Shown {
  const d = r.data;
  if (!d) return { title: 'edge vs origin', summary: [] };
  const row = (name: string, c: CurlData | null) => [name, c?.status ?? 0, c?.httpVersion ?? '', c?.remoteIp ?? '', c?.cdn.cfRay ?? '', c?.cdn.colo ?? '', c?.cdn.cfCacheStatus ?? '', c?.timing?.firstByteMs ?? ''];
  return {
    title: `${d.url}: edge ${d.edge?.status ?? 0}, origin ${d.origin?.status ?? 0}`,
    summary: [['headers only at the edge', d.diff.onlyA.map(([n]) => n).join(', ')], ['headers only at the origin', d.diff.onlyB.map(([n]) => n).join(', ')]],
    tables: [
      { columns: ['side', 'status', 'HTTP', 'address', 'cf-ray', 'colo', 'cache', 'first byte ms'], rows: [row('edge', d.edge), row('origin', d.origin)] },
      { caption: 'header differences (volatile headers ignored)', columns: ['header', 'edge', 'origin'], rows: [...d.diff.different.map((x) => [x.name, x.a, x.b]), ...d.diff.onlyA.map(([n, val]) => [n, val, '']), ...d.diff.onlyB.map(([n, val]) => [n, '', val])] },
    ],
  };
}

// ---------------------------------------------------------------- HTTP versions, several edges

export interface HttpVersionsData {
  url: string;
  results: { http: '1.1' | '2'; status: number; httpVersion: string | null; alpn: string | null; firstByteMs: number | null; totalMs: number | null; cfRay: string | null; error: string | null }[];
  /** True when both versions gave the same status. */
  same: boolean;
}

/** The same request forced to HTTP/1.1 and to HTTP/2. */
export async function compareHttpVersions(url: string, opts: BaseOptions = {}): Promise<StepResult<HttpVersionsData>> {
  v.url('url', url);
  const rs = await Promise.all((['1.1', '2'] as const).map((h) => curl(url, { ...opts, http: h })));
  const results = rs.map((r, i) => ({ http: (i === 0 ? '1.1' : '2') as '1.1' | '2', status: r.data?.status ?? 0, httpVersion: r.data?.httpVersion ?? null, alpn: r.data?.tls?.alpn ?? null, firstByteMs: r.data?.timing?.firstByteMs ?? null, totalMs: r.data?.timing?.totalMs ?? null, cfRay: r.data?.cdn.cfRay ?? null, error: r.error?.message ?? null }));
  const same = results[0]?.status === results[1]?.status;
  return makeResult('http-versions', { ok: same && results.every((x) => x.status > 0), data: { url, results, same }, ...(same ? {} : { error: err('version-differs', message.httpVersionsDiffer(results.map((x) => `HTTP/${x.http} ${x.status}`))) }), transcript: rs.flatMap((r) => r.transcript) }, () => ({
    title: `${url}: HTTP/1.1 ${results[0]?.status} vs HTTP/2 ${results[1]?.status}`,
    summary: [],
    tables: [{ columns: ['forced', 'status', 'negotiated', 'ALPN', 'first byte ms', 'total ms', 'cf-ray', 'error'], rows: results.map((x) => [x.http, x.status, x.httpVersion, x.alpn, x.firstByteMs, x.totalMs, x.cfRay, x.error]) }],
  }));
}

export interface EdgesData {
  url: string;
  results: { address: string; status: number; cfRay: string | null; colo: string | null; cacheStatus: string | null; firstByteMs: number | null; error: string | null }[];
  statuses: number[];
}

/** The same request pinned (--resolve) to each of several edge addresses at once. */
export async function acrossEdges(url: string, addresses: readonly string[], opts: Omit<CurlOptions, 'resolve'> = {}): Promise<StepResult<EdgesData>> {
  const u = v.url('url', url);
  if (!Array.isArray(addresses) || addresses.length === 0) throw new StepInputError('addresses', String(addresses), message.empty);
  const ips = addresses.map((a, i) => v.ip(`address ${i + 1}`, a));
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const rs = await Promise.all(ips.map((ip) => curl(url, { ...opts, resolve: `${u.hostname}:${port}:${ip.includes(':') ? `[${ip}]` : ip}` })));
  const results = rs.map((r, i) => ({ address: ips[i] as string, status: r.data?.status ?? 0, cfRay: r.data?.cdn.cfRay ?? null, colo: r.data?.cdn.colo ?? null, cacheStatus: r.data?.cdn.cfCacheStatus ?? null, firstByteMs: r.data?.timing?.firstByteMs ?? null, error: r.error?.message ?? null }));
  const statuses = [...new Set(results.map((x) => x.status))].sort();
  return makeResult('http-edges', { ok: statuses.length === 1 && (statuses[0] ?? 0) > 0, data: { url, results, statuses }, ...(statuses.length === 1 ? {} : { error: err('edges-differ', message.edgesDiffer(statuses)) }), transcript: rs.flatMap((r) => r.transcript) }, () => ({
    title: `${url} at ${ips.length} edge addresses: ${statuses.join(' / ')}`,
    summary: [],
    tables: [{ columns: ['address', 'status', 'cf-ray', 'colo', 'cache', 'first byte ms', 'error'], rows: results.map((x) => [x.address, x.status, x.cfRay, x.colo, x.cacheStatus, x.firstByteMs, x.error]) }],
  }));
}

/** The URLs of a redirect loop (the cycle), or null. Pure. */
export function redirectLoop(c: CurlData): string[] | null {
  const urls = c.redirectChain;
  for (let k = 0; k < urls.length; k++) {
    const first = urls.indexOf(urls[k] as string);
    if (first < k) return urls.slice(first, k + 1);
  }
  return null;
}
