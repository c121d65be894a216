import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bitsOf, concatBits, copyBits, countAnd3, countAnd3Both, emptyBits, hasBit, idBits, toMask } from '../../src/classify/mitigate/bits.js';

const IdBits = suite('idBits');
IdBits('sets exactly the rows whose id is wanted (missing ids never), with the bits past n left clear', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 200 }), fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), fc.nat(70), (ids, want, extra) => {
      const n = ids.length;
      const b = idBits(Int32Array.from(ids), want.map((w) => (w ? 1 : 0)), n, n + extra);
      assert.is(b.length, (n + extra + 31) >>> 5);
      for (let i = 0; i < n + extra; i++) assert.is(hasBit(b, i), i < n && (ids[i] as number) >= 0 && want[ids[i] as number] === true, `row ${i}`);
    }),
  );
});
IdBits('equals the byte-mask path it replaces (concatBits of the incident mask and an empty baseline)', () => {
  const ids = Int32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 13 - 1);
  const want = Uint8Array.from({ length: 12 }, (_, k) => (k % 3 === 0 ? 1 : 0));
  const mask = Uint8Array.from(ids, (k) => (k >= 0 && want[k] ? 1 : 0));
  assert.equal(idBits(ids, want, ids.length), concatBits(mask, []));
});

const CopyBits = suite('copyBits');
CopyBits('copies bits [from, to) of the source and leaves every other bit of the target as it was', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), fc.array(fc.boolean(), { maxLength: 300 }), fc.nat(300), fc.nat(300), (srcBits, outBits, a, b) => {
      const n = Math.max(srcBits.length, outBits.length);
      const [from, to] = [Math.min(a, b) % (n + 1), Math.max(a, b) % (n + 1)].sort((x, y) => x - y) as [number, number];
      const src = emptyBits(n);
      const out = emptyBits(n);
      srcBits.forEach((v, i) => v && ((src[i >>> 5] as number) |= 1 << (i & 31)));
      outBits.forEach((v, i) => v && ((out[i >>> 5] as number) |= 1 << (i & 31)));
      const before = toMask(out, n);
      copyBits(out, src, from, to);
      for (let i = 0; i < n; i++) assert.is(hasBit(out, i), i >= from && i < to ? srcBits[i] === true : before[i] === 1, `bit ${i} of [${from}, ${to})`);
    }),
  );
});

const Counts = suite('countAnd3Both');
Counts('gives countAnd3 with each of the two third sets, sparse and dense words alike', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()), { maxLength: 400 }), (rows) => {
      const [a, b, c, d] = [0, 1, 2, 3].map((k) => bitsOf(rows.map((r) => (r[k] ? 1 : 0)))) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
      const out = new Int32Array(2);
      countAnd3Both(a, b, c, d, out);
      assert.equal([...out], [countAnd3(a, b, c), countAnd3(a, b, d)]);
    }),
  );
});

IdBits.run();
Counts.run();
CopyBits.run();
