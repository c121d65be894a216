/**
 * Loading benchmark, same run, same file: netrunbook's Logpush loader vs DuckDB `read_json`
 * (CREATE TABLE AS, in-process @duckdb/node-api) vs idiomatic Arquero (`aq.from(lines.map(JSON.parse))`),
 * plus the Arrow cache (write, then reopen in a fresh process). Each contender runs in its own
 * child process so its peak RSS is its own. N rows (default 1,000,000 ≈ 600 MB) from
 * BENCH_ROWS; the file is generated deterministically in the temp dir and reused.
 *
 *   node dist/bench/load.js            # 1M rows
 *   BENCH_ROWS=100000 node dist/bench/load.js
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as aq from 'arquero';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateLogpush } from './logpush-gen.js';
import { loadTraffic, loadLogpush } from '../src/traffic/index.js';
import { machineLine, runContender } from './contenders.js';

const N = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const file = process.env['BENCH_FILE'] ?? path.join(os.tmpdir(), `netrunbook-load-bench-${N}.ndjson`);
const cacheDir = path.join(os.tmpdir(), `netrunbook-load-bench-cache-${N}`);

interface Result {
  name: string;
  seconds: number;
  rows: number;
  peakRssMB: number;
  cpuSeconds: number;
}

/** One contender, in this (child) process. */
async function run(name: string): Promise<Result> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  switch (name) {
    case 'netrunbook': {
      const { table } = await loadTraffic(file, { format: 'logpush' });
      rows = table.numRows();
      break;
    }
    case 'netrunbook-2-threads': {
      const { table } = await loadLogpush(file, { workers: 2 });
      rows = table.numRows();
      break;
    }
    case 'netrunbook-json-parse': {
      const { table } = await loadLogpush(file, { fast: false });
      rows = table.numRows();
      break;
    }
    case 'netrunbook-cache-write': {
      fs.rmSync(cacheDir, { recursive: true, force: true });
      const { table } = await loadTraffic(file, { format: 'logpush', cache: cacheDir });
      rows = table.numRows();
      break;
    }
    case 'netrunbook-cache-reopen': {
      const { table, report } = await loadTraffic(file, { format: 'logpush', cache: cacheDir });
      if (!report.fromCache) throw new Error('expected a cache hit');
      rows = table.numRows();
      break;
    }
    case 'duckdb': {
      const db = await DuckDBInstance.create(':memory:');
      const con = await db.connect();
      await con.run(`CREATE TABLE r AS SELECT * FROM read_json('${file}', format = 'newline_delimited')`);
      const res = await con.runAndReadAll('SELECT count(*) FROM r');
      rows = Number(res.getRows()[0]?.[0]);
      break;
    }
    case 'arquero-idiomatic': {
      // the straightforward way: parse every line, hand the objects to Arquero
      const objects: unknown[] = [];
      const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
      for await (const line of rl) if (line) objects.push(JSON.parse(line));
      const t = aq.from(objects as object[]);
      rows = t.numRows();
      break;
    }
    default:
      throw new Error(`unknown contender ${name}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { name, seconds, rows, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), cpuSeconds: (c.user + c.system) / 1e6 };
}

const self = fileURLToPath(import.meta.url);
const only = process.argv[2];
if (only) {
  // child: run one contender and print its result as JSON
  console.log(JSON.stringify(await run(only)));
} else {
  const t = performance.now();
  generateLogpush(file, N);
  const size = fs.statSync(file).size;
  console.log(`data: ${file}: ${N} rows, ${(size / 2 ** 20).toFixed(0)} MB (${Math.round(size / N)} B/row), generated/reused in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  console.log(machineLine());
  const names = ['netrunbook', 'netrunbook-2-threads', 'netrunbook-json-parse', 'duckdb', 'arquero-idiomatic', 'netrunbook-cache-write', 'netrunbook-cache-reopen'];
  const results: Record<string, Result> = {};
  for (const name of names) {
    try {
      const r = runContender<Result>(self, name);
      results[name] = r;
      console.log(
        `${name.padEnd(24)} ${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(r.rows / r.seconds).toLocaleString('en').padStart(10)} rows/s  cpu ${r.cpuSeconds.toFixed(1).padStart(5)} s  peak RSS ${String(r.peakRssMB).padStart(5)} MB  rows ${r.rows}`,
      );
    } catch (e) {
      console.log(`${name.padEnd(24)} failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const ours = results['netrunbook'];
  const ratio = (a?: Result, b?: Result) => (a && b ? (a.seconds / b.seconds).toFixed(2) : 'n/a');
  console.log('');
  console.log(`netrunbook vs DuckDB read_json:        ${ratio(results['duckdb'], ours)}x (DuckDB time / ours; >= 1 means we are faster)`);
  console.log(`netrunbook vs idiomatic Arquero:       ${ratio(results['arquero-idiomatic'], ours)}x`);
  console.log(`byte scanner vs JSON.parse path:       ${ratio(results['netrunbook-json-parse'], ours)}x`);
  console.log(`2 threads (opt-in) vs 1 thread:        ${ratio(ours, results['netrunbook-2-threads'])}x faster`);
  console.log(`cache reopen speed-up over parsing:    ${ratio(ours, results['netrunbook-cache-reopen'])}x (target >= 10x)`);
  const cpu = (a?: Result, b?: Result) => (a && b ? (a.cpuSeconds / b.cpuSeconds).toFixed(2) : 'n/a');
  console.log(`CPU-time ratios (steadier than wall time on a shared machine): vs DuckDB ${cpu(results['duckdb'], ours)}x, vs idiomatic Arquero ${cpu(results['arquero-idiomatic'], ours)}x, cache reopen ${cpu(ours, results['netrunbook-cache-reopen'])}x`);
  console.log(`peak RSS of our loader:                ${ours?.peakRssMB ?? 'n/a'} MB (target < 2048 MB)`);
}
