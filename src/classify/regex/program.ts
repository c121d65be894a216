/**
 * Thompson construction: a regex tree -> a program of NFA instructions, plus the partition of
 * the code units into classes that no instruction tells apart (so matchers index tables by class
 * instead of by code unit).
 */
import { has, isWord, MAX_CHAR, NEWLINE, type CharSet } from './charset.js';
import type { AssertKind, Node } from './syntax.js';

export const enum Op {
  Char = 0,
  Split = 1,
  Jmp = 2,
  Assert = 3,
  Save = 4,
  Match = 5,
}

export const ASSERT_BITS: Record<AssertKind, number> = { bot: 0, eot: 1, bol: 2, eol: 3, wb: 4, nwb: 5 };

export interface Program {
  op: Uint8Array;
  /** Char: set index; Split/Jmp: first target; Assert: kind; Save: slot. */
  a: Int32Array;
  /** Split: second (lower-priority) target; Char/Assert/Save: next instruction. */
  b: Int32Array;
  /** Per Char instruction's set: membership per class (sets[a][class] === 1). */
  sets: Uint8Array[];
  /** Class of each ASCII code unit; others through `bounds`. */
  ascii: Uint16Array;
  /** Sorted class start code units (class k covers bounds[k] .. bounds[k+1]-1). */
  bounds: Uint32Array;
  classes: number;
  /** Per class: 1 if its code units are word characters, 2 if it is "\n" (when assertions need it). */
  classKind: Uint8Array;
  /** Capture slots (2 per group, group 0 included). */
  slots: number;
  /** Every match must start at the start of the text. */
  anchored: boolean;
  hasAsserts: boolean;
  size: number;
}

/** Instruction count of the program for a tree (computed before building, to refuse huge ones). */
export function programSize(n: Node): number {
  switch (n.t) {
    case 'empty':
      return 0;
    case 'set':
    case 'assert':
      return 1;
    case 'cat':
      return n.items.reduce((s, x) => s + programSize(x), 0);
    case 'alt':
      return n.items.reduce((s, x) => s + programSize(x) + 2, 0);
    case 'group':
      return programSize(n.sub) + (n.index >= 0 ? 2 : 0);
    case 'rep': {
      const sub = programSize(n.sub);
      const copies = n.max === Infinity ? Math.max(n.min, 1) : n.max;
      return copies * (sub + 2) + 1;
    }
  }
}

export function buildProgram(root: Node, groups: number): Program {
  const op: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const charSets: CharSet[] = [];
  let hasAsserts = false;
  const emit = (o: Op, x: number, y: number): number => {
    op.push(o);
    a.push(x);
    b.push(y);
    return op.length - 1;
  };
  /** Compile n so that it continues at the instruction `next` will be patched to; returns the entry pc and the list of holes. */
  type Frag = { start: number; holes: [number, 'a' | 'b'][] };
  const patch = (holes: Frag['holes'], to: number): void => {
    for (const [pc, which] of holes) (which === 'a' ? a : b)[pc] = to;
  };
  const EMPTY_FRAG = (): Frag => {
    const j = emit(Op.Jmp, -1, -1);
    return { start: j, holes: [[j, 'a']] };
  };
  const gen = (n: Node): Frag => {
    switch (n.t) {
      case 'empty':
        return EMPTY_FRAG();
      case 'set': {
        const pc = emit(Op.Char, charSets.push(n.set) - 1, -1);
        return { start: pc, holes: [[pc, 'b']] };
      }
      case 'assert': {
        hasAsserts = true;
        const pc = emit(Op.Assert, ASSERT_BITS[n.kind], -1);
        return { start: pc, holes: [[pc, 'b']] };
      }
      case 'group': {
        if (n.index < 0) return gen(n.sub);
        const s = emit(Op.Save, n.index * 2, -1);
        const body = gen(n.sub);
        b[s] = body.start;
        const e = emit(Op.Save, n.index * 2 + 1, -1);
        patch(body.holes, e);
        return { start: s, holes: [[e, 'b']] };
      }
      case 'cat': {
        let first: Frag | null = null;
        let holes: Frag['holes'] = [];
        for (const item of n.items) {
          const f = gen(item);
          if (!first) first = f;
          else patch(holes, f.start);
          holes = f.holes;
        }
        return first ? { start: first.start, holes } : EMPTY_FRAG();
      }
      case 'alt': {
        // split(x1, split(x2, ... xn)) in priority order
        const holes: Frag['holes'] = [];
        let start = -1;
        let prevSplit = -1;
        n.items.forEach((item, k) => {
          const last = k === n.items.length - 1;
          let split = -1;
          if (!last) split = emit(Op.Split, -1, -1);
          const f = gen(item);
          if (!last) a[split] = f.start;
          holes.push(...f.holes);
          const entry = last ? f.start : split;
          if (prevSplit >= 0) b[prevSplit] = entry;
          else start = entry;
          prevSplit = split;
        });
        return { start, holes };
      }
      case 'rep':
        return rep(n.sub, n.min, n.max, n.greedy);
    }
  };
  const star = (sub: Node, greedy: boolean): Frag => {
    const split = emit(Op.Split, -1, -1);
    const body = gen(sub);
    const back = emit(Op.Jmp, split, -1);
    patch(body.holes, back);
    if (greedy) {
      a[split] = body.start;
      return { start: split, holes: [[split, 'b']] };
    }
    b[split] = body.start;
    return { start: split, holes: [[split, 'a']] };
  };
  const optional = (sub: Node, greedy: boolean): Frag => {
    const split = emit(Op.Split, -1, -1);
    const body = gen(sub);
    if (greedy) {
      a[split] = body.start;
      return { start: split, holes: [[split, 'b'], ...body.holes] };
    }
    b[split] = body.start;
    return { start: split, holes: [[split, 'a'], ...body.holes] };
  };
  const rep = (sub: Node, min: number, max: number, greedy: boolean): Frag => {
    const parts: Frag[] = [];
    for (let k = 0; k < min; k++) parts.push(gen(sub));
    if (max === Infinity) {
      if (min > 0) {
        // x{n,} = x{n-1} x+ ; x+ = x then a loop back to x
        const last = parts[parts.length - 1] as Frag;
        const split = emit(Op.Split, -1, -1);
        patch(last.holes, split);
        if (greedy) {
          a[split] = last.start;
          last.holes = [[split, 'b']];
        } else {
          b[split] = last.start;
          last.holes = [[split, 'a']];
        }
      } else parts.push(star(sub, greedy));
    } else {
      // x{n,m}: (x(x(x)?)?)? nested, so each optional copy is only tried after the previous matched
      let optional_: Frag | null = null;
      const chain: Frag[] = [];
      for (let k = min; k < max; k++) chain.push(optional(sub, greedy));
      // link: each optional's body continues to the next optional; their skip exits go to the end
      for (let k = 0; k < chain.length; k++) {
        const f = chain[k] as Frag;
        if (k + 1 < chain.length) {
          const next = chain[k + 1] as Frag;
          const bodyHoles = f.holes.slice(1);
          patch(bodyHoles, next.start);
          f.holes = [f.holes[0] as [number, 'a' | 'b']];
        }
      }
      if (chain.length > 0) {
        const holes = chain.flatMap((f) => f.holes);
        optional_ = { start: (chain[0] as Frag).start, holes };
        parts.push(optional_);
      }
    }
    if (parts.length === 0) return EMPTY_FRAG();
    for (let k = 1; k < parts.length; k++) patch((parts[k - 1] as Frag).holes, (parts[k] as Frag).start);
    return { start: (parts[0] as Frag).start, holes: (parts[parts.length - 1] as Frag).holes };
  };
  // program: save 0, body, save 1, match
  const s0 = emit(Op.Save, 0, -1);
  const body = gen(root);
  b[s0] = body.start;
  const s1 = emit(Op.Save, 1, -1);
  patch(body.holes, s1);
  const m = emit(Op.Match, -1, -1);
  b[s1] = m;

  // classes: boundaries of every set, plus word/newline boundaries when assertions look at them
  const cuts = new Set<number>([0]);
  for (const set of charSets) for (let i = 0; i < set.length; i += 2) {
    cuts.add(set[i] as number);
    if ((set[i + 1] as number) < MAX_CHAR) cuts.add((set[i + 1] as number) + 1);
  }
  if (hasAsserts) for (const c of [0x0a, 0x0b, 0x30, 0x3a, 0x41, 0x5b, 0x5f, 0x60, 0x61, 0x7b]) cuts.add(c);
  const bounds = Uint32Array.from([...cuts].sort((x, y) => x - y));
  const classes = bounds.length;
  const classOfChar = (c: number): number => {
    let lo = 0;
    let hi = classes - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((bounds[mid] as number) <= c) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const ascii = new Uint16Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = classOfChar(c);
  const sets = charSets.map((set) => {
    const m = new Uint8Array(classes);
    for (let k = 0; k < classes; k++) m[k] = has(set, bounds[k] as number) ? 1 : 0;
    return m;
  });
  const classKind = new Uint8Array(classes);
  for (let k = 0; k < classes; k++) {
    const c = bounds[k] as number;
    classKind[k] = c === NEWLINE ? 2 : isWord(c) ? 1 : 0;
  }
  return {
    op: Uint8Array.from(op),
    a: Int32Array.from(a),
    b: Int32Array.from(b),
    sets,
    ascii,
    bounds,
    classes,
    classKind,
    slots: (groups + 1) * 2,
    anchored: startsAnchored(root),
    hasAsserts,
    size: op.length,
  };
}

/** Does every match have to begin at the start of the text (a leading \A or ^ without m)? */
function startsAnchored(n: Node): boolean {
  switch (n.t) {
    case 'assert':
      return n.kind === 'bot';
    case 'cat':
      return n.items.length > 0 && startsAnchored(n.items[0] as Node);
    case 'alt':
      return n.items.every(startsAnchored);
    case 'group':
      return startsAnchored(n.sub);
    case 'rep':
      return n.min > 0 && startsAnchored(n.sub);
    default:
      return false;
  }
}

/** The class of code unit c. */
export function classOf(p: Program, c: number): number {
  if (c < 128) return p.ascii[c] as number;
  const bounds = p.bounds;
  let lo = 0;
  let hi = p.classes - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((bounds[mid] as number) <= c) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
