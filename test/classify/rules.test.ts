import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { parse, check, codegen, compile, rule, matchRows, validateRule, catalogSchema, schemaOf, RuleSyntaxError, RuleTypeError, RuleReferenceError, IpSet } from '../../src/classify/index.js';
import { DictionaryColumn } from '../../src/traffic/index.js';
import { RULES_TABLE, RULES_LISTS, OPERATOR_CASES, DICTIONARY_EXPRESSIONS, MAP_KEY_EXPRESSIONS, SCALAR_EXPRESSIONS } from './rules-cases.js';

const t = aq.table(RULES_TABLE);
const m = (expr: string, opts = {}) => Array.from(matchRows(t, expr, opts)).join('');

const Parse = suite('parse');
Parse('builds an n-ary and node with positions', () => {
  const ast = parse('a.b eq "x" and c.d eq 1 and e.f eq 2');
  assert.is(ast.root.type, 'logical');
  if (ast.root.type === 'logical') assert.is(ast.root.args.length, 3);
  assert.equal(ast.root.span, { start: 0, end: 36 });
});
Parse('gives not a higher precedence than and, and and higher than xor and or', () => {
  const ast = parse('not a and b or c xor d');
  assert.is(ast.root.type, 'logical');
  if (ast.root.type !== 'logical') return;
  assert.is(ast.root.op, 'or');
  const left = ast.root.args[0];
  assert.is(left?.type === 'logical' && left.op, 'and');
  assert.is(left?.type === 'logical' && left.args[0]?.type, 'not');
  const right = ast.root.args[1];
  assert.is(right?.type === 'logical' && right.op, 'xor');
});
Parse('accepts C-like operators and raw strings with hashes', () => {
  const ast = parse('a == "x" && b ~ r#"a"b"# || !c');
  assert.is(ast.root.type, 'logical');
});
Parse('keeps backslashes in regex strings but decodes escapes in plain strings', () => {
  const r = parse('a matches "\\.php$"');
  assert.is(r.root.type === 'compare' && r.root.rhs.type === 'string' && r.root.rhs.value, '\\.php$');
  const s = parse('a eq "\\x41\\101\\""');
  assert.is(s.root.type === 'compare' && s.root.rhs.type === 'string' && s.root.rhs.value, 'AA"');
});
const malformed: [string, number][] = [
  ['', 0], ['http.host eq', 11], ['http.host EQ "a"', 10], ['(http.host eq "a"', 16], ['http.host eq "a")', 16], ['http.host eq "a', 13],
  ['http.host eq "\\q"', 14], ['and http.host eq "a"', 0], ['http.host in {"a", "b"}', 17], ['http.host in {"a"', 13], ['http.host eq "a" http.host', 17],
  ['x[', 2], ['http.host eq r"abc', 13], ['http.host eq "a" AND http.host eq "b"', 17], ['f(a, ', 4], ['http.host strict "a"', 17], ['ip.src in $Bad', 10], ['"a" eq http.host', 0],
];
for (const [expr, pos] of malformed) {
  Parse(`rejects ${JSON.stringify(expr)} with a RuleSyntaxError at column ${pos + 1}`, () => {
    try {
      parse(expr);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, RuleSyntaxError);
      assert.is((e as RuleSyntaxError).position, pos);
      assert.match((e as Error).message, /\^/);
    }
  });
}
Parse.run();

const Check = suite('check');
const typeErr = (expr: string, cls: unknown, re: RegExp) => {
  try {
    check(parse(expr), schemaOf(t.data() as never), { lists: { ok: ['1.2.3.4'] } });
    assert.unreachable(`no error for ${expr}`);
  } catch (e) {
    assert.instance(e, cls as never);
    assert.match((e as Error).message, re);
  }
};
Check('names an unknown field and suggests the closest column', () => typeErr('http.request.methd eq "GET"', RuleReferenceError, /did you mean "http.request.method"/));
Check('rejects contains on an Int', () => typeErr('tcp.flags contains "a"', RuleTypeError, /does not apply to Int/));
Check('rejects a CIDR with eq and suggests in {}', () => typeErr('ip.src eq 192.0.2.0/24', RuleTypeError, /use ip.src in \{192.0.2.0\/24\}/));
Check('rejects a quoted number for an Int field', () => typeErr('ip.src.asnum eq "13335"', RuleTypeError, /without quotes/));
Check('rejects look-around in regexes', () => typeErr('http.host matches "(?=a)"', RuleTypeError, /look-around/));
Check('rejects ** in wildcards', () => typeErr('http.host wildcard "a**"', RuleTypeError, /\*\*/));
Check('rejects a reversed range', () => typeErr('ip.src.asnum in {10..2}', RuleTypeError, /reversed/));
Check('rejects an unknown list', () => typeErr('ip.src in $nope', RuleReferenceError, /unknown list "\$nope"/));
Check('rejects an operator after a Bool field', () => typeErr('cf.bot_management.verified_bot eq 1', RuleTypeError, /stands alone/));
Check('rejects a bare non-Bool field', () => typeErr('http.host', RuleTypeError, /needs an operator/));
Check('rejects [*] outside any()/all()', () => typeErr('http.request.headers.names[*] == "a"', RuleTypeError, /any\(\.\.\.\) or all/));
Check('rejects unknown functions with a suggestion', () => typeErr('lowr(http.host) eq "a"', RuleReferenceError, /did you mean "lower"/));
Check('rejects a literal as first argument of starts_with', () => typeErr('starts_with("a", "b")', RuleTypeError, /must be a field/));
Check('accepts every catalogue field without a table', () => {
  assert.ok(validateRule('cf.waf.score lt 20 and ssl and ip.src.continent eq "T1"').ok);
  const v = validateRule('cf.waf.scor lt 20');
  assert.not.ok(v.ok);
  assert.is(v.error?.position, 0);
});
Check('records the fields an expression reads', () => {
  const c = check(parse('http.host eq "a" and tcp.flags.syn'), catalogSchema());
  assert.equal(c.fields, ['http.host', 'tcp.flags.syn']);
});
Check.run();

const Gen = suite('codegen/compile');
Gen('emits a loop over column arrays, not row objects', () => {
  const k = codegen(check(parse('http.request.method eq "GET" and http.host contains "shop"'), schemaOf(t.data() as never)), { dictionary: false });
  assert.match(k.source, /for \(let i = 0; i < n; i\+\+\)/);
  assert.match(k.source, /c0\[i\] === "GET"/);
  assert.equal(k.fields, ['http.request.method', 'http.host']);
  const run = compile(k).run([['GET', 'PUT'], ['shop.x', 'shop.y']], [], 2);
  assert.equal(Array.from(run), [1, 0]);
});
Gen('evaluates one-column string comparisons once per distinct value (dictionary predicates)', () => {
  const k = codegen(check(parse('http.request.method eq "GET" and lower(http.host) contains "shop"'), schemaOf(t.data() as never)));
  assert.equal(k.dicts, [
    { field: 'http.request.method', expression: 'http.request.method eq "GET"' },
    { field: 'http.host', expression: 'lower(http.host) contains "shop"' },
  ]);
  assert.equal(k.fields, [], 'no column is read row by row');
  assert.match(k.source, /d1\[x1\[i\] \+ 1\]/);
  // method ids index [missing, "GET", "PUT"]; host ids index [missing, "a.shop", "b"]
  const methods = Int32Array.from([0, 0, 0, 1]);
  const hosts = Int32Array.from([0, 1, -1, 0]);
  const run = compile(k).run([], [], 4, [methods, hosts], [Uint8Array.from([0, 1, 0]), Uint8Array.from([0, 1, 0])]);
  assert.equal(Array.from(run), [1, 0, 0, 0]);
});
Gen('answers a dictionary predicate only for the rows that reach it when its column has no ids yet', () => {
  const k = codegen(check(parse('http.request.method eq "GET" and lower(http.host) contains "shop"'), schemaOf(t.data() as never)));
  const asked: number[] = [];
  const methods = Int32Array.from([0, 0, 0, 1]);
  const run = compile(k).run([], [], 4, [methods, null], [Uint8Array.from([0, 1, 0]), new Uint8Array(0)], [() => false, (i) => (asked.push(i), i === 0)]);
  assert.equal(Array.from(run), [1, 0, 0, 0]);
  assert.equal(asked, [0, 1, 2]);
});
Gen('matches the same rows on dictionary-encoded columns as on plain arrays, with lists and both missing-value semantics', () => {
  const n = 3000;
  const cols = {
    'http.request.method': Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : ['GET', 'POST', 'HEAD'][i % 3])),
    'http.host': Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : `H${i % 7}.Shop.example`)),
    'http.request.uri.path': Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : `/a/${i % 40}${i % 3 ? '.js' : ''}`)),
    'http.response.code': Array.from({ length: n }, (_, i) => [200, 404, 503, 404, 200][i % 5]),
    'ip.src': Array.from({ length: n }, (_, i) => (i % 19 === 0 ? null : i % 5 === 0 ? `2001:db8::${i % 9}` : `${[10, 192, 203][i % 3]}.0.${i % 4}.${i % 23}`)),
  };
  const dictOf = (arr: (string | null | undefined)[]): DictionaryColumn<string> => {
    const values: string[] = [];
    const index = new Map<string, number>();
    const codes = Int32Array.from(arr, (v) => {
      if (v === null || v === undefined) return -1;
      let k = index.get(v);
      if (k === undefined) index.set(v, (k = values.push(v) - 1));
      return k;
    });
    return new DictionaryColumn(codes, values);
  };
  const plainTable = aq.table(cols);
  const dictTable = aq.table({ ...cols, 'http.request.method': dictOf(cols['http.request.method']), 'http.host': dictOf(cols['http.host']), 'http.request.uri.path': dictOf(cols['http.request.uri.path']), 'ip.src': dictOf(cols['ip.src']) });
  const lists = { hosts: RULES_LISTS['hosts'] as string[], nets: RULES_LISTS['nets'] as string[] };
  const exprs = DICTIONARY_EXPRESSIONS;
  for (const e of exprs)
    for (const nilNotEqual of [false, true]) {
      const a = Array.from(matchRows(plainTable, e, { lists, nilNotEqual, dictionary: false })).join('');
      const b = Array.from(matchRows(dictTable, e, { lists, nilNotEqual })).join('');
      assert.is(b, a, `${e} (nilNotEqual ${nilNotEqual})`);
      assert.ok(a.includes('1') && a.includes('0'), `${e} splits the rows`);
    }
});
Gen('fold scores matching rows in the same pass, skipping known-good rows, on both evaluation plans', () => {
  const n = 500;
  const tb = aq.table({
    'http.request.method': Array.from({ length: n }, (_, i) => ['GET', 'POST', 'HEAD', null][i % 4]),
    'http.host': Array.from({ length: n }, (_, i) => `h${i % 9}.example`),
    'http.response.code': Array.from({ length: n }, (_, i) => [200, 404][i % 2]),
  });
  const good = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0));
  // one column (per distinct value, spread) and two columns (the row kernel)
  for (const expr of ['http.request.method in {"GET" "HEAD"}', 'http.request.method eq "POST" or http.response.code eq 404 and http.host contains "h3"']) {
    const r = rule(expr, tb);
    const plainMask = r.mask(tb);
    for (const isMax of [false, true]) {
      const word = new Int32Array(n);
      const into = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 50 : 0));
      const before = into.slice();
      const m = { good, word, bit: 4, into, weight: 30, isMax, count: -1 };
      const folded = r.fold(tb, m);
      let want = 0;
      for (let i = 0; i < n; i++) {
        const hit = plainMask[i] === 1 && good[i] === 0;
        want += hit ? 1 : 0;
        assert.is(word[i], hit ? 4 : 0, `${expr}: row ${i}`);
        const b = before[i] as number;
        assert.is(into[i], hit ? (isMax ? Math.max(b, 30) : b + 30) : b);
      }
      assert.is(m.count, want);
      assert.is(folded, want);
      assert.ok(want > 0 && want < n);
    }
  }
});
Gen('a one-field test compiled as a function of one value answers like the row kernel', () => {
  const schema = schemaOf(t.data() as never);
  const values = ['GET', 'get', 'POST', '', null, 'HEAD', 'x'.repeat(40)];
  for (const expr of SCALAR_EXPRESSIONS)
    for (const nilNotEqual of [false, true]) {
      const k = compile(codegen(check(parse(expr), schema), { dictionary: false, nilNotEqual }));
      const scalar = k.scalar();
      assert.ok(scalar, expr);
      const rows = Array.from(k.run([values], [], values.length));
      assert.equal(values.map((v) => ((scalar as (v: unknown) => boolean)(v) ? 1 : 0)), rows, `${expr} (nilNotEqual ${nilNotEqual})`);
    }
  assert.is(compile(codegen(check(parse('http.request.method eq "GET" and http.host eq "a"'), schema), { dictionary: false })).scalar(), null, 'two fields: no scalar form');
});
Gen('tests on one key of a map field give the same rows on maps shared through a dictionary as on plain objects', () => {
  const shapes = [{ 'accept-language': ['en'], 'x-a': ['1', '2'] }, { 'x-a': ['3'] }, {}, { 'accept-language': [''] }];
  const n = 800;
  const pick = Array.from({ length: n }, (_, i) => (i % 9 === 0 ? -1 : i % shapes.length));
  const plainHeaders = pick.map((k) => (k < 0 ? null : structuredClone(shapes[k])));
  const dictHeaders = new DictionaryColumn(Int32Array.from(pick), shapes);
  const ua = Array.from({ length: n }, (_, i) => (i % 3 ? 'Mozilla/5.0' : 'curl/8'));
  const plainTable = aq.table({ 'http.request.headers': plainHeaders, 'http.user_agent': ua });
  const dictTable = aq.table({ 'http.request.headers': dictHeaders, 'http.user_agent': ua });
  const exprs = MAP_KEY_EXPRESSIONS;
  for (const e of exprs) {
    const a = Array.from(matchRows(plainTable, e, { dictionary: false })).join('');
    assert.is(Array.from(matchRows(dictTable, e)).join(''), a, e);
    assert.is(Array.from(matchRows(plainTable, e)).join(''), a, `${e} (plain objects through the dictionary path)`);
    assert.ok(a.includes('1') && a.includes('0'), `${e} splits the rows`);
  }
  const k = rule(exprs[0] as string, dictTable).compiled.kernel;
  assert.equal(k.fields, [], 'the header test reads no row values');
});
Gen('finds the same rows whether a dictionary column was interned before or is answered lazily', () => {
  const n = 400;
  const data = () => ({
    'http.request.method': Array.from({ length: n }, (_, i) => (i % 3 ? 'GET' : 'POST')),
    'http.host': Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `H${i % 5}.Shop.example`)),
  });
  const expr = 'http.request.method eq "GET" and lower(http.host) contains "h1.shop"';
  const plainRows = (tb: aq.ColumnTable) => Array.from(rule(expr, tb, { dictionary: false }).mask(tb));
  const lazy = aq.table(data());
  const expected = plainRows(lazy);
  assert.ok(expected.includes(1) && expected.includes(0));
  assert.equal(Array.from(rule(expr, lazy).mask(lazy)), expected);
  const eager = aq.table(data());
  matchRows(eager, 'lower(http.host) contains "h1.shop"'); // interns http.host for this table
  assert.equal(Array.from(rule(expr, eager).mask(eager)), expected);
});
Gen('string literals cannot inject code', () => {
  assert.is(m('http.host eq "\\x22); throw 1; (\\x22"'), '0000');
});
Gen.run();

const Ops = suite('operators and functions');
const cases = OPERATOR_CASES;
for (const [expr, want] of cases) Ops(`${expr} matches rows ${want}`, () => assert.is(m(expr, { lists: { bad: ['198.51.100.0/24'], asns: [64500] } }), want));
Ops('per-distinct-value and row-wise evaluation agree on a table whose values repeat', () => {
  const data = t.data() as unknown as Record<string, unknown[]>;
  const big = aq.table(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Array.from({ length: 200 }, (_, i) => v[i % 4])])));
  const opts = { lists: { bad: ['198.51.100.0/24'], asns: [64500] } };
  for (const [expr, want] of cases) {
    const a = Array.from(matchRows(big, expr, opts)).join('');
    assert.is(a, want.repeat(50), expr);
    assert.is(a, Array.from(matchRows(big, expr, { ...opts, dictionary: false })).join(''), expr);
  }
});
Ops('dictionary and row-wise evaluation agree on every case', () => {
  for (const [expr] of cases) {
    const opts = { lists: { bad: ['198.51.100.0/24'], asns: [64500] } };
    assert.is(m(expr, opts), m(expr, { ...opts, dictionary: false }), expr);
  }
});
Ops.run();

const Missing = suite('missing values');
Missing('compare false on both eq and ne', () => {
  assert.is(m('http.user_agent eq "x"'), '0001');
  assert.is(m('http.user_agent ne "x"'), '1100');
  assert.is(m('not http.user_agent eq "x"'), '1110');
});
Missing('an absent map key or index compares false', () => {
  assert.is(m('http.request.headers["x"][0] ne "y"'), '0000');
  assert.is(m('not http.request.headers["x"][0] eq "y"'), '1111');
});
Missing('engine variant makes missing ne x true', () => assert.is(m('http.user_agent ne "x"', { nilNotEqual: true }), '1110'));
Missing.run();

const Rules = suite('rule');
Rules('counts and filters rows, and keeps table order after filtering', () => {
  const r = rule('http.request.method eq "GET"', t);
  assert.is(r.count(t), 2);
  assert.is(r.filter(t).numRows(), 2);
  const f = t.filter((d: Record<string, unknown>) => d['http.request.method'] !== null).orderby(aq.desc('ip.src.asnum'));
  assert.equal(Array.from(rule('ip.src.asnum gt 10', f).mask(f)), [1, 1, 0]);
});
Rules.run();

const Ip = suite('IpSet');
Ip('merges CIDRs and ranges and keeps families apart', () => {
  const s = IpSet.from(['10.0.0.0/8', '10.1.0.0/16', '::ffff:0:0/96', '2001:db8::/32']);
  assert.ok(s.hasText('10.200.1.1'));
  assert.not.ok(s.hasText('11.0.0.1'));
  assert.ok(s.hasText('2001:db8:1::5'));
  assert.not.ok(s.hasText('2001:db9::1'));
});
Ip.run();
