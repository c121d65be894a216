/**
 * The network runbooks end to end against local services the test starts: BIND (authoritative +
 * validating resolver), a test PKI with TLS servers, HTTP origins, and a multi-hop namespace path
 * with a tunnel-sized MTU. Each runs through our runner and through `jupyter nbconvert --execute`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBind, type BindServers } from '../helpers/services/bind.js';
import { makePki, type Pki } from '../helpers/services/pki.js';
import { startHttpServers, type HttpServers } from '../helpers/services/http.js';
import { startNetnsPath, type NetnsPath } from '../helpers/services/netns.js';
import { cleanup, errorsOf, markdownOutputs, runNbconvert, runOurs, steps, validateWithNbformat } from './harness.js';
import type { ChildProcess } from 'node:child_process';

let dns: BindServers;
let pki: Pki;
let web: HttpServers;
let net: NetnsPath;
let listener: ChildProcess;

test.before(async () => {
  dns = await startBind();
  pki = makePki();
  web = await startHttpServers(pki);
  net = await startNetnsPath();
  listener = net.listen(8443);
});

test.after(async () => {
  listener?.kill();
  await Promise.all([dns?.stop(), web?.stop(), net?.stop()]);
  pki?.remove();
  cleanup();
});

test('dns-resolution compares a local authoritative server and a validating resolver', async () => {
  const params = { name: 'www.example.test', resolvers: [dns.auth, dns.resolver] };
  for (const nb of [await runOurs('dns-resolution', params), await runNbconvert('dns-resolution', params)]) {
    validateWithNbformat(nb);
    assert.equal(errorsOf(nb), []);
    const cmp = steps(nb, 'dig-compare')[0]?.data as { agree: boolean; groups: { values: string[] }[] };
    assert.ok(cmp.agree);
    assert.equal(cmp.groups[0]?.values, ['192.0.2.10', '192.0.2.11']);
    assert.is(steps(nb, 'dig').length, 2);
    assert.match(markdownOutputs(nb), 'All 2 resolvers agree: **NOERROR** 192.0.2.10, 192.0.2.11.');
  }
});

test('tls-certificate verifies the local chain against the test root and reports the leaf', async () => {
  const params = { host: '127.0.0.1', port: String(web.httpsPort), servername: 'www.example.test', caFile: pki.rootCert };
  for (const nb of [await runOurs('tls-certificate', params), await runNbconvert('tls-certificate', params)]) {
    validateWithNbformat(nb);
    assert.equal(errorsOf(nb), []);
    const main = steps(nb, 'tls')[0]?.data as { verification: { reason: string }; chain: { commonName: string }[] };
    assert.is(main.verification.reason, 'ok');
    assert.is(main.chain[0]?.commonName, 'www.example.test');
    assert.match(markdownOutputs(nb), 'verification: **ok**');
  }
});

test('http-diagnosis requests a URL through a pinned edge address and directly from the origin', async () => {
  const params = { url: `https://www.example.test:${web.httpsPort}/status/503`, resolve: '127.0.0.1', origin: '127.0.0.1', caFile: pki.rootCert };
  for (const nb of [await runOurs('http-diagnosis', params), await runNbconvert('http-diagnosis', params)]) {
    validateWithNbformat(nb);
    assert.equal(errorsOf(nb), []);
    const curls = steps(nb, 'curl');
    assert.is(curls.length, 2);
    assert.equal(curls.map((c) => (c.data as { status: number }).status), [503, 503]);
    assert.match(markdownOutputs(nb), 'The origin itself fails');
  }
});

test('connectivity-path traces a three-hop namespace path and finds the tunnel MTU', async () => {
  const params = { target: net.addresses.server, port: '8443', netns: net.client };
  for (const nb of [await runOurs('connectivity-path', params), await runNbconvert('connectivity-path', params)]) {
    validateWithNbformat(nb);
    assert.equal(errorsOf(nb), []);
    const tcp = steps(nb, 'traceroute')[0]?.data as { reached: boolean; hops: unknown[] };
    assert.ok(tcp.reached);
    assert.is(tcp.hops.length, 3);
    const mtu = steps(nb, 'path-mtu')[0]?.data as { pathMtu: number };
    assert.is(mtu.pathMtu, net.mtu);
    assert.match(markdownOutputs(nb), `Path MTU: **${net.mtu}** bytes`);
    const mtr = steps(nb, 'mtr')[0]?.data as { reached: boolean; hops: { host: string }[] };
    assert.ok(mtr.reached);
    assert.is(mtr.hops.length, 3);
    assert.match(markdownOutputs(nb), 'mtr: no loss at the target over 10 cycles');
    assert.match(markdownOutputs(nb), 'the overhead of GRE on the path; clamp TCP MSS to 1436');
  }
});

test.run();
