/**
 * The looking-glass steps against a real BIRD 2 router (Debian bird2) in a network namespace,
 * peering over veth with two FRR routers of the hijack lab (test/helpers/services/frr.ts and
 * bird.ts): BIRD must see the customer's prefix and the hijacking more-specific with the same AS
 * paths and RPKI states as FRR's view of the same prefixes, its sessions as FRR sees them from the
 * other side, and the lab's VRPs over its own RTR session. Skips (with the reason) only when
 * namespaces cannot be created or bird2 is not installed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { bgp, type BgpPath } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { labUnavailable, startFrrLab, waitForLab, type FrrLab } from '../helpers/services/frr.js';
import { birdUnavailable, startBird, waitForBird, type BirdRouter } from '../helpers/services/bird.js';

const lab = suite('BIRD in the FRR hijack lab');
const skip = labUnavailable() ?? birdUnavailable();
let net: FrrLab | undefined;
let bird: BirdRouter | undefined;

lab.before(async () => {
  if (skip) {
    console.log(`SKIP bird-lab: ${skip}`);
    return;
  }
  net = await startFrrLab();
  await waitForLab(net);
  bird = await startBird(net);
  await waitForBird(bird);
});

lab.after(async () => {
  const leftovers = bird ? [bird.socket, bird.ns] : [];
  await bird?.stop();
  await net?.stop();
  if (bird) {
    assert.not.ok(fs.existsSync(leftovers[0]!), 'control socket removed');
    assert.not.ok(fs.existsSync(`/run/netns/${leftovers[1]}`), 'namespace removed');
  }
});

const atBird = () => ({ daemon: 'bird' as const, socket: bird!.socket });
const atFrr = (r: keyof FrrLab['ns']) => ({ netns: net!.ns[r], pathspace: net!.ns[r] });
const learned = (paths: BgpPath[]) => paths.filter((p) => p.peer !== null && p.asPath.length > 0);

lab('routes: every prefix FRR peer learned from up, BIRD holds from up with the same AS path, origin AS and RPKI state', async () => {
  if (!bird || !net) return;
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const b = await bgp.routes({ ...atBird(), afi });
    assert.ok(b.ok, b.error?.message);
    const f = await bgp.routes({ ...atFrr('peer'), afi });
    assert.ok(f.ok, f.error?.message);
    const fromUp = (p: BgpPath) => p.peer === net!.addresses.upFromPeer;
    const frrView = learned(f.data!.paths).filter(fromUp).map((p) => [p.prefix, p.asPathText, p.originAs, p.rpki]);
    const birdView = learned(b.data!.paths).filter((p) => p.protocol === 'up').map((p) => [p.prefix, p.asPathText, p.originAs, p.rpki]);
    // FRR's peer also learns bird's own prefix from up; bird does not take its own back
    const own = afi === 'ipv4' ? bird.own.ipv4 : bird.own.ipv6;
    assert.equal(birdView, frrView.filter((x) => x[0] !== own), afi);
    assert.ok(birdView.length >= (afi === 'ipv4' ? 8 : 4), `${afi}: ${birdView.length}`);
    // and via peer, one AS more: 64520 in front of FRR peer's own best path
    for (const p of learned(b.data!.paths).filter((x) => x.protocol === 'peer')) {
      const best = f.data!.paths.find((x) => x.prefix === p.prefix && x.best)!;
      assert.equal(p.asPath, [64520, ...best.asPath], p.prefix);
    }
    assert.is(b.data!.localAs, bird.asn);
    // best path per prefix: the same RPKI state on both routers (bird's own static route has none)
    const bestState = (ps: BgpPath[]) => new Map(ps.filter((p) => p.best && p.rpki !== null).map((p) => [p.prefix, p.rpki]));
    const fBest = bestState(f.data!.paths);
    const bBest = bestState(b.data!.paths);
    assert.equal([...bBest].sort(), [...fBest].filter(([p]) => p !== own).sort(), `${afi} RPKI of best paths`);
    const states = [...bBest.values()];
    assert.ok(states.includes('valid') && states.includes('invalid') && states.includes('notfound'), states.join());
  }
});

lab('route to the hijacked address: the /25 from AS64666, RPKI invalid, best via up, in BIRD as in FRR', async () => {
  if (!bird || !net) return;
  const b = await bgp.route(net.addresses.hijacked, atBird());
  assert.ok(b.ok, b.error?.message);
  const f = await bgp.route(net.addresses.hijacked, atFrr('peer'));
  assert.equal([b.data!.prefix, b.data!.paths[0]!.originAs, b.data!.paths[0]!.rpki], [f.data!.prefix, f.data!.paths[0]!.originAs, f.data!.paths[0]!.rpki]);
  assert.equal([b.data!.prefix, b.data!.paths[0]!.originAs, b.data!.paths[0]!.rpki], ['203.0.113.0/25', 64666, 'invalid']);
  assert.equal(b.data!.paths.map((p) => [p.best, p.peer, p.asPath]), [
    [true, bird.addresses.up, [64510, 64666]],
    [false, bird.addresses.peer, [64520, 64510, 64666]],
  ]);
  // what up's route-map NRB-BIRD sets arrives as BIRD attributes
  assert.equal([b.data!.paths[0]!.communities, b.data!.paths[0]!.largeCommunities, b.data!.paths[0]!.metric], [['64510:100', '64510:666'], ['64510:1:2'], 50]);
  assert.equal(b.transcript.map((t) => t.argv.slice(4)[0]), [
    'show protocols all',
    'show route for 203.0.113.1 table master4 all',
    'show route 203.0.113.0/25 table master4 where roa_check(r4, net, bgp_path.last) = ROA_VALID',
    'show route 203.0.113.0/25 table master4 where roa_check(r4, net, bgp_path.last) = ROA_INVALID',
  ]);
  const text = toDisplayData(b).data['text/plain'] as string;
  assert.match(text, `bgp route 203.0.113.1 at bird ${bird.socket} -> 203.0.113.0/25 from AS64666 (RPKI invalid)`);
  // IPv6: the hijacking /49 inside the customer's /48
  const b6 = await bgp.route('2001:db8:500::1', atBird());
  const f6 = await bgp.route('2001:db8:500::1', atFrr('peer'));
  assert.equal([b6.data!.prefix, b6.data!.paths[0]!.asPath, b6.data!.paths[0]!.rpki, b6.data!.paths[0]!.nextHop], [f6.data!.prefix, f6.data!.paths[0]!.asPath, f6.data!.paths[0]!.rpki, 'fd16:4::1']);
});

lab('route with longer: the customer /24 valid and its hijacking more-specific invalid, as FRR lists them', async () => {
  if (!bird || !net) return;
  const b = await bgp.route('203.0.113.0/24', { ...atBird(), longer: true });
  assert.ok(b.ok, b.error?.message);
  const f = await bgp.route('203.0.113.0/24', { ...atFrr('peer'), longer: true });
  const bests = (ps: BgpPath[]) => ps.filter((p) => p.best).map((p) => [p.prefix, p.originAs]);
  assert.equal(bests(b.data!.moreSpecifics!), bests(f.data!.moreSpecifics!));
  assert.equal(b.data!.moreSpecifics!.filter((p) => p.best).map((p) => [p.prefix, p.originAs, p.rpki]), [['203.0.113.0/25', 64666, 'invalid']]);
  assert.equal([b.data!.paths[0]!.originAs, b.data!.paths[0]!.rpki], [64500, 'valid']);
  const none = await bgp.route('10.99.0.0/24', atBird());
  assert.not.ok(none.ok);
  assert.is(none.error!.code, 'no-route');
});

lab('routes filtered by RPKI invalid: the same two prefixes as FRR', async () => {
  if (!bird || !net) return;
  const b = await bgp.routes({ ...atBird(), rpki: 'invalid' });
  assert.ok(b.ok, b.error?.message);
  const f = await bgp.routes({ ...atFrr('peer'), rpki: 'invalid' });
  const prefixes = (ps: BgpPath[]) => [...new Set(ps.map((p) => p.prefix))];
  assert.equal(prefixes(b.data!.paths), prefixes(f.data!.paths));
  assert.equal(prefixes(b.data!.paths), ['192.0.2.0/24', '203.0.113.0/25']);
});

lab('neighbors: both sessions established, and the counters match what the FRR side reports about bird', async () => {
  if (!bird || !net) return;
  const b = await bgp.neighbors(atBird());
  assert.ok(b.ok, b.error?.message);
  assert.equal(b.data!.neighbors.map((n) => [n.protocol, n.address, n.remoteAs, n.established]), [
    ['up', bird.addresses.up, net.asn.up, true],
    ['peer', bird.addresses.peer, net.asn.peer, true],
  ]);
  const fUp = (await bgp.neighbors(atFrr('up'))).data!.neighbors.find((n) => n.address === bird!.addresses.toUp)!;
  const bUp = b.data!.neighbors[0]!;
  assert.equal([fUp.remoteAs, fUp.established], [bird.asn, true]);
  // what bird exports, FRR up accepts; what FRR up sends, bird imports, except bird's own two
  // prefixes, which FRR sends back (no sender-side loop detection by default) and BIRD drops (AS loop)
  assert.is(bUp.prefixesSent, fUp.prefixesAccepted);
  assert.is(fUp.prefixesSent! - bUp.prefixesAccepted!, 2);
  const learnedFromUp = (await Promise.all((['ipv4', 'ipv6'] as const).map((afi) => bgp.routes({ ...atBird(), afi, rpkiStates: false })))).flatMap((r) => r.data!.paths.filter((p) => p.protocol === 'up'));
  assert.is(bUp.prefixesAccepted, learnedFromUp.length);
  assert.equal([bUp.hostname, bUp.remoteRouterId], [net.ns.up, '10.216.3.1']);
  assert.ok(bUp.uptimeMs !== null && bUp.uptimeMs >= 0 && bUp.uptimeMs < 120_000, String(bUp.uptimeMs));
});

lab('rpki: BIRD holds the same VRPs from stayrtr as FRR peer, over a connected RTR session', async () => {
  if (!bird || !net) return;
  const b = await bgp.rpki(atBird());
  assert.ok(b.ok, b.error?.message);
  const f = await bgp.rpki(atFrr('peer'));
  assert.equal(b.data!.vrps, f.data!.vrps);
  assert.equal(b.data!.caches.map((c) => [c.host, c.port, c.state]), [[bird.addresses.up, 8323, 'connected']]);
});

lab.run();
