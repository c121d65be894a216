/** Proportions with their sample size and a 95% Wilson score interval. */
import { WILSON_Z } from './thresholds.js';

export interface Figure {
  /** rows matched */
  matched: number;
  /** rows in the sample */
  of: number;
  /** matched / of (0 when the sample is empty) */
  share: number;
  /** 95% Wilson interval of the share; [0, 1] for an empty sample */
  low: number;
  high: number;
}

export function wilson(k: number, n: number, z = WILSON_Z): [number, number] {
  if (n <= 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const mid = (p + z2 / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / den;
  return [Math.max(0, mid - half), Math.min(1, mid + half)];
}

export function figure(matched: number, of: number): Figure {
  const [low, high] = wilson(matched, of);
  return { matched, of, share: of ? matched / of : 0, low, high };
}

export const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

/** "0.00% (0 of 5,210; 95% CI 0.00-0.07%)" */
export function describeFigure(f: Figure): string {
  return `${pct(f.share)} (${f.matched.toLocaleString('en-US')} of ${f.of.toLocaleString('en-US')}; 95% CI ${pct(f.low)}-${pct(f.high)})`;
}
