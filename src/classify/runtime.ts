/** Helpers generated kernels call as `rt.*`. Kept small and monomorphic for speed. */
import { RUNTIME_FUNCTIONS } from './functions.js';

export interface Runtime {
  fn: typeof RUNTIME_FUNCTIONS;
  at(a: unknown, i: number): unknown;
  key(m: unknown, k: string): unknown;
  any(a: unknown, f: (e: unknown, i: number) => boolean, i: number): boolean;
  all(a: unknown, f: (e: unknown, i: number) => boolean, i: number): boolean;
  inInt(s: { set: Set<number>; ranges: [number, number][] }, v: unknown): boolean;
}

function elements(a: unknown): readonly unknown[] | null {
  if (a === null || a === undefined) return null;
  if (Array.isArray(a)) return a;
  if (typeof a === 'object') return Object.values(a as object);
  return null;
}

export const RUNTIME: Runtime = {
  fn: RUNTIME_FUNCTIONS,
  at: (a, i) => (Array.isArray(a) ? (a[i] ?? null) : null),
  key: (m, k) => (m !== null && typeof m === 'object' && !Array.isArray(m) && Object.hasOwn(m, k) ? (m as Record<string, unknown>)[k] : null),
  any(a, f, i) {
    const els = elements(a);
    if (!els) return false;
    for (const e of els) if (f(e, i)) return true;
    return false;
  },
  all(a, f, i) {
    const els = elements(a);
    if (!els) return false;
    for (const e of els) if (!f(e, i)) return false;
    return true;
  },
  inInt(s, v) {
    if (typeof v !== 'number') return false;
    if (s.set.has(v)) return true;
    for (const [lo, hi] of s.ranges) if (v >= lo && v <= hi) return true;
    return false;
  },
};
