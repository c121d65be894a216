/**
 * Lazy access to the TypeScript compiler (the fast transpile path and the is_complete parser).
 *
 * Loading typescript.js takes ~0.5 s, so the kernel answers kernel_info first and calls
 * `preload()` afterwards; the first cell only waits if it arrives before that finished.
 */
import { createRequire } from 'node:module';

export type TS = typeof import('typescript');

let loaded: TS | null = null;

export function ts(): TS {
  if (!loaded) loaded = createRequire(import.meta.url)('typescript') as TS;
  return loaded;
}

export function isLoaded(): boolean {
  return loaded !== null;
}
