import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers/paths.js';

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : walk(p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = [...walk(path.join(ROOT, 'src')), ...walk(path.join(ROOT, 'kernel'))];
const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');

/** Every module specifier a file imports (static, dynamic, export-from). */
function imports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3]) as string);
  return out;
}

function resolved(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return rel(path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts');
}

const area = (r: string) => {
  const m = /^src\/(steps|traffic|classify|viz|notebook|commands|routing)\//.exec(r);
  if (m) return m[1] as string;
  if (r.startsWith('kernel/')) return 'kernel';
  return r;
};

test('only src/steps/shell.ts imports zx', () => {
  for (const f of files) if (imports(f).some((s) => s === 'zx' || s.startsWith('zx/'))) assert.is(rel(f), 'src/steps/shell.ts');
});

test('only the kernel transport imports zeromq', () => {
  for (const f of files) if (imports(f).some((s) => s === 'zeromq')) assert.is(rel(f), 'kernel/transport.ts');
});

test('only the DuckDB engine module imports @duckdb/node-api (benchmarks aside)', () => {
  for (const f of files) if (imports(f).some((s) => s.startsWith('@duckdb/')) && !rel(f).startsWith('bench/')) assert.is(rel(f), 'src/classify/sql/duckdb.ts');
});

test('only the ClickHouse engine module imports @clickhouse/client', () => {
  for (const f of files) if (imports(f).some((s) => s.startsWith('@clickhouse/'))) assert.is(rel(f), 'src/classify/sql/clickhouse.ts');
});

test('only the executor adapter imports tslab', () => {
  for (const f of files) if (imports(f).some((s) => s === 'tslab' || s.startsWith('tslab/'))) assert.is(rel(f), 'kernel/executor.ts');
});

const LEAVES = ['src/display.ts', 'src/redact.ts', 'src/catalog.ts', 'src/address.ts'];

test('src/display.ts, src/redact.ts, src/catalog.ts and src/address.ts, the shared leaves, import nothing', () => {
  assert.equal(imports(path.join(ROOT, 'src/address.ts')), []);
  assert.equal(imports(path.join(ROOT, 'src/display.ts')), []);
  assert.equal(imports(path.join(ROOT, 'src/redact.ts')), []);
  assert.equal(imports(path.join(ROOT, 'src/catalog.ts')), []);
});

test('the kernel reaches into src only through src/display.ts', () => {
  for (const f of files.filter((x) => rel(x).startsWith('kernel/'))) {
    for (const s of imports(f)) {
      const r = resolved(f, s);
      if (r && r.startsWith('src/')) assert.is(r, 'src/display.ts', `${rel(f)} imports ${s}`);
    }
  }
});

test('steps, traffic, classify, viz and routing do not import each other, except classify and routing importing traffic', () => {
  const isolated = new Set(['steps', 'traffic', 'classify', 'viz', 'routing']);
  for (const f of files) {
    const from = area(rel(f));
    if (!isolated.has(from)) continue;
    for (const s of imports(f)) {
      const r = resolved(f, s);
      if (!r) continue;
      const to = area(r);
      if (to === from || LEAVES.includes(to)) continue;
      const allowed = (from === 'classify' || from === 'routing') && to === 'traffic';
      assert.ok(allowed, `${rel(f)} (${from}) must not import ${s} (${to})`);
    }
  }
});

/**
 * The modules a file needs at run time: comments stripped (a comment that says "import" is not an
 * import), type-only imports and re-exports left out (TypeScript erases them, so they cannot
 * make modules wait on each other).
 */
function runtimeImports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const re = /(?:import|export)\s+(?!type\s)[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3]) as string);
  return out;
}

/** The run-time import graph among `scope`'s files. */
function importGraph(scope: (r: string) => boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files.filter((x) => scope(rel(x)))) {
    graph.set(rel(f), runtimeImports(f).map((s) => resolved(f, s)).filter((r): r is string => r !== null && scope(r)));
  }
  return graph;
}

/** The first cycle of an import graph, as a path, or null. */
function firstCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string, trail: string[]): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...trail.slice(trail.indexOf(n)), n];
    state.set(n, 'open');
    for (const m of graph.get(n) ?? []) {
      const c = visit(m, [...trail, n]);
      if (c) return c;
    }
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n, []);
    if (c) return c;
  }
  return null;
}

test('src/traffic has no import cycle (logpush.ts -> logpush-parallel.ts is one-way; the registry cannot deadlock)', () => {
  const c = firstCycle(importGraph((r) => r.startsWith('src/traffic/')));
  assert.is(c, null, `import cycle: ${(c ?? []).join(' -> ')}`);
});

test('no module of src or kernel imports itself through others at run time (type-only imports aside)', () => {
  const c = firstCycle(importGraph((r) => r.startsWith('src/') || r.startsWith('kernel/')));
  assert.is(c, null, `import cycle: ${(c ?? []).join(' -> ')}`);
});

test('the cycle check finds a cycle when there is one, and reads only run-time imports', () => {
  // the check must be able to fail: columns.ts really imports interned.ts; add the way back
  const graph = importGraph((r) => r.startsWith('src/classify/'));
  assert.ok(graph.get('src/classify/columns.ts')?.includes('src/classify/interned.ts'));
  assert.is(firstCycle(graph), null);
  graph.set('src/classify/interned.ts', [...(graph.get('src/classify/interned.ts') ?? []), 'src/classify/columns.ts']);
  assert.equal(firstCycle(graph)?.slice(-1), [firstCycle(graph)?.[0]]);
  // behaviour/intern.ts imports schema.ts for a type only, and says "import" in a comment
  assert.not.ok(graph.get('src/classify/behaviour/intern.ts')?.includes('src/classify/schema.ts'));
});

test.run();
