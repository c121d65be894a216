/**
 * Phase 3 of the SQL backend: a checked Rules AST -> one SQL boolean expression over the storage
 * layout of `storage.ts`, in a dialect. The same semantics as the in-memory kernels (codegen.ts):
 * a missing value compares false (every comparison is wrapped so it is never NULL), `lower` is
 * ASCII-only, `wildcard` is a whole-value, ASCII-case-insensitive match where `*` is the only
 * metacharacter, `matches` an unanchored RE2 search, `any`/`all` over arrays (all over a missing
 * array is false, over an empty one true), IP sets and CIDRs as integer ranges.
 * What a dialect cannot express is refused here, before any query runs, with the position of the
 * construct (`SqlLoweringError`).
 */
import type { CheckedAst } from '../check.js';
import type { Compare, Expr, IndexExpr, Literal, Value } from '../ast.js';
import type { RuleType } from '../types.js';
import { RuleError, type SourceSpan } from '../errors.js';
import { parseIp, parseIpRange, type IpKey } from '../ip.js';
import type { Dialect } from './dialect.js';
import { columnOf } from './storage.js';
import { SQL_MSG } from './messages.js';
import { findSource } from '../codegen.js';

export class SqlLoweringError extends RuleError {
  override name = 'SqlLoweringError';
}

export interface LowerOptions {
  lists?: Readonly<Record<string, readonly (string | number)[]>>;
}

/** An array-valued SQL expression with the expression telling whether it is present at all. */
interface SqlArray {
  arr: string;
  present: string;
}

interface Ctx {
  source?: IndexExpr;
  el?: string;
}

const hex32 = (v: bigint): string => v.toString(16).padStart(32, '0');

class Lowering {
  private els = 0;
  constructor(
    readonly ast: CheckedAst,
    readonly d: Dialect,
    readonly opts: LowerOptions,
  ) {}

  refuse(what: string, span: SourceSpan): never {
    throw new SqlLoweringError(SQL_MSG.notSupported(what, this.d.name), this.ast.expression, span);
  }

  col(field: string, suffix = ''): string {
    return this.d.ident(`${columnOf(field)}${suffix}`);
  }

  cond(e: Expr, ctx: Ctx): string {
    switch (e.type) {
      case 'logical': {
        const parts = e.args.map((a) => this.cond(a, ctx));
        if (e.op === 'and') return `(${parts.join(' AND ')})`;
        if (e.op === 'or') return `(${parts.join(' OR ')})`;
        return parts.reduce((acc, p) => this.d.xor(acc, p));
      }
      case 'not':
        return `(NOT ${this.cond(e.arg, ctx)})`;
      case 'bool':
        return this.d.truthy(this.scalar(e.value, ctx));
      case 'quantifier': {
        const source = findSource(e.body);
        if (!source) this.refuse('a quantifier without [*]', e.span);
        const el = `__e${this.els++}`;
        const { arr, present } = this.array(source.target, ctx, source.span);
        const body = this.cond(e.body, { source, el });
        return e.q === 'any' ? this.d.truthy(this.d.any(arr, el, body)) : `(${present} AND ${this.d.truthy(this.d.all(arr, el, body))})`;
      }
      case 'compare':
        return this.compare(e, ctx);
    }
  }

  /** The array a `[*]` iterates over. */
  array(v: Value, ctx: Ctx, span: SourceSpan): SqlArray {
    const t = v.vtype;
    if (v.type === 'field' && t?.kind === 'Array') return { arr: this.col(v.name), present: this.d.truthy(this.col(v.name, '__P')) };
    if (v.type === 'field' && t?.kind === 'Map') return { arr: this.col(v.name, '__V'), present: this.d.truthy(this.col(v.name, '__P')) };
    if (v.type === 'index' && typeof v.index === 'string' && v.target.type === 'field' && v.target.vtype?.kind === 'Map') {
      const f = v.target.name;
      const arr = this.d.mapValues(this.col(f, '__K'), this.col(f, '__V'), this.d.str(v.index));
      return { arr, present: `(${this.d.arrayLength(arr)} > 0)` };
    }
    if (v.type === 'index' && v.index === '*' && v.target.type === 'field' && v.target.vtype?.kind === 'Map') return { arr: this.col(v.target.name, '__V'), present: this.d.truthy(this.col(v.target.name, '__P')) };
    if (v.type === 'call') return this.refuse(`the function ${v.name}()`, { start: v.span.start, end: v.span.start + v.name.length });
    return this.refuse(SQL_MSG.iterationOver(this.text(v.span)), span);
  }

  text(span: SourceSpan): string {
    return this.ast.expression.slice(span.start, span.end);
  }

  /** A scalar value (Bytes, Int, Bool; Ip as its text). */
  scalar(v: Value | Literal, ctx: Ctx): string {
    switch (v.type) {
      case 'string':
        return this.d.str(v.value);
      case 'bare':
        return String(Number(v.text.startsWith('0x') || v.text.startsWith('-0x') ? parseInt(v.text, 16) : v.text));
      case 'field':
        if (v.vtype?.kind === 'Array' || v.vtype?.kind === 'Map') return this.refuse(SQL_MSG.wholeCollection(v.name), v.span);
        return this.col(v.name);
      case 'index': {
        if (ctx.source === v && ctx.el) return ctx.el;
        if (v.index === '*') {
          // `lower(x[*])[*]` continues the same iteration
          if (ctx.source && ctx.el && containsNode(v.target, ctx.source)) return this.scalar(v.target, ctx);
          return this.refuse(SQL_MSG.iterationOver(this.text(v.span)), v.span);
        }
        if (typeof v.index === 'number') {
          const { arr } = this.array(v.target, ctx, v.span);
          return this.d.at(arr, v.index);
        }
        return this.refuse(SQL_MSG.mapWithoutPosition(this.text(v.span)), v.span);
      }
      case 'call':
        return this.call(v, ctx);
    }
  }

  call(v: Extract<Value, { type: 'call' }>, ctx: Ctx): string {
    const arg = (i: number): string => {
      const a = v.args[i];
      if (!a) this.refuse(`${v.name}() without argument ${i + 1}`, v.span);
      return this.scalar(a, ctx);
    };
    const argType = (i: number): RuleType | undefined => {
      const a = v.args[i];
      return a && a.type !== 'string' && a.type !== 'bare' ? a.vtype : undefined;
    };
    switch (v.name) {
      case 'lower':
        return this.d.lowerAscii(arg(0));
      case 'upper':
        return this.d.upperAscii(arg(0));
      case 'len': {
        const t = argType(0);
        if (t?.kind === 'Bytes') return this.d.strLength(arg(0));
        const a = v.args[0] as Value;
        const { arr, present } = this.array(a, ctx, v.span);
        return `if(${present}, ${this.d.arrayLength(arr)}, NULL)`;
      }
      case 'starts_with':
        return this.d.startsWith(arg(0), arg(1));
      case 'ends_with':
        return this.d.endsWith(arg(0), arg(1));
      case 'concat':
        if (argType(0)?.kind === 'Array') return this.refuse('concat() of arrays', v.span);
        return this.d.concat(v.args.map((_, i) => arg(i)));
      case 'url_decode': {
        const o = v.args[1];
        if (o && (o.type !== 'string' || /u/.test(o.value))) return this.refuse('url_decode() with the "u" option', v.span);
        // "r": decode until nothing changes; the in-memory loop stops after 16 rounds, and a
        // decode past the fixed point changes nothing, so 16 nested decodes give the same value
        return this.d.urlDecode(arg(0), o && /r/.test(o.value) ? 16 : 1);
      }
      case 'to_string': {
        const t = argType(0);
        if (t?.kind === 'Ip') return arg(0);
        if (t?.kind === 'Bool') return `if(${arg(0)}, 'true', 'false')`;
        return this.d.intToString(arg(0));
      }
      default:
        return this.refuse(`the function ${v.name}()`, { start: v.span.start, end: v.span.start + v.name.length });
    }
  }

  compare(e: Compare, ctx: Ctx): string {
    const chk = e.checked;
    if (!chk) return this.refuse('an unchecked comparison', e.span);
    const t = e.lhs.vtype;
    if (t?.kind === 'Ip' && !(ctx.source === e.lhs)) return this.d.truthy(this.ipCompare(e));
    const x = this.scalar(e.lhs, ctx);
    const d = this.d;
    const rhsString = (): string => {
      if (e.rhs.type !== 'string') return this.refuse('a pattern that is not a string', e.rhs.span);
      return e.rhs.value;
    };
    switch (chk.kind) {
      case 'string':
      case 'int': {
        const k = chk.kind === 'string' ? d.str(chk.value) : String(chk.value);
        switch (e.op) {
          case 'eq':
            return d.truthy(`(${x} = ${k})`);
          case 'ne':
            return d.truthy(`(${x} != ${k})`);
          case 'lt':
            return d.truthy(`(${x} < ${k})`);
          case 'le':
            return d.truthy(`(${x} <= ${k})`);
          case 'gt':
            return d.truthy(`(${x} > ${k})`);
          case 'ge':
            return d.truthy(`(${x} >= ${k})`);
          case 'contains':
            return d.truthy(d.contains(x, k));
          case 'bitand':
            return d.truthy(d.bitAnd(x, k));
          default:
            return this.refuse(`the operator ${e.opText} here`, e.opSpan);
        }
      }
      case 'ip':
        return this.refuse('an IP comparison on a non-IP value', e.span);
      case 'regex':
        return d.truthy(d.regex(x, rhsString()));
      case 'wildcard': {
        const re = globToRe2(chk.pattern, chk.caseInsensitive);
        return d.truthy(d.regex(chk.caseInsensitive ? d.lowerAscii(x) : x, re));
      }
      case 'stringSet':
        return chk.values.length ? d.truthy(`(${x} IN (${chk.values.map((s) => d.str(s)).join(', ')}))`) : '(1 = 0)';
      case 'intSet': {
        const parts: string[] = [];
        if (chk.values.length) parts.push(`(${x} IN (${chk.values.join(', ')}))`);
        for (const [lo, hi] of chk.ranges) parts.push(`(${x} BETWEEN ${lo} AND ${hi})`);
        return parts.length ? d.truthy(`(${parts.join(' OR ')})`) : '(1 = 0)';
      }
      case 'ipSet':
        return this.refuse('an IP set on a non-IP value', e.span);
      case 'list': {
        const items = this.opts.lists?.[chk.name];
        if (!items) return this.refuse(`the list $${chk.name} (not given)`, e.rhs.span);
        if (t?.kind === 'Int') return items.length ? d.truthy(`(${x} IN (${items.map(Number).filter(Number.isFinite).join(', ')}))`) : '(1 = 0)';
        return items.length ? d.truthy(`(${x} IN (${items.map((s) => d.str(String(s))).join(', ')}))`) : '(1 = 0)';
      }
    }
  }

  /** Comparisons of an Ip field: on the integer (IPv4) or fixed-width hex (IPv6) columns. */
  ipCompare(e: Compare): string {
    if (e.lhs.type === 'call') return this.refuse(`the function ${e.lhs.name}()`, { start: e.lhs.span.start, end: e.lhs.span.start + e.lhs.name.length });
    if (e.lhs.type !== 'field') return this.refuse(SQL_MSG.ipOfFunction(this.text(e.lhs.span)), e.lhs.span);
    const f = e.lhs.name;
    const v4 = this.col(f, '__V4');
    const v6 = this.col(f, '__V6');
    const text = this.col(f);
    const chk = e.checked;
    const lit = (k: IpKey): [string, string] => (typeof k === 'number' ? [v4, String(k)] : [v6, `'${hex32(k)}'`]);
    const ranges = (items: readonly string[], span: SourceSpan): string => {
      const parts: string[] = [];
      for (const item of items) {
        const r = parseIpRange(item);
        if (!r) return this.refuse(`the IP item "${item}"`, span);
        const [c, lo] = lit(r.lo);
        const [, hi] = lit(r.hi);
        parts.push(lo === hi ? `(${c} = ${lo})` : `(${c} BETWEEN ${lo} AND ${hi})`);
      }
      return parts.length ? `(${parts.join(' OR ')})` : '(1 = 0)';
    };
    switch (chk?.kind) {
      case 'ip': {
        const [c, k] = lit(chk.value);
        const ops: Record<string, string> = { eq: '=', lt: '<', le: '<=', gt: '>', ge: '>=' };
        if (e.op === 'ne') return `(${text} IS NOT NULL AND NOT ${this.d.truthy(`(${c} = ${k})`)})`;
        const op = ops[e.op];
        if (!op) return this.refuse(`the operator ${e.opText} on an IP`, e.opSpan);
        return `(${c} ${op} ${k})`;
      }
      case 'ipSet':
        return ranges(chk.items, e.rhs.span);
      case 'list': {
        const items = this.opts.lists?.[chk.name];
        if (!items) return this.refuse(`the list $${chk.name} (not given)`, e.rhs.span);
        return ranges(items.map(String).filter((s) => parseIpRange(s) !== null || parseIp(s) !== null), e.rhs.span);
      }
      default:
        return this.refuse(`this comparison of the IP field ${f}`, e.span);
    }
  }
}

function containsNode(v: Value | Literal, node: IndexExpr): boolean {
  if (v === node) return true;
  if (v.type === 'index') return containsNode(v.target, node);
  if (v.type === 'call') return v.args.some((a) => containsNode(a, node));
  return false;
}

const RE2_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * A wildcard pattern as an anchored RE2 regex: `*` any run of bytes, `\*` and `\\` literal; for
 * the case-insensitive form the pattern's ASCII letters are lowered (the value is lowered too).
 */
export function globToRe2(pattern: string, caseInsensitive: boolean): string {
  let out = '(?s)^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      out += `\\${pattern[i + 1]}`;
      i++;
    } else if (c === '*') out += '.*';
    else {
      const ch = caseInsensitive && c >= 'A' && c <= 'Z' ? c.toLowerCase() : c;
      out += ch.replace(RE2_SPECIAL, '\\$&');
    }
  }
  return `${out}$`;
}

/** The SQL condition of a checked expression (never NULL). */
export function lowerToSql(ast: CheckedAst, dialect: Dialect, opts: LowerOptions = {}): string {
  return new Lowering(ast, dialect, opts).cond(ast.root, {});
}
