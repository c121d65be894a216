/**
 * HTTP in depth against a Node "edge" (cf-ray, cf-cache-status, Flexible SSL to the origin) in
 * front of a Node origin, and the http-diagnosis verdict.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { acrossEdges, cacheProbe, cdnTrace, compareHttpVersions, curl, diffHeaders, edgeVsOrigin, explainCache, httpVerdict, parseCdnTrace, processesStarted, redirectLoop, StepInputError } from '../../src/steps/index.js';
import { makePki, type Pki } from '../helpers/services/pki.js';
import { startEdge, type Edge } from '../helpers/services/edge.js';
import { startNginxOrigin } from '../helpers/services/nginx.js';
import { fixture } from '../helpers/paths.js';

let pki: Pki;
let e: Edge;
const WWW = 'www.example.test';
const https = (p: string) => ({ url: `https://${WWW}:${e.httpsPort}${p}`, opts: { resolve: `${WWW}:${e.httpsPort}:127.0.0.1`, caFile: pki.rootCert } });

const live = suite('http in depth, live');
live.before(async () => {
  pki = makePki();
  e = await startEdge(pki, { colo: 'AMS' });
});
live.after(async () => {
  await e?.stop();
  pki?.remove();
});

live('/cdn-cgi/trace gives the colo, the client address and the protocol', async () => {
  const s = https('/');
  const r = await cdnTrace(s.url, s.opts);
  assert.ok(r.ok, r.error?.message);
  assert.is(r.data!.colo, 'AMS');
  assert.is(r.data!.ip, '127.0.0.1');
  assert.is(r.data!.trace.visit_scheme, 'https');
  assert.match(r.data!.cfRay!, /^[0-9a-f]{16}-AMS$/);
  const none = await cdnTrace(`http://127.0.0.1:${e.originPort}/`);
  assert.is(none.error!.code, 'http-4xx');
});

live('the cache probe shows MISS -> HIT for a static file and explains BYPASS and DYNAMIC', async () => {
  const s = https('/static.css');
  const hit = await cacheProbe(s.url, s.opts);
  assert.equal(hit.data!.requests.map((q) => q.cacheStatus), ['MISS', 'HIT']);
  assert.is(hit.data!.outcome, 'cached');
  assert.ok(hit.data!.requests.every((q) => q.colo === 'AMS'));
  const bypass = await cacheProbe(https('/account').url, s.opts);
  assert.is(bypass.data!.outcome, 'bypass');
  assert.match(bypass.data!.explanation, 'BYPASS: the edge did not use its cache for this response because of cache-control "private, no-store" and a Set-Cookie header');
  const dyn = await cacheProbe(https('/page').url, s.opts);
  assert.is(dyn.data!.outcome, 'dynamic');
});

live('a Flexible-SSL redirect loop is detected and explained', async () => {
  const s = https('/force-https');
  const r = await curl(s.url, { ...s.opts, maxRedirects: 4 });
  assert.is(r.error!.code, 'too-many-redirects');
  assert.equal(redirectLoop(r.data!), [s.url, s.url]);
  const text = httpVerdict({ edge: r }).join('\n');
  assert.match(text, '**Redirect loop**');
  assert.match(text, 'SSL mode **Flexible**');
  assert.match(text, /\(ray [0-9a-f]{16}-AMS, colo AMS\)/);
});

live('edge vs origin: the header differences without the volatile ones', async () => {
  const r = await edgeVsOrigin(`http://${WWW}:${e.httpPort}/page`, '127.0.0.1', { edge: '127.0.0.1' });
  // Edge and origin share 127.0.0.1 here; pin the origin through its own port instead.
  assert.ok(r.data!.edge);
  const origin = await curl(`http://127.0.0.1:${e.originPort}/page`);
  const d = diffHeaders(r.data!.edge!.headers, origin.data!.headers);
  assert.equal(d.onlyA.map(([n]) => n), ['server']);
  assert.equal(d.onlyB, []);
  assert.equal(d.different, []);
});

live('HTTP/1.1 vs HTTP/2 and the same request at several edge addresses', async () => {
  const s = https('/page');
  const versions = await compareHttpVersions(s.url, { caFile: pki.rootCert, resolve: s.opts.resolve });
  assert.equal(versions.data!.results.map((x) => x.httpVersion), ['1.1', '1.1']);
  assert.ok(versions.data!.same);
  const edges = await acrossEdges(s.url, ['127.0.0.1', '127.0.0.1'], { caFile: pki.rootCert });
  assert.equal(edges.data!.statuses, [200]);
  assert.ok(edges.data!.results.every((x) => x.colo === 'AMS'));
});

live('hostile inputs are rejected before any process starts', async () => {
  const before = processesStarted();
  for (const f of [() => cacheProbe('ftp://x/'), () => edgeVsOrigin('https://a.test/', '1.2.3.4;id'), () => acrossEdges('https://a.test/', []), () => cacheProbe('https://a.test/', { repeat: 50 }), () => cdnTrace('https://a.test/$(id)')]) {
    try {
      await f();
      assert.unreachable();
    } catch (x) {
      assert.instance(x, StepInputError);
    }
  }
  assert.is(processesStarted(), before);
});

const saved = suite('http in depth, saved output and verdict');

saved('parseCdnTrace reads the trace format', () => {
  const t = parseCdnTrace(fs.readFileSync(fixture('steps/cdn-cgi-trace.txt'), 'utf8'));
  assert.is(t.colo, 'AMS');
  assert.is(t.http, 'http/2');
  assert.is(t.tls, 'TLSv1.3');
  assert.is(Object.keys(t).length, 16);
});

saved('explainCache names each reason', () => {
  assert.is(explainCache([null, null], []).outcome, 'not-proxied');
  assert.is(explainCache(['EXPIRED', 'HIT'], []).outcome, 'cached');
  assert.match(explainCache(['DYNAMIC', 'DYNAMIC'], [['vary', 'cookie']]).explanation, 'Vary: cookie');
});

saved('the verdict reads the first byte from timing.firstByteMs and explains 502/503/504 from the edge', () => {
  const mk = (status: number, firstByteMs: number) =>
    ({ kind: 'curl', ok: false, transcript: [], data: { url: 'https://a.test/', method: 'GET', effectiveUrl: 'https://a.test/', status, httpVersion: '2', remoteIp: '104.16.1.1', remotePort: 443, headers: [], hops: [], redirects: 0, redirectChain: [], timing: { dnsMs: 1, connectMs: 1, tlsMs: 1, firstByteMs, downloadMs: 1, totalMs: 5, redirectMs: 0, namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0 }, tls: null, cdn: { server: 'cloudflare', cfRay: '8c0ffee123456789-FRA', colo: 'FRA', cfCacheStatus: 'DYNAMIC', cfMitigated: null, age: null, via: null }, contentType: null, bodyBytes: 0, bodyPreview: '', exitCode: 0, curlError: null } }) as const;
  for (const [status, phrase] of [[502, 'bad gateway'], [503, 'service unavailable'], [504, 'gateway timeout'], [522, 'the connection to the origin timed out']] as const) {
    const text = httpVerdict({ edge: mk(status, 123.4) as never }).join('\n');
    assert.match(text, 'first byte after 123.4 ms');
    assert.not.match(text, '?');
    assert.match(text, '(ray 8c0ffee123456789-FRA, colo FRA)');
    assert.match(text, `${status} means ${phrase}`);
  }
});


const nginx = suite('http in depth, nginx origin behind the edge');
let ng: { port: number; stop(): Promise<void> };
let ne: Edge;
let npki: Pki;
nginx.before(async () => {
  npki = makePki();
  ng = await startNginxOrigin();
  ne = await startEdge(npki, { colo: 'FRA', originPort: ng.port });
});
nginx.after(async () => {
  await ne?.stop();
  await ng?.stop();
  npki?.remove();
});

nginx('nginx cache headers give MISS -> HIT, BYPASS and DYNAMIC; its HTTPS redirect loops behind Flexible', async () => {
  const o = { resolve: `${WWW}:${ne.httpsPort}:127.0.0.1`, caFile: npki.rootCert };
  const u = (p: string) => `https://${WWW}:${ne.httpsPort}${p}`;
  assert.equal((await cacheProbe(u('/static.css'), o)).data!.requests.map((q) => q.cacheStatus), ['MISS', 'HIT']);
  const bypass = await cacheProbe(u('/account'), o);
  assert.is(bypass.data!.outcome, 'bypass');
  assert.match(bypass.data!.explanation, 'a Set-Cookie header');
  assert.is((await cacheProbe(u('/page'), o)).data!.outcome, 'dynamic');
  const loop = await curl(u('/force-https'), { ...o, maxRedirects: 3 });
  assert.is(loop.error!.code, 'too-many-redirects');
  assert.ok(loop.data!.hops.every((h) => h.headers.some(([n, val]) => n === 'server' && val === 'cloudflare')));
  assert.match(httpVerdict({ edge: loop }).join('\n'), /\*\*Redirect loop\*\*: .*SSL mode \*\*Flexible\*\*/);
  // Directly, nginx answers with its own server header and no CDN markers.
  const direct = await curl(`http://127.0.0.1:${ng.port}/page`);
  assert.match(direct.data!.cdn.server ?? '', /^nginx/);
  assert.is(direct.data!.cdn.cfRay, null);
  const diff = diffHeaders(loop.data!.headers, (await curl(`http://127.0.0.1:${ng.port}/force-https`, { followRedirects: false })).data!.headers);
  // The Location differs by the Host each side was asked with; the rest only by the CDN's server header.
  assert.equal(diff.different.map((x) => x.name).sort(), ['location', 'server']);
  assert.equal(diff.onlyA.map(([n]) => n), []);
});

live.run();
saved.run();
nginx.run();
