/**
 * One-field tests answered on a UTF-8 column's bytes, without decoding the row: lengths from
 * the offsets (ASCII columns), equality, prefix, suffix and substring tests against literal
 * bytes, and regexes that only accept a finite set of literal prefixes (`^(v|ver|hash)=`) or
 * whole values (`^(GET|HEAD)$`). Anything else gets null and the caller decodes the row.
 * Missing rows are the caller's business (the column's `missing` flag).
 */
import type { Expr, Value } from './ast.js';
import type { Utf8Column } from '../traffic/utf8.js';

/** Row i's answer (row i is not missing). */
export type RowTest = (i: number) => boolean;

/** Largest literal set a regex may expand to before it is left to the regex engine. */
const MAX_LITERALS = 64;

export function bytesTest(root: Expr, col: Utf8Column): RowTest | null {
  if (root.type === 'bool' && !root.each) return callTest(root.value, col);
  if (root.type !== 'compare' || root.each || !root.checked) return null;
  const { lhs, op, checked } = root;
  const bytes = col.bytes;
  const off = col.offsets;
  if (lhs.type === 'call' && lhs.name === 'len' && isField(lhs.args[0]) && col.ascii && checked.kind === 'int') {
    // ASCII: one byte per character, so the length is the offsets' difference
    const k = checked.value;
    const len = (i: number): number => (off[i + 1] as number) - (off[i] as number);
    switch (op) {
      case 'eq':
        return (i) => len(i) === k;
      case 'ne':
        return (i) => len(i) !== k;
      case 'lt':
        return (i) => len(i) < k;
      case 'le':
        return (i) => len(i) <= k;
      case 'gt':
        return (i) => len(i) > k;
      case 'ge':
        return (i) => len(i) >= k;
      default:
        return null;
    }
  }
  if (!isField(lhs)) return null;
  if (checked.kind === 'string') {
    const lit = Buffer.from(checked.value, 'utf8');
    if (op === 'eq') return (i) => equalAt(bytes, off[i] as number, off[i + 1] as number, lit);
    if (op === 'ne') return (i) => !equalAt(bytes, off[i] as number, off[i + 1] as number, lit);
    if (op === 'contains') return (i) => containsAt(bytes, off[i] as number, off[i + 1] as number, lit);
    return null;
  }
  if (checked.kind === 'stringSet' && op === 'in' && checked.values.length <= MAX_LITERALS) {
    const lits = checked.values.map((v) => Buffer.from(v, 'utf8'));
    return (i) => anyEqual(bytes, off[i] as number, off[i + 1] as number, lits);
  }
  if (checked.kind === 'regex' && op === 'matches') {
    const set = literalSet(checked.source, checked.flags);
    if (!set) return null;
    const lits = set.values.map((v) => Buffer.from(v, 'utf8'));
    if (set.whole) return (i) => anyEqual(bytes, off[i] as number, off[i + 1] as number, lits);
    return (i) => anyPrefix(bytes, off[i] as number, off[i + 1] as number, lits);
  }
  return null;
}

function isField(v: Value | { type: string } | undefined): boolean {
  return v !== undefined && v.type === 'field';
}

/** starts_with / ends_with of the field and a literal. */
function callTest(v: Value, col: Utf8Column): RowTest | null {
  if (v.type !== 'call' || v.each || v.args.length !== 2 || !isField(v.args[0])) return null;
  const arg = v.args[1];
  if (!arg || arg.type !== 'string') return null;
  const lit = Buffer.from(arg.value, 'utf8');
  const bytes = col.bytes;
  const off = col.offsets;
  if (v.name === 'starts_with') return (i) => prefixAt(bytes, off[i] as number, off[i + 1] as number, lit);
  if (v.name === 'ends_with')
    return (i) => {
      const e = off[i + 1] as number;
      return e - (off[i] as number) >= lit.length && prefixAt(bytes, e - lit.length, e, lit);
    };
  return null;
}

function prefixAt(b: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (e - s < n) return false;
  for (let j = 0; j < n; j++) if (b[s + j] !== lit[j]) return false;
  return true;
}

function equalAt(b: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  return e - s === lit.length && prefixAt(b, s, e, lit);
}

function anyEqual(b: Uint8Array, s: number, e: number, lits: readonly Uint8Array[]): boolean {
  for (const lit of lits) if (equalAt(b, s, e, lit)) return true;
  return false;
}

function anyPrefix(b: Uint8Array, s: number, e: number, lits: readonly Uint8Array[]): boolean {
  for (const lit of lits) if (prefixAt(b, s, e, lit)) return true;
  return false;
}

function containsAt(b: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (n === 0) return true;
  const first = lit[0] as number;
  for (let p = s, last = e - n; p <= last; p++) if (b[p] === first && prefixAt(b, p, e, lit)) return true;
  return false;
}

/** Escaped characters that stand for themselves in a JS regex. */
const ESCAPED_LITERAL = /[\\^$.|?*+()[\]{}/\-=!:#&~<>"',;@%`_ ]/;
const SPECIAL = '\\^$.|?*+()[]{}';

/**
 * The literal strings a regex accepts as a prefix (or, `whole`, as the entire value), when it is
 * anchored at the start and built only from literal characters, groups and alternation (no
 * classes, no `.`, no quantifiers, no flags that change matching); else null.
 */
export function literalSet(source: string, flags: string): { values: string[]; whole: boolean } | null {
  if (/[imy]/.test(flags) || !source.startsWith('^')) return null;
  let p = 1;
  let whole = false;
  // a sequence: the product of its atoms' alternatives; stops before '|' or ')' or the end
  const sequence = (): string[] | null => {
    let acc = [''];
    while (p < source.length) {
      const c = source[p] as string;
      if (c === '|' || c === ')') break;
      let alts: string[];
      if (c === '$') {
        if (p !== source.length - 1) return null;
        whole = true;
        p++;
        break;
      }
      if (c === '\\') {
        const n = source[p + 1];
        if (n === undefined || !ESCAPED_LITERAL.test(n)) return null;
        alts = [n];
        p += 2;
      } else if (c === '(') {
        p += source.startsWith('(?:', p) ? 3 : 1;
        if (source[p] === '?') return null;
        const g = alternation();
        if (!g || source[p] !== ')') return null;
        p++;
        alts = g;
      } else if (SPECIAL.includes(c)) return null;
      else {
        alts = [c];
        p++;
      }
      if (p < source.length && '*+?{'.includes(source[p] as string)) return null;
      if (acc.length * alts.length > MAX_LITERALS) return null;
      acc = acc.flatMap((a) => alts.map((b) => a + b));
    }
    return acc;
  };
  const alternation = (): string[] | null => {
    const out: string[] = [];
    for (;;) {
      const s = sequence();
      if (!s || whole) return null; // `$` inside a group: leave it to the regex engine
      out.push(...s);
      if (out.length > MAX_LITERALS) return null;
      if (source[p] !== '|') return out;
      p++;
    }
  };
  const top = sequence();
  // a '|' at the top level leaves its right side unanchored
  if (!top || p !== source.length) return null;
  return { values: top, whole };
}
