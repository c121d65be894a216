/**
 * Shared by the SQL backend tests (sql.test.ts on DuckDB, clickhouse.test.ts on a cluster): the
 * expressions and inputs of the differential checks and the comparison against the in-memory engine.
 */
import * as assert from 'uvu/assert';
import path from 'node:path';
import type { ColumnTable } from 'arquero';
import { matchRows, score, PACK, RuleTypeError } from '../../src/classify/index.js';
import { remoteMatches, remoteLabels, type RemoteTable } from '../../src/classify/sql/index.js';
import { corpus, ROOT } from '../helpers/paths.js';

/** Expressions over every operator and supported function (fields absent from a table are skipped). */
export const DIFFERENTIAL_EXPRESSIONS = [
  'http.request.method eq "GET"',
  'http.request.method ne "GET"',
  'http.request.method in {"POST" "PUT" "PROPFIND"}',
  'not http.request.method in {"GET" "HEAD"}',
  'http.response.code ge 400 and http.response.code lt 500',
  'http.response.code in {200 301..304}',
  'http.response.code eq 404 xor http.request.method eq "HEAD"',
  'http.request.uri.path contains "/admin" or http.request.uri.path contains ".php"',
  'http.request.uri.path matches "^/(wp-|cgi-bin)"',
  'lower(http.request.uri.path) matches r"\\.(jpg|png|gif|css|js)$"',
  'http.request.uri.path wildcard "*/wp-*/*.php"',
  'http.request.uri.path wildcard "/IMAGES/*"',
  'http.request.uri.path strict wildcard "/images/*"',
  'http.user_agent contains "Mozilla/" and not http.user_agent contains "compatible;"',
  'lower(http.user_agent) contains "bot"',
  'upper(http.request.method) eq "GET"',
  'len(http.user_agent) lt 20',
  'len(http.request.uri.query) gt 0',
  'starts_with(http.request.uri.path, "/favicon")',
  'ends_with(http.request.uri.path, ".ico")',
  'concat(http.request.method, " ", http.request.uri.path) eq "GET /"',
  'url_decode(http.request.uri.query) contains " "',
  'to_string(http.response.code) matches "^5"',
  'ip.src in {10.0.0.0/8 172.16.0.0/12 192.168.0.0/16}',
  'ip.src in {66.249.64.0/19 40.77.0.0/16}',
  'ip.src eq 82.82.97.119',
  'ip.src ne 82.82.97.119 and http.request.method eq "OPTIONS"',
  'http.referer eq ""',
  'len(http.referer) eq 0',
  'http.request.uri eq "/"',
  'http.request.uri.path.extension in {"php" "asp" "aspx" "exe"}',
  'http.request.version in {"HTTP/1.0" "HTTP/1.1"}',
  'any(http.request.headers.names[*] eq "x-forwarded-for")',
  'http.user_agent contains "bot" and any(http.request.headers.names[*] eq "x-forwarded-for")',
  'any(lower(http.request.headers.names[*]) eq "accept-language")',
  'all(http.request.headers.values[*] ne "")',
  'any(http.request.headers["accept-language"][*] contains "en")',
  'http.request.headers["accept-language"][0] contains "en"',
  'not len(http.request.headers["accept-language"]) ge 0',
  'any(http.request.uri.args.names[*] eq "id")',
  'http.request.cookies["session"][0] ne ""',
  'cf.bot_management.ja4 matches r"^t13d"',
  'cf.bot_management.score lt 30 and not cf.bot_management.verified_bot',
  'cf.bot_management.verified_bot',
  'ip.src.asnum in {16509 14618 15169}',
  'ip.src.country in {"CN" "RU"}',
  'tcp.flags.syn and not tcp.flags.ack',
  'tcp.flags & 0x12 and not tcp.flags & 0x04',
  'tcp.dstport eq 25565 and ip.proto eq "tcp"',
  'ip.ttl lt 64 and ip.len gt 40',
  'udp.srcport in {53 123 161 1900 11211}',
];

/** Tables the differential tests run on (name, path, format). */
export const DIFFERENTIAL_INPUTS: [string, string][] = [
  ['apache combined (elastic)', corpus('elastic-examples-apache-logs/apache_logs')],
  ['apache combined (honeynet WebDAV flood)', corpus('honeynet-redhat-apache-logs/access_log.24')],
  ['bundled L7 Logpush sample', path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz')],
  ['SYN flood capture', corpus('stopddos-packet-captures/pkt.TCP.synflood.spoofed.pcap')],
];

/** Expressions of the pack (expression signatures and aggregate `where`s). */
export const packExpressions = (): string[] => PACK.signatures.flatMap((s) => (s.kind === 'expression' ? [s.expression] : s.where ? [s.where] : []));

/** Row numbers of a 0/1 mask. */
const ones = (m: Uint8Array): number[] => {
  const out: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i]) out.push(i);
  return out;
};

/** Compare the two engines on one table; returns how many expressions ran (others do not type-check there). */
export async function differential(remote: RemoteTable, table: ColumnTable, expressions: readonly string[], label: string): Promise<number> {
  let ran = 0;
  for (const e of expressions) {
    let want: number[];
    try {
      want = ones(matchRows(table, e));
    } catch (err) {
      if ((err as Error).name === 'RuleReferenceError' || err instanceof RuleTypeError) continue; // a field this table lacks
      throw err;
    }
    const got = await remoteMatches(remote, e);
    if (got.length !== want.length || got.some((r, i) => r !== want[i])) {
      const onlyMem = want.filter((r) => !got.includes(r)).slice(0, 5);
      const onlySql = got.filter((r) => !want.includes(r)).slice(0, 5);
      assert.unreachable(`${label}: ${e}\n  in memory ${want.length} rows, ${remote.engine.dialect.name} ${got.length}; only in memory: ${onlyMem.join(',')}; only in SQL: ${onlySql.join(',')}`);
    }
    ran++;
  }
  return ran;
}

export async function labelsAgree(remote: RemoteTable, table: ColumnTable, label: string): Promise<void> {
  const scored = score(table);
  const got = await remoteLabels(remote);
  assert.is(got.size, table.numRows(), `${label}: every row has a label`);
  let diff = 0;
  const examples: string[] = [];
  for (let i = 0; i < table.numRows(); i++) {
    if (got.get(i) !== scored.labelCodes[i]) {
      diff++;
      if (examples.length < 5) examples.push(`row ${i}: memory ${scored.labelCodes[i]} sql ${got.get(i)}`);
    }
  }
  assert.is(diff, 0, `${label}: labels differ on ${diff} rows (${examples.join('; ')})`);
}

/** Resolves to the error a promise rejects with (fails when it resolves). */
export async function rejection(p: () => Promise<unknown>): Promise<Error> {
  try {
    await p();
  } catch (e) {
    return e as Error;
  }
  return assert.unreachable('expected a rejection') as never;
}

