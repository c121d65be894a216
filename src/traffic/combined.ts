import { table } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { FIELD } from './fields.js';
import { ClientCheck, clientNote } from './access.js';
import { cdnOf } from './cdn.js';
import { TrafficError } from './errors.js';
import { addHeader, parseCookies, putRequestLine, putTarget, normVersion } from './http-fields.js';
import { forEachLine } from './lines.js';
import { dict } from './guard.js';
import type { Loaded, LineLoadOptions, LoadOptions, TrafficFormat } from './types.js';
import { MSG } from './messages.js';
import { ReportBuilder } from './report.js';
import { sourceName, type Source } from './source.js';
import { msFromClf, msFromString } from './timestamp.js';

/** nginx's built-in formats. */
export const LOG_FORMATS = {
  combined: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  common: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
} as const;

const Q = '((?:[^"\\\\]|\\\\.)*)';

/** The start of a common-log line (detection). */
export const CLF_HEAD = /^\S+ \S+ \S+ (?:\S+ )?\[[^\]]+\](?: \S+)? "/;
/** A combined-log line up to the referer's opening quote (detection). */
export const CLF_COMBINED = /^\S+ \S+ \S+ (?:\S+ )?\[[^\]]+\](?: \S+)? "(?:[^"\\]|\\.)*" (?:\d{3}|-) (?:\d+|-) "/;
/**
 * Built-in combined/common: one regex for both (referer/UA optional), `%l` ident tolerated, and
 * anything after the last field (nginx `main`'s "$http_x_forwarded_for", Traefik extras) kept.
 */
const CLF = new RegExp(
  `^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] "${Q}" (\\d{3}|-) (\\d+|-)(?: "${Q}" "${Q}")?(?: (.*))?$`,
);
/** Old Apache (< 2.0.46) wrote quotes inside %r unescaped: take the request up to `" NNN `. */
const CLF_LOOSE = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(.*?)" (\d{3}|-) (\d+|-)(?: "(.*?)" "(.*)")?()$/;

/**
 * Variants seen in the wild (fail2ban samples): Apache vhost_combined (`%v %h %l %u %t ...`), an
 * extra identity field, and a token between the time and the request (`%t %v "%r"`).
 */
const CLF_VARIANT = new RegExp(
  `^(\\S+) (\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\](?: (\\S+))? "${Q}" (\\d{3}|-) (\\d+|-)(?: "${Q}" "${Q}")?(?: (.*))?$`,
);
const IPISH = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)$/;

/** Re-shapes a CLF_VARIANT match into CLF's groups; the vhost goes to http.host. */
function variant(b: ColumnBuilder, v: RegExpExecArray): RegExpExecArray {
  // four tokens before '[': either "vhost ip ident user" or "ip ident user extra"
  const vhostFirst = IPISH.test(v[2] as string) && !IPISH.test(v[1] as string);
  const host = vhostFirst ? v[1] : v[6];
  if (host && host !== '-') b.putStr(FIELD.host, host);
  const ip = vhostFirst ? v[2] : v[1];
  const ident = vhostFirst ? v[3] : v[2];
  const user = vhostFirst ? v[4] : v[3];
  const m = [v[0], ip, ident, user, v[5], v[7], v[8], v[9], v[10], v[11], v[12]] as unknown as RegExpExecArray;
  return m;
}

/** `\"` and `\\` unescaped; `\xHH` kept as text so attack bytes stay visible. */
const unq = (s: string): string => (s.indexOf('\\') < 0 ? s : s.replace(/\\(["\\])/g, '$1'));
const dash = (s: string | undefined): string | null => (s === undefined || s === '-' || s === '' ? null : s);

function putClf(b: ColumnBuilder, m: RegExpExecArray, check: ClientCheck): void {
  const ip = m[1] as string;
  b.putStr(FIELD.ipSrc, ip);
  const cdn = cdnOf(ip);
  if (cdn !== null) {
    check.cdnRows++;
    check.cdn = cdn;
  }
  const ident = dash(m[2]);
  if (ident !== null) b.put('remote_ident', ident);
  b.put('remote_user', dash(m[3]));
  const ms = msFromClf(m[4] as string);
  if (Number.isNaN(ms)) b.warn(MSG.badTimestamp(m[4] as string));
  b.put(FIELD.timestamp, Number.isNaN(ms) ? null : ms);
  putRequestLine(b, unq(m[5] as string));
  b.put(FIELD.status, m[6] === '-' ? null : Number(m[6]));
  b.put('body_bytes_sent', m[7] === '-' ? null : Number(m[7]));
  const ref = dash(m[8]);
  b.putStr(FIELD.referer, ref === null ? '' : unq(ref));
  // Cloudflare semantics: a request without a user agent has http.user_agent "" (not missing);
  // only a log format without the field (common) leaves it null
  const ua = dash(m[9]);
  b.put(FIELD.userAgent, m[9] === undefined ? null : ua === null ? '' : unq(ua));
  const extra = m[10];
  if (extra) b.put('extra', extra);
}

// ---- custom nginx log_format ------------------------------------------------------------------

type VarHandler = (b: ColumnBuilder, v: string, name: string) => void;

const NUMERIC = /^-?\d+(\.\d+)?$/;
const generic: VarHandler = (b, v, name) => {
  if (v === '-' || v === '') b.put(name, null);
  else if (NUMERIC.test(v)) b.put(name, Number(v));
  else b.putStr(name, unq(v));
};
const strTo =
  (field: string): VarHandler =>
  (b, v) =>
    b.putStr(field, v === '-' ? '' : unq(v));
const numTo =
  (field: string): VarHandler =>
  (b, v) =>
    b.put(field, NUMERIC.test(v) ? Number(v) : null);
const timeTo =
  (parse: (s: string) => number): VarHandler =>
  (b, v) => {
    const ms = v === '-' ? NaN : parse(v);
    if (Number.isNaN(ms) && v !== '-') b.warn(MSG.badTimestamp(v));
    b.put(FIELD.timestamp, Number.isNaN(ms) ? null : ms);
  };

/** Variables the client-address decision reads (see putVars); the rest are handled as they come. */
const CLIENT_VARS = new Set(['remote_addr', 'http_cf_connecting_ip', 'http_x_forwarded_for', 'http_x_real_ip']);

const VARS: Record<string, VarHandler> = Object.assign(Object.create(null) as Record<string, VarHandler>, {
  time_local: timeTo(msFromClf),
  time_iso8601: timeTo(msFromString),
  msec: timeTo(msFromString),
  request: (b, v) => putRequestLine(b, unq(v)),
  request_method: strTo(FIELD.method),
  request_uri: (b, v) => (v === '-' ? undefined : putTarget(b, unq(v))),
  uri: strTo(FIELD.path),
  args: (b, v) => b.put(FIELD.query, v === '-' || v === '' ? null : unq(v)),
  query_string: (b, v) => b.put(FIELD.query, v === '-' || v === '' ? null : unq(v)),
  server_protocol: (b, v) => b.putStr(FIELD.httpVersion, v === '-' ? '' : normVersion(unq(v))),
  status: numTo(FIELD.status),
  host: strTo(FIELD.host),
  http_host: strTo(FIELD.host),
  http_user_agent: (b, v) => b.put(FIELD.userAgent, v === '-' ? '' : unq(v)), // "" when absent, as Cloudflare
  http_referer: strTo(FIELD.referer),
  http_cookie: (b, v) => {
    const c = v === '-' || v === '' ? null : unq(v);
    b.put(FIELD.cookie, c);
    b.put(FIELD.cookies, c === null ? null : parseCookies(c));
  },
  http_cf_ray: (b, v) => {
    if (v === '-') return;
    const dashAt = v.indexOf('-');
    b.putStr(FIELD.rayId, dashAt < 0 ? v : v.slice(0, dashAt));
    if (dashAt >= 0) b.putStr('EdgeColoCode', v.slice(dashAt + 1));
  },
  http_cf_ipcountry: (b, v) => b.putStr(FIELD.country, v === '-' ? '' : v.toUpperCase()),
} satisfies Record<string, VarHandler>);

export interface CompiledLogFormat {
  format: string;
  regex: RegExp;
  vars: string[];
}

/** Compiles an nginx `log_format` string (`$var` / `${var}` between literal text) to a regex. */
export function compileLogFormat(format: string): CompiledLogFormat {
  const vars: string[] = [];
  let re = '^';
  const tok = /\$(?:\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g;
  let last = 0;
  for (const m of format.matchAll(tok)) {
    const lit = format.slice(last, m.index);
    re += lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const before = format[(m.index ?? 0) - 1];
    const after = format[(m.index ?? 0) + m[0].length];
    if (before === '"' && after === '"') re += Q;
    else if (before === '[' && after === ']') re += '([^\\]]*)';
    else if (after === undefined) re += '(.*)';
    else if (after === ' ' || after === '$') re += '(\\S*)';
    // up to the separator that follows (`$remote_addr|$request|...`): a request line has spaces
    else re += `([^${after.replace(/[\\\]^-]/g, '\\$&')}]*)`;
    vars.push((m[1] ?? m[2]) as string);
    last = (m.index ?? 0) + m[0].length;
  }
  if (vars.length === 0) throw new TrafficError(MSG.badLogFormat(format, 'no $variables in it'), format);
  re += format.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
  return { format, regex: new RegExp(re), vars };
}

function putVars(b: ColumnBuilder, lf: CompiledLogFormat, m: RegExpExecArray, headers: Record<string, string[]>, check: ClientCheck): void {
  let hasHeaders = false;
  const cl: { remote: string | null; cf: string | null; xff: string | null } = { remote: null, cf: null, xff: null };
  lf.vars.forEach((name, i) => {
    const v = m[i + 1] as string;
    if (CLIENT_VARS.has(name)) {
      const x = v === '-' || v === '' ? null : unq(v);
      if (name === 'remote_addr') {
        cl.remote = x;
        b.put('remote_addr', x);
      } else if (name === 'http_cf_connecting_ip') cl.cf = x;
      else if (name === 'http_x_forwarded_for') {
        cl.xff = x;
        if (x !== null) b.putStr(FIELD.forwardedFor, x);
      }
    }
    const h = VARS[name];
    if (h) h(b, v, name);
    else generic(b, v, name);
    if (name.startsWith('http_') && v !== '-' && v !== '') {
      addHeader(headers, name.slice(5).replace(/_/g, '-'), unq(v));
      hasHeaders = true;
    }
  });
  if (hasHeaders) b.put(FIELD.headers, headers);
  putClient(b, cl.remote, cl.cf, cl.xff, check);
}

/**
 * ip.src of a custom log: CF-Connecting-IP when logged (the visitor behind Cloudflare, whatever
 * remote_addr is); else X-Forwarded-For's first address when remote_addr is a CDN egress; else
 * remote_addr. `clientAddress: 'log'` keeps remote_addr.
 */
function putClient(b: ColumnBuilder, remote: string | null, cf: string | null, xff: string | null, check: ClientCheck): void {
  const cdn = remote !== null ? cdnOf(remote) : null;
  if (cdn) {
    check.cdnRows++;
    check.cdn = cdn;
  }
  let ip = remote;
  if (check.mode !== 'log') {
    const first = xff !== null ? (xff.split(',')[0] ?? '').trim() || null : null;
    const fwd = cf ?? (cdn || check.mode === 'forwarded' ? first : null);
    if (fwd !== null && fwd !== remote) {
      ip = fwd;
      if (cdn) {
        check.replaced++;
        check.header = cf !== null ? 'CF-Connecting-IP' : 'X-Forwarded-For';
        if (remote !== null) b.putStr(FIELD.edgeIp, remote);
      }
    }
  }
  b.put(FIELD.ipSrc, ip);
}

export interface CombinedOptions extends LineLoadOptions {
  /** An nginx log_format string for custom access logs. */
  logFormat?: string;
  format?: TrafficFormat;
  clientAddress?: LoadOptions['clientAddress'];
}

/**
 * nginx/Apache access logs: combined, common, or a custom nginx `log_format`. Lines that do not
 * fit (error-log lines, comments, junk) are skipped with their line number; invalid UTF-8 bytes
 * (raw shellcode in old Apache logs) are kept as `\xHH` and counted as a warning.
 */
export async function loadCombined(src: Source, opts: CombinedOptions = {}): Promise<Loaded> {
  const custom = opts.logFormat ? compileLogFormat(opts.logFormat) : null;
  const fmt: TrafficFormat = opts.format ?? 'combined';
  const report = new ReportBuilder(sourceName(src), fmt, opts.maxSkippedListed);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  const check = new ClientCheck(opts.clientAddress);
  await forEachLine(
    src,
    report,
    (line, no) => {
      if (line.charCodeAt(0) === 35 /* # */) return report.skip(no, MSG.comment);
      if (custom) {
        const m = custom.regex.exec(line);
        if (!m) return report.skip(no, MSG.noMatch('log_format'));
        putVars(b, custom, m, dict<string[]>(), check);
      } else {
        let m = CLF.exec(line) ?? CLF_LOOSE.exec(line);
        if (!m) {
          const v = CLF_VARIANT.exec(line);
          if (!v) return report.skip(no, MSG.noMatch(fmt));
          m = variant(b, v);
        }
        putClf(b, m, check);
      }
      b.next();
      report.rowsLoaded++;
    },
    { maxLineBytes: opts.maxLineBytes, maxRows: opts.maxRows, maxDecompressedBytes: opts.maxDecompressedBytes, invalidUtf8: 'escape' },
  );
  const cols = b.finish([FIELD.timestamp, FIELD.ipSrc, FIELD.method, FIELD.path, FIELD.status]);
  const out = report.finish();
  const note = clientNote(check, report);
  if (note) {
    out.clientAddress = note;
    out.warnings = report.warnings;
  }
  return { table: table(cols), report: out };
}
