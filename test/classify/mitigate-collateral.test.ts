/**
 * A proposal's share of possibly-good traffic can be tiny while it stops every request of one
 * client (an API integration sharing the attack's TLS stack): cutOffSources names such sources,
 * and only them (a source losing a few of many requests is not cut off).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { cutOffNote, cutOffSources } from '../../src/classify/mitigate/collateral.js';
import { emptyBits, setBit } from '../../src/classify/mitigate/bits.js';
import type { Evidence } from '../../src/classify/mitigate/evidence.js';
import { CUT_OFF_MIN_ROWS } from '../../src/classify/mitigate/thresholds.js';

const Cut = suite('collateral: possibly-good sources a rule cuts off');

/** rows: [ip, ua, possibly-good, stopped by the rule] */
function evidence(rows: [string, string, boolean, boolean][]): { ev: Evidence; bits: Uint32Array } {
  const n = rows.length;
  const t = aq.table({ 'ip.src': rows.map((r) => r[0]), 'http.user_agent': rows.map((r) => r[1]) });
  const reference = emptyBits(n);
  const bits = emptyBits(n);
  rows.forEach((r, i) => {
    if (r[2]) setBit(reference, i);
    if (r[3]) setBit(bits, i);
  });
  return { ev: { t, n, m: 0, N: n, reference } as unknown as Evidence, bits };
}

Cut('a good client whose every request the rule stops is named with its user agent; one losing 1 of 100 is not', () => {
  const rows: [string, string, boolean, boolean][] = [];
  for (let i = 0; i < 40; i++) rows.push(['198.51.100.7', 'PartnerSync/2.1', true, true]); // cut off
  for (let i = 0; i < 100; i++) rows.push(['198.51.100.8', 'Mozilla/5.0', true, i === 0]); // one unlucky request
  for (let i = 0; i < 500; i++) rows.push([`203.0.113.${i % 200}`, 'attack', false, true]); // the attack itself: not possibly good
  const { ev, bits } = evidence(rows);
  const cut = cutOffSources(bits, ev);
  assert.equal(cut, [{ ip: '198.51.100.7', stopped: 40, rows: 40, userAgent: 'PartnerSync/2.1' }]);
  assert.match(cutOffNote(bits, ev, 'block') ?? '', /1 possibly-good source \(198\.51\.100\.7: 40 of 40, "PartnerSync\/2\.1"\).*skip rule before this block/);
});

Cut('a source stopped on fewer than the minimum rows, or on half its rows or less, is not cut off', () => {
  const rows: [string, string, boolean, boolean][] = [];
  for (let i = 0; i < CUT_OFF_MIN_ROWS - 1; i++) rows.push(['192.0.2.1', 'a', true, true]);
  for (let i = 0; i < 20; i++) rows.push(['192.0.2.2', 'b', true, i < 10]);
  for (let i = 0; i < 20; i++) rows.push(['192.0.2.3', 'c', true, i < 11]);
  const { ev, bits } = evidence(rows);
  assert.equal(cutOffSources(bits, ev).map((c) => c.ip), ['192.0.2.3']);
  assert.is(cutOffNote(emptyBits(rows.length), ev, 'block'), undefined);
});

Cut.run();
