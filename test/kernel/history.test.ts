import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { globToRegExp, History, SESSION } from '../../kernel/history.js';

function sample(): History {
  const h = new History();
  ['1 + 1', 'dig("example.com")', '1 + 1', 'curl("https://x")'].forEach((code, i) => h.add(i + 1, code));
  h.setOutput(1, '2');
  return h;
}

test('tail returns the last n inputs with session and line', () => {
  assert.equal(sample().query({ hist_access_type: 'tail', n: 2, output: false, raw: true }), [
    [SESSION, 3, '1 + 1'],
    [SESSION, 4, 'curl("https://x")'],
  ]);
});

test('output pairs each input with its text/plain result', () => {
  const [first] = sample().query({ hist_access_type: 'range', start: 1, stop: 2, output: true, raw: true });
  assert.equal(first, [SESSION, 1, ['1 + 1', '2']]);
});

test('range is half-open and ignores other sessions', () => {
  const h = sample();
  assert.equal(h.query({ hist_access_type: 'range', session: SESSION, start: 2, stop: 4, output: false, raw: true }).map((e) => e[1]), [2, 3]);
  assert.equal(h.query({ hist_access_type: 'range', session: SESSION + 5, start: 1, stop: 9, output: false, raw: true }), []);
});

test('search matches whole inputs by glob, with unique and n', () => {
  const h = sample();
  assert.equal(h.query({ hist_access_type: 'search', pattern: '1 +*', output: false, raw: true }).map((e) => e[1]), [1, 3]);
  assert.equal(h.query({ hist_access_type: 'search', pattern: '1 +*', unique: true, output: false, raw: true }).map((e) => e[1]), [3]);
  assert.equal(h.query({ hist_access_type: 'search', pattern: '*(*', n: 1, output: false, raw: true }).map((e) => e[1]), [4]);
  assert.equal(h.query({ hist_access_type: 'search', pattern: 'dig', output: false, raw: true }), []);
});

test('globToRegExp escapes regex metacharacters', () => {
  assert.ok(globToRegExp('a.b?(c)*').test('a.bx(c)yz'));
  assert.not.ok(globToRegExp('a.b').test('axb'));
});

test.run();
