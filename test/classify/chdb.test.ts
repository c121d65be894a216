/**
 * The SQL the backend emits for ClickHouse also runs on a current ClickHouse (chDB, in process):
 * the same differential checks against the in-memory engine as on the 18.16 cluster.
 * chDB is installed by test/chdb/install.sh (scripts/test.sh runs it).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTraffic } from '../../src/traffic/index.js';
import { analyze, score } from '../../src/classify/index.js';
import { ingest, openRemote, remoteSample, remoteScore } from '../../src/classify/sql/index.js';
import { corpus } from '../helpers/paths.js';
import { ChdbEngine, chdbInstalled } from '../helpers/chdb.js';
import { DIFFERENTIAL_INPUTS, allExpressions, differential, rulesTableDifferential, labelsAgree } from './sql-differential.js';

const test = suite('the Rules language on a current ClickHouse (chDB)');

test('every differential and pack expression matches the in-memory rows, and the labels agree', async () => {
  assert.ok(chdbInstalled(), 'chDB is not installed: run bash test/chdb/install.sh');
  const db = ChdbEngine.open();
  try {
    const version = db.version();
    assert.ok(Number(version.split('.')[0]) >= 23, `a current ClickHouse (${version})`);
    let total = 0;
    for (const [i, [name, file]] of DIFFERENTIAL_INPUTS.entries()) {
      const { table } = await loadTraffic(file);
      await ingest(db, table, `t${i}`);
      const remote = await openRemote(db, `t${i}`);
      total += (await differential(remote, table, allExpressions(), `${name} (chdb ${version})`)).ran;
      await labelsAgree(remote, table, `${name} (chdb)`);
      assert.equal((await remoteScore(remote)).labels, score(table).counts, `${name}: label counts`);
    }
    assert.ok(total > 150, `ran ${total} expression/input pairs`);
  } finally {
    await db.close();
  }
});

test("every expression of the Rules tests matches the in-memory rows on their own table, or is refused where SQL_REFUSED_FUNCTIONS says", async () => {
  assert.ok(chdbInstalled(), 'chDB is not installed: run bash test/chdb/install.sh');
  const db = ChdbEngine.open();
  try {
    const c = await rulesTableDifferential(db, `chdb ${db.version()}`);
    console.log(`  Rules tests' expressions on chDB: ${c.ran} compared, ${c.refused} refused, ${c.notApplicable} not applicable`);
  } finally {
    await db.close();
  }
});

test("classify --engine's sample reads back from a current ClickHouse: whole, it gives the in-memory analysis; capped, it is bounded", async () => {
  assert.ok(chdbInstalled(), 'chDB is not installed: run bash test/chdb/install.sh');
  const db = ChdbEngine.open();
  try {
    const { table } = await loadTraffic(corpus('honeynet-redhat-apache-logs/access_log.18'));
    await ingest(db, table, 'a18');
    const remote = await openRemote(db, 'a18');
    const whole = await remoteSample(remote, { pageRows: 300 });
    if ('tooBig' in whole) throw new Error('the table has ip.src');
    assert.is(whole.whole, true);
    assert.is(whole.rows, table.numRows());
    const of = (a: ReturnType<typeof analyze>) => JSON.parse(JSON.stringify({ clusters: a.clusters, mitigations: a.mitigations, refused: a.refused, levers: a.levers, incident: a.incident, evidence: a.evidence })) as unknown;
    const mem = analyze(score(table));
    assert.ok(mem.mitigations.length > 0);
    assert.equal(of(analyze(whole.scored)), of(mem));
    const part = await remoteSample(remote, { maxRows: 400 });
    if ('tooBig' in part) throw new Error('the table has ip.src');
    assert.is(part.whole, false);
    assert.ok(part.rows > 0 && part.rows <= 400, `${part.rows} rows`);
  } finally {
    await db.close();
  }
});

test.run();
