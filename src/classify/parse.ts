/**
 * Phase 1: text -> AST with positions. A hand-written scanner driven by the parser, because
 * the Rules language lexes literals by context (after `matches` a quoted string keeps its
 * backslashes; `01:2e` is a byte string or an IPv6 address depending on the left side, so
 * unquoted literals stay text until `check` knows the type).
 *
 * Precedence (tightest first): not > and > xor > or; runs of one operator become one n-ary node.
 */
import type { Ast, BareLit, CompareOp, Expr, Literal, LogicalOp, RangeLit, SetLit, StringLit, Value, ListRef } from './ast.js';
import { RuleLimitError, RuleSyntaxError } from './errors.js';
import { MSG } from './messages.js';
import { limitsOf, type RuleLimits } from './limits.js';

export interface ParseOptions {
  /** Expression length and nesting limits (Cloudflare's by default). */
  limits?: RuleLimits;
}
const IDENT = /[A-Za-z0-9_]/;
const BARE = /[A-Za-z0-9_:.\-/]/;

const WORD_OPS: Record<string, CompareOp> = {
  eq: 'eq', ne: 'ne', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge',
  contains: 'contains', matches: 'matches', wildcard: 'wildcard', in: 'in', bitwise_and: 'bitand',
};
const SYMBOL_OPS: [string, CompareOp][] = [
  ['==', 'eq'], ['!=', 'ne'], ['<=', 'le'], ['>=', 'ge'], ['<', 'lt'], ['>', 'gt'], ['~', 'matches'],
];

class Parser {
  pos = 0;
  depth = 0;
  constructor(
    readonly src: string,
    readonly maxDepth: number,
  ) {}

  /** Enter one nesting level (a group, not, a quantifier, a call or an index); checked before recursing. */
  enter(at: number): void {
    if (++this.depth > this.maxDepth) throw new RuleLimitError(MSG.nestedTooDeep(this.maxDepth), this.src, { start: at, end: at + 1 });
  }

  fail(reason: string, start = this.pos, end = start + 1): never {
    throw new RuleSyntaxError(reason, this.src, { start, end });
  }

  ws(): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') this.pos++;
      else break;
    }
  }

  peek(s: string): boolean {
    this.ws();
    return this.src.startsWith(s, this.pos);
  }

  /** The identifier-like word at the cursor (no dots), without consuming it. */
  word(): string {
    this.ws();
    let e = this.pos;
    while (e < this.src.length && IDENT.test(this.src[e] as string)) e++;
    return this.src.slice(this.pos, e);
  }

  /** Consume a keyword (lowercase) or symbol if present. */
  eat(word: string, symbol?: string): boolean {
    this.ws();
    if (symbol && this.src.startsWith(symbol, this.pos)) {
      this.pos += symbol.length;
      return true;
    }
    if (this.word() === word) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  parse(): Ast {
    this.ws();
    if (this.pos >= this.src.length) this.fail(MSG.unexpectedEnd('a condition'), 0, 1);
    const root = this.or();
    this.ws();
    if (this.pos < this.src.length) {
      const w = this.word();
      if (w && ['AND', 'OR', 'XOR', 'NOT', 'And', 'Or'].includes(w)) this.fail(MSG.uppercaseOperator(w), this.pos, this.pos + w.length);
      if (this.src[this.pos] === ')') this.fail(MSG.unexpectedChar(')', 'no closing parenthesis here (it has no opening one)'));
      this.fail(MSG.trailing(this.src.slice(this.pos, this.pos + 20)), this.pos, this.pos + Math.max(1, w.length));
    }
    return { expression: this.src, root };
  }

  logical(op: LogicalOp, symbol: string, next: () => Expr): Expr {
    const start = this.pos;
    const first = next();
    const args = [first];
    while (this.eat(op, symbol)) args.push(next());
    if (args.length === 1) return first;
    return { type: 'logical', op, args, span: { start: Math.min(start, first.span.start), end: (args[args.length - 1] as Expr).span.end } };
  }

  or(): Expr {
    return this.logical('or', '||', () => this.xor());
  }
  xor(): Expr {
    return this.logical('xor', '^^', () => this.and());
  }
  and(): Expr {
    return this.logical('and', '&&', () => this.unary());
  }

  unary(): Expr {
    this.ws();
    const start = this.pos;
    this.enter(start);
    try {
      if (this.pos >= this.src.length) this.fail(MSG.unexpectedEnd('a condition'), Math.max(0, this.src.length - 1), this.src.length);
      if (this.src[this.pos] === '!' && this.src[this.pos + 1] !== '=') {
        this.pos++;
        const arg = this.unary();
        return { type: 'not', arg, span: { start, end: arg.span.end } };
      }
      if (this.word() === 'not') {
        this.pos += 3;
        const arg = this.unary();
        return { type: 'not', arg, span: { start, end: arg.span.end } };
      }
      const w = this.word();
      if ((w === 'any' || w === 'all') && this.src[this.pos + w.length] === '(') {
        this.pos += w.length + 1;
        const body = this.or();
        this.ws();
        if (this.src[this.pos] !== ')') this.fail(MSG.unclosedParen() + ` to close ${w}(`, this.pos >= this.src.length ? this.src.length - 1 : this.pos);
        this.pos++;
        return { type: 'quantifier', q: w, body, span: { start, end: this.pos } };
      }
      if (this.src[this.pos] === '(') {
        this.pos++;
        const inner = this.or();
        this.ws();
        if (this.src[this.pos] !== ')') this.fail(MSG.unclosedParen() + ` to match the "(" at column ${start + 1}`, this.pos >= this.src.length ? this.src.length - 1 : this.pos);
        this.pos++;
        return { ...inner, span: { start, end: this.pos } };
      }
      return this.comparison();
    } finally {
      this.depth--;
    }
  }

  comparison(): Expr {
    const lhs = this.value();
    this.ws();
    const opStart = this.pos;
    let op: CompareOp | undefined;
    let opText = '';
    for (const [sym, o] of SYMBOL_OPS) {
      if (this.src.startsWith(sym, this.pos)) {
        op = o;
        opText = sym;
        this.pos += sym.length;
        break;
      }
    }
    if (!op && this.src[this.pos] === '&' && this.src[this.pos + 1] !== '&') {
      op = 'bitand';
      opText = '&';
      this.pos++;
    }
    if (!op) {
      const w = this.word();
      if (w === 'strict') {
        this.pos += w.length;
        if (!this.eat('wildcard')) this.fail(MSG.unexpectedChar(this.src.slice(this.pos, this.pos + 1) || 'end', '"wildcard" after "strict"'));
        op = 'strict wildcard';
        opText = 'strict wildcard';
      } else if (Object.hasOwn(WORD_OPS, w)) {
        op = WORD_OPS[w];
        opText = w;
        this.pos += w.length;
      } else if (Object.hasOwn(WORD_OPS, w.toLowerCase()) || w.toLowerCase() === 'strict') {
        this.fail(MSG.uppercaseOperator(w), this.pos, this.pos + w.length);
      }
    }
    if (!op) return { type: 'bool', value: lhs, span: lhs.span };
    this.ws();
    let rhs: Literal | SetLit | ListRef;
    if (op === 'in') {
      if (this.src[this.pos] === '$') rhs = this.listRef();
      else if (this.src[this.pos] === '{') rhs = this.set();
      else this.fail(MSG.unexpectedChar(this.src[this.pos] ?? 'end', 'a set {...} or a list $name after "in"'), this.pos);
    } else {
      rhs = this.literal(op === 'matches');
    }
    return { type: 'compare', lhs, op, opText, opSpan: { start: opStart, end: opStart + opText.length }, rhs, span: { start: lhs.span.start, end: this.pos } };
  }

  value(): Value {
    this.ws();
    const start = this.pos;
    let e = this.pos;
    while (e < this.src.length && (IDENT.test(this.src[e] as string) || (this.src[e] === '.' && IDENT.test(this.src[e + 1] ?? '')))) e++;
    if (e === start) {
      const ch = this.src[this.pos];
      if (ch === undefined) this.fail(MSG.unexpectedEnd('a field or function'), Math.max(0, this.src.length - 1), this.src.length);
      if (ch === '"' || /[0-9]/.test(ch)) this.fail(MSG.unexpectedChar(ch, 'a field or function on the left of the comparison (literals go on the right)'));
      this.fail(MSG.unexpectedChar(ch, 'a field, function, "not" or "("'));
    }
    const name = this.src.slice(start, e);
    if (/^\d+$/.test(name)) this.fail(MSG.unexpectedChar(name, 'a field or function on the left of the comparison (literals go on the right)'), start, e);
    if (['and', 'or', 'xor'].includes(name)) this.fail(MSG.unexpectedChar(name, 'a condition before it'), start, e);
    this.pos = e;
    const depthBefore = this.depth;
    try {
      return this.valueRest(start, e, name);
    } finally {
      this.depth = depthBefore;
    }
  }

  valueRest(start: number, e: number, name: string): Value {
    let node: Value;
    this.ws();
    if (this.src[this.pos] === '(') {
      this.enter(start);
      this.pos++;
      const args: (Value | Literal)[] = [];
      this.ws();
      if (this.src[this.pos] !== ')') {
        for (;;) {
          args.push(this.arg());
          this.ws();
          if (this.src[this.pos] === ',') {
            this.pos++;
            continue;
          }
          if (this.src[this.pos] === ')') break;
          if (this.pos >= this.src.length) this.fail(MSG.unclosedParen() + ` to close ${name}(`, this.src.length - 1);
          this.fail(MSG.unexpectedChar(this.src[this.pos] as string, '"," or ")" in the argument list'));
        }
      }
      this.pos++;
      node = { type: 'call', name, args, span: { start, end: this.pos } };
    } else {
      node = { type: 'field', name, span: { start, end: e } };
    }
    for (;;) {
      if (this.src[this.pos] !== '[') break;
      const open = this.pos;
      this.enter(open);
      this.pos++;
      this.ws();
      let index: number | string | '*';
      if (this.src[this.pos] === '*') {
        index = '*';
        this.pos++;
      } else if (this.src[this.pos] === '"' || (this.src[this.pos] === 'r' && /["#]/.test(this.src[this.pos + 1] ?? ''))) {
        index = this.string(false).value;
      } else {
        const m = /^\d+/.exec(this.src.slice(this.pos, this.pos + 32));
        if (!m) this.fail(MSG.badIndex());
        index = Number(m[0]);
        this.pos += m[0].length;
      }
      this.ws();
      if (this.src[this.pos] !== ']') this.fail(MSG.unclosedIndex(), this.pos >= this.src.length ? open : this.pos);
      this.pos++;
      node = { type: 'index', target: node, index, span: { start, end: this.pos } };
    }
    return node;
  }

  arg(): Value | Literal {
    this.ws();
    const c = this.src[this.pos] ?? '';
    if (c === '"' || (c === 'r' && /["#]/.test(this.src[this.pos + 1] ?? ''))) return this.string(false);
    if (/[-0-9]/.test(c)) return this.bare();
    return this.value();
  }

  literal(regex: boolean): Literal {
    this.ws();
    const c = this.src[this.pos];
    if (c === undefined) this.fail(MSG.unexpectedEnd('a value after the operator'), Math.max(0, this.src.length - 1), this.src.length);
    if (c === '"' || (c === 'r' && /["#]/.test(this.src[this.pos + 1] ?? ''))) return this.string(regex);
    if (c === '{') this.fail(MSG.unexpectedChar('{', 'a single value; sets {...} go with "in"'));
    if (!BARE.test(c)) this.fail(MSG.unexpectedChar(c, 'a value: a "quoted string", a number or an IP address'));
    const lit = this.bare();
    if (lit.text.includes('..')) this.fail(MSG.rangeHere(), lit.span.start, lit.span.end);
    return lit;
  }

  bare(): BareLit {
    const start = this.pos;
    while (this.pos < this.src.length && BARE.test(this.src[this.pos] as string)) this.pos++;
    return { type: 'bare', text: this.src.slice(start, this.pos), span: { start, end: this.pos } };
  }

  set(): SetLit {
    const start = this.pos;
    this.pos++; // {
    const items: (Literal | RangeLit)[] = [];
    for (;;) {
      this.ws();
      const c = this.src[this.pos];
      if (c === undefined) this.fail(MSG.unclosedSet(), start, start + 1);
      if (c === '}') {
        this.pos++;
        break;
      }
      if (c === ',') this.fail(MSG.unexpectedChar(',', 'whitespace between set items (no commas)'));
      if (c === '"' || (c === 'r' && /["#]/.test(this.src[this.pos + 1] ?? ''))) {
        items.push(this.string(false));
        continue;
      }
      if (!BARE.test(c)) this.fail(MSG.unexpectedChar(c, 'a set item or "}"'));
      const b = this.bare();
      const dots = b.text.indexOf('..');
      if (dots >= 0) {
        const lo: BareLit = { type: 'bare', text: b.text.slice(0, dots), span: { start: b.span.start, end: b.span.start + dots } };
        const hi: BareLit = { type: 'bare', text: b.text.slice(dots + 2), span: { start: b.span.start + dots + 2, end: b.span.end } };
        if (!lo.text || !hi.text) this.fail(MSG.literalType(b.text, 'range', 'write lo..hi'), b.span.start, b.span.end);
        items.push({ type: 'range', lo, hi, span: b.span });
      } else items.push(b);
    }
    return { type: 'set', items, span: { start, end: this.pos } };
  }

  listRef(): ListRef {
    const start = this.pos;
    this.pos++; // $
    let e = this.pos;
    while (e < this.src.length && /[a-z0-9_.]/.test(this.src[e] as string)) e++;
    const name = this.src.slice(this.pos, e);
    if (!name || name.startsWith('.') || name.endsWith('.')) {
      this.fail(MSG.literalType(`$${name}`, 'list name', 'lowercase letters, digits, "_" and inner "."'), start, Math.max(e, start + 1));
    }
    if (/[A-Z]/.test(this.src[e] ?? '')) this.fail(MSG.literalType(`$${name}${this.src[e]}`, 'list name', 'list names in expressions are lowercase'), start, e + 1);
    this.pos = e;
    return { type: 'list', name, span: { start, end: e } };
  }

  /** `"..."` with generic or regex escapes, or a raw string `r#"..."#`. */
  string(regex: boolean): StringLit {
    const start = this.pos;
    if (this.src[this.pos] === 'r') {
      this.pos++;
      let hashes = 0;
      while (this.src[this.pos] === '#') {
        hashes++;
        this.pos++;
      }
      if (this.src[this.pos] !== '"') this.fail(MSG.unexpectedChar(this.src[this.pos] ?? 'end', '" to open the raw string'));
      if (hashes > 255) this.fail(MSG.literalType('r#…', 'raw string', 'at most 255 #'), start, this.pos);
      this.pos++;
      const close = `"${'#'.repeat(hashes)}`;
      const end = this.src.indexOf(close, this.pos);
      if (end < 0) this.fail(MSG.unterminatedRaw(hashes), start, this.src.length);
      const value = this.src.slice(this.pos, end);
      this.pos = end + close.length;
      return { type: 'string', value, raw: true, span: { start, end: this.pos } };
    }
    this.pos++; // opening quote
    let out = '';
    let inClass = false;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.fail(MSG.unterminatedString(), start, this.src.length);
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === '\\') {
        const n = this.src[this.pos + 1];
        if (n === undefined) this.fail(MSG.unterminatedString(), start, this.src.length);
        if (regex) {
          // Regex strings keep every escape for the regex engine; only \" (outside a class) unescapes.
          if (n === '"' && !inClass) out += '"';
          else out += `\\${n}`;
          this.pos += 2;
          continue;
        }
        if (n === '"' || n === '\\') {
          out += n;
          this.pos += 2;
        } else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(this.src.slice(this.pos + 2, this.pos + 4))) {
          out += String.fromCharCode(parseInt(this.src.slice(this.pos + 2, this.pos + 4), 16));
          this.pos += 4;
        } else if (/^[0-7]{3}$/.test(this.src.slice(this.pos + 1, this.pos + 4))) {
          out += String.fromCharCode(parseInt(this.src.slice(this.pos + 1, this.pos + 4), 8) & 0xff);
          this.pos += 4;
        } else {
          this.fail(MSG.badEscape(`\\${n}`), this.pos, this.pos + 2);
        }
        continue;
      }
      if (regex) {
        if (c === '[') inClass = true;
        else if (c === ']') inClass = false;
      }
      out += c;
      this.pos++;
    }
    return { type: 'string', value: out, raw: false, span: { start, end: this.pos } };
  }
}

/**
 * Parse an expression into an AST; throws RuleSyntaxError with the position, or RuleLimitError
 * when the expression is longer or nests deeper than `opts.limits` allow (checked before any
 * recursion, so no expression can overflow the stack).
 */
export function parse(expression: string, opts: ParseOptions = {}): Ast {
  if (typeof expression !== 'string') throw new TypeError('parse(expression): expression must be a string');
  const limits = limitsOf(opts.limits);
  if (expression.length > limits.expressionLength) throw new RuleLimitError(MSG.expressionTooLong(expression.length, limits.expressionLength), expression, { start: limits.expressionLength, end: expression.length });
  return new Parser(expression, limits.nesting).parse();
}
