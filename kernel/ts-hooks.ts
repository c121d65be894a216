/**
 * Node module hooks (`module.register`) that let cells import TypeScript files next to the
 * notebook: relative specifiers are resolved with `local-modules.ts` (extension-less, `.js` ->
 * `.ts`), `.ts`/`.mts` files are transpiled to ESM with TypeScript, and a
 * bare `netrunbook[/x]` that the importing file cannot resolve comes from this kernel's own
 * install (as in cells). A `?v=` version query that the kernel adds to a file it imports (its
 * modification time: an edited helper is loaded again) is passed on to the local files it imports.
 *
 * Runs in Node's hooks thread; TypeScript is loaded there on the first file it transpiles.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTypeScriptFile, resolveLocal } from './local-modules.js';

type TS = typeof import('typescript');
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}

const require = createRequire(import.meta.url);
let tsLoaded: TS | null = null;
const ts = (): TS => (tsLoaded ??= require('typescript') as TS);

const SELF = new URL('./main.js', import.meta.url).href;

export async function resolve(specifier: string, context: ResolveContext, next: (s: string, c: ResolveContext) => Promise<ResolveResult>): Promise<ResolveResult> {
  const parent = context.parentURL;
  if (parent?.startsWith('file:') && (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/'))) {
    const parentUrl = new URL(parent);
    const abs = fileURLToPath(new URL(specifier, parentUrl));
    const file = resolveLocal(abs);
    if (file && !file.includes('/node_modules/')) {
      const url = pathToFileURL(file);
      const version = parentUrl.searchParams.get('v');
      if (version) url.searchParams.set('v', version);
      return { url: url.href, shortCircuit: true };
    }
  }
  try {
    return await next(specifier, context);
  } catch (err) {
    if (specifier === 'netrunbook' || specifier.startsWith('netrunbook/')) return next(specifier, { ...context, parentURL: SELF });
    throw err;
  }
}

export async function load(url: string, context: { format?: string | null }, next: (u: string, c: { format?: string | null }) => Promise<LoadResult>): Promise<LoadResult> {
  if (!url.startsWith('file:')) return next(url, context);
  const file = fileURLToPath(new URL(url.split('?')[0] ?? url));
  if (!isTypeScriptFile(file)) {
    const r = await next(url, context);
    // A `.js` file written as an ES module next to a notebook without a package.json that says
    // "type": "module" (Node 22 detects this by itself; Node 20 would fail on `export`).
    if (r.format === 'commonjs' && file.endsWith('.js') && !file.includes('/node_modules/')) {
      const source = fs.readFileSync(file, 'utf8');
      if (/^\s*(import|export)\b[^(]/m.test(source)) return { format: 'module', source, shortCircuit: true };
    }
    return r;
  }
  const t = ts();
  const out = t.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: {
      module: t.ModuleKind.ESNext,
      target: t.ScriptTarget.ES2022,
      experimentalDecorators: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
