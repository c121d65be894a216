import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('vega and vega-lite 5 load as ES modules in Node and vega renders headless', async () => {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  assert.match(vl.version, /^5\./);
  assert.match(vega.version, /^5\./);
  const spec = vl.compile({ data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  assert.match(await view.toSVG(), /^<svg/);
  view.finalize();
});

test('netrunbook/viz resolves through the package exports', async () => {
  const viz = await import('netrunbook/viz');
  assert.is(typeof viz.trafficOverTime, 'function');
  assert.is(typeof viz.Chart.render, 'function');
});

test.run();
