import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCombined, compileLogFormat, LOG_FORMATS, FIELD, TrafficError } from '../../src/traffic/index.js';
import { rows } from './helpers.js';

const lc = suite('loadCombined');

const LOG = [
  '198.51.100.23 - - [01/May/2024:12:00:03 +0000] "GET /search?q=a9f3k2 HTTP/1.1" 200 5123 "-" "Mozilla/5.0 (X11; Linux x86_64)"',
  '2001:db8::7 - alice [01/May/2024:12:00:04 +0200] "POST /login HTTP/2.0" 401 0 "https://shop.example.com/login" "curl/8.5.0"',
  '203.0.113.9 - - [01/May/2024:12:00:05 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"',
  'this line is not an access log',
  '203.0.113.10 - - [01/May/2024:12:00:06 +0000] "GET /a\\"b HTTP/1.1" 404 - "-" "say \\"hi\\""',
].join('\n');

lc('parses combined lines into canonical columns, time zones included', async () => {
  const { table, report } = await loadCombined(Buffer.from(LOG));
  assert.is(report.rowsLoaded, 4);
  assert.equal(report.skipped, [{ line: 4, reason: 'does not match the combined log format' }]);
  const [a, b, c, d] = rows(table);
  assert.is(a?.[FIELD.ipSrc], '198.51.100.23');
  assert.is(a?.[FIELD.timestamp], Date.UTC(2024, 4, 1, 12, 0, 3));
  assert.is(a?.[FIELD.method], 'GET');
  assert.is(a?.[FIELD.path], '/search');
  assert.is(a?.[FIELD.query], 'q=a9f3k2');
  assert.is(a?.[FIELD.referer], null);
  assert.is(a?.[FIELD.status], 200);
  assert.is(b?.[FIELD.timestamp], Date.UTC(2024, 4, 1, 10, 0, 4), '+0200 is two hours ahead of UTC');
  assert.is(b?.remote_user, 'alice');
  assert.is(b?.[FIELD.httpVersion], 'HTTP/2'); // nginx's HTTP/2.0 named as the Rules language does
  assert.is(c?.[FIELD.method], null, 'TLS bytes on a plaintext port do not split into a request');
  assert.is(c?.request, '\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03');
  assert.is(d?.[FIELD.path], '/a"b');
  assert.is(d?.[FIELD.userAgent], 'say "hi"');
  assert.is(d?.body_bytes_sent, null);
});

lc('common log format (no referer/user agent) loads with those columns null', async () => {
  const { table, report } = await loadCombined(Buffer.from('10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n'), { format: 'common' });
  assert.is(report.format, 'common');
  const [r] = rows(table);
  assert.is(r?.[FIELD.userAgent], null);
  assert.is(r?.[FIELD.status], 200);
});

lc('a custom nginx log_format maps $variables, headers and the Cloudflare client IP', async () => {
  const fmt = '$remote_addr [$time_iso8601] "$request" $status $request_time "$http_user_agent" "$http_cf_connecting_ip" "$http_cf_ray" $http_cf_ipcountry';
  const line = '172.70.1.1 [2024-05-01T12:00:03+00:00] "GET /api?x=1 HTTP/1.1" 429 0.002 "python-requests/2.31.0" "198.51.100.23" "8a1b2c3d4e5f6071-FRA" de';
  const { table, report } = await loadCombined(Buffer.from(`${line}\nnot matching\n`), { logFormat: fmt });
  assert.is(report.rowsLoaded, 1);
  assert.is(report.rowsSkipped, 1);
  const [r] = rows(table);
  assert.is(r?.[FIELD.ipSrc], '198.51.100.23', 'CF-Connecting-IP wins over the edge address');
  assert.is(r?.remote_addr, '172.70.1.1');
  assert.is(r?.[FIELD.timestamp], Date.UTC(2024, 4, 1, 12, 0, 3));
  assert.is(r?.[FIELD.rayId], '8a1b2c3d4e5f6071');
  assert.is(r?.EdgeColoCode, 'FRA');
  assert.is(r?.[FIELD.country], 'DE');
  assert.is(r?.request_time, 0.002);
  assert.equal((r?.[FIELD.headers] as Record<string, string[]>)['user-agent'], ['python-requests/2.31.0']);
});

lc.run();

const cf = suite('compileLogFormat');

cf('the built-in combined format compiles to the variables in order', () => {
  assert.equal(compileLogFormat(LOG_FORMATS.combined).vars, [
    'remote_addr', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'http_referer', 'http_user_agent',
  ]);
});

cf('a format without variables is a TrafficError naming the format', () => {
  try {
    compileLogFormat('just text');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TrafficError);
    assert.match((e as Error).message, /just text/);
  }
});

cf.run();
