/**
 * mtr as a step: the JSON parser on saved real `mtr --json` output (mtr-tiny 0.95 in network
 * namespaces: the three-hop path, an address behind the last router, TCP probes, the FRR lab's
 * hijacked address), then live in a namespace path, with real loss made by nft on the last router.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { lossOrigin, mtr, parseMtrJson, processesStarted, StepInputError, type MtrHop } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { startNetnsPath, type NetnsPath } from '../helpers/services/netns.js';
import { fixture } from '../helpers/paths.js';

const read = (f: string) => fs.readFileSync(fixture('steps', f), 'utf8');
const parse = suite('mtr JSON parser');

parse('the three-hop path: every hop with loss, probes sent and latency', () => {
  const p = parseMtrJson(read('mtr-netns-path.json'));
  assert.is(p.target, '10.99.3.2');
  assert.is(p.tests, 5);
  assert.equal(p.hops.map((h) => [h.hop, h.host, h.lossPct, h.sent]), [[1, '10.99.1.1', 0, 5], [2, '10.99.2.2', 0, 5], [3, '10.99.3.2', 0, 5]]);
  for (const h of p.hops) assert.ok(h.bestMs! <= h.avgMs! && h.avgMs! <= h.worstMs!, JSON.stringify(h));
  assert.is(lossOrigin(p.hops), null);
});

parse('an address behind the last router: the trace ends at the router that answers host unreachable', () => {
  const p = parseMtrJson(read('mtr-netns-unreached.json'));
  assert.is(p.target, '10.99.3.77');
  assert.equal(p.hops.map((h) => h.host), ['10.99.1.1', '10.99.2.2', '10.99.2.2']);
  assert.ok(p.hops[2]!.avgMs! > 1000, 'the unreachable answer comes after the ARP timeout');
});

parse('TCP probes and the FRR lab trace parse the same way', () => {
  assert.equal(parseMtrJson(read('mtr-netns-tcp.json')).hops.map((h) => h.host), ['10.99.1.1', '10.99.2.2', '10.99.3.2']);
  assert.equal(parseMtrJson(read('mtr-lab-hijacked.json')).hops.map((h) => h.host), ['10.216.3.1', '203.0.113.1']);
});

parse('loss origin: loss at a middle hop only is rate limiting; loss carried to the end starts where it starts', () => {
  const h = (hop: number, lossPct: number): MtrHop => ({ hop, host: `10.0.0.${hop}`, lossPct, sent: 10, lastMs: 1, avgMs: 1, bestMs: 1, worstMs: 1, stdevMs: 0 });
  assert.is(lossOrigin([h(1, 0), h(2, 60), h(3, 0)]), null);
  assert.is(lossOrigin([h(1, 0), h(2, 60), h(3, 20), h(4, 30)]), 2);
  assert.is(lossOrigin([h(1, 10), h(2, 0), h(3, 30)]), 3);
  assert.is(lossOrigin([]), null);
});

parse('unanswered hops ("???") have no host and no latency; text that is not mtr JSON throws', () => {
  const p = parseMtrJson('{"report":{"mtr":{"dst":"192.0.2.1","tests":2},"hubs":[{"count":1,"host":"???","Loss%":100.0,"Snt":2,"Last":0.0,"Avg":0.0,"Best":0.0,"Wrst":0.0,"StDev":0.0}]}}');
  assert.equal(p.hops[0], { hop: 1, host: null, lossPct: 100, sent: 2, lastMs: null, avgMs: null, bestMs: null, worstMs: null, stdevMs: null });
  assert.throws(() => parseMtrJson('mtr: Failure to open IPv4 sockets'));
  assert.throws(() => parseMtrJson('{"report":{}}'), /report\.hubs/);
});

parse('bad input is refused before mtr starts', async () => {
  const before = processesStarted();
  for (const [what, fn] of [
    ['target', () => mtr('example.com; reboot')],
    ['dash', () => mtr('-r')],
    ['cycles', () => mtr('192.0.2.1', { cycles: 0 })],
    ['interval', () => mtr('192.0.2.1', { interval: 0.001 })],
    ['protocol', () => mtr('192.0.2.1', { protocol: 'sctp' as 'udp' })],
    ['port', () => mtr('192.0.2.1', { port: 70000 })],
    ['netns', () => mtr('192.0.2.1', { netns: '../x' })],
  ] as const) {
    try {
      await fn();
      assert.unreachable(what);
    } catch (e) {
      assert.instance(e, StepInputError, `${what}: ${String(e)}`);
    }
  }
  assert.is(processesStarted(), before);
});

const live = suite('mtr in a namespace path');
let net: NetnsPath;
live.before(async () => {
  net = await startNetnsPath();
});
live.after(async () => {
  await net?.stop();
});

live('reaches the server through both routers without loss', async () => {
  const r = await mtr(net.addresses.server, { netns: net.client, cycles: 5, interval: 0.1 });
  assert.ok(r.ok, r.error?.message);
  assert.is(r.kind, 'mtr');
  assert.equal(r.data!.hops.map((h) => h.host), ['10.99.1.1', '10.99.2.2', '10.99.3.2']);
  assert.ok(r.data!.hops.every((h) => h.lossPct === 0 && h.sent === 5));
  assert.is(r.data!.reached, true);
  assert.equal(r.transcript[0]!.argv.slice(0, 6), ['ip', 'netns', 'exec', net.client, 'mtr', '--json']);
  assert.match(toDisplayData(r).data['text/html'] as string, /10\.99\.2\.2/);
});

live('an address behind the last router is unreached', async () => {
  const r = await mtr('10.99.3.77', { netns: net.client, cycles: 2, interval: 0.1, maxHops: 5 });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'unreached');
  assert.is(r.data!.reached, false);
});

live('half the echo requests dropped after the last router: loss at the destination only, starting at hop 3', async () => {
  const nft = (...a: string[]) => spawnSync('ip', ['netns', 'exec', net.r2, 'nft', ...a], { encoding: 'utf8' });
  const rules = 'table ip rt2mtr {\n chain rt2drop {\n  type filter hook forward priority 0;\n  ip daddr 10.99.3.2 icmp type echo-request numgen inc mod 2 == 0 drop\n }\n}\n';
  const s = spawnSync('ip', ['netns', 'exec', net.r2, 'nft', '-f', '-'], { input: rules, encoding: 'utf8' });
  assert.is(s.status, 0, s.stderr);
  try {
    const r = await mtr(net.addresses.server, { netns: net.client, cycles: 10, interval: 0.1 });
    assert.not.ok(r.ok);
    assert.is(r.error!.code, 'loss');
    const [h1, h2, h3] = r.data!.hops;
    assert.is(h1!.lossPct, 0);
    assert.is(h2!.lossPct, 0);
    assert.is(h3!.lossPct, 50);
    assert.is(r.data!.lossFrom, 3);
    assert.match(r.error!.message, /hop 3 \(10\.99\.3\.2\) lost 50%/);
  } finally {
    nft('delete', 'table', 'ip', 'rt2mtr');
  }
});

parse.run();
live.run();
