/**
 * The same signature pack where the logs live: ingest and `classify` on a 2-shard ClickHouse
 * cluster (Debian clickhouse-server, started here on loopback) vs DuckDB in process vs in memory,
 * on synthetic Logpush traffic, in one run. Every contender runs in its own Node process (as
 * `runbook` would), so each reports its own wall time and peak RSS.
 *
 *   node dist/bench/sql.js                 # BENCH_ROWS (default 10,000,000) in one file
 *   BENCH_ROWS=1000000 BENCH_CHUNK=100000 node dist/bench/sql.js
 *
 * Ingest is `runbook ingest`'s own path (commands/ingest.ts `ingestFile`): the one file streamed in
 * chunks of BENCH_CHUNK lines (default: the CLI's 100,000), so the Node process holds one chunk.
 * The in-memory contender loads the first rows of the file into one table; above
 * BENCH_MEMORY_MAX_ROWS (default 3M) it is left out and the report says so (it needs about
 * 0.65 GB per million rows). Each contender reports wall time, its own CPU time and its peak RSS
 * (the machine is shared: CPU time is the steadier figure for the Node side; the servers' work
 * shows only in wall time).
 *
 * `classify` is what `runbook classify` runs: on an engine the pack's counts over the table plus
 * the analysis (clusters, mitigations) on a bounded sample of whole sources (sql/sample.ts,
 * default 100,000 rows); in memory the pack and the analysis over the loaded rows.
 *
 * behaviour.* fields are computed at ingest per chunk (a window of BENCH_CHUNK rows), in memory
 * over the whole table: with more than one chunk the behaviour signatures can label differently,
 * and the report says whether the malicious counts agree.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logpushLine, rng } from './logpush-gen.js';
import { execFile } from 'node:child_process';
import { runContender, machineLine } from './contenders.js';
import { loadTraffic } from '../src/traffic/index.js';
import { ingestFile } from '../src/commands/ingest.js';
import { analyze, score } from '../src/classify/index.js';
import { ClickHouse, DuckDb, openRemote, remoteSample, remoteScore } from '../src/classify/sql/index.js';
import { DEFAULT_CHUNK_ROWS } from '../src/traffic/index.js';
import { startClickHouse } from '../test/helpers/services/clickhouse.js';

const N = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
const CHUNK = Number(process.env['BENCH_CHUNK'] ?? DEFAULT_CHUNK_ROWS);
const MEMORY_MAX = Number(process.env['BENCH_MEMORY_MAX_ROWS'] ?? 3_000_000);
/** Rows the in-memory contender scores: all of them up to MEMORY_MAX, else BENCH_MEMORY_ROWS (the first rows of the file; 0 leaves it out). */
const MEMORY_ROWS = N <= MEMORY_MAX ? N : Math.min(N, Number(process.env['BENCH_MEMORY_ROWS'] ?? 0));
const dir = process.env['BENCH_SQL_DIR'] ?? path.join(os.tmpdir(), 'netrunbook-bench-sql');

interface Result {
  name: string;
  seconds: number;
  cpuSeconds: number;
  rows: number;
  malicious: number;
  peakRssMB: number;
}

const trafficFile = path.join(dir, `traffic-${N}.ndjson`);
const chunks = Math.ceil(N / CHUNK);

function generate(): void {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(trafficFile) && fs.existsSync(`${trafficFile}.done`)) return;
  const r = rng(42);
  const fd = fs.openSync(trafficFile, 'w');
  let buf: string[] = [];
  for (let i = 0; i < N; i++) {
    buf.push(logpushLine(r, i));
    if (buf.length === 10_000) {
      fs.writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
  fs.closeSync(fd);
  fs.writeFileSync(`${trafficFile}.done`, String(N));
}

/** The cluster's shard URLs, handed to the contender processes through a file in the bench dir. */
const urlsFile = path.join(dir, 'clickhouse-urls');
const chUrls = (): string[] => fs.readFileSync(urlsFile, 'utf8').trim().split(',');

async function run(name: string): Promise<Result> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let rows = 0;
  let malicious = 0;
  switch (name) {
    case 'ingest-clickhouse':
    case 'ingest-duckdb': {
      const ch = name === 'ingest-clickhouse';
      const urls = ch ? chUrls() : [];
      const engine = ch ? new ClickHouse({ url: urls[0] as string, timeoutMs: 3_600_000 }) : await DuckDb.open(path.join(dir, 'bench.duckdb'));
      const shards = ch ? urls.map((url) => new ClickHouse({ url })) : [];
      const rep = await ingestFile(engine, trafficFile, 'requests', {
        format: 'logpush',
        chunkRows: CHUNK,
        cluster: ch ? 'nrb' : undefined,
        shards: ch ? shards : undefined,
        onChunk: (c, done) => {
          if ((c + 1) % Math.max(1, Math.round(chunks / 10)) === 0 || c + 1 === chunks)
            process.stderr.write(`  ${name}: chunk ${c + 1}/${chunks}, ${done} rows, ${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB\n`);
        },
      });
      rows = rep.ingest.rows;
      await engine.close();
      for (const s of shards) await s.close();
      break;
    }
    case 'classify-clickhouse':
    case 'classify-duckdb': {
      const engine = name === 'classify-clickhouse' ? new ClickHouse({ url: chUrls()[0] as string, timeoutMs: 3_600_000 }) : await DuckDb.open(path.join(dir, 'bench.duckdb'));
      // what runbook classify --engine runs: the pack's counts over the table, then the analysis
      // (clusters, mitigations) on a bounded sample of whole sources brought back with their labels
      const remote = await openRemote(engine, 'requests');
      const s = await remoteScore(remote);
      const sample = await remoteSample(remote);
      if (!('tooBig' in sample)) analyze(sample.scored);
      rows = s.rows;
      malicious = s.labels.malicious;
      await engine.close();
      break;
    }
    case 'classify-memory': {
      const { table: t } = await loadTraffic(trafficFile, { format: 'logpush', maxRows: MEMORY_ROWS });
      const sc = score(t);
      analyze(sc);
      rows = t.numRows();
      malicious = sc.counts.malicious;
      break;
    }
    default:
      throw new Error(`unknown contender ${name}`);
  }
  const cpu = process.cpuUsage(c0);
  return { name, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, rows, malicious, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

/** CPU seconds (user + system) of processes, from /proc (the ClickHouse servers' share of the work). */
function cpuOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch {
      // a server that is gone has no more CPU time
    }
  }
  return ticks / 100;
}

/** A contender in a child process, asynchronously (BENCH_PARALLEL runs the two SQL engines side by side). */
function contenderAsync(self: string, name: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [self, name], { encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as Result);
    });
    child.stderr?.pipe(process.stderr);
  });
}

const self = fileURLToPath(import.meta.url);
const only = process.argv[2];
if (only) {
  console.log(JSON.stringify(await run(only)));
} else {
  console.log(machineLine());
  const tg = performance.now();
  generate();
  console.log(`traffic: ${N} synthetic Logpush rows in ${trafficFile}, ingested in ${chunks} chunk(s) of ${CHUNK} rows (${((performance.now() - tg) / 1000).toFixed(1)} s to generate or reuse)`);
  fs.rmSync(path.join(dir, 'bench.duckdb'), { force: true });
  const ch = await startClickHouse(2);
  try {
    fs.writeFileSync(urlsFile, ch.urls.join(','));
    const res: Record<string, Result> = {};
    const show = (n: string, serverCpu: number | null): void => {
      const r = res[n] as Result;
      const rate = n.startsWith('ingest') ? `  ${Math.round(r.rows / r.seconds)} rows/s` : '';
      const server = serverCpu === null ? '' : `  servers' CPU ${serverCpu.toFixed(1)} s`;
      console.log(`${n.padEnd(20)} ${r.seconds.toFixed(2).padStart(8)} s wall ${r.cpuSeconds.toFixed(2).padStart(8)} s Node CPU  rows ${r.rows}  malicious ${r.malicious}  peak RSS ${r.peakRssMB} MB${rate}${server}`);
    };
    // BENCH_PARALLEL=1: the cluster's and DuckDB's contenders run side by side (same load on both)
    const parallel = process.env['BENCH_PARALLEL'] === '1';
    for (const step of ['ingest', 'classify']) {
      const pair = [`${step}-clickhouse`, `${step}-duckdb`];
      if (parallel) {
        const s0 = cpuOf(ch.pids);
        const out = await Promise.all(pair.map((n) => contenderAsync(self, n)));
        pair.forEach((n, i) => (res[n] = out[i] as Result));
        const server = cpuOf(ch.pids) - s0;
        show(pair[0] as string, server);
        show(pair[1] as string, null);
      } else
        for (const n of pair) {
          const s0 = cpuOf(ch.pids);
          res[n] = runContender<Result>(self, n);
          show(n, n.endsWith('clickhouse') ? cpuOf(ch.pids) - s0 : null);
        }
    }
    if (MEMORY_ROWS > 0) {
      res['classify-memory'] = runContender<Result>(self, 'classify-memory');
      show('classify-memory', null);
    }
    // per row, so an in-memory run on fewer rows compares at its own size
    const perRow = (r: Result): number => r.seconds / Math.max(1, r.rows);
    const ratio = (a: string, b: string) => (res[a] && res[b] ? (perRow(res[a] as Result) / perRow(res[b] as Result)).toFixed(2) : 'n/a');
    console.log(`classify: DuckDB / cluster ${ratio('classify-duckdb', 'classify-clickhouse')}x, in memory / cluster ${ratio('classify-memory', 'classify-clickhouse')}x (wall time per row; >1: the cluster is faster)`);
    console.log(`ingest: DuckDB / cluster ${ratio('ingest-duckdb', 'ingest-clickhouse')}x`);
    const c = res['classify-clickhouse'] as Result;
    const ic = res['ingest-clickhouse'] as Result;
    const over = (mb: number): string => (mb < 500 ? '' : '  ** OVER **');
    console.log(`Node peak RSS on the cluster path (target < 500 MB): ingest ${ic.peakRssMB} MB${over(ic.peakRssMB)} (runbook ingest's streamed path, ${CHUNK}-row chunks), classify ${c.peakRssMB} MB${over(c.peakRssMB)}`);
    if (MEMORY_ROWS < N) console.log(MEMORY_ROWS > 0 ? `in memory: scored the first ${res['classify-memory']?.rows} rows only (BENCH_MEMORY_ROWS; it needs about 0.65 GB per million rows); projected to ${N} rows linearly: ${(((res['classify-memory']?.seconds ?? 0) * N) / (res['classify-memory']?.rows || 1)).toFixed(0)} s wall` : `in memory: left out above ${MEMORY_MAX} rows (set BENCH_MEMORY_MAX_ROWS or BENCH_MEMORY_ROWS to include it)`);
    const sqlAgree = new Set(['classify-clickhouse', 'classify-duckdb'].map((k) => res[k]?.malicious));
    console.log(sqlAgree.size === 1 ? 'the cluster and DuckDB agree on the malicious rows' : `** the cluster and DuckDB disagree on malicious rows: ${[...sqlAgree].join(' / ')} **`);
    const m = res['classify-memory'];
    if (m && m.rows === N) console.log(m.malicious === c.malicious ? 'in memory agrees with the cluster on the malicious rows' : `in memory: ${m.malicious} malicious vs ${c.malicious} on the cluster${chunks > 1 ? ` (expected with ${chunks} chunks: behaviour.* is computed per ingest chunk (a window of ${CHUNK} rows) in SQL, over the whole table in memory)` : ' ** DISAGREE **'}`);
  } finally {
    await ch.stop();
  }
}
