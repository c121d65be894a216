/**
 * Red-team findings against the Rules language (issue 20), one test each: expressions and
 * traffic values written by an attacker must give a result or a RuleError with a position,
 * quickly, never an internal error or a stall.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import { rule, RuleError } from '../../src/classify/index.js';

const N = 2000;
function traffic(last: Record<string, unknown> = {}): aq.ColumnTable {
  const cols: Record<string, unknown[]> = { 'http.user_agent': [], 'http.request.uri.path': [], 'http.request.uri.query': [], 'http.host': [], 'http.request.headers': [] };
  for (let i = 0; i < N; i++) {
    cols['http.user_agent']?.push(i % 3 === 0 ? `Mozilla/5.0 bot ${i % 11}` : `Mozilla/5.0 (X11) Firefox/${i % 40}`);
    cols['http.request.uri.path']?.push(`/p/${i % 97}/index.html`);
    cols['http.request.uri.query']?.push(`id=${i}`);
    cols['http.host']?.push('shop.example.com');
    cols['http.request.headers']?.push(i % 5 === 0 ? { 'x-forwarded-for': ['192.0.2.1'], accept: ['*/*'] } : { accept: ['*/*'] });
  }
  for (const [k, v] of Object.entries(last)) (cols[k] as unknown[])[N - 1] = v;
  return aq.table(cols);
}

const Codegen = suite('codegen names');
Codegen('an expression mixing a string test with any() compiles and counts the rows it should', () => {
  const t = traffic();
  const n = rule('http.user_agent contains "bot" and any(http.request.headers.names[*] eq "x-forwarded-for")', t).count(t);
  let want = 0;
  for (let i = 0; i < N; i++) if (i % 3 === 0 && i % 5 === 0) want++;
  assert.is(n, want);
});
Codegen('two quantifiers and two dictionary tests in one expression each get their own names', () => {
  const t = traffic();
  const e = 'lower(http.user_agent) contains "bot" and http.request.uri.path contains "/1" and any(http.request.headers.names[*] eq "accept") and not all(http.request.headers.names[*] eq "x-forwarded-for")';
  const n = rule(e, t).count(t);
  let want = 0;
  for (let i = 0; i < N; i++) if (i % 3 === 0 && `/p/${i % 97}/index.html`.includes('/1')) want++;
  assert.is(n, want);
});
Codegen.run();

