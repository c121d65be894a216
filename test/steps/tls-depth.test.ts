/** tlsPerAddress, originTls, cipherScan, ocspQuery, caaCheck against the openssl test PKI, Node TLS servers, an openssl OCSP responder and BIND. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { caaCheck, cipherScan, cipherWeakness, ocspQuery, originTls, parseCaa, parseOcsp, processesStarted, StepInputError, tlsPerAddress } from '../../src/steps/index.js';
import { makePki, type Pki } from '../helpers/services/pki.js';
import { startTlsServers, type TlsServers } from '../helpers/services/tls-servers.js';
import { startOcspResponder, startSplitTls } from '../helpers/services/tls-extra.js';
import { startBind, type BindServers } from '../helpers/services/bind.js';
import { fixture } from '../helpers/paths.js';

let pki: Pki;
let servers: TlsServers;
const live = suite('tls in depth, live');
live.before(async () => {
  pki = makePki();
  servers = await startTlsServers(pki);
});
live.after(async () => {
  await servers?.stop();
  pki?.remove();
});

live('tlsPerAddress finds the address still serving the expired certificate', async () => {
  const split = await startSplitTls(pki);
  try {
    const r = await tlsPerAddress('www.example.test', { port: split.port, addresses: ['127.0.0.1', '::1'], caFile: pki.rootCert });
    assert.is(r.error!.code, 'certificates-differ');
    assert.is(r.data!.groups.length, 2);
    assert.equal(r.data!.addresses.map((a) => a.verification), ['ok', 'expired']);
    assert.match(r.error!.message, /::1: 2020-02-01/);
  } finally {
    await split.stop();
  }
});

live('originTls reads the origin handshake as 525, 526 or fine', async () => {
  const ok = await originTls('www.example.test', '127.0.0.1', { port: servers.ports.valid, caFile: pki.rootCert });
  assert.ok(ok.ok, ok.error?.message);
  assert.is(ok.data!.strict, 'ok');
  const expired = await originTls('www.example.test', '127.0.0.1', { port: servers.ports.expired, caFile: pki.rootCert });
  assert.equal([expired.data!.strict, expired.data!.full], ['526', 'ok']);
  assert.match(expired.error!.message, '526 at the edge under SSL mode Full (strict)');
  const refused = await originTls('www.example.test', '127.0.0.1', { port: 9, caFile: pki.rootCert });
  assert.equal([refused.data!.strict, refused.data!.full], ['525', '525']);
});

live('cipherScan lists accepted suites per version and flags weak ones', async () => {
  const r = await cipherScan('127.0.0.1', { port: servers.ports.tls12, servername: 'www.example.test', versions: ['tls1_2', 'tls1_3'] });
  assert.ok(r.data!.accepted.length > 0);
  assert.ok(r.data!.accepted.every((c) => c.version === 'tls1_2'));
  assert.ok(r.data!.accepted.some((c) => c.cipher === 'ECDHE-RSA-AES128-GCM-SHA256'));
  // Node's default TLS 1.2 list still has CBC-SHA suites: flagged.
  assert.ok(r.data!.weak.every((c) => c.weak !== null));
  assert.ok(r.data!.tested > r.data!.accepted.length);
});

live('ocspQuery asks an openssl OCSP responder: good, and revoked', async () => {
  const ocsp = await startOcspResponder(pki);
  try {
    const good = await ocspQuery(pki.certs.valid.cert, pki.intermediateCert, { url: ocsp.url, caFile: pki.rootCert });
    assert.ok(good.ok, good.error?.message);
    assert.is(good.data!.status, 'good');
    assert.ok(good.data!.verified);
    assert.ok(Date.parse(good.data!.nextUpdate!) > Date.now());
    const revoked = await ocspQuery(ocsp.revoked, pki.intermediateCert, { url: ocsp.url, caFile: pki.rootCert });
    assert.is(revoked.error!.code, 'revoked');
    assert.ok(revoked.data!.revocationTime);
  } finally {
    await ocsp.stop();
  }
});

live('ocspQuery reports an expired response from a live openssl OCSP responder as stale', async () => {
  const ocsp = await startOcspResponder(pki, { expired: true });
  try {
    const r = await ocspQuery(pki.certs.valid.cert, pki.intermediateCert, { url: ocsp.url, caFile: pki.rootCert });
    assert.is(r.error?.code, 'ocsp-stale', JSON.stringify(r.data));
    assert.ok(r.data!.stale);
    assert.ok(Date.parse(r.data!.nextUpdate!) < Date.now(), r.data!.nextUpdate ?? 'no nextUpdate');
    assert.match(r.transcript.map((t) => t.argv.join(' ')).join('\n'), /openssl ocsp/);
  } finally {
    await ocsp.stop();
  }
});

live('hostile inputs are rejected before any process starts', async () => {
  const before = processesStarted();
  for (const f of [() => tlsPerAddress('a b'), () => originTls('x.test', 'not-ip'), () => cipherScan('x.test', { versions: ['ssl3' as 'tls1'] }), () => ocspQuery('-in', 'x'), () => caaCheck('x.test', { ca: 'a;b' })]) {
    try {
      await f();
      assert.unreachable();
    } catch (e) {
      assert.instance(e, StepInputError);
    }
  }
  assert.is(processesStarted(), before);
});

const caa = suite('caa against BIND');
let dns: BindServers;
caa.before(async () => {
  dns = await startBind();
});
caa.after(async () => {
  await dns?.stop();
});

caa('a CAA record at the parent forbids another CA for www', async () => {
  const r = await caaCheck('www.example.test', { ca: 'pki.goog', server: dns.auth });
  assert.is(r.error!.code, 'caa-forbids');
  assert.is(r.data!.foundAt, 'example.test');
  assert.equal(r.data!.issuers, ['letsencrypt.org']);
  const ok = await caaCheck('www.example.test', { ca: 'letsencrypt.org', server: dns.auth });
  assert.ok(ok.ok);
  assert.ok(ok.data!.allowed);
});

const saved = suite('tls in depth, saved output');
saved('parseOcsp reads saved good and revoked responder answers', () => {
  const good = parseOcsp(fs.readFileSync(fixture('steps/ocsp-good.txt'), 'utf8'), Date.parse('2026-12-02T06:00:00Z'));
  assert.is(good.status, 'good');
  assert.ok(good.verified);
  const late = parseOcsp(fs.readFileSync(fixture('steps/ocsp-good.txt'), 'utf8'), Date.parse('2030-01-01T00:00:00Z'));
  assert.ok(late.stale);
  const rev = parseOcsp(fs.readFileSync(fixture('steps/ocsp-revoked.txt'), 'utf8'));
  assert.is(rev.status, 'revoked');
  assert.ok(rev.revocationTime);
});
saved('parseCaa and cipherWeakness', () => {
  assert.equal(parseCaa('0 issue "letsencrypt.org"'), { flags: 0, tag: 'issue', value: 'letsencrypt.org' });
  assert.match(cipherWeakness('tls1_2', 'AES128-SHA TLSv1 Kx=RSA Au=RSA Enc=AES(128) Mac=SHA1')!, 'no forward secrecy');
  assert.match(cipherWeakness('tls1_2', 'DES-CBC3-SHA SSLv3 Kx=RSA Au=RSA Enc=3DES(168) Mac=SHA1')!, '3DES');
  assert.is(cipherWeakness('tls1_2', 'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD'), null);
  assert.match(cipherWeakness('tls1', 'ECDHE-RSA-AES128-SHA TLSv1 Kx=ECDH Au=RSA Enc=AES(128) Mac=SHA1')!, 'TLS 1.0');
});

live.run();
caa.run();
saved.run();
