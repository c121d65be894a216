/** Regex (Rust `regex` subset) and wildcard patterns, translated to JS RegExp at check time. */
import { MSG } from './messages.js';

const POSIX: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s', xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', word: '\\w',
};

/** A JS RegExp equivalent to a Rules-language regex, or an error message. */
export function regexFromRust(source: string): RegExp | string {
  let src = source;
  let flags = '';
  const lead = /^\(\?([imsUx]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1] as string) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else return MSG.regexFeature(`the inline flag (?${f})`);
    }
    src = src.slice(lead[0].length);
  }
  if (/\(\?<?[=!]/.test(src)) return MSG.regexFeature('look-around (?=, (?!, (?<=, (?<!');
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(src)) return MSG.regexFeature('a back-reference \\1');
  if (/\(\?[a-zA-Z]+[:)]/.test(src)) return MSG.regexFeature('an inline flag group after the start');
  src = src.replace(/\[:(\w+):\]/g, (m, name: string) => POSIX[name] ?? m).replace(/\\A/g, '^').replace(/\\z/g, '$');
  if (/\\[pP]/.test(src)) flags += 'u';
  try {
    return new RegExp(src, flags);
  } catch (e) {
    return MSG.badRegex((e as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}

const SPECIAL = /[.*+?^${}()|[\]\\/]/g;

/**
 * `*` matches any bytes; `\*` and `\\` are a literal star and backslash; `**` is invalid.
 * `wildcard` is case-insensitive, `strict wildcard` case-sensitive; both match the whole value.
 */
export function wildcardToRegex(pattern: string, caseInsensitive: boolean): RegExp | string {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n !== '*' && n !== '\\') return n === undefined ? 'a trailing backslash escapes nothing' : `"\\${n}" is not an escape in wildcards (only \\* and \\\\)`;
      out += `\\${n}`;
      i++;
    } else if (c === '*') {
      if (pattern[i + 1] === '*') return '"**" is not allowed; one * already matches any run of characters';
      out += '[\\s\\S]*';
    } else out += c.replace(SPECIAL, '\\$&');
  }
  return new RegExp(`${out}$`, caseInsensitive ? 'i' : '');
}
