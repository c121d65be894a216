/**
 * The subset helpers the mitigation search counts with: a bitset restricted to some rows, and the
 * row lists of a mask, against the plain per-row definitions.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bitsOf, countAnd, gather, hasBit, positions } from '../../src/classify/mitigate/bits.js';
import { rowsOf } from '../../src/classify/mitigate/cluster.js';

const Subsets = suite('bitset subsets');
Subsets('positions lists exactly the set bits, ascending', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 300 }), (flags) => {
      const b = bitsOf(flags.map((x) => (x ? 1 : 0)));
      assert.equal([...positions(b)], flags.flatMap((x, i) => (x ? [i] : [])));
    }),
  );
});
Subsets('gather packs the bits at the given rows one after the other, so counts on a subset equal counts restricted to it', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), { maxLength: 300 }), (rows) => {
      const a = bitsOf(rows.map(([x]) => (x ? 1 : 0)));
      const b = bitsOf(rows.map(([, y]) => (y ? 1 : 0)));
      const sel = bitsOf(rows.map(([, , z]) => (z ? 1 : 0)));
      const at = positions(sel);
      const ga = gather(a, at);
      at.forEach((i, j) => assert.is(hasBit(ga, j), hasBit(a, i), `row ${i}`));
      const expected = rows.filter(([x, y, z]) => x && y && z).length;
      assert.is(countAnd(ga, gather(b, at)), expected);
    }),
  );
});
Subsets('rowsOf lists the rows a 0/1 mask selects, ascending', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 300 }), (flags) => {
      const mask = Uint8Array.from(flags, (x) => (x ? 1 : 0));
      assert.equal([...rowsOf(mask)], flags.flatMap((x, i) => (x ? [i] : [])));
    }),
  );
});
Subsets.run();
