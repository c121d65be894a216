/**
 * Parser of the Rules language's regular expressions (Rust `regex` / RE2 syntax) into a small
 * tree. Constructs that need backtracking (look-around, back-references, possessive or atomic
 * groups) are rejected with their offset in the pattern, so every accepted pattern can run on
 * the linear-time matcher (`match.ts`).
 *
 * Semantics chosen where Rust and JavaScript differ, and what the engine does:
 * - `.` matches any code unit but `\n` (with `s`, any); `^`/`$` match at the text's ends (with
 *   `m`, also after/before `\n`); `\A` and `\z` always at the ends.
 * - `\d`, `\w`, `\s`, `\b` and case folding follow JavaScript's RegExp without the u flag
 *   (ASCII `\d`/`\w`), which is what Rules compiled to before and what the logs hold.
 * - Matching is over UTF-16 code units: `.` matches one half of a surrogate pair.
 */
import { ANY, DIGIT, EMPTY, NEWLINE, POSIX, SPACE, WORD, caseFold, char, negate, normalize, union, unicodeProperty, type CharSet } from './charset.js';

export type Node =
  | { t: 'empty' }
  | { t: 'set'; set: CharSet }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; min: number; max: number; greedy: boolean; sub: Node }
  | { t: 'group'; index: number; sub: Node }
  | { t: 'assert'; kind: AssertKind };

/** bot/eot: start/end of text; bol/eol: start/end of a line; wb/nwb: word boundary or not. */
export type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb';

export interface Parsed {
  node: Node;
  /** Number of capture groups (group 0 is the whole match). */
  groups: number;
}

/** A pattern the engine cannot accept: the reason and the offset in the pattern. */
export class RegexSyntaxError extends Error {
  override name = 'RegexSyntaxError';
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly length = 1,
  ) {
    super(reason);
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
  x: boolean;
}

/** Largest count in `{n}` / `{n,m}` (as RE2). */
export const MAX_REPEAT = 1000;
/** Deepest nesting of groups (as Rust's default nest limit). */
export const MAX_NEST = 250;

export function parseRegex(src: string): Parsed {
  return new RegexParser(src).parse();
}

class RegexParser {
  pos = 0;
  groups = 0;
  depth = 0;
  constructor(readonly src: string) {}

  fail(reason: string, at = this.pos, length = 1): never {
    throw new RegexSyntaxError(reason, at, length);
  }

  parse(): Parsed {
    const flags: Flags = { i: false, m: false, s: false, U: false, x: false };
    const node = this.alternation(flags);
    if (this.pos < this.src.length) this.fail('unopened group: this ")" closes nothing');
    return { node, groups: this.groups };
  }

  /** Skip whitespace and # comments in verbose mode. */
  skipVerbose(flags: Flags): void {
    if (!flags.x) return;
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') this.pos++;
      else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  /** Alternatives up to an unmatched ")" or the end. `flags` may be changed by `(?i)` inside. */
  alternation(flags: Flags): Node {
    const items: Node[] = [this.concat(flags)];
    while (this.src[this.pos] === '|') {
      this.pos++;
      items.push(this.concat(flags));
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  concat(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipVerbose(flags);
      const c = this.src[this.pos];
      if (c === undefined || c === '|' || c === ')') break;
      const atom: Node | null = this.atom(flags);
      if (atom === null) continue; // a flag group (?i) changed the flags of what follows
      items.push(this.quantified(atom, flags));
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] as Node) : { t: 'cat', items };
  }

  quantified(atom: Node, flags: Flags): Node {
    for (let first = true; ; first = false) {
      this.skipVerbose(flags);
      const q = this.src[this.pos];
      if (q !== '*' && q !== '+' && q !== '?' && q !== '{') return atom;
      const qpos = this.pos;
      if (!first) {
        if (q === '+') this.fail('possessive quantifiers (*+, ++, ?+) are not supported: the Rules engine does not backtrack, so they are not needed', qpos);
        this.fail('a quantifier cannot follow another quantifier; wrap the first in a group: (a*)*', qpos);
      }
      if (atom.t === 'assert' || atom.t === 'empty') this.fail('nothing to repeat before this quantifier', qpos);
      let min: number;
      let max: number;
      if (q === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
        if (!m) this.fail('invalid counted repetition: write {n}, {n,} or {n,m}', qpos);
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) this.fail(`a counted repetition may not exceed ${MAX_REPEAT}`, qpos, m[0].length);
        if (max < min) this.fail(`invalid counted repetition {${min},${max}}: the maximum is below the minimum`, qpos, m[0].length);
        this.pos += m[0].length;
      } else {
        this.pos++;
        min = q === '+' ? 1 : 0;
        max = q === '?' ? 1 : Infinity;
      }
      let greedy = true;
      if (this.src[this.pos] === '?') {
        greedy = false;
        this.pos++;
      } else if (this.src[this.pos] === '+') {
        this.fail('possessive quantifiers (*+, ++, ?+) are not supported: the Rules engine does not backtrack, so they are not needed', this.pos);
      }
      if (flags.U) greedy = !greedy;
      atom = { t: 'rep', min, max, greedy, sub: atom };
    }
  }

  /** One atom, or null after a flag-only group such as `(?i)`. */
  atom(flags: Flags): Node | null {
    const c = this.src[this.pos] as string;
    const at = this.pos;
    switch (c) {
      case '(':
        return this.group(flags);
      case '[':
        return { t: 'set', set: this.bracket(flags) };
      case '.':
        this.pos++;
        return { t: 'set', set: flags.s ? ANY : negate(char(NEWLINE)) };
      case '^':
        this.pos++;
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case '$':
        this.pos++;
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.escape(flags);
      case '*':
      case '+':
      case '?':
        return this.fail('nothing to repeat before this quantifier', at);
      case '{':
        if (/^\{\d*(,\d*)?\}/.test(this.src.slice(at, at + 24))) this.fail('nothing to repeat before this counted repetition', at);
        this.pos++;
        return { t: 'set', set: char(0x7b) };
      default: {
        const code = this.src.charCodeAt(this.pos);
        this.pos++;
        return { t: 'set', set: this.fold(char(code), flags) };
      }
    }
  }

  fold(set: CharSet, flags: Flags): CharSet {
    return flags.i ? caseFold(set) : set;
  }

  group(flags: Flags): Node | null {
    const open = this.pos;
    this.pos++;
    if (++this.depth > MAX_NEST) this.fail(`groups nest deeper than ${MAX_NEST} levels`, open);
    try {
      let index = -1;
      const inner: Flags = { ...flags };
      if (this.src[this.pos] === '?') {
        const rest = this.src.slice(this.pos + 1, this.pos + 4);
        if (rest.startsWith('=') || rest.startsWith('!')) this.fail('look-ahead (?= / (?! is not supported by the Rules language regex engine (RE2 syntax: no look-around)', open, 3);
        if (rest.startsWith('<=') || rest.startsWith('<!')) this.fail('look-behind (?<= / (?<! is not supported by the Rules language regex engine (RE2 syntax: no look-around)', open, 4);
        if (rest.startsWith('P=')) this.fail('back-references (?P=name) are not supported by the Rules language regex engine (RE2 syntax)', open, 4);
        if (rest.startsWith('>')) this.fail('atomic groups (?>...) are not supported: the Rules engine does not backtrack, so they are not needed', open, 3);
        if (rest.startsWith('P<') || rest.startsWith('<')) {
          const nameStart = this.pos + (rest.startsWith('P<') ? 3 : 2);
          const m = /^([A-Za-z_][A-Za-z0-9_.[\]]*)>/.exec(this.src.slice(nameStart, nameStart + 200));
          if (!m) this.fail('invalid group name: write (?P<name>...) with letters, digits and _', open, nameStart - open + 1);
          this.pos = nameStart + m[0].length;
          index = ++this.groups;
        } else if (rest.startsWith(':')) {
          this.pos += 2;
        } else {
          // flags: (?i) (?i-s) (?i:...) (?-U:...)
          let p = this.pos + 1;
          let negated = false;
          let any = false;
          for (;;) {
            const f = this.src[p];
            if (f === undefined) this.fail('unclosed group flags: add ")"', open, p - open);
            if (f === ')' || f === ':') break;
            if (f === '-') {
              if (negated) this.fail('a flag group may have only one "-"', p);
              negated = true;
            } else if (f === 'i' || f === 'm' || f === 's' || f === 'U' || f === 'x') {
              inner[f] = !negated;
              any = true;
            } else if (f === 'u' || f === 'R') {
              any = true; // Unicode mode / CRLF mode: accepted, matching is per code unit
            } else this.fail(`unknown group flag "${f}"; the flags are i, m, s, U, x`, p);
            p++;
          }
          if (!any) this.fail('empty flag group', open, p - open + 1);
          if (this.src[p] === ')') {
            // flags for the rest of the enclosing group
            this.pos = p + 1;
            Object.assign(flags, inner);
            return null;
          }
          this.pos = p + 1;
        }
      } else {
        index = ++this.groups;
      }
      const sub = this.alternation(inner);
      if (this.src[this.pos] !== ')') this.fail('unclosed group: add ")"', open);
      this.pos++;
      // (?:^)* and (?:)* are valid (a bare ^* is not): keep the group so the quantifier sees it
      return index >= 0 || sub.t === 'assert' || sub.t === 'empty' ? { t: 'group', index, sub } : sub;
    } finally {
      this.depth--;
    }
  }

  /** Escapes outside brackets: classes, assertions and literal characters. */
  escape(flags: Flags): Node {
    const at = this.pos;
    const n = this.src[this.pos + 1];
    if (n === undefined) this.fail('a trailing backslash escapes nothing', at);
    switch (n) {
      case 'A':
        this.pos += 2;
        return { t: 'assert', kind: 'bot' };
      case 'z':
        this.pos += 2;
        return { t: 'assert', kind: 'eot' };
      case 'b':
        this.pos += 2;
        return { t: 'assert', kind: 'wb' };
      case 'B':
        this.pos += 2;
        return { t: 'assert', kind: 'nwb' };
      case 'Z':
        this.fail('\\Z is not supported; use \\z (end of text) or $', at, 2);
      case 'G':
        this.fail('\\G is not supported by the Rules language regex engine', at, 2);
      case 'k':
        this.fail('back-references \\k<name> are not supported by the Rules language regex engine (RE2 syntax)', at, 2);
      default:
        break;
    }
    return { t: 'set', set: this.fold(this.classEscape(false), flags) };
  }

  /** An escape that stands for a set of code units (inside or outside brackets). */
  classEscape(inBracket: boolean): CharSet {
    const at = this.pos;
    const n = this.src[this.pos + 1] as string;
    this.pos += 2;
    switch (n) {
      case 'd':
        return DIGIT;
      case 'D':
        return negate(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return negate(WORD);
      case 's':
        return SPACE;
      case 'S':
        return negate(SPACE);
      case 'n':
        return char(0x0a);
      case 't':
        return char(0x09);
      case 'r':
        return char(0x0d);
      case 'f':
        return char(0x0c);
      case 'v':
        return char(0x0b);
      case 'a':
        return char(0x07);
      case 'x':
      case 'u':
      case 'U': {
        const braced = /^\{([0-9a-fA-F]{1,8})\}/.exec(this.src.slice(this.pos, this.pos + 10));
        let code: number;
        if (braced) {
          code = parseInt(braced[1] as string, 16);
          this.pos += braced[0].length;
        } else {
          const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
          const hex = this.src.slice(this.pos, this.pos + len);
          if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) this.fail(`invalid escape \\${n}: write \\${n}${'H'.repeat(len)} or \\${n}{H...}`, at, 2);
          code = parseInt(hex, 16);
          this.pos += len;
        }
        if (code > MAX_CHAR_SUPPORTED) this.fail('code points above U+FFFF are not supported in escapes; write the character itself', at, this.pos - at);
        return char(code);
      }
      case 'p':
      case 'P': {
        let name: string;
        if (this.src[this.pos] === '{') {
          const close = this.src.indexOf('}', this.pos);
          if (close < 0) this.fail('unclosed \\p{...}', at, 2);
          name = this.src.slice(this.pos + 1, close).replace(/\s/g, '');
          this.pos = close + 1;
        } else {
          name = this.src[this.pos] ?? '';
          this.pos++;
        }
        const set = unicodeProperty(name);
        if (!set) this.fail(`unknown Unicode class \\${n}{${name}}`, at, this.pos - at);
        return n === 'P' ? negate(set) : set;
      }
      default: {
        if (/[1-9]/.test(n)) this.fail(`back-references \\${n} are not supported by the Rules language regex engine (RE2 syntax)`, at, 2);
        if (n === '0') this.fail('octal escapes are not supported; write \\x00', at, 2);
        if ((n === 'b' || n === 'B') && inBracket) this.fail(`\\${n} is not allowed inside [...]`, at, 2);
        if (/[A-Za-z0-9]/.test(n)) this.fail(`unknown escape \\${n}`, at, 2);
        // escaped punctuation (and any other non-alphanumeric) stands for itself
        return char(n.charCodeAt(0));
      }
    }
  }

  /** `[...]` / `[^...]`, with ranges, escapes, POSIX classes and nested brackets (union). */
  bracket(flags: Flags): CharSet {
    const open = this.pos;
    this.pos++;
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const ranges: number[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.fail('unclosed character class: add "]"', open);
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[') {
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos, this.pos + 12));
        if (posix) {
          const set = POSIX.get(posix[2] as string);
          if (!set) this.fail(`unknown POSIX class [:${posix[2]}:]`, this.pos, posix[0].length);
          ranges.push(...(posix[1] ? negate(set) : set));
          this.pos += posix[0].length;
          continue;
        }
        if (++this.depth > MAX_NEST) this.fail(`classes nest deeper than ${MAX_NEST} levels`, this.pos);
        try {
          ranges.push(...this.bracket(flags));
        } finally {
          this.depth--;
        }
        continue;
      }
      if ((c === '&' || c === '-' || c === '~') && this.src[this.pos + 1] === c && !(c === '-' && this.src[this.pos + 2] === ']')) {
        this.fail(`class set operations (&&, --, ~~) are not supported; write the class out`, this.pos, 2);
      }
      const lo = this.classAtom();
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        const dash = this.pos;
        this.pos++;
        if (lo.length !== 2 || lo[0] !== lo[1]) this.fail('a range must start with a single character', dash);
        const hi = this.classAtom();
        if (hi.length !== 2 || hi[0] !== hi[1]) this.fail('a range must end with a single character', dash + 1);
        if ((hi[0] as number) < (lo[0] as number)) this.fail('invalid range: the end is before the start', dash - 1, 3);
        ranges.push(lo[0] as number, hi[0] as number);
      } else ranges.push(...lo);
    }
    const set = normalize(ranges);
    // fold before negating: [^a] with (?i) excludes both a and A
    const folded = flags.i ? caseFold(set) : set;
    return negated ? negate(folded) : folded;
  }

  classAtom(): CharSet {
    const c = this.src[this.pos] as string;
    if (c === '\\') {
      const n = this.src[this.pos + 1];
      if (n === undefined) this.fail('a trailing backslash escapes nothing', this.pos);
      if (n === 'b' || n === 'B' || n === 'A' || n === 'z') this.fail(`\\${n} is not allowed inside [...]`, this.pos, 2);
      return this.classEscape(true);
    }
    this.pos++;
    return char(c.charCodeAt(0));
  }
}

const MAX_CHAR_SUPPORTED = 0xffff;

/** Can this node match the empty string? */
export function nullable(n: Node): boolean {
  switch (n.t) {
    case 'empty':
    case 'assert':
      return true;
    case 'set':
      return false;
    case 'cat':
      return n.items.every(nullable);
    case 'alt':
      return n.items.some(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.sub);
    case 'group':
      return nullable(n.sub);
  }
}

export { EMPTY, union };
