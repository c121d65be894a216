/**
 * The looking-glass steps against real FRR routers in network namespaces (test/helpers/services/frr.ts):
 * a customer AS announces 203.0.113.0/24 with a ROA, a hijacker announces 203.0.113.0/25, stayrtr
 * serves the VRPs to the two vantage routers. The steps must see the hijack and its RPKI-invalid
 * state, our ROV (src/routing/rov.ts) must agree with FRR on every route, and a traceroute from a
 * vantage point must end at the hijacker. Skips (with the reason) only when namespaces cannot be made.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bgp, mtr, traceroute, type BgpPath } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { parseVrps, VrpIndex } from '../../src/routing/index.js';
import { labUnavailable, startFrrLab, waitForLab, type FrrLab } from '../helpers/services/frr.js';

const lab = suite('FRR hijack lab');
const skip = labUnavailable();
let net: FrrLab | undefined;

lab.before(async () => {
  if (skip) {
    console.log(`SKIP bgp-lab: ${skip}`);
    return;
  }
  net = await startFrrLab();
  await waitForLab(net);
});

lab.after(async () => {
  await net?.stop();
});

const at = (r: keyof FrrLab['ns']) => ({ netns: net!.ns[r], pathspace: net!.ns[r] });

lab('neighbors: every session of the transit router is established, with the hijacker among them', async () => {
  if (!net) return;
  const r = await bgp.neighbors(at('up'));
  assert.ok(r.ok, r.error?.message);
  assert.is(r.kind, 'bgp-neighbors');
  assert.equal(r.data!.neighbors.map((n) => [n.remoteAs, n.established]), [[64500, true], [64666, true], [64520, true]]);
  assert.equal(r.transcript[0]!.argv, ['ip', 'netns', 'exec', net.ns.up, 'vtysh', '-N', net.ns.up, '-c', 'show bgp neighbors json']);
});

lab('route to an address in the hijacked half: the /25 from AS64666, RPKI invalid, at both vantage points', async () => {
  if (!net) return;
  for (const r of ['up', 'peer'] as const) {
    const res = await bgp.route(net.addresses.hijacked, at(r));
    assert.ok(res.ok, res.error?.message);
    assert.is(res.data!.prefix, '203.0.113.0/25');
    assert.is(res.data!.paths[0]!.originAs, 64666);
    assert.is(res.data!.paths[0]!.rpki, 'invalid');
  }
  const shown = await bgp.route(net.addresses.hijacked, at('peer'));
  const text = toDisplayData(shown).data['text/plain'] as string;
  assert.match(text, 'bgp route 203.0.113.1 at netns');
  assert.match(text, '-> 203.0.113.0/25 from AS64666 (RPKI invalid)');
  assert.is(shown.transcript[0]!.stderr, '');
  const own = await bgp.route(net.addresses.customer, at('peer'));
  assert.equal([own.data!.prefix, own.data!.paths[0]!.originAs, own.data!.paths[0]!.rpki, own.data!.paths[0]!.asPath], ['203.0.113.0/24', 64500, 'valid', [64510, 64500]]);
});

lab('route with longer: the customer /24 and the hijacking more-specific', async () => {
  if (!net) return;
  const r = await bgp.route('203.0.113.0/24', { ...at('peer'), longer: true });
  assert.ok(r.ok, r.error?.message);
  assert.equal(r.data!.moreSpecifics!.map((p) => [p.prefix, p.originAs]), [['203.0.113.0/25', 64666]]);
  const none = await bgp.route('10.99.0.0/24', at('peer'));
  assert.not.ok(none.ok);
  assert.is(none.error!.code, 'no-route');
});

lab('routes filtered by RPKI: the hijack and the too-long announcement are the invalid ones', async () => {
  if (!net) return;
  const r = await bgp.routes({ ...at('peer'), rpki: 'invalid' });
  assert.ok(r.ok, r.error?.message);
  assert.equal(r.data!.paths.map((p) => [p.prefix, p.originAs]), [['192.0.2.0/24', 64500], ['203.0.113.0/25', 64666]]);
});

lab('our ROV agrees with FRR rpkiValidationState on every route of both vantage routers (maxLength cases included)', async () => {
  if (!net) return;
  const index = new VrpIndex(parseVrps(net.vrpJson).vrps);
  let compared = 0;
  const states = new Map<string, string>();
  for (const r of ['up', 'peer'] as const) {
    const t = await bgp.routes(at(r));
    const learned = t.data!.paths.filter((p: BgpPath) => p.peer !== null);
    assert.ok(learned.length >= 6);
    for (const p of learned) {
      const ours = index.validate(p.prefix, p.originAs).state;
      assert.is(ours, p.rpki, `${r} ${p.prefix} from AS${p.originAs}`);
      // and the per-prefix detail (FRR's own rpkiValidationState field) says the same
      const d = await bgp.route(p.prefix, at(r));
      assert.is(d.data!.paths.find((x) => x.peer === p.peer)!.rpki, ours, `${r} ${p.prefix} detail`);
      states.set(p.prefix, ours);
      compared += 1;
    }
  }
  assert.ok(compared >= 12);
  // each kind of case is present: valid exact, valid within maxLength (/22 le 24), invalid length, invalid AS, not found
  assert.equal(
    ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '203.0.113.0/25', '100.64.10.0/24'].map((p) => states.get(p)),
    ['valid', 'valid', 'invalid', 'invalid', 'notfound'],
  );
  assert.is(index.validate('192.0.2.0/24', 64500).reason, 'length');
  assert.is(index.validate('203.0.113.0/25', 64666).reason, 'as');
});

lab('IPv6: our ROV agrees with FRR on every IPv6 route of both vantage routers (exact, within maxLength, too long from the wrong AS, not found)', async () => {
  if (!net) return;
  const index = new VrpIndex(parseVrps(net.vrpJson).vrps);
  const states = new Map<string, string>();
  for (const r of ['up', 'peer'] as const) {
    const t = await bgp.routes({ ...at(r), afi: 'ipv6' });
    assert.ok(t.ok, t.error?.message);
    assert.is(t.data!.afi, 'ipv6');
    const learned = t.data!.paths.filter((p: BgpPath) => p.peer !== null);
    assert.is(learned.length, 4);
    for (const p of learned) {
      const ours = index.validate(p.prefix, p.originAs).state;
      assert.is(ours, p.rpki, `${r} ${p.prefix} from AS${p.originAs}`);
      const d = await bgp.route(p.prefix, at(r));
      assert.is(d.data!.paths.find((x) => x.peer === p.peer)!.rpki, ours, `${r} ${p.prefix} detail`);
      states.set(p.prefix, ours);
    }
  }
  assert.equal(['2001:db8:500::/48', '2001:db8:600::/48', '2001:db8:500::/49', '2001:db8:700::/48'].map((p) => states.get(p)), ['valid', 'valid', 'invalid', 'notfound']);
  assert.is(index.validate('2001:db8:500::/49', 64666).reason, 'as');
  assert.is(index.validate('2001:db8:500::/49', 64500).reason, 'length');
});

lab('rpki: both vantage routers hold the five VRPs (three IPv4, two IPv6) from stayrtr over a connected RTR session', async () => {
  if (!net) return;
  for (const r of ['up', 'peer'] as const) {
    const x = await bgp.rpki(at(r));
    assert.ok(x.ok, x.error?.message);
    assert.is(x.data!.connected, true);
    assert.equal(x.data!.vrps, [
      { prefix: '192.0.2.0/23', maxLength: 23, asn: 64500 },
      { prefix: '198.51.100.0/22', maxLength: 24, asn: 64500 },
      { prefix: '2001:db8:500::/48', maxLength: 48, asn: 64500 },
      { prefix: '2001:db8:600::/40', maxLength: 48, asn: 64500 },
      { prefix: '203.0.113.0/24', maxLength: 24, asn: 64500 },
    ]);
  }
  // a router without the rpki module says so as data, not as an exception
  const none = await bgp.rpki(at('cust'));
  assert.not.ok(none.ok);
  assert.is(none.error!.code, 'unsupported');
});

lab('traceroute and mtr from the far vantage point: the hijacked address ends at the hijacker, the rest of the /24 at the customer', async () => {
  if (!net) return;
  const hij = await traceroute(net.addresses.hijacked, { netns: net.ns.peer, queries: 1, maxHops: 5 });
  assert.ok(hij.ok, hij.error?.message);
  assert.equal(hij.data!.hops.map((h) => h.addresses[0]), ['10.216.3.1', '203.0.113.1']);
  const own = await traceroute(net.addresses.customer, { netns: net.ns.peer, queries: 1, maxHops: 5 });
  assert.equal(own.data!.hops.map((h) => h.addresses[0]), ['10.216.3.1', '203.0.113.200']);
  const m = await mtr(net.addresses.hijacked, { netns: net.ns.peer, cycles: 3, interval: 0.1, maxHops: 5 });
  assert.ok(m.ok, m.error?.message);
  assert.equal(m.data!.hops.map((h) => [h.host, h.lossPct]), [['10.216.3.1', 0], ['203.0.113.1', 0]]);
  // the address that answers at hop 2 is configured only in the hijacker's namespace
  const route = await bgp.route(hij.data!.hops[1]!.addresses[0]!, at('up'));
  assert.is(route.data!.paths[0]!.peer, net.addresses.hijLink);
});

lab('a router that is not running is a failed result naming vtysh, not an exception', async () => {
  if (!net) return;
  const r = await bgp.neighbors({ netns: net.ns.peer, pathspace: 'rt2-not-running' });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'vtysh-failed');
});

lab.run();
