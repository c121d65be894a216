/**
 * The adapter to tslab's TypeScript converter: the only module that imports tslab.
 *
 * tslab's converter type-checks a cell against the declarations of earlier cells and answers
 * completion and quick-info queries. It is slow to load (~1 s) and its check grows with the
 * notebook, so it runs in a worker thread (kernel/analyzer-worker.ts): execution never waits for
 * it. The main thread talks to it through `Analyzer`; the worker side is `serveAnalyzer`.
 * Each checked cell that passes extends the declaration summary (`prevDecl`), as in tslab.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';

export interface TypeDiagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
  /** `warning`: an import whose types cannot be found (the cell still runs, in strict mode too). */
  severity: 'error' | 'warning';
}
export interface Completion {
  start: number;
  end: number;
  matches: string[];
}
export interface Inspection {
  text: string;
}

type Body = { op: 'check'; code: string } | { op: 'inspect'; code: string; pos: number } | { op: 'complete'; code: string; pos: number } | { op: 'reset' };
type Request = Body & { id: number };
type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Diagnostics that say a module or its types could not be found: reported once, as warnings. */
const UNRESOLVED = new Set([2307, 2792, 7016, 2875]);
/**
 * Diagnostics about what the kernel supports and the checker's options do not: importing a
 * `.ts` file by its name (TS5097, TS2691), a top-level `for await` (TS1431/TS1432).
 */
const SILENT = new Set([5097, 2691, 1431, 1432, 1378]);
/** Globals the kernel installs for cells, unknown to the checker's libraries. */
const KERNEL_GLOBALS = /^Cannot find name '(display|prompt|confirm|require)'/;

export interface Analyzer {
  check(code: string): Promise<TypeDiagnostic[]>;
  inspect(code: string, pos: number): Promise<Inspection | null>;
  complete(code: string, pos: number): Promise<Completion>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Start the analyzer worker (it loads tslab in the background right away). */
export function startAnalyzer(): Analyzer {
  const worker = new Worker(new URL('./analyzer-worker.js', import.meta.url));
  worker.unref();
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  worker.on('message', (res: Response) => {
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (res.ok) p.resolve(res.value);
    else p.reject(new Error(res.error));
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  const call = <T>(req: Body): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id });
    });
  return {
    check: (code) => call<TypeDiagnostic[]>({ op: 'check', code }),
    inspect: (code, pos) => call<Inspection | null>({ op: 'inspect', code, pos }),
    complete: (code, pos) => call<Completion>({ op: 'complete', code, pos }),
    reset: () => call<void>({ op: 'reset' }),
    close: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Run the checker at the lowest CPU priority so it never slows the cell that is executing.
 * On Linux setpriority() accepts a thread id, which /proc/thread-self names.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
  } catch {
    // not Linux, or not permitted: the checker just competes normally
  }
}

/** dist/kernel -> the package root: this kernel's own install. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type TslabTS = typeof import('typescript');

/**
 * Make tslab's checker resolve modules as the kernel does at run time. tslab creates its
 * program with `moduleResolution: Node10`, which ignores package.json `exports` (so
 * `netrunbook/steps` and every modern package fail to resolve) and only looks upwards from the
 * notebook directory. Its compiler is patched before the converter is created: resolution
 * `Bundler` (honours `exports` with the `types`/`import` conditions), then, for what the
 * notebook directory cannot resolve, the kernel's own install (`netrunbook` itself by
 * self-reference and the packages installed with it), and `@types` of the install as a
 * type root.
 */
function patchResolution(t: TslabTS): TslabTS {
  const original = t.createWatchCompilerHost as (...a: unknown[]) => import('typescript').WatchCompilerHostOfFilesAndCompilerOptions<import('typescript').BuilderProgram>;
  const fallbackFile = path.join(ROOT, '__runbook_kernel__.ts');
  const ownTypes = path.join(ROOT, 'node_modules', '@types');
  const patched = (...args: unknown[]) => {
    const options = { ...(args[1] as import('typescript').CompilerOptions) };
    options.moduleResolution = t.ModuleResolutionKind.Bundler;
    options.module = t.ModuleKind.ESNext;
    options.resolvePackageJsonExports = true;
    options.resolvePackageJsonImports = true;
    if (fs.existsSync(ownTypes) && !(options.typeRoots ?? []).includes(ownTypes)) options.typeRoots = [...(options.typeRoots ?? []), ownTypes];
    const host = original(args[0], options, ...args.slice(2));
    host.resolveModuleNames = (names, containing, _reused, redirected, opts) =>
      names.map((name) => {
        const here = t.resolveModuleName(name, containing, opts, host, undefined, redirected).resolvedModule;
        if (here || name.startsWith('.') || name.startsWith('/')) return here;
        return t.resolveModuleName(name, fallbackFile, opts, host, undefined, redirected).resolvedModule;
      });
    return host;
  };
  // The compiler's exports are read-only getters: tslab gets a copy with the patched function.
  return { ...t, createWatchCompilerHost: patched as unknown as TslabTS['createWatchCompilerHost'] };
}

/**
 * The cell with every import of an unresolvable module replaced by `any` declarations of the
 * names it imports (on the same line, line count kept), so the cell's other declarations still
 * reach later cells.
 */
function stubImports(t: TslabTS, code: string, modules: Set<string>): string {
  const sf = t.createSourceFile('cell.ts', code, t.ScriptTarget.ES2022, false, t.ScriptKind.TS);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const st of sf.statements) {
    if (!t.isImportDeclaration(st) || !t.isStringLiteral(st.moduleSpecifier) || !modules.has(st.moduleSpecifier.text)) continue;
    const clause = st.importClause;
    const decls: string[] = [];
    const both = (n: string, typeOnly: boolean) => decls.push(typeOnly ? `type ${n} = any;` : `declare const ${n}: any; type ${n} = any;`);
    if (clause?.name) both(clause.name.text, clause.isTypeOnly);
    const b = clause?.namedBindings;
    if (b && t.isNamespaceImport(b)) decls.push(`declare const ${b.name.text}: any;`);
    if (b && t.isNamedImports(b)) for (const el of b.elements) both(el.name.text, clause.isTypeOnly || el.isTypeOnly);
    const start = st.getStart(sf);
    const removed = code.slice(start, st.end).split('\n').length - 1;
    edits.push({ start, end: st.end, text: decls.join(' ') + '\n'.repeat(removed) });
  }
  let out = code;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Worker side: load tslab's converter and answer requests in order. */
export async function serveAnalyzer(port: MessagePort): Promise<void> {
  lowerThreadPriority();
  const tslabRequire = createRequire(createRequire(import.meta.url).resolve('tslab/package.json'));
  const tsId = tslabRequire.resolve('@tslab/typescript-for-tslab');
  const t = tslabRequire(tsId) as TslabTS;
  const cached = tslabRequire.cache[tsId];
  if (cached) cached.exports = patchResolution(t);
  const { createConverter } = (await import('tslab/dist/converter.js')) as typeof import('tslab/dist/converter.js');
  const { printQuickInfo } = (await import('tslab/dist/inspect.js')) as typeof import('tslab/dist/inspect.js');
  const conv = createConverter();
  let prevDecl = '';
  type Raw = ReturnType<typeof conv.convert>['diagnostics'][number];
  const toDiag = (d: Raw, severity: TypeDiagnostic['severity']): TypeDiagnostic => ({ line: d.start.line + 1, column: d.start.character + 1, code: d.code, message: d.messageText, severity });
  const handle = (req: Request): unknown => {
    switch (req.op) {
      case 'check': {
        let out = conv.convert(prevDecl, req.code);
        const unresolved = out.diagnostics.filter((d) => UNRESOLVED.has(d.code));
        const modules = new Set(unresolved.map((d) => /['"]([^'"]+)['"]/.exec(d.messageText)?.[1]).filter((m): m is string => Boolean(m)));
        if (modules.size > 0) out = conv.convert(prevDecl, stubImports(t, req.code, modules));
        const errors = out.diagnostics.filter((d) => !UNRESOLVED.has(d.code) && !SILENT.has(d.code) && !KERNEL_GLOBALS.test(d.messageText));
        if (errors.length === 0 && out.declOutput !== undefined) prevDecl = out.declOutput;
        return [...unresolved.map((d) => toDiag(d, 'warning')), ...errors.map((d) => toDiag(d, 'error'))];
      }
      case 'inspect': {
        const info = conv.inspect(prevDecl, req.code, req.pos);
        if (!info) return null;
        const text = printQuickInfo(info);
        return text ? ({ text } satisfies Inspection) : null;
      }
      case 'complete': {
        const c = conv.complete(prevDecl, req.code, req.pos);
        return { start: c.start, end: c.end, matches: c.candidates } satisfies Completion;
      }
      case 'reset':
        prevDecl = '';
        return undefined;
      default: {
        const never: never = req;
        throw new Error(`unknown analyzer request ${JSON.stringify(never)}`);
      }
    }
  };
  port.on('message', (req: Request) => {
    try {
      port.postMessage({ id: req.id, ok: true, value: handle(req) } satisfies Response);
    } catch (err) {
      port.postMessage({ id: req.id, ok: false, error: (err as Error).message } satisfies Response);
    }
  });
}
