/**
 * Scoring benchmark, same run, same data: netrunbook (loadTraffic + score) vs DuckDB
 * (`read_json` + equivalent SQL) vs idiomatic Arquero `derive` code, on N generated Logpush
 * rows (default 1,000,000 ≈ 500 MB NDJSON; `BENCH_ROWS=100000` for a quick run).
 * Eight signatures including a per-source rate over 10 s windows. Prints times and ratios.
 * The peers use the pack's own pattern sources (SCANNER_UA, AUTOMATION_UA, SCANNER_PATH,
 * STATIC_EXTENSIONS) and the same window origin (first timestamp), so all three must report the
 * same malicious count. (Ours also exempts verified bots from the signatures marked so; on this
 * traffic that changes no malicious label. DuckDB computes the row expressions before the
 * window so its sort carries three columns, not the whole table.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as aq from 'arquero';
import { DuckDBInstance } from '@duckdb/node-api';
import { synthesize } from './synth.js';
import { loadTraffic } from '../src/traffic/index.js';
import { score, PACK, LIBRARY_JA4, type SignaturePack } from '../src/classify/index.js';
import { SCANNER_UA, AUTOMATION_UA, SCANNER_PATH, STATIC_EXTENSIONS } from '../src/classify/signatures/pack.js';

const N = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const IDS = ['l7.scanner-ua', 'l7.automation-ua', 'l7.browser-ua-library-tls', 'l7.browser-no-accept-language', 'l7.browser-no-cookie', 'l7.scanner-path', 'l7.static-query', 'l7.source-rate'];
const PACK8: SignaturePack = { ...PACK, signatures: PACK.signatures.filter((s) => IDS.includes(s.id)) };

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
};

const file = path.join(os.tmpdir(), `netrunbook-bench-${N}.ndjson`);
if (!fs.existsSync(file)) {
  const fd = fs.openSync(`${file}.tmp`, 'w');
  let buf: string[] = [];
  for (const r of synthesize({ seed: 42, durationSec: Math.ceil(N / 120), benignRps: 60, attackRps: 30, attackStart: 0.2, attackEnd: 0.8, limit: N })) {
    buf.push(JSON.stringify(r.record));
    if (buf.length === 10000) {
      fs.writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
}
console.log(`data: ${file} (${mb(fs.statSync(file).size)}, ${N} rows)`);

// ---- netrunbook
const [{ table }, ourLoad] = await time(() => loadTraffic(file, { format: 'logpush' }));
const [s8, ourScore8] = await time(() => score(table, { pack: PACK8 }));
const [sFull, ourScoreFull] = await time(() => score(table));
console.log(`netrunbook: load ${ourLoad.toFixed(2)} s, score (8 signatures) ${ourScore8.toFixed(2)} s, score (full pack, ${PACK.signatures.length} signatures) ${ourScoreFull.toFixed(2)} s; malicious ${s8.counts.malicious} / ${sFull.counts.malicious}`);

// ---- DuckDB
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const [, duckLoad] = await time(() => con.run(`CREATE TABLE r AS SELECT * FROM read_json('${file}', format = 'newline_delimited', maximum_object_size = 1048576)`));
const lib = LIBRARY_JA4.map((j) => `'${j}'`).join(',');
const ext = STATIC_EXTENSIONS.join('|');
const sql = `
WITH f AS (
  SELECT ClientIP, epoch_ms(CAST(EdgeStartTimestamp AS TIMESTAMP)) AS ts,
    (CASE WHEN regexp_matches(lower(ClientRequestUserAgent), '(${SCANNER_UA})') THEN 70 ELSE 0 END)
  + (CASE WHEN regexp_matches(lower(ClientRequestUserAgent), '${AUTOMATION_UA}') THEN 35 ELSE 0 END)
  + (CASE WHEN contains(ClientRequestUserAgent, 'Mozilla/') AND (JA4 IN (${lib}) OR regexp_matches(JA4, '^[tqd][0-9][0-9][di][0-9]{4}(00|h1)_')) THEN 45 ELSE 0 END)
  + (CASE WHEN contains(ClientRequestUserAgent, 'Mozilla/') AND NOT contains(ClientRequestUserAgent, 'compatible;') AND RequestHeaders['accept-language'] IS NULL THEN 25 ELSE 0 END)
  + (CASE WHEN contains(ClientRequestUserAgent, 'Mozilla/') AND (Cookies IS NULL OR Cookies::VARCHAR = '{}') THEN 10 ELSE 0 END)
  + (CASE WHEN regexp_matches(lower(ClientRequestPath), '${SCANNER_PATH}') THEN 45 ELSE 0 END)
  + (CASE WHEN regexp_matches(lower(ClientRequestPath), '\\.(${ext})$') AND contains(ClientRequestURI, '?') AND NOT regexp_matches(ClientRequestURI, '\\?(v|ver|version|h|hash)=') THEN 20 ELSE 0 END) AS base
  FROM r
), s AS (
  -- the window sorts only (ClientIP, ts, base): row expressions are computed before it
  SELECT base + (CASE WHEN count(*) OVER (PARTITION BY ClientIP, floor((ts - (SELECT min(ts) FROM f)) / 10000)) >= 50 THEN 35 ELSE 0 END) AS score
  FROM f
)
SELECT count(*) FILTER (WHERE score >= 60) AS malicious, count(*) FILTER (WHERE score >= 30 AND score < 60) AS suspicious FROM s`;
const [duckRes, duckScore] = await time(async () => (await con.runAndReadAll(sql)).getRows());
console.log(`DuckDB: read_json ${duckLoad.toFixed(2)} s, SQL score ${duckScore.toFixed(2)} s; malicious ${String(duckRes[0]?.[0])}`);

// ---- idiomatic Arquero
// Arquero's op typings are narrower than its runtime; the benchmark uses them as documented.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type D = Record<string, any>;
const A = aq.op as unknown as { lower(s: unknown): string; floor(x: number): number; match(s: unknown, re: RegExp): unknown; includes(a: unknown, b: unknown): boolean; has(o: unknown, k: string): boolean; count(): number; min(c: unknown): number };
const [arq, arqScore] = await time(() => {
  const libSet = new Set(LIBRARY_JA4);
  return table
    .params({ lib: [...libSet], scannerUa: new RegExp(`(${SCANNER_UA})`), automationUa: new RegExp(AUTOMATION_UA), scannerPath: new RegExp(SCANNER_PATH), staticPath: new RegExp(`\\.(${STATIC_EXTENSIONS.join('|')})$`) })
    .derive({ t0: (d: D) => A.min(d['timestamp']) })
    .derive({
      ua: (d: D) => A.lower(d['http.user_agent'] ?? ''),
      win: (d: D) => A.floor((d['timestamp'] - d['t0']) / 10000),
    })
    .derive({
      s1: (d: D, $: D) => (A.match(d['ua'], $.scannerUa) ? 70 : 0),
      s2: (d: D, $: D) => (A.match(d['ua'], $.automationUa) ? 35 : 0),
      s3: (d: D, $: D) => (A.includes(d['http.user_agent'] ?? '', 'Mozilla/') && (A.includes($.lib, d['cf.bot_management.ja4']) || A.match(d['cf.bot_management.ja4'] ?? '', /^[tqd]\d\d[di]\d{4}(00|h1)_/)) ? 45 : 0),
      s4: (d: D) => (A.includes((d['http.user_agent'] as string) ?? '', 'Mozilla/') && !A.includes((d['http.user_agent'] as string) ?? '', 'compatible;') && !A.has((d['http.request.headers'] as object) ?? {}, 'accept-language') ? 25 : 0),
      s5: (d: D) => (A.includes(d['http.user_agent'] ?? '', 'Mozilla/') && !d['http.cookie'] ? 10 : 0),
      s6: (d: D, $: D) => (A.match(A.lower(d['http.request.uri.path'] ?? ''), $.scannerPath) ? 45 : 0),
      s7: (d: D, $: D) => (A.match(A.lower(d['http.request.uri.path'] ?? ''), $.staticPath) && d['http.request.uri.query'] && !A.match(d['http.request.uri.query'], /^(v|ver|version|h|hash)=/) ? 20 : 0),
    })
    .groupby('ip.src', 'win')
    .derive({ s8: () => (A.count() >= 50 ? 35 : 0) })
    .ungroup()
    .derive({ score: (d: D) => d['s1'] + d['s2'] + d['s3'] + d['s4'] + d['s5'] + d['s6'] + d['s7'] + d['s8'] })
    .filter((d: D) => d['score'] >= 60)
    .numRows();
});
console.log(`Arquero derive: score ${arqScore.toFixed(2)} s; malicious ${arq}`);

clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log('');
console.log(`score (8 signatures): netrunbook ${ourScore8.toFixed(2)} s vs DuckDB ${duckScore.toFixed(2)} s = ${(duckScore / ourScore8).toFixed(2)}x faster (target >= 2x)`);
console.log(`score (8 signatures): netrunbook ${ourScore8.toFixed(2)} s vs Arquero derive ${arqScore.toFixed(2)} s = ${(arqScore / ourScore8).toFixed(2)}x faster (target >= 10x)`);
console.log(`load + score: netrunbook ${(ourLoad + ourScore8).toFixed(2)} s vs DuckDB ${(duckLoad + duckScore).toFixed(2)} s = ${((duckLoad + duckScore) / (ourLoad + ourScore8)).toFixed(2)}x (target >= 1x)`);
console.log(`peak RSS (whole process incl. DuckDB): ${mb(peak)} (target < 2048 MB)`);
process.exit(0);
