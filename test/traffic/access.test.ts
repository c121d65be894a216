/**
 * Line formats on the shapes the corpus lacks (inline lines in each product's documented layout;
 * addresses from documentation ranges), and the motivating case of issue 18: an sqlmap probe in
 * a Caddy log must be scored as an attack, not loaded as Logpush with empty columns.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIELD, loadTraffic } from '../../src/traffic/index.js';
import { score } from '../../src/classify/index.js';
import { rows } from './helpers.js';

const test = suite('access-log line formats');

const load = async (text: string, format?: string) => loadTraffic(Buffer.from(text), format ? { format } : {});

test('HAProxy tcplog lines load with client, bytes and termination state', async () => {
  const { table, report } = await load('Feb  6 12:12:56 localhost haproxy[14387]: 198.51.100.4:40938 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0\n');
  assert.is(report.format, 'haproxy');
  const [r] = rows(table);
  assert.is(r?.[FIELD.ipSrc], '198.51.100.4');
  assert.is(r?.[FIELD.bytesSent], 212);
  assert.is(r?.termination_state, '--');
  assert.is(r?.mode, 'tcp');
  assert.is(r?.[FIELD.timestamp], Date.UTC(2009, 1, 6, 12, 12, 51, 443));
});

test('Classic ELB TCP listener lines load as connections, HTTP lines with their request', async () => {
  const text = [
    '2015-05-13T23:39:43.945958Z my-loadbalancer 192.0.2.10:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -',
    '2015-05-13T23:39:44.000000Z my-loadbalancer 192.0.2.11:2818 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/?a=1 HTTP/1.1" "curl/7.38.0" - -',
  ].join('\n');
  const { table, report } = await load(text);
  assert.is(report.format, 'elb');
  const [tcp, http] = rows(table);
  assert.is(tcp?.[FIELD.method], null);
  assert.is(tcp?.['elb.listener'], 'tcp');
  assert.is(tcp?.[FIELD.bytesSent], 305);
  assert.is(http?.[FIELD.host], 'www.example.com');
  assert.is(http?.[FIELD.path], '/');
  assert.is(http?.[FIELD.query], 'a=1');
  assert.is(http?.[FIELD.httpVersion], 'HTTP/1.1');
});

test('IIS fields in any #Fields order, cookies and X-Forwarded-For by name', async () => {
  const text = [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Fields: time date cs-uri-query cs-uri-stem c-ip cs-method sc-status cs(User-Agent) X-Forwarded-For cs(Cookie) sc-bytes',
    '10:00:00 2024-05-01 id=1%27+or+1=1 /item.aspx 192.0.2.9 get 500 sqlmap/1.7.2#stable+(https://sqlmap.org) 198.51.100.3 ASP.NET_SessionId=abc 99',
  ].join('\n');
  const { table, report } = await load(text);
  assert.is(report.format, 'iis');
  const [r] = rows(table);
  assert.is(r?.[FIELD.timestamp], Date.UTC(2024, 4, 1, 10));
  assert.is(r?.[FIELD.method], 'GET');
  assert.is(r?.[FIELD.path], '/item.aspx');
  assert.is(r?.[FIELD.query], 'id=1%27+or+1=1');
  assert.is(r?.[FIELD.userAgent], 'sqlmap/1.7.2#stable (https://sqlmap.org)');
  assert.is(r?.[FIELD.forwardedFor], '198.51.100.3');
  assert.is(r?.[FIELD.ipSrc], '192.0.2.9'); // not a CDN egress: the client column stays
  assert.equal(r?.[FIELD.cookies], { 'ASP.NET_SessionId': ['abc'] });
});

test('nginx and Apache 2.4 error lines are events with level, reason, client and request', async () => {
  const ng = rows(
    (await load('2024/05/01 12:00:03 [error] 1234#1234: *5 access forbidden by rule, client: 192.0.2.5, server: example.com, request: "GET /.git/config HTTP/1.1", host: "example.com"\n')).table,
  )[0];
  assert.is(ng?.[FIELD.level], 'error');
  assert.is(ng?.[FIELD.event], 'access forbidden by rule');
  assert.is(ng?.[FIELD.ipSrc], '192.0.2.5');
  assert.is(ng?.[FIELD.path], '/.git/config');
  assert.is(ng?.[FIELD.host], 'example.com');
  const ap = rows((await load('[Wed May 01 12:00:03.123456 2024] [authz_core:error] [pid 42:tid 7] [client [2001:db8::1]:51234] AH01630: client denied by server configuration: /var/www/secret\n')).table)[0];
  assert.is(ap?.[FIELD.level], 'error');
  assert.is(ap?.[FIELD.ipSrc], '2001:db8::1');
  assert.is(ap?.[FIELD.event], 'client denied by server configuration: /var/www/secret');
  assert.is(ap?.error_code, 'AH01630');
  assert.is(ap?.[FIELD.timestamp], Date.UTC(2024, 4, 1, 12, 0, 3, 123));
});

test('an sqlmap probe of /.env in a Caddy log is Caddy, keeps its path and user agent, and is not scored good', async () => {
  const line = (uri: string, ua: string, ip: string) =>
    JSON.stringify({ level: 'info', ts: 1714564803.5, logger: 'http.log.access.log0', msg: 'handled request', request: { remote_ip: ip, remote_port: '5000', client_ip: ip, proto: 'HTTP/1.1', method: 'GET', host: 'shop.example.com', uri, headers: { 'User-Agent': [ua] } }, bytes_read: 0, user_id: '', duration: 0.001, size: 10, status: 404, resp_headers: {} });
  const text = [line('/.env', 'sqlmap/1.7.2#stable (https://sqlmap.org)', '203.0.113.66'), ...Array.from({ length: 20 }, (_, i) => line(`/products/${i}`, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36', `198.51.100.${i}`))].join('\n');
  const { table, report } = await load(text);
  assert.is(report.format, 'caddy');
  const s = score(table);
  const labels = s.table.array('label') as unknown as ArrayLike<string>;
  assert.is(s.table.get(FIELD.path, 0), '/.env');
  assert.is.not(labels[0], 'good');
});

test.run();
