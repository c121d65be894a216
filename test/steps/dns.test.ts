/**
 * delegation, dnssecChain, whoAnswered against five BIND servers in a namespace (parent, two
 * children with different serials, a lame server, a validating resolver), and their parsers on
 * saved output.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { cdnOf, compareResolvers, delegation, dig, dnssecChain, dnsVerdict, dsDigest, keyTag, parseDelv, parseDig, processesStarted, staleAnswers, StepInputError, whoAnswered } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { startBind, startDelegation, type BindServers, type DelegationServers } from '../helpers/services/bind.js';
import { fixture } from '../helpers/paths.js';

let d: DelegationServers;
const live = suite('dns in depth, live');
live.before(async () => {
  d = await startDelegation();
});
live.after(async () => {
  await d?.stop();
});

live('delegation names the lame server, the server with the old serial and the NS sets that differ', async () => {
  const r = await delegation('stale.deleg.test', { parent: d.parent, netns: d.netns });
  assert.is(r.kind, 'dns-delegation');
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'lame-delegation');
  const x = r.data!;
  assert.equal(x.parentNs, ['ns1.stale.deleg.test.', 'ns2.stale.deleg.test.', 'ns3.stale.deleg.test.']);
  assert.equal(x.childNs, ['ns1.stale.deleg.test.', 'ns2.stale.deleg.test.', 'ns4.stale.deleg.test.']);
  assert.equal(x.onlyAtParent, ['ns3.stale.deleg.test.']);
  assert.equal(x.onlyAtChild, ['ns4.stale.deleg.test.']);
  assert.equal(x.glue.find((g) => g.name === 'ns3.stale.deleg.test.')?.addresses, ['127.0.0.4']);
  assert.equal(x.lameServers.map((s) => [s.address, s.status]), [['127.0.0.4', 'REFUSED'], ['127.0.0.6', 'NOREPLY']]);
  assert.equal(x.staleServers, [{ name: 'ns2.stale.deleg.test.', address: '127.0.0.3', serial: 2026112401 }]);
  assert.is(x.latestSerial, 2026112402);
  assert.ok(r.transcript.every((t) => t.argv.includes('+norec')));
  const text = dnsVerdict({ delegation: r }).join('\n');
  assert.match(text, 'ns2.stale.deleg.test. (127.0.0.3) serves an OLD copy of the zone: SOA serial 2026112401, the others have 2026112402');
  assert.match(text, 'ns3.stale.deleg.test. (127.0.0.4) is LAME');
});

live('a healthy delegation: same NS sets, all authoritative, one serial', async () => {
  const r = await delegation('good.deleg.test', { parent: d.parent, netns: d.netns });
  assert.ok(r.ok, r.error?.message);
  assert.equal(r.data!.problems, []);
  assert.equal(r.data!.servers.map((s) => s.serial), [2026112402, 2026112402]);
  assert.match(dnsVerdict({ delegation: r }).join('\n'), 'Delegation of good.deleg.test. is healthy');
});

live('without a parent given, the parent zone servers are found through a resolver', async () => {
  const r = await delegation('good.deleg.test', { resolver: d.resolver, netns: d.netns });
  assert.ok(r.ok, r.error?.message);
  assert.equal(r.data!.parentServers, ['127.0.0.1']);
  assert.equal(r.data!.parentNs, ['ns1.good.deleg.test.', 'ns2.good.deleg.test.']);
});

live('dnssecChain finds the stale DS (the resolver SERVFAILs) and the intact chain', async () => {
  const stale = await dnssecChain('stale.deleg.test', { parent: d.parent, server: d.childA, resolver: d.resolver, anchorFile: d.anchorFile, anchorName: 'deleg.test', netns: d.netns });
  assert.is(stale.kind, 'dnssec-chain');
  assert.is(stale.error!.code, 'stale-ds');
  const x = stale.data!;
  assert.is(x.ds.length, 1);
  assert.is(x.ds[0]!.matchesKey, null);
  assert.is(x.dnskeys.filter((k) => k.sep).length, 1);
  assert.not.ok(x.dnskeys.some((k) => k.keyTag === x.ds[0]!.keyTag));
  assert.is(x.delv!.verdict, 'failed');
  assert.match(x.explanation, /^STALE DS: the parent's DS \(key tag\/algorithm \d+\/13\) matches no DNSKEY/);
  const resolverView = await dig('www.stale.deleg.test', { server: d.resolver, dnssec: true, netns: d.netns });
  assert.is(resolverView.data!.status, 'SERVFAIL');
  const good = await dnssecChain('good.deleg.test', { parent: d.parent, server: d.childA, resolver: d.resolver, anchorFile: d.anchorFile, anchorName: 'deleg.test', netns: d.netns, now: new Date() });
  assert.ok(good.ok, good.error?.message);
  assert.is(good.data!.verdict, 'secure');
  assert.is(good.data!.delv!.verdict, 'secure');
  assert.ok(good.data!.signatures.every((s) => !s.expired && s.daysLeft > 20));
  assert.ok(good.data!.dnskeys.some((k) => k.sep && k.hasDs && k.signsKeys));
});

live('whoAnswered reads id.server and hostname.bind over CHAOS', async () => {
  const r = await whoAnswered(d.resolver, { netns: d.netns });
  assert.ok(r.ok, r.error?.message);
  assert.is(r.data!.idServer, 'resolver-a');
  assert.is(r.data!.hostname, 'resolver-a.test');
  assert.match(r.transcript[0]!.argv.join(' '), /-c CH .*-q id\.server -t TXT/);
});

live('hostile inputs are rejected before any process starts', async () => {
  const before = processesStarted();
  for (const f of [() => delegation('a;b.test'), () => delegation('.'), () => dnssecChain('x.test', { resolver: '1.2.3.4:99999' }), () => whoAnswered('$(id)'), () => delegation('x.test', { parent: '-p' }), () => dig('x.test', { class: 'HS' as 'IN' })]) {
    try {
      await f();
      assert.unreachable();
    } catch (e) {
      assert.instance(e, StepInputError);
    }
  }
  assert.is(processesStarted(), before);
});

const parsers = suite('dns in depth, saved output');

parsers('key tags and DS digests computed from the saved DNSKEY answer; the saved DS matches none (stale)', () => {
  const keys = parseDig(fs.readFileSync(fixture('steps/dig-dnskey-stale.txt'), 'utf8')).answer.filter((r) => r.type === 'DNSKEY');
  const sigTags = parseDig(fs.readFileSync(fixture('steps/dig-dnskey-stale.txt'), 'utf8')).dnssec!.rrsigs.map((s) => s.keyTag).sort();
  const tags = keys.map((k) => {
    const [f, p, a, ...key] = k.data.split(/\s+/);
    return keyTag(Number(f), Number(p), Number(a), key.join(''));
  });
  // dnssec-signzone signs the DNSKEY set with both keys: the RRSIG key tags are the computed ones.
  assert.equal(tags.sort(), sigTags);
  const ds = parseDig(fs.readFileSync(fixture('steps/dig-ds-stale.txt'), 'utf8')).answer.find((r) => r.type === 'DS')!;
  const [dsTag, , , ...digest] = ds.data.split(/\s+/);
  assert.not.ok(tags.includes(Number(dsTag)));
  for (const k of keys) {
    const [f, p, a, ...key] = k.data.split(/\s+/);
    assert.is.not(dsDigest('stale.deleg.test', Number(f), Number(p), Number(a), key.join(''), 2), digest.join(''));
  }
});

parsers('dsDigest reproduces the RFC 4034 section 5.4 example (dskey.example.com, SHA-1)', () => {
  const key = 'AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==';
  assert.is(keyTag(256, 3, 5, key), 60485);
  assert.is(dsDigest('dskey.example.com.', 256, 3, 5, key, 1), '2BB183AF5F22588179A53B0A98631FAD1A292118');
});

parsers('parseDelv reads the saved secure and failed runs; the CH TXT answer parses', () => {
  assert.equal(parseDelv(fs.readFileSync(fixture('steps/delv-secure.txt'), 'utf8')), { verdict: 'secure', text: 'fully validated' });
  assert.equal(parseDelv(fs.readFileSync(fixture('steps/delv-stale-ds.txt'), 'utf8')), { verdict: 'failed', text: 'resolution failed: failure' });
  const ch = parseDig(fs.readFileSync(fixture('steps/dig-ch-id-server.txt'), 'utf8'));
  assert.equal(ch.question, { name: 'id.server.', class: 'CH', type: 'TXT' });
  assert.equal(ch.values, ['"resolver-a"']);
  const ref = parseDig(fs.readFileSync(fixture('steps/dig-referral-norec.txt'), 'utf8'));
  assert.not.ok(ref.authoritative);
  assert.is(ref.authority.filter((r) => r.type === 'NS').length, 3);
});

parsers('cdnOf knows Cloudflare edge addresses, v4 and v6, and nothing else', () => {
  assert.is(cdnOf('104.16.132.229'), 'cloudflare');
  assert.is(cdnOf('2606:4700::6810:84e5'), 'cloudflare');
  assert.is(cdnOf('192.0.2.10'), null);
  assert.is(cdnOf('not-an-ip'), null);
});

const verdicts = suite('dns-resolution verdict (regressions)');
let bind: BindServers;
verdicts.before(async () => {
  bind = await startBind();
});
verdicts.after(async () => {
  await bind?.stop();
});

verdicts('no resolver answering is "none answered", never "All 2 resolvers agree: NOREPLY"', async () => {
  const cmp = await compareResolvers('www.example.test', ['127.0.0.1:9', '127.0.0.1:7'], { time: 1 });
  const text = dnsVerdict({ comparison: cmp }).join('\n');
  assert.not.match(text, /agree/);
  assert.match(text, '**None of the 2 resolvers answered** (no reply from 127.0.0.1:9, 127.0.0.1:7)');
});

verdicts('an NXDOMAIN asked with DNSSEC never shows "DNSSEC: not requested"', async () => {
  const r = await dig('nothing-here.example.test', { server: bind.auth, dnssec: true });
  assert.is(r.data!.status, 'NXDOMAIN');
  assert.ok(r.data!.dnssecRequested);
  const shown = toDisplayData(r).data['text/plain'] as string;
  assert.not.match(shown, /not requested/);
  assert.match(dnsVerdict({ detail: [r] }).join('\n'), /NXDOMAIN \(DNSSEC requested: /);
  const plain = await dig('nothing-here.example.test', { server: bind.auth });
  assert.match(toDisplayData(plain).data['text/plain'] as string, /not requested/);
});

verdicts('a resolver serving a different answer is named, with the time its copy expires', async () => {
  const cmp = await compareResolvers('moved.example.test', [bind.auth, bind.resolver]);
  const at = new Date('2026-12-01T00:00:00Z');
  const stale = staleAnswers(cmp.data!, ['192.0.2.99'], at);
  assert.is(stale.length, 1);
  assert.is(stale[0]!.resolver, bind.resolver);
  assert.equal(stale[0]!.values, ['198.51.100.7']);
  assert.is(stale[0]!.expiresAt, new Date(at.getTime() + stale[0]!.ttl! * 1000).toISOString());
  const text = dnsVerdict({ comparison: cmp, authoritative: ['192.0.2.99'], observedAt: at }).join('\n');
  assert.match(text, `**${bind.resolver} serves a stale answer** (198.51.100.7; the authoritative servers say 192.0.2.99): its cached copy expires in`);
});

live.run();
parsers.run();
verdicts.run();
