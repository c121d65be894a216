import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { table } from 'arquero';
import { ColumnBuilder } from '../../src/traffic/columns.js';
import { DictionaryColumn, plainColumn } from '../../src/traffic/dictionary.js';

const cb = suite('ColumnBuilder');

function build(values: Record<string, unknown>[]): ReturnType<ColumnBuilder['finish']> {
  const b = new ColumnBuilder();
  for (const row of values) {
    for (const [k, v] of Object.entries(row)) b.put(k, v);
    b.next();
  }
  return b.finish();
}

cb('a repeating string column comes out dictionary-encoded, each value stored once, missing as -1', () => {
  const cols = build([{ m: 'GET' }, { m: 'POST' }, { x: 1 }, { m: 'GET' }, { m: null }]);
  const m = cols['m'];
  assert.ok(m instanceof DictionaryColumn);
  assert.equal([...m.values], ['GET', 'POST']);
  assert.equal([...m.codes], [0, 1, -1, 0, -1]);
  assert.equal(plainColumn(m), ['GET', 'POST', null, 'GET', null]);
});

cb('a column that stops repeating becomes a plain array with every value kept', () => {
  const rows = Array.from({ length: 70000 }, (_, i) => ({ id: `ray-${i}`, m: i % 2 ? 'GET' : 'HEAD' }));
  const cols = build(rows);
  assert.ok(Array.isArray(cols['id']), 'near-unique values are not worth a dictionary');
  assert.is((cols['id'] as unknown[])[69999], 'ray-69999');
  assert.is((cols['id'] as unknown[])[0], 'ray-0');
  assert.ok(cols['m'] instanceof DictionaryColumn);
});

cb('a value of another type turns a dictionary column into a plain array without losing rows', () => {
  const cols = build([{ v: 'a' }, {}, { v: 'b' }, { v: { nested: true } }, { v: 'a' }]);
  assert.equal(cols['v'], ['a', null, 'b', { nested: true }, 'a']);
});

cb('objects a parser shares between rows are dictionary-encoded by identity; booleans stay plain', () => {
  const shared = Object.freeze({ 'accept-language': ['en'] });
  const other = Object.freeze({ 'accept-language': ['de'] });
  const cols = build([{ h: shared, b: true }, { h: other, b: false }, { h: shared }, { h: null, b: true }]);
  const h = cols['h'];
  assert.ok(h instanceof DictionaryColumn);
  assert.is(h.values.length, 2, 'equal content but separate objects would be two values; these are the same two objects');
  assert.is(h.at(2), shared);
  assert.equal([...h.codes], [0, 1, 0, -1]);
  assert.equal(cols['b'], [true, false, null, true]);
});

cb('codes from codeOf and putCode agree with put, and a discarded row leaves no trace', () => {
  const b = new ColumnBuilder();
  const slot = b.slot('ua', '');
  b.putCode(slot, b.codeOf(slot, 'curl/8'), 'curl/8');
  b.next();
  b.put('ua', 'curl/8');
  b.next();
  b.put('ua', 'wget');
  b.discard();
  b.put('other', 1);
  b.next();
  const cols = b.finish();
  assert.equal(plainColumn(cols['ua']), ['curl/8', 'curl/8', null]);
  assert.equal([...(cols['ua'] as DictionaryColumn).values], ['curl/8', 'wget'], 'the discarded value may stay in the dictionary but no row uses it');
});

cb('Arquero reads a dictionary column like an array: filter, groupby, orderby, objects', () => {
  const t = table(build([{ m: 'GET', n: 1 }, { m: 'POST', n: 2 }, { m: 'GET', n: 3 }, { n: 4 }]));
  assert.equal(t.filter((d: Record<string, unknown>) => d['m'] === 'GET').array('n'), [1, 3]);
  assert.equal(t.groupby('m').count().objects(), [{ m: 'GET', count: 2 }, { m: 'POST', count: 1 }, { m: null, count: 1 }]);
  assert.equal(t.orderby('m').array('n'), [4, 1, 3, 2]);
  assert.equal(t.objects()[3], { m: null, n: 4 });
});

cb.run();
