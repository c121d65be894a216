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
  /** The test as a function of one value (one-field tests without dictionary parts), else null. */
  scalar(): ((v: unknown) => boolean) | null;
  /** As `run`, folding matching rows into `m` (see Fold); returns how many rows were folded (also `m.count`). */
  fold(columns: readonly Column[], ips: readonly (readonly (IpKey | null)[])[], n: number, ids: readonly (Int32Array | null)[], dicts: readonly Uint8Array[], lazy: readonly LazyPredicate[], m: Fold): number;
}

/**
 * Where score() folds a signature's matching rows: rows marked known-good are skipped (when
 * `good` is given), the others get `bit` in `word` and `weight` added to `into` (or `into` raised
 * to `weight` when `isMax`); `count` receives how many rows that was.
 */
export interface Fold {
  good: Uint8Array | null;
  word: Int32Array;
  bit: number;
  into: Float64Array;
  weight: number;
  isMax: boolean;
  count: number;
}

/**
 * Row i fires: its bit set in `word`, `weight` added to `into[i]` (or `into[i]` raised to it when
 * `isMax`). The one row step of every fold written in TypeScript (the generated kernels write
 * the same step into their source).
 */
export function foldRow(word: Int32Array, bit: number, into: Float64Array, weight: number, isMax: boolean, i: number): void {
  word[i] = (word[i] as number) | bit;
  if (!isMax) into[i] = (into[i] as number) + weight;
  else if (weight > (into[i] as number)) into[i] = weight;
}

type FoldFn = (c: readonly Column[], p: readonly (readonly (IpKey | null)[])[], k: readonly unknown[], rt: Runtime, n: number, out: Uint8Array, x: readonly (Int32Array | null)[], d: readonly Uint8Array[], f: readonly LazyPredicate[], m: Fold) => number;

const NO_OUT = new Uint8Array(0);

export function compile(kernel: Kernel): CompiledKernel {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function('c', 'p', 'k', 'rt', 'n', 'out', 'x', 'd', 'f', kernel.source) as KernelFn;
  let foldFn: FoldFn | null = null;
  let scalarFn: ((v: unknown) => boolean) | null | undefined;
  return {
    kernel,
    scalar: () => {
      if (scalarFn === undefined) {
        // eslint-disable-next-line @typescript-eslint/no-implied-eval
        const make = kernel.scalarSource === null ? null : (new Function('k', 'rt', 'box', kernel.scalarSource) as (k: readonly unknown[], rt: Runtime, box: unknown[]) => (v: unknown) => boolean);
        scalarFn = make ? make(kernel.constants, RUNTIME, [null]) : null;
      }
      return scalarFn;
    },
    run: (columns, ips, n, ids = [], dicts = [], lazy = [], out = new Uint8Array(n)) => fn(columns, ips, kernel.constants, RUNTIME, n, out, ids, dicts, lazy),
    fold: (columns, ips, n, ids, dicts, lazy, m) => {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      foldFn ??= new Function('c', 'p', 'k', 'rt', 'n', 'out', 'x', 'd', 'f', 'm', kernel.foldSource) as FoldFn;
      // the fold writes no mask: a row's fired signatures are its bits in m.word
      return foldFn(columns, ips, kernel.constants, RUNTIME, n, NO_OUT, ids, dicts, lazy, m);
    },
  };
}
