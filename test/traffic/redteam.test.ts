/**
 * Every log, HAR and CSV the red-team pass left in ../shared/redteam-repro gives a result or a
 * clear error, fast, with exact row accounting (captures are tested with the pcap loader).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { FIELD, loadTraffic } from '../../src/traffic/index.js';
import { score } from '../../src/classify/index.js';
import { CORPUS } from '../helpers/paths.js';
import { rows, tempDir } from './helpers.js';

const REPRO = path.resolve(CORPUS, '../redteam-repro');
const test = suite('red-team reproductions (logs, HAR, CSV)');

/** Loads, checks the accounting and the time, then scores the table (where crashes used to surface). */
async function loadChecked(name: string) {
  const started = performance.now();
  const loaded = await loadTraffic(path.join(REPRO, name));
  const { report, table } = loaded;
  assert.is(report.rowsRead, report.rowsLoaded + report.rowsSkipped, name);
  assert.is(table.numRows(), report.rowsLoaded, name);
  score(table);
  assert.ok(performance.now() - started < 10_000, `${name} took over 10 s`);
  return loaded;
}

const LOGS = fs.readdirSync(REPRO).filter((f) => /\.(ndjson|ndjson\.gz|csv|har|log|json)$/.test(f) && f !== 'secrets.json');

test('the folder has the files this suite knows', () => {
  assert.equal(LOGS.sort(), [
    'bom.har',
    'csv-unterminated-quote.csv',
    'logpush-cookie-toString.ndjson',
    'logpush-deep10k.ndjson',
    'logpush-header-constructor.ndjson',
    'logpush-key-proto.ndjson',
    'logpush-ua-array.ndjson',
    'lp2000-trailing-garbage.ndjson.gz',
    'ua-backslash.ndjson',
  ]);
});

test('a cookie named toString, a header named constructor and a top-level __proto__ key are just names', async () => {
  const c = rows((await loadChecked('logpush-cookie-toString.ndjson')).table);
  assert.equal(c[0]?.[FIELD.cookies], { toString: ['x'] });
  assert.is(c[0]?.[FIELD.cookie], 'toString=x');
  const h = rows((await loadChecked('logpush-header-constructor.ndjson')).table);
  // (compared as JSON: a deep-equal that reads `.constructor` cannot compare a map with that key)
  assert.is(JSON.stringify(h[0]?.[FIELD.headers]), '{"constructor":["x"]}');
  const { table, report } = await loadChecked('logpush-key-proto.ndjson');
  assert.ok(table.columnNames().includes('[__proto__]'));
  assert.is(table.get('[__proto__]', 0), 'v');
  assert.equal(report.warnings, { 'a field named __proto__ is loaded as column [__proto__]': 1 });
  assert.is(table.get(FIELD.path, 1), '/y');
});

test('a user agent that is a JSON array loads as missing, with a warning that says so', async () => {
  const { table, report } = await loadChecked('logpush-ua-array.ndjson');
  assert.is(table.get(FIELD.userAgent, 0), null);
  assert.equal(Object.keys(report.warnings ?? {}), ['ClientRequestUserAgent was a JSON array, not a string: loaded as missing']);
  assert.is(typeof table.get(FIELD.userAgent, 1), 'string');
});

test('10k-deep JSON and a backslash user agent load and score', async () => {
  const deep = await loadChecked('logpush-deep10k.ndjson');
  assert.is(deep.report.rowsLoaded, 200);
  const ua = await loadChecked('ua-backslash.ndjson');
  assert.is(ua.report.rowsLoaded, 2);
});

test('gzip with trailing garbage loses no row and says how many bytes it ignored', async () => {
  const { report } = await loadChecked('lp2000-trailing-garbage.ndjson.gz');
  assert.is(report.rowsLoaded, 2000);
  assert.is(report.rowsSkipped, 0);
  assert.equal(report.warnings, { 'gzip: 9 bytes of trailing data after the last gzip member ignored': 1 });
});

test('a gzip with a bad CRC loads every row and says the data may be corrupt', async () => {
  const t = tempDir();
  try {
    const gz = zlib.gzipSync(Buffer.from('{"RayID":"a","ClientIP":"1.2.3.4"}\n{"RayID":"b","ClientIP":"1.2.3.5"}\n'));
    gz.writeUInt32LE((gz.readUInt32LE(gz.length - 8) ^ 1) >>> 0, gz.length - 8);
    const { report } = await loadTraffic(t.file('crc.ndjson.gz', gz));
    assert.is(report.rowsLoaded, 2);
    assert.match(Object.keys(report.warnings ?? {})[0] ?? '', /CRC mismatch in member 1/);
    // cut short: the lost part is one skipped row with the reason, and the accounting holds
    const cut = await loadTraffic(t.file('cut.ndjson.gz', gz.subarray(0, gz.length - 20)));
    assert.is(cut.report.rowsRead, cut.report.rowsLoaded + cut.report.rowsSkipped);
    assert.match(cut.report.skipped.at(-1)?.reason ?? '', /^gzip: /);
  } finally {
    t.done();
  }
});

test('one stray quote in a CSV costs its own line only, named by line number', async () => {
  const { report } = await loadChecked('csv-unterminated-quote.csv');
  assert.is(report.rowsLoaded, 309);
  const stray = report.skipped.find((s) => s.reason.startsWith('unterminated quoted field'));
  assert.is(stray?.line, 76); // the only line with an odd number of quotes
});

test('a HAR with a UTF-8 BOM loads', async () => {
  const { report } = await loadChecked('bom.har');
  assert.is(report.format, 'har');
  assert.is(report.rowsLoaded, 300);
});

test('row and decompressed-byte limits stop with a message naming the option', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `{"RayID":"r${i}","ClientIP":"10.0.0.${i % 250}"}`).join('\n');
  const { report } = await loadTraffic(Buffer.from(lines), { format: 'logpush', maxRows: 10 });
  assert.ok(report.rowsLoaded < 5000);
  assert.match(Object.keys(report.warnings ?? {}).join(' '), /maxRows/);
  const gz = await loadTraffic(zlib.gzipSync(Buffer.from(lines)), { format: 'logpush', maxDecompressedBytes: 1000 });
  assert.match(Object.keys(gz.report.warnings ?? {}).join(' '), /maxDecompressedBytes/);
  assert.is(gz.report.rowsRead, gz.report.rowsLoaded + gz.report.rowsSkipped);
});

test('a bad escape inside a Logpush string is one invalid-JSON row, not a crash of the byte scanner (found by the fuzz suite)', async () => {
  const { report } = await loadTraffic(Buffer.from('{"RayID":"a1","ClientIP":"1.2.3.4"}\n{"RayID":"a2","ClientIP":"1.2.3.5\\o)&"}\n'), { format: 'logpush' });
  assert.is(report.rowsLoaded, 1);
  assert.equal(report.reasons, { 'invalid JSON: Bad escaped character': 1 });
});

test('a Logpush CSV whose header names __proto__ and constructor loads those columns as data', async () => {
  const csv = 'RayID,ClientIP,__proto__,constructor\nr1,1.2.3.4,a,b\n';
  const { table, report } = await loadTraffic(Buffer.from(csv), { format: 'csv' });
  assert.is(report.rowsLoaded, 1);
  assert.is(table.get(FIELD.ipSrc, 0), '1.2.3.4');
  assert.is(table.get('[__proto__]', 0), 'a');
  assert.is(table.get('constructor', 0), 'b');
});

test.run();
