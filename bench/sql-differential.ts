/**
 * The SQL differential at scale: a synthetic Logpush log of BENCH_ROWS rows (default 1M; every
 * attack mix of bench/synth.ts over benign traffic) scored in memory and on the 2-shard ClickHouse
 * 18.16 cluster, chDB (current ClickHouse, if test/chdb/install.sh ran) and DuckDB. For every
 * expression of the Rules tests, the curated list and the pack, each engine must match exactly the
 * rows the in-memory engine matches (by `__row`, the row's position, i.e. its ray id) or refuse it
 * at compile time as test/classify/sql-differential.ts expects; then the pack's label of every row
 * and the summary counts must agree. Too heavy for CI (the test suite runs the same checks on the
 * corpus logs); run it once and read the report:
 *
 *   node dist/bench/sql-differential.js               # 1,000,000 rows
 *   BENCH_ROWS=200000 BENCH_ENGINES=duckdb,clickhouse node dist/bench/sql-differential.js
 *
 * Mismatches are collected, not thrown: the report lists each with examples, and the exit code is
 * 1 when there is any.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { synthesize, toNdjson } from './synth.js';
import { machineLine } from './contenders.js';
import { loadTraffic } from '../src/traffic/index.js';
import { score } from '../src/classify/index.js';
import { ClickHouse, DuckDb, ingest, openRemote, remoteLabels, remoteScore, type SqlEngine } from '../src/classify/sql/index.js';
import { startClickHouse, type ClickHouseCluster } from '../test/helpers/services/clickhouse.js';
import { ChdbEngine, chdbInstalled } from '../test/helpers/chdb.js';
import { allExpressions, differential, type DifferentialCount } from '../test/classify/sql-differential.js';

const N = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const ENGINES = (process.env['BENCH_ENGINES'] ?? 'clickhouse,chdb,duckdb').split(',');
const dir = process.env['BENCH_SQL_DIR'] ?? path.join(os.tmpdir(), 'netrunbook-bench-sql-differential');
const file = path.join(dir, `synth-${N}.ndjson`);

const secs = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(1);

console.log(machineLine());
fs.mkdirSync(dir, { recursive: true });
let t0 = performance.now();
if (!fs.existsSync(file)) {
  // in slices of 100k records so the text never holds the whole log
  const fd = fs.openSync(`${file}.tmp`, 'w');
  let batch = [];
  for (const r of synthesize({ seed: 7, durationSec: Math.ceil(N / 120), benignRps: 60, attackRps: 30, attackStart: 0.2, attackEnd: 0.8, limit: N })) {
    batch.push(r);
    if (batch.length === 100_000) {
      fs.writeSync(fd, toNdjson(batch));
      batch = [];
    }
  }
  fs.writeSync(fd, toNdjson(batch));
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
}
const { table, report } = await loadTraffic(file, { format: 'logpush' });
console.log(`traffic: ${table.numRows()} synthetic Logpush rows (${report.rowsSkipped} skipped) from ${file}, ${secs(t0)} s to make and load`);
t0 = performance.now();
const mem = score(table);
console.log(`in memory: ${JSON.stringify(mem.counts)} in ${secs(t0)} s`);
const expressions = allExpressions();
console.log(`expressions: ${expressions.length} (the Rules tests', the curated list and the pack's)`);

let failures = 0;
let cluster: ClickHouseCluster | undefined;
try {
  for (const name of ENGINES) {
    let engine: SqlEngine;
    let opts = {};
    if (name === 'clickhouse') {
      cluster = await startClickHouse(2);
      engine = new ClickHouse({ url: cluster.urls[0] as string, timeoutMs: 1_800_000 });
      opts = { cluster: cluster.cluster, shards: cluster.urls.map((url) => new ClickHouse({ url })) };
    } else if (name === 'chdb') {
      if (!chdbInstalled()) {
        console.log('chdb: not installed (bash test/chdb/install.sh): left out');
        continue;
      }
      engine = ChdbEngine.open();
    } else if (name === 'duckdb') engine = await DuckDb.open();
    else throw new Error(`unknown engine ${name} (clickhouse, chdb, duckdb)`);
    const label = name === 'clickhouse' ? 'ClickHouse 18.16, 2 shards' : name === 'chdb' ? `chDB ${(engine as ChdbEngine).version()}` : 'DuckDB';
    try {
      t0 = performance.now();
      await ingest(engine, table, 'synth', { replace: true, ...opts });
      const ingestS = secs(t0);
      console.log(`  ${label}: ingested in ${ingestS} s`);
      const remote = await openRemote(engine, 'synth');
      t0 = performance.now();
      const count: DifferentialCount = { ran: 0, refused: 0, notApplicable: 0 };
      const bad: string[] = [];
      for (const e of expressions) {
        try {
          const c = await differential(remote, table, [e], label);
          count.ran += c.ran;
          count.refused += c.refused;
          count.notApplicable += c.notApplicable;
        } catch (err) {
          bad.push((err as Error).message.split('\n').slice(0, 2).join(' / '));
          console.log(`  MISMATCH ${bad.at(-1)}`);
        }
        const done = count.ran + count.refused + count.notApplicable + bad.length;
        if (done % 25 === 0) console.log(`  ${label}: ${done}/${expressions.length} expressions, ${count.ran} match exactly, ${bad.length} mismatch, ${secs(t0)} s`);
      }
      const diffS = secs(t0);
      t0 = performance.now();
      const labels = await remoteLabels(remote);
      let diff = 0;
      for (let i = 0; i < table.numRows(); i++) if (labels.get(i) !== mem.labelCodes[i]) diff++;
      const sum = await remoteScore(remote);
      const countsAgree = JSON.stringify(sum.labels) === JSON.stringify(mem.counts);
      console.log(
        `${label}: ingest ${ingestS} s; expressions ${diffS} s: ${count.ran} match the in-memory rows exactly, ${count.refused} refused at compile time as expected, ${count.notApplicable} not applicable (a field the log lacks), ${bad.length} MISMATCH; ` +
          `labels: ${diff} rows differ, counts ${countsAgree ? 'agree' : `DIFFER ${JSON.stringify(sum.labels)}`} (${secs(t0)} s)`,
      );
      failures += bad.length + (diff > 0 ? 1 : 0) + (countsAgree ? 0 : 1);
    } finally {
      await engine.close();
      if (name === 'clickhouse') {
        await cluster?.stop();
        cluster = undefined;
      }
    }
  }
} finally {
  await cluster?.stop();
}
console.log(failures ? `** ${failures} differences **` : 'every engine agrees with the in-memory engine on every expression, every row label and the summary');
process.exitCode = failures ? 1 : 0;
