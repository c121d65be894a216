/**
 * Streamed ingest: a traffic file read in chunks of lines (traffic/chunks.ts) and written chunk
 * after chunk (ingestStream), on DuckDB in process. A file bigger than the chunk size gives the
 * same rows as a one-shot load, a malformed line is reported at its line in the file while the
 * other rows land, the CSV header travels with the chunks, and the SQL engine matches the same
 * rows as the in-memory engine on the whole file (behaviour.* per chunk window: the same rows as
 * in memory on each chunk's own rows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ColumnTable } from 'arquero';
import { loadTraffic, mergeReports, trafficChunks } from '../../src/traffic/index.js';
import { matchRows } from '../../src/classify/index.js';
import { DuckDb, ingest, openRemote, remoteMatches } from '../../src/classify/sql/index.js';
import { ingestFile } from '../../src/commands/ingest.js';
import { allExpressions, differential } from './sql-differential.js';
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

Stream('a chunked ingest stores the same rows as a one-shot ingest and matches what the in-memory engine matches on the whole file', async () => {
  const db = await DuckDb.open();
  try {
    const { table } = await loadTraffic(file);
    await ingest(db, table, 'once');
    const { ingest: rep, load } = await ingestFile(db, file, 'chunked', { chunkRows: CHUNK, batchRows: 1500 });
    assert.is(rep.chunks, Math.ceil(lines.length / CHUNK));
    assert.ok(rep.batches > rep.chunks, 'chunks are cut into batches');
    assert.is(rep.rows, table.numRows());
    assert.is(load.rowsSkipped, 1);
    assert.is(load.skipped[0]?.line, BAD_LINE);
    const rowsOf = async (t: string) => (await db.query<{ r: bigint; ray: string }>(`SELECT "__row" AS r, "cf__ray_id" AS ray FROM ${t} ORDER BY "__row"`)).rows.map((x) => `${Number(x.r)}:${x.ray}`);
    assert.equal(await rowsOf('chunked'), await rowsOf('once'));
    const windows = await db.query<{ n: bigint }>('SELECT count(DISTINCT "__ingest") AS n FROM chunked');
    assert.is(Number(windows.rows[0]?.n), rep.chunks, 'one behaviour window per chunk');
    // every expression that reads no behaviour.* field: the same rows as in memory on the whole file
    const rowLocal = allExpressions().filter((e) => !e.includes('behaviour.'));
    const count = await differential(await openRemote(db, 'chunked'), table, rowLocal, 'chunked ingest');
    assert.ok(count.ran > 50, `${count.ran} expressions compared`);
  } finally {
    await db.close();
  }
});

Stream('behaviour.* fields of a chunked ingest are those of each chunk on its own rows (a window), and of the whole file in one chunk', async () => {
  const db = await DuckDb.open();
  try {
    await ingestFile(db, file, 'win', { chunkRows: CHUNK });
    await ingestFile(db, file, 'one', { chunkRows: lines.length });
    const expr = allExpressions().find((e) => e.includes('behaviour.ip.requests')) ?? 'behaviour.ip.requests gt 50';
    const perChunk: number[] = [];
    let offset = 0;
    for await (const c of trafficChunks(file, { rows: CHUNK })) {
      perChunk.push(...ones(matchRows(c.table, expr)).map((r) => r + offset));
      offset += c.table.numRows();
    }
    const { table } = await loadTraffic(file);
    assert.equal(await remoteMatches(await openRemote(db, 'win'), expr), perChunk);
    assert.equal(await remoteMatches(await openRemote(db, 'one'), expr), ones(matchRows(table, expr)));
    assert.ok(perChunk.length > 0, `${expr} matches rows`);
  } finally {
    await db.close();
  }
});

Stream.run();
