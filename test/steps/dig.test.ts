/** dig and compareResolvers against real BIND servers (authoritative + validating resolver). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { compareResolvers, dig, parseDig, parseDigTrace } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { startBind, type BindServers } from '../helpers/services/bind.js';
import { fixture } from '../helpers/paths.js';

let dns: BindServers;
const start = async () => {
  dns ??= await startBind();
};

const q = suite('dig');
q.before(start);

q('resolves a CNAME chain into a path and the final addresses, with TTLs', async () => {
  const r = await dig('alias.example.test', { server: dns.auth });
  assert.is(r.kind, 'dig');
  assert.ok(r.ok, r.error?.message);
  const d = r.data!;
  assert.equal(d.cnameChain, ['alias.example.test.', 'alias2.example.test.', 'www.example.test.']);
  assert.equal(d.values, ['192.0.2.10', '192.0.2.11']);
  assert.ok(d.authoritative);
  assert.equal(d.answer.find((x) => x.type === 'CNAME'), { name: 'alias.example.test.', ttl: 300, class: 'IN', type: 'CNAME', data: 'alias2.example.test.' });
  assert.is(d.protocol, 'UDP');
  assert.is(d.server, `127.0.0.1#${dns.authPort}`);
  assert.is(r.transcript.length, 1);
  assert.is(r.transcript[0]!.exitCode, 0);
});

q('asks any record type, over TCP when told', async () => {
  const mx = await dig('example.test', { server: dns.auth, type: 'MX', tcp: true });
  assert.equal(mx.data!.values, ['10 mail.example.test.']);
  assert.is(mx.data!.protocol, 'TCP');
  assert.ok(mx.transcript[0]!.argv.includes('+tcp'));
  const txt = await dig('example.test', { server: dns.auth, type: 'TXT' });
  assert.equal(txt.data!.values, ['"v=spf1 -all"']);
  const caa = await dig('example.test', { server: dns.auth, type: 'caa' });
  assert.equal(caa.data!.values, ['0 issue "letsencrypt.org"']);
  const aaaa = await dig('www.example.test', { server: dns.auth, type: 'AAAA' });
  assert.equal(aaaa.data!.values, ['2001:db8::10']);
});

q('NXDOMAIN is a result with the SOA in the authority section', async () => {
  const r = await dig('nope.example.test', { server: dns.auth });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'nxdomain');
  assert.is(r.data!.status, 'NXDOMAIN');
  assert.is(r.data!.authority[0]!.type, 'SOA');
  assert.equal(r.data!.values, []);
});

q('a broken delegation SERVFAILs at the resolver', async () => {
  const r = await dig('x.broken.example.test', { server: dns.resolver });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'servfail');
  assert.is(r.data!.status, 'SERVFAIL');
});

q('REFUSED is reported for a zone the server does not serve', async () => {
  const r = await dig('www.private.test', { server: dns.auth });
  assert.is(r.data!.status, 'REFUSED');
  assert.is(r.error!.code, 'refused');
});

q('a server that does not answer is a timeout result, not an exception', async () => {
  const r = await dig('www.example.test', { server: '127.0.0.1:9', time: 1 });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'timeout');
  assert.is(r.data!.status, 'NOREPLY');
  assert.is(r.transcript[0]!.exitCode, 9);
});

q('a signed zone through the validating resolver is secure: AD flag and RRSIG', async () => {
  const r = await dig('www.signed.test', { server: dns.resolver, dnssec: true });
  assert.ok(r.ok, r.error?.message);
  const s = r.data!.dnssec!;
  assert.is(s.ad, true);
  assert.is(s.validation, 'secure');
  assert.is(s.rrsigs.length, 1);
  assert.is(s.rrsigs[0]!.typeCovered, 'A');
  assert.is(s.rrsigs[0]!.signer, 'signed.test.');
  assert.is(s.rrsigs[0]!.algorithm, 13);
  assert.is(s.rrsigs[0]!.expired, false);
});

q('asking the authoritative server shows RRSIGs but cannot validate', async () => {
  const r = await dig('www.signed.test', { server: dns.auth, dnssec: true });
  assert.ok(r.ok);
  assert.is(r.data!.dnssec!.validation, 'unvalidated');
  assert.ok(r.data!.answer.some((x) => x.type === 'RRSIG'));
});

q('an expired signature is a validation failure: SERVFAIL, then visible with +cd, reported bogus', async () => {
  const r = await dig('www.expired.test', { server: dns.resolver, dnssec: true });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'dnssec-bogus');
  assert.is(r.data!.status, 'SERVFAIL');
  assert.is(r.data!.dnssec!.validation, 'bogus');
  assert.match(r.data!.dnssec!.reason!, /expired 2020-02-01T00:00:00Z/);
  assert.equal(r.data!.values, ['192.0.2.20']);
  assert.is(r.transcript.length, 2);
  assert.ok(r.transcript[1]!.argv.includes('+cd'));
});

q('an unsigned answer with DNSSEC asked is insecure', async () => {
  const r = await dig('www.example.test', { server: dns.resolver, dnssec: true });
  assert.is(r.data!.dnssec!.validation, 'insecure');
  assert.is(r.data!.dnssec!.ad, false);
});

q('+trace walks the delegation from the root zone to the answer', async () => {
  const r = await dig('www.example.test', { server: dns.auth, trace: true });
  assert.ok(r.ok, r.error?.message);
  const walk = r.data!.trace!;
  assert.ok(walk.length >= 2);
  assert.is(walk[0]!.zone, '.');
  assert.equal(walk[0]!.records.map((x) => `${x.name} ${x.type} ${x.data}`), ['. NS 127.0.0.1.']);
  assert.is(walk[walk.length - 1]!.zone, null);
  assert.equal(r.data!.values, ['192.0.2.10', '192.0.2.11']);
});

q('displays as a table of records with application/json carrying the result', async () => {
  const r = await dig('alias.example.test', { server: dns.auth });
  const dd = toDisplayData(r).data;
  assert.match(dd['text/html'] as string, /alias2\.example\.test\./);
  const json = dd['application/json'] as { kind: string; data: { values: string[] } };
  assert.is(json.kind, 'dig');
  assert.equal(json.data.values, ['192.0.2.10', '192.0.2.11']);
});

const cmp = suite('compareResolvers');
cmp.before(start);

cmp('all resolvers agreeing is ok', async () => {
  const r = await compareResolvers('www.example.test', [dns.auth, dns.resolver]);
  assert.is(r.kind, 'dig-compare');
  assert.ok(r.ok);
  assert.is(r.data!.agree, true);
  assert.is(r.data!.groups.length, 1);
  assert.is(r.transcript.length, 2);
});

cmp('IPv6 resolvers are given as [addr]:port', async () => {
  const r = await compareResolvers('www.example.test', [dns.auth6, dns.auth]);
  assert.ok(r.ok, JSON.stringify(r.data?.answers));
  assert.is(r.data!.answers[0]!.resolver, dns.auth6);
  assert.equal(r.data!.answers[0]!.values, ['192.0.2.10', '192.0.2.11']);
  assert.ok(r.transcript[0]!.argv.includes('@::1'));
});

cmp('a resolver with a stale view and a dead one show where they disagree', async () => {
  const r = await compareResolvers('moved.example.test', [dns.auth, dns.resolver, '127.0.0.1:9'], { time: 1 });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'disagree');
  const by = Object.fromEntries(r.data!.answers.map((a) => [a.resolver, a]));
  assert.equal(by[dns.auth]!.values, ['192.0.2.99']);
  assert.equal(by[dns.resolver]!.values, ['198.51.100.7']);
  assert.is(by['127.0.0.1:9']!.status, 'NOREPLY');
  assert.is(r.data!.groups.length, 3);
  const text = toDisplayData(r).data['text/plain'] as string;
  assert.match(text, /DISAGREE/);
});

const parse = suite('parseDig on saved output');

parse('parses a saved CNAME-chain answer', () => {
  const d = parseDig(fs.readFileSync(fixture('steps/dig-cname-chain.txt'), 'utf8'));
  assert.is(d.status, 'NOERROR');
  assert.is(d.cnameChain.length, 3);
  assert.equal(d.values, ['192.0.2.10', '192.0.2.11']);
  assert.is(d.messageSize, 146);
});

parse('parses saved DNSSEC answers and judges signatures against the given clock', () => {
  const secure = parseDig(fs.readFileSync(fixture('steps/dig-dnssec-secure.txt'), 'utf8'), Date.parse('2026-11-30T00:00:00Z'));
  assert.is(secure.dnssec!.validation, 'secure');
  const cd = parseDig(fs.readFileSync(fixture('steps/dig-dnssec-expired-cd.txt'), 'utf8'));
  assert.ok(cd.flags.includes('cd'));
  assert.is(cd.dnssec!.validation, 'bogus');
  assert.is(cd.dnssec!.rrsigs[0]!.expiration, '2020-02-01T00:00:00Z');
  assert.is(cd.dnssec!.rrsigs[0]!.inception, '2020-01-01T00:00:00Z');
});

parse('parses saved SERVFAIL, NXDOMAIN, TCP and no-reply outputs', () => {
  assert.is(parseDig(fs.readFileSync(fixture('steps/dig-servfail.txt'), 'utf8')).status, 'SERVFAIL');
  assert.is(parseDig(fs.readFileSync(fixture('steps/dig-nxdomain.txt'), 'utf8')).authority[0]!.type, 'SOA');
  assert.is(parseDig(fs.readFileSync(fixture('steps/dig-mx-tcp.txt'), 'utf8')).protocol, 'TCP');
  assert.is(parseDig(fs.readFileSync(fixture('steps/dig-noreply.txt'), 'utf8')).status, 'NOREPLY');
});

parse('parses EDE lines and a saved +trace walk', () => {
  const d = parseDig(';; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: 1\n;; flags: qr rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1\n\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags: do; udp: 1232\n; EDE: 7 (Signature Expired)\n');
  assert.equal(d.ede, [{ code: 7, text: 'Signature Expired' }]);
  assert.is(d.dnssec!.validation, 'bogus');
  const t = parseDigTrace(fs.readFileSync(fixture('steps/dig-trace.txt'), 'utf8'), 'www.example.test', 'A');
  assert.is(t.trace!.length, 2);
  assert.equal(t.values, ['192.0.2.10', '192.0.2.11']);
});

q.after(async () => undefined);
cmp.after(async () => {
  await dns?.stop();
});

q.run();
cmp.run();
parse.run();
