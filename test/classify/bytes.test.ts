import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { rule } from '../../src/classify/index.js';
import { bytesTest, literalSet } from '../../src/classify/bytes.js';
import { Utf8Column } from '../../src/traffic/utf8.js';
import { BYTES_TESTS } from './rules-cases.js';

/** A UTF-8 column holding these values (null: missing). */
function utf8(values: readonly (string | null)[]): Utf8Column {
  const parts = values.map((v) => Buffer.from(v ?? '', 'utf8'));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = (offsets[i] as number) + p.length));
  const bytes = Buffer.concat(parts);
  return new Utf8Column(bytes, offsets, Uint8Array.from(values, (v) => (v === null ? 1 : 0)), bytes.every((b) => b < 0x80));
}

const VALUES = ['', 'v', 'v=1', 'ver=2', 'version=3', 'vers=4', 'h=5', 'hash=6', 'hashx=7', 'cb=8&v=1', 'GET', 'GETS', 'HEAD', 'a.b', 'aXb', 'é=1', 'x=é', 'v=é', '/a/b.css', 'b.css?', 'v\n=1', 'cb=12345678901234567890'];

const Literal = suite('literal-set regexes');
Literal('anchored literals, groups and alternation expand to the strings they accept, and anything else is left to the regex engine', () => {
  assert.equal(literalSet('^(v|ver|version|h|hash)=', ''), { values: ['v=', 'ver=', 'version=', 'h=', 'hash='], whole: false });
  assert.equal(literalSet('^(?:GET|HEAD)$', ''), { values: ['GET', 'HEAD'], whole: true });
  assert.equal(literalSet('^a(b|c)(d|)\\.x', ''), { values: ['abd.x', 'ab.x', 'acd.x', 'ac.x'], whole: false });
  for (const [src, flags] of [
    ['(v|ver)=', ''], // not anchored
    ['^v|ver', ''], // right side of a top-level | is unanchored
    ['^v+', ''],
    ['^v?', ''],
    ['^v{2}', ''],
    ['^a.b', ''],
    ['^[ab]', ''],
    ['^\\d', ''],
    ['^(a|b$)', ''],
    ['^a$b', ''],
    ['^(?=a)', ''],
    ['^abc', 'i'],
    ['^abc', 'm'],
  ] as const) {
    assert.is(literalSet(src, flags), null, `${src} /${flags}`);
  }
});
Literal('every literal set accepts exactly what its regex accepts', () => {
  for (const src of ['^(v|ver|version|h|hash)=', '^(?:GET|HEAD)$', '^a(b|c)(d|)\\.x', '^\\/a\\/b', '^é=', '^x=é$', '^v']) {
    const set = literalSet(src, '');
    assert.ok(set, src);
    const re = new RegExp(src);
    for (const v of [...VALUES, 'abd.x', 'ac.xyz', 'a\\.x', '/a/bc']) {
      const got = set.whole ? set.values.includes(v) : set.values.some((p) => v.startsWith(p));
      assert.is(got, re.test(v), `${src} on ${JSON.stringify(v)}`);
    }
  }
});
Literal.run();

const Bytes = suite('tests on UTF-8 bytes');
Bytes('tests answered on the bytes agree with the same tests on decoded strings, missing and non-ASCII rows included', () => {
  const values = [...VALUES, null, ...VALUES.map((v) => `${v}${v}`), null];
  const n = values.length;
  const method = Array.from({ length: n }, (_, i) => (i % 5 === 4 ? 'POST' : 'GET'));
  const asBytes = aq.table({ 'http.request.method': method, 'http.request.uri.query': utf8(values) });
  const asText = aq.table({ 'http.request.method': method, 'http.request.uri.query': values });
  const asciiOnly = values.map((v) => (v === null ? null : v.replace(/é/g, 'e')));
  const asciiBytes = aq.table({ 'http.request.method': method, 'http.request.uri.query': utf8(asciiOnly) });
  const asciiText = aq.table({ 'http.request.method': method, 'http.request.uri.query': asciiOnly });
  const tests = BYTES_TESTS;
  for (const test of tests) {
    // next to a test on another column, as in the pack: the query is tested per row reached
    const expr = `http.request.method eq "GET" and ${test}`;
    for (const [b, s] of [
      [asBytes, asText],
      [asciiBytes, asciiText],
    ] as const) {
      const want = [...rule(expr, s).mask(s)];
      assert.equal([...rule(expr, b).mask(b)], want, expr);
    }
  }
});
Bytes('tests left to the decoded row keep each row\'s answer per expression: asked again, or after a test reaching other rows, they answer as on strings', () => {
  const values = [...VALUES, null, ...VALUES.map((v) => `%2e%2e/${v}`)];
  const n = values.length;
  const method = Array.from({ length: n }, (_, i) => (i % 3 === 2 ? 'POST' : 'GET'));
  const other = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'POST' : 'GET'));
  const col = utf8(values);
  const b = aq.table({ 'http.request.method': method, 'http.request.uri.query': col });
  const s = aq.table({ 'http.request.method': method, 'http.request.uri.query': values });
  // the same column and test after other rows were reached (another method column): no answer is taken from the wrong rows
  const b2 = aq.table({ 'http.request.method': other, 'http.request.uri.query': col });
  const s2 = aq.table({ 'http.request.method': other, 'http.request.uri.query': values });
  const tests = ['lower(url_decode(http.request.uri.query, "r")) matches r"\\.\\./"', 'lower(url_decode(http.request.uri.query, "r")) contains "ver"', 'not lower(url_decode(http.request.uri.query, "r")) contains "ver"'];
  for (let round = 0; round < 2; round++)
    for (const test of tests) {
      const expr = `http.request.method eq "GET" and ${test}`;
      assert.equal([...rule(expr, b).mask(b)], [...rule(expr, s).mask(s)], `${expr} (round ${round})`);
      assert.equal([...rule(expr, b2).mask(b2)], [...rule(expr, s2).mask(s2)], `${expr} on other rows (round ${round})`);
    }
});
Bytes('the shapes answered on bytes are recognised, and others are left to the decoded row', () => {
  const col = utf8(['v=1', 'x', null]);
  const t = aq.table({ 'http.request.uri.query': col });
  const root = (e: string) => rule(e, t).ast.root;
  for (const e of ['len(http.request.uri.query) gt 0', 'http.request.uri.query matches r"^(v|ver)="', 'starts_with(http.request.uri.query, "v")', 'http.request.uri.query contains "="'])
    assert.ok(bytesTest(root(e), col), e);
  for (const e of ['http.request.uri.query matches r"v="', 'lower(http.request.uri.query) eq "v=1"', 'http.request.uri.query wildcard "v=*"'])
    assert.is(bytesTest(root(e), col), null, e);
  // len counts characters: on a column with non-ASCII bytes it is left to the decoded row
  const wide = utf8(['é']);
  assert.is(bytesTest(rule('len(http.request.uri.query) gt 1', aq.table({ 'http.request.uri.query': wide })).ast.root, wide), null);
});
Bytes.run();
