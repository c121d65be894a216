/**
 * The bgp-prefix-investigation runbook against the FRR hijack lab (test/helpers/services/frr.ts):
 * run headless through our runner with the two vantage routers, the lab's own MRT updates dump
 * (written by bgpd) and its VRP file; the verdict must name the hijacking AS, the more-specific
 * and its RPKI state. Skips (with the reason) only when namespaces cannot be created.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { labUnavailable, startFrrLab, waitForLab, type FrrLab } from '../helpers/services/frr.js';
import { cleanup, errorsOf, markdownOutputs, runNbconvert, runOurs, steps, validateWithNbformat } from '../notebook/harness.js';

const skip = labUnavailable();
let net: FrrLab | undefined;

test.before(async () => {
  if (skip) {
    console.log(`SKIP bgp-runbook: ${skip}`);
    return;
  }
  net = await startFrrLab();
  await waitForLab(net);
});

test.after(async () => {
  await net?.stop();
  cleanup();
});

test('the verdict names AS64666, the /25 and its RPKI invalid state, with the upstream and maxLength advice', async () => {
  if (!net) return;
  const params = { prefix: '203.0.113.0/24', origin: 'AS64500', routers: [net.ns.up, net.ns.peer], mrt: net.mrtFile, vrps: net.vrpFile };
  for (const nb of [await runOurs('bgp-prefix-investigation', params), await runNbconvert('bgp-prefix-investigation', params)]) {
    validateWithNbformat(nb);
    assert.equal(errorsOf(nb), []);
    assert.is(steps(nb, 'bgp-route').length, 2);
    assert.is(steps(nb, 'bgp-rpki').length, 2);
    const text = markdownOutputs(nb);
    assert.match(text, '**HIJACK: AS64666** announces the more-specific **203.0.113.0/25**, RPKI **invalid**, seen at 2 of 2 vantage routers');
    assert.match(text, 'Contact the upstream of AS64666 (AS64510');
    assert.match(text, 'raising the ROA maxLength to 25 (it is 24 now)');
    assert.match(text, /203\.0\.113\.0\/25: origin AS64666, first seen 20\d\d-/);
    assert.not.match(text, 'is RPKI **invalid** at');
    assert.not.match(text, 'Could not ask');
  }
});

test('the customer prefix that is too long for its ROA is reported as the customer\'s own RPKI problem', async () => {
  if (!net) return;
  const nb = await runOurs('bgp-prefix-investigation', { prefix: '192.0.2.0/24', origin: 'AS64500', routers: [net.ns.peer], mrt: '', vrps: '' });
  const text = markdownOutputs(nb);
  assert.match(text, "The customer's own announcement of 192.0.2.0/24 from AS64500 is RPKI **invalid**");
  assert.match(text, 'Fix the ROA: it must name AS64500 with maxLength at least 24 (covering VRPs now: 192.0.2.0/23-23 AS64500)');
  assert.not.match(text, 'HIJACK');
});

test('a vantage router that does not answer is named as not asked, not as a missing route', async () => {
  if (!net) return;
  const nb = await runOurs('bgp-prefix-investigation', { prefix: '203.0.113.0/24', origin: 'AS64500', routers: [net.ns.peer, `${net.ns.peer}-gone`], mrt: '', vrps: '' });
  const text = markdownOutputs(nb);
  assert.match(text, `Could not ask ${net.ns.peer}-gone (`);
  assert.not.match(text, 'No route for 203.0.113.0/24');
  assert.match(text, 'seen at 1 of 2 vantage routers');
});

test('with the shipped relationships every path is valley-free; with the transit AS as its customer\'s customer, the verdict names the leak', async () => {
  if (!net) return;
  const base = { prefix: '203.0.113.0/24', origin: 'AS64500', routers: [net.ns.peer], mrt: net.mrtFile, vrps: '' };
  const clean = markdownOutputs(await runOurs('bgp-prefix-investigation', { ...base, relationships: path.join(ROOT, 'runbooks/samples/as-rel-lab.txt') }));
  assert.match(clean, /Every path checked against the relationships \(\d+\) is valley-free/);
  assert.not.match(clean, 'ROUTE LEAK');
  // AS64510 as a customer of AS64500 that peers with AS64520: it passes its provider's routes to a peer
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tun2-asrel-'));
  try {
    const leaky = path.join(dir, 'as-rel.txt');
    fs.writeFileSync(leaky, '64500|64510|-1\n64510|64520|0\n64510|64666|-1\n');
    const nb = await runOurs('bgp-prefix-investigation', { ...base, relationships: leaky });
    assert.equal(errorsOf(nb), []);
    const text = markdownOutputs(nb);
    assert.match(text, '**ROUTE LEAK: AS64510** passes 203.0.113.0/24 from AS64500 (its provider) on to AS64520 (its peer)');
    assert.match(text, 'Ask AS64510 to fix its export filters');
    assert.match(text, `| ${net.ns.peer} | 203.0.113.0/24 | 64520 64510 64500 | AS64510 | AS64500 | AS64520 | provider-to-peer |`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
