/**
 * Regex (RE2 / Rust `regex` syntax) and wildcard patterns of the Rules language, compiled once at
 * check time for the linear-time engine in ./regex/ (no backtracking, so no input can stall a
 * rule). Errors carry the offset in the pattern; `check` turns it into a position in the
 * expression.
 */
import { compileRegex, Glob, type Regex } from './regex/index.js';

export { RegexSyntaxError, GlobSyntaxError, Glob, Regex, lowerAscii } from './regex/index.js';

/** Compile a `matches` / `regex_replace` pattern; throws RegexSyntaxError (offset in the pattern). */
export function compilePattern(source: string, maxProgram?: number): Regex {
  return compileRegex(source, { maxProgram });
}

/** Compile a `wildcard` (caseInsensitive) or `strict wildcard` pattern; throws GlobSyntaxError. */
export function compileWildcard(pattern: string, caseInsensitive: boolean): Glob {
  return new Glob(pattern, caseInsensitive);
}
