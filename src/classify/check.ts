/**
 * Phase 2: type checking against a schema. Annotates value nodes with their type, marks
 * element-wise (`[*]`) sub-expressions, and turns right-hand literals into typed constants.
 * Errors name the field/function/literal with its position and suggest a fix.
 */
import type { Ast, BareLit, Compare, Expr, IndexExpr, Literal, RangeLit, StringLit, Value, CheckedRhs } from './ast.js';
import { RuleLimitError, RuleReferenceError, RuleTypeError, type SourceSpan } from './errors.js';
import { functionSig, FUNCTION_NAMES } from './functions.js';
import { parseIp, parseIpRange } from './ip.js';
import { MSG } from './messages.js';
import { closest, type Schema } from './schema.js';
import { T, typeName, type RuleType } from './types.js';
import { compilePattern, compileWildcard, GlobSyntaxError, RegexSyntaxError, type Regex } from './patterns.js';
import { limitsOf, type RuleLimits } from './limits.js';

export interface CheckOptions {
  /** Named lists for `in $name`: IP strings/CIDRs, ints (ASNs) or strings (hostnames). */
  lists?: Readonly<Record<string, readonly (string | number)[]>>;
  /** Resource limits (expression length, nesting, regex size and work); Cloudflare's by default. */
  limits?: RuleLimits;
}

/** The items of list `name`, looked up without reaching Object.prototype (`$constructor`). */
export function listItems(lists: CheckOptions['lists'], name: string): readonly (string | number)[] | undefined {
  if (!lists || !Object.hasOwn(lists, name)) return undefined;
  const items = lists[name];
  return Array.isArray(items) ? items : undefined;
}

export interface CheckedAst extends Ast {
  /** Fields the expression reads (columns or derived), in first-use order. */
  fields: string[];
  lists: string[];
  /** Type name of each field read (raw column or derived), e.g. `Bytes`. */
  fieldTypes?: Map<string, string>;
}

class Checker {
  fields: string[] = [];
  lists: string[] = [];
  readonly limits: Required<RuleLimits>;
  constructor(
    readonly src: string,
    readonly schema: Schema,
    readonly opts: CheckOptions,
  ) {
    this.limits = limitsOf(opts.limits);
  }

  typeErr(reason: string, span: SourceSpan): never {
    throw new RuleTypeError(reason, this.src, span);
  }
  refErr(reason: string, span: SourceSpan): never {
    throw new RuleReferenceError(reason, this.src, span);
  }

  expr(e: Expr): void {
    switch (e.type) {
      case 'logical':
        for (const a of e.args) {
          this.expr(a);
          if (isEach(a)) this.typeErr(MSG.mapEachOutsideQuantifier(), a.span);
        }
        return;
      case 'not':
        this.expr(e.arg);
        if (isEach(e.arg)) this.typeErr(MSG.mapEachOutsideQuantifier(), e.arg.span);
        return;
      case 'bool': {
        const t = this.value(e.value);
        if (t.kind !== 'Bool') this.typeErr(MSG.expectedOperator(this.text(e.value.span), typeName(t)), e.value.span);
        e.each = eachOf(e.value);
        return;
      }
      case 'compare':
        this.compare(e);
        return;
      case 'quantifier':
        if (e.body.type !== 'compare' && e.body.type !== 'bool') this.typeErr(MSG.quantifierArg(), e.body.span);
        this.expr(e.body);
        if (!isEach(e.body)) this.typeErr(MSG.quantifierArg(), e.body.span);
        return;
    }
  }

  text(span: SourceSpan): string {
    return this.src.slice(span.start, span.end);
  }

  value(v: Value): RuleType {
    if (v.type === 'field') {
      const f = this.schema.fields.get(v.name);
      if (!f) {
        if (FUNCTION_NAMES.includes(v.name)) this.typeErr(`${v.name} is a function: call it as ${v.name}(...)`, v.span);
        this.refErr(MSG.unknownField(v.name, closest(v.name, this.schema.fields.keys())), v.span);
      }
      if (!this.fields.includes(v.name)) this.fields.push(v.name);
      return (v.vtype = f.type);
    }
    if (v.type === 'index') return this.index(v);
    // call
    if (v.name === 'any' || v.name === 'all') this.typeErr(MSG.quantifierArg(), v.span);
    const sig = functionSig(v.name);
    if (!sig) this.refErr(MSG.unknownFunction(v.name, closest(v.name, FUNCTION_NAMES)), { start: v.span.start, end: v.span.start + v.name.length });
    const types: RuleType[] = [];
    const literal: boolean[] = [];
    v.args.forEach((a, i) => {
      if (a.type === 'string') {
        types.push(T.Bytes);
        literal.push(true);
      } else if (a.type === 'bare') {
        if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(a.text)) this.typeErr(MSG.literalType(a.text, 'argument', 'function arguments are fields, "strings" or integers'), a.span);
        types.push(T.Int);
        literal.push(true);
      } else {
        types.push(this.value(a));
        literal.push(false);
        if (i > 0 && eachOf(a)) this.typeErr('[*] is only allowed in the first argument of a function', a.span);
      }
    });
    if (sig.fieldFirst && literal[0]) this.typeErr(MSG.fieldArg(v.name), (v.args[0] as Literal).span);
    const r = sig.check(types, literal);
    if (typeof r === 'string') this.typeErr(r, v.span);
    const first = v.args[0];
    v.each = first !== undefined && first.type !== 'string' && first.type !== 'bare' && eachOf(first);
    if (v.name === 'regex_replace') {
      // the pattern is a literal, compiled once here: a field would let a request pick the regex
      const re = v.args[1];
      if (re?.type !== 'string') this.typeErr(MSG.patternFromField('regex_replace'), (re ?? v).span);
      v.regex = this.compileRegex(re);
    }
    return (v.vtype = r);
  }

  index(v: IndexExpr): RuleType {
    const t = this.value(v.target);
    const targetEach = eachOf(v.target);
    if (v.index === '*') {
      if (t.kind !== 'Array' && t.kind !== 'Map') {
        // `lower(x[*])[*]`: a second [*] on an element-wise value continues the same iteration.
        if (targetEach) {
          v.each = true;
          return (v.vtype = t);
        }
        this.typeErr(MSG.notIndexable(typeName(t)), v.span);
      }
      if (targetEach && (t.kind === 'Array' || t.kind === 'Map')) {
        // lower(names[*]) is Bytes element-wise; lower(...)[*] is written in the docs form.
        v.each = true;
        return (v.vtype = t.of);
      }
      v.each = true;
      return (v.vtype = t.of);
    }
    if (typeof v.index === 'number' && t.kind !== 'Array') this.typeErr(MSG.notIndexable(typeName(t)) + (t.kind === 'Map' ? '; a map takes a quoted key: ["name"]' : ''), v.span);
    if (typeof v.index === 'string' && t.kind !== 'Map') this.typeErr(MSG.notIndexable(typeName(t)) + (t.kind === 'Array' ? '; an array takes a position: [0]' : ''), v.span);
    v.each = targetEach;
    return (v.vtype = (t as { of: RuleType }).of);
  }

  compare(e: Compare): void {
    const t = this.value(e.lhs);
    e.each = eachOf(e.lhs);
    const op = e.opText;
    const k = t.kind;
    const opSpan = e.opSpan;
    if (k === 'Bool') this.typeErr(MSG.boolNoOperator(this.text(e.lhs.span)), opSpan);
    if (k === 'Array' || k === 'Map') this.typeErr(MSG.typeMismatch(op, typeName(t), 'Bytes, Int and Ip; index it first (x[0], x["key"]) or use any(x[*] ...)'), opSpan);
    switch (e.op) {
      case 'contains':
      case 'matches':
      case 'wildcard':
      case 'strict wildcard':
        if (k !== 'Bytes') this.typeErr(MSG.typeMismatch(op, typeName(t), 'Bytes (strings)'), opSpan);
        break;
      case 'bitand':
        if (k !== 'Int') this.typeErr(MSG.typeMismatch(op, typeName(t), 'Int'), opSpan);
        break;
      default:
        break;
    }
    const rhs = e.rhs;
    if (rhs.type === 'list') {
      const items = listItems(this.opts.lists, rhs.name);
      if (!items) this.refErr(MSG.unknownList(rhs.name, Object.keys(this.opts.lists ?? {})), rhs.span);
      if (!this.lists.includes(rhs.name)) this.lists.push(rhs.name);
      e.checked = { kind: 'list', name: rhs.name };
      return;
    }
    if (rhs.type === 'set') {
      e.checked = this.set(t, rhs.items, e);
      return;
    }
    if (e.op === 'in') this.typeErr(MSG.unexpectedChar(this.text(rhs.span), 'a set {...} or a list $name'), rhs.span);
    if (e.op === 'matches') {
      if (rhs.type !== 'string') this.typeErr(MSG.literalType(rhs.text, 'regular expression', 'quote it: "..." or r"..."'), rhs.span);
      const regex = this.compileRegex(rhs);
      e.checked = { kind: 'regex', source: rhs.value, flags: '', regex };
      return;
    }
    if (e.op === 'wildcard' || e.op === 'strict wildcard') {
      if (rhs.type !== 'string') this.typeErr(MSG.literalType(rhs.text, 'wildcard pattern', 'quote it: "..." or r"..."'), rhs.span);
      try {
        const caseInsensitive = e.op === 'wildcard';
        e.checked = { kind: 'wildcard', pattern: rhs.value, caseInsensitive, glob: compileWildcard(rhs.value, caseInsensitive) };
      } catch (err) {
        if (!(err instanceof GlobSyntaxError)) throw err;
        const at = literalOffset(this.src, rhs, err.offset, false);
        this.typeErr(MSG.badWildcard(err.reason), { start: at, end: Math.max(at + 1, literalOffset(this.src, rhs, err.offset + 2, false)) });
      }
      return;
    }
    e.checked = this.scalar(t, rhs, e.op);
  }

  /** Compile a regex literal for the linear engine; errors point at the offending part of the pattern. */
  compileRegex(lit: StringLit): Regex {
    let regex: Regex;
    try {
      regex = compilePattern(lit.value, this.limits.regexProgram);
    } catch (err) {
      if (!(err instanceof RegexSyntaxError)) throw err;
      const start = literalOffset(this.src, lit, err.offset, true);
      const end = Math.max(start + 1, literalOffset(this.src, lit, err.offset + err.length, true));
      this.typeErr(MSG.regexAt(err.reason), { start, end });
    }
    const src = this.src;
    const span = lit.span;
    const max = this.limits.regexWork;
    regex.workLimit = max;
    regex.onWorkLimit = (n) => {
      throw new RuleLimitError(MSG.regexWork(n, max), src, span);
    };
    return regex;
  }

  scalar(t: RuleType, lit: Literal, op: Compare['op']): CheckedRhs {
    if (t.kind === 'Bytes') {
      if (lit.type === 'string') return { kind: 'string', value: lit.value };
      // byte string 01:2e:f3
      if (/^[0-9a-fA-F]{2}([:.-][0-9a-fA-F]{2})*$/.test(lit.text)) {
        return { kind: 'string', value: lit.text.split(/[:.-]/).map((h) => String.fromCharCode(parseInt(h, 16))).join('') };
      }
      this.typeErr(MSG.literalType(lit.text, 'Bytes', `quote strings: "${lit.text}"`), lit.span);
    }
    if (t.kind === 'Int') {
      if (lit.type === 'string') this.typeErr(MSG.literalType(`"${lit.value}"`, 'Int', 'write the number without quotes'), lit.span);
      return { kind: 'int', value: this.int(lit) };
    }
    // Ip
    if (lit.type === 'string') this.typeErr(MSG.literalType(`"${lit.value}"`, 'Ip', 'write the address without quotes'), lit.span);
    if (op === 'contains' || op === 'bitand') this.typeErr(MSG.typeMismatch(op, 'Ip', 'Bytes'), lit.span);
    const ip = parseIp(lit.text);
    if (ip === null) {
      if (parseIpRange(lit.text)) this.typeErr(MSG.cidrInEq(lit.text), lit.span);
      this.typeErr(MSG.literalType(lit.text, 'IP address', 'e.g. 192.0.2.1 or 2001:db8::1'), lit.span);
    }
    return { kind: 'ip', value: ip };
  }

  int(lit: BareLit): number {
    const s = lit.text;
    let v: number;
    if (/^-?0x[0-9a-fA-F]+$/.test(s)) v = (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^-?0x/, ''), 16);
    else if (/^-?0[0-7]+$/.test(s)) v = (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^-?0/, ''), 8); // leading 0 = octal
    else if (/^-?\d+$/.test(s)) v = Number(s);
    else if (/^-?0\d+$/.test(s)) this.typeErr(MSG.literalType(s, 'Int', 'a leading 0 means octal, and 8 and 9 are not octal digits'), lit.span);
    else this.typeErr(MSG.literalType(s, 'Int', 'decimal, 0x hex or 0 octal'), lit.span);
    if (!Number.isSafeInteger(v)) this.typeErr(MSG.literalType(s, 'Int', 'out of range'), lit.span);
    return v;
  }

  set(t: RuleType, items: readonly (Literal | RangeLit)[], e: Compare): CheckedRhs {
    if (t.kind === 'Bytes') {
      const values: string[] = [];
      for (const it of items) {
        if (it.type !== 'string') this.typeErr(MSG.literalType(it.type === 'range' ? this.text(it.span) : it.text, 'Bytes', 'quote the set items: {"a" "b"}'), it.span);
        values.push(it.value);
      }
      return { kind: 'stringSet', values };
    }
    if (t.kind === 'Int') {
      const values: number[] = [];
      const ranges: [number, number][] = [];
      for (const it of items) {
        if (it.type === 'string') this.typeErr(MSG.literalType(`"${it.value}"`, 'Int', 'write numbers without quotes'), it.span);
        if (it.type === 'range') {
          const lo = this.int(it.lo);
          const hi = this.int(it.hi);
          if (lo > hi) this.typeErr(MSG.rangeOrder(it.lo.text, it.hi.text), it.span);
          ranges.push([lo, hi]);
        } else values.push(this.int(it));
      }
      return { kind: 'intSet', values, ranges };
    }
    if (t.kind === 'Ip') {
      const out: string[] = [];
      for (const it of items) {
        if (it.type === 'string') this.typeErr(MSG.literalType(`"${it.value}"`, 'Ip', 'write addresses without quotes'), it.span);
        const text = it.type === 'range' ? `${it.lo.text}..${it.hi.text}` : it.text;
        if (!parseIpRange(text)) {
          if (it.type === 'range') {
            const lo = parseIp(it.lo.text);
            const hi = parseIp(it.hi.text);
            if (lo !== null && hi !== null && typeof lo === typeof hi) this.typeErr(MSG.rangeOrder(it.lo.text, it.hi.text), it.span);
          }
          this.typeErr(MSG.literalType(text, 'IP, CIDR or range', 'e.g. 192.0.2.0/24, 2001:db8::/32, 198.51.100.3..198.51.100.7'), it.span);
        }
        out.push(text);
      }
      return { kind: 'ipSet', items: out };
    }
    this.typeErr(MSG.typeMismatch('in', typeName(t), 'Bytes, Int and Ip'), e.opSpan);
  }
}

/**
 * Position in the expression of offset `off` in a string literal's value: raw strings map one to
 * one; quoted strings account for their escapes (regex strings keep every escape but \").
 */
export function literalOffset(src: string, lit: StringLit, off: number, regex: boolean): number {
  const { start, end } = lit.span;
  if (lit.raw) {
    let p = start + 1;
    while (src[p] === '#') p++;
    return Math.min(p + 1 + off, end);
  }
  let p = start + 1;
  let v = 0;
  let inClass = false;
  while (v < off && p < end - 1) {
    const c = src[p];
    if (c === '\\') {
      const n = src[p + 1];
      if (regex) {
        v += n === '"' && !inClass ? 1 : 2;
        p += 2;
      } else if (n === 'x') {
        v += 1;
        p += 4;
      } else if (n !== undefined && /[0-7]/.test(n)) {
        v += 1;
        p += 4;
      } else {
        v += 1;
        p += 2;
      }
      continue;
    }
    if (regex && c === '[') inClass = true;
    else if (regex && c === ']') inClass = false;
    v++;
    p++;
  }
  return Math.min(p, end);
}

function isEach(e: Expr): boolean {
  return (e.type === 'compare' || e.type === 'bool') && Boolean(e.each);
}

function eachOf(v: Value | Literal): boolean {
  return (v.type === 'index' || v.type === 'call') && Boolean(v.each);
}

/**
 * Type-check a parsed expression against a schema. Mutates the AST (annotations) and returns
 * it with the fields and lists it reads.
 */
export function check(ast: Ast, schema: Schema, opts: CheckOptions = {}): CheckedAst {
  const max = limitsOf(opts.limits).expressionLength;
  if (ast.expression.length > max) throw new RuleLimitError(MSG.expressionTooLong(ast.expression.length, max), ast.expression, { start: max, end: ast.expression.length });
  const c = new Checker(ast.expression, schema, opts);
  c.expr(ast.root);
  if (isEach(ast.root)) throw new RuleTypeError(MSG.mapEachOutsideQuantifier(), ast.expression, ast.root.span);
  const fieldTypes = new Map(c.fields.map((f) => [f, typeName((schema.fields.get(f) as { type: RuleType }).type)]));
  return { ...ast, fields: c.fields, lists: c.lists, fieldTypes };
}

