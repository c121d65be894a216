/** Google Cloud HTTP(S) load balancer request logs (LogEntry with httpRequest); values invented. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { detectFormat, FIELD, loadTraffic } from '../../src/traffic/index.js';
import { rows } from './helpers.js';

const test = suite('gcp_http');

const ENTRY = {
  httpRequest: {
    requestMethod: 'get',
    requestUrl: 'https://shop.example.com/wp-login.php?redirect_to=%2F',
    requestSize: '412',
    status: 403,
    responseSize: '1234',
    userAgent: 'python-requests/2.31.0',
    remoteIp: '203.0.113.7',
    serverIp: '10.128.0.5',
    latency: '0.004s',
    protocol: 'HTTP/2.0',
  },
  insertId: 'abc123',
  jsonPayload: { '@type': 'type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry', statusDetails: 'denied_by_security_policy', enforcedSecurityPolicy: { name: 'block-bots' } },
  logName: 'projects/p/logs/requests',
  resource: { type: 'http_load_balancer' },
  severity: 'WARNING',
  timestamp: '2024-05-01T12:00:03.123456Z',
};

test('a LogEntry with httpRequest is detected and loads with Rules semantics', async () => {
  const text = `${JSON.stringify(ENTRY)}\n${JSON.stringify({ ...ENTRY, httpRequest: { ...ENTRY.httpRequest, userAgent: ['x'] } })}\n{"textPayload":"not a request","timestamp":"2024-05-01T12:00:04Z"}\n`;
  assert.is(detectFormat(Buffer.from(text)), 'gcp_http');
  const { table, report } = await loadTraffic(Buffer.from(text));
  assert.is(report.format, 'gcp_http');
  assert.is(report.rowsRead, report.rowsLoaded + report.rowsSkipped);
  assert.equal(report.reasons, { 'not an access-log entry (LogEntry without httpRequest)': 1 });
  const [r, odd] = rows(table);
  assert.is(r?.[FIELD.timestamp], Date.parse('2024-05-01T12:00:03.123Z'));
  assert.is(r?.[FIELD.ipSrc], '203.0.113.7');
  assert.is(r?.[FIELD.method], 'GET');
  assert.is(r?.[FIELD.host], 'shop.example.com');
  assert.is(r?.[FIELD.path], '/wp-login.php');
  assert.is(r?.[FIELD.query], 'redirect_to=%2F');
  assert.is(r?.[FIELD.httpVersion], 'HTTP/2');
  assert.is(r?.[FIELD.status], 403);
  assert.is(r?.[FIELD.bytesSent], 1234);
  assert.is(r?.['gcp.status_details'], 'denied_by_security_policy');
  assert.is(odd?.[FIELD.userAgent], null); // a user agent that is not a string is missing, never an array
});

test.run();
