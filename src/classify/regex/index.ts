/**
 * The Rules language's regular expressions (RE2 / Rust `regex` syntax) on a linear-time engine:
 * no input can make `matches` or `regex_replace` backtrack. Compile once with `compileRegex`
 * (at check time), then `test`, `exec` or `replaceFirst` per value.
 */
import { parseRegex, RegexSyntaxError } from './syntax.js';
import { buildProgram, programSize, type Program } from './program.js';
import { LazyDfa, OVER_LIMIT, pikeExec } from './match.js';

export { RegexSyntaxError } from './syntax.js';
export { Glob, GlobSyntaxError, lowerAscii } from './glob.js';

/** Default largest program (NFA instructions) a pattern may compile to; `maxProgram` raises it. */
export const MAX_PROGRAM = 20_000;

export interface RegexOptions {
  /** Largest compiled program in instructions (default MAX_PROGRAM). */
  maxProgram?: number;
}

export class Regex {
  readonly program: Program;
  private dfa: LazyDfa | null = null;
  /** Most engine steps per value (see RuleLimits.regexWork) and what to do over it. */
  workLimit = Infinity;
  onWorkLimit: (valueLength: number) => never = (n) => {
    throw new Error(`regex work limit exceeded on a value of ${n} characters`);
  };
  constructor(
    readonly source: string,
    program: Program,
  ) {
    this.program = program;
  }

  /** Is there a match anywhere in s (unanchored, as `matches`)? Non-strings never match. */
  test(s: unknown): boolean {
    if (typeof s !== 'string') return false;
    if (!this.dfa) {
      this.dfa = new LazyDfa(this.program);
      this.dfa.limit = this.workLimit;
    }
    const r = this.dfa.test(s);
    return r === null ? this.onWorkLimit(s.length) : r;
  }

  /** The leftmost-first match: [start, end] of the whole match and of each group (-1 if unset). */
  exec(s: string, from = 0): Int32Array | null {
    const r = pikeExec(this.program, s, from, this.workLimit);
    return r === OVER_LIMIT ? this.onWorkLimit(s.length) : r;
  }

  /**
   * `s` with its first match replaced by `replacement`, where `${N}` (and `$N`) is group N and
   * `$$` a dollar sign (Cloudflare's `regex_replace`).
   */
  replaceFirst(s: string, replacement: string): string {
    // the DFA answers "no match" at a fraction of the Pike VM's cost (most values do not match)
    if (!this.test(s)) return s;
    const m = this.exec(s);
    if (!m) return s;
    let out = '';
    for (let i = 0; i < replacement.length; i++) {
      const c = replacement[i];
      if (c !== '$') {
        out += c;
        continue;
      }
      if (replacement[i + 1] === '$') {
        out += '$';
        i++;
        continue;
      }
      const r = /^(?:\{(\d+)\}|(\d+))/.exec(replacement.slice(i + 1, i + 12));
      if (!r) {
        out += '$';
        continue;
      }
      const g = Number(r[1] ?? r[2]);
      const st = m[g * 2];
      const en = m[g * 2 + 1];
      if (st !== undefined && en !== undefined && st >= 0 && en >= 0) out += s.slice(st, en);
      i += r[0].length;
    }
    return s.slice(0, m[0]) + out + s.slice(m[1]);
  }

  /** Number of capture groups (without group 0). */
  get groups(): number {
    return this.program.slots / 2 - 1;
  }
}

/** Compile a pattern; throws RegexSyntaxError with the offset in the pattern. */
export function compileRegex(source: string, opts: RegexOptions = {}): Regex {
  const parsed = parseRegex(source);
  const limit = opts.maxProgram ?? MAX_PROGRAM;
  const size = programSize(parsed.node);
  if (size > limit) throw new RegexSyntaxError(`the pattern compiles to ${size} instructions, over the limit of ${limit} (large counted repetitions multiply); simplify it or raise limits.regexProgram`, 0, source.length || 1);
  return new Regex(source, buildProgram(parsed.node, parsed.groups));
}
