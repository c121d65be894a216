import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { table } from 'arquero';
import { ColumnBuilder, encodeColumns } from '../../src/traffic/columns.js';
import { DictionaryColumn, plainColumn } from '../../src/traffic/dictionary.js';
import { Utf8Column } from '../../src/traffic/utf8.js';

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

cb('a string column that stops repeating goes on as UTF-8 bytes with every value kept', () => {
  const rows = Array.from({ length: 70000 }, (_, i) => ({ id: i === 5 ? null : i === 7 ? '' : `ray-${i}${i % 1000 === 0 ? 'é' : ''}`, m: i % 2 ? 'GET' : 'HEAD' }));
  const cols = build(rows);
  const id = cols['id'];
  assert.ok(id instanceof Utf8Column, 'near-unique values are not worth a dictionary');
  assert.is(id.length, 70000);
  assert.is(id.at(69999), 'ray-69999');
  assert.is(id.at(0), 'ray-0é');
  assert.is(id.at(5), null);
  assert.is(id.at(7), '');
  assert.is(id.at(70000), null);
  assert.equal(id.toArray(), rows.map((r) => r.id));
  assert.equal(table({ id }).array('id'), rows.map((r) => r.id), 'Arquero reads it as a column');
  assert.ok(cols['m'] instanceof DictionaryColumn);
});

cb('a UTF-8 column keeps the last write of a row, leaves skipped rows missing, drops discarded rows and turns plain on another type', () => {
  const b = new ColumnBuilder();
  const slot = b.slot('u', 'x');
  for (let i = 0; i < 70000; i++) {
    if (i % 10 !== 3) b.put('u', `first-${i}`);
    if (i % 10 === 4) b.put('u', `second-${i}`);
    b.next();
  }
  assert.ok(b.isUtf8(slot));
  b.putBytes(slot, Buffer.from('xxbytesyy'), 2, 7);
  b.discard();
  b.putBytes(slot, Buffer.from('xxkeptyy'), 2, 6);
  b.next();
  b.next();
  const u = b.finish()['u'];
  assert.ok(u instanceof Utf8Column);
  assert.is(u.length, 70002);
  assert.is(u.at(3), null);
  assert.is(u.at(4), 'second-4');
  assert.is(u.at(69999), 'first-69999');
  assert.is(u.at(70000), 'kept');
  assert.is(u.at(70001), null);
  const b2 = new ColumnBuilder();
  for (let i = 0; i < 70000; i++) {
    b2.put('u', `v-${i}`);
    b2.next();
  }
  b2.put('u', 42);
  b2.next();
  const plain = b2.finish()['u'] as unknown[];
  assert.ok(Array.isArray(plain));
  assert.is(plain[69999], 'v-69999');
  assert.is(plain[70000], 42);
});

cb('append takes another builder\'s encoded parts as if their rows had been put here, into prefaulted capacity or not', () => {
  for (const prefault of [false, true]) {
    const mk = (from: number, to: number, extra: string) => {
      const b = new ColumnBuilder();
      if (prefault) b.reserve(150000);
      for (let i = from; i < to; i++) {
        b.put('n', i % 7 === 0 ? null : i);
        b.put('m', i % 3 ? 'GET' : 'POST');
        b.put('id', `ray-${i}`);
        b.put('flag', i % 2 === 0);
        if (i % 5 === 0) b.put(extra, `${extra}-${i % 4}`);
        b.next();
      }
      return b;
    };
    const whole = mk(0, 150000, 'a');
    const main = mk(0, 80000, 'a');
    // as the parallel loader does while it waits for its workers
    if (prefault) main.prefault(150000);
    // the other part, encoded as a worker sends it (codes, bytes, booleans as bytes)
    const other = mk(80000, 150000, 'a').finish();
    const { cols: enc } = encodeColumns(other);
    // in two slices, as the parallel loader appends a worker's chunks (the dictionaries map once)
    main.append(enc, 0, 30000);
    main.append(enc, 30000, 150000 - 80000 - 30000);
    const got = main.finish();
    const want = whole.finish();
    assert.equal(Object.keys(got), Object.keys(want));
    for (const k of Object.keys(want)) assert.equal(plainColumn(got[k]), plainColumn(want[k]), `${k}${prefault ? ' (prefaulted)' : ''}`);
  }
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
