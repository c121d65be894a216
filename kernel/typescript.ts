/**
 * Lazy access to the TypeScript compiler (transpiling cells that use type syntax, and the
 * is_complete parser).
 *
 * typescript.js is 9 MB; compiling it costs ~0.5 s at every kernel start. It is loaded lazily
 * (plain JavaScript cells never need it) and through a V8 code cache kept in
 * $XDG_CACHE_HOME/netrunbook (default ~/.cache/netrunbook), which roughly halves the load. A
 * missing, stale or unwritable cache only costs time: V8 rejects a cache that does not match
 * the source and Node version, and the compiler then loads normally.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

export type TS = typeof import('typescript');

const require = createRequire(import.meta.url);
let loaded: TS | null = null;

function cacheFile(version: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'netrunbook', `typescript-${version}-node${process.version}-${process.arch}.v8cache`);
}

function load(): TS {
  const file = require.resolve('typescript');
  const version = (require('typescript/package.json') as { version: string }).version;
  const cache = cacheFile(version);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cache);
  } catch {
    cachedData = undefined;
  }
  let script: vm.Script;
  try {
    script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
  } catch {
    return require('typescript') as TS;
  }
  const mod = { exports: {} as TS };
  (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void)(mod.exports, createRequire(file), mod, file, path.dirname(file));
  const ts = mod.exports;
  if (!cachedData || script.cachedDataRejected) {
    // Compile what a cell needs before taking the snapshot, so the cache covers it.
    ts.transpileModule('const a: number = 1; export {}', { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    try {
      fs.mkdirSync(path.dirname(cache), { recursive: true });
      const tmp = `${cache}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cache);
    } catch {
      // read-only home: fine, next start compiles again
    }
  }
  return ts;
}

export function ts(): TS {
  loaded ??= load();
  return loaded;
}

export function isLoaded(): boolean {
  return loaded !== null;
}
