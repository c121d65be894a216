/**
 * The same signature pack where the logs live: ingest and `classify` on a 2-shard ClickHouse
 * cluster (Debian clickhouse-server, started here on loopback) vs DuckDB in process vs in memory,
 * on synthetic Logpush traffic, in one run. Every contender runs in its own Node process (as
 * `runbook` would), so each reports its own wall time and peak RSS.
 *
 *   node dist/bench/sql.js                 # BENCH_ROWS (default 10,000,000) in 1M-row chunks
 *   BENCH_ROWS=1000000 node dist/bench/sql.js
 *
 * The in-memory contender loads every chunk into one table; above BENCH_MEMORY_MAX_ROWS (default
 * 3M) it is left out and the report says so (it needs about 0.65 GB per million rows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as aq from 'arquero';
import { logpushLine, rng } from './logpush-gen.js';
import { runContender, machineLine } from './contenders.js';
import { loadTraffic } from '../src/traffic/index.js';
import { score } from '../src/classify/index.js';
import { ClickHouse, DuckDb, ingest, openRemote, remoteScore } from '../src/classify/sql/index.js';
import { startClickHouse } from '../test/helpers/services/clickhouse.js';

const N = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
const CHUNK = 1_000_000;
const MEMORY_MAX = Number(process.env['BENCH_MEMORY_MAX_ROWS'] ?? 3_000_000);
const dir = process.env['BENCH_SQL_DIR'] ?? path.join(os.tmpdir(), 'netrunbook-bench-sql');

interface Result {
  name: string;
  seconds: number;
  rows: number;
  malicious: number;
  peakRssMB: number;
}

const chunkFile = (c: number) => path.join(dir, `chunk-${c}.ndjson`);
const chunks = Math.ceil(N / CHUNK);

function generate(): void {
  fs.mkdirSync(dir, { recursive: true });
  const r = rng(42);
  for (let c = 0; c < chunks; c++) {
    const file = chunkFile(c);
    const rows = Math.min(CHUNK, N - c * CHUNK);
    if (fs.existsSync(file) && fs.statSync(file).size > 0 && fs.readFileSync(`${file}.rows`, 'utf8') === String(rows)) continue;
    const fd = fs.openSync(file, 'w');
    let buf: string[] = [];
    for (let i = 0; i < rows; i++) {
      buf.push(logpushLine(r, c * CHUNK + i));
      if (buf.length === 10_000) {
        fs.writeSync(fd, `${buf.join('\n')}\n`);
        buf = [];
      }
    }
    if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
    fs.closeSync(fd);
    fs.writeFileSync(`${file}.rows`, String(rows));
  }
}

/** The cluster's shard URLs, handed to the contender processes through a file in the bench dir. */
const urlsFile = path.join(dir, 'clickhouse-urls');
const chUrls = (): string[] => fs.readFileSync(urlsFile, 'utf8').trim().split(',');

async function run(name: string): Promise<Result> {
  const t0 = performance.now();
  let rows = 0;
  let malicious = 0;
  switch (name) {
    case 'ingest-clickhouse':
    case 'ingest-duckdb': {
      const ch = name === 'ingest-clickhouse';
      const urls = ch ? chUrls() : [];
      const engine = ch ? new ClickHouse({ url: urls[0] as string }) : await DuckDb.open(path.join(dir, 'bench.duckdb'));
      for (let c = 0; c < chunks; c++) {
        const { table } = await loadTraffic(chunkFile(c), { format: 'logpush' });
        const rep = await ingest(engine, table, 'requests', { cluster: ch ? 'nrb' : undefined, shards: ch ? urls.map((url) => new ClickHouse({ url })) : undefined, append: c > 0, batchRows: 100_000 });
        rows += rep.rows;
      }
      await engine.close();
      break;
    }
    case 'classify-clickhouse':
    case 'classify-duckdb': {
      const engine = name === 'classify-clickhouse' ? new ClickHouse({ url: chUrls()[0] as string }) : await DuckDb.open(path.join(dir, 'bench.duckdb'));
      const s = await remoteScore(await openRemote(engine, 'requests'));
      rows = s.rows;
      malicious = s.labels.malicious;
      await engine.close();
      break;
    }
    case 'classify-memory': {
      const tables = [];
      for (let c = 0; c < chunks; c++) tables.push((await loadTraffic(chunkFile(c), { format: 'logpush' })).table);
      const t = tables.length === 1 ? (tables[0] as aq.ColumnTable) : (tables[0] as aq.ColumnTable).concat(...tables.slice(1));
      const s = score(t);
      rows = t.numRows();
      malicious = s.counts.malicious;
      break;
    }
    default:
      throw new Error(`unknown contender ${name}`);
  }
  return { name, seconds: (performance.now() - t0) / 1000, rows, malicious, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const self = fileURLToPath(import.meta.url);
const only = process.argv[2];
if (only) {
  console.log(JSON.stringify(await run(only)));
} else {
  console.log(machineLine());
  const tg = performance.now();
  generate();
  console.log(`traffic: ${N} synthetic Logpush rows in ${chunks} chunk(s) under ${dir} (${((performance.now() - tg) / 1000).toFixed(1)} s to generate or reuse)`);
  fs.rmSync(path.join(dir, 'bench.duckdb'), { force: true });
  const ch = await startClickHouse(2);
  try {
    fs.writeFileSync(urlsFile, ch.urls.join(','));
    const names = ['ingest-clickhouse', 'ingest-duckdb', 'classify-clickhouse', 'classify-duckdb', ...(N <= MEMORY_MAX ? ['classify-memory'] : [])];
    const res: Record<string, Result> = {};
    for (const n of names) {
      res[n] = runContender<Result>(self, n);
      const r = res[n] as Result;
      console.log(`${n.padEnd(20)} ${r.seconds.toFixed(2).padStart(8)} s  rows ${r.rows}  malicious ${r.malicious}  peak RSS ${r.peakRssMB} MB`);
    }
    const ratio = (a: string, b: string) => (res[a] && res[b] ? ((res[a] as Result).seconds / (res[b] as Result).seconds).toFixed(2) : 'n/a');
    console.log(`classify: DuckDB / cluster ${ratio('classify-duckdb', 'classify-clickhouse')}x, in memory / cluster ${ratio('classify-memory', 'classify-clickhouse')}x (>1: the cluster is faster)`);
    console.log(`ingest: DuckDB / cluster ${ratio('ingest-duckdb', 'ingest-clickhouse')}x`);
    const c = res['classify-clickhouse'] as Result;
    console.log(`Node peak RSS on the cluster path: ${c.peakRssMB} MB (target < 500 MB)${c.peakRssMB < 500 ? '' : '  ** OVER **'}`);
    if (N > MEMORY_MAX) console.log(`in memory: left out above ${MEMORY_MAX} rows (set BENCH_MEMORY_MAX_ROWS to include it)`);
    const agree = new Set(Object.values(res).filter((r) => r.name.startsWith('classify')).map((r) => r.malicious));
    console.log(agree.size === 1 ? 'all engines agree on the malicious rows' : `** engines disagree on malicious rows: ${[...agree].join(' / ')} **`);
  } finally {
    await ch.stop();
  }
}
