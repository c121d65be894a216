import { test } from 'uvu';
import * as assert from 'uvu/assert';
import vm from 'node:vm';
import { CellCompileError, compileCell, RUNTIME_GLOBAL } from '../../kernel/compile.js';

(globalThis as Record<string, unknown>)[RUNTIME_GLOBAL] = {
  // The kernel's driver adds SIGINT handling; a plain driver is enough to test the rewrite.
  run: (body: () => Generator<unknown, unknown, unknown>) =>
    new Promise((resolve, reject) => {
      const gen = body();
      const step = (method: 'next' | 'throw', arg: unknown) => {
        let r: IteratorResult<unknown, unknown>;
        try {
          r = method === 'next' ? gen.next(arg) : gen.throw(arg);
        } catch (e) {
          reject(e);
          return;
        }
        if (r.done) resolve(r.value);
        else Promise.resolve(r.value).then((v) => step('next', v), (e: unknown) => step('throw', e));
      };
      step('next', undefined);
    }),
  import: (spec: string) => import(spec),
  defaultOf: (ns: { default?: unknown }) => ('default' in ns ? ns.default : ns),
  bind: (ns: Record<string, unknown>, local: string, imported: string, spec: string, used: boolean) => {
    if (!(imported in ns) && used) throw new SyntaxError(`${spec} has no ${imported}`);
    (globalThis as Record<string, unknown>)[local] = ns[imported];
  },
};
const g = globalThis as Record<string, unknown>;

async function run(code: string): Promise<unknown> {
  const box = await (vm.runInThisContext(compileCell(code).script) as unknown);
  return Array.isArray(box) ? box[0] : undefined;
}

test('top-level declarations persist to later cells and can be declared again', async () => {
  await run('const tc_a: number = 1; let tc_b = 2; function tc_f() { return tc_a + tc_b; } class TcK {}');
  assert.is(await run('tc_f()'), 3);
  await run('const tc_a = 10;');
  assert.is(await run('tc_f()'), 12);
  assert.type(g.TcK, 'function');
});

test('destructuring declarations define every bound name', async () => {
  await run('const { tc_x, tc_y: [tc_z] } = { tc_x: 1, tc_y: [2] };');
  assert.equal([g.tc_x, g.tc_z], [1, 2]);
});

test('the last expression is the cell value and a declaration has none', async () => {
  assert.is(await run('1 + 2'), 3);
  assert.is(await run('"abc"'), 'abc');
  assert.is(await run('({ a: 1 }).a'), 1);
  assert.is(await run('const tc_n = 1;'), undefined);
});

test('type arguments in calls and new are TypeScript, never JavaScript comparisons', async () => {
  await run('function tc_id<T>(x: T): T { return x; }');
  assert.is(await run('await new Promise<number>((r) => r(1))'), 1);
  assert.equal(await run('[...new Set<string>(["a", "a"])]'), ['a']);
  assert.equal(await run('[1, 2].map<number>((x) => x * 2)'), [2, 4]);
  assert.instance(await run('tc_id<Date>(new Date(0))'), Date);
  assert.is(await run('const tc_shift = (a: number) => a; tc_shift<number>(1 << 3)'), 8);
  // Valid JavaScript without `<` stays on the JavaScript path and keeps its meaning.
  assert.is(await run('let tc_lt = 1; tc_lt < 2 ? "lt" : "ge"'), 'lt');
  assert.is(await run('const tc_c = true; tc_c ? (1) : (2)'), 1);
});

test('script lines map back to the lines of the TypeScript cell', () => {
  const c = compileCell('interface A {\n  x: number;\n}\nconst tc_q: A = { x: 1 };\nthrow new Error("x");');
  const lines = c.script.split('\n');
  const at = (needle: string) => c.lines[lines.findIndex((l) => l.includes(needle))];
  assert.is(at('tc_q = '), 4);
  assert.is(at('throw new Error'), 5);
  const js = compileCell('import {\n  join\n} from "node:path";\nthrow new Error("y");');
  assert.is(js.lines[js.script.split('\n').findIndex((l) => l.includes('throw'))], 4);
});

test('a named import this cell reads must exist in the module', async () => {
  const err = await run('import { nope } from "node:path"; nope()').then(() => null, (e: unknown) => e);
  assert.match(String(err), /node:path has no nope/);
  assert.is(await run('import { typeOnly } from "node:path"; const tc_ok: typeOnly = 1; tc_ok'), 1);
});

test('type syntax is stripped, plain JavaScript is not transpiled', async () => {
  assert.is(await run('const tc_t: Array<number> = [1, 2]; tc_t.length as number'), 2);
  assert.is(await run('enum TcE { A, B } TcE.B'), 1);
});

test('top-level awaits become yields of a driven generator, keeping precedence and errors', async () => {
  assert.match(compileCell('await 1').script, /^__nrb\.run\(function\* \(\)/);
  assert.is(await run('const tc_w = await Promise.resolve(2) + 1; tc_w * (await Promise.resolve(10))'), 30);
  assert.is(await run('`${await Promise.resolve("a")}${await (async () => await Promise.resolve("b"))()}`'), 'ab');
  assert.is(await run('let tc_c = 0; try { await Promise.reject(new Error("x")) } catch { tc_c = 1 } tc_c'), 1);
  assert.match(compileCell('for await (const x of []) {}').script, /^\(async function/);
});

test('cells with top-level await are async, others are synchronous', () => {
  assert.is(compileCell('await 1').async, true);
  assert.is(compileCell('for await (const x of []) {}').async, true);
  assert.is(compileCell('async function f() { await 1 }').async, false);
  assert.is(compileCell('1').async, false);
});

test('imports go through the kernel resolver and bind every specifier', async () => {
  assert.match(compileCell('import * as p from "node:path"').script, /__nrb\.import\("node:path"\)/);
  assert.is(await run('import pathDefault, { join as tc_join } from "node:path"; tc_join("a", "b")'), 'a/b');
  assert.type(g.pathDefault, 'object');
  assert.match(compileCell('const m = () => import("x")').script, /__nrb\.import\("x"\)/);
});

test('a "use strict" cell still defines globals', async () => {
  await run('"use strict"; var tc_strict = 5;');
  assert.is(g.tc_strict, 5);
});

test('syntax errors are reported with the line and column in the cell', () => {
  try {
    compileCell('const ok = 1;\nconst = 2;');
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, CellCompileError);
    const e = err as CellCompileError;
    assert.is(e.errors[0]?.line, 2);
    assert.is(e.name, 'SyntaxError');
  }
});

test.run();
