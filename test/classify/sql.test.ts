/**
 * The SQL backend against the in-memory engine, on DuckDB in process: for a set of expressions that
 * covers every operator and function the lowering supports, and for every signature of the pack,
 * both engines match exactly the same rows (by row number) on corpus logs, the bundled L7 sample
 * and a SYN-flood capture; the pack's labels agree row by row. The ClickHouse cluster runs the
 * same checks in clickhouse.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTraffic } from '../../src/traffic/index.js';
import { matchRows, score } from '../../src/classify/index.js';
import { DuckDb, ingest, openRemote, remoteRuleTest, remoteSample, remoteScore, lowerToSql, globToRe2, SqlLoweringError, DUCKDB, CLICKHOUSE } from '../../src/classify/sql/index.js';
import { DIFFERENTIAL_INPUTS, allExpressions, differential, rulesTableDifferential, labelsAgree, rejection, runbookCli, assertSameAnalysis, type EngineSummary } from './sql-differential.js';
import { check } from '../../src/classify/check.js';
import { parse } from '../../src/classify/parse.js';
import { catalogSchema } from '../../src/classify/schema.js';
import { corpus, ROOT } from '../helpers/paths.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { plainColumn } from '../../src/traffic/dictionary.js';

const Lower = suite('lowerToSql');

Lower('a wildcard becomes an anchored RE2 pattern where * is the only metacharacter', () => {
  assert.is(globToRe2('*/wp-*/*.php', true), '(?s)^.*/wp\\-.*/.*\\.php$'.replace('\\-', '-'));
  assert.is(globToRe2('A\\*B\\\\c', true), '(?s)^a\\*b\\\\c$');
  assert.is(globToRe2('(x)+?', false), '(?s)^\\(x\\)\\+\\?$');
});

Lower('a missing value compares false in both dialects, and not() of it is true', () => {
  const ast = check(parse('not http.referer eq "x"'), catalogSchema());
  assert.match(lowerToSql(ast, CLICKHOUSE), /NOT ifNull\(/);
  assert.match(lowerToSql(ast, DUCKDB), /NOT coalesce\(/);
});

Lower('string literals are escaped for each dialect, so a quote in a rule cannot end the literal', () => {
  const ast = check(parse('http.user_agent eq "a\'b\\\\c"'), catalogSchema());
  assert.match(lowerToSql(ast, CLICKHOUSE), /'a\\'b\\\\c'/);
  assert.match(lowerToSql(ast, DUCKDB), /'a''b\\c'/);
});

Lower('a regex with an inline (?i) has no required literal on ClickHouse (18.16 matched it case-sensitively), and is unchanged elsewhere', () => {
  const ast = check(parse('http.user_agent ~ "(?i)MOZILLA"'), catalogSchema());
  assert.match(lowerToSql(ast, CLICKHOUSE), "match(`http__user_agent`, '(?:(?i)MOZILLA)|[^\\\\s\\\\S]')");
  assert.match(lowerToSql(ast, DUCKDB), "regexp_matches(\"http__user_agent\", '(?i)MOZILLA')");
  assert.match(lowerToSql(check(parse('http.user_agent ~ "^MOZ"'), catalogSchema()), CLICKHOUSE), "match(`http__user_agent`, '^MOZ')");
});

Lower('a function the engine cannot run is refused before any query, with its position', () => {
  const expr = 'decode_base64(http.request.uri.query) contains "x"';
  try {
    lowerToSql(check(parse(expr), catalogSchema()), CLICKHOUSE);
    assert.unreachable('should refuse');
  } catch (e) {
    assert.instance(e, SqlLoweringError);
    assert.is((e as SqlLoweringError).position, 0);
    assert.match((e as Error).message, /decode_base64\(\) is not supported on the clickhouse engine/);
  }
});

Lower.run();

const Duck = suite('the DuckDB engine against the in-memory engine');

Duck('every differential expression and every pack expression matches the same rows on each input, and the labels agree', async () => {
  const db = await DuckDb.open();
  try {
    let total = 0;
    for (const [i, [name, file]] of DIFFERENTIAL_INPUTS.entries()) {
      const t0 = performance.now();
      const { table } = await loadTraffic(file);
      const report = await ingest(db, table, `t${i}`);
      assert.is(report.rows, table.numRows(), name);
      const remote = await openRemote(db, `t${i}`);
      total += (await differential(remote, table, allExpressions(), `${name} (duckdb)`)).ran;
      await labelsAgree(remote, table, `${name} (duckdb)`);
      const sum = await remoteScore(remote);
      const mem = score(table);
      assert.equal(sum.labels, mem.counts, `${name}: label counts`);
      // a signature is skipped in SQL exactly where it does not apply in memory (a field this table lacks)
      assert.equal(sum.skippedSignatures.map((x) => x.id).sort(), mem.signatures.filter((x) => !x.applicable).map((x) => x.id).sort(), `${name}: skipped signatures`);
      console.log(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    assert.ok(total > 150, `ran ${total} expression/input pairs`);
  } finally {
    await db.close();
  }
});

Duck("every expression of the Rules tests matches the in-memory rows on their own table, or is refused at compile time where SQL_REFUSED_FUNCTIONS says", async () => {
  const db = await DuckDb.open();
  try {
    const c = await rulesTableDifferential(db, 'duckdb');
    console.log(`  Rules tests' expressions on DuckDB: ${c.ran} compared, ${c.refused} refused, ${c.notApplicable} not applicable`);
  } finally {
    await db.close();
  }
});

Duck('rule test on DuckDB returns the in-memory summary shape', async () => {
  const db = await DuckDb.open();
  try {
    const { table } = await loadTraffic(corpus('honeynet-redhat-apache-logs/access_log.24'));
    await ingest(db, table, 'h');
    const r = await remoteRuleTest(await openRemote(db, 'h'), 'http.request.method in {"OPTIONS" "PROPFIND"}');
    const m = matchRows(table, 'http.request.method in {"OPTIONS" "PROPFIND"}');
    const sc = score(table);
    const labels = { good: 0, suspicious: 0, malicious: 0 };
    let matched = 0;
    for (let i = 0; i < m.length; i++) if (m[i]) {
      matched++;
      labels[(['good', 'suspicious', 'malicious'] as const)[sc.labelCodes[i] as number] ?? 'good']++;
    }
    assert.equal({ matched: r.matched, total: r.total, labels: r.labels }, { matched, total: table.numRows(), labels });
    assert.ok(matched > 6000, 'the WebDAV flood');
  } finally {
    await db.close();
  }
});

Duck('a table of another schema and a missing table are refused before any work', async () => {
  const db = await DuckDb.open();
  try {
    await db.exec('CREATE TABLE other (a INTEGER)');
    assert.match((await rejection(() => openRemote(db, 'other'))).message, /was not written by runbook ingest/);
    assert.match((await rejection(() => openRemote(db, 'nothere'))).message, /does not exist on the duckdb engine/);
    assert.match((await rejection(() => openRemote(db, 'x; DROP TABLE other'))).message, /invalid table name/);
  } finally {
    await db.close();
  }
});

Duck.run();

const Analysis = suite('classify --engine duckdb: the analysis on the table, or on a sample of whole sources');
const L7 = path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-engine-analysis-'));
const dbFile = path.join(dir, 'l7.duckdb');
Analysis.after(() => fs.rmSync(dir, { recursive: true, force: true }));

Analysis('on a table within the sample cap, classify --engine duckdb --json gives the in-memory clusters, mitigations, refusals, levers and evidence', () => {
  const ing = runbookCli('ingest', L7, '--duckdb', dbFile, '--table', 'l7', '--json');
  assert.is(ing.status, 0, ing.stderr);
  const e = assertSameAnalysis(['--engine', 'duckdb', '--duckdb', dbFile, '--table', 'l7'], L7, 'L7 sample (duckdb)');
  assert.is(e.sample?.rows, 14946);
  const text = runbookCli('classify', '--engine', 'duckdb', '--duckdb', dbFile, '--table', 'l7');
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /Attack clusters:\n[\s\S]*Proposed mitigations \(incident inc[0-9a-f]{8}; graded on [\s\S]*Notes:\n  clusters, mitigations .* computed on the whole table \(14946 rows, \d+ sources\)/);
  assert.not.match(text.stdout, /Not computed on the/);
});

Analysis('past a small --sample-rows cap the sample is bounded, holds whole sources with the labels the engine gave the whole table, and its figures are said to be the sample\'s', async () => {
  const cap = 3000;
  const r = runbookCli('classify', '--engine', 'duckdb', '--duckdb', dbFile, '--table', 'l7', '--sample-rows', String(cap), '--json');
  assert.is(r.status, 0, r.stderr);
  const e = JSON.parse(r.stdout) as EngineSummary;
  const sample = e.sample as NonNullable<EngineSummary['sample']>;
  assert.is(sample.whole, false);
  assert.ok(sample.rows > cap / 2 && sample.rows <= cap, `sample of ${sample.rows} rows under a cap of ${cap}`);
  assert.ok(sample.sources < sample.tableSources, `${sample.sources} of ${sample.tableSources} sources`);
  assert.is(e.rows, 14946, 'rows and labels stay the whole table\'s');
  assert.equal(e.absent, []);
  const note = e.notes.find((x) => x.startsWith('clusters, mitigations')) ?? '';
  assert.match(note, new RegExp(`on a sample of ${sample.rows} rows: all requests of ${sample.sources} of ${sample.tableSources} sources`));
  assert.match(note, /backtest figures, confidence intervals and SAFE verdicts are the sample's evidence/);
  // every verdict rests on the sample's rows only: no figure counts more rows than the sample has
  const ev = e.evidence as NonNullable<EngineSummary['evidence']>;
  assert.ok(ev.incidentReferenceRows + ev.attackRows <= sample.rows);
  const mits = e.mitigations ?? [];
  assert.ok(mits.length > 0 && mits.some((m) => m.safe), 'the sample still yields proposals');
  for (const m of mits) {
    assert.ok(m.backtest.goodFigure.of <= ev.incidentReferenceRows, `${m.id}: graded on ${m.backtest.goodFigure.of} possibly-good rows of the sample`);
    assert.ok(m.backtest.attackFigure.of <= ev.attackRows, `${m.id}: ${m.backtest.attackFigure.of} attack rows of the sample`);
  }
  // the same sample through the API, read in small pages: whole sources, and the engine's labels
  const db = await DuckDb.open(dbFile);
  try {
    const s = await remoteSample(await openRemote(db, 'l7'), { maxRows: cap, pageRows: 700 });
    if ('tooBig' in s) throw new Error('the table has ip.src');
    assert.is(s.rows, sample.rows, 'the sample is deterministic');
    const { table } = await loadTraffic(L7);
    const mem = score(table);
    const ipsOf = (t: typeof table) => Array.from(plainColumn((t.data() as Record<string, unknown>)['ip.src']), (x) => String(x));
    const inSample = new Map<string, number>();
    for (const ip of ipsOf(s.scored.table)) inSample.set(ip, (inSample.get(ip) ?? 0) + 1);
    const inTable = new Map<string, number>();
    const labels = { good: 0, suspicious: 0, malicious: 0 };
    ipsOf(table).forEach((ip, i) => {
      if (!inSample.has(ip)) return;
      inTable.set(ip, (inTable.get(ip) ?? 0) + 1);
      labels[(['good', 'suspicious', 'malicious'] as const)[mem.labelCodes[i] as number] ?? 'good']++;
    });
    for (const [ip, n] of inSample) assert.is(n, inTable.get(ip), `every request of ${ip} is in the sample`);
    // each sampled row keeps the label the whole table gave it (per-source windows were not re-counted on the sample)
    assert.equal(s.scored.counts, labels);
  } finally {
    await db.close();
  }
});

Analysis('a bad --sample-rows is refused before any work', () => {
  const r = runbookCli('classify', '--engine', 'duckdb', '--duckdb', dbFile, '--table', 'l7', '--sample-rows', '0');
  assert.is(r.status, 2);
  assert.match(r.stderr, /--sample-rows takes a positive whole number/);
});

Analysis.run();
