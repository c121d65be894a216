/** tls (openssl s_client + x509) against Node TLS servers presenting a test PKI; x509 parsing of saved and corpus chains. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import { parseSClient, parseX509Text, readCertificates, StepInputError, tls } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { makePki, type Pki } from '../helpers/services/pki.js';
import { startTlsServers, type TlsServers } from '../helpers/services/tls-servers.js';
import { corpus, fixture } from '../helpers/paths.js';

let pki: Pki;
let servers: TlsServers;
const WWW = 'www.example.test';

const t = suite('tls');
t.before(async () => {
  pki = makePki();
  servers = await startTlsServers(pki);
});
t.after(async () => {
  await servers?.stop();
  pki?.remove();
});

t('a valid chain verifies: protocol, cipher, full chain details, OCSP staple, accepted versions', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.valid, servername: WWW, caFile: pki.rootCert });
  assert.is(r.kind, 'tls');
  assert.ok(r.ok, r.error?.message);
  const d = r.data!;
  assert.is(d.protocol, 'TLSv1.3');
  assert.match(d.cipher!, /^TLS_/);
  assert.equal(d.verification, { ok: true, code: 0, text: 'ok', reason: 'ok' });
  assert.is(d.chain.length, 2);
  const [leaf, inter] = d.chain;
  assert.is(leaf!.commonName, WWW);
  assert.equal(leaf!.sans, ['DNS:www.example.test', 'DNS:example.test', 'IP Address:127.0.0.1']);
  assert.is(leaf!.keyType, 'RSA');
  assert.is(leaf!.keyBits, 2048);
  assert.is(leaf!.signatureAlgorithm, 'ecdsa-with-SHA256');
  assert.ok(leaf!.daysLeft >= 88 && leaf!.daysLeft <= 90, String(leaf!.daysLeft));
  assert.match(leaf!.fingerprintSha256!, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(leaf!.ocspUrls, ['http://ocsp.example.test/']);
  assert.is(inter!.commonName, 'Netrunbook Test Intermediate CA');
  assert.is(inter!.keyType, 'EC');
  assert.is(inter!.isCA, true);
  assert.is(leaf!.issuer, inter!.subject);
  assert.is(d.ocspStapled, true);
  assert.is(d.ocspStatus, 'good');
  assert.equal(d.versions, { tls1: false, tls1_1: false, tls1_2: true, tls1_3: true });
});

t('an expired leaf is reported as expired with negative days left', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.expired, servername: WWW, caFile: pki.rootCert, probeVersions: false });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'expired');
  assert.is(r.data!.verification!.code, 10);
  const leaf = r.data!.chain[0]!;
  assert.is(leaf.expired, true);
  assert.is(leaf.notAfter, '2020-02-01T00:00:00Z');
  assert.ok(leaf.daysLeft < 0);
});

t('a certificate without the requested name is a hostname mismatch', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.wrongSan, servername: WWW, caFile: pki.rootCert, probeVersions: false });
  assert.is(r.error!.code, 'hostname-mismatch');
  assert.is(r.data!.verification!.code, 62);
  assert.equal(r.data!.chain[0]!.sans, ['DNS:other.example.test']);
});

t('a server that omits its intermediate fails with missing-intermediate and presents one certificate', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.missingIntermediate, servername: WWW, caFile: pki.rootCert, probeVersions: false });
  assert.is(r.error!.code, 'missing-intermediate');
  assert.is(r.data!.verification!.code, 21);
  assert.is(r.data!.chain.length, 1);
});

t('a self-signed certificate is reported as self-signed', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.selfSigned, servername: WWW, caFile: pki.rootCert, probeVersions: false });
  assert.is(r.error!.code, 'self-signed');
  assert.is(r.data!.chain[0]!.selfIssued, true);
});

t('a chain from an unknown CA checked against the system store: unknown issuer, or untrusted root when the root is sent', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.valid, servername: WWW, probeVersions: false });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'unknown-issuer');
  assert.is(r.data!.verification!.code, 20);
  const withRoot = await tls('127.0.0.1', { port: servers.ports.withRoot, servername: WWW, probeVersions: false });
  assert.is(withRoot.error!.code, 'untrusted-root');
  assert.is(withRoot.data!.verification!.code, 19);
  assert.is(withRoot.data!.chain.length, 3);
  assert.is(withRoot.data!.chain[2]!.selfIssued, true);
});

t('SNI selects the certificate: with SNI the site, without SNI the default', async () => {
  const withSni = await tls('127.0.0.1', { port: servers.ports.sni, servername: WWW, caFile: pki.rootCert, probeVersions: false });
  assert.ok(withSni.ok, withSni.error?.message);
  assert.is(withSni.data!.servername, WWW);
  assert.is(withSni.data!.chain[0]!.commonName, WWW);
  assert.ok(withSni.transcript[0]!.argv.includes('-servername'));
  const without = await tls('127.0.0.1', { port: servers.ports.sni, servername: false, caFile: pki.rootCert, probeVersions: false });
  assert.is(without.data!.servername, null);
  assert.is(without.data!.chain[0]!.commonName, 'default.invalid');
  assert.ok(without.transcript[0]!.argv.includes('-noservername'));
  assert.not.ok(without.ok);
});

t('a TLS 1.2-only server: version probing finds only TLS 1.2, no OCSP staple', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.tls12, servername: WWW, caFile: pki.rootCert });
  assert.ok(r.ok, r.error?.message);
  assert.is(r.data!.protocol, 'TLSv1.2');
  assert.equal(r.data!.versions, { tls1: false, tls1_1: false, tls1_2: true, tls1_3: false });
  assert.is(r.data!.ocspStapled, false);
});

t('forcing a version the server refuses is a handshake failure', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.tls12, servername: WWW, version: 'tls1_3', probeVersions: false });
  assert.is(r.error!.code, 'handshake-failed');
  assert.is(r.data!.protocol, null);
});

t('a server that accepts TCP but never answers: the tool is stopped at the timeout, a timeout result', async () => {
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (silent.address() as net.AddressInfo).port;
    const r = await tls('127.0.0.1', { port, servername: WWW, probeVersions: false, timeoutMs: 1000 });
    assert.not.ok(r.ok);
    assert.is(r.error!.code, 'timeout');
    assert.is(r.transcript[0]!.timedOut, true);
    assert.is(r.transcript[0]!.signal, 'SIGKILL');
    // s_client block-buffers stdout into a pipe, so a killed s_client leaves no partial text.
    assert.is(r.data!.protocol, null);
  } finally {
    silent.close();
  }
});

t('a closed port is a connect failure result', async () => {
  const r = await tls('127.0.0.1', { port: 9, probeVersions: false });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'connect-refused');
  assert.is(r.data!.connected, false);
});

t('displays the presented chain as a table', async () => {
  const r = await tls('127.0.0.1', { port: servers.ports.valid, servername: WWW, caFile: pki.rootCert, probeVersions: false });
  const dd = toDisplayData(r).data;
  assert.match(dd['text/html'] as string, /Netrunbook Test Intermediate CA/);
  assert.is((dd['application/json'] as { kind: string }).kind, 'tls');
});

const certs = suite('readCertificates');

certs('reads every certificate of a chain file made by the test PKI', async () => {
  const p = makePki();
  try {
    const r = await readCertificates(p.certs.valid.chain);
    assert.is(r.kind, 'x509');
    assert.ok(r.ok);
    assert.equal(r.data!.map((c) => c.commonName), ['www.example.test', 'Netrunbook Test Intermediate CA']);
    const pem = fs.readFileSync(p.rootCert, 'utf8');
    const root = await readCertificates(pem);
    assert.is(root.data![0]!.selfIssued, true);
    assert.is(root.data![0]!.curve, 'P-256');
  } finally {
    p.remove();
  }
});

certs('reads the corpus chains: subjects, issuers and expiry as recorded in SOURCES.md', async () => {
  const expect: Record<string, { n: number; cn: string; issuer: string; notAfter: RegExp }> = {
    'google.de-2014': { n: 3, cn: '*.google.de', issuer: 'Google Internet Authority G2', notAfter: /^2014-07/ },
    'spidh.org-expired-2014': { n: 2, cn: 'www.spidh.org', issuer: 'COMODO SSL CA', notAfter: /^2014-03/ },
    'tobu-estate.com-2014': { n: 3, cn: 'www.tobu-estate.com', issuer: 'VeriSign Class 3 Secure Server CA - G3', notAfter: /^2014-03/ },
    'google.com-2018': { n: 2, cn: '*.google.com', issuer: 'Google Internet Authority G3', notAfter: /^2018-10/ },
    'edge.microsoft.com-2024': { n: 2, cn: 'edge.microsoft.com', issuer: 'Microsoft Azure TLS Issuing CA 05', notAfter: /^2024-06/ },
    'adnxs.com-2024': { n: 2, cn: '*.adnxs.com', issuer: 'GeoTrust ECC CA 2018', notAfter: /^2024-03/ },
    'liveperson.net-2024': { n: 3, cn: '*.liveperson.net', issuer: 'Sectigo RSA Organization Validation Secure Server CA', notAfter: /^2024-02/ },
    'prbtest.dev-2023': { n: 3, cn: 'www.prbtest.dev', issuer: 'GTS CA 1D4', notAfter: /^2024-02/ },
  };
  for (const [name, e] of Object.entries(expect)) {
    const r = await readCertificates(corpus('tls-cert-chains-from-pcaps', `${name}.chain.pem`));
    assert.ok(r.ok, name);
    const [leaf, next] = r.data!;
    assert.is(r.data!.length, e.n, name);
    assert.is(leaf!.commonName, e.cn, name);
    assert.match(leaf!.issuer, new RegExp(`CN=${e.issuer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|$)`), name);
    assert.match(leaf!.notAfter, e.notAfter, name);
    assert.is(leaf!.expired, true, name);
    // The chain is as sent, leaf first: each certificate is issued by the next one.
    assert.is(leaf!.issuer, next!.subject, name);
  }
  const adnxs = await readCertificates(corpus('tls-cert-chains-from-pcaps', 'adnxs.com-2024.chain.pem'));
  assert.is(adnxs.data![0]!.keyType, 'EC');
  const prb = await readCertificates(corpus('tls-cert-chains-from-pcaps', 'prbtest.dev-2023.chain.pem'));
  assert.match(prb.data![0]!.fingerprintSha1!, /^0D:DB:34:F8:.*:6D:FE:B6$/);
});

certs('text without a certificate is a failed result, a missing file a StepInputError', async () => {
  const r = await readCertificates('-----BEGIN NOTHING-----');
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'no-certificate');
  try {
    await readCertificates('/nonexistent/chain.pem');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, StepInputError);
  }
});

const parsers = suite('TLS parsers on saved output');

parsers('parseX509Text reads a saved RSA leaf and a saved expired leaf', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');
  const [rsa] = parseX509Text(fs.readFileSync(fixture('steps/x509-text-rsa-leaf.txt'), 'utf8'), now);
  assert.is(rsa!.commonName, 'www.example.test');
  assert.is(rsa!.keyType, 'RSA');
  assert.is(rsa!.keyBits, 2048);
  assert.equal(rsa!.extendedKeyUsage, ['TLS Web Server Authentication']);
  assert.ok(rsa!.daysLeft > 0);
  const [expired] = parseX509Text(fs.readFileSync(fixture('steps/x509-text-expired-leaf.txt'), 'utf8'), now);
  assert.is(expired!.notBefore, '2020-01-01T00:00:00Z');
  assert.is(expired!.expired, true);
  assert.is(expired!.keyType, 'EC');
  assert.is(expired!.keyBits, 256);
});

parsers('parseSClient reads a saved handshake with OCSP staple and chain PEMs', () => {
  const p = parseSClient(fs.readFileSync(fixture('steps/s_client-valid-ocsp.txt'), 'utf8'));
  assert.is(p.connected, true);
  assert.is(p.protocol, 'TLSv1.3');
  assert.is(p.ocspStapled, true);
  assert.is(p.ocspStatus, 'good');
  assert.is(p.pems.length, 2);
  assert.is(p.chainSummary[0]!.subject, 'CN=www.example.test');
  assert.is(p.verifyCode, 0);
});

parsers('parseSClient reads a saved missing-intermediate and a saved refused version', () => {
  const m = parseSClient(fs.readFileSync(fixture('steps/s_client-missing-intermediate.txt'), 'utf8'));
  assert.is(m.verifyCode, 21);
  assert.is(m.pems.length, 1);
  const v = parseSClient(fs.readFileSync(fixture('steps/s_client-tls13-refused.txt'), 'utf8'), fs.readFileSync(fixture('steps/s_client-tls13-refused.stderr.txt'), 'utf8'));
  assert.is(v.connected, true);
  assert.is(v.cipher, null);
  assert.is(v.protocol, null);
});

t.run();
certs.run();
parsers.run();
