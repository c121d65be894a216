/**
 * The linear-time regex engine and glob matcher behind `matches`, `regex_replace` and
 * `wildcard`: checked against JavaScript's RegExp on thousands of generated patterns and inputs
 * (where both define the same thing), against a reference glob matcher, and timed on the
 * patterns that stall a backtracking engine.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compileRegex, Glob, RegexSyntaxError, GlobSyntaxError } from '../../src/classify/regex/index.js';
import { parseRegex, nullable, type Node } from '../../src/classify/regex/syntax.js';

/** FUZZ_BUDGET multiplies the number of generated cases (nightly runs use 20 or more). */
const BUDGET = Math.max(1, Number(process.env['FUZZ_BUDGET'] ?? 1));

// ------------------------------------------------------------------ pattern generator (the subset where RE2 and JS agree)

const LITERALS = ['a', 'b', 'c', 'x', 'A', 'B', '0', '1', ' ', '-', '/', 'é', '\\.', '\\/', '\\-', '\\n', '\\*', '\\+', '\\?', '\\(', '\\)', '\\[', '\\|', '\\$', '\\^'];
const CLASSES = ['.', '\\d', '\\w', '\\s', '\\D', '\\W', '\\S', '[abc]', '[^a-c]', '[a-z0-9]', '[A-Z]', '[^\\n]', '[x-]', '[\\d.]', '[é-]'];
const ASSERTS = ['^', '$', '\\b', '\\B'];

const { pattern } = fc.letrec<{ pattern: string; seq: string; term: string; atom: string }>((tie) => ({
  pattern: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('seq'), fc.tuple(tie('seq'), tie('seq')).map(([a, b]) => `${a}|${b}`)),
  seq: fc.array(tie('term'), { minLength: 0, maxLength: 5 }).map((xs) => xs.join('')),
  term: fc.oneof(
    { depthSize: 'small' },
    tie('atom'),
    fc.tuple(tie('atom'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{0,2}', '{2,}'), fc.boolean()).map(([a, q, lazy]) => `${a}${q}${lazy ? '?' : ''}`),
    fc.constantFrom(...ASSERTS),
  ),
  atom: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constantFrom(...LITERALS),
    fc.constantFrom(...CLASSES),
    tie('pattern').map((p) => `(${p})`),
    tie('pattern').map((p) => `(?:${p})`),
  ),
}));
const flags = fc.constantFrom('', 'i', 's', 'm', 'is');
const input = fc.array(fc.constantFrom('a', 'b', 'c', 'x', 'A', 'B', 'C', '0', '1', '9', ' ', '-', '/', '.', '\n', 'é', 'É', '*', '(', '$'), { maxLength: 24 }).map((xs) => xs.join(''));

/** Does the tree repeat something that can match empty, or a group (where JS and RE2 report differently)? */
function spansComparable(n: Node, inRep = false): boolean {
  switch (n.t) {
    case 'rep':
      return !nullable(n.sub) && spansComparable(n.sub, true);
    case 'cat':
    case 'alt':
      return n.items.every((x) => spansComparable(x, inRep));
    case 'group':
      return !(inRep && n.index >= 0) && spansComparable(n.sub, inRep);
    default:
      return true;
  }
}

const Diff = suite('regex engine vs JavaScript RegExp');
let compared = 0;
let spans = 0;
Diff('matches exactly where RegExp matches, on generated patterns and inputs', () => {
  fc.assert(
    fc.property(pattern, flags, fc.array(input, { minLength: 1, maxLength: 6 }), (p, f, inputs) => {
      let js: RegExp;
      try {
        js = new RegExp(p, f);
      } catch {
        return true; // outside the common subset (JS refuses it)
      }
      const ours = compileRegex(f ? `(?${f})${p}` : p);
      for (const s of inputs) {
        compared++;
        assert.is(ours.test(s), js.test(s), `/${p}/${f} on ${JSON.stringify(s)}`);
      }
      return true;
    }),
    { numRuns: 3000 * BUDGET, seed: process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : undefined },
  );
  assert.ok(compared >= 3000, `compared ${compared}`);
});
Diff('finds the same leftmost-first match and groups as RegExp where both define them', () => {
  fc.assert(
    fc.property(pattern, flags, fc.array(input, { minLength: 1, maxLength: 4 }), (p, f, inputs) => {
      let js: RegExp;
      try {
        js = new RegExp(p, f);
      } catch {
        return true;
      }
      if (!spansComparable(parseRegex(f ? `(?${f})${p}` : p).node)) return true;
      const ours = compileRegex(f ? `(?${f})${p}` : p);
      for (const s of inputs) {
        const m = js.exec(s);
        const o = ours.exec(s);
        if (!m) {
          assert.is(o, null, `/${p}/${f} on ${JSON.stringify(s)}`);
          continue;
        }
        spans++;
        assert.ok(o, `/${p}/${f} on ${JSON.stringify(s)} matched in JS`);
        assert.equal([o[0], o[1]], [m.index, m.index + m[0].length], `/${p}/${f} on ${JSON.stringify(s)}`);
      }
      return true;
    }),
    { numRuns: 1500 * BUDGET },
  );
  console.log(`  regex differential: ${compared} test() comparisons, ${spans} match spans`);
});
Diff.run();

const Syntax = suite('regex syntax');
const rejected: [string, number, RegExp][] = [
  ['ab(?=c)', 2, /look-ahead/],
  ['ab(?!c)', 2, /look-ahead/],
  ['a(?<=b)c', 1, /look-behind/],
  ['a(?<!b)c', 1, /look-behind/],
  ['(a)\\1', 3, /back-reference/],
  ['(?P<x>a)(?P=x)', 8, /back-reference/],
  ['\\k<x>', 0, /back-reference/],
  ['a++', 2, /possessive/],
  ['a*+', 2, /possessive/],
  ['(?>a)', 0, /atomic/],
  ['a**', 2, /quantifier cannot follow/],
  ['x{3,2}', 1, /maximum is below/],
  ['x{1001}', 1, /may not exceed/],
  ['[a', 0, /unclosed character class/],
  ['(a', 0, /unclosed group/],
  ['a)', 1, /closes nothing/],
  ['\\q', 0, /unknown escape/],
  ['[z-a]', 1, /invalid range/],
  ['(?y)a', 2, /unknown group flag/],
  ['[a&&b]', 2, /set operations/],
];
for (const [p, at, why] of rejected) {
  Syntax(`rejects ${p} at offset ${at}`, () => {
    try {
      compileRegex(p);
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, RegexSyntaxError);
      assert.is((e as RegexSyntaxError).offset, at);
      assert.match((e as Error).message, why);
    }
  });
}
Syntax('accepts RE2 forms JavaScript spells differently: (?P<name>), \\A, \\z, [[:alpha:]], \\x{41}, (?i) mid-pattern, (?x)', () => {
  assert.ok(compileRegex('(?P<year>\\d{4})-(?<m>\\d\\d)').test('on 2024-05'));
  assert.ok(compileRegex('\\Aabc\\z').test('abc'));
  assert.not.ok(compileRegex('\\Aabc\\z').test('abc\n'));
  assert.ok(compileRegex('^[[:alpha:]]+[[:digit:]]$').test('abc1'));
  assert.ok(compileRegex('\\x{41}\\x42').test('AB'));
  assert.ok(compileRegex('a(?i)bc').test('aBC'));
  assert.not.ok(compileRegex('a(?i)bc').test('ABC'));
  assert.ok(compileRegex('(?i:x)y').test('Xy'));
  assert.not.ok(compileRegex('(?i:x)y').test('XY'));
  assert.ok(compileRegex('(?x) a b  # comment\n c').test('abc'));
  assert.ok(compileRegex('(?U)a+').exec('aaa')?.[1] === 1);
  assert.ok(compileRegex('\\p{Lu}').test('É'));
});
Syntax('refuses a pattern whose counted repetitions multiply past the program limit', () => {
  try {
    compileRegex('((a{1000}){1000}){1000}');
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, RegexSyntaxError);
    assert.match((e as Error).message, /over the limit/);
  }
});
Syntax('replaceFirst substitutes ${N}, $N and $$ and only the first match', () => {
  assert.is(compileRegex('^/foo/([^/]*)/(.*)$').replaceFirst('/foo/a/path', '/bar/${2}/${1}'), '/bar/path/a');
  assert.is(compileRegex('o').replaceFirst('foo', '0'), 'f0o');
  assert.is(compileRegex('(x)?o').replaceFirst('foo', '[$1$$]'), 'f[$]o');
  assert.is(compileRegex('z').replaceFirst('foo', 'y'), 'foo');
});
Syntax.run();

const Linear = suite('linear time');
const stall: [string, string][] = [
  ['(a+)+$', `${'a'.repeat(50_000)}!`],
  ['^(\\w+\\s?)*$', `${'a'.repeat(50_000)}!`],
  ['(x+x+)+y', 'x'.repeat(50_000)],
  ['=.*[0-9].*', '='.repeat(250_000)],
  ['(a|aa)*b', 'a'.repeat(100_000)],
  ['(.*a){20}', 'a'.repeat(30_000)],
];
for (const [p, s] of stall) {
  Linear(`${p} on ${s.length} characters answers in well under a second`, () => {
    const r = compileRegex(p);
    const t0 = process.cpuUsage(); // CPU time: a busy shared machine must not fail the test
    r.test(s);
    r.exec(s.slice(0, 20_000));
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    assert.ok(ms < 1000, `${p}: ${ms.toFixed(0)} ms`);
  });
}
Linear('a DFA that outgrows its cache keeps answering correctly after the reset', () => {
  // (a|b)*a(a|b){12} needs 2^13 DFA states on a de Bruijn-like input
  const r = compileRegex('a[ab]{12}$');
  let s = '';
  let x = 12345;
  for (let i = 0; i < 60_000; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += x & 0x100 ? 'a' : 'b';
  }
  const js = /a[ab]{12}$/;
  for (const cut of [1000, 20_000, 60_000]) assert.is(r.test(s.slice(0, cut)), js.test(s.slice(0, cut)));
});
Linear.run();

// ------------------------------------------------------------------ glob

/** Reference: dynamic programming over (pattern piece, position), quadratic but obviously right. */
function globReference(pattern: string, value: string, ci: boolean): boolean {
  const toks: (string | null)[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      toks.push(pattern[i + 1] as string);
      i++;
    } else toks.push(c === '*' ? null : c);
  }
  const low = (s: string) => (ci ? s.replace(/[A-Z]/g, (m) => m.toLowerCase()) : s);
  const v = low(value);
  let cur = new Array<boolean>(v.length + 1).fill(false);
  cur[0] = true;
  for (const t of toks) {
    const next = new Array<boolean>(v.length + 1).fill(false);
    for (let j = 0; j <= v.length; j++) {
      if (t === null) next[j] = cur[j] || (j > 0 && next[j - 1]) || false;
      else if (j > 0 && cur[j - 1] && v[j - 1] === low(t)) next[j] = true;
    }
    cur = next;
  }
  return cur[v.length] as boolean;
}

const Wild = suite('wildcard');
const globPattern = fc.array(fc.constantFrom('*', 'a', 'b', 'A', '/', 'wp-', '.php', '\\*', '\\\\', 'é'), { maxLength: 7 }).map((xs) => xs.join('')).filter((p) => !p.includes('**'));
const globInput = fc.array(fc.constantFrom('a', 'b', 'A', 'B', '/', 'wp-', '.php', '.PHP', '*', '\\', 'é', 'É'), { maxLength: 12 }).map((xs) => xs.join(''));
Wild('matches like a reference matcher on generated patterns, both case modes', () => {
  fc.assert(
    fc.property(globPattern, fc.array(globInput, { minLength: 1, maxLength: 5 }), fc.boolean(), (p, inputs, ci) => {
      const g = new Glob(p, ci);
      for (const s of inputs) assert.is(g.test(s), globReference(p, s, ci), `${ci ? 'wildcard' : 'strict wildcard'} ${JSON.stringify(p)} on ${JSON.stringify(s)}`);
    }),
    { numRuns: 2000 * BUDGET },
  );
});
Wild('folds ASCII case only in wildcard, not in strict wildcard', () => {
  assert.ok(new Glob('*/WP-*.php', true).test('/wp-login.PHP'));
  assert.not.ok(new Glob('*/WP-*.php', false).test('/wp-login.PHP'));
  assert.ok(new Glob('https://example.com/a/*', true).test('https://example.com/a/'));
  assert.not.ok(new Glob('https://example.com/a/*', true).test('https://example.com/ab/'));
  assert.not.ok(new Glob('*.example.com/*', true).test('example.com/'));
});
Wild('refuses ** and unknown escapes with their offset', () => {
  for (const [p, at] of [['a**', 1], ['a\\n', 1], ['x\\', 1]] as [string, number][]) {
    try {
      new Glob(p, true);
      assert.unreachable(p);
    } catch (e) {
      assert.instance(e, GlobSyntaxError);
      assert.is((e as GlobSyntaxError).offset, at);
    }
  }
});
Wild('*/wp-*/*/*.php on a crafted 100 KB path answers in well under a second', () => {
  const g = new Glob('*/wp-*/*/*.php', true);
  const s = '/wp-/'.repeat(20_000);
  const t0 = process.cpuUsage();
  assert.not.ok(g.test(s));
  assert.ok(g.test(`${s}x.php`));
  const used = process.cpuUsage(t0);
  assert.ok((used.user + used.system) / 1000 < 1000);
});
Wild.run();
