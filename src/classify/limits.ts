/**
 * Resource limits of the Rules language, with Cloudflare's values as defaults. Each one can be
 * raised per call (`rule(expr, table, { limits: { expressionLength: 20000 } })`); an expression
 * over a limit gets a RuleError naming the limit and the option, never a stall or a crash.
 */
export interface RuleLimits {
  /** Longest expression, in characters (Cloudflare accepts 4096). */
  expressionLength?: number;
  /** Deepest nesting of parentheses, not, any()/all() and function calls (wirefilter: 128). */
  nesting?: number;
  /** Largest compiled regular expression, in NFA instructions. */
  regexProgram?: number;
  /**
   * Most regex engine steps spent on one value (the linear engine's worst case is value length
   * x program size; this stops a huge value against a huge pattern with a clear error).
   */
  regexWork?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<RuleLimits>> = {
  expressionLength: 4096,
  nesting: 128,
  regexProgram: 20_000,
  regexWork: 50_000_000,
};

/** The limits in force: the defaults, raised or lowered by `limits`. */
export function limitsOf(limits: RuleLimits | undefined): Required<RuleLimits> {
  const out = { ...DEFAULT_LIMITS };
  if (limits) {
    for (const k of Object.keys(DEFAULT_LIMITS) as (keyof RuleLimits)[]) {
      const v = limits[k];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[k] = Math.floor(v);
    }
  }
  return out;
}

/** Cache key part for non-default limits ('' when the defaults apply). */
export function limitsKey(limits: RuleLimits | undefined): string {
  if (!limits) return '';
  const l = limitsOf(limits);
  return (Object.keys(DEFAULT_LIMITS) as (keyof RuleLimits)[]).map((k) => l[k]).join(',');
}
