/**
 * Local modules next to a notebook: `import { f } from "./helper"` finds `helper.ts`,
 * `helper.mts`, `helper.js`, `helper.mjs` or `helper/index.ts`, as TypeScript's bundler
 * resolution does; `./helper.js` also finds `helper.ts` (the spelling TypeScript recommends for
 * ESM), `./helper.mjs` finds `helper.mts`. TypeScript files are transpiled by the module hooks
 * in `ts-hooks.ts`, registered the first time a cell imports one.
 *
 * Imported from both the kernel thread and Node's module-hooks thread: no kernel state here.
 */
import fs from 'node:fs';

const TS_FILE = /\.(ts|mts)$/;

/** Whether Node needs the TypeScript hooks to load this file. */
export function isTypeScriptFile(file: string): boolean {
  return TS_FILE.test(file) && !file.endsWith('.d.ts');
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The candidates for one local specifier that has been resolved to an absolute path. */
export function localCandidates(abs: string): string[] {
  if (/\.(ts|mts|cts)$/.test(abs)) return [abs];
  if (abs.endsWith('.js')) return [abs, `${abs.slice(0, -3)}.ts`];
  if (abs.endsWith('.mjs')) return [abs, `${abs.slice(0, -4)}.mts`];
  if (/\.(json|node|wasm)$/.test(abs)) return [abs];
  return [abs, `${abs}.ts`, `${abs}.mts`, `${abs}.js`, `${abs}.mjs`, `${abs}/index.ts`, `${abs}/index.js`];
}

/** The file a local specifier names, or null. */
export function resolveLocal(abs: string): string | null {
  return localCandidates(abs).find(isFile) ?? null;
}
