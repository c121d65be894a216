/**
 * The faster paths of scoring and the analysis give what the plain ones gave: set bits in a
 * range, rate-limit keys over several fields, a rule's bits, numbers interned through a typed
 * table, and empty named lists taken as none. Each against a naive version on random input.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as aq from 'arquero';
import { bitsOf, emptyBits, hasBit, positionsIn } from '../../src/classify/mitigate/bits.js';
import { keysOf } from '../../src/classify/mitigate/emit/ratelimit.js';
import { intern } from '../../src/classify/interned.js';
import { rule } from '../../src/classify/rule.js';
import { RuleError } from '../../src/classify/errors.js';

const Positions = suite('positionsIn');
Positions('lists the set bits of [from, to) in order, as offsets from `from`', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 300 }), fc.nat(300), fc.nat(300), (set, a, b) => {
      const n = set.length;
      const [from, to] = [Math.min(a, b) % (n + 1), Math.max(a, b) % (n + 1)].sort((x, y) => x - y) as [number, number];
      const bits = emptyBits(n);
      set.forEach((v, i) => v && ((bits[i >>> 5] as number) |= 1 << (i & 31)));
      const want: number[] = [];
      for (let i = from; i < to; i++) if (hasBit(bits, i)) want.push(i - from);
      assert.equal([...positionsIn(bits, from, to)], want);
    }),
  );
  // every range of a fixed set of 100 bits, so each word edge (to - from of 31, 32, 33 ...) is met
  const set = Array.from({ length: 100 }, (_, i) => (i * 7919) % 3 !== 0);
  const bits = bitsOf(set.map((v) => (v ? 1 : 0)));
  for (let from = 0; from <= 100; from++)
    for (let to = from; to <= 100; to++) {
      const want: number[] = [];
      for (let i = from; i < to; i++) if (set[i]) want.push(i - from);
      assert.equal([...positionsIn(bits, from, to)], want, `[${from}, ${to})`);
    }
});

/** Keys numbered in order of first sight by the values' text: the numbering keysOf must give. */
function naiveKeys(cols: readonly (readonly (string | null)[])[], rows: readonly number[]): number[] {
  const seen = new Map<string, number>();
  return rows.map((i) => {
    if (cols.some((c) => c[i] === null)) return -1;
    const k = JSON.stringify(cols.map((c) => c[i]));
    let d = seen.get(k);
    if (d === undefined) seen.set(k, (d = seen.size));
    return d;
  });
}

const Keys = suite('rate-limit keys');
Keys('over two and three fields: equal exactly when every field is, numbered in order of first sight, -1 where one is missing', () => {
  const value = fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { freq: 6 });
  fc.assert(
    fc.property(fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 120 }), fc.array(fc.nat(), { maxLength: 150 }), (table, picks) => {
      const cols = [0, 1, 2].map((k) => table.map((r) => r[k] ?? null));
      const t = aq.table({ 'ip.src': cols[0] as (string | null)[], 'http.user_agent': cols[1] as (string | null)[], 'cf.bot_management.ja4': cols[2] as (string | null)[] });
      const rows = picks.map((p) => p % table.length);
      for (const fields of [['ip.src', 'http.user_agent'], ['ip.src', 'http.user_agent', 'cf.bot_management.ja4']]) {
        const { key, size } = keysOf(t, Int32Array.from(rows), fields);
        const want = naiveKeys(cols.slice(0, fields.length), rows);
        assert.equal([...key], want, fields.join('+'));
        assert.is(size, new Set(want.filter((k) => k >= 0)).size);
      }
    }),
  );
});

const Bits = suite('Rule.bits');
Bits('are the bits of the mask, per distinct value and through the row kernel alike', () => {
  const n = 1000;
  const t = aq.table({
    'http.request.method': Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : ['GET', 'POST', 'HEAD'][i % 3])),
    'http.response.code': Float64Array.from({ length: n }, (_, i) => [200, 404, 401, 503][(i * 31) % 4] as number),
    'http.user_agent': Array.from({ length: n }, (_, i) => `agent-${(i * 17) % 23}`),
  });
  for (const expression of ['http.request.method eq "POST"', 'not http.request.method eq "GET"', 'http.response.code ge 400', 'http.request.method eq "POST" and http.user_agent contains "-1"', 'http.response.code in {401 403} or http.request.method eq "HEAD"']) {
    const r = rule(expression, t);
    assert.equal(r.bits(t), bitsOf(r.mask(t)), expression);
  }
});

/** The Map-based interning the typed path must reproduce. */
function naiveIntern(col: ArrayLike<number>): { ids: number[]; values: number[] } {
  const map = new Map<number, number>();
  const values: number[] = [];
  const ids = Array.from(col, (v) => {
    let id = map.get(v);
    if (id === undefined) map.set(v, (id = values.push(v) - 1));
    return id;
  });
  return { ids, values };
}

const Numbers = suite('interning numbers');
Numbers('gives the ids and values (in order of first sight) a Map gives: small whole numbers, -0 and 0, NaN, fractions, large and negative values', () => {
  const special = fc.constantFrom(0, -0, NaN, 0.5, -3, 65535, 65536, 1e12, 2 ** 40 + 0.25);
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 70000 }), special), { maxLength: 200 }), (xs) => {
      const col = Float64Array.from(xs);
      const got = intern(col);
      const want = naiveIntern(col);
      assert.equal([...got.ids], want.ids);
      assert.is(got.values.length, want.values.length);
      got.values.forEach((v, k) => assert.ok(Object.is(v, want.values[k]), `value ${k}`));
    }),
  );
});

const Lists = suite('empty named lists');
Lists('are taken as no lists: the same rows, and a list reference fails the same way', () => {
  const t = aq.table({ 'http.request.method': ['GET', 'POST', 'GET', null] });
  assert.equal(rule('http.request.method eq "GET"', t, { lists: {} }).mask(t), rule('http.request.method eq "GET"', t).mask(t));
  const message = (lists?: Record<string, string[]>): string => {
    try {
      rule('http.request.method in $methods', t, lists ? { lists } : {});
    } catch (e) {
      if (e instanceof RuleError) return e.message;
      throw e;
    }
    return 'no error';
  };
  assert.is(message({}), message());
  assert.not.equal(message(), 'no error');
});

Positions.run();
Keys.run();
Bits.run();
Numbers.run();
Lists.run();
