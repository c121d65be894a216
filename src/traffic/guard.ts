/**
 * Guards at the loader boundary: attacker-written values are checked here, once, so code after
 * the loaders can trust column types and never recurse without bound.
 */

/**
 * `v` when its nesting is at most `max` levels, else null (and `onCut()`): measured without
 * recursion, so a 10k-deep value cannot overflow the stack here or in whatever walks it later
 * (schema inference, the cache writer, JSON.stringify).
 */
export function capDepth<T>(v: T, max: number, onCut: () => void): T | null {
  if (v === null || typeof v !== 'object') return v;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop() as [unknown, number];
    if (d > max) {
      onCut();
      return null;
    }
    if (Array.isArray(x)) {
      for (const e of x) if (e !== null && typeof e === 'object') stack.push([e, d + 1]);
    } else {
      for (const k of Object.keys(x as object)) {
        const e = (x as Record<string, unknown>)[k];
        if (e !== null && typeof e === 'object') stack.push([e, d + 1]);
      }
    }
  }
  return v;
}

/** A map keyed by attacker data (header and cookie names): no prototype, so `__proto__` or `constructor` is just a name. */
export const dict = <V>(): Record<string, V> => Object.create(null) as Record<string, V>;
