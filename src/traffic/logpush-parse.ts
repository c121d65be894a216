/**
 * Logpush records into columns: the JSON.parse path (every line the byte scanner leaves) and
 * the per-range parse loop shared by the one-thread and the parallel loaders. Field handling
 * comes from the one field map, logpush-fields.ts.
 */
import { ColumnBuilder } from './columns.js';
import { FIELD } from './fields.js';
import { forEachLineBytes } from './lines.js';
import { cookieHeader, LogpushScanner } from './logpush-scan.js';
import { LOGPUSH_FIELDS, type LogpushField } from './logpush-fields.js';
import { headerMap } from './header-map.js';
import { MSG } from './messages.js';
import type { ReportBuilder } from './report.js';
import type { Source } from './source.js';
import { msFromDigits, msFromNumber, msFromString } from './timestamp.js';
import { capDepth } from './guard.js';
import type { LimitOptions } from './types.js';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

/** Maps one Logpush field onto the row being built. `line` is the raw text (for unsafe integers). */
type Handler = (b: ColumnBuilder, v: Json, o: Obj, line: string, key: string) => void;

/**
 * A string field's value as a string: numbers and booleans are written as text, arrays and
 * objects (a user agent sent as `["a"]`) become missing; both are counted as warnings, so a
 * later `lower()` never meets a non-string.
 */
function asString(b: ColumnBuilder, v: Json, key: string): string | null {
  if (typeof v === 'string' || v === null) return v;
  if (typeof v === 'number' || typeof v === 'boolean') {
    b.warn(MSG.coerced(key, typeof v));
    return String(v);
  }
  b.warn(MSG.notAString(key, Array.isArray(v) ? 'array' : 'object'));
  return null;
}

const str = (name: string): Handler => (b, v, _o, _l, key) => {
  const s = asString(b, v, key);
  if (s === null) b.put(name, null);
  // an empty user agent is "" as in the Rules language (http.user_agent eq ""); other empty strings are missing
  else if (s === '' && name === FIELD.userAgent) b.put(name, '');
  else b.putStr(name, s);
};
const upper = (name: string): Handler => (b, v, _o, _l, key) => {
  const s = asString(b, v, key);
  if (s === null) b.put(name, null);
  else b.putStr(name, s.toUpperCase());
};
const num = (name: string): Handler => (b, v) => {
  if (typeof v === 'number' || v === null) b.put(name, v);
  else if (typeof v === 'string') b.put(name, v === '' || Number.isNaN(Number(v)) ? null : Number(v));
  else b.put(name, null);
};

/** Digits of the number that follows `"key":` in the raw line (JSON.parse rounded it). */
function rawDigits(line: string, key: string): string | null {
  const i = line.indexOf(`"${key}"`);
  if (i < 0) return null;
  let p = line.indexOf(':', i + key.length + 2) + 1;
  while (line.charCodeAt(p) === 32) p++;
  const m = /^-?\d+/.exec(line.slice(p, p + 32));
  return m ? m[0] : null;
}

/** Timestamp in ms from any Logpush timestamp_format; null when absent, NaN never escapes. */
export function timestampMs(v: Json, line: string, key: string): number | null {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) || !Number.isInteger(v)) return msFromNumber(v);
    const d = rawDigits(line, key);
    return d === null ? msFromNumber(v) : msFromDigits(d);
  }
  if (typeof v === 'string' && v !== '') {
    const ms = msFromString(v);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

const has = (o: Obj, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const ts = (f: LogpushField): Handler => (b, v, o, line, key) => {
  const ms = timestampMs(v, line, key);
  if (ms === null && v !== null && v !== '') b.warn(MSG.badTimestamp(typeof v === 'object' ? JSON.stringify(v).slice(0, 40) : String(v)));
  if (f.col) b.put(f.col, ms);
  if (f.primaryTs || (!has(o, 'EdgeStartTimestamp') && !has(o, 'Datetime'))) b.put(FIELD.timestamp, ms);
};

const uri: Handler = (b, v, o, _l, key) => {
  const s = asString(b, v, key);
  if (s === null || s === '') return b.put(FIELD.uri, null);
  b.put(FIELD.uri, s);
  const q = s.indexOf('?');
  if (!has(o, 'ClientRequestPath')) b.putStr(FIELD.path, q < 0 ? s : s.slice(0, q));
  if (!has(o, 'ClientRequestQuery')) b.put(FIELD.query, q < 0 || q === s.length - 1 ? null : s.slice(q + 1));
};

const query: Handler = (b, v, _o, _l, key) => {
  const s = asString(b, v, key);
  b.put(FIELD.query, s !== null && s !== '' && s !== '?' ? (s.startsWith('?') ? s.slice(1) : s) : null);
};

const verified: Handler = (b, v) => {
  const cat = typeof v === 'string' && v !== '' ? v : null;
  b.putStr(FIELD.verifiedBotCategory, cat ?? '');
  b.put(FIELD.verifiedBot, cat !== null);
  b.put(FIELD.clientBot, cat !== null);
};

/** Port fields of network_analytics_logs go to tcp.* or udp.* by IPProtocol. */
const port = (which: string): Handler => (b, v, o, _l, key) => {
  const p = o.IPProtocol;
  const n = typeof v === 'number' ? v : null;
  if (p === 6) b.put(which === 'src' ? FIELD.tcpSrcPort : FIELD.tcpDstPort, n);
  else if (p === 17) b.put(which === 'src' ? FIELD.udpSrcPort : FIELD.udpDstPort, n);
  else b.put(key, n);
};

function handlerOf(f: LogpushField): Handler {
  const col = f.col as string;
  switch (f.kind) {
    case 'str':
      return str(col);
    case 'upper':
      return upper(col);
    case 'num':
      return num(col);
    case 'ts':
      return ts(f);
    case 'uri':
      return uri;
    case 'query':
      return query;
    case 'verified':
      return verified;
    case 'headers':
      return (b, v) => b.put(col, headerMap(v, true));
    case 'cookies':
      return (b, v) => {
        const m = headerMap(v, false);
        b.put(FIELD.cookies, m);
        b.put(FIELD.cookie, m ? cookieHeader(m) : null);
      };
    case 'port':
      return port(col);
    case 'flag':
      return (b, v) => b.put(col, v === null ? null : v === 1 || v === true);
  }
}

/** Field name -> handler, built from the field map (null prototype: names come from the data). */
const HANDLERS: Record<string, Handler> = Object.create(null);
for (const [name, f] of Object.entries(LOGPUSH_FIELDS)) HANDLERS[name] = handlerOf(f);

/** Nesting deeper than this in an unknown field is cut (its value becomes missing, with a warning); the scanner uses the same. */
export const MAX_JSON_DEPTH = 64;

/**
 * Adds one parsed Logpush record to the builder: known fields become canonical columns, the rest
 * keep their names ('' -> null). Shared by the NDJSON and CSV loaders.
 */
export function addLogpushRecord(b: ColumnBuilder, o: Obj, line: string): void {
  for (const k of Object.keys(o)) {
    const v = o[k] as Json;
    const h = HANDLERS[k];
    if (h !== undefined) h(b, v, o, line, k);
    else if (typeof v === 'string') b.putStr(k, v);
    else if (v !== null && typeof v === 'object') b.put(k, capDepth(v, MAX_JSON_DEPTH, () => b.warn(MSG.tooDeep(k, MAX_JSON_DEPTH))));
    else b.put(k, v);
  }
  b.next();
}

/** V8's JSON error without the echoed input or position, so equal problems count as one reason. */
export function shortJsonError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m
    .replace(/, "[\s\S]*is not valid JSON$/, '')
    .replace(/ in JSON at position \d+[\s\S]*$/, '')
    .slice(0, 80);
}

export interface ParseOptions extends LimitOptions {
  /** false: JSON.parse every line (the reference path the scanner is tested against). */
  fast?: boolean;
  range?: readonly [number, number];
  lineBase?: number;
  scanner?: LogpushScanner;
}

/** Parses Logpush lines of `src` (or a byte range of it) into `b`, counting in `report`. */
export async function parseLogpushInto(src: Source, report: ReportBuilder, b: ColumnBuilder, opts: ParseOptions): Promise<void> {
  // a scanner may serve several ranges parsed into the same builder (its interners hold codes of b)
  const scanner = opts.fast === false ? null : (opts.scanner ?? new LogpushScanner(b));
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  await forEachLineBytes(
    src,
    report,
    (buf, s, e, no) => {
      if (scanner && scanner.scanLine(buf, s, e)) {
        report.rowsLoaded++;
        return;
      }
      if (buf[s] === 0x23 /* # */) return report.skip(no, MSG.comment);
      let line: string;
      try {
        line = utf8.decode(buf.subarray(s, e));
      } catch {
        return report.skip(no, MSG.invalidUtf8);
      }
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch (err) {
        return report.skip(no, MSG.invalidJson(shortJsonError(err)));
      }
      if (o === null || typeof o !== 'object' || Array.isArray(o)) return report.skip(no, MSG.notAnObject);
      addLogpushRecord(b, o as Obj, line);
      report.rowsLoaded++;
    },
    opts,
  );
}
