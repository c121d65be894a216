import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as aq from 'arquero';
import type { TopLevelSpec } from 'vega-lite';
import { Chart, VEGALITE_MIME, SVG_MIME, VizInputError, topSources, pathHeatmap, LABEL_COLORS, trafficOverTime } from '../../src/viz/index.js';
import { DISPLAY, toDisplayData } from '../../src/display.js';
import { attributeNames, items, texts, T0 } from './helpers.js';

const tiny: TopLevelSpec = {
  title: 'tiny',
  data: { values: [{ k: 'a', n: 1 }, { k: 'b', n: 3 }] },
  mark: 'bar',
  encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } },
};

const render = suite('Chart.render');
render('renders any Vega-Lite spec to SVG eagerly, one bar per row', async () => {
  const c = await Chart.render(tiny);
  assert.is(c.title, 'tiny');
  assert.ok(c.svg.startsWith('<svg'));
  assert.is(items(c.svg, 'bar').length, 2);
  assert.equal(c.warnings, []);
  assert.is(await c.toSVG(), c.svg);
});
render('collects vega-lite warnings instead of printing them', async () => {
  const c = await Chart.render({ ...tiny, encoding: { ...tiny.encoding, color: { field: 'k', type: 'quantitative', scale: { type: 'band' } } } } as TopLevelSpec);
  assert.ok(c.warnings.length > 0);
});
render('refuses a spec vega-lite cannot compile with a VizInputError', async () => {
  try {
    await Chart.render({ data: { values: [] }, mark: 'nonsense' } as unknown as TopLevelSpec, { title: 'broken' });
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, VizInputError);
    assert.match((e as Error).message, /broken/);
  }
});
render.run();

const disp = suite('Chart[Symbol.for("Jupyter.display")]');
disp('sends the Vega-Lite spec, the static SVG and a text summary, with the SVG renderer requested', async () => {
  const t = aq.table({ 'ip.src': ['192.0.2.1', '192.0.2.1', '198.51.100.7'], label: ['malicious', 'malicious', 'good'] });
  const c = await topSources(t);
  const dd = toDisplayData(c);
  assert.equal(dd.data[VEGALITE_MIME], c.spec);
  assert.is(dd.data[SVG_MIME], c.svg);
  const text = String(dd.data['text/plain']);
  assert.match(text, /Top source IPs by requests/);
  assert.match(text, /192\.0\.2\.1\s+2\s+2\s+100%/);
  assert.equal(dd.metadata?.[VEGALITE_MIME], { embed_options: { renderer: 'svg' } });
  assert.is(typeof c[DISPLAY], 'function');
  // The spec embeds the aggregated rows, not the raw table.
  assert.not.match(JSON.stringify(c.spec), /"ip\.src"/);
});
disp.run();

const save = suite('Chart.save');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'viz-save-'));
save('writes SVG, PNG and the JSON spec by extension, leaving no temporary files', async () => {
  const c = await Chart.render(tiny);
  const svg = await c.save(path.join(tmp, 'a.svg'));
  assert.is(fs.readFileSync(svg, 'utf8'), c.svg);
  const png = fs.readFileSync(await c.save(path.join(tmp, 'a.png')));
  assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.readUInt32BE(16) >= 100, 'PNG has a real width');
  const json = JSON.parse(fs.readFileSync(await c.save(path.join(tmp, 'a.json')), 'utf8')) as { title: string };
  assert.is(json.title, 'tiny');
  assert.equal(fs.readdirSync(tmp).sort(), ['a.json', 'a.png', 'a.svg']);
});
save('replaces an existing file whole', async () => {
  const file = path.join(tmp, 'b.svg');
  fs.writeFileSync(file, 'old'.repeat(100000));
  const c = await Chart.render(tiny);
  await c.save(file);
  assert.is(fs.readFileSync(file, 'utf8'), c.svg);
});
save('refuses an unknown extension with a message naming the file, writing nothing', async () => {
  const c = await Chart.render(tiny);
  try {
    await c.save(path.join(tmp, 'c.gif'));
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, VizInputError);
    assert.match((e as Error).message, /c\.gif.*\.svg, \.png or \.json/);
  }
  assert.not.ok(fs.existsSync(path.join(tmp, 'c.gif')));
});
save.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
save.run();

const png = suite('Chart.toPNG');
png('rasterises the SVG with resvg at the requested scale', async () => {
  const c = await Chart.render(tiny);
  const one = Buffer.from(await c.toPNG(1));
  const two = Buffer.from(await c.toPNG(2));
  assert.is(two.readUInt32BE(16), one.readUInt32BE(16) * 2);
});
png.run();

const escaping = suite('untrusted strings in charts');
escaping('a path like <script>alert(1)</script> appears as escaped text and never as markup', async () => {
  const evil = '<script>alert(1)</script>';
  const attr = '/x" onload="alert(2)';
  const t = aq.table({
    timestamp: [T0, T0 + 1000, T0 + 2000, T0 + 3000],
    'http.request.uri.path': [evil, evil, evil, attr],
  });
  const c = await pathHeatmap(t);
  assert.ok(c.svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.not.ok(/<script/i.test(c.svg));
  // Inside an element's text a quote is inert; what must never happen is an onload attribute.
  assert.not.ok(attributeNames(c.svg).some((a) => /^on/i.test(a)), 'no event-handler attribute');
  assert.ok(/aria-label="[^"]*&quot; onload=&quot;/.test(c.svg), 'quotes in attribute values are escaped');
  assert.ok(texts(c.svg).includes(evil), 'the top path is the first axis label, as text');
  assert.ok(texts(c.svg).some((s) => s.startsWith('/x" onload=')));
});
escaping('label colours are the same in every chart', async () => {
  const t = aq.table({ timestamp: [T0, T0], 'ip.src': ['a', 'b'], label: ['good', 'malicious'] });
  const fills = async (c: Chart) => new Set(items(c.svg, 'bar').map((i) => i.fill));
  for (const c of [await topSources(t), await trafficOverTime(t)]) assert.equal(await fills(c), new Set([LABEL_COLORS.good, LABEL_COLORS.malicious]));
});
escaping.run();
