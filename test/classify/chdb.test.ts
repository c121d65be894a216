/**
 * The SQL the backend emits for ClickHouse also runs on a current ClickHouse (chDB, in process):
 * the same differential checks against the in-memory engine as on the 18.16 cluster.
 * chDB is installed by test/chdb/install.sh (scripts/test.sh runs it).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTraffic } from '../../src/traffic/index.js';
import { score } from '../../src/classify/index.js';
import { ingest, openRemote, remoteScore } from '../../src/classify/sql/index.js';
import { ChdbEngine, chdbInstalled } from '../helpers/chdb.js';
import { DIFFERENTIAL_EXPRESSIONS, DIFFERENTIAL_INPUTS, differential, labelsAgree, packExpressions } from './sql-differential.js';

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
      total += await differential(remote, table, [...DIFFERENTIAL_EXPRESSIONS, ...packExpressions()], `${name} (chdb ${version})`);
      await labelsAgree(remote, table, `${name} (chdb)`);
      assert.equal((await remoteScore(remote)).labels, score(table).counts, `${name}: label counts`);
    }
    assert.ok(total > 150, `ran ${total} expression/input pairs`);
  } finally {
    await db.close();
  }
});

test.run();
