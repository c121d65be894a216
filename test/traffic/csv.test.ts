import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCsv, parseCsvRecord, FIELD } from '../../src/traffic/index.js';
import { rows } from './helpers.js';

const lc = suite('loadCsv');

lc('Logpush CSV with a header maps to canonical columns; unixnano stays exact', async () => {
  const csv = [
    'EdgeStartTimestamp,RayID,ClientIP,ClientRequestMethod,ClientRequestURI,EdgeResponseStatus,RequestHeaders',
    '1714564803123456789,"8a1b2c3d4e5f6071","198.51.100.23","GET","/a?b=1",200,"{""accept"":""*/*""}"',
    '1714564804000000000,"8a1b2c3d4e5f6072","198.51.100.24","POST","/login",403,""',
    '1714564804000000000,"short row"',
  ].join('\n');
  const { table, report } = await loadCsv(Buffer.from(csv));
  assert.is(report.rowsLoaded, 2);
  assert.equal(report.skipped, [{ line: 4, reason: 'has 2 fields, header has 7' }]);
  const [a, b] = rows(table);
  assert.is(a?.[FIELD.timestamp], 1714564803123);
  assert.is(a?.[FIELD.path], '/a');
  assert.is(a?.[FIELD.query], 'b=1');
  assert.is(a?.[FIELD.status], 200);
  assert.equal(a?.[FIELD.headers], { accept: ['*/*'] });
  assert.is(b?.[FIELD.headers], null);
});

lc('header-less Logpush CSV takes its field names from the fields option', async () => {
  const { table } = await loadCsv(Buffer.from('"8a1b",1714564803,"203.0.113.5"\n'), { fields: ['RayID', 'EdgeStartTimestamp', 'ClientIP'] });
  const [r] = rows(table);
  assert.is(r?.[FIELD.rayId], '8a1b');
  assert.is(r?.[FIELD.timestamp], 1714564803000);
  assert.is(r?.[FIELD.ipSrc], '203.0.113.5');
});

lc('generic CSV keeps header names, types unquoted numbers, and joins quoted newlines into one row', async () => {
  const { table, report } = await loadCsv(Buffer.from('ip,count,note\n1.2.3.4,5,"two\nlines"\n5.6.7.8,,plain\n"9.9.9.9,7,unterminated\n'));
  assert.is(report.rowsLoaded, 2);
  assert.equal(report.skipped, [{ line: 5, reason: 'unterminated quoted field (a stray quote: the lines after it were read on their own)' }]);
  assert.equal(rows(table), [
    { ip: '1.2.3.4', count: 5, note: 'two\nlines' },
    { ip: '5.6.7.8', count: null, note: 'plain' },
  ]);
});

lc.run();

const pr = suite('parseCsvRecord');

pr('handles doubled quotes, empty fields and a custom separator', () => {
  assert.equal(parseCsvRecord('a,"b ""c""",,d', ','), { values: ['a', 'b "c"', '', 'd'], quoted: [false, true, false, false] });
  assert.equal(parseCsvRecord('x\ty', '\t')?.values, ['x', 'y']);
  assert.is(parseCsvRecord('"open', ','), null);
});

pr.run();
