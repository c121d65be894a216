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
import { DuckDb, ingest, openRemote, remoteRuleTest, remoteScore, lowerToSql, globToRe2, SqlLoweringError, DUCKDB, CLICKHOUSE } from '../../src/classify/sql/index.js';
import { DIFFERENTIAL_INPUTS, allExpressions, differential, rulesTableDifferential, labelsAgree, rejection } from './sql-differential.js';
import { check } from '../../src/classify/check.js';
import { parse } from '../../src/classify/parse.js';
import { catalogSchema } from '../../src/classify/schema.js';
import { corpus } from '../helpers/paths.js';

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
