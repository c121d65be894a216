import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import * as viz from '../../src/viz/index.js';
import type { Chart } from '../../src/viz/index.js';
import { compileWarnings, items, texts } from './helpers.js';

const empty = aq.table({
  timestamp: [], 'ip.src': [], label: [], 'http.request.uri.path': [], 'http.response.code': [], score: [], reasons: [], cluster: [],
  'ip.proto': [], 'ip.len': [], 'tcp.flags': [], 'udp.srcport': [], 'tcp.dstport': [],
});

const builders: [string, () => Promise<Chart>][] = [
  ['trafficOverTime', () => viz.trafficOverTime(empty)],
  ['topSources', () => viz.topSources(empty)],
  ['pathHeatmap', () => viz.pathHeatmap(empty)],
  ['statusOverTime', () => viz.statusOverTime(empty)],
  ['scoreDistribution', () => viz.scoreDistribution(empty)],
  ['signatureMatrix', () => viz.signatureMatrix(empty)],
  ['packetRate', () => viz.packetRate(empty)],
  ['packetSizes', () => viz.packetSizes(empty)],
  ['tcpFlagMix', () => viz.tcpFlagMix(empty)],
  ['sourcePortSpread', () => viz.sourcePortSpread(empty)],
  ['curlWaterfall', () => viz.curlWaterfall([])],
  ['tracerouteHops', () => viz.tracerouteHops([])],
  ['dnsAnswers', () => viz.dnsAnswers([])],
  ['certTimeline', () => viz.certTimeline([])],
  ['backtestChart', () => viz.backtestChart([])],
];

const e = suite('empty inputs');
for (const [name, build] of builders) {
  e(`${name} draws a titled "no data" panel for an empty input, without warnings`, async () => {
    const c = await build();
    assert.equal(c.warnings, []);
    assert.equal(compileWarnings(c.spec), []);
    assert.ok(texts(c.svg).some((s) => s.startsWith('no ')), 'says there is nothing');
    assert.ok(texts(c.svg).includes(c.title));
    assert.is(items(c.svg, 'bar').length, 0);
  });
}
e('tracerouteHops keeps its axis when no hop answered', async () => {
  const c = await viz.tracerouteHops([{ hop: 1, probes: [{}, {}] }, { hop: 2, probes: [{ address: null, rttMs: null }] }]);
  assert.equal(c.warnings, []);
  assert.equal(texts(c.svg).filter((s) => s === 'no reply').length, 2);
});
e.run();
