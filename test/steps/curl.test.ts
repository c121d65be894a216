/** curl against Node HTTP/1.1 and HTTP/2 origins on loopback. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { cdnMarkers, classifyCurlExit, curl, parseCurlVerbose, timingFrom } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { makePki, type Pki } from '../helpers/services/pki.js';
import { startHttpServers, type HttpServers } from '../helpers/services/http.js';
import { startEmptyNetns } from '../helpers/services/netns.js';
import { fixture } from '../helpers/paths.js';

let pki: Pki;
let web: HttpServers;
const base = () => `http://127.0.0.1:${web.httpPort}`;
const WWW = 'www.example.test';
const secure = () => ({ url: `https://${WWW}:${web.httpsPort}`, resolve: `${WWW}:${web.httpsPort}:127.0.0.1`, caFile: pki.rootCert });

const c = suite('curl');
c.before(async () => {
  pki = makePki();
  web = await startHttpServers(pki);
});
c.after(async () => {
  await web?.stop();
  pki?.remove();
});

c('a 200 response: status, all headers with repeats kept, CDN markers, timing, remote address', async () => {
  const r = await curl(`${base()}/`);
  assert.is(r.kind, 'curl');
  assert.ok(r.ok, r.error?.message);
  const d = r.data!;
  assert.is(d.status, 200);
  assert.is(d.httpVersion, '1.1');
  assert.is(d.remoteIp, '127.0.0.1');
  assert.is(d.remotePort, web.httpPort);
  assert.is(d.headers.filter(([n]) => n === 'set-cookie').length, 2);
  assert.equal(d.cdn, { server: 'test-origin', cfRay: '8c0ffee123456789-SJC', colo: 'SJC', cfCacheStatus: 'HIT', cfMitigated: null, age: null, via: null });
  const t = d.timing!;
  assert.ok(t.totalMs >= t.firstByteMs && t.totalMs > 0);
  assert.is(t.tlsMs, 0);
  assert.is(d.tls, null);
  assert.is(d.bodyPreview, 'hello\n');
  assert.is(d.bodyBytes, 6);
});

c('Set-Cookie values are redacted in data and transcript', async () => {
  const r = await curl(`${base()}/`);
  assert.ok(r.data!.headers.filter(([n]) => n === 'set-cookie').every(([, v]) => v === '[REDACTED]'));
  assert.not.match(JSON.stringify(r), /a=1; Path|b=2; Path/);
});

c('follows a redirect chain and records every hop', async () => {
  const r = await curl(`${base()}/redirect/2`);
  assert.ok(r.ok);
  const d = r.data!;
  assert.is(d.redirects, 3);
  assert.equal(d.hops.map((h) => h.status), [302, 302, 302, 200]);
  assert.equal(d.redirectChain, [`${base()}/redirect/2`, `${base()}/redirect/1`, `${base()}/redirect/0`, `${base()}/`]);
  assert.is(d.effectiveUrl, `${base()}/`);
  assert.is(d.hops[0]!.location, '/redirect/1');
});

c('without following, the first redirect is the result', async () => {
  const r = await curl(`${base()}/redirect/2`, { followRedirects: false });
  assert.is(r.data!.status, 302);
  assert.is(r.data!.hops.length, 1);
});

c('a redirect loop is classified as too many redirects', async () => {
  const r = await curl(`${base()}/loop`, { maxRedirects: 3 });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'too-many-redirects');
  assert.is(r.data!.exitCode, 47);
  assert.is(r.data!.hops.length, 4);
});

c('a 5xx is a failed result with the response kept', async () => {
  const r = await curl(`${base()}/status/503`);
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'http-5xx');
  assert.is(r.data!.status, 503);
  assert.is(r.data!.bodyPreview, 'status 503\n');
});

c('a challenge page surfaces cf-mitigated', async () => {
  const r = await curl(`${base()}/challenge`);
  assert.is(r.error!.code, 'http-4xx');
  assert.is(r.data!.cdn.cfMitigated, 'challenge');
  assert.is(r.data!.cdn.server, 'cloudflare');
  assert.is(r.data!.cdn.colo, 'LHR');
});

c('a slow first byte shows in the timing; past the limit it is a timeout', async () => {
  const slow = await curl(`${base()}/slow?ms=400`);
  assert.ok(slow.ok);
  assert.ok(slow.data!.timing!.firstByteMs >= 350, String(slow.data!.timing!.firstByteMs));
  const r = await curl(`${base()}/slow?ms=3000`, { timeoutMs: 300 });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'timeout');
  assert.is(r.data!.exitCode, 28);
});

c('method, headers and body reach the server; the Authorization value is never stored', async () => {
  const r = await curl(`${base()}/echo`, { method: 'PUT', headers: { 'X-Test': 'yes', Authorization: 'Bearer topsecrettoken123' }, body: 'a=1&b=2' });
  assert.ok(r.ok);
  const echoed = JSON.parse(r.data!.bodyPreview) as { method: string; headers: Record<string, string>; body: string };
  assert.is(echoed.method, 'PUT');
  assert.is(echoed.headers['x-test'], 'yes');
  assert.is(echoed.body, 'a=1&b=2');
  assert.not.match(JSON.stringify(r), /topsecrettoken123/);
  assert.not.ok(r.transcript[0]!.argv.includes('a=1&b=2'), 'the body goes through stdin');
});

c('HTTP/2 over TLS with --resolve: version, ALPN, TLS version and cipher, TLS timing', async () => {
  const s = secure();
  const r = await curl(`${s.url}/`, { resolve: s.resolve, caFile: s.caFile, http: '2' });
  assert.ok(r.ok, r.error?.message);
  const d = r.data!;
  assert.is(d.httpVersion, '2');
  assert.equal(d.tls, { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', alpn: 'h2', verifyResult: 0 });
  assert.ok(d.timing!.tlsMs > 0);
  assert.is(d.cdn.cfCacheStatus, 'HIT');
});

c('HTTP/1.1 can be forced on the same TLS origin', async () => {
  const s = secure();
  const r = await curl(`${s.url}/`, { resolve: s.resolve, caFile: s.caFile, http: '1.1' });
  assert.is(r.data!.httpVersion, '1.1');
  assert.is(r.data!.tls!.alpn, 'http/1.1');
});

c('--connect-to reaches an origin behind a name without DNS', async () => {
  const r = await curl(`https://${WWW}/`, { connectTo: `${WWW}:443:127.0.0.1:${web.httpsPort}`, caFile: pki.rootCert });
  assert.ok(r.ok, r.error?.message);
  assert.is(r.data!.remotePort, web.httpsPort);
});

c('an untrusted certificate, an unresolvable name and a refused port are classified', async () => {
  const s = secure();
  const untrusted = await curl(`${s.url}/`, { resolve: s.resolve });
  assert.is(untrusted.error!.code, 'cert-untrusted');
  assert.is(untrusted.data!.exitCode, 60);
  const wrongName = await curl(`https://127.0.0.2:${web.httpsPort}/`, { caFile: pki.rootCert, connectTo: `127.0.0.2:${web.httpsPort}:127.0.0.1:${web.httpsPort}` });
  assert.is(wrongName.error!.code, 'cert-hostname-mismatch');
  // In an empty namespace the lookup fails locally: no query leaves the machine.
  const empty = startEmptyNetns();
  try {
    const unresolvable = await curl('http://does-not-exist.invalid/', { netns: empty.name });
    assert.is(unresolvable.error!.code, 'cannot-resolve');
    assert.equal(unresolvable.transcript[0]!.argv.slice(0, 4), ['ip', 'netns', 'exec', empty.name]);
  } finally {
    empty.stop();
  }
  const refused = await curl('http://127.0.0.1:9/');
  assert.is(refused.error!.code, 'refused');
});

c('displays a readable table plus the JSON result', async () => {
  const r = await curl(`${base()}/redirect/0`);
  const dd = toDisplayData(r).data;
  assert.match(dd['text/html'] as string, /redirect chain/);
  assert.is((dd['application/json'] as { data: { status: number } }).data.status, 200);
});

const p = suite('curl parsers on saved output');

p('parseCurlVerbose reads saved redirect and HTTP/2 traces', () => {
  const red = parseCurlVerbose(fs.readFileSync(fixture('steps/curl-redirects.stderr.txt'), 'utf8'), 'http://127.0.0.1:1/redirect/2');
  assert.equal(red.hops.map((h) => h.status), [302, 302, 302, 200]);
  assert.is(red.hops[3]!.url, 'http://127.0.0.1:1/');
  const h2 = parseCurlVerbose(fs.readFileSync(fixture('steps/curl-h2.stderr.txt'), 'utf8'), 'https://www.example.test/');
  assert.is(h2.alpn, 'h2');
  assert.is(h2.tlsVersion, 'TLSv1.3');
  assert.is(h2.hops[0]!.httpVersion, '2');
});

p('timingFrom turns saved -w json into phases, including exponent notation', () => {
  const w = JSON.parse(fs.readFileSync(fixture('steps/curl-h2.stdout.json'), 'utf8')) as Record<string, unknown>;
  const t = timingFrom(w);
  assert.ok(t.tlsMs > 0 && t.totalMs >= t.starttransfer);
  assert.is(timingFrom({ time_namelookup: 3e-5, time_connect: 1e-4, time_total: 0.002 }).dnsMs, 0.03);
  const refused = JSON.parse(fs.readFileSync(fixture('steps/curl-refused.stdout.json'), 'utf8')) as { exitcode: number; errormsg: string };
  assert.is(classifyCurlExit(refused.exitcode, refused.errormsg).code, 'connect-failed');
});

p('classifyCurlExit names resolve, refused, timeout and certificate problems', () => {
  assert.is(classifyCurlExit(6).code, 'cannot-resolve');
  assert.is(classifyCurlExit(7, 'Failed to connect: Connection refused').code, 'refused');
  assert.is(classifyCurlExit(28).code, 'timeout');
  assert.is(classifyCurlExit(60, 'SSL certificate problem: certificate has expired').code, 'cert-expired');
  assert.is(classifyCurlExit(60, "SSL: no alternative certificate subject name matches target host name 'x'").code, 'cert-hostname-mismatch');
  assert.is(classifyCurlExit(60, 'SSL certificate problem: self-signed certificate').code, 'cert-self-signed');
  assert.is(classifyCurlExit(35).code, 'tls-handshake');
});

p('cdnMarkers reads Cloudflare headers', () => {
  assert.equal(cdnMarkers([['server', 'cloudflare'], ['cf-ray', '7d1e2f3a4b5c6d7e-AMS'], ['cf-cache-status', 'DYNAMIC']]).colo, 'AMS');
});

c.run();
p.run();
