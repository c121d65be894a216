/**
 * Phase 3: checked AST -> JavaScript source of a vectorized kernel. The kernel is one loop over
 * row indices that reads column arrays directly (`c0[i]`), never row objects:
 *
 *   (c, p, k, rt, n, out) => { const c0 = c[0]; ... for (let i = 0; i < n; i++) out[i] = <cond> ? 1 : 0; }
 *
 * `c` are the bound columns (raw or derived), `p` the parsed-IP views of Ip columns, `k` the
 * constants (regexes, sets) and `rt` the runtime helpers. Missing values are null/undefined and
 * every comparison with them is false (documented behaviour); `nilNotEqual` switches `ne` to the
 * engine default (missing ne x is true).
 */
import type { CheckedAst } from './check.js';
import type { Compare, Expr, IndexExpr, Value, Literal } from './ast.js';
import { IpSet, parseIp } from './ip.js';
import { ClassifyError } from './errors.js';
import { listItems } from './check.js';

export interface CodegenOptions {
  lists?: Readonly<Record<string, readonly (string | number)[]>>;
  /** Engine variant: `missing ne x` is true (default false, as documented). */
  nilNotEqual?: boolean;
  /** Evaluate costly one-column comparisons per distinct value (default true). */
  dictionary?: boolean;
}

export interface Kernel {
  expression: string;
  /** JS source of the kernel body. */
  source: string;
  /** JS source of the scoring variant: rows that match are folded into a `Fold` target. */
  foldSource: string;
  /** For a one-field test: source of `(k, rt, box) => (value) => boolean`; else null. */
  scalarSource: string | null;
  /** Field bound to c[j]. */
  fields: string[];
  /** Ip field whose parsed keys are bound to p[j]. */
  ipFields: string[];
  constants: unknown[];
  /**
   * Dictionary predicates: a comparison that depends on one string column is evaluated once per
   * distinct value of that column; the kernel reads the result as `d[j][x[j][i] + 1]` where
   * `x[j]` are the column's interned ids (-1 = missing, hence +1) and `d[j][0]` the missing case.
   * When the column is not interned yet, `x[j]` is null and `f[j](i)` answers for row i instead
   * (memoised per distinct value, evaluated only for the rows the condition reaches).
   */
  dicts: { field: string; expression: string }[];
}

interface Ctx {
  /** The `[*]` node the current predicate iterates over; it compiles to `e`. */
  source?: IndexExpr;
}

/**
 * The one allocator of the kernel's local names. Every identifier the generated source declares
 * (columns cN, IP views pN, temporaries tN, dictionary parts xN, dN and fN, quantifier predicates
 * qN and their memos) is taken here, so two parts of an expression can never declare the same name.
 */
class Names {
  private readonly taken = new Set<string>(['c', 'p', 'k', 'rt', 'n', 'out', 'x', 'd', 'f', 'm', 'i', 'e', 'box', 'good', 'word', 'bit', 'into', 'weight', 'isMax', 'count']);
  private next = 0;
  /** A fresh name starting with `prefix`. */
  fresh(prefix: string): string {
    let name = `${prefix}${this.next++}`;
    while (this.taken.has(name)) name = `${prefix}${this.next++}`;
    this.taken.add(name);
    return name;
  }
  /** Reserve a name bound to an index (c0 = c[0]); throws if it was taken by another part. */
  exact(name: string): string {
    if (this.taken.has(name)) throw new ClassifyError(`internal: kernel name ${name} declared twice`);
    this.taken.add(name);
    return name;
  }
}

class Gen {
  fields: string[] = [];
  ipFields: string[] = [];
  constants: unknown[] = [];
  readonly names = new Names();
  temps: string[] = [];
  preds: string[] = [];
  /** Expression text (for dictionary sub-expressions) and field types, when known. */
  source = '';
  fieldTypes = new Map<string, string>();
  constructor(readonly opts: CodegenOptions) {}

  col(name: string): string {
    let j = this.fields.indexOf(name);
    if (j < 0) this.names.exact(`c${(j = this.fields.push(name) - 1)}`);
    return `c${j}`;
  }
  ipCol(name: string): string {
    let j = this.ipFields.indexOf(name);
    if (j < 0) this.names.exact(`p${(j = this.ipFields.push(name) - 1)}`);
    return `p${j}`;
  }
  konst(v: unknown): string {
    return `k[${this.constants.push(v) - 1}]`;
  }
  temp(): string {
    const t = this.names.fresh('t');
    this.temps.push(t);
    return t;
  }

  lit(v: unknown): string {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'bigint') return `${v}n`;
    return String(v);
  }

  value(v: Value | Literal, ctx: Ctx): string {
    switch (v.type) {
      case 'string':
        return JSON.stringify(v.value);
      case 'bare':
        return String(Number(v.text.startsWith('0x') || v.text.startsWith('-0x') ? parseInt(v.text, 16) : v.text));
      case 'field':
        return v.vtype?.kind === 'Ip' ? `${this.ipCol(v.name)}[i]` : `${this.col(v.name)}[i]`;
      case 'index': {
        if (ctx.source === v) return 'e';
        if (v.index === '*') return this.value(v.target, ctx);
        const target = this.value(v.target, ctx);
        return typeof v.index === 'number' ? `rt.at(${target}, ${v.index})` : `rt.key(${target}, ${JSON.stringify(v.index)})`;
      }
      case 'call': {
        const args = v.args.map((a, idx) => {
          // regex_replace gets the pattern compiled at check time, never a string to compile per row
          if (v.name === 'regex_replace' && idx === 1) {
            if (!v.regex) throw new ClassifyError('internal: regex_replace pattern was not checked');
            return this.konst(v.regex);
          }
          return this.value(a, ctx);
        });
        const name = v.name === 'to_string' && v.args[0]?.type !== 'string' && v.args[0]?.type !== 'bare' && (v.args[0] as Value).vtype?.kind === 'Ip' ? 'ip_to_string' : v.name;
        return `rt.fn.${name}(${args.join(', ')})`;
      }
    }
  }

  cond(e: Expr, ctx: Ctx): string {
    switch (e.type) {
      case 'logical': {
        const parts = e.args.map((a) => this.cond(a, ctx));
        if (e.op === 'and') return `(${parts.join(' && ')})`;
        if (e.op === 'or') return `(${parts.join(' || ')})`;
        return `(${parts.reduce((acc, p) => `(${acc} !== ${p})`)})`;
      }
      case 'not':
        return `!${this.cond(e.arg, ctx)}`;
      case 'bool': {
        // a Bool column holds true/false, or 0/1 bytes (the behaviour.* flags are Uint8Arrays: a
        // byte a row, where an array of booleans is four and a garbage-collected object)
        const v = this.value(e.value, ctx);
        return e.value.type === 'field' ? `(${v} === true || ${v} === 1)` : `(${v} === true)`;
      }
      case 'quantifier': {
        const source = findSource(e.body);
        if (!source) throw new ClassifyError('internal: quantifier without [*]');
        const arr = this.value(source.target, ctx);
        const body = this.cond(e.body, { source });
        const f = this.names.fresh('q');
        if (!/\[i\]/.test(body) && !/\bi\b/.test(body.replace(/\[i\]/g, ''))) {
          // The body depends on the element only: memoise it per distinct element (header values repeat).
          this.preds.push(`const ${f}m = new Map();`, `const ${f} = (e) => { let r = ${f}m.get(e); if (r === undefined) { r = ${body}; ${f}m.set(e, r); } return r; };`);
        } else this.preds.push(`const ${f} = (e, i) => ${body};`);
        return `rt.${e.q}(${arr}, ${f}, i)`;
      }
      case 'compare':
        return this.compare(e, ctx);
    }
  }

  dicts: { field: string; expression: string }[] = [];

  /** Use a dictionary predicate for costly comparisons (regex, contains, functions) on one string field. */
  dict(e: Compare, ctx: Ctx): string | undefined {
    if (ctx.source || e.each || !this.source) return undefined;
    const fields = new Set<string>();
    let call = false;
    const walk = (v: Value | Literal): void => {
      if (v.type === 'field') fields.add(v.name);
      else if (v.type === 'index') walk(v.target);
      else if (v.type === 'call') {
        call = true;
        v.args.forEach(walk);
      }
    };
    walk(e.lhs);
    if (fields.size !== 1) return undefined;
    // Every test of one string field, or of a function of it (lower, len, ...), or of one key
    // of a map field (a header): per distinct value it is never slower, and on a dictionary
    // column (strings, or maps shared between rows) it reads no row values at all.
    if (e.lhs.type === 'field' && e.lhs.vtype?.kind !== 'Bytes') return undefined;
    const field = [...fields][0] as string;
    let base: Value | Literal = e.lhs;
    for (;;) {
      if (base.type === 'call') base = base.args[0] as Value | Literal;
      else if (base.type === 'index' && base.index !== '*') base = base.target;
      else break;
    }
    const type = this.fieldTypes.get(field) ?? '';
    if (base.type !== 'field' || !(type === 'Bytes' || type.startsWith('Map') || type.startsWith('Array'))) return undefined;
    if (type !== 'Bytes' && !call && e.lhs.type !== 'index') return undefined;
    const expression = this.source.slice(e.span.start, e.span.end);
    let j = this.dicts.findIndex((d) => d.expression === expression);
    if (j < 0) {
      j = this.dicts.push({ field, expression }) - 1;
      for (const part of ['x', 'd', 'f']) this.names.exact(`${part}${j}`);
    }
    return `(x${j} !== null ? d${j}[x${j}[i] + 1] === 1 : f${j}(i))`;
  }

  compare(e: Compare, ctx: Ctx): string {
    const viaDict = this.dict(e, ctx);
    if (viaDict) return viaDict;
    const x = this.value(e.lhs, ctx);
    const chk = e.checked;
    if (!chk) throw new ClassifyError('internal: compare node was not checked');
    const simple = /^[cp]\d+\[i\]$|^e$/.test(x);
    const t = simple ? x : this.temp();
    const bind = simple ? '' : `(${t} = ${x}) != null && `;
    const guard = simple ? `${x} != null && ` : bind;
    // Traffic may put a number, an array or an object where a string belongs: every operator that
    // would call a method on the value or coerce it checks its kind first (never a throw).
    const kindOf = chk.kind === 'string' ? 'string' : chk.kind === 'int' ? 'number' : '';
    const typed = kindOf ? (simple ? `typeof ${x} === '${kindOf}' && ` : `typeof (${t} = ${x}) === '${kindOf}' && `) : guard;
    switch (chk.kind) {
      case 'string':
      case 'int':
      case 'ip': {
        const k = this.lit(chk.value);
        switch (e.op) {
          case 'eq':
            return simple ? `(${x} === ${k})` : `(${bind}${t} === ${k})`;
          case 'ne':
            if (this.opts.nilNotEqual) return simple ? `(${x} !== ${k})` : `((${t} = ${x}) !== ${k})`;
            return `(${guard}${t} !== ${k})`;
          case 'lt':
            return `(${typed}${t} < ${k})`;
          case 'le':
            return `(${typed}${t} <= ${k})`;
          case 'gt':
            return `(${typed}${t} > ${k})`;
          case 'ge':
            return `(${typed}${t} >= ${k})`;
          case 'contains':
            return `(${typed}${t}.includes(${k}))`;
          case 'bitand':
            return `(${typed}(${t} & ${k}) !== 0)`;
          default:
            throw new ClassifyError(`internal: operator ${e.op} with a scalar`);
        }
      }
      case 'regex':
        if (!chk.regex) throw new ClassifyError('internal: regex was not compiled by check');
        return `(${guard}${this.konst(chk.regex)}.test(${t}))`;
      case 'wildcard':
        return `(${simple ? `typeof ${x} === 'string' && ` : `typeof (${t} = ${x}) === 'string' && `}${this.konst(chk.glob)}.test(${t}))`;
      case 'stringSet':
        return `${this.konst(new Set(chk.values))}.has(${x})`;
      case 'intSet':
        if (chk.ranges.length === 0) return `${this.konst(new Set(chk.values))}.has(${x})`;
        return `rt.inInt(${this.konst({ set: new Set(chk.values), ranges: chk.ranges })}, ${x})`;
      case 'ipSet':
        return `${this.konst(IpSet.from(chk.items))}.has(${x})`;
      case 'list': {
        const items = listItems(this.opts.lists, chk.name);
        if (!items) throw new ClassifyError(`list $${chk.name} was not given to codegen`);
        const kind = e.lhs.vtype?.kind;
        if (kind === 'Ip') return `${this.konst(IpSet.from(items.map(String)))}.has(${x})`;
        if (kind === 'Int') return `${this.konst(new Set(items.map(Number)))}.has(${x})`;
        return `${this.konst(new Set(items.map(String)))}.has(${x})`;
      }
    }
  }
}

/** The first `[*]` (whose target is not itself element-wise) under a quantifier body. */
export function findSource(e: Expr): IndexExpr | undefined {
  const fromValue = (v: Value | Literal): IndexExpr | undefined => {
    if (v.type === 'index') {
      const inner = fromValue(v.target);
      if (inner) return inner;
      return v.index === '*' ? v : undefined;
    }
    if (v.type === 'call') {
      const first = v.args[0];
      return first ? fromValue(first) : undefined;
    }
    return undefined;
  };
  if (e.type === 'compare') return fromValue(e.lhs);
  if (e.type === 'bool') return fromValue(e.value);
  return undefined;
}

export function codegen(ast: CheckedAst, opts: CodegenOptions = {}): Kernel {
  const g = new Gen(opts);
  if (opts.dictionary !== false) {
    g.source = ast.expression;
    for (const [name, type] of ast.fieldTypes ?? []) g.fieldTypes.set(name, type);
  }
  const body = g.cond(ast.root, {});
  const prelude = [
    '"use strict";',
    ...g.fields.map((_, j) => `const c${j} = c[${j}];`),
    ...g.ipFields.map((_, j) => `const p${j} = p[${j}];`),
    // each dictionary part's ids, results and lazy test, read once (not per row: a lazy test is a call)
    ...g.dicts.map((_, j) => `const x${j} = x[${j}], d${j} = d[${j}], f${j} = f[${j}];`),
    g.temps.length ? `let ${g.temps.join(', ')};` : '',
    ...g.preds,
  ];
  const lines = [...prelude, `for (let i = 0; i < n; i++) out[i] = ${body} ? 1 : 0;`, 'return out;'].filter(Boolean);
  // The scoring variant (see `Fold`): the same test, folded straight into the row scores.
  const fold = [
    ...prelude,
    'const good = m.good, word = m.word, bit = m.bit, into = m.into, weight = m.weight, isMax = m.isMax;',
    'let count = 0;',
    `for (let i = 0; i < n; i++) { if (!(${body})) continue; if (good !== null && good[i] !== 0) continue; count++; word[i] |= bit; if (isMax) { if (weight > into[i]) into[i] = weight; } else into[i] += weight; }`,
    'm.count = count;',
    'return count;',
  ].filter(Boolean);
  // A one-field test without dictionary parts as a function of one value (lazy per-row answers).
  const scalar =
    g.fields.length === 1 && g.ipFields.length === 0 && g.dicts.length === 0
      ? ['"use strict";', 'const c0 = box;', g.temps.length ? `let ${g.temps.join(', ')};` : '', ...g.preds, `return (v) => { box[0] = v; const i = 0; return ${body} ? true : false; };`].filter(Boolean).join('\n')
      : null;
  return { expression: ast.expression, source: lines.join('\n'), foldSource: fold.join('\n'), scalarSource: scalar, fields: g.fields, ipFields: g.ipFields, constants: g.constants, dicts: g.dicts };
}

/** Exposed for tests: is this text an IP literal? */
export const isIpLiteral = (s: string): boolean => parseIp(s) !== null;
