/**
 * Streamed ingest: a traffic file read in chunks of lines (traffic/chunks.ts) and written chunk
 * after chunk (ingestStream), on DuckDB in process. A file bigger than the chunk size gives the
 * same rows as a one-shot load, a malformed line is reported at its line in the file while the
 * other rows land, the CSV header travels with the chunks, and the SQL engine matches the same
 * rows as the in-memory engine on the whole file, behaviour.* included: `runbook ingest` reads a
 * file of several chunks twice, the first time for behaviour over the whole file, so its labels
 * are the in-memory labels of the whole file even where an actor's requests are spread over the
 * chunks. Chunks given as a stream of tables (a source that cannot be read twice) keep per-chunk
 * behaviour windows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ColumnTable } from 'arquero';
import { loadTraffic, mergeReports, trafficChunks } from '../../src/traffic/index.js';
import { matchRows, score } from '../../src/classify/index.js';
import { DuckDb, ingest, ingestStream, openRemote, remoteLabels, remoteMatches, remoteScore } from '../../src/classify/sql/index.js';
import { ingestFile } from '../../src/commands/ingest.js';
import { allExpressions, differential, labelsAgree } from './sql-differential.js';
import { spreadWalker, WALKER_IP } from './ingest-data.js';
import { ROOT } from '../helpers/paths.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-chunks-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

// the bundled L7 Logpush sample (14,946 rows) with a malformed line as line 5,001
const sample = zlib.gunzipSync(fs.readFileSync(path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz'))).toString('utf8').split('\n');
const BAD_LINE = 5001;
const lines = [...sample.slice(0, BAD_LINE - 1), '{"RayID": "broken", "ClientIP": ', ...sample.slice(BAD_LINE - 1)];
const file = path.join(dir, 'logpush.ndjson');
fs.writeFileSync(file, lines.join('\n'));
const CHUNK = 4000;

const ones = (mask: ArrayLike<number>): number[] => {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(i);
  return out;
};
const column = (t: ColumnTable, name: string): unknown[] => Array.from(t.array(name) as ArrayLike<unknown>);

const Chunks = suite('trafficChunks');

Chunks('a file bigger than the chunk size comes in several chunks with the same rows as a one-shot load', async () => {
  const whole = await loadTraffic(file);
  const tables: ColumnTable[] = [];
  const reports = [];
  for await (const c of trafficChunks(file, { rows: CHUNK })) {
    assert.ok(c.table.numRows() <= CHUNK, `chunk ${c.index} holds at most ${CHUNK} rows`);
    tables.push(c.table);
    reports.push(c.report);
  }
  assert.is(tables.length, Math.ceil(lines.length / CHUNK));
  const rows = tables.reduce((n, t) => n + t.numRows(), 0);
  assert.is(rows, whole.table.numRows());
  assert.equal(tables.flatMap((t) => column(t, 'cf.ray_id')), column(whole.table, 'cf.ray_id'));
  assert.equal(tables.flatMap((t) => column(t, 'timestamp')), column(whole.table, 'timestamp'));
  assert.equal(tables.flatMap((t) => column(t, 'http.request.uri.path')), column(whole.table, 'http.request.uri.path'));
  const merged = mergeReports(reports, file);
  assert.is(merged.rowsLoaded, whole.report.rowsLoaded);
  assert.is(merged.rowsSkipped, 1);
});

Chunks('a malformed line is reported at its line in the file, in the chunk that holds it, and the other rows load', async () => {
  const whole = await loadTraffic(file);
  assert.is(whole.report.skipped[0]?.line, BAD_LINE, 'the one-shot load agrees on the line');
  const skipped = [];
  for await (const c of trafficChunks(file, { rows: CHUNK })) {
    for (const s of c.report.skipped) skipped.push({ chunk: c.index, ...s });
  }
  assert.is(skipped.length, 1);
  assert.is(skipped[0]?.line, BAD_LINE);
  assert.is(skipped[0]?.chunk, Math.floor((BAD_LINE - 1) / CHUNK));
  assert.match(skipped[0]?.reason ?? '', /JSON/);
});

Chunks('a CSV header travels with every chunk, and a line over maxLineBytes is reported without being kept whole', async () => {
  const csv = path.join(dir, 'flows.csv');
  const body = ['# exported flows', 'ClientIP,ClientRequestPath,EdgeResponseStatus'];
  for (let i = 0; i < 25; i++) body.push(i === 13 ? `10.0.0.${i},/${'x'.repeat(3000)},200` : `10.0.0.${i},/p${i},${200 + i}`);
  fs.writeFileSync(csv, `${body.join('\n')}\n`);
  const whole = await loadTraffic(csv, { format: 'csv', maxLineBytes: 1024 });
  const got: unknown[] = [];
  const skipped: number[] = [];
  for await (const c of trafficChunks(csv, { format: 'csv', rows: 4, maxLineBytes: 1024 })) {
    got.push(...column(c.table, 'ip.src'));
    skipped.push(...c.report.skipped.map((s) => s.line));
  }
  assert.is(got.length, 24);
  assert.equal(got, column(whole.table, 'ip.src'));
  // the comment line (1) and the long line (16), as the one-shot load reports them
  assert.equal(skipped, [1, 16]);
  assert.equal(whole.report.skipped.map((s) => s.line), [1, 16]);
  assert.match(whole.report.skipped[1]?.reason ?? '', /longer than 1024 bytes/);
});

Chunks.run();

const Stream = suite('ingestStream (runbook ingest) on DuckDB');

Stream('a chunked ingest with --behaviour whole stores the same rows as a one-shot ingest and matches what the in-memory engine matches on the whole file', async () => {
  const db = await DuckDb.open();
  try {
    const { table } = await loadTraffic(file);
    await ingest(db, table, 'once');
    const { ingest: rep, load } = await ingestFile(db, file, 'chunked', { chunkRows: CHUNK, batchRows: 1500, behaviour: 'whole' });
    assert.is(rep.chunks, Math.ceil(lines.length / CHUNK));
    assert.ok(rep.batches > rep.chunks, 'chunks are cut into batches');
    assert.is(rep.rows, table.numRows());
    assert.is(load.rowsSkipped, 1);
    assert.is(load.skipped[0]?.line, BAD_LINE);
    const rowsOf = async (t: string) => (await db.query<{ r: bigint; ray: string }>(`SELECT "__row" AS r, "cf__ray_id" AS ray FROM ${t} ORDER BY "__row"`)).rows.map((x) => `${Number(x.r)}:${x.ray}`);
    assert.equal(await rowsOf('chunked'), await rowsOf('once'));
    const windows = await db.query<{ n: bigint }>('SELECT count(DISTINCT "__ingest") AS n FROM chunked');
    assert.is(Number(windows.rows[0]?.n), 1, 'one behaviour window: the whole file');
    assert.is(rep.windows, 1);
    // every expression, behaviour.* included: the same rows as in memory on the whole file
    const remote = await openRemote(db, 'chunked');
    const count = await differential(remote, table, allExpressions(), 'chunked ingest');
    assert.ok(count.ran > 50, `${count.ran} expressions compared`);
    assert.ok(allExpressions().filter((e) => e.includes('behaviour.')).length > 10, 'behaviour expressions among them');
    await labelsAgree(remote, table, 'chunked ingest');
    assert.equal((await remoteScore(remote)).notes, [], 'no note of per-window behaviour');
  } finally {
    await db.close();
  }
});

Stream('chunks given as a stream of tables, or a file ingested with the default behaviour scope (per chunk), have behaviour.* per chunk (a window each), and the summary says so', async () => {
  const db = await DuckDb.open();
  try {
    const tables: ColumnTable[] = [];
    for await (const c of trafficChunks(file, { rows: CHUNK })) tables.push(c.table);
    const rep = await ingestStream(db, tables, 'win');
    assert.is(rep.windows, tables.length);
    const expr = allExpressions().find((e) => e.includes('behaviour.ip.requests')) ?? 'behaviour.ip.requests gt 50';
    const perChunk: number[] = [];
    let offset = 0;
    for (const t of tables) {
      perChunk.push(...ones(matchRows(t, expr)).map((r) => r + offset));
      offset += t.numRows();
    }
    const remote = await openRemote(db, 'win');
    assert.equal(await remoteMatches(remote, expr), perChunk);
    assert.ok(perChunk.length > 0, `${expr} matches rows`);
    assert.match((await remoteScore(remote)).notes.join('\n'), /over each of 4 windows/);
    const { ingest: rep2 } = await ingestFile(db, file, 'perchunk', { chunkRows: CHUNK });
    assert.is(rep2.windows, tables.length);
    assert.equal(await remoteMatches(await openRemote(db, 'perchunk'), expr), perChunk);
  } finally {
    await db.close();
  }
});

Stream('a walker whose requests are spread over the chunks, and crosses the behaviour thresholds only over the whole file, is labelled as in memory', async () => {
  const walker = path.join(dir, 'walker.ndjson');
  const chunk = spreadWalker(walker);
  const db = await DuckDb.open();
  try {
    const { table } = await loadTraffic(walker);
    const { ingest: rep } = await ingestFile(db, walker, 'walk', { chunkRows: chunk, behaviour: 'whole' });
    assert.ok(rep.chunks >= 4, `${rep.chunks} chunks`);
    const remote = await openRemote(db, 'walk');
    await labelsAgree(remote, table, 'chunked ingest of the walker');
    const ips = column(table, "ip.src");
    const walkerRows = ips.flatMap((ip, r) => (ip === WALKER_IP ? [r] : []));
    assert.is(walkerRows.length, 48);
    const memory = score(table).labelCodes;
    assert.ok(walkerRows.every((r) => memory[r] === 2), 'the walker is malicious over the whole file');
    // per chunk (a stream of tables) the walker does not cross the thresholds: the test has teeth
    const tables: ColumnTable[] = [];
    for await (const c of trafficChunks(walker, { rows: chunk })) tables.push(c.table);
    await ingestStream(db, tables, 'walk_win');
    const perWindow = await remoteLabels(await openRemote(db, 'walk_win'));
    assert.ok(walkerRows.every((r) => perWindow.get(r) !== 2), 'per chunk window the walker is not malicious');
    assert.equal((await remoteScore(remote)).notes, []);
  } finally {
    await db.close();
  }
});

Stream.run();
