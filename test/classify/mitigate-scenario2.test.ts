/**
 * The mitigation search on a scenario written independently of bench/scenarios.ts (other login
 * path and failure status, stuffing proxies that carry a session cookie and referer, other NAT
 * sizes, a cart flood, walkers on other clouds): whatever it calls safe stays within the
 * truly-good limits, and the flood, the walkers and the stuffing are stopped. Graded with the
 * scenario's truth.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { judgeTable, originTable } from '../../bench/mitigate-bots.js';
import type { Scenario } from '../../bench/scenarios.js';
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

test('independent scenario seed 5 as an origin access log (no cookies, no JA4, one-second times): safe mitigations within the truly-good limits, and the stuffing still stopped >= 90% (JavaScript detections replayed on address + user agent, the form fetched with no referer)', async () => {
  const s = scenario2(5);
  // the combined-log writer reads the response size; this scenario has none, so a constant stands in
  const table = s.table.assign(aq.table({ EdgeResponseBytes: Array.from({ length: s.table.numRows() }, () => 1500) }));
  const origin = await originTable({ table, truth: s.truth } as unknown as Scenario, 'scenario2');
  const kindOf = (i: number) => (s.truth[i] ? (KINDS2[s.truth[i] as number] as string) : null);
  const { j } = judgeTable(origin, kindOf, { lists: false });
  assert.equal(j.worst, []);
  assert.ok((j.recall['stuffing-with-session'] ?? 0) >= 0.9, `stuffing-with-session ${j.recall['stuffing-with-session']}`);
  console.log(`    scenario2 origin seed 5: ${JSON.stringify(j.recall)}`);
});

test.run();
