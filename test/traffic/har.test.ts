import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadHar, FIELD } from '../../src/traffic/index.js';
import { rows } from './helpers.js';

const HAR = {
  log: {
    version: '1.2',
    creator: { name: 'WebInspector', version: '537.36' },
    entries: [
      {
        startedDateTime: '2024-05-01T12:00:03.125Z',
        time: 183.4,
        request: {
          method: 'GET',
          url: 'https://shop.example.com/api/cart?x=1',
          httpVersion: 'h2',
          headers: [
            { name: ':authority', value: 'shop.example.com' },
            { name: 'accept-language', value: 'en-US,en;q=0.9' },
            { name: 'cookie', value: '__cf_bm=secret; sid=alsosecret' },
            { name: 'Authorization', value: 'Bearer abc' },
            { name: 'user-agent', value: 'Mozilla/5.0' },
          ],
        },
        response: {
          status: 403,
          headers: [
            { name: 'cf-ray', value: '8a1b2c3d4e5f6071-FRA' },
            { name: 'cf-mitigated', value: 'challenge' },
          ],
          content: { size: 4211, mimeType: 'text/html' },
        },
        serverIPAddress: '104.16.0.1',
        _resourceType: 'fetch',
      },
      { startedDateTime: '2024-05-01T12:00:04Z', request: {} },
      'not an entry',
    ],
  },
};

const lh = suite('loadHar');

lh('reads entries with headers in wire order, cf-ray, status, and secrets redacted', async () => {
  const { table, report } = await loadHar(Buffer.from(JSON.stringify(HAR)));
  assert.is(report.rowsRead, 3);
  assert.is(report.rowsLoaded, 1);
  assert.equal(report.skipped.map((s) => s.line), [2, 3]);
  const [r] = rows(table);
  assert.is(r?.[FIELD.timestamp], Date.UTC(2024, 4, 1, 12, 0, 3, 125));
  assert.is(r?.[FIELD.host], 'shop.example.com');
  assert.is(r?.[FIELD.path], '/api/cart');
  assert.is(r?.[FIELD.query], 'x=1');
  assert.is(r?.[FIELD.httpVersion], 'HTTP/2');
  assert.is(r?.[FIELD.status], 403);
  assert.is(r?.[FIELD.rayId], '8a1b2c3d4e5f6071');
  assert.is(r?.[FIELD.ipDst], '104.16.0.1');
  assert.equal(r?.[FIELD.headerNames], [':authority', 'accept-language', 'cookie', 'Authorization', 'user-agent']);
  const h = r?.[FIELD.headers] as Record<string, string[]>;
  assert.equal(h.authorization, ['[REDACTED]']);
  assert.equal(r?.[FIELD.cookies], { __cf_bm: ['[REDACTED]'], sid: ['[REDACTED]'] });
  assert.not.match(JSON.stringify(r), /secret|Bearer/);
});

lh('invalid JSON and a JSON file that is not a HAR are reported, not thrown', async () => {
  const bad = await loadHar(Buffer.from('{"log": {"entries": [ {'));
  assert.is(bad.table.numRows(), 0);
  assert.match(bad.report.skipped[0]?.reason ?? '', /invalid JSON/);
  const notHar = await loadHar(Buffer.from('{"hello": 1}'));
  assert.is(notHar.report.skipped[0]?.reason, 'not a HAR file: no log.entries array');
});

lh.run();
