import { table } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { FIELD, type TrafficFormat } from './fields.js';
import { TrafficError } from './errors.js';
import { addHeader, parseCookies, putRequestLine, putTarget, ruleVersion } from './http-fields.js';
import { forEachLine } from './lines.js';
import type { Loaded, LineLoadOptions } from './logpush.js';
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

function putClf(b: ColumnBuilder, m: RegExpExecArray): void {
  b.putStr(FIELD.ipSrc, m[1] as string);
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

const VARS: Record<string, VarHandler> = {
  remote_addr: (b, v) => {
    if (!b.isSet(FIELD.ipSrc)) b.putStr(FIELD.ipSrc, v);
    b.putStr('remote_addr', v);
  },
  http_cf_connecting_ip: (b, v) => {
    if (v !== '-') b.putStr(FIELD.ipSrc, v); // the real client behind Cloudflare wins over remote_addr
  },
  time_local: timeTo(msFromClf),
  time_iso8601: timeTo(msFromString),
  msec: timeTo(msFromString),
  request: (b, v) => putRequestLine(b, unq(v)),
  request_method: strTo(FIELD.method),
  request_uri: (b, v) => (v === '-' ? undefined : putTarget(b, unq(v))),
  uri: strTo(FIELD.path),
  args: (b, v) => b.put(FIELD.query, v === '-' || v === '' ? null : unq(v)),
  query_string: (b, v) => b.put(FIELD.query, v === '-' || v === '' ? null : unq(v)),
  server_protocol: (b, v) => b.putStr(FIELD.httpVersion, v === '-' ? '' : ruleVersion(unq(v))),
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
};

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
    else re += '(\\S*)';
    vars.push((m[1] ?? m[2]) as string);
    last = (m.index ?? 0) + m[0].length;
  }
  if (vars.length === 0) throw new TrafficError(MSG.badLogFormat(format, 'no $variables in it'), format);
  re += format.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
  return { format, regex: new RegExp(re), vars };
}

function putVars(b: ColumnBuilder, lf: CompiledLogFormat, m: RegExpExecArray, headers: Record<string, string[]>): void {
  let hasHeaders = false;
  lf.vars.forEach((name, i) => {
    const v = m[i + 1] as string;
    const h = VARS[name];
    if (h) h(b, v, name);
    else generic(b, v, name);
    if (name.startsWith('http_') && v !== '-' && v !== '') {
      addHeader(headers, name.slice(5).replace(/_/g, '-'), unq(v));
      hasHeaders = true;
    }
  });
  if (hasHeaders) b.put(FIELD.headers, headers);
}

export interface CombinedOptions extends LineLoadOptions {
  /** An nginx log_format string for custom access logs. */
  logFormat?: string;
  format?: TrafficFormat;
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
  await forEachLine(
    src,
    report,
    (line, no) => {
      if (line.charCodeAt(0) === 35 /* # */) return report.skip(no, MSG.comment);
      if (custom) {
        const m = custom.regex.exec(line);
        if (!m) return report.skip(no, MSG.noMatch('log_format'));
        putVars(b, custom, m, {});
      } else {
        let m = CLF.exec(line) ?? CLF_LOOSE.exec(line);
        if (!m) {
          const v = CLF_VARIANT.exec(line);
          if (!v) return report.skip(no, MSG.noMatch(fmt));
          m = variant(b, v);
        }
        putClf(b, m);
      }
      b.next();
      report.rowsLoaded++;
    },
    { maxLineBytes: opts.maxLineBytes, invalidUtf8: 'escape' },
  );
  const cols = b.finish([FIELD.timestamp, FIELD.ipSrc, FIELD.method, FIELD.path, FIELD.status]);
  return { table: table(cols), report: report.finish() };
}
