/**
 * FRR looking-glass parsers on saved real vtysh JSON (FRR 8.4, Debian 12, from the netns lab in
 * test/helpers/services/frr.ts), and input checks that run before any process starts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { asPathNumbers, bgp, parseFrrNeighbors, parseFrrRouteDetail, parseFrrRpkiCaches, parseFrrRpkiTable, parseFrrTable, processesStarted, StepInputError } from '../../src/steps/index.js';
import { fixture } from '../helpers/paths.js';

const read = (f: string) => fs.readFileSync(fixture('steps', f), 'utf8');

const parse = suite('FRR JSON parsers');

parse('the table form lists every path with AS path, origin AS, peer and best flag; local routes have no peer', () => {
  const t = parseFrrTable(read('frr-up-routes.json'));
  assert.is(t.routerId, '10.216.3.1');
  assert.is(t.localAs, 64510);
  const hijack = t.paths.filter((p) => p.prefix === '203.0.113.0/25');
  assert.is(hijack.length, 1);
  assert.equal({ ...hijack[0], rpki: hijack[0]!.rpki }, { prefix: '203.0.113.0/25', best: true, valid: true, asPath: [64666], asPathText: '64666', originAs: 64666, peer: '10.216.2.1', nextHop: '10.216.2.1', origin: 'IGP', weight: 0, metric: 0, localPref: null, rpki: null, lastUpdate: null });
  const link = t.paths.filter((p) => p.prefix === '10.216.1.0/30');
  assert.equal(link.map((p) => [p.best, p.peer, p.originAs]), [[true, null, null], [false, '10.216.1.1', 64500]]);
  // sorted numerically by address, not as text
  assert.equal([...new Set(t.paths.map((p) => p.prefix))], ['10.216.1.0/30', '10.216.2.0/30', '10.216.3.0/30', '100.64.10.0/24', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '203.0.113.0/25']);
});

parse('a vantage point two hops away sees the transit AS first and the origin last', () => {
  const t = parseFrrTable(read('frr-peer-routes.json'));
  const p = t.paths.find((x) => x.prefix === '203.0.113.0/25')!;
  assert.equal(p.asPath, [64510, 64666]);
  assert.is(p.originAs, 64666);
  assert.equal(parseFrrTable(read('frr-peer-rpki-invalid.json')).paths.map((x) => x.prefix), ['192.0.2.0/24', '203.0.113.0/25']);
  assert.equal(parseFrrTable(read('frr-peer-rpki-valid.json')).paths.map((x) => x.prefix), ['198.51.100.0/24', '203.0.113.0/24']);
});

parse('FRR 8.4 `rpki notfound` lists valid and invalid routes too, which is why routes() derives not found from the other two', () => {
  const nf = parseFrrTable(read('frr-peer-rpki-notfound.json')).paths.map((x) => x.prefix);
  assert.ok(nf.includes('203.0.113.0/24') && nf.includes('203.0.113.0/25'));
  assert.equal([...new Set(nf)], [...new Set(parseFrrTable(read('frr-peer-routes.json')).paths.map((x) => x.prefix))]);
});

parse('the detail form of an address gives the longest match with its RPKI state and last update', () => {
  const d = parseFrrRouteDetail(read('frr-up-route-address.json'));
  assert.is(d.prefix, '203.0.113.0/25');
  assert.is(d.paths.length, 1);
  assert.is(d.paths[0]!.rpki, 'invalid');
  assert.is(d.paths[0]!.originAs, 64666);
  assert.is(d.paths[0]!.best, true);
  assert.type(d.paths[0]!.lastUpdate, 'number');
  const v = parseFrrRouteDetail(read('frr-peer-route-prefix.json'));
  assert.equal([v.prefix, v.paths[0]!.rpki, v.paths[0]!.asPath], ['203.0.113.0/24', 'valid', [64510, 64500]]);
  assert.equal(parseFrrRouteDetail('{\n}\n'), { prefix: null, paths: [] });
});

parse('longer-prefixes lists the covering /24 and the hijacking /25', () => {
  assert.equal(parseFrrTable(read('frr-up-longer-prefixes.json')).paths.map((p) => [p.prefix, p.originAs]), [['203.0.113.0/24', 64500], ['203.0.113.0/25', 64666]]);
});

parse('neighbors: AS, state, uptime and prefix counts per session', () => {
  const n = parseFrrNeighbors(read('frr-up-neighbors.json'));
  assert.equal(n.map((x) => [x.address, x.remoteAs, x.state, x.established]), [['10.216.1.1', 64500, 'Established', true], ['10.216.2.1', 64666, 'Established', true], ['10.216.3.2', 64520, 'Established', true]]);
  assert.ok(n.every((x) => typeof x.uptimeMs === 'number' && typeof x.prefixesAccepted === 'number' && typeof x.prefixesSent === 'number'));
  assert.is(n.find((x) => x.remoteAs === 64666)!.prefixesAccepted, 3);
});

parse('rpki: caches with their state and the VRPs as prefix/min-length, max length, ASN', () => {
  assert.equal(parseFrrRpkiCaches(read('frr-peer-rpki-cache-connection.json')), [{ mode: 'tcp', host: '10.216.3.1', port: 8323, preference: 1, state: 'connected' }]);
  assert.equal(parseFrrRpkiTable(read('frr-peer-rpki-prefix-table.json')), [
    { prefix: '192.0.2.0/23', maxLength: 23, asn: 64500 },
    { prefix: '198.51.100.0/22', maxLength: 24, asn: 64500 },
    { prefix: '203.0.113.0/24', maxLength: 24, asn: 64500 },
  ]);
});

parse('AS paths with sets: members kept, no origin AS when the path ends in a set', () => {
  assert.equal(asPathNumbers('64510 64500'), { path: [64510, 64500], endsInSet: false });
  assert.equal(asPathNumbers('64510 {64501,64502}'), { path: [64510, 64501, 64502], endsInSet: true });
  assert.equal(asPathNumbers(''), { path: [], endsInSet: false });
});

parse('text that is not JSON is an error, not an empty table', () => {
  assert.throws(() => parseFrrTable('% [BGP] Unknown command: show bgp ipv4 unicast json'));
});

const input = suite('bgp input');

input('bad prefixes, addresses, namespaces and options are refused before vtysh starts', async () => {
  const before = processesStarted();
  const bad: [string, () => Promise<unknown>][] = [
    ['203.0.113.0/33', () => bgp.route('203.0.113.0/33')],
    ['semicolon', () => bgp.route('203.0.113.0/24; reboot')],
    ['name', () => bgp.route('example.com')],
    ['empty', () => bgp.route('')],
    ['dash', () => bgp.route('-c')],
    ['longer on address', () => bgp.route('203.0.113.1', { longer: true })],
    ['netns', () => bgp.neighbors({ netns: 'a b' })],
    ['pathspace', () => bgp.rpki({ pathspace: '../x' })],
    ['afi', () => bgp.routes({ afi: 'ipx' as 'ipv4' })],
    ['rpki', () => bgp.routes({ rpki: 'unknown' as 'valid' })],
  ];
  for (const [what, fn] of bad) {
    try {
      await fn();
      assert.unreachable(`${what} accepted`);
    } catch (e) {
      assert.instance(e, StepInputError, `${what}: ${String(e)}`);
    }
  }
  assert.is(processesStarted(), before);
  try {
    await bgp.route('203.0.113.0/33');
  } catch (e) {
    assert.match((e as Error).message, /prefix or address "203\.0\.113\.0\/33" is not an IPv4\/IPv6 address or prefix/);
  }
});

parse.run();
input.run();
