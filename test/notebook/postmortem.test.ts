/**
 * The postmortem contract from a cell's side: `postmortem.record / applied / confirm / note`
 * publish bundles through the display protocol (here the host the kernel would install), and the
 * document built from those bundles carries them. The attack-window maths on small series.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { HOST, type DisplayHost, type MimeBundle } from '../../src/display.js';
import { analyze, score } from '../../src/classify/index.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { attackSegment, buildPostmortem, chartStep, incidentFacts, postmortem, POSTMORTEM_MIME, type Notebook, type Output } from '../../src/notebook/index.js';
import { ROOT } from '../helpers/paths.js';
import { executed } from './build.js';

/** Capture what cells display, as the kernel's host would receive it. */
async function captured(cell: () => unknown): Promise<Output[]> {
  const got: Output[] = [];
  const host: DisplayHost = { display: (m: { data: MimeBundle; metadata: Record<string, unknown> }) => got.push({ output_type: 'display_data', data: m.data, metadata: m.metadata }), clear: () => undefined };
  const g = globalThis as Record<symbol, unknown>;
  const before = g[HOST];
  g[HOST] = host;
  try {
    await cell();
  } finally {
    g[HOST] = before;
  }
  return got;
}

test('attackSegment: the bins where attack rows are a quarter of the traffic, gaps included', () => {
  assert.equal(attackSegment([0, 0, 1, 50, 60, 0, 40, 0, 0], [100, 100, 100, 150, 160, 100, 140, 100, 100]), { s: 3, e: 6 });
  // A low-and-slow attack under much larger good traffic: the change point on the attack rate.
  assert.equal(attackSegment([1, 1, 1, 9, 10, 9, 1, 1], [500, 500, 500, 500, 500, 500, 500, 500]), { s: 3, e: 5 });
  assert.is(attackSegment([0, 0, 0], [5, 5, 5]), null);
  assert.is(chartStep(0, 300_000), 5000);
  assert.is(chartStep(0, 23_700), 200);
});

test('incidentFacts on the bundled sample: window, peak, 5xx and origin shares, and a mitigation\'s measured effect', async () => {
  const { table } = await loadTraffic(path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz'));
  const scored = score(table);
  const f = incidentFacts(scored, { mitigatedAt: '2026-11-20T10:03:00Z' });
  assert.is(f.unit, 'requests');
  assert.is(f.binMs, 5000);
  assert.is(f.rows, table.numRows());
  assert.is(f.attackRows, scored.counts.malicious);
  assert.ok(f.start && Math.abs(Date.parse(f.start) - Date.UTC(2026, 10, 20, 10, 1, 30)) <= 5000, f.start ?? '');
  assert.ok(f.end && Math.abs(Date.parse(f.end) - Date.UTC(2026, 10, 20, 10, 4, 30)) <= 5000, f.end ?? '');
  assert.ok(f.peak && f.peak.attackPerSecond > 10 && f.peak.totalPerSecond >= f.peak.attackPerSecond);
  assert.ok(f.errorShare5xx !== undefined && f.errorShare5xx >= 0 && f.errorShare5xx <= 1);
  assert.ok(f.attackOriginShare !== undefined && f.attackOriginShare > 0.5);
  assert.is(f.mitigation?.at, '2026-11-20T10:03:00.000Z');
  assert.not.ok(f.ongoing);
});

test('record, applied, confirm and note land in the document: timeline, applied rules, decisions', async () => {
  const { table } = await loadTraffic(path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz'));
  const scored = score(table);
  const analysis = analyze(scored);
  const pm = postmortem.fromAnalysis(analysis, { unit: 'requests' });
  const first = (pm.mitigations ?? []).find((m) => m.status === 'recommended');
  assert.ok(first);
  const outputs = await captured(async () => {
    postmortem.record({ what: 'An HTTP flood hit shop.example.com', incident: postmortem.incident(scored), ...pm });
    postmortem.applied('rate limit on /login', { at: '2026-11-20T10:03:00Z', by: 'oncall', ...(first ? { mitigation: first } : {}) });
    assert.is(await postmortem.confirm('Block the scanner list?', { answer: false, at: '2026-11-20T10:03:30Z' }), false);
    // No kernel stdin here: the gate cannot ask, records that, and says no.
    assert.is(await postmortem.confirm('Challenge all of /search?', { at: '2026-11-20T10:03:40Z' }), false);
    postmortem.note('customer reports recovery', '2026-11-20T10:06:00Z');
  });
  assert.is(outputs.length, 5);
  assert.ok(outputs.every((o) => o.output_type === 'display_data' && o.data[POSTMORTEM_MIME] !== undefined && typeof o.data['text/plain'] === 'string'));
  const nb: Notebook = executed([outputs]);
  const doc = buildPostmortem(nb, { audience: 'customer' });
  const at = (iso: string) => doc.timeline.find((e) => e.at === iso);
  assert.is(at('2026-11-20T10:03:00.000Z')?.what, 'rate limit on /login (by oncall)');
  assert.is(at('2026-11-20T10:03:30.000Z')?.what, 'Block the scanner list? — no');
  assert.is(at('2026-11-20T10:03:40.000Z')?.what, 'Challenge all of /search? — no (no answer: headless run)');
  assert.is(at('2026-11-20T10:06:00.000Z')?.kind, 'observation');
  const applied = doc.mitigations.filter((m) => m.status === 'applied');
  assert.equal(applied.map((m) => [m.expression, m.appliedAt]), [[first?.expression, '2026-11-20T10:03:00.000Z']]);
  assert.is(doc.mitigations.filter((m) => m.expression === first?.expression).length, 1, 'the applied rule replaces its recommendation');
  assert.match(doc.summary, /^An HTTP flood hit shop\.example\.com\. It ran from 2026-11-20 10:01:3/);
});

test.run();
