/**
 * Phase 4: the only place in netrunbook that turns a string into a function. The source comes
 * from `codegen` (never from user text directly: literals are JSON-encoded or passed as
 * constants), so an expression cannot inject code.
 */
import type { Kernel } from './codegen.js';
import type { Column } from './schema.js';
import { RUNTIME, type Runtime } from './runtime.js';
import type { IpKey } from './ip.js';

type KernelFn = (c: readonly Column[], p: readonly (readonly (IpKey | null)[])[], k: readonly unknown[], rt: Runtime, n: number, out: Uint8Array, x: readonly (Int32Array | null)[], d: readonly Uint8Array[], f: readonly LazyPredicate[]) => Uint8Array;

/** Row i's answer to a dictionary predicate whose column has no interned ids (see `Kernel.dicts`). */
export type LazyPredicate = (i: number) => boolean;

export interface CompiledKernel {
  kernel: Kernel;
  /** Run over n rows of the bound columns; returns 1 per matching row (in `out` when given, of length >= n). */
  run(columns: readonly Column[], ips: readonly (readonly (IpKey | null)[])[], n: number, ids?: readonly (Int32Array | null)[], dicts?: readonly Uint8Array[], lazy?: readonly LazyPredicate[], out?: Uint8Array): Uint8Array;
}

export function compile(kernel: Kernel): CompiledKernel {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function('c', 'p', 'k', 'rt', 'n', 'out', 'x', 'd', 'f', kernel.source) as KernelFn;
  return {
    kernel,
    run: (columns, ips, n, ids = [], dicts = [], lazy = [], out = new Uint8Array(n)) => fn(columns, ips, kernel.constants, RUNTIME, n, out, ids, dicts, lazy),
  };
}
