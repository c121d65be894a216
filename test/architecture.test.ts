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

test('src/traffic has no import cycle (logpush.ts -> logpush-parallel.ts is one-way; the registry cannot deadlock)', () => {
  const graph = new Map<string, string[]>();
  for (const f of files.filter((x) => rel(x).startsWith('src/traffic/'))) {
    graph.set(rel(f), imports(f).map((s) => resolved(f, s)).filter((r): r is string => r !== null && r.startsWith('src/traffic/')));
  }
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 'done') return;
    assert.ok(state.get(n) !== 'open', `import cycle: ${[...trail, n].join(' -> ')}`);
    state.set(n, 'open');
    for (const m of graph.get(n) ?? []) visit(m, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of graph.keys()) visit(n, []);
});

test.run();
