import { table, type ColumnTable } from 'arquero';
import { ColumnBuilder } from './columns.js';
import { FIELD, type TrafficFormat } from './fields.js';
import { forEachLineBytes } from './lines.js';
import { cookieHeader, LogpushScanner } from './logpush-scan.js';
import { headerMap } from './header-map.js';
import { MSG } from './messages.js';
import { ReportBuilder } from './report.js';
import fs from 'node:fs';
import os from 'node:os';
import { estimateRows, isGzip, readHead, sourceName, type Source } from './source.js';
import { msFromDigits, msFromNumber, msFromString } from './timestamp.js';

export interface LineLoadOptions {
  maxSkippedListed?: number;
  maxLineBytes?: number;
}

export interface Loaded {
  table: ColumnTable;
  report: import('./fields.js').LoadReport;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** Maps one Logpush field onto the row being built. `line` is the raw text (for unsafe integers). */
type Handler = (b: ColumnBuilder, v: Json, o: Obj, line: string, key: string) => void;

const str = (name: string): Handler => (b, v) => {
  if (typeof v === 'string') b.putStr(name, v);
  else b.put(name, v);
};
const upper = (name: string): Handler => (b, v) => {
  if (typeof v === 'string') b.putStr(name, v.toUpperCase());
  else b.put(name, v);
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

const ts = (name: string | null, primary: boolean): Handler => (b, v, o, line, key) => {
  const ms = timestampMs(v, line, key);
  if (ms === null && v !== null && v !== '') b.warn(MSG.badTimestamp(String(v)));
  if (name) b.put(name, ms);
  // EdgeStartTimestamp / Datetime are the row's time; EdgeEndTimestamp only when neither exists.
  if (primary || (o.EdgeStartTimestamp === undefined && o.Datetime === undefined)) b.put(FIELD.timestamp, ms);
};

const uri: Handler = (b, v, o) => {
  if (typeof v !== 'string' || v === '') return b.put(FIELD.uri, null);
  b.put(FIELD.uri, v);
  const q = v.indexOf('?');
  if (o.ClientRequestPath === undefined) b.putStr(FIELD.path, q < 0 ? v : v.slice(0, q));
  if (o.ClientRequestQuery === undefined) b.put(FIELD.query, q < 0 || q === v.length - 1 ? null : v.slice(q + 1));
};

const verified: Handler = (b, v) => {
  const cat = typeof v === 'string' && v !== '' ? v : null;
  b.putStr(FIELD.verifiedBotCategory, cat ?? '');
  b.put(FIELD.verifiedBot, cat !== null);
  b.put(FIELD.clientBot, cat !== null);
};

/** Port fields of network_analytics_logs go to tcp.* or udp.* by IPProtocol. */
const port = (which: 'src' | 'dst'): Handler => (b, v, o, _l, key) => {
  const p = o.IPProtocol;
  const n = typeof v === 'number' ? v : null;
  if (p === 6) b.put(which === 'src' ? FIELD.tcpSrcPort : FIELD.tcpDstPort, n);
  else if (p === 17) b.put(which === 'src' ? FIELD.udpSrcPort : FIELD.udpDstPort, n);
  else b.put(key, n);
};

const HANDLERS: Record<string, Handler> = {
  // http_requests
  RayID: str(FIELD.rayId),
  EdgeStartTimestamp: ts(null, true),
  EdgeEndTimestamp: ts('EdgeEndTimestamp', false),
  ClientIP: str(FIELD.ipSrc),
  ClientASN: num(FIELD.asn),
  ClientCountry: upper(FIELD.country),
  ClientRequestHost: str(FIELD.host),
  ClientRequestMethod: str(FIELD.method),
  ClientRequestURI: uri,
  ClientRequestPath: str(FIELD.path),
  ClientRequestQuery: (b, v) =>
    b.put(FIELD.query, typeof v === 'string' && v !== '' && v !== '?' ? (v.startsWith('?') ? v.slice(1) : v) : null),
  ClientRequestProtocol: str(FIELD.httpVersion),
  ClientRequestScheme: str(FIELD.scheme),
  ClientRequestUserAgent: (b, v) => b.put(FIELD.userAgent, v), // "" stays "" (no user agent), as in the Rules language
  ClientRequestReferer: str(FIELD.referer),
  EdgeResponseStatus: num(FIELD.status),
  JA3Hash: str(FIELD.ja3),
  JA4: str(FIELD.ja4),
  BotScore: num(FIELD.botScore),
  VerifiedBotCategory: verified,
  RequestHeaders: (b, v) => b.put(FIELD.headers, headerMap(v, true)),
  Cookies: (b, v) => {
    const m = headerMap(v, false);
    b.put(FIELD.cookies, m);
    b.put(FIELD.cookie, m ? cookieHeader(m) : null);
  },
  // firewall_events
  Datetime: ts(null, true),
  // network_analytics_logs
  IPSourceAddress: str(FIELD.ipSrc),
  IPDestinationAddress: str(FIELD.ipDst),
  IPProtocol: num(FIELD.ipProto),
  IPTTL: num(FIELD.ipTtl),
  IPTotalLength: num(FIELD.ipLen),
  IPFragmentOffset: num(FIELD.ipFragOffset),
  IPMoreFragments: (b, v) => b.put(FIELD.ipFlagsMf, v === null ? null : v === 1 || v === true),
  SourceASN: num(FIELD.asn),
  SourceCountry: upper(FIELD.country),
  SourcePort: port('src'),
  DestinationPort: port('dst'),
  TCPFlags: num(FIELD.tcpFlags),
  ICMPType: num(FIELD.icmpType),
  ICMPCode: num(FIELD.icmpCode),
};

/** Is this a Logpush field name this loader maps onto a canonical column? */
export const isLogpushField = (name: string): boolean => Object.prototype.hasOwnProperty.call(HANDLERS, name);

/** The Logpush field a canonical column comes from (for CSV headers and docs). */
export const LOGPUSH_FIELD_OF: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    Object.entries({
      [FIELD.rayId]: 'RayID',
      [FIELD.ipSrc]: 'ClientIP',
      [FIELD.asn]: 'ClientASN',
      [FIELD.country]: 'ClientCountry',
      [FIELD.host]: 'ClientRequestHost',
      [FIELD.method]: 'ClientRequestMethod',
      [FIELD.path]: 'ClientRequestPath',
      [FIELD.httpVersion]: 'ClientRequestProtocol',
      [FIELD.userAgent]: 'ClientRequestUserAgent',
      [FIELD.referer]: 'ClientRequestReferer',
      [FIELD.status]: 'EdgeResponseStatus',
      [FIELD.ja3]: 'JA3Hash',
      [FIELD.ja4]: 'JA4',
      [FIELD.botScore]: 'BotScore',
    }),
  ),
);

/**
 * Adds one parsed Logpush record to the builder: known fields become canonical columns, the rest
 * keep their names ('' -> null). Shared by the NDJSON and CSV loaders.
 */
export function addLogpushRecord(b: ColumnBuilder, o: Obj, line: string): void {
  for (const k in o) {
    const v = o[k] as Json;
    const h = HANDLERS[k];
    if (h !== undefined) h(b, v, o, line, k);
    else if (typeof v === 'string') b.putStr(k, v);
    else b.put(k, v);
  }
  b.next();
}

export interface LogpushOptions extends LineLoadOptions {
  format?: TrafficFormat;
  /** false: JSON.parse every line (the reference path the scanner is tested against). */
  fast?: boolean;
  /**
   * Threads for a big plain file (this thread plus workers, claiming ~32 MB pieces of it); default
   * 1 = this thread only. Opt-in: on the 2-core machine measured (1M rows, huge pages) 2 threads
   * took 1.79 s against 2.70 s on 600 B rows (1.51x, for 1.14x the CPU time; DuckDB 2.13 s) and
   * about 4.0 s against 5.1-5.5 s on 1.1 KB rows (bench/load.ts, bench/score.ts). It stays
   * opt-in because it takes both cores from whatever else the notebook's machine is doing.
   */
  workers?: number;
  /**
   * With workers: the size of the pieces the threads claim one at a time (default 32 MB). Smaller
   * balances the threads more finely; tests use a few KB to cut small files into many pieces.
   */
  chunkBytes?: number;
}

/** Parses Logpush lines of `src` (or a byte range of it) into `b`, counting in `report`. */
export async function parseLogpushInto(
  src: Source,
  report: ReportBuilder,
  b: ColumnBuilder,
  opts: LogpushOptions & { range?: readonly [number, number]; lineBase?: number; scanner?: LogpushScanner },
): Promise<void> {
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
    { maxLineBytes: opts.maxLineBytes, range: opts.range, lineBase: opts.lineBase },
  );
}

/** Logpush NDJSON (http_requests, firewall_events, network_analytics_logs), plain or gzip. */
export async function loadLogpush(src: Source, opts: LogpushOptions = {}): Promise<Loaded> {
  const workers = await plannedWorkers(src, opts);
  if (workers > 1 && typeof src === 'string') {
    const { loadLogpushParallel } = await import('./logpush-parallel.js');
    return loadLogpushParallel(src, opts, workers);
  }
  const report = new ReportBuilder(sourceName(src), opts.format ?? 'logpush', opts.maxSkippedListed);
  const b = new ColumnBuilder();
  b.onWarn = (r) => report.warn(r);
  b.reserve(await estimateRows(src));
  await parseLogpushInto(src, report, b, opts);
  const cols = b.finish([FIELD.timestamp]);
  return { table: table(cols), report: report.finish() };
}

/** Files smaller than this parse on this thread: starting workers costs more than it saves. */
const PARALLEL_MIN_BYTES = 32 << 20;

async function plannedWorkers(src: Source, opts: LogpushOptions): Promise<number> {
  if (typeof src !== 'string' || opts.fast === false) return 1;
  const want = Math.min(opts.workers ?? 1, os.availableParallelism() * 2);
  if (want <= 1) return 1;
  const head = await readHead(src, 2);
  if (isGzip(head)) return 1; // one gzip stream cannot be split
  const size = (await fs.promises.stat(src)).size;
  // an explicit count is obeyed; a future automatic default would apply the size floor
  return opts.workers !== undefined || size >= PARALLEL_MIN_BYTES ? want : 1;
}

/** V8's JSON error without the echoed input or position, so equal problems count as one reason. */
export function shortJsonError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m
    .replace(/, "[\s\S]*is not valid JSON$/, '')
    .replace(/ in JSON at position \d+[\s\S]*$/, '')
    .slice(0, 80);
}

/** Logpush `firewall_events` NDJSON: `Datetime` is the row time, other fields as in loadLogpush. */
export function loadFirewallEvents(src: Source, opts: LogpushOptions = {}): Promise<Loaded> {
  return loadLogpush(src, { ...opts, format: 'firewall_events' });
}
