/**
 * Shared by the SQL backend tests (sql.test.ts on DuckDB, clickhouse.test.ts on a cluster): the
 * expressions and inputs of the differential checks and the comparison against the in-memory engine.
 */
import * as assert from 'uvu/assert';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ColumnTable } from 'arquero';
import * as aq from 'arquero';
import { matchRows, score, PACK, RuleTypeError, RuleError } from '../../src/classify/index.js';
import { remoteMatches, remoteLabels, ingest, openRemote, SqlLoweringError, type RemoteTable, type SqlEngine, type IngestOptions } from '../../src/classify/sql/index.js';
import { RULES_LISTS, RULES_TABLE, rulesTestExpressions } from './rules-cases.js';
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

/**
 * Functions the SQL backend refuses by design (no equivalent in both ClickHouse 18.16 and DuckDB
 * without extensions, or semantics that would differ): an expression calling one must be refused
 * at compile time with a SqlLoweringError naming it, never run with another meaning.
 */
export const SQL_REFUSED_FUNCTIONS = ['decode_base64', 'remove_bytes', 'substring', 'regex_replace', 'lookup_json_string', 'lookup_json_integer', 'split', 'cidr', 'cidr6'] as const;

/** Why an expression is expected to be refused by the SQL backend, or null when it must run. */
export function expectedRefusal(expression: string): RegExp | null {
  const fn = SQL_REFUSED_FUNCTIONS.find((f) => new RegExp(`(^|[^a-z_])${f}\\(`).test(expression));
  if (fn) return new RegExp(`the function ${fn}\\(\\) is not supported on the (clickhouse|duckdb) engine`);
  if (/url_decode\([^)]*"[a-z]*u[a-z]*"\)/.test(expression)) return /url_decode\(\) with the "u" option is not supported/;
  return null;
}

export interface DifferentialCount {
  /** expression/table pairs whose rows were compared */
  ran: number;
  /** refused by the SQL backend as expected (SqlLoweringError) */
  refused: number;
  /** not applicable to this table in either engine (a field it lacks) */
  notApplicable: number;
}

/**
 * Compare the two engines on one table, expression by expression: the same rows (by row number),
 * or a SqlLoweringError at compile time where `expectedRefusal` says so, or the same check error
 * in both (a field this table lacks). Anything else fails the test.
 */
export async function differential(remote: RemoteTable, table: ColumnTable, expressions: readonly string[], label: string, lists: Readonly<Record<string, readonly (string | number)[]>> = RULES_LISTS): Promise<DifferentialCount> {
  const count: DifferentialCount = { ran: 0, refused: 0, notApplicable: 0 };
  for (const e of expressions) {
    let want: number[] | null = null;
    let memError: Error | null = null;
    try {
      want = ones(matchRows(table, e, { lists }));
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      memError = err;
    }
    let got: number[] | null = null;
    let sqlError: Error | null = null;
    try {
      got = await remoteMatches(remote, e, { lists });
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      sqlError = err;
    }
    const refusal = expectedRefusal(e);
    if (memError) {
      // a field this table lacks: the same check error on both sides (or a refusal first)
      assert.ok(memError.name === 'RuleReferenceError' || memError instanceof RuleTypeError, `${label}: ${e}: in memory ${memError.message}`);
      assert.ok(sqlError, `${label}: ${e}: refused in memory (${memError.message}) but ran in SQL`);
      if (!(sqlError instanceof SqlLoweringError)) assert.is(sqlError.name, memError.name, `${label}: ${e}`);
      count.notApplicable++;
      continue;
    }
    if (refusal) {
      assert.instance(sqlError, SqlLoweringError, `${label}: ${e}: expected a SqlLoweringError, got ${sqlError ? sqlError.message : 'a result'}`);
      assert.match((sqlError as Error).message, refusal, `${label}: ${e}`);
      assert.ok((sqlError as SqlLoweringError).position >= 0 && (sqlError as SqlLoweringError).position < e.length, `${label}: ${e}: the refusal has a position in the expression`);
      count.refused++;
      continue;
    }
    assert.ok(got, `${label}: ${e}: refused in SQL (${sqlError?.message}) but runs in memory; lower it or add it to SQL_REFUSED_FUNCTIONS`);
    const w = want as number[];
    const g = got as number[];
    if (g.length !== w.length || g.some((r, i) => r !== w[i])) {
      const gs = new Set(g);
      const ws = new Set(w);
      const onlyMem = w.filter((r) => !gs.has(r)).slice(0, 5);
      const onlySql = g.filter((r) => !ws.has(r)).slice(0, 5);
      assert.unreachable(`${label}: ${e}\n  in memory ${w.length} rows, ${remote.engine.dialect.name} ${g.length}; only in memory: ${onlyMem.join(',')}; only in SQL: ${onlySql.join(',')}`);
    }
    count.ran++;
  }
  return count;
}

/** Every expression of the Rules tests, the curated list and the pack, once each. */
export const allExpressions = (): string[] => [...new Set([...rulesTestExpressions(), ...DIFFERENTIAL_EXPRESSIONS, ...packExpressions()])];

/**
 * Every expression of the Rules tests on the Rules tests' own table (rules.test.ts `t`), ingested
 * into `engine`: the rows the in-memory engine matches, or the refusals SQL_REFUSED_FUNCTIONS names.
 */
export async function rulesTableDifferential(engine: SqlEngine, label: string, opts: IngestOptions = {}): Promise<DifferentialCount> {
  const table = aq.table(RULES_TABLE);
  await ingest(engine, table, 'rules_cases', { replace: true, ...opts });
  const remote = await openRemote(engine, 'rules_cases');
  const count = await differential(remote, table, rulesTestExpressions(), `${label} (the Rules tests' table)`);
  // every expression is accounted for, and the refusals are the functions named, no more
  assert.is(count.ran + count.refused + count.notApplicable, rulesTestExpressions().length);
  assert.is(count.refused, rulesTestExpressions().filter((e) => expectedRefusal(e)).length);
  assert.ok(count.ran > 100, `${label}: ran ${count.ran}`);
  return count;
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


/** The built CLI, run to completion. */
export const runbookCli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });

/** The summary of `runbook classify --engine ... --json` (the fields the tests read). */
export interface EngineSummary {
  rows: number;
  labels: Record<string, number>;
  clusters: unknown[] | null;
  mitigations: { id: string; kind: string; action: string; expression: string; safe: boolean; backtest: { attackFigure: { of: number }; goodFigure: { of: number } } }[] | null;
  refused: unknown[] | null;
  levers: unknown[] | null;
  incident: string | null;
  evidence: { incidentReferenceRows: number; attackRows: number } | null;
  partial: boolean;
  sample: { whole: boolean; rows: number; sources: number; tableRows: number; tableSources: number; maxRows: number; fromSample: string[] } | null;
  notes: string[];
  absent: { field: string; reason: string }[];
}

/**
 * `classify --engine --json` against in-memory `classify FILE --json` on a table that fits the
 * sample cap: the analysis came back whole, so clusters, mitigations (ids, expressions, actions,
 * backtests), refusals, levers, incident and evidence are the in-memory ones.
 */
export function assertSameAnalysis(engineArgs: string[], file: string, name: string): EngineSummary {
  const eng = runbookCli('classify', ...engineArgs, '--json');
  assert.is(eng.status, 0, eng.stderr);
  const mem = runbookCli('classify', file, '--json');
  assert.is(mem.status, 0, mem.stderr);
  const e = JSON.parse(eng.stdout) as EngineSummary;
  const m = JSON.parse(mem.stdout) as Record<string, unknown>;
  assert.equal(e.labels, m['labels'], `${name}: labels`);
  assert.equal(e.absent, [], `${name}: nothing absent`);
  assert.is(e.sample?.whole, true, `${name}: the whole table came back`);
  assert.ok((m['mitigations'] as unknown[]).length > 0 && (m['clusters'] as unknown[]).length > 0, `${name}: in memory finds clusters and mitigations`);
  for (const k of ['clusters', 'mitigations', 'refused', 'levers', 'incident', 'evidence'] as const) assert.equal(e[k], m[k], `${name}: ${k}`);
  assert.ok(e.notes.some((x) => /computed on the whole table \(\d+ rows, \d+ sources\)/.test(x)), `${name}: the notes say the whole table was analysed`);
  return e;
}
