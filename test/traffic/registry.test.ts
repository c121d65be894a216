/** The loader registry: one module per format, named after its file, found by listing the folder. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORMATS, formatModule, formatNames, loadTraffic, TrafficError } from '../../src/traffic/index.js';

const test = suite('format registry');
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/traffic/formats');

test('each file in src/traffic/formats is the format of its name, with a summary', () => {
  const files = fs.readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).map((f) => f.replace(/\.(js|ts)$/, ''));
  assert.equal([...new Set(files)].sort(), formatNames());
  for (const m of FORMATS) {
    assert.ok(m.summary.length > 10, m.format);
    assert.is(formatModule(m.format), m);
  }
});

test('sniffers never claim an empty or binary head, except pcap for its magic', async () => {
  const { rankFormats, sniffInput } = await import('../../src/traffic/detect.js');
  assert.equal(rankFormats(sniffInput(Buffer.alloc(0))), []);
  assert.equal(rankFormats(sniffInput(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]))).map((r) => r.module.format), ['pcap']);
});

test('an unknown --format names every registered format, and prototype names are unknown', async () => {
  for (const bad of ['nope', 'constructor', '__proto__', 'toString']) {
    try {
      await loadTraffic(Buffer.from('x\n'), { format: bad });
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, TrafficError);
      for (const f of formatNames()) assert.match((e as Error).message, f);
    }
  }
});

test.run();
