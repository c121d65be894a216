/**
 * Verdict regressions of connectivity-path, each against a local fixture: a name that does not
 * resolve (a DNS verdict, not the network's), and a target that ignores ping behind a tunnel-sized
 * link (the router's "fragmentation needed" MTU is the answer, not "no probe got through"), and
 * loss made by nft on the last router (mtr names the hop where it starts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { startNetnsPath, type NetnsPath } from '../helpers/services/netns.js';
import { cleanup, markdownOutputs, runOurs, svgCount } from './harness.js';

let net: NetnsPath;

test.before(async () => {
  net = await startNetnsPath();
});

test.after(async () => {
  await net?.stop();
  cleanup();
});

test('connectivity-path: a name that does not resolve is a DNS verdict, not a broken path', async () => {
  const nb = await runOurs('connectivity-path', { target: 'nrb-postmortem-verdict.invalid', port: '443', netns: '' });
  const verdict = markdownOutputs(nb);
  assert.match(verdict, '**nrb-postmortem-verdict.invalid does not resolve** (ENOTFOUND): this is a DNS problem, not the network path.');
  assert.not.match(verdict, 'do **not** reach');
  assert.not.match(verdict, 'ICMP is filtered');
});

test('connectivity-path: when the target ignores ping, the verdict gives the MTU a router reported', async () => {
  execFileSync('ip', ['netns', 'exec', net.server, 'sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1']);
  try {
    const nb = await runOurs('connectivity-path', { target: net.addresses.server, port: '8443', netns: net.client });
    const verdict = markdownOutputs(nb);
    assert.match(verdict, new RegExp(`Path MTU: \\*\\*${net.mtu}\\*\\* bytes \\(a router on the path reported "fragmentation needed" with MTU ${net.mtu}\\)|reported "fragmentation needed" with MTU \\*\\*${net.mtu}\\*\\*`));
    assert.match(verdict, `clamp TCP MSS to ${net.mtu - 40}`);
    assert.not.match(verdict, 'No DF probe got through');
  } finally {
    execFileSync('ip', ['netns', 'exec', net.server, 'sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=0']);
  }
});

test('connectivity-path: loss that starts at the last hop and carries to the target is named with its hop; the chart is drawn', async () => {
  const rules = 'table ip tun2cp {\n chain c {\n  type filter hook forward priority 0;\n  ip daddr 10.99.3.2 icmp type echo-request numgen inc mod 2 == 0 drop\n }\n}\n';
  execFileSync('ip', ['netns', 'exec', net.r2, 'nft', '-f', '-'], { input: rules });
  try {
    const nb = await runOurs('connectivity-path', { target: net.addresses.server, port: '8443', netns: net.client });
    const verdict = markdownOutputs(nb);
    assert.match(verdict, /mtr: \*\*\d+% loss at the target\*\*, starting at hop 3 \(10\.99\.3\.2\)/);
    assert.ok(svgCount(nb) >= 1, 'the mtr chart');
  } finally {
    execFileSync('ip', ['netns', 'exec', net.r2, 'nft', 'delete', 'table', 'ip', 'tun2cp']);
  }
});

test.run();
