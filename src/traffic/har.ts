import { table } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { FIELD } from './fields.js';
import { addHeader, parseCookies } from './http-fields.js';
import { REDACTED, isSecretKey } from '../redact.js';
import type { Loaded } from './types.js';
import { shortJsonError } from './logpush-parse.js';
import { MSG } from './messages.js';
import { ReportBuilder } from './report.js';
import { readAll, sourceName, type Source } from './source.js';
import { dict } from './guard.js';

export interface HarOptions {
  maxSkippedListed?: number;
  /** URLs longer than this are skipped (default 1 MiB, as lines of the text formats). */
  maxLineBytes?: number;
  /** Replace Authorization and cookie values with "[REDACTED]" (default true: HARs carry sessions). */
  redact?: boolean;
}

interface HarHeader {
  name?: unknown;
  value?: unknown;
}


const VERSION: Record<string, string> = { h2: 'HTTP/2', 'http/2.0': 'HTTP/2', 'http/2': 'HTTP/2', h3: 'HTTP/3', 'http/3': 'HTTP/3' };

function headerList(v: unknown): HarHeader[] {
  return Array.isArray(v) ? (v.filter((h) => h && typeof h === 'object') as HarHeader[]) : [];
}

/**
 * HAR 1.2 (browser export): one row per entry with the request's canonical fields, header
 * maps in wire order, the response status and `cf-ray`, and the server address as `ip.dst`.
 * Secrets are redacted on import unless `redact: false`.
 */
export async function loadHar(src: Source, opts: HarOptions = {}): Promise<Loaded> {
  const report = new ReportBuilder(sourceName(src), 'har', opts.maxSkippedListed);
  const redact = opts.redact !== false;
  const maxUrl = opts.maxLineBytes ?? 1 << 20;
  const { bytes, error, notes } = await readAll(src);
  for (const n of notes ?? []) report.warn(n);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  let doc: unknown = null;
  try {
    // a UTF-8 BOM (Windows tools write one) is not part of the JSON
    const text = bytes.toString('utf8');
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    // one document: it is one skipped row, with the decompression error that cut it if there was one
    report.rowsRead++;
    report.skip(1, error ? `${MSG.invalidJson(shortJsonError(e))} (${error})` : MSG.invalidJson(shortJsonError(e)));
  }
  if (error && doc !== null) report.warn(error);
  const entries = (doc as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (doc !== null && !Array.isArray(entries)) {
    report.rowsRead++;
    report.skip(1, MSG.harNotLog);
  }
  (Array.isArray(entries) ? entries : []).forEach((e: unknown, i: number) => {
    report.rowsRead++;
    const no = i + 1;
    const entry = e as Record<string, unknown> | null;
    const req = entry?.request as Record<string, unknown> | undefined;
    if (!entry || typeof entry !== 'object' || !req || typeof req !== 'object') return report.skip(no, MSG.harEntry('no request'));
    if (typeof req.url !== 'string' || typeof req.method !== 'string') return report.skip(no, MSG.harEntry('request without url or method'));
    if (req.url.length > maxUrl) return report.skip(no, MSG.harEntry(`url longer than ${maxUrl} characters`));
    const t = typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) : NaN;
    if (Number.isNaN(t)) b.warn(MSG.badTimestamp(String(entry.startedDateTime)));
    b.put(FIELD.timestamp, Number.isNaN(t) ? null : t);
    b.putStr(FIELD.method, req.method);
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(req.url);
    if (m) {
      b.putStr(FIELD.scheme, (m[1] as string).toLowerCase());
      b.putStr(FIELD.host, (m[2] as string).replace(/^[^@]*@/, ''));
      const path = m[3] || '/';
      b.putStr(FIELD.path, path);
      b.put(FIELD.query, m[4] ? m[4] : null);
      b.put(FIELD.uri, m[4] ? `${path}?${m[4]}` : path);
    } else b.warn(MSG.harEntry('unparsable url'));
    b.put('http.request.full_uri', req.url);
    const hv = typeof req.httpVersion === 'string' ? req.httpVersion : '';
    b.putStr(FIELD.httpVersion, VERSION[hv.toLowerCase()] ?? hv.toUpperCase());
    const headers = dict<string[]>(); // header names are attacker data
    const names: string[] = [];
    for (const h of headerList(req.headers)) {
      if (typeof h.name !== 'string') continue;
      let v = typeof h.value === 'string' ? h.value : String(h.value ?? '');
      const lower = h.name.toLowerCase();
      // Cookie names stay (their presence is a signal); every other secret header loses its value.
      if (redact && lower !== 'cookie' && isSecretKey(lower)) v = REDACTED;
      if (redact && lower === 'cookie') v = v.split(';').map((c) => `${c.split('=')[0]!.trim()}=${REDACTED}`).join('; ');
      names.push(h.name);
      addHeader(headers, h.name, v);
    }
    b.put(FIELD.headers, headers);
    b.put(FIELD.headerNames, names);
    const one = (k: string) => (headers[k] ? (headers[k] as string[]).join(', ') : '');
    if (!m) b.putStr(FIELD.host, one('host') || one(':authority'));
    b.putStr(FIELD.userAgent, one('user-agent'));
    b.putStr(FIELD.referer, one('referer'));
    const cookie = headers.cookie ? headers.cookie.join('; ') : null;
    b.put(FIELD.cookie, cookie);
    b.put(FIELD.cookies, cookie === null ? null : parseCookies(cookie));
    const res = entry.response as Record<string, unknown> | undefined;
    if (res && typeof res === 'object') {
      b.put(FIELD.status, typeof res.status === 'number' && res.status > 0 ? res.status : null);
      const rh = dict<string[]>();
      for (const h of headerList(res.headers)) {
        if (typeof h.name !== 'string') continue;
        const lower = h.name.toLowerCase();
        addHeader(rh, h.name, redact && lower === 'set-cookie' ? REDACTED : String(h.value ?? ''));
      }
      b.put('http.response.headers', rh);
      const ray = rh['cf-ray']?.[0];
      if (ray) {
        const d = ray.indexOf('-');
        b.putStr(FIELD.rayId, d < 0 ? ray : ray.slice(0, d));
        if (d >= 0) b.putStr('EdgeColoCode', ray.slice(d + 1));
      }
      const content = res.content as Record<string, unknown> | undefined;
      if (content && typeof content.mimeType === 'string') b.putStr('http.response.content_type', content.mimeType);
    }
    if (typeof entry.serverIPAddress === 'string') b.putStr(FIELD.ipDst, entry.serverIPAddress.replace(/^\[|\]$/g, ''));
    if (typeof entry.time === 'number') b.put('time', entry.time);
    if (typeof entry._resourceType === 'string') b.putStr('_resourceType', entry._resourceType);
    b.next();
    report.rowsLoaded++;
  });
  const cols = b.finish([FIELD.timestamp, FIELD.method, FIELD.host, FIELD.path, FIELD.status]);
  return { table: table(cols), report: report.finish() };
}
