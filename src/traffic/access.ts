/**
 * One access-log record, as every text format's parser reads it, and the one place that turns
 * it into canonical columns with Rules-language semantics: methods upper-case, `HTTP/2.0` as
 * `HTTP/2`, a request target split into path and query as the edge does (the query without
 * its `?`), `-` as missing, and the client address checked against CDN egress ranges (cdn.ts).
 */
import { table } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { cdnOf } from './cdn.js';
import { FIELD } from './fields.js';
import { dict } from './guard.js';
import { addHeader, normVersion, parseCookies, putTarget } from './http-fields.js';
import { forEachLine } from './lines.js';
import { MSG } from './messages.js';
import { ReportBuilder } from './report.js';
import { sourceName, type Source } from './source.js';
import type { LoadOptions, Loaded, TrafficFormat } from './types.js';

export interface AccessRecord {
  /** ms since epoch (null: missing or unparsable, with a warning). */
  time?: number | null;
  /** The client address in the log's client column (no port, no brackets). */
  client?: string | null;
  clientPort?: number | null;
  method?: string | null;
  /** Request target as sent: `/path?query`, or an absolute URL (proxies, load balancers). */
  target?: string | null;
  /** Path and query when the log has them apart (IIS, CloudFront, Traefik JSON). */
  path?: string | null;
  query?: string | null;
  version?: string | null;
  status?: number | null;
  /** Response body bytes sent to the client. */
  bytes?: number | null;
  userAgent?: string | null;
  referer?: string | null;
  host?: string | null;
  scheme?: string | null;
  cookie?: string | null;
  /** X-Forwarded-For as logged ("a, b"), CF-Connecting-IP. */
  forwardedFor?: string | null;
  cfConnectingIp?: string | null;
  /** Request headers (any case; lower-cased here). */
  headers?: Record<string, string | string[]> | null;
  /** Error-log events and non-request lines: the reason, and its severity. */
  reason?: string | null;
  level?: string | null;
  /** Format-specific fields, kept under their own names ('' and '-' become missing). */
  extra?: Record<string, string | number | boolean | null | undefined>;
}

export { normVersion };

/** '-' and '' (a text log's "nothing") as null. */
export const dash = (s: string | undefined | null): string | null => (s === undefined || s === null || s === '-' || s === '' ? null : s);

/** A number from a log token; null for '-', '' or anything not a finite number. */
export function numOf(s: string | undefined | null): number | null {
  if (s === undefined || s === null || s === '-' || s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** `a.b.c.d:port`, `[v6]:port`, bare v6 or v4 -> address and port. */
export function splitHostPort(s: string): { addr: string; port: number | null } {
  if (s.startsWith('[')) {
    const e = s.indexOf(']');
    if (e > 0) return { addr: s.slice(1, e), port: s[e + 1] === ':' ? numOf(s.slice(e + 2)) : null };
  }
  const c = s.lastIndexOf(':');
  if (c > 0 && s.indexOf(':') === c) return { addr: s.slice(0, c), port: numOf(s.slice(c + 1)) };
  return { addr: s, port: null };
}

const ABS = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/;

/** What the client-address check saw over a whole load (see `finishAccess`). */
export class ClientCheck {
  cdnRows = 0;
  replaced = 0;
  header: string | null = null;
  cdn: string | null = null;
  constructor(readonly mode: LoadOptions['clientAddress'] = 'auto') {}
}

/** First address of an X-Forwarded-For list ("client, proxy1, proxy2"). */
const firstForwarded = (xff: string): string | null => {
  const a = xff.split(',')[0]?.trim() ?? '';
  return a === '' || a === '-' || a === 'unknown' ? null : splitHostPort(a).addr;
};

/** Puts one record as a row (and calls b.next()). */
export function putAccess(b: ColumnBuilder, r: AccessRecord, check: ClientCheck): void {
  if (r.time !== undefined) b.put(FIELD.timestamp, r.time);
  // the client: the log's column, unless it is a CDN's egress and the visitor is in a header
  const logged = dash(r.client);
  const cf = dash(r.cfConnectingIp);
  const xff = dash(r.forwardedFor);
  let ip = logged;
  const cdn = logged !== null ? cdnOf(logged) : null;
  if (cdn) {
    check.cdnRows++;
    check.cdn = cdn;
  }
  if (check.mode !== 'log' && (cdn || check.mode === 'forwarded')) {
    const fwd = cf ?? (xff !== null ? firstForwarded(xff) : null);
    if (fwd !== null && fwd !== logged) {
      ip = fwd;
      check.replaced++;
      check.header = cf !== null ? 'CF-Connecting-IP' : 'X-Forwarded-For';
      if (logged !== null) b.putStr(FIELD.edgeIp, logged);
    }
  }
  if (ip !== null) b.putStr(FIELD.ipSrc, ip);
  if (r.clientPort !== undefined && r.clientPort !== null) b.put('client.port', r.clientPort);
  if (xff !== null) b.putStr(FIELD.forwardedFor, xff);
  const method = dash(r.method);
  if (method !== null) b.putStr(FIELD.method, method.toUpperCase());
  const target = dash(r.target);
  if (target !== null) {
    const abs = ABS.exec(target);
    if (abs) {
      b.putStr(FIELD.scheme, (abs[1] as string).toLowerCase());
      const hp = splitHostPort((abs[2] as string).replace(/^[^@]*@/, ''));
      if (hp.addr) b.putStr(FIELD.host, hp.addr);
      b.put('http.request.full_uri', target);
      putTarget(b, (abs[3] as string) || '/');
    } else putTarget(b, target);
  }
  const path = dash(r.path);
  if (path !== null) b.putStr(FIELD.path, path);
  if (r.query !== undefined) {
    const q = dash(r.query);
    b.put(FIELD.query, q === null ? null : q.startsWith('?') ? q.slice(1) || null : q);
  }
  if (path !== null && target === null) {
    const q = dash(r.query);
    b.put(FIELD.uri, q === null ? path : `${path}?${q.replace(/^\?/, '')}`);
  }
  const version = dash(r.version);
  if (version !== null) b.putStr(FIELD.httpVersion, normVersion(version));
  if (r.status !== undefined) b.put(FIELD.status, r.status === 0 && r.reason ? null : r.status);
  if (r.bytes !== undefined) b.put(FIELD.bytesSent, r.bytes);
  for (const [field, v] of [
    [FIELD.userAgent, r.userAgent],
    [FIELD.referer, r.referer],
    [FIELD.host, r.host],
    [FIELD.scheme, r.scheme],
  ] as const) {
    if (v === undefined) continue;
    const s = dash(v);
    if (s !== null) b.putStr(field, field === FIELD.scheme ? s.toLowerCase() : s);
    else if (!b.isSet(field)) b.put(field, null);
  }
  const headers = dict<string[]>();
  let nh = 0;
  if (r.headers) {
    for (const k of Object.keys(r.headers)) {
      const v = r.headers[k];
      for (const x of Array.isArray(v) ? v : [v]) {
        if (typeof x !== 'string' || x === '') continue;
        addHeader(headers, k, x);
        nh++;
      }
    }
  }
  if (xff !== null && !headers['x-forwarded-for']) (addHeader(headers, 'x-forwarded-for', xff), nh++);
  if (cf !== null && !headers['cf-connecting-ip']) (addHeader(headers, 'cf-connecting-ip', cf), nh++);
  if (nh) b.put(FIELD.headers, headers);
  const cookie = dash(r.cookie) ?? headers.cookie?.join('; ') ?? null;
  if (cookie !== null) {
    b.put(FIELD.cookie, cookie);
    b.put(FIELD.cookies, parseCookies(cookie));
  }
  if (r.reason !== undefined) b.put(FIELD.event, dash(r.reason));
  if (r.level !== undefined) b.put(FIELD.level, dash(r.level));
  if (r.extra) {
    for (const k of Object.keys(r.extra)) {
      const v = r.extra[k];
      if (v === undefined) continue;
      if (typeof v === 'string') b.put(k, v === '-' ? null : v); // '' is present-but-empty, '-' a text log's nothing
      else b.put(k, v);
    }
  }
  b.next();
}

/** The load report's word on client addresses, from what putAccess saw. */
export function clientNote(check: ClientCheck, report: ReportBuilder): string | undefined {
  if (check.cdnRows === 0) return undefined;
  const cdn = check.cdn ?? 'CDN';
  if (check.replaced > 0) {
    const note = MSG.cdnClient(cdn, check.header ?? 'a forwarded header', check.replaced);
    if (check.replaced < check.cdnRows) report.warn(MSG.cdnNoHeader(cdn, check.cdnRows - check.replaced));
    return note;
  }
  const note = MSG.cdnNoHeader(cdn, check.cdnRows);
  report.warn(note);
  return note;
}

/** A line parser: a record to load, or a string (the reason the line is skipped). */
export type LineParser = (line: string, lineNo: number) => AccessRecord | string;

/** Column order hints: the canonical columns a text access log always has. */
export const ACCESS_COLUMNS = [FIELD.timestamp, FIELD.ipSrc, FIELD.method, FIELD.path, FIELD.status];

/**
 * The loader of every line-oriented access-log format: each line is parsed into a record or a
 * skip reason; comments (`#`) are skipped as such unless the parser wants them (`comments`).
 */
export async function loadAccessLines(
  src: Source,
  opts: LoadOptions,
  format: TrafficFormat,
  parse: LineParser,
  extra: { comments?: boolean; invalidUtf8?: 'skip' | 'escape' } = {},
): Promise<Loaded> {
  const report = new ReportBuilder(sourceName(src), format, opts.maxSkippedListed);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  const check = new ClientCheck(opts.clientAddress);
  await forEachLine(
    src,
    report,
    (line, no) => {
      if (!extra.comments && line.charCodeAt(0) === 35 /* # */) return report.skip(no, MSG.comment);
      const r = parse(line, no);
      if (typeof r === 'string') return report.skip(no, r);
      putAccess(b, r, check);
      report.rowsLoaded++;
    },
    { maxLineBytes: opts.maxLineBytes, maxRows: opts.maxRows, maxDecompressedBytes: opts.maxDecompressedBytes, invalidUtf8: extra.invalidUtf8 ?? 'escape' },
  );
  const cols = b.finish(ACCESS_COLUMNS);
  const out = report.finish();
  const note = clientNote(check, report);
  if (note) {
    out.clientAddress = note;
    if (Object.keys(report.warnings).length) out.warnings = report.warnings;
  }
  return { table: table(cols), report: out };
}

/**
 * Space-separated tokens where `"..."` is one token (quotes removed, `\"` unescaped); a quote
 * that closes right before the next token (ALB writes `"-"1`) still ends the token.
 */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (; j < n; j++) {
        const c = line[j];
        if (c === '\\' && j + 1 < n) {
          v += line[j + 1];
          j++;
        } else if (c === '"') break;
        else v += c;
      }
      out.push(v);
      i = j + 1;
    } else {
      const j = line.indexOf(' ', i);
      const e = j < 0 ? n : j;
      out.push(line.slice(i, e));
      i = e;
    }
  }
  return out;
}

/** `METHOD target VERSION` into the record (junk keeps the raw line under `request`). */
export function requestInto(r: AccessRecord, line: string | null | undefined): void {
  if (line === null || line === undefined || line === '-' || line === '- - -' || line === '- - - ') return;
  const a = line.indexOf(' ');
  const z = line.lastIndexOf(' ');
  if (a > 0 && z > a) {
    r.method = line.slice(0, a);
    r.target = line.slice(a + 1, z);
    r.version = line.slice(z + 1);
  } else if (a > 0) {
    r.method = line.slice(0, a);
    r.target = line.slice(a + 1);
  } else (r.extra ??= {}).request = line;
}

/** ms of `dd/Mon/yyyy:HH:MM:SS[.mmm]` (HAProxy accept date; no zone: read as UTC). */
export function msFromHaproxy(s: string): number {
  const m = /^(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) return NaN;
  const mon = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[2] as string) / 3;
  if (mon < 0 || !Number.isInteger(mon)) return NaN;
  return Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) + (m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0);
}

/** JSON value as a string field: strings as they are, numbers/booleans as text, anything else missing. */
export function jstr(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** JSON value as a number field. */
export function jnum(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v !== '' && v !== '-') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A line parsed as a JSON object (depth-checked), or the reason it is not one. */
export function jsonLine(line: string): Record<string, unknown> | string {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    return MSG.invalidJson((e instanceof Error ? e.message : String(e)).replace(/ in JSON at position \d+[\s\S]*$/, '').replace(/, "[\s\S]*is not valid JSON$/, '').slice(0, 80));
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return MSG.notAnObject;
  return o as Record<string, unknown>;
}
