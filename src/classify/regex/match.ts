/**
 * Linear-time matching of a `Program`:
 * - `LazyDfa.test(s)`: is there a match anywhere in s (what `matches` asks)? A DFA built on
 *   demand from the NFA, one table lookup per code unit once warm; states are sets of NFA
 *   instructions, so at most (text length x program size) work even when the state cache is
 *   full and has to be dropped.
 * - `pikeExec(p, s)`: the leftmost-first match and its groups (what `regex_replace` needs), by
 *   the Pike VM: all threads advance together, one step per code unit, no backtracking.
 */
import { classOf, Op, type Program } from './program.js';

// context bits: what is before (P_*) and after (N_*) the current position
const P_START = 1;
const P_WORD = 2;
const P_NL = 4;
const N_END = 8;
const N_WORD = 16;
const N_NL = 32;

function assertHolds(kind: number, ctx: number): boolean {
  switch (kind) {
    case 0: // bot
      return (ctx & P_START) !== 0;
    case 1: // eot
      return (ctx & N_END) !== 0;
    case 2: // bol
      return (ctx & (P_START | P_NL)) !== 0;
    case 3: // eol
      return (ctx & (N_END | N_NL)) !== 0;
    case 4: // wb
      return ((ctx & P_WORD) !== 0) !== ((ctx & N_WORD) !== 0);
    default: // nwb
      return ((ctx & P_WORD) !== 0) === ((ctx & N_WORD) !== 0);
  }
}

const UNKNOWN = -1;
const MATCH = -2;
const DEAD = -3;

/** Most DFA states kept per regex before the cache is dropped and rebuilt (RE2 does the same). */
const MAX_STATES = 4096;

export class LazyDfa {
  private readonly prog: Program;
  private readonly C: number;
  private readonly ascii: Uint16Array;
  private trans: Int32Array;
  private eof: Int8Array;
  private raws: Int32Array[] = [];
  private ctxs: number[] = [];
  private ids = new Map<string, number>();
  private readonly visited: Uint32Array;
  private stamp = 0;
  private readonly stack: Int32Array;
  private readonly start: number[];
  /** Id of the start state in the current cache (-1 after a reset). */
  private startId = -1;
  /** How many times the state cache was dropped (for tests and diagnostics). */
  resets = 0;
  /** Instructions visited building states during the current `test` (see `limit`). */
  private work = 0;
  /** Most instructions `test` may visit building states for one value; over it, test returns null. */
  limit = Infinity;

  constructor(prog: Program) {
    this.prog = prog;
    this.C = prog.classes;
    this.ascii = prog.ascii;
    this.trans = new Int32Array(64 * this.C).fill(UNKNOWN);
    this.eof = new Int8Array(64).fill(-1);
    this.visited = new Uint32Array(prog.size);
    this.stack = new Int32Array(prog.size * 2 + 2);
    this.start = [0];
  }

  private intern(ctx: number, raw: Int32Array): number {
    const key = `${ctx}:${raw.join(',')}`;
    const hit = this.ids.get(key);
    if (hit !== undefined) return hit;
    const id = this.raws.length;
    this.raws.push(raw);
    this.ctxs.push(ctx);
    this.ids.set(key, id);
    if ((id + 1) * this.C > this.trans.length) {
      const t = new Int32Array(this.trans.length * 2).fill(UNKNOWN);
      t.set(this.trans);
      this.trans = t;
      const e = new Int8Array(this.eof.length * 2).fill(-1);
      e.set(this.eof);
      this.eof = e;
    }
    return id;
  }

  private reset(): void {
    this.resets++;
    this.startId = -1;
    this.raws = [];
    this.ctxs = [];
    this.ids = new Map();
    this.trans = new Int32Array(64 * this.C).fill(UNKNOWN);
    this.eof = new Int8Array(64).fill(-1);
  }

  /**
   * Follow empty transitions from the raw instructions under context `ctx`; returns the Char
   * instructions reached (in `out`), and whether Match was reached.
   */
  private closure(raw: Int32Array, ctx: number, out: number[]): boolean {
    const { op, a, b } = this.prog;
    const visited = this.visited;
    const stack = this.stack;
    let stamp = ++this.stamp;
    if (stamp === 0xffffffff) {
      visited.fill(0);
      stamp = this.stamp = 1;
    }
    let matched = false;
    for (let r = raw.length - 1; r >= 0; r--) {
      let sp = 0;
      stack[sp++] = raw[r] as number;
      while (sp > 0) {
        const pc = stack[--sp] as number;
        if (visited[pc] === stamp) continue;
        visited[pc] = stamp;
        this.work++;
        switch (op[pc]) {
          case Op.Char:
            out.push(pc);
            break;
          case Op.Match:
            matched = true;
            break;
          case Op.Jmp:
            stack[sp++] = a[pc] as number;
            break;
          case Op.Split:
            stack[sp++] = b[pc] as number;
            stack[sp++] = a[pc] as number;
            break;
          case Op.Save:
            stack[sp++] = b[pc] as number;
            break;
          case Op.Assert:
            if (assertHolds(a[pc] as number, ctx)) stack[sp++] = b[pc] as number;
            break;
        }
      }
    }
    return matched;
  }

  private startState(): number {
    return this.intern(this.prog.hasAsserts ? P_START : 0, Int32Array.from(this.start));
  }

  /** Compute (and cache) the transition of state `st` on class `k`. */
  private step(st: number, k: number): number {
    const prog = this.prog;
    const kind = prog.classKind[k] as number;
    const ctx = prog.hasAsserts ? (this.ctxs[st] as number) | (kind === 1 ? N_WORD : kind === 2 ? N_NL : 0) : 0;
    const chars: number[] = [];
    if (this.closure(this.raws[st] as Int32Array, ctx, chars)) {
      this.trans[st * this.C + k] = MATCH;
      return MATCH;
    }
    const next: number[] = [];
    const seen = new Set<number>();
    for (const pc of chars) {
      if ((prog.sets[prog.a[pc] as number] as Uint8Array)[k] === 1) {
        const to = prog.b[pc] as number;
        if (!seen.has(to)) {
          seen.add(to);
          next.push(to);
        }
      }
    }
    if (!prog.anchored && !seen.has(0)) next.push(0);
    if (next.length === 0) {
      this.trans[st * this.C + k] = DEAD;
      return DEAD;
    }
    next.sort((x, y) => x - y);
    const nctx = prog.hasAsserts ? (kind === 1 ? P_WORD : kind === 2 ? P_NL : 0) : 0;
    const raw = Int32Array.from(next);
    if (this.raws.length >= MAX_STATES) {
      this.reset();
      return this.intern(nctx, raw); // the caller's current state is gone: do not cache into it
    }
    const id = this.intern(nctx, raw);
    this.trans[st * this.C + k] = id;
    return id;
  }

  private atEnd(st: number): boolean {
    let e = this.eof[st] as number;
    if (e === -1) {
      const ctx = this.prog.hasAsserts ? (this.ctxs[st] as number) | N_END : 0;
      e = this.closure(this.raws[st] as Int32Array, ctx, []) ? 1 : 0;
      this.eof[st] = e;
    }
    return e === 1;
  }

  /** Is there a match anywhere in s? null when building states for s took more than `limit` steps. */
  test(s: string): boolean | null {
    this.work = 0;
    if (this.startId < 0) this.startId = this.startState();
    let st = this.startId;
    const C = this.C;
    const ascii = this.ascii;
    const prog = this.prog;
    let trans = this.trans;
    for (let i = 0, n = s.length; i < n; i++) {
      const c = s.charCodeAt(i);
      const k = c < 128 ? (ascii[c] as number) : classOf(prog, c);
      let nx = trans[st * C + k] as number;
      if (nx === UNKNOWN) {
        nx = this.step(st, k);
        trans = this.trans;
        if (this.work > this.limit) return null;
      }
      if (nx < 0) return nx === MATCH;
      st = nx;
    }
    return this.atEnd(st);
  }

  /** Number of DFA states currently cached. */
  get states(): number {
    return this.raws.length;
  }
}

/** What pikeExec returns when it needed more than its step limit. */
export const OVER_LIMIT = 'over-limit';

/**
 * The leftmost-first match of p in s starting the search at `from`: capture slots
 * [start0, end0, start1, end1, ...] (-1 = group not matched), or null; OVER_LIMIT after more
 * than `limit` thread steps (the work is at most length x program size, this bounds it).
 */
export function pikeExec(p: Program, s: string, from = 0, limit = Infinity): Int32Array | null | typeof OVER_LIMIT {
  let work = 0;
  const n = s.length;
  const { op, a, b, sets } = p;
  const visited = new Uint32Array(p.size);
  let stamp = 1;
  type Thread = { pc: number; caps: Int32Array };
  let clist: Thread[] = [];
  let matched: Int32Array | null = null;
  const empty = new Int32Array(p.slots).fill(-1);
  // the DFS stack as parallel arrays (no object per push)
  const stackPc: number[] = [];
  const stackCaps: Int32Array[] = [];

  const ctxAt = (pos: number): number => {
    let ctx = 0;
    if (pos === 0) ctx |= P_START;
    else {
      const c = s.charCodeAt(pos - 1);
      const k = c < 128 ? (p.ascii[c] as number) : classOf(p, c);
      const kind = p.classKind[k];
      if (kind === 1) ctx |= P_WORD;
      else if (kind === 2) ctx |= P_NL;
    }
    if (pos === n) ctx |= N_END;
    else {
      const c = s.charCodeAt(pos);
      const k = c < 128 ? (p.ascii[c] as number) : classOf(p, c);
      const kind = p.classKind[k];
      if (kind === 1) ctx |= N_WORD;
      else if (kind === 2) ctx |= N_NL;
    }
    return ctx;
  };

  const add = (list: Thread[], pc0: number, caps0: Int32Array, pos: number, ctx: number): void => {
    stackPc.push(pc0);
    stackCaps.push(caps0);
    while (stackPc.length > 0) {
      const pc = stackPc.pop() as number;
      const caps = stackCaps.pop() as Int32Array;
      if (visited[pc] === stamp) continue;
      visited[pc] = stamp;
      work++;
      switch (op[pc]) {
        case Op.Char:
        case Op.Match:
          list.push({ pc, caps });
          break;
        case Op.Jmp:
          stackPc.push(a[pc] as number);
          stackCaps.push(caps);
          break;
        case Op.Split:
          stackPc.push(b[pc] as number, a[pc] as number);
          stackCaps.push(caps, caps);
          break;
        case Op.Save: {
          const c = caps.slice();
          c[a[pc] as number] = pos;
          stackPc.push(b[pc] as number);
          stackCaps.push(c);
          break;
        }
        case Op.Assert:
          if (assertHolds(a[pc] as number, ctx)) {
            stackPc.push(b[pc] as number);
            stackCaps.push(caps);
          }
          break;
      }
    }
  };

  for (let i = from; i <= n; i++) {
    const ctx = p.hasAsserts ? ctxAt(i) : 0;
    if (matched === null && (i === from || !p.anchored)) add(clist, 0, empty, i, ctx);
    if (clist.length === 0) {
      if (matched !== null || p.anchored) break;
      stamp++; // the next position's start thread is a new list
      continue;
    }
    stamp++;
    const nlist: Thread[] = [];
    const c = i < n ? s.charCodeAt(i) : -1;
    const k = c < 0 ? -1 : c < 128 ? (p.ascii[c] as number) : classOf(p, c);
    const nctx = p.hasAsserts && i < n ? ctxAt(i + 1) : 0;
    for (const t of clist) {
      if (op[t.pc] === Op.Match) {
        matched = t.caps;
        break; // lower-priority threads lose to this match
      }
      if (k >= 0 && (sets[a[t.pc] as number] as Uint8Array)[k] === 1) add(nlist, b[t.pc] as number, t.caps, i + 1, nctx);
    }
    clist = nlist;
    if (work > limit) return OVER_LIMIT;
    if (i === n) break;
  }
  return matched;
}
