/**
 * mtrChart on saved real `mtr --json` reports (mtr-tiny 0.95 in network namespaces: a clean
 * three-hop path, and one where the first router rate-limits its ICMP while the destination loses
 * every fourth echo request to an nft rule), and on the mtr step's live result.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { mtrChart, LABEL_COLORS, VizInputError } from '../../src/viz/index.js';
import { mtr, parseMtrJson } from '../../src/steps/index.js';
import { fixture } from '../helpers/paths.js';
import { startNetnsPath } from '../helpers/services/netns.js';
import { compileWarnings, items, texts } from './helpers.js';

const saved = (f: string) => parseMtrJson(fs.readFileSync(fixture('steps', f), 'utf8'));
const t = suite('mtrChart');

t('a clean path: one loss bar per hop (all zero), a latency range and average per hop', async () => {
  const p = saved('mtr-netns-path.json');
  const c = await mtrChart({ target: p.target, hops: p.hops });
  assert.equal(compileWarnings(c.spec), []);
  assert.equal(c.warnings, []);
  assert.is(c.title, 'mtr to 10.99.3.2: loss and latency per hop');
  assert.is(items(c.svg, 'bar').length, p.hops.length);
  assert.is(items(c.svg, 'point').length, p.hops.length);
  assert.is(items(c.svg, 'rule mark').length, p.hops.length);
  assert.ok(texts(c.svg).includes('no loss at the destination') || texts(c.svg).some((x) => x.includes('no loss at the destination')));
  assert.equal((c.rows as { hop: number; lossPct: number }[]).map((r) => [r.hop, r.lossPct]), p.hops.map((h) => [h.hop, h.lossPct]));
});

t('rate limiting at hop 1 is amber, loss from hop 3 to the destination is red', async () => {
  const p = saved('mtr-netns-loss.json');
  assert.ok(p.hops[0]!.lossPct > 0 && p.hops[1]!.lossPct === 0 && p.hops[2]!.lossPct > 0, 'the saved report shows both kinds of loss');
  const c = await mtrChart(p.hops, { target: '10.99.3.2' });
  assert.equal(compileWarnings(c.spec), []);
  const bars = items(c.svg, 'bar');
  const fill = (hop: string) => bars.find((b) => b.label.includes(hop))?.fill?.toLowerCase();
  assert.is(fill('1  10.99.1.1'), LABEL_COLORS.suspicious.toLowerCase());
  assert.is(fill('3  10.99.3.2'), LABEL_COLORS.malicious.toLowerCase());
  assert.ok(texts(c.svg).some((x) => x.includes('loss from hop 3 to the destination')));
});

t('an unanswered hop has no latency mark; bad input names the item', async () => {
  const c = await mtrChart({ hops: [{ hop: 1, host: '10.0.0.1', lossPct: 0, avgMs: 1, bestMs: 0.5, worstMs: 2 }, { hop: 2, host: null, lossPct: 100 }] });
  assert.is(items(c.svg, 'point').length, 1);
  await mtrChart([{ hop: 1, lossPct: 120 }]).then(() => assert.unreachable(), (e) => assert.ok(e instanceof VizInputError && /#0 has no loss percentage/.test(e.message), String(e)));
  await mtrChart({ nothing: 1 }).then(() => assert.unreachable(), (e) => assert.ok(e instanceof VizInputError, String(e)));
  const empty = await mtrChart([]);
  assert.ok(texts(empty.svg).includes('no hops'));
});

t('the mtr step result charts as it is (live, in a namespace path)', async () => {
  const net = await startNetnsPath({ prefix: 'tun2v' });
  try {
    const r = await mtr(net.addresses.server, { netns: net.client, cycles: 3, interval: 0.1 });
    assert.ok(r.ok, r.error?.message);
    const c = await mtrChart(r);
    assert.is(c.title, `mtr to ${net.addresses.server}: loss and latency per hop`);
    assert.is(items(c.svg, 'bar').length, r.data!.hops.length);
  } finally {
    await net.stop();
  }
});

t.run();
