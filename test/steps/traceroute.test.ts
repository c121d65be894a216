/**
 * traceroute and pathMtu inside a multi-hop network-namespace path whose middle link has the MTU of
 * a GRE tunnel (1476). Tools run in the client namespace via `ip netns exec`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { parseTracepath, parseTraceroute, pathMtu, traceroute } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { startNetnsPath, type NetnsPath } from '../helpers/services/netns.js';
import { fixture } from '../helpers/paths.js';

let net: NetnsPath;
const HOPS = ['10.99.1.1', '10.99.2.2', '10.99.3.2'];

const tr = suite('traceroute');
tr.before(async () => {
  net = await startNetnsPath();
});

tr('UDP probes find the two routers and the server, with RTTs and no loss', async () => {
  const r = await traceroute(net.addresses.server, { netns: net.client });
  assert.is(r.kind, 'traceroute');
  assert.ok(r.ok, r.error?.message);
  assert.equal(r.data!.hops.map((h) => h.addresses), HOPS.map((a) => [a]));
  assert.ok(r.data!.hops.every((h) => h.loss === 0 && h.rtt !== null && h.probes.length === 3));
  assert.is(r.data!.reached, true);
  assert.equal(r.transcript[0]!.argv.slice(0, 5), ['ip', 'netns', 'exec', net.client, 'traceroute']);
});

tr('ICMP and TCP SYN to a port trace the same path', async () => {
  const icmp = await traceroute(net.addresses.server, { netns: net.client, protocol: 'icmp', queries: 1 });
  assert.equal(icmp.data!.hops.map((h) => h.addresses[0]), HOPS);
  assert.ok(icmp.transcript[0]!.argv.includes('-I'));
  const tcp = await traceroute(net.addresses.server, { netns: net.client, protocol: 'tcp', port: 443, queries: 1 });
  assert.equal(tcp.data!.hops.map((h) => h.addresses[0]), HOPS);
  assert.is(tcp.data!.port, 443);
  assert.ok(tcp.transcript[0]!.argv.includes('-T'));
});

tr('an address behind the last router is not reached: lost hops are reported as loss', async () => {
  const r = await traceroute('10.99.3.77', { netns: net.client, maxHops: 4, queries: 1 });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'unreached');
  assert.equal(r.data!.hops.slice(0, 2).map((h) => h.addresses[0]), HOPS.slice(0, 2));
  assert.is(r.data!.hops[3]!.loss, 1);
});

tr('displays a hop table', async () => {
  const r = await traceroute(net.addresses.server, { netns: net.client, queries: 1 });
  assert.match(toDisplayData(r).data['text/html'] as string, /10\.99\.2\.2/);
});

const mtu = suite('pathMtu');

mtu('DF ping bisection and tracepath both find the 1476-byte tunnel MTU (ICMP payload 1448)', async () => {
  const r = await pathMtu(net.addresses.server, { netns: net.client });
  assert.is(r.kind, 'path-mtu');
  assert.ok(r.ok, r.error?.message);
  const d = r.data!;
  assert.is(d.pathMtu, 1476);
  assert.is(d.largestPayload, 1448);
  assert.is(d.smallestFailing, 1477);
  assert.is(d.reduced, true);
  assert.ok(d.probes.some((p) => p.payload === 1448 && p.passed));
  assert.ok(d.probes.some((p) => p.payload === 1449 && !p.passed));
  assert.ok(d.probes.some((p) => p.mtuHint === 1476));
  assert.is(d.tracepath!.pmtu, 1476);
  assert.is(d.tracepath!.reached, true);
  assert.is(d.blackHole, false);
});

mtu('when the tunnel router filters its ICMP, bisection still finds 1476 and reports a black hole', async () => {
  net.icmpBlackhole(true);
  try {
    const r = await pathMtu(net.addresses.server, { netns: net.client, method: 'ping' });
    assert.ok(r.ok, r.error?.message);
    assert.is(r.data!.pathMtu, 1476);
    assert.is(r.data!.blackHole, true);
    assert.ok(r.data!.probes.every((p) => p.mtuHint === null));
    assert.match(toDisplayData(r).data['text/plain'] as string, /BLACK HOLE/);
    // The filtering router also disappears from traceroute.
    const t = await traceroute(net.addresses.server, { netns: net.client, queries: 1 });
    assert.equal(t.data!.hops[0]!.addresses, []);
    assert.is(t.data!.hops[0]!.loss, 1);
    assert.is(t.data!.reached, true);
  } finally {
    net.icmpBlackhole(false);
  }
});

mtu('over IPv6 the same link gives path MTU 1476 (ICMPv6 payload 1428) and traceroute sees the v6 hops', async () => {
  const r = await pathMtu(net.addresses.server6, { netns: net.client, method: 'ping' });
  assert.ok(r.ok, r.error?.message);
  assert.is(r.data!.pathMtu, 1476);
  assert.is(r.data!.largestPayload, 1428);
  const t = await traceroute(net.addresses.server6, { netns: net.client, protocol: 'icmp', queries: 1 });
  assert.equal(t.data!.hops.map((h) => h.addresses[0]), ['fd00:99:1::1', 'fd00:99:2::2', 'fd00:99:3::2']);
});

mtu('a path without a reduced link passes full-size packets', async () => {
  const r = await pathMtu(net.addresses.r1, { netns: net.client, method: 'ping' });
  assert.is(r.data!.pathMtu, 1500);
  assert.is(r.data!.reduced, false);
  assert.is(r.data!.probes.length, 1);
});

mtu('an unreachable target is a failed result', async () => {
  const r = await pathMtu('10.99.3.77', { netns: net.client, method: 'ping', maxMtu: 200 });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'unreachable');
});

mtu.after(async () => {
  await net?.stop();
});

const parse = suite('path parsers on saved output');

parse('parseTraceroute reads saved traces, stars and annotations', () => {
  const ok = parseTraceroute(fs.readFileSync(fixture('steps/traceroute-3hops.txt'), 'utf8'));
  assert.is(ok.targetAddress, '10.99.3.2');
  assert.equal(ok.hops.map((h) => h.addresses[0]), HOPS);
  const lost = parseTraceroute(fs.readFileSync(fixture('steps/traceroute-unreached.txt'), 'utf8'));
  assert.equal(lost.hops.map((h) => h.loss), [0, 0, 1, 1, 1]);
  const mixed = parseTraceroute('traceroute to x (192.0.2.9), 30 hops max, 60 byte packets\n 1  gw.example (10.0.0.1)  1.1 ms 10.0.0.2 (10.0.0.2)  1.3 ms *\n 2  192.0.2.9  5.0 ms !H  5.1 ms !H  *\n');
  assert.equal(mixed.hops[0]!.addresses, ['10.0.0.1', '10.0.0.2']);
  assert.is(mixed.hops[0]!.loss, 0.333);
  assert.equal(mixed.hops[1]!.probes.map((p) => p.annotation), ['!H', '!H', null]);
});

parse('parseTracepath reads a saved run with the pmtu drop', () => {
  const t = parseTracepath(fs.readFileSync(fixture('steps/tracepath-1476.txt'), 'utf8'));
  assert.is(t.pmtu, 1476);
  assert.is(t.reached, true);
  assert.is(t.hops[t.hops.length - 1]!.address, '10.99.3.2');
});

tr.run();
mtu.run();
parse.run();
