/**
 * The SQL backend on a real ClickHouse cluster: two `clickhouse-server` 18.16 shards on loopback,
 * a MergeTree table on each behind a Distributed table sharded by source address. The same
 * differential checks as on DuckDB (sql.test.ts), the summary shapes (the analysis of classify
 * --engine equal to the in-memory one), a shard going down, and
 * bad input (a URL that does not answer, a table of another schema).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTraffic } from '../../src/traffic/index.js';
import { score, matchRows } from '../../src/classify/index.js';
import { ClickHouse, ingest, openRemote, remoteRuleTest, remoteScore, remoteMatches, clickhouse, SqlEngineError } from '../../src/classify/sql/index.js';
import { startClickHouse, clickhouseAvailable, type ClickHouseCluster } from '../helpers/services/clickhouse.js';
import { DIFFERENTIAL_INPUTS, allExpressions, differential, rulesTableDifferential, labelsAgree, rejection, assertSameAnalysis, type EngineSummary } from './sql-differential.js';
import { corpus, ROOT } from '../helpers/paths.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { ingestFile } from '../../src/commands/ingest.js';
import { spreadWalker } from './ingest-data.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), ...args], { encoding: 'utf8' });

const test = suite('the Rules language on a 2-shard ClickHouse cluster');
let ch: ClickHouseCluster | undefined;

// uvu does not report an error thrown in a hook: the first test starts the cluster
test('two clickhouse-server shards start on loopback', async () => {
  assert.ok(clickhouseAvailable(), 'clickhouse-server is not installed: run scripts/setup.sh (Debian package clickhouse-server)');
  ch = await startClickHouse(2);
});
test.after(async () => {
  await ch?.stop();
});

test('ingest spreads the rows over both shards and every expression matches the rows the in-memory engine matches', async () => {
  const c = ch as ClickHouseCluster;
  const front = new ClickHouse({ url: c.urls[0] as string });
  const shards = c.urls.map((url) => new ClickHouse({ url }));
  let total = 0;
  for (const [i, [name, file]] of DIFFERENTIAL_INPUTS.entries()) {
    const { table } = await loadTraffic(file);
    const rep = await ingest(front, table, `t${i}`, { cluster: c.cluster, shards, batchRows: 20_000 });
    assert.is(rep.rows, table.numRows());
    assert.is(rep.shards, 2);
    // each shard holds part of the rows, and together all of them
    const counts = await Promise.all(shards.map(async (s) => Number((await s.query<{ n: number }>(`SELECT count() AS n FROM t${i}_local`)).rows[0]?.n)));
    assert.is(counts.reduce((a, b) => a + b, 0), table.numRows(), `${name}: rows on the shards`);
    if (table.numRows() > 1000) assert.ok(counts.every((n) => n > 0), `${name}: both shards hold rows (${counts.join(' / ')})`);
    const remote = await openRemote(front, `t${i}`);
    assert.is(remote.shards, 2);
    total += (await differential(remote, table, allExpressions(), `${name} (clickhouse)`)).ran;
    await labelsAgree(remote, table, `${name} (clickhouse)`);
    const sum = await remoteScore(remote);
    assert.equal(sum.labels, score(table).counts, `${name}: label counts`);
    assert.is(sum.partial, false);
  }
  assert.ok(total > 150, `ran ${total} expression/input pairs`);
});

test("every expression of the Rules tests matches the in-memory rows on their own table on the cluster, or is refused where SQL_REFUSED_FUNCTIONS says", async () => {
  const c = ch as ClickHouseCluster;
  const front = new ClickHouse({ url: c.urls[0] as string });
  const count = await rulesTableDifferential(front, 'clickhouse 18.16 cluster', { cluster: c.cluster, shards: c.urls.map((url) => new ClickHouse({ url })) });
  console.log(`  Rules tests' expressions on the cluster: ${count.ran} compared, ${count.refused} refused, ${count.notApplicable} not applicable`);
});

test('rule test returns the in-memory summary, and a cell handle pulls back only the summary', async () => {
  const c = ch as ClickHouseCluster;
  const remote = await clickhouse(c.urls[1] as string, 't1');
  const expr = 'http.request.method in {"OPTIONS" "PROPFIND"} and ip.src eq 82.82.97.119';
  const r = await remoteRuleTest(remote, expr);
  const { table } = await loadTraffic(corpus('honeynet-redhat-apache-logs/access_log.24'));
  const m = matchRows(table, expr);
  assert.is(r.matched, m.reduce((a, b) => a + b, 0));
  assert.is(r.total, table.numRows());
  assert.ok(r.matched > 6000);
  assert.ok(r.labels.good + r.labels.suspicious + r.labels.malicious === r.matched);
  assert.equal((await remoteMatches(remote, expr, { limit: 3 })).length, 3);
});

test('runbook ingest, rule test --engine and classify --engine on the cluster print the in-memory summary shapes', () => {
  const c = ch as ClickHouseCluster;
  const file = corpus('honeynet-redhat-apache-logs/access_log.18');
  const ing = cli('ingest', file, '--clickhouse', c.urls[0] as string, '--table', 'cli', '--cluster', c.cluster, '--shard', c.urls[0] as string, '--shard', c.urls[1] as string, '--json');
  assert.is(ing.status, 0, ing.stderr);
  const rep = JSON.parse(ing.stdout) as { rows: number; shards: number; load: { rowsLoaded: number } };
  assert.is(rep.rows, 967);
  assert.is(rep.shards, 2);
  const rt = cli('rule', 'test', 'http.request.method eq "PROPFIND"', '--engine', 'clickhouse', '--clickhouse', c.urls[1] as string, '--table', 'cli', '--json');
  assert.is(rt.status, 0, rt.stderr);
  const mem = cli('rule', 'test', 'http.request.method eq "PROPFIND"', file, '--json');
  assert.equal(JSON.parse(rt.stdout).matched, JSON.parse(mem.stdout).matched);
  assert.equal(JSON.parse(rt.stdout).labels, JSON.parse(mem.stdout).labels);
  const cl = cli('classify', '--engine', 'clickhouse', '--clickhouse', c.urls[0] as string, '--table', 'cli', '--json');
  assert.is(cl.status, 0, cl.stderr);
  const memc = cli('classify', file, '--json');
  const remoteSum = JSON.parse(cl.stdout) as Record<string, unknown>;
  const memSum = JSON.parse(memc.stdout) as Record<string, unknown>;
  assert.is(remoteSum['rows'], 967);
  // every key of the in-memory summary is there
  for (const k of Object.keys(memSum).filter((k) => k !== 'behaviour')) assert.ok(k in remoteSum, `summary key ${k}`);
  // the table fits the sample cap: it comes back whole from both shards and the analysis is the in-memory one
  assertSameAnalysis(['--engine', 'clickhouse', '--clickhouse', c.urls[0] as string, '--table', 'cli'], file, 'access_log.18 (2-shard clickhouse)');
  const text = cli('classify', '--engine', 'clickhouse', '--clickhouse', c.urls[0] as string, '--table', 'cli');
  assert.match(text.stdout, /Attack clusters:\n[\s\S]*Proposed mitigations/);
  assert.not.match(text.stdout, /Not computed on the/);
  // past a cap, the sample's SQL (buckets by cityHash64 of the source) on 18.16: bounded, said so
  const part = cli('classify', '--engine', 'clickhouse', '--clickhouse', c.urls[0] as string, '--table', 'cli', '--sample-rows', '400', '--json');
  assert.is(part.status, 0, part.stderr);
  const ps = JSON.parse(part.stdout) as EngineSummary;
  assert.is(ps.sample?.whole, false);
  assert.ok((ps.sample?.rows ?? 0) <= 400 && (ps.sample?.rows ?? 0) > 0, `sample of ${ps.sample?.rows} rows`);
  assert.match(ps.notes.join('\n'), /computed on a sample of \d+ rows: all requests of \d+ of \d+ sources/);
  const bad = cli('rule', 'test', 'http.request.method eq', '--engine', 'clickhouse', '--clickhouse', c.urls[0] as string, '--table', 'cli');
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /RuleSyntaxError/);
  const down = cli('classify', '--engine', 'clickhouse', '--clickhouse', 'http://127.0.0.1:9', '--table', 'cli');
  assert.is(down.status, 1);
  assert.match(down.stderr, /does not answer/);
  assert.not.match(down.stderr, /internal error|\n\s+at /);
});

test('a chunked ingest of a file onto the cluster with --behaviour whole stores behaviour over the whole file: the in-memory labels, a walker spread over the chunks included', async () => {
  const c = ch as ClickHouseCluster;
  const front = new ClickHouse({ url: c.urls[0] as string });
  const shards = c.urls.map((url) => new ClickHouse({ url }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-ch-chunks-'));
  try {
    const file = path.join(dir, 'walker.ndjson');
    const chunk = spreadWalker(file);
    const { table } = await loadTraffic(file);
    const { ingest: rep } = await ingestFile(front, file, 'walk', { chunkRows: chunk, cluster: c.cluster, shards, behaviour: 'whole' });
    assert.ok(rep.chunks >= 4 && rep.windows === 1, `${rep.chunks} chunks, ${rep.windows} window`);
    const remote = await openRemote(front, 'walk');
    assert.is(remote.shards, 2);
    await labelsAgree(remote, table, 'chunked ingest on the cluster');
    const sum = await remoteScore(remote);
    assert.equal(sum.labels, score(table).counts);
    assert.ok(sum.labels.malicious >= 48, 'the walker is malicious');
    assert.equal(sum.notes, [], 'no note of per-window behaviour');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a shard that is down fails the query naming it, or with skipUnavailableShards the answer says it is partial', async () => {
  const c = ch as ClickHouseCluster;
  await c.stopShard(1);
  const front = new ClickHouse({ url: c.urls[0] as string });
  const remote = await openRemote(front, 't1');
  const e = await rejection(() => remoteRuleTest(remote, 'http.request.method eq "GET"'));
  assert.instance(e, SqlEngineError);
  assert.match(e.message, /shard of the cluster did not answer: .*127\.0\.0\.1:\d+/);
  const partial = await remoteRuleTest({ ...remote, skipUnavailableShards: true }, 'http.request.method eq "GET"');
  assert.is(partial.partial, true, 'the summary says it is partial');
  assert.ok(partial.total > 0 && partial.total < 9344, `only one shard's rows (${partial.total})`);
  // classify --engine with the analysis: refused whole without the flag, partial with it
  const args = ['classify', '--engine', 'clickhouse', '--clickhouse', c.urls[0] as string, '--table', 'cli'];
  const refused = cli(...args, '--json');
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /shard of the cluster did not answer/);
  const r = cli(...args, '--skip-unavailable-shards', '--json');
  assert.is(r.status, 0, r.stderr);
  const sum = JSON.parse(r.stdout) as EngineSummary;
  assert.is(sum.partial, true, 'the summary says partial');
  assert.ok(sum.rows > 0 && sum.rows < 967, `only one shard's rows (${sum.rows})`);
  assert.ok(sum.sample !== null && sum.sample.rows <= sum.rows, 'the sample is of the answering shard');
  const text = cli(...args, '--skip-unavailable-shards');
  assert.match(text.stdout, /PARTIAL: some shards did not answer/);
});

test('a URL that does not answer and a table of another schema are refused before any work', async () => {
  const c = ch as ClickHouseCluster;
  const e = await rejection(() => clickhouse('http://127.0.0.1:9/', 't0'));
  assert.match(e.message, /ClickHouse server at http:\/\/127\.0\.0\.1:9 does not answer/);
  const front = new ClickHouse({ url: c.urls[0] as string });
  await front.exec('CREATE TABLE other (a UInt8) ENGINE = Memory');
  assert.match((await rejection(() => openRemote(front, 'other'))).message, /not written by runbook ingest/);
  assert.match((await rejection(() => clickhouse('ftp://x', 't0'))).message, /invalid ClickHouse URL/);
});

test('a server that takes a connection and never answers fails after the timeout with a message saying so and how to give it longer', async () => {
  // a listener on loopback that accepts and says nothing (a query still running on a busy cluster)
  const net = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const server = net.createServer((s) => void sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  try {
    const slow = new ClickHouse({ url: `http://127.0.0.1:${port}`, timeoutMs: 500 });
    const e = await rejection(() => slow.query('SELECT 1'));
    assert.instance(e, SqlEngineError);
    assert.match(e.message, /gave no answer within 0\.5 s.*--timeout SECONDS/);
    await slow.close();
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.run();
