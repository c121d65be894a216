/**
 * The dns-resolution, tls-certificate and http-diagnosis runbooks run through our runner against
 * local services; each verdict names the fault in one sentence.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBind, type BindServers } from '../helpers/services/bind.js';
import { makePki, type Pki } from '../helpers/services/pki.js';
import { startEdge, type Edge } from '../helpers/services/edge.js';
import { startSplitTls } from '../helpers/services/tls-extra.js';
import { cleanup, errorsOf, markdownOutputs, runOurs, steps } from '../notebook/harness.js';

let dns: BindServers;
let pki: Pki;
let edge: Edge;

test.before(async () => {
  dns = await startBind();
  pki = makePki();
  edge = await startEdge(pki, { colo: 'AMS' });
});

test.after(async () => {
  await dns?.stop();
  await edge?.stop();
  pki?.remove();
  cleanup();
});

test('dns-resolution names the resolver with the stale answer and checks the delegation', async () => {
  const nb = await runOurs('dns-resolution', { name: 'moved.example.test', resolvers: [dns.auth, dns.resolver], zone: 'example.test', parent: dns.auth });
  assert.equal(errorsOf(nb), []);
  const del = steps(nb, 'dns-delegation')[0]?.data as { parentNs: string[]; servers: { authoritative: boolean }[] };
  assert.equal(del.parentNs, ['ns1.example.test.']);
  assert.ok(del.servers[0]?.authoritative);
  assert.is(steps(nb, 'dnssec-chain').length, 1);
  assert.is(steps(nb, 'dns-who').length, 2);
  const md = markdownOutputs(nb);
  assert.match(md, `**${dns.resolver} serves a stale answer** (198.51.100.7; the authoritative servers say 192.0.2.99): its cached copy expires in`);
});

test('http-diagnosis names a Flexible-SSL redirect loop with the ray id, colo and cache outcome', async () => {
  const nb = await runOurs('http-diagnosis', { url: `https://www.example.test:${edge.httpsPort}/force-https`, resolve: '127.0.0.1', origin: '', caFile: pki.rootCert });
  assert.equal(errorsOf(nb), []);
  const md = markdownOutputs(nb);
  assert.match(md, /Through the edge: \*\*301\*\* \(HTTP\/1\.1\) \(ray [0-9a-f]{16}-AMS, colo AMS\), 10 redirect\(s\)/);
  assert.match(md, 'first byte after ');
  assert.not.match(md, 'after ? ms');
  assert.match(md, '**Redirect loop**');
  assert.match(md, 'SSL mode **Flexible**');
  assert.match(md, 'Answered by colo **AMS**');
});

test('tls-certificate reads an origin with an expired certificate as a 526 under Full (strict)', async () => {
  const split = await startSplitTls(pki);
  try {
    const nb = await runOurs('tls-certificate', { host: '::1', port: String(split.port), servername: 'www.example.test', caFile: pki.rootCert });
    assert.equal(errorsOf(nb), []);
    assert.is(steps(nb, 'tls-per-address').length, 1);
    assert.is(steps(nb, 'tls-ciphers').length, 1);
    const md = markdownOutputs(nb);
    assert.match(md, 'verification: **expired**');
    assert.match(md, 'As an origin behind the CDN: 526 at the edge under SSL mode Full (strict): the origin ::1 presents a certificate that fails verification (expired)');
  } finally {
    await split.stop();
  }
});

test.run();
