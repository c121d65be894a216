/**
 * Fuzz suite for the Rules language (issue 20): generated and mutated expressions are compiled
 * and run on a 10,000-row table of hostile traffic (huge values, values of the wrong type,
 * prototype-named keys, catastrophic-backtracking bait). Every case must give a result or a
 * RuleError with a position inside the expression, and no evaluation may take a second.
 *
 * Budget: 5,000 cases by default (what CI runs); FUZZ_BUDGET=N multiplies it (scripts/
 * fuzz-nightly.sh runs 20x). FUZZ_SEED reproduces a run; the seed is printed with the numbers.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import fc from 'fast-check';
import { rule, RuleError, type RuleOptions } from '../../src/classify/index.js';
import { hostileTable } from './hostile.js';

const BUDGET = Math.max(1, Number(process.env['FUZZ_BUDGET'] ?? 1));
const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : Math.floor(Math.random() * 2 ** 31);
const GENERATED = 3000 * BUDGET;
const MUTATED = 2000 * BUDGET;
const ROWS = 10_000;
/** CPU time one evaluation may take (the acceptance bound). */
const SLOW_MS = 1000;

// ------------------------------------------------------------------ expression generator

const quote = (s: string): string =>
  `"${Array.from(s)
    .map((c) => (c === '"' || c === '\\' ? `\\${c}` : c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c))
    .join('')}"`;
const raw = (s: string): string => (s.includes('"#') ? `r##"${s}"##` : `r#"${s}"#`);

const str = fc.oneof(fc.constantFrom('bot', 'x', '', 'GET', '/wp-', '.php', 'Mozilla', '=', 'a', '\\', '"', 'é', '__proto__', 'constructor'), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })).map(quote);
const regexAtom = fc.constantFrom('a', 'b', 'x', '.', '\\d', '\\w', '\\s', '\\W', '[a-z]', '[^/]', '[[:alpha:]]', '\\.php', '/', '=', '(a+)+', '(\\w+\\s?)*', '(x+x+)+y', '.*', '[0-9]', '\\bfoo\\b', '(?i)bot', '(?P<n>a|b)', '\\x41', '\\p{L}', 'é');
const regex = fc.oneof(
  fc.array(fc.tuple(regexAtom, fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '*?')), { minLength: 1, maxLength: 5 }).map((xs) => xs.map(([a, q]) => a + q).join('')),
  fc.tuple(fc.constantFrom('^', ''), fc.string({ maxLength: 10 }), fc.constantFrom('$', '')).map(([a, s, b]) => a + s + b),
  fc.constantFrom('(a+)+$', '^(\\w+\\s?)*$', '=.*[0-9].*', '(?=a)', 'a(?<!b)', '(a)\\1', 'a++', '[', '(?i', 'x{99999}', '((a{100}){100}){100}', '(?i)(?m)^a$', '\\', '(|a)*', '(?:)*', '^$'),
).map((p) => (p.includes('"#') ? quote(p) : raw(p)));
const glob = fc.array(fc.constantFrom('*', 'a', '/wp-', '.php', '\\*', '\\\\', 'x', '**', '\\q', 'é', '/'), { minLength: 0, maxLength: 6 }).map((xs) => quote(xs.join('')));
const int = fc.oneof(fc.integer({ min: -5, max: 300 }).map(String), fc.constantFrom('0x10', '010', '4294967295', '99999999999999999999', '-0x1'));

const BYTES = ['http.user_agent', 'http.request.uri.path', 'http.request.uri.query', 'http.host', 'http.request.method', 'http.cookie', 'http.request.uri.path.extension', 'http.request.headers["accept"][0]', 'http.request.headers["__proto__"][0]', 'http.request.cookies["constructor"][0]', 'http.request.uri.args["id"][0]'];
const INTS = ['ip.src.asnum', 'tcp.flags'];

const { cond } = fc.letrec<{ bytes: string; ints: string; cond: string; simple: string }>((tie) => ({
  bytes: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.constantFrom(...BYTES),
    tie('bytes').map((b) => `lower(${b})`),
    tie('bytes').map((b) => `upper(${b})`),
    fc.tuple(tie('bytes'), fc.constantFrom('', ', "r"', ', "u"', ', "ur"')).map(([b, o]) => `url_decode(${b}${o})`),
    tie('bytes').map((b) => `decode_base64(${b})`),
    fc.tuple(tie('bytes'), int, fc.option(int)).map(([b, x, y]) => `substring(${b}, ${x}${y === null ? '' : `, ${y}`})`),
    fc.tuple(tie('bytes'), str).map(([b, s]) => `concat(${b}, ${s})`),
    fc.tuple(tie('bytes'), regex, fc.constantFrom('"x"', '"${1}"', '"$$"', '"${9}y"')).map(([b, re, rep]) => `regex_replace(${b}, ${re}, ${rep})`),
    fc.tuple(tie('bytes'), str).map(([b, s]) => `remove_bytes(${b}, ${s})`),
    fc.tuple(tie('bytes'), str).map(([b, s]) => `lookup_json_string(${b}, ${s})`),
    fc.tuple(tie('bytes'), str, fc.integer({ min: -1, max: 200 })).map(([b, s, n]) => `split(${b}, ${s}, ${n})[0]`),
    fc.constantFrom('to_string(ip.src)', 'to_string(ip.src.asnum)', 'to_string(ssl)', 'join(http.request.headers.names, ",")'),
  ),
  ints: fc.oneof(fc.constantFrom(...INTS), tie('bytes').map((b) => `len(${b})`), fc.tuple(tie('bytes'), str).map(([b, s]) => `lookup_json_integer(${b}, ${s})`), fc.constantFrom('len(http.request.headers)', 'len(http.request.headers.names)')),
  simple: fc.oneof(
    fc.tuple(tie('bytes'), fc.constantFrom('eq', 'ne', '==', '!=', 'contains', 'lt', 'ge'), str).map(([b, op, s]) => `${b} ${op} ${s}`),
    fc.tuple(tie('bytes'), fc.constantFrom('matches', '~'), regex).map(([b, op, re]) => `${b} ${op} ${re}`),
    fc.tuple(tie('bytes'), fc.constantFrom('wildcard', 'strict wildcard'), glob).map(([b, op, g]) => `${b} ${op} ${g}`),
    fc.tuple(tie('bytes'), fc.array(str, { maxLength: 4 })).map(([b, xs]) => `${b} in {${xs.join(' ')}}`),
    fc.tuple(tie('ints'), fc.constantFrom('eq', 'ne', 'lt', 'gt', 'le', 'ge', '&', 'bitwise_and'), int).map(([x, op, n]) => `${x} ${op} ${n}`),
    fc.tuple(tie('ints'), fc.array(fc.oneof(int, fc.tuple(fc.nat(50), fc.nat(500)).map(([a, b]) => `${a}..${a + b}`)), { maxLength: 4 })).map(([x, xs]) => `${x} in {${xs.join(' ')}}`),
    fc.constantFrom('ip.src eq 192.0.2.1', 'ip.src in {192.0.2.0/24 2001:db8::/32 198.51.100.3..198.51.100.80}', 'cidr(ip.src, 24, 64) eq 192.0.2.0', 'ip.src in $good', 'http.host in $hosts', 'http.host in $constructor', 'ip.src ne ::1', 'ssl', 'not ssl'),
    fc.tuple(fc.constantFrom('starts_with', 'ends_with'), tie('bytes'), str).map(([f, b, s]) => `${f}(${b}, ${s})`),
    fc.tuple(fc.constantFrom('any', 'all'), fc.constantFrom('http.request.headers.names[*]', 'lower(http.request.headers.names[*])[*]', 'http.request.headers.values[*]', 'http.request.headers["accept"][*]', 'url_decode(http.request.headers.values[*])[*]'), fc.constantFrom('eq', 'contains', 'ne'), str).map(([q, a, op, s]) => `${q}(${a} ${op} ${s})`),
    fc.tuple(fc.constantFrom('any', 'all'), regex).map(([q, re]) => `${q}(lower(http.request.headers.values[*])[*] matches ${re})`),
  ),
  cond: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    tie('simple'),
    fc.tuple(tie('cond'), fc.constantFrom(' and ', ' or ', ' xor ', ' && ', ' || ', ' ^^ '), tie('cond')).map(([a, op, b]) => `${a}${op}${b}`),
    tie('cond').map((c) => `not ${c}`),
    tie('cond').map((c) => `!(${c})`),
    tie('cond').map((c) => `(${c})`),
  ),
}));

// ------------------------------------------------------------------ mutation

const TOKENS = ['(', ')', '"', 'r#"', '"#', '[*]', '[0]', '["', 'any(', 'all(', 'not ', ' and ', ' or ', '{', '}', '$', '\\', ',', 'constructor(', '__proto__', 'toString(', 'lower(', ' matches ', ' wildcard ', ' in ', ' eq ', '..', '0x', '\u0000', '😀', ' AND ', '~', '&', '!', '(?=', '\\1', '*', '**'];
const mutation = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...TOKENS), fc.constantFrom('delete', 'insert', 'duplicate', 'truncate', 'swap', 'nest'));
function mutate(base: string, edits: [number, number, string, string][]): string {
  let s = base;
  for (const [a, b, tok, kind] of edits) {
    const i = s.length ? a % (s.length + 1) : 0;
    const j = s.length ? Math.min(s.length, i + (b % 12)) : 0;
    if (kind === 'delete') s = s.slice(0, i) + s.slice(j);
    else if (kind === 'insert') s = s.slice(0, i) + tok + s.slice(i);
    else if (kind === 'duplicate') s = s.slice(0, j) + s.slice(i, j) + s.slice(j);
    else if (kind === 'truncate') s = s.slice(0, i);
    else if (kind === 'swap') s = s.slice(i, j) + s.slice(0, i) + s.slice(j);
    else s = `${'('.repeat(b % 300)}${s}${')'.repeat(b % 300)}`;
  }
  return s;
}

// ------------------------------------------------------------------ the run

interface Outcome {
  cases: number;
  matched: number;
  refused: Map<string, number>;
  crashes: { expression: string; error: string }[];
  slow: { expression: string; ms: number }[];
  maxMs: number;
  maxExpression: string;
  times: number[];
  maxWallMs: number;
}

const table = hostileTable(SEED, ROWS);
const LISTS: RuleOptions['lists'] = { good: ['192.0.2.0/24', '2001:db8::1'], hosts: ['shop.example.com'] };
const outcome: Outcome = { cases: 0, matched: 0, refused: new Map(), crashes: [], slow: [], maxMs: 0, maxExpression: '', times: [], maxWallMs: 0 };

function runCase(expression: string): void {
  outcome.cases++;
  const n = outcome.cases;
  const opts: RuleOptions = { lists: n % 3 === 0 ? LISTS : undefined, dictionary: n % 5 === 0 ? false : undefined, nilNotEqual: n % 7 === 0 };
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  try {
    const r = rule(expression, table, opts);
    const mask = r.mask(table);
    if (mask.length !== ROWS) throw new Error(`mask of ${mask.length} rows for ${ROWS}`);
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0 && mask[i] !== 1) throw new Error(`mask value ${mask[i]} at row ${i}`);
    outcome.matched++;
  } catch (e) {
    if (e instanceof RuleError) {
      // a clean refusal: it must point inside the expression
      if (!(e.position >= 0 && e.position <= expression.length)) outcome.crashes.push({ expression, error: `RuleError position ${e.position} outside 0..${expression.length}` });
      outcome.refused.set(e.name, (outcome.refused.get(e.name) ?? 0) + 1);
    } else outcome.crashes.push({ expression, error: e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e) });
  }
  const used = process.cpuUsage(cpu0);
  // CPU time of the process (GC and JIT threads included), not wall time: on a busy shared
  // machine wall time measures the neighbours
  const ms = (used.user + used.system) / 1000;
  outcome.maxWallMs = Math.max(outcome.maxWallMs, performance.now() - wall0);
  outcome.times.push(ms);
  if (ms > outcome.maxMs) {
    outcome.maxMs = ms;
    outcome.maxExpression = expression;
  }
  if (ms > SLOW_MS) outcome.slow.push({ expression, ms });
}

const Fuzz = suite('Rules fuzz');
Fuzz(`${GENERATED} generated expressions on ${ROWS} hostile rows: results or RuleErrors, none over ${SLOW_MS} ms`, () => {
  const samples = fc.sample(cond, { numRuns: GENERATED, seed: SEED });
  for (const e of samples) runCase(e);
  assert.equal(outcome.crashes.slice(0, 5), [], 'crashes');
});
Fuzz(`${MUTATED} mutated expressions (from generated ones and the signature pack)`, async () => {
  const { PACK } = await import('../../src/classify/index.js');
  const pack = PACK.signatures.flatMap((s) => (s.kind === 'expression' ? [s.expression] : []));
  const bases = [...pack, ...fc.sample(cond, { numRuns: 200, seed: SEED + 1 })];
  const edits = fc.sample(fc.tuple(fc.nat(bases.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 })), { numRuns: MUTATED, seed: SEED + 2 });
  for (const [b, es] of edits) runCase(mutate(bases[b] as string, es));
  assert.equal(outcome.crashes.slice(0, 5), [], 'crashes');
});
Fuzz('reports the numbers: zero crashes and zero evaluations over a second', () => {
  const sorted = [...outcome.times].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  const refused = [...outcome.refused].map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(
    `\n  rules fuzz (seed ${SEED}, budget ${BUDGET}): ${outcome.cases} cases on ${ROWS} rows; ${outcome.matched} evaluated, refused: ${refused}; ` +
      `crashes ${outcome.crashes.length}; over ${SLOW_MS} ms: ${outcome.slow.length}; max ${outcome.maxMs.toFixed(1)} ms CPU (${outcome.maxWallMs.toFixed(1)} ms wall), p99 ${p99.toFixed(1)} ms, mean ${(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)).toFixed(1)} ms\n  slowest: ${outcome.maxExpression.slice(0, 160)}`,
  );
  assert.ok(outcome.cases >= 5000, `${outcome.cases} cases`);
  assert.is(outcome.crashes.length, 0, JSON.stringify(outcome.crashes.slice(0, 3)));
  assert.is(outcome.slow.length, 0, JSON.stringify(outcome.slow.slice(0, 3)));
});
Fuzz.run();
