import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isComplete } from '../../kernel/is-complete.js';

test('finished statements are complete', () => {
  for (const code of ['1 + 1', 'const x: number = 1;', 'function f(a: string) { return a; }', '', 'type T = { a: number }']) {
    assert.equal(isComplete(code), { status: 'complete' }, code);
  }
});

test('an open block is incomplete and indented one level per open bracket', () => {
  assert.equal(isComplete('function f() {'), { status: 'incomplete', indent: '  ' });
  assert.equal(isComplete('if (a) {\n  for (const x of y) {'), { status: 'incomplete', indent: '    ' });
  assert.equal(isComplete('[1, 2,'), { status: 'incomplete', indent: '  ' });
});

test('unterminated strings and templates are incomplete', () => {
  assert.is(isComplete('const s = `abc').status, 'incomplete');
  assert.is(isComplete('/* note').status, 'incomplete');
});

test('a syntax error before the end is invalid', () => {
  for (const code of ['const = 5;', '1 +* 2', '}', 'let let let']) assert.is(isComplete(code).status, 'invalid', code);
});

test.run();
