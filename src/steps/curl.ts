/**
 * curl as a step: one request (following redirects by default), with the full response of every
 * hop read from `-v` (repeated headers kept, names lower-cased), the timing breakdown and the
 * transfer facts from `-w '%{json}'`, the TLS version/cipher/ALPN from the `-v` info lines, CDN
 * markers surfaced as fields, and failures classified from curl's exit code.
 *
 * A request body goes through stdin (`--data-binary @-`), never argv. The response body is kept
 * as a short, redacted preview.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StepInputError } from './errors.js';
import { curlExitText, message } from './messages.js';
import { isSecretKey, redact, SECRET_HEADERS } from './redact.js';
import { err, makeResult, type Shown, type StepError, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import * as v from './validate.js';

export type Header = [name: string, value: string];

export interface HttpHop {
  /** The URL requested at this hop. */
  url: string;
  status: number;
  httpVersion: string;
  reason: string;
  /** Response headers, names lower-cased, order and repeats kept. */
  headers: Header[];
  location: string | null;
}

export interface CurlTiming {
  /** Phase durations in ms: DNS, TCP connect, TLS handshake, server wait (first byte), download, total. */
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  firstByteMs: number;
  downloadMs: number;
  totalMs: number;
  redirectMs: number;
  /** Cumulative marks as curl reports them (ms from start). */
  namelookup: number;
  connect: number;
  appconnect: number;
  pretransfer: number;
  starttransfer: number;
}

export interface CdnMarkers {
  server: string | null;
  cfRay: string | null;
  /** IATA code at the end of cf-ray. */
  colo: string | null;
  cfCacheStatus: string | null;
  cfMitigated: string | null;
  age: string | null;
  via: string | null;
}

export interface CurlData {
  url: string;
  method: string;
  effectiveUrl: string;
  /** Final HTTP status (0 when no response). */
  status: number;
  httpVersion: string | null;
  remoteIp: string | null;
  remotePort: number | null;
  /** Headers of the final response. */
  headers: Header[];
  /** Every response, first to last (redirects included). */
  hops: HttpHop[];
  redirects: number;
  /** URLs visited, first to last. */
  redirectChain: string[];
  timing: CurlTiming | null;
  tls: { version: string | null; cipher: string | null; alpn: string | null; verifyResult: number | null } | null;
  cdn: CdnMarkers;
  contentType: string | null;
  bodyBytes: number;
  /** First bytes of the body (text, redacted). */
  bodyPreview: string;
  exitCode: number | null;
  curlError: string | null;
}

export interface CurlOptions {
  method?: string;
  /** "Name: value" strings or a name -> value map. */
  headers?: readonly string[] | Readonly<Record<string, string>>;
  body?: string;
  /** --resolve host:port:addr (one or several). */
  resolve?: string | readonly string[];
  /** --connect-to host:port:chost:cport (one or several). */
  connectTo?: string | readonly string[];
  /** Force the HTTP version: "1.1" or "2". */
  http?: '1.1' | '2';
  /** Follow redirects (default true). */
  followRedirects?: boolean;
  maxRedirects?: number;
  /** Skip certificate verification (-k). */
  insecure?: boolean;
  /** CA bundle to verify against (--cacert). */
  caFile?: string;
  /** Whole-transfer limit (curl -m), default 15000. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Body preview length in bytes (default 2048). */
  previewBytes?: number;
  /**
   * Extra request header names that carry credentials (besides Authorization, Cookie, X-Auth-Key,
   * X-Auth-Email, API-key headers): sent only to the original origin when redirects are followed.
   */
  secretHeaders?: readonly string[];
  netns?: string;
}

const list = (x: string | readonly string[] | undefined): string[] => (x === undefined ? [] : typeof x === 'string' ? [x] : [...x]);

/** Parse the `-v` trace (stderr) into response hops + TLS facts. Pure; works on saved stderr. */
export function parseCurlVerbose(stderr: string, firstUrl: string): { hops: HttpHop[]; tlsVersion: string | null; cipher: string | null; alpn: string | null } {
  const hops: HttpHop[] = [];
  let cur: HttpHop | null = null;
  let url = firstUrl;
  let tlsVersion: string | null = null;
  let cipher: string | null = null;
  let alpn: string | null = null;
  let m: RegExpExecArray | null;
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if ((m = /^\* SSL connection using (\S+) \/ (\S+)/.exec(line))) {
      tlsVersion = m[1] as string;
      cipher = m[2] as string;
    } else if ((m = /^\* ALPN: server accepted (\S+)/.exec(line)) || (m = /^\* ALPN, server accepted to use (\S+)/.exec(line))) alpn = m[1] as string;
    else if ((m = /^< (HTTP\/[\d.]+) (\d{3})(?: (.*))?$/.exec(line))) {
      if (cur && cur.location) url = safeResolve(cur.location, cur.url);
      // An 1xx interim response is replaced by the final one of the same request.
      if (cur && cur.status >= 100 && cur.status < 200) hops.pop();
      cur = { url, status: Number(m[2]), httpVersion: (m[1] as string).replace('HTTP/', ''), reason: (m[3] ?? '').trim(), headers: [], location: null };
      hops.push(cur);
    } else if (cur && (m = /^< ([^:\s]+):\s?(.*)$/.exec(line))) {
      const name = (m[1] as string).toLowerCase();
      cur.headers.push([name, m[2] as string]);
      if (name === 'location') cur.location = m[2] as string;
    }
  }
  return { hops, tlsVersion, cipher, alpn };
}

function safeResolve(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

const header = (hs: readonly Header[], name: string): string | null => hs.find(([n]) => n === name)?.[1] ?? null;

export function cdnMarkers(hs: readonly Header[]): CdnMarkers {
  const ray = header(hs, 'cf-ray');
  return {
    server: header(hs, 'server'),
    cfRay: ray,
    colo: ray ? (/-([A-Z]{3})$/.exec(ray)?.[1] ?? null) : null,
    cfCacheStatus: header(hs, 'cf-cache-status'),
    cfMitigated: header(hs, 'cf-mitigated'),
    age: header(hs, 'age'),
    via: header(hs, 'via'),
  };
}

const ms = (x: unknown) => (typeof x === 'number' ? Math.round(x * 1e6) / 1e3 : 0);

export function timingFrom(w: Record<string, unknown>): CurlTiming {
  const nl = ms(w.time_namelookup);
  const co = ms(w.time_connect);
  const ap = ms(w.time_appconnect);
  const pre = ms(w.time_pretransfer);
  const st = ms(w.time_starttransfer);
  const tot = ms(w.time_total);
  const r3 = (x: number) => Math.round(Math.max(0, x) * 1000) / 1000;
  return {
    dnsMs: r3(nl),
    connectMs: r3(co - nl),
    tlsMs: ap > 0 ? r3(ap - co) : 0,
    firstByteMs: r3(st - pre),
    downloadMs: r3(tot - st),
    totalMs: r3(tot),
    redirectMs: ms(w.time_redirect),
    namelookup: nl,
    connect: co,
    appconnect: ap,
    pretransfer: pre,
    starttransfer: st,
  };
}

/** Map a curl exit code (+ its error text) to a stable error code. */
export function classifyCurlExit(code: number, errormsg = ''): StepError {
  const text = curlExitText[code] ?? 'curl error';
  let c: string;
  switch (code) {
    case 6:
      c = 'cannot-resolve';
      break;
    case 7:
      c = /refused/i.test(errormsg) ? 'refused' : 'connect-failed';
      break;
    case 28:
      c = 'timeout';
      break;
    case 35:
      c = 'tls-handshake';
      break;
    case 47:
      c = 'too-many-redirects';
      break;
    case 52:
      c = 'empty-reply';
      break;
    case 56:
      c = 'recv-failure';
      break;
    case 51:
    case 60:
      c = /expired/i.test(errormsg) ? 'cert-expired' : /subject name|does not match|alternative certificate/i.test(errormsg) ? 'cert-hostname-mismatch' : /self[- ]signed/i.test(errormsg) ? 'cert-self-signed' : /issuer|local issuer/i.test(errormsg) ? 'cert-untrusted' : 'certificate';
      break;
    default:
      c = `curl-${code}`;
  }
  return err(c, message.curlExit(code, errormsg ? `${text} (${errormsg})` : text));
}

function showCurl(r: StepResult<CurlData>): Shown {
  const d = r.data;
  if (!d) return { title: 'curl', summary: [] };
  const t = d.timing;
  return {
    title: `${d.method} ${d.url} -> ${d.status || 'no response'}${d.redirects ? ` after ${d.redirects} redirect(s)` : ''}`,
    summary: [
      ['status', d.status],
      ['HTTP version', d.httpVersion ?? ''],
      ['remote', d.remoteIp ? `${d.remoteIp}:${d.remotePort}` : ''],
      ['effective URL', d.effectiveUrl],
      ['TLS', d.tls ? `${d.tls.version ?? ''} ${d.tls.cipher ?? ''}${d.tls.alpn ? ` ALPN ${d.tls.alpn}` : ''}` : ''],
      ['timing ms', t ? `dns ${t.dnsMs}, connect ${t.connectMs}, tls ${t.tlsMs}, first byte ${t.firstByteMs}, download ${t.downloadMs}, total ${t.totalMs}` : ''],
      ['server', d.cdn.server ?? ''],
      ['cf-ray', d.cdn.cfRay ?? ''],
      ['cf-cache-status', d.cdn.cfCacheStatus ?? ''],
      ['cf-mitigated', d.cdn.cfMitigated ?? ''],
      ['body', `${d.bodyBytes} bytes${d.contentType ? ` ${d.contentType}` : ''}`],
    ],
    tables: [
      { caption: 'redirect chain', columns: ['#', 'url', 'status', 'version', 'location'], rows: d.hops.map((h, i) => [i + 1, h.url, h.status, h.httpVersion, h.location ?? '']) },
      { caption: 'response headers (final)', columns: ['name', 'value'], rows: d.headers.map(([n, val]) => [n, val]) },
    ],
  };
}

/** The origin (scheme, host, port) of a URL, for "same origin" on redirects. */
function originOf(u: URL): string {
  return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

const headerName = (h: string): string => h.slice(0, h.indexOf(':')).trim().toLowerCase();

/** Whether a request header carries a credential that must only go to the origin it was meant for. */
export function isSecretRequestHeader(name: string, marked: readonly string[] = []): boolean {
  const n = name.toLowerCase();
  return SECRET_HEADERS.includes(n) || isSecretKey(n) || marked.some((m) => m.toLowerCase() === n);
}

interface Once {
  t: Transcript;
  w: Record<string, unknown>;
  body: Buffer;
  parsed: ReturnType<typeof parseCurlVerbose>;
}

/**
 * One curl process. Hardening: `-q` first (never read ~/.curlrc, which would silently change the
 * evidence), `--globoff` (a "[1-20]" in a URL is one URL, not twenty requests), and only http/https
 * for the request and any redirect curl follows.
 */
async function curlOnce(href: string, o: { method: string; headers: string[]; body?: string; resolves: string[]; connects: string[]; follow: boolean; maxRedirects: number; timeoutMs: number; opts: CurlOptions; caFile?: string }): Promise<Once> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-curl-'));
  const bodyFile = path.join(dir, 'body');
  const argv = ['curl', '-q', '--globoff', '--proto', '=http,https', '--proto-redir', '=http,https', '-s', '-S', '-v', '-o', bodyFile, '-w', '%{json}', '-m', String(o.timeoutMs / 1000)];
  if (o.opts.connectTimeoutMs !== undefined) argv.push('--connect-timeout', String(o.opts.connectTimeoutMs / 1000));
  if (o.follow) argv.push('-L', '--max-redirs', String(o.maxRedirects));
  if (o.method === 'HEAD') argv.push('-I');
  else if (o.method !== 'GET' || o.body !== undefined) argv.push('-X', o.method);
  for (const h of o.headers) argv.push('-H', h);
  if (o.body !== undefined) argv.push('--data-binary', '@-');
  for (const r of o.resolves) argv.push('--resolve', r);
  for (const c of o.connects) argv.push('--connect-to', c);
  if (o.opts.http === '1.1') argv.push('--http1.1');
  if (o.opts.http === '2') argv.push('--http2');
  if (o.opts.insecure) argv.push('-k');
  if (o.caFile) argv.push('--cacert', o.caFile);
  argv.push('--', href);
  let t: Transcript;
  let body = Buffer.alloc(0);
  try {
    t = await run(argv, { timeoutMs: o.timeoutMs + 5000, ...(o.body !== undefined ? { input: o.body } : {}), ...(o.opts.netns !== undefined ? { netns: o.opts.netns } : {}) });
    try {
      body = fs.readFileSync(bodyFile);
    } catch {
      /* no body written */
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let w: Record<string, unknown> = {};
  try {
    const jsonStart = t.stdout.indexOf('{');
    if (jsonStart >= 0) w = JSON.parse(t.stdout.slice(jsonStart)) as Record<string, unknown>;
  } catch {
    w = {};
  }
  return { t, w, body, parsed: parseCurlVerbose(t.stderr, href) };
}

/**
 * Make one HTTP(S) request with curl.
 *
 * Redirects: curl -L sends custom -H headers to every host it is redirected to, so a request that
 * carries a credential (Authorization, Cookie, X-Auth-Key, X-Auth-Email, API keys, or any header
 * named in `secretHeaders`) follows redirects itself, one curl per hop, and sends those headers
 * only to the original origin (scheme, host and port).
 */
export async function curl(url: string, opts: CurlOptions = {}): Promise<StepResult<CurlData>> {
  const u = v.url('url', url);
  const method = v.method('method', opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'));
  const headers = Array.isArray(opts.headers) ? [...(opts.headers as readonly string[])] : Object.entries((opts.headers as Record<string, string> | undefined) ?? {}).map(([k, val]) => `${k}: ${val}`);
  headers.forEach((h, i) => v.header(`header ${i + 1}`, h));
  const marked = (opts.secretHeaders ?? []).map((h, i) => v.headerName(`secretHeaders ${i + 1}`, h));
  const resolves = list(opts.resolve).map((x, i) => v.resolveEntry(`resolve ${i + 1}`, x));
  const connects = list(opts.connectTo).map((x, i) => v.connectToEntry(`connectTo ${i + 1}`, x));
  if (opts.http !== undefined && opts.http !== '1.1' && opts.http !== '2') throw new StepInputError('http', String(opts.http), message.badHttpVersion);
  const maxRedirects = v.integer('maxRedirects', opts.maxRedirects ?? 10, 0, 100);
  const timeoutMs = v.integer('timeoutMs', opts.timeoutMs ?? 15_000, 100, 600_000);
  if (opts.connectTimeoutMs !== undefined) v.integer('connectTimeoutMs', opts.connectTimeoutMs, 100, 600_000);
  const caFile = opts.caFile !== undefined ? v.filePath('caFile', opts.caFile) : undefined;
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  if (opts.previewBytes !== undefined) v.integer('previewBytes', opts.previewBytes, 0, 1_000_000);
  const previewBytes = opts.previewBytes ?? 2048;
  const follow = opts.followRedirects !== false;
  const hasSecret = headers.some((h) => isSecretRequestHeader(headerName(h), marked));
  const common = { resolves, connects, timeoutMs, opts, ...(caFile ? { caFile } : {}) };

  const runs: Once[] = [];
  let tooMany = false;
  let badScheme: string | null = null;
  if (!follow || !hasSecret) {
    runs.push(await curlOnce(u.href, { ...common, method, headers, ...(opts.body !== undefined ? { body: opts.body } : {}), follow, maxRedirects }));
  } else {
    let href = u.href;
    let m = method;
    let body = opts.body;
    const origin = originOf(u);
    for (let hop = 0; ; hop++) {
      const next = new URL(href);
      const sendHeaders = originOf(next) === origin ? headers : headers.filter((h) => !isSecretRequestHeader(headerName(h), marked));
      const once = await curlOnce(href, { ...common, method: m, headers: sendHeaders, ...(body !== undefined ? { body } : {}), follow: false, maxRedirects: 0 });
      runs.push(once);
      const last = once.parsed.hops[once.parsed.hops.length - 1];
      if (once.t.exitCode !== 0 || !last || last.status < 300 || last.status > 399 || !last.location) break;
      if (hop >= maxRedirects) {
        tooMany = true;
        break;
      }
      const target = safeResolve(last.location, href);
      let tu: URL;
      try {
        tu = new URL(target);
      } catch {
        break;
      }
      if (tu.protocol !== 'http:' && tu.protocol !== 'https:') {
        badScheme = tu.protocol.replace(/:$/, '');
        break;
      }
      // What browsers and curl -L do: 303, and 301/302 after a POST, continue as GET without a body.
      if (last.status === 303 || ((last.status === 301 || last.status === 302) && m === 'POST')) {
        m = m === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      href = tu.href;
    }
  }

  const final = runs[runs.length - 1] as Once;
  const w = final.w;
  const hops = runs.flatMap((r) => r.parsed.hops);
  const last = hops[hops.length - 1];
  const tlsOf = runs.map((r) => r.parsed).reverse().find((p) => p.tlsVersion !== null) ?? final.parsed;
  const exitCode = tooMany ? 47 : badScheme ? 1 : final.t.exitCode;
  const str = (x: unknown) => (typeof x === 'string' && x !== '' ? x : null);
  const timing = Object.keys(w).length ? timingFrom(w) : null;
  if (timing && runs.length > 1) timing.redirectMs = Math.round(runs.slice(0, -1).reduce((s, r) => s + ms(r.w.time_total), 0) * 1000) / 1000;
  const data: CurlData = {
    url: u.href,
    method,
    effectiveUrl: str(w.url_effective) ?? last?.url ?? u.href,
    status: typeof w.http_code === 'number' ? w.http_code : (last?.status ?? 0),
    httpVersion: str(w.http_version) === '0' ? null : (str(w.http_version) ?? last?.httpVersion ?? null),
    remoteIp: str(w.remote_ip),
    remotePort: typeof w.remote_port === 'number' && w.remote_port > 0 ? w.remote_port : null,
    headers: last?.headers ?? [],
    hops,
    redirects: runs.length > 1 || tooMany ? hops.length - 1 : typeof w.num_redirects === 'number' ? w.num_redirects : Math.max(0, hops.length - 1),
    redirectChain: hops.map((h) => h.url),
    timing,
    tls: u.protocol === 'https:' || tlsOf.tlsVersion ? { version: tlsOf.tlsVersion, cipher: tlsOf.cipher, alpn: tlsOf.alpn, verifyResult: typeof w.ssl_verify_result === 'number' ? w.ssl_verify_result : null } : null,
    cdn: cdnMarkers(last?.headers ?? []),
    contentType: str(w.content_type),
    bodyBytes: final.body.length,
    bodyPreview: redact(final.body.subarray(0, previewBytes).toString('utf8')),
    exitCode,
    curlError: tooMany ? message.tooManyRedirects(maxRedirects) : badScheme ? message.redirectScheme(badScheme) : (str(w.errormsg) ?? (/^curl: \(\d+\) (.*)$/m.exec(final.t.stderr)?.[1] ?? null)),
  };
  const t = final.t;
  let error: StepError | undefined;
  if (t.timedOut) error = err('timeout', message.timedOut('curl', timeoutMs + 5000));
  else if (exitCode !== 0) error = classifyCurlExit(exitCode ?? -1, `${data.curlError ?? ''}${exitCode === 7 && /Connection refused/.test(t.stderr) ? ' (Connection refused)' : ''}`);
  else if (data.status >= 400) error = err(data.status >= 500 ? 'http-5xx' : 'http-4xx', message.httpStatus(data.status));
  return makeResult('curl', { ok: !error, data, ...(error ? { error } : {}), transcript: runs.map((r) => r.t) }, showCurl);
}
