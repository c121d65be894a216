/**
 * BIRD looking-glass parsers on saved real birdc output (BIRD 2.0.12, Debian 12 bird2, captured from
 * the lab in test/helpers/services/bird.ts: bird AS64530 peering with FRR's up and peer), plus the
 * shapes BIRD's documentation shows that the lab does not produce (ECMP, unreachable/blackhole,
 * AS_SET, dated routes, a session that is down), and input checks that run before any process.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import {
  BirdParseError,
  bgp,
  birdAsPath,
  birdCommunities,
  birdNeighbors,
  birdRoaTables,
  birdRpkiCaches,
  birdUptimeMs,
  parseBirdProtocols,
  parseBirdRoa,
  parseBirdRoutes,
  parseBirdStatusTime,
  processesStarted,
  StepInputError,
} from '../../src/steps/index.js';
import { fixture } from '../helpers/paths.js';

const read = (f: string) => fs.readFileSync(fixture('steps', f), 'utf8');
const peers = new Map([
  ['up', '10.216.4.1'],
  ['peer', '10.216.5.1'],
]);

const routes = suite('parseBirdRoutes');

routes('the IPv4 table: two paths per learned prefix, the best one marked, attributes mapped to the FRR shape', () => {
  const { tables, paths } = parseBirdRoutes(read('bird-route-master4-all.txt'), peers);
  assert.equal(tables, ['master4']);
  const hijack = paths.filter((p) => p.prefix === '203.0.113.0/25');
  assert.equal(hijack.map((p) => [p.best, p.protocol, p.peer, p.asPath, p.originAs]), [
    [true, 'up', '10.216.4.1', [64510, 64666], 64666],
    [false, 'peer', '10.216.5.1', [64520, 64510, 64666], 64666],
  ]);
  const best = hijack[0]!;
  assert.equal(
    [best.nextHop, best.gateways, best.origin, best.metric, best.localPref, best.communities, best.largeCommunities, best.routeType, best.preference, best.since, best.weight, best.rpki],
    ['10.216.4.1', ['10.216.4.1'], 'IGP', 50, 100, ['64510:100', '64510:666'], ['64510:1:2'], 'unicast', 100, '08:34:55.268', null, null],
  );
  // the path from peer carries no communities and no MED (peer's FRR sets none)
  assert.equal([hijack[1]!.communities, hijack[1]!.metric], [undefined, null]);
  // the static unreachable route and the connected links: no AS path, no peer, no gateway
  const own = paths.find((p) => p.prefix === '100.64.30.0/24')!;
  assert.equal([own.routeType, own.protocol, own.peer, own.nextHop, own.gateways, own.asPath, own.originAs], ['unreachable', 'own4', null, null, [], [], null]);
  const link = paths.find((p) => p.prefix === '10.216.4.0/30')!;
  assert.equal([link.protocol, link.best, link.gateways, link.peer], ['direct1', true, [], null]);
  assert.is(new Set(paths.map((p) => p.prefix)).size, 11);
  assert.is(paths.length, 19); // "19 of 19 routes for 11 networks in table master4" (show route count)
});

routes('IPv6: the global BGP next hop (not the link-local), the peer from "from ADDR"', () => {
  const { paths } = parseBirdRoutes(read('bird-route-master6-all.txt'));
  const p = paths.find((x) => x.prefix === '2001:db8:500::/49' && x.best)!;
  assert.equal([p.peer, p.nextHop, p.protocol, p.asPath], ['10.216.4.1', 'fd16:4::1', 'up', [64510, 64666]]);
  assert.equal(paths.filter((x) => x.protocol === 'up' || x.protocol === 'peer').length, 8);
  const v6 = parseBirdRoutes(read('bird-route-for-ipv6.txt')).paths;
  assert.equal(v6.map((x) => x.prefix), ['2001:db8:500::/49', '2001:db8:500::/49']);
});

routes('`show route for ADDR` gives the longest match; `in PREFIX` the prefix and its more-specifics', () => {
  assert.equal([...new Set(parseBirdRoutes(read('bird-route-for-address.txt')).paths.map((p) => p.prefix))], ['203.0.113.0/25']);
  assert.equal([...new Set(parseBirdRoutes(read('bird-route-in-prefix.txt')).paths.map((p) => p.prefix))], ['203.0.113.0/25', '203.0.113.0/24']);
});

routes('the roa_check listings (no `all`) keep prefix, protocol and best flag: the two invalid announcements', () => {
  const inv = parseBirdRoutes(read('bird-route-master4-roa-invalid.txt')).paths;
  assert.equal(inv.map((p) => [p.prefix, p.protocol, p.best, p.originAs]), [
    ['192.0.2.0/24', 'up', true, 64500],
    ['192.0.2.0/24', 'peer', false, 64500],
    ['203.0.113.0/25', 'up', true, 64666],
    ['203.0.113.0/25', 'peer', false, 64666],
  ]);
  assert.equal([...new Set(parseBirdRoutes(read('bird-route-master4-roa-valid.txt')).paths.map((p) => p.prefix))], ['198.51.100.0/24', '203.0.113.0/24']);
  assert.equal([...new Set(parseBirdRoutes(read('bird-route-master6-roa-invalid.txt')).paths.map((p) => p.prefix))], ['2001:db8:500::/49']);
});

routes('shapes from BIRD documentation: ECMP gateways, blackhole, AS_SET, a dated path, an OSPF type letter', () => {
  const text = [
    'BIRD 2.0.12 ready.',
    'Table master4:',
    '10.0.0.0/24          unicast [ospf1 2026-11-30] * I (150/20) [10.0.0.1]',
    '\tvia 192.168.1.1 on eth0 weight 1',
    '\tvia 192.168.2.1 on eth1 weight 1',
    '\tType: OSPF univ',
    '192.0.2.0/24         blackhole [static1 2026-11-30 10:00:00] * (200)',
    '\tType: static univ',
    '198.18.0.0/15        unicast [bgp1 2026-11-30 10:00:00 from 192.0.2.9] * (100/?) [?]',
    '\tvia 192.0.2.9 on eth2',
    '\tType: BGP univ',
    '\tBGP.origin: Incomplete',
    '\tBGP.as_path: 64496 {64497 64498}',
    '\tBGP.next_hop: 192.0.2.9',
    '\tBGP.local_pref: 200',
    '\tBGP.community: (65535,666)',
    '',
  ].join('\n');
  const [ospf, bh, agg] = parseBirdRoutes(text).paths;
  assert.equal([ospf!.protocol, ospf!.gateways, ospf!.nextHop, ospf!.preference, ospf!.since, ospf!.lastUpdate], ['ospf1', ['192.168.1.1', '192.168.2.1'], '192.168.1.1', 150, '2026-11-30', null]);
  assert.equal([bh!.routeType, bh!.gateways, bh!.since], ['blackhole', [], '2026-11-30 10:00:00']);
  assert.is(typeof bh!.lastUpdate, 'number');
  assert.equal([agg!.peer, agg!.asPath, agg!.originAs, agg!.origin, agg!.localPref, agg!.communities], ['192.0.2.9', [64496, 64497, 64498], null, 'Incomplete', 200, ['65535:666']]);
});

routes('garbage is a BirdParseError naming the line, not a silent empty table', () => {
  try {
    parseBirdRoutes('BIRD 2.0.12 ready.\nTable master4:\n203.0.113.0/24 what is this\n');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, BirdParseError);
    assert.is((e as BirdParseError).line, 3);
  }
  assert.equal(parseBirdRoutes(read('bird-route-not-found.txt')).paths, []);
});

routes.run();

const protos = suite('parseBirdProtocols');

protos('BGP sessions become neighbors: address, AS, router id, hostname, imported/exported over both channels', () => {
  const p = parseBirdProtocols(read('bird-show-protocols-all.txt'));
  assert.equal(p.map((x) => [x.name, x.proto, x.state]), [
    ['device1', 'Device', 'up'],
    ['direct1', 'Direct', 'up'],
    ['rpki1', 'RPKI', 'up'],
    ['own4', 'Static', 'up'],
    ['own6', 'Static', 'up'],
    ['up', 'BGP', 'up'],
    ['peer', 'BGP', 'up'],
  ]);
  const now = parseBirdStatusTime(read('bird-show-status.txt'));
  assert.is(now, '2026-12-02 08:34:55.847');
  const n = birdNeighbors(p, now);
  assert.equal(n.map((x) => [x.protocol, x.address, x.remoteAs, x.localAs, x.remoteRouterId, x.state, x.established, x.prefixesAccepted, x.prefixesSent]), [
    ['up', '10.216.4.1', 64510, 64530, '10.216.3.1', 'Established', true, 12, 2],
    ['peer', '10.216.5.1', 64520, 64530, '10.216.3.2', 'Established', true, 12, 2],
  ]);
  assert.match(n[0]!.hostname ?? '', /-up$/);
  // Since 08:34:54.xxx, server time 08:34:55.847: about a second
  assert.ok(n[0]!.uptimeMs! > 0 && n[0]!.uptimeMs! < 5000, String(n[0]!.uptimeMs));
  assert.equal([n[0]!.connectionsDropped, n[0]!.lastResetDueTo], [null, null]);
});

protos('the RPKI protocol is the RTR cache, its channels name the ROA tables; the ROA tables hold the five VRPs', () => {
  const p = parseBirdProtocols(read('bird-show-protocols-all.txt'));
  assert.equal(birdRpkiCaches(p), [{ mode: 'tcp', host: '10.216.4.1', port: 8323, preference: null, state: 'connected' }]);
  assert.equal(birdRoaTables(p), { ipv4: ['r4'], ipv6: ['r6'] });
  assert.equal([...parseBirdRoa(read('bird-roa-r4.txt')), ...parseBirdRoa(read('bird-roa-r6.txt'))], [
    { prefix: '192.0.2.0/23', maxLength: 23, asn: 64500 },
    { prefix: '198.51.100.0/22', maxLength: 24, asn: 64500 },
    { prefix: '203.0.113.0/24', maxLength: 24, asn: 64500 },
    { prefix: '2001:db8:500::/48', maxLength: 48, asn: 64500 },
    { prefix: '2001:db8:600::/40', maxLength: 48, asn: 64500 },
  ]);
});

protos('a session that is down (BIRD documentation shape): not established, no uptime, the last error kept', () => {
  const text = [
    'BIRD 2.0.12 ready.',
    'Name       Proto      Table      State  Since         Info',
    'transit1   BGP        ---        start  2026-11-30    Active        Socket: Connection refused',
    '  BGP state:          Active',
    '    Neighbor address: 192.0.2.1',
    '    Neighbor AS:      64496',
    '    Local AS:         64530',
    '    Connect delay:    2.347/5',
    '    Last error:       Socket: Connection refused',
    '  Channel ipv4',
    '    State:          DOWN',
    '    Table:          master4',
    '    Preference:     100',
    '    Input filter:   ACCEPT',
    '    Output filter:  REJECT',
    '',
  ].join('\n');
  const [n] = birdNeighbors(parseBirdProtocols(text), '2026-12-02 08:00:00.000');
  assert.equal([n!.state, n!.established, n!.uptimeMs, n!.lastResetDueTo, n!.prefixesAccepted, n!.remoteRouterId], ['Active', false, null, 'Socket: Connection refused', 0, null]);
});

protos('helpers: AS path with a set, communities, uptime across midnight and with a date only', () => {
  assert.equal(birdAsPath('64510 64500'), { path: [64510, 64500], endsInSet: false });
  assert.equal(birdAsPath('64510 {64501 64502}'), { path: [64510, 64501, 64502], endsInSet: true });
  assert.equal(birdAsPath(''), { path: [], endsInSet: false });
  assert.equal(birdCommunities('(64510,100) (65535,666)'), ['64510:100', '65535:666']);
  assert.equal(birdCommunities('(64510, 1, 2) (4200000000, 7, 8)'), ['64510:1:2', '4200000000:7:8']);
  assert.is(birdUptimeMs('23:59:59.000', '2026-12-02 00:00:01.000'), 2000);
  assert.is(birdUptimeMs('2026-11-30', '2026-12-02 00:00:01.000'), null);
  assert.is(birdUptimeMs('08:00:00', null), null);
});

protos.run();

const input = suite('bgp steps with daemon bird: input checks before any process');

input('a bad daemon, a table name with a filter expression in it, an option-like socket: typed errors, nothing started', async () => {
  const before = processesStarted();
  for (const o of [{ daemon: 'quagga' }, { daemon: 'bird', table: 'master4 where 1' }, { socket: '-x' }, { daemon: 'bird', roaTable: 'r4;' }] as const) {
    try {
      await bgp.routes(o as Parameters<typeof bgp.routes>[0]);
      assert.unreachable(JSON.stringify(o));
    } catch (e) {
      assert.instance(e, StepInputError, JSON.stringify(o));
    }
  }
  assert.is(processesStarted(), before);
});

input('a socket nobody listens on is a failed result naming birdc, not an exception', async () => {
  const r = await bgp.neighbors({ daemon: 'bird', socket: '/nonexistent/nrb-bird.ctl' });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'birdc-failed');
  assert.match(r.error!.message, 'Unable to connect');
  assert.equal(r.transcript[0]!.argv, ['birdc', '-r', '-s', '/nonexistent/nrb-bird.ctl', 'show status']);
});

input.run();
