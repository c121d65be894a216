/**
 * The mitigation search on a scenario written independently of bench/scenarios.ts (other login
 * path and failure status, stuffing proxies that carry a session cookie and referer, other NAT
 * sizes, a cart flood, walkers on other clouds): whatever it calls safe stays within the
 * truly-good limits, and the flood, the walkers and the stuffing are stopped. Graded with the
 * scenario's truth.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeTable } from '../../bench/mitigate-bots.js';
import { scenario2, KINDS2 } from './mitigate-scenario2.js';

for (const seed of [5, 6]) {
  test(`independent scenario seed ${seed}: safe mitigations hit <= 0.1% (block) / 1% (challenge) of truly good requests; cart flood, cloud walkers and stuffing with sessions stopped >= 90% without IP lists`, () => {
    const s = scenario2(seed);
    const kindOf = (i: number) => (s.truth[i] ? (KINDS2[s.truth[i] as number] as string) : null);
    const { j } = judgeTable(s.table, kindOf, { lists: false });
    assert.equal(j.worst, []);
    assert.ok((j.recall['cart-flood'] ?? 0) >= 0.9, `cart-flood ${j.recall['cart-flood']}`);
    assert.ok((j.recall['cloud-walker'] ?? 0) >= 0.9, `cloud-walker ${j.recall['cloud-walker']}`);
    // stuffing with a session cookie and referer from fresh addresses looks like the site's own
    // logins request by request: the login protection (JavaScript detections on the POSTs, a
    // challenge for the form fetched with no cookie and no referer) stops it
    assert.ok((j.recall['stuffing-with-session'] ?? 0) >= 0.9, `stuffing-with-session ${j.recall['stuffing-with-session']}`);
    console.log(`    scenario2 seed ${seed}: ${JSON.stringify(j.recall)}`);
  });
}

test.run();
