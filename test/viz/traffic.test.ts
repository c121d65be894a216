import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import {
  trafficOverTime, topSources, pathHeatmap, statusOverTime, scoreDistribution, signatureMatrix, VizInputError, LABEL_COLORS, STATUS_CLASS_COLORS,
} from '../../src/viz/index.js';
import type { Chart } from '../../src/viz/index.js';
import { compileWarnings, items, texts, T0 } from './helpers.js';

const MIN = 60_000;
/** 3 minutes of traffic: minute 0 good only, minute 1 an attack from 203.0.113.0/24, minute 2 after the block. */
function scored() {
  const rows: Record<string, unknown>[] = [];
  const add = (t: number, ip: string, label: string, path: string, status: number, score: number, reasons: unknown, cluster: number | null) =>
    rows.push({ timestamp: t, 'ip.src': ip, 'ip.src.asnum': label === 'good' ? 64500 : 64496, 'ip.src.country': label === 'good' ? 'DE' : 'BR', 'http.request.uri.path': path, 'http.response.code': status, score, label, reasons, cluster });
  for (let i = 0; i < 4; i++) add(T0 + i * 1000, `198.51.100.${i}`, 'good', '/', 200, 5, [], null);
  for (let i = 0; i < 10; i++) add(T0 + MIN + i * 1000, `203.0.113.${i % 3}`, 'malicious', '/login', 503, 85, ['ua.empty', 'rate.burst'], 1);
  for (let i = 0; i < 2; i++) add(T0 + MIN + i * 1000, '192.0.2.9', 'suspicious', '/search', 200, 45, 'rate.burst', 2);
  for (let i = 0; i < 3; i++) add(T0 + 2 * MIN + i * 1000, '203.0.113.1', 'malicious', '/login', 403, 90, '["ua.empty"]', 1);
  add(T0 + 2 * MIN + 5000, '2001:db8:1:2::7', 'good', '/', 200, 3, null, null);
  return aq.from(rows);
}

function clean(c: Chart) {
  assert.equal(compileWarnings(c.spec), [], 'vega-lite compiles the spec without warnings');
  assert.equal(c.warnings, []);
}

const traffic = suite('trafficOverTime');
traffic('stacks requests per minute by label, one bar per (minute, label), in the label colours', async () => {
  const c = await trafficOverTime(scored(), { binMs: MIN, mitigationAt: T0 + 2 * MIN });
  clean(c);
  const bars = items(c.svg, 'bar');
  assert.is(bars.length, 5); // m0 good; m1 malicious, suspicious; m2 malicious, good
  assert.is(bars.filter((b) => b.fill === LABEL_COLORS.malicious).length, 2);
  assert.is(bars.filter((b) => b.fill === LABEL_COLORS.suspicious).length, 1);
  assert.ok(texts(c.svg).includes('Requests per 1 min'));
  assert.ok(texts(c.svg).includes('Time (UTC)'));
  assert.is(items(c.svg, 'rule mark').length, 1, 'the mitigation rule');
  assert.ok(texts(c.svg).includes('mitigation'));
  assert.match(c.toString(), /malicious\s+10/);
});
traffic('chooses a bin width itself and drops rows without a timestamp', async () => {
  const t = aq.table({ timestamp: [T0, T0 + 30 * MIN, null, Number.NaN], label: ['good', 'good', 'good', 'good'] });
  const c = await trafficOverTime(t);
  clean(c);
  assert.is(items(c.svg, 'bar').length, 2);
  assert.ok(texts(c.svg).some((s) => s.includes('2 requests in 30 s bins')));
});
traffic('stacks by cluster, folding rows without a cluster into "unclustered"', async () => {
  const c = await trafficOverTime(scored(), { by: 'cluster', binMs: MIN, markers: [{ at: T0 + 30_000, label: 'alert fired' }] });
  clean(c);
  const legend = texts(c.svg);
  for (const k of ['1', '2', 'unclustered', 'alert fired']) assert.ok(legend.includes(k), k);
});
traffic('names the missing column and the columns there are', async () => {
  try {
    await trafficOverTime(aq.table({ ts: [1] }));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, VizInputError);
    assert.match((e as Error).message, /no column "timestamp".*"ts"/);
  }
});
traffic('refuses something that is not a table', async () => {
  try {
    await trafficOverTime([{ timestamp: 1 }] as never);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, VizInputError);
    assert.match((e as Error).message, /expected an Arquero table/);
  }
});
traffic.run();

const top = suite('topSources');
top('ranks source IPs by requests, splits each bar by label and names the top source', async () => {
  const c = await topSources(scored(), { limit: 3 });
  clean(c);
  const t = texts(c.svg);
  const ipLabels = t.filter((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s));
  assert.equal(ipLabels, ['203.0.113.1', '203.0.113.0', '203.0.113.2']);
  assert.ok(t.some((s) => s.startsWith('6 · 100% flagged')));
});
top('groups IPv4 by /24 and IPv6 by /64', async () => {
  const c = await topSources(scored(), { by: 'prefix' });
  clean(c);
  const t = texts(c.svg);
  assert.ok(t.includes('203.0.113.0/24'));
  assert.ok(t.includes('2001:db8:1:2::/64'));
  assert.match(c.toString(), /203\.0\.113\.0\/24\s+13\s+13/);
});
top('ranks ASNs by flagged requests', async () => {
  const c = await topSources(scored(), { by: 'asn', rank: 'flagged' });
  clean(c);
  const rows = c.rows as { source: string; flagged: number }[];
  assert.equal(rows.map((r) => r.source), ['AS64496', 'AS64500']);
  assert.is(rows[0]?.flagged, 15); // 13 malicious + 2 suspicious
});
top('counts countries and works without a label column', async () => {
  const c = await topSources(aq.table({ 'ip.src.country': ['US', 'US', 'FR'] }), { by: 'country' });
  clean(c);
  assert.is(items(c.svg, 'bar').length, 2);
});
top('respects a filtered table (only the rows the filter keeps are counted)', async () => {
  const c = await topSources(scored().filter((d: { label: string }) => d.label === 'good'));
  clean(c);
  assert.equal(new Set(items(c.svg, 'bar').map((b) => b.fill)), new Set([LABEL_COLORS.good]));
  assert.is(c.rows.reduce((s, r) => s + Number(r.requests), 0), 5);
});
top('rejects an unknown grouping', async () => {
  try {
    await topSources(scored(), { by: 'city' as never });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /option by = "city".*ip \| prefix \| asn \| country/);
  }
});
top.run();

const heat = suite('pathHeatmap');
heat('draws one cell per (path, minute) for the busiest paths', async () => {
  const c = await pathHeatmap(scored(), { binMs: MIN });
  clean(c);
  // '/' m0 and m2, '/login' m1 and m2, '/search' m1
  assert.is(items(c.svg).filter((i) => i.tag === 'path' && i.label.includes('Request path')).length, 5);
  assert.equal(texts(c.svg).filter((s) => s.startsWith('/')), ['/login', '/', '/search']);
});
heat('keeps only the requested labels and the limit', async () => {
  const c = await pathHeatmap(scored(), { binMs: MIN, labels: ['malicious'], limit: 1 });
  clean(c);
  assert.equal(texts(c.svg).filter((s) => s.startsWith('/')), ['/login']);
});
heat.run();

const status = suite('statusOverTime');
status('stacks responses by status class in the fixed class colours', async () => {
  const c = await statusOverTime(scored(), { binMs: MIN });
  clean(c);
  const fills = new Set(items(c.svg, 'bar').map((b) => b.fill));
  assert.equal(fills, new Set([STATUS_CLASS_COLORS['2xx'], STATUS_CLASS_COLORS['4xx'], STATUS_CLASS_COLORS['5xx']]));
  assert.ok(texts(c.svg).includes('Responses per 1 min'));
});
status('shows exact codes as shares of each bin', async () => {
  const c = await statusOverTime(scored(), { binMs: MIN, by: 'code', normalize: true });
  clean(c);
  const t = texts(c.svg);
  for (const code of ['200', '403', '503']) assert.ok(t.includes(code), code);
  assert.ok(t.includes('Share of responses'));
  assert.ok(t.includes('100%'));
});
status.run();

const score = suite('scoreDistribution');
score('bins scores and stacks them by label, with the thresholds drawn', async () => {
  const c = await scoreDistribution(scored(), { thresholds: { suspicious: 40, malicious: 70 } });
  clean(c);
  const bars = items(c.svg, 'bar');
  assert.equal(new Set(bars.map((b) => b.fill)), new Set(Object.values(LABEL_COLORS)));
  assert.is(items(c.svg, 'rule mark').length, 2);
  assert.ok(texts(c.svg).includes('malicious ≥ 70'));
  assert.match(c.toString(), /malicious\s+13/);
});
score('handles a table where every score is the same', async () => {
  const c = await scoreDistribution(aq.table({ score: [1, 1, 1] }), { log: true });
  clean(c);
  assert.is(items(c.svg, 'bar').length, 1);
});
score.run();

const sig = suite('signatureMatrix');
sig('counts which signatures fired per cluster, reading arrays, lists and JSON strings', async () => {
  const c = await signatureMatrix(scored());
  clean(c);
  const cells = c.rows as { cluster: string; signature: string; rows: string; share: string }[];
  const get = (cl: string, s: string) => cells.find((r) => r.cluster === cl && r.signature === s);
  assert.is(get('1', 'ua.empty')?.rows, '13');
  assert.is(get('1', 'rate.burst')?.share, '77%');
  assert.is(get('2', 'rate.burst')?.rows, '2');
  assert.is(get('2', 'ua.empty'), undefined);
  assert.is(items(c.svg).filter((i) => i.role === 'text mark').length, 3);
  assert.ok(texts(c.svg).includes('Cluster'));
});
sig('falls back to the label column when there is no cluster column', async () => {
  const c = await signatureMatrix(aq.table({ label: ['malicious', 'good'], reasons: ['a;b', ''] }));
  clean(c);
  assert.equal(new Set(c.rows.map((r) => r.label)), new Set(['malicious']));
});
sig.run();
