import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import zlib from 'node:zlib';
import { loadLogpush, loadFirewallEvents, timestampMs, FIELD } from '../../src/traffic/index.js';
import { rows, tempDir } from './helpers.js';
import { DictionaryColumn } from '../../src/traffic/dictionary.js';

const LINE = (o: Record<string, unknown>, extra = '') => JSON.stringify(o).replace(/}$/, `${extra}}`);
const BASE = {
  RayID: '8a1b2c3d4e5f6071',
  ClientIP: '198.51.100.23',
  ClientASN: 64500,
  ClientCountry: 'de',
  ClientRequestHost: 'shop.example.com',
  ClientRequestMethod: 'POST',
  ClientRequestURI: '/login?next=%2Faccount',
  ClientRequestProtocol: 'HTTP/2',
  ClientRequestUserAgent: 'python-requests/2.31.0',
  ClientRequestReferer: '',
  ClientRequestSource: 'eyeball',
  EdgeResponseStatus: 403,
  BotScore: 2,
  VerifiedBotCategory: '',
  JA3Hash: 'cd08e31494f9531f560d64c695473da9',
  JA4: 't13d1312h2_e8a523a41297_ef7df7f74e48',
  JA4Signals: { browser_ratio_1h: 0.02 },
  SecurityActions: ['block'],
  RequestHeaders: { 'Accept-Language': '', 'x-forwarded-for': '198.51.100.23' },
  Cookies: { __cf_bm: 'abc' },
};

const ts = suite('timestampMs');

ts('a unixnano integer beyond MAX_SAFE_INTEGER is cut to ms from its digits, not rounded', () => {
  const line = '{"EdgeStartTimestamp":1714564803123456789}';
  const parsed = JSON.parse(line) as { EdgeStartTimestamp: number };
  // the float JSON.parse produced is off; the raw digits are not
  assert.is.not(BigInt(parsed.EdgeStartTimestamp), BigInt('1714564803123456789'));
  assert.is(timestampMs(parsed.EdgeStartTimestamp, line, 'EdgeStartTimestamp'), 1714564803123);
});

ts('rfc3339, unix seconds and millisecond integers all become ms since epoch', () => {
  assert.is(timestampMs('2024-05-01T12:00:03Z', '', 'x'), 1714564803000);
  assert.is(timestampMs('2024-05-01T12:00:03.123456789Z', '', 'x'), 1714564803123);
  assert.is(timestampMs(1714564803, '', 'x'), 1714564803000);
  assert.is(timestampMs(1714564803123, '', 'x'), 1714564803123);
  assert.is(timestampMs('1714564803123456789', '', 'x'), 1714564803123);
  assert.is(timestampMs('', '', 'x'), null);
});

ts.run();

const lp = suite('loadLogpush');

lp('maps Logpush fields to Rules-language columns and keeps unknown fields under their names', async () => {
  const t = tempDir();
  try {
    const f = t.file('a.ndjson', `${LINE(BASE, ',"EdgeStartTimestamp":1714564803123456789')}\n`);
    const { table, report } = await loadLogpush(f);
    assert.is(report.rowsLoaded, 1);
    const [r] = rows(table);
    assert.ok(r);
    assert.is(r[FIELD.timestamp], 1714564803123);
    assert.is(r[FIELD.ipSrc], '198.51.100.23');
    assert.is(r[FIELD.asn], 64500);
    assert.is(r[FIELD.country], 'DE');
    assert.is(r[FIELD.path], '/login');
    assert.is(r[FIELD.query], 'next=%2Faccount');
    assert.is(r[FIELD.uri], '/login?next=%2Faccount');
    assert.is(r[FIELD.referer], null, "'' is missing: null");
    assert.is(r[FIELD.status], 403);
    assert.is(r[FIELD.botScore], 2);
    assert.is(r[FIELD.verifiedBot], false);
    assert.equal(r[FIELD.headers], { 'x-forwarded-for': ['198.51.100.23'] });
    assert.equal(r[FIELD.cookies], { __cf_bm: ['abc'] });
    assert.is(r[FIELD.cookie], '__cf_bm=abc');
    assert.is(r.ClientRequestSource, 'eyeball');
    assert.equal(r.JA4Signals, { browser_ratio_1h: 0.02 });
    assert.equal(r.SecurityActions, ['block']);
  } finally {
    t.done();
  }
});

lp('the byte scanner and the JSON.parse path produce identical tables', async () => {
  const t = tempDir();
  try {
    const lines = [
      LINE(BASE, ',"EdgeStartTimestamp":1714564803123456789'),
      LINE({ ...BASE, ClientRequestUserAgent: 'quote " and \\ and \u00e9 and \ud83d\ude00', ClientASN: null }, ',"EdgeStartTimestamp":"2024-05-01T12:00:03Z"'),
      LINE({ RayID: 'x', VerifiedBotCategory: 'Search Engine Crawler', EdgeEndTimestamp: 1714564803 }),
      ' { "RayID" : "spaces" , "BotScore" : 5 } ',
      LINE({ ...BASE, BotScore: '17', EdgeResponseStatus: 200.5 }),
      // numbers the one-pass integer reader must hand on: exponent, 16 and 15 digits, negative, zero
      '{"RayID":"n1","EdgeResponseStatus":2e2,"ClientASN":1234567890123456,"BotScore":-3}',
      '{"RayID":"n2","EdgeResponseStatus":0,"ClientASN":123456789012345,"BotScore":1E1}',
    ];
    const f = t.file('b.ndjson', lines.join('\n'));
    const fast = await loadLogpush(f);
    const slow = await loadLogpush(f, { fast: false });
    assert.is(fast.report.rowsLoaded, 7);
    assert.equal([rows(fast.table)[5]?.[FIELD.status], rows(fast.table)[5]?.[FIELD.asn], rows(fast.table)[5]?.[FIELD.botScore]], [200, 1234567890123456, -3]);
    assert.equal([rows(fast.table)[6]?.[FIELD.status], rows(fast.table)[6]?.[FIELD.asn], rows(fast.table)[6]?.[FIELD.botScore]], [0, 123456789012345, 10]);
    assert.equal(rows(fast.table), rows(slow.table));
    assert.is(rows(fast.table)[1]?.[FIELD.userAgent], 'quote " and \\ and \u00e9 and \ud83d\ude00');
    assert.is(rows(fast.table)[2]?.[FIELD.timestamp], 1714564803000, 'EdgeEndTimestamp stands in when there is no start');
    assert.is(rows(fast.table)[2]?.[FIELD.verifiedBot], true);
  } finally {
    t.done();
  }
});

lp('header and cookie maps, URIs and repeating columns load the same on both paths at scale', async () => {
  const t = tempDir();
  try {
    // 30,000 rows: enough distinct URIs, cookies and ray ids for every interner to give up and
    // every near-unique column to stop being a dictionary part-way through the file.
    const lines: string[] = [];
    const headerShapes: unknown[] = [
      { 'Accept-Language': 'en-US', 'User-Agent': 'x' },
      { 'accept-language': ['de', 'en'], 'X-A': '' },
      { 'X-Dup': 'a', 'x-dup': 'b' },
      { 'x-num': [1, 'two'] },
      { 'x-esc': 'quote \" inside', 'x-utf': 'caf\u00e9' },
      {},
    ];
    // (npm run test:fast, TEST_FAST=1: 3,000 rows; the full run keeps 30,000)
    const N = process.env.TEST_FAST ? 3000 : 30000;
    for (let i = 0; i < N; i++) {
      const cookies = i % 7 === 0 ? {} : i % 11 === 0 ? { a: ['1', '2'], b: '' } : { __cf_bm: `v${i % 9000}`, session: i % 3 === 0 ? 's' : `t${i}` };
      const uri = i % 19 === 0 ? `/q"uote/${i % 7}?a=\\${i % 3}` : i % 13 === 0 ? `/p%3Fx?q=${i}` : i % 5 === 0 ? `/static/app.js?cb=${i}` : `/page/${i % 300}${i % 4 === 0 ? '?' : ''}`;
      const rec = { ...BASE, RayID: `r${i}`, ClientIP: `10.0.${i % 50}.${i % 200}`, ClientRequestURI: uri, ClientRequestPath: undefined, Cookies: cookies, RequestHeaders: headerShapes[i % headerShapes.length], ClientRequestUserAgent: i % 17 === 0 ? 'ua "quoted"' : `ua/${i % 40}` };
      let line = JSON.stringify(rec);
      if (i % 6 === 4) line = line.replace('"x-esc":"quote \\\" inside"', '"x-esc":"quote \\" inside"');
      lines.push(line);
    }
    lines.push('{"RayID":"dup","Cookies":{"k":"1","k":"2"},"RequestHeaders":{"A":"1","a":"2","A":"3"}}');
    const f = t.file('scale.ndjson', `${lines.join('\n')}\n`);
    const fast = await loadLogpush(f);
    const slow = await loadLogpush(f, { fast: false });
    const parallel = await loadLogpush(f, { workers: 3, chunkBytes: 64 << 10 });
    assert.is(fast.report.rowsLoaded, N + 1);
    assert.equal(rows(fast.table), rows(slow.table));
    assert.equal(rows(parallel.table), rows(fast.table), 'three threads stitch the same table');
    assert.equal(parallel.table.columnNames(), fast.table.columnNames());
    // maps cross threads as copies: the copies add no values to a dictionary (strings: the same
    // values; maps: no more than one thread stores, which keeps a map once while it repeats)
    const pd = parallel.table.data() as Record<string, unknown>;
    const fd = fast.table.data() as Record<string, unknown>;
    let mapColumns = 0;
    for (const n of fast.table.columnNames()) {
      const [p, q] = [pd[n], fd[n]];
      if (!(p instanceof DictionaryColumn && q instanceof DictionaryColumn)) continue;
      if (q.values.some((v) => v !== null && typeof v === 'object')) {
        mapColumns++;
        assert.ok(p.values.length <= q.values.length, `${n}: ${p.values.length} maps with three threads, ${q.values.length} with one`);
      } else assert.is(p.values.length, q.values.length, `${n}: each value once`);
    }
    assert.ok(mapColumns >= 2, 'header and cookie maps were compared');
    const last = rows(fast.table)[N] ?? {};
    assert.equal(last[FIELD.cookies], { k: ['2'] }, 'JSON.parse semantics: the last of equal keys wins');
    assert.equal(last[FIELD.headers], { a: ['3', '2'] });
  } finally {
    t.done();
  }
});

lp('bad lines are reported with line number and reason and the rest is loaded', async () => {
  const t = tempDir();
  try {
    const good = LINE(BASE);
    const parts: Buffer[] = [
      Buffer.from(`${good}\n`), // 1
      Buffer.from(`${good.slice(0, 40)}\n`), // 2 truncated
      Buffer.concat([Buffer.from('{"RayID":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]), // 3 invalid UTF-8
      Buffer.from(`{"RayID":"${'a'.repeat(10 * 1024 * 1024)}"}\n`), // 4: 10 MB line
      Buffer.from([0x00, 0x01, 0x02, 0x89, 0x50, 0x4e, 0x47, 0x0a]), // 5 binary garbage
      Buffer.from('[1,2,3]\n'), // 6 not an object
      Buffer.from('\n'), // 7 blank
      Buffer.from(`${good}`), // 8 no trailing newline
    ];
    const f = t.file('bad.ndjson', Buffer.concat(parts));
    const { table, report } = await loadLogpush(f);
    assert.is(report.rowsRead, 8);
    assert.is(report.rowsLoaded, 2);
    assert.is(report.rowsSkipped, 6);
    assert.is(table.numRows(), 2);
    const byLine = Object.fromEntries(report.skipped.map((s) => [s.line, s.reason]));
    assert.match(byLine[2] ?? '', /invalid JSON/);
    assert.is(byLine[3], 'invalid UTF-8');
    assert.match(byLine[4] ?? '', /line longer than/);
    assert.match(byLine[5] ?? '', /^invalid (UTF-8|JSON)/);
    assert.is(byLine[6], 'JSON value is not an object');
    assert.is(byLine[7], 'blank line');
  } finally {
    t.done();
  }
});

lp('an empty file loads an empty table with a clean report', async () => {
  const t = tempDir();
  try {
    const { table, report } = await loadLogpush(t.file('empty.ndjson', ''));
    assert.is(table.numRows(), 0);
    assert.is(report.rowsRead, 0);
    assert.is(report.rowsSkipped, 0);
    assert.ok(table.columnNames().includes(FIELD.timestamp));
  } finally {
    t.done();
  }
});

lp('gzip input is decompressed; a cut gzip keeps the complete lines and reports the cut', async () => {
  const t = tempDir();
  try {
    const body = Array.from({ length: 2000 }, (_, i) => LINE({ ...BASE, RayID: `r${i}`, ClientRequestUserAgent: `ua-${i * 7919}` })).join('\n') + '\n';
    const gz = zlib.gzipSync(body);
    const whole = await loadLogpush(t.file('a.ndjson.gz', gz));
    assert.is(whole.report.rowsLoaded, 2000);
    const cut = await loadLogpush(t.file('b.ndjson.gz', gz.subarray(0, Math.floor(gz.length / 2))));
    assert.ok(cut.report.rowsLoaded > 0 && cut.report.rowsLoaded < 2000);
    assert.ok(Object.keys(cut.report.reasons).some((r) => r.startsWith('gzip:')), JSON.stringify(cut.report.reasons));
  } finally {
    t.done();
  }
});

lp('a Buffer source works like a file', async () => {
  const { table, report } = await loadLogpush(Buffer.from(`${LINE(BASE)}\n${LINE(BASE)}\n`));
  assert.is(report.source, '<buffer>');
  assert.is(table.numRows(), 2);
});

lp.run();

const fe = suite('loadFirewallEvents');

fe('firewall_events records use Datetime as the time and strip the query question mark', async () => {
  const rec = {
    Datetime: '2024-05-01T12:00:03Z',
    RayID: '8a1b2c3d4e5f6071',
    Action: 'block',
    Source: 'firewallcustom',
    ClientIP: '198.51.100.23',
    ClientCountry: 'de',
    ClientRequestPath: '/login',
    ClientRequestQuery: '?next=%2Faccount',
    ClientRequestUserAgent: 'python-requests/2.31.0',
    EdgeResponseStatus: 403,
    Metadata: {},
  };
  const { table, report } = await loadFirewallEvents(Buffer.from(`${JSON.stringify(rec)}\n`));
  assert.is(report.format, 'firewall_events');
  const [r] = rows(table);
  assert.is(r?.[FIELD.timestamp], 1714564803000);
  assert.is(r?.[FIELD.path], '/login');
  assert.is(r?.[FIELD.query], 'next=%2Faccount');
  assert.is(r?.Action, 'block');
  assert.equal(r?.Metadata, {});
});

fe.run();

const par = suite('loadLogpush with workers');

par('worker threads produce the same table and report (line numbers included) as one thread', async () => {
  const t = tempDir();
  try {
    // a bad line in each half
    const good = LINE(BASE, ',"EdgeStartTimestamp":1714564803123456789');
    const lines: string[] = [];
    while (lines.length < 3000) lines.push(lines.length % 1000 === 7 ? '{bad' : good.replace('8a1b2c3d4e5f6071', `r${lines.length}`));
    const f = t.file('big.ndjson', lines.join('\n') + '\n');
    const one = await loadLogpush(f, { workers: 1 });
    // whole halves, and pieces of a few KB that the threads claim one at a time
    for (const opts of [{ workers: 2 }, { workers: 2, chunkBytes: 4096 }, { workers: 3, chunkBytes: 2048 }]) {
      const two = await loadLogpush(f, opts);
      assert.ok(two.report.rowsSkipped >= 2);
      assert.equal({ ...two.report, durationMs: 0 }, { ...one.report, durationMs: 0 }, JSON.stringify(opts));
      assert.equal(two.table.columnNames(), one.table.columnNames());
      for (const n of one.table.columnNames()) assert.equal(Array.from(two.table.array(n) as ArrayLike<unknown>), Array.from(one.table.array(n) as ArrayLike<unknown>), n);
    }
  } finally {
    t.done();
  }
});

par.run();
