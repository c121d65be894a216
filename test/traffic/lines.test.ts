/** The one line splitter, through both adapters: the same lines, numbers and reasons. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { forEachLine, forEachLineBytes } from '../../src/traffic/lines.js';
import { ReportBuilder } from '../../src/traffic/report.js';

async function both(buf: Buffer, maxLineBytes: number) {
  const a = new ReportBuilder('<buffer>', 'x', 1000);
  const sl: [number, string][] = [];
  await forEachLine(buf, a, (s, n) => sl.push([n, s]), { maxLineBytes, invalidUtf8: 'skip' });
  const b = new ReportBuilder('<buffer>', 'x', 1000);
  const bl: [number, string][] = [];
  await forEachLineBytes(buf, b, (x, s, e, n) => bl.push([n, x.toString('utf8', s, e)]), { maxLineBytes });
  return { a: a.finish(), b: b.finish(), sl, bl };
}

test('lines crossing 1 MiB chunks, CRLF, blank and over-long lines come out the same from both adapters', async () => {
  const parts: string[] = [];
  for (let i = 0, size = 0; size < 3.5 * (1 << 20); i++) {
    const l = i % 997 === 5 ? '' : i % 1499 === 7 ? 'x'.repeat(9000) : `line ${i} ${'a'.repeat(i % 300)}${i % 3 ? '\r' : ''}`;
    parts.push(l);
    size += l.length + 1;
  }
  const buf = Buffer.from(`${parts.join('\n')}\nlast without newline`);
  const { a, b, sl, bl } = await both(buf, 8192);
  assert.equal(bl, sl);
  assert.equal({ ...a, durationMs: 0 }, { ...b, durationMs: 0 });
  assert.is(a.rowsRead, parts.length + 1);
  // the handlers here count nothing as loaded: every line read is handed on or skipped
  assert.is(sl.length + a.rowsSkipped, a.rowsRead);
  assert.ok(a.reasons['line longer than 8192 bytes']! > 0 && a.reasons['blank line']! > 0);
  assert.is(sl.at(-1)?.[1], 'last without newline');
  assert.ok(sl.every(([, s]) => !s.endsWith('\r')));
});

test.run();
