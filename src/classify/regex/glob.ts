/**
 * Wildcard patterns of the Rules language (`wildcard`, `strict wildcard`): `*` matches any run
 * of characters, `\*` and `\\` are a literal star and backslash, `**` is invalid; the pattern
 * must match the whole value. `wildcard` folds ASCII case, `strict wildcard` does not.
 *
 * Matching is linear: the pieces between stars are found left to right, each at its leftmost
 * place after the previous one (for a pattern whose only metacharacter is `*` the leftmost
 * placement is always as good as any other), the first piece as a prefix and the last as a
 * suffix; there is no backtracking.
 */

export class GlobSyntaxError extends Error {
  override name = 'GlobSyntaxError';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

/** Pieces longer than this are searched with KMP instead of indexOf (bounded worst case). */
const INDEXOF_MAX = 32;

export class Glob {
  /** The literal pieces between stars (lowercased ASCII when case-insensitive). */
  readonly pieces: readonly string[];
  private readonly kmp: (Int32Array | null)[];
  constructor(
    readonly pattern: string,
    readonly caseInsensitive: boolean,
  ) {
    const pieces: string[] = [];
    let cur = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i] as string;
      if (c === '\\') {
        const n = pattern[i + 1];
        if (n !== '*' && n !== '\\') throw new GlobSyntaxError(n === undefined ? 'a trailing backslash escapes nothing' : `"\\${n}" is not an escape in wildcards (only \\* and \\\\)`, i);
        cur += n;
        i++;
      } else if (c === '*') {
        if (pattern[i + 1] === '*') throw new GlobSyntaxError('"**" is not allowed; one * already matches any run of characters', i);
        pieces.push(cur);
        cur = '';
      } else cur += c;
    }
    pieces.push(cur);
    this.pieces = caseInsensitive ? pieces.map(lowerAscii) : pieces;
    this.kmp = this.pieces.map((p) => (p.length > INDEXOF_MAX ? failure(p) : null));
  }

  /** Does the whole value match? */
  test(value: string): boolean {
    const s = this.caseInsensitive ? lowerAscii(value) : value;
    const pieces = this.pieces;
    const last = pieces.length - 1;
    const head = pieces[0] as string;
    if (last === 0) return s === head;
    const tail = pieces[last] as string;
    if (s.length < head.length + tail.length || !s.startsWith(head) || !s.endsWith(tail)) return false;
    let pos = head.length;
    const end = s.length - tail.length;
    for (let j = 1; j < last; j++) {
      const piece = pieces[j] as string;
      if (piece.length === 0) continue;
      const at = this.find(j, s, pos, end);
      if (at < 0) return false;
      pos = at + piece.length;
    }
    return true;
  }

  /** Leftmost index >= from where piece j occurs entirely before `end`, or -1. */
  private find(j: number, s: string, from: number, end: number): number {
    const piece = this.pieces[j] as string;
    const table = this.kmp[j];
    if (!table) {
      const at = s.indexOf(piece, from);
      return at >= 0 && at + piece.length <= end ? at : -1;
    }
    let k = 0;
    for (let i = from; i < end; i++) {
      const c = s.charCodeAt(i);
      while (k > 0 && piece.charCodeAt(k) !== c) k = table[k - 1] as number;
      if (piece.charCodeAt(k) === c) k++;
      if (k === piece.length) return i - k + 1;
    }
    return -1;
  }
}

function failure(p: string): Int32Array {
  const f = new Int32Array(p.length);
  let k = 0;
  for (let i = 1; i < p.length; i++) {
    while (k > 0 && p.charCodeAt(i) !== p.charCodeAt(k)) k = f[k - 1] as number;
    if (p.charCodeAt(i) === p.charCodeAt(k)) k++;
    f[i] = k;
  }
  return f;
}

/** ASCII-only lowercase (the Rules language's case folding for wildcard and lower()). */
export function lowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}
