/**
 * A compiled rule: parse -> check -> codegen -> compile, bound to a table's schema. Use
 * `rule(expression, table)` to get one, then `.mask(table)`, `.count(table)` or `.filter(table)`.
 */
import type { ColumnTable } from 'arquero';
import { parse } from './parse.js';
import { check, type CheckOptions, type CheckedAst } from './check.js';
import { codegen, type CodegenOptions } from './codegen.js';
import { compile, foldRow, type CompiledKernel, type Fold, type LazyPredicate } from './compile.js';
import type { Column } from './schema.js';
import type { IpKey } from './ip.js';
import { catalogSchema, schemaKey, type Schema } from './schema.js';
import { fieldColumn, predicateIds, ipKeys, plain, tableSchema, utf8Field } from './columns.js';
import type { Utf8Column } from '../traffic/utf8.js';
import { RuleError } from './errors.js';
import { limitsKey } from './limits.js';
import { bytesTest } from './bytes.js';
import type { Expr } from './ast.js';
import { intern, internedAlready, repetitive } from './interned.js';

export interface RuleOptions extends CheckOptions, CodegenOptions {}

export class Rule {
  readonly expression: string;
  readonly ast: CheckedAst;
  readonly compiled: CompiledKernel;
  /** Options for the one-column sub-expressions of dictionary predicates (same semantics, same lists). */
  private readonly sub: RuleOptions;
  constructor(ast: CheckedAst, compiled: CompiledKernel, opts: RuleOptions = {}) {
    this.expression = ast.expression;
    this.ast = ast;
    this.compiled = compiled;
    this.sub = { dictionary: false, nilNotEqual: opts.nilNotEqual, lists: opts.lists, limits: opts.limits };
  }
  /** Fields the rule reads. */
  get fields(): readonly string[] {
    return this.ast.fields;
  }
  /** The generated kernel source (for inspection). */
  get source(): string {
    return this.compiled.kernel.source;
  }
  /** 1 for each row (in table order) the expression matches, else 0. */
  mask(table: ColumnTable): Uint8Array {
    const t = plain(table);
    const plan = this.plan(t);
    if (plan.kind === 'kernel') return this.compiled.run(plan.cols, plan.ips, t.numRows(), plan.ids, plan.dicts, plan.lazy);
    const { ids, per, onNull } = plan;
    const n = ids.length;
    const out = new Uint8Array(n);
    if (onNull === 0) {
      for (let i = 0; i < n; i++) {
        const id = ids[i] as number;
        if (id >= 0) out[i] = per[id] as number;
      }
    } else
      for (let i = 0; i < n; i++) {
        const id = ids[i] as number;
        out[i] = id < 0 ? onNull : (per[id] as number);
      }
    return out;
  }

  /**
   * The rows this expression matches as a bitset: bit i of word i >> 5 (32 rows a word), the
   * same rows as `mask`, packed without a byte per row in between where the expression is
   * answered per distinct value.
   */
  bits(table: ColumnTable): Uint32Array {
    const t = plain(table);
    const plan = this.plan(t);
    const n = t.numRows();
    if (plan.kind === 'kernel') return packBits(this.compiled.run(plan.cols, plan.ips, n, plan.ids, plan.dicts, plan.lazy), n);
    const { ids, per, onNull } = plan;
    // the answer per id shifted by one, so a missing id (-1) reads slot 0: no branch per row
    const shifted = new Uint8Array(per.length + 1);
    shifted[0] = onNull === 0 ? 0 : 1;
    for (let k = 0; k < per.length; k++) shifted[k + 1] = per[k] === 0 ? 0 : 1;
    const out = new Uint32Array((n + 31) >>> 5);
    for (let w = 0, i = 0; i < n; w++) {
      let word = 0;
      for (let b = 0; b < 32 && i < n; b++, i++) word |= (shifted[(ids[i] as number) + 1] as number) << b;
      out[w] = word;
    }
    return out;
  }

  /**
   * Score the rows this expression matches straight into `m` (see Fold) in the same pass;
   * returns how many rows were folded in (known-good rows excluded when `m.good` is given).
   * Which rows: those with `m.bit` set in `m.word`.
   */
  fold(table: ColumnTable, m: Fold): number {
    const t = plain(table);
    const plan = this.plan(t);
    if (plan.kind === 'kernel') return this.compiled.fold(plan.cols, plan.ips, t.numRows(), plan.ids, plan.dicts, plan.lazy, m);
    return foldSpread(plan, m);
  }

  /** How to evaluate on this table: per distinct value of one column, or the row kernel with its inputs. */
  private plan(t: ColumnTable): Plan {
    const k = this.compiled.kernel;
    const single = k.ipFields.length === 0 && k.fields.length <= 1 && (k.fields.length === 1 || k.dicts.length > 0) ? (k.fields[0] ?? k.dicts[0]?.field) : undefined;
    if (single !== undefined && k.dicts.every((d) => d.field === single)) {
      // The condition is a pure function of one column: evaluate it once per distinct value
      // (user agents, paths and methods repeat a lot) and spread the result over the rows.
      const free = predicateIds(t, single);
      let interned = free;
      if (!interned) {
        const col = fieldColumn(t, single);
        // a number column (a score, a response code) not interned yet: the row kernel reads it
        // as fast as a spread would read ids, so interning it first (a pass with a lookup per
        // row) does not pay; a column something has interned already is spread as before
        const numbers = ArrayBuffer.isView(col) && k.dicts.length === 0;
        if (numbers) interned = internedAlready(col);
        else {
          const sample = Array.prototype.find.call(col, (v: unknown) => v !== null && v !== undefined);
          if (typeof sample !== 'object' && repetitive(col)) interned = intern(col);
        }
      }
      if (interned && interned.ids.length > 0 && (free !== undefined || interned.values.length * 4 < interned.ids.length)) {
        const { ids, values } = interned;
        // dictionary predicates index the same distinct values: ids are 0..m-1 (and -1 for missing)
        const dicts = k.dicts.map((d) => dictionaryResult(t, d.field, d.expression, values, this.sub));
        const seq = identity(values.length);
        const per = this.compiled.run([values], [], values.length, k.dicts.map(() => seq), dicts);
        const onNull = this.compiled.run([[null]], [], 1, k.dicts.map(() => MISSING_ID), dicts)[0] as number;
        return { kind: 'spread', ids, per, onNull };
      }
    }
    const ipOnly = k.fields.length === 0 && k.dicts.length === 0 && k.ipFields.length === 1 ? predicateIds(t, k.ipFields[0] as string) : undefined;
    if (ipOnly) {
      // A test of one address column only (`ip.src in {...}`, an IP list): once per distinct
      // address of its dictionary, spread over the rows, as for other one-column conditions.
      const per = this.compiled.run([], [ipKeys(ipOnly.values as Column)], ipOnly.values.length);
      const onNull = this.compiled.run([], [[null]], 1)[0] as number;
      return { kind: 'spread', ids: ipOnly.ids, per, onNull };
    }
    const cols = k.fields.map((f) => fieldColumn(t, f));
    const ips = k.ipFields.map((f) => ipKeys(fieldColumn(t, f)));
    const ids: (Int32Array | null)[] = [];
    const dicts: Uint8Array[] = [];
    const lazy: LazyPredicate[] = [];
    for (const d of k.dicts) {
      const free = predicateIds(t, d.field);
      if (free) {
        // a dictionary column: its codes are the ids, nothing to read row by row
        ids.push(free.ids);
        dicts.push(dictionaryResult(t, d.field, d.expression, free.values, this.sub));
        lazy.push(UNUSED);
        continue;
      }
      const sameColumn = k.dicts.filter((o) => o.field === d.field).length;
      const others = k.fields.length + k.dicts.length - sameColumn;
      const bytes = others > 0 ? utf8Field(t, d.field) : undefined;
      if (bytes) {
        // near-unique strings still as bytes, next to tests on other columns: decode and test
        // only the rows reached (no memo: values hardly repeat)
        ids.push(null);
        dicts.push(NO_DICT);
        lazy.push(bytesPredicate(t, d.expression, bytes, this.sub));
        continue;
      }
      const col = fieldColumn(t, d.field);
      const known = internedAlready(col);
      if (!known && others > 0 && repetitive(col)) {
        // Tests on a column not interned yet, next to tests on other columns (JA4 after a
        // user-agent test, the query after a static extension): answer per row reached,
        // memoised per distinct value, instead of paying to intern every row up front.
        ids.push(null);
        dicts.push(NO_DICT);
        lazy.push(lazyPredicate(t, d.field, d.expression, col, this.sub));
      } else if (known || repetitive(col)) {
        const interned = intern(col);
        ids.push(interned.ids);
        dicts.push(dictionaryResult(t, d.field, d.expression, interned.values, this.sub));
      } else {
        // Mostly unique values: evaluate per row, through the same kernel code (identity ids).
        ids.push(identity(col.length));
        dicts.push(rowwiseResult(t, d.field, d.expression, col, this.sub));
      }
      if (lazy.length < ids.length) lazy.push(UNUSED);
    }
    return { kind: 'kernel', cols, ips, ids, dicts, lazy };
  }
  count(table: ColumnTable): number {
    const m = this.mask(table);
    let c = 0;
    for (let i = 0; i < m.length; i++) c += m[i] as number;
    return c;
  }
  /** The matching rows as a new table. */
  filter(table: ColumnTable): ColumnTable {
    const t = plain(table);
    const m = this.mask(t);
    const idx: number[] = [];
    for (let i = 0; i < m.length; i++) if (m[i]) idx.push(i);
    return t.reify(idx);
  }
  toString(): string {
    return this.expression;
  }
}

type Plan =
  | { kind: 'spread'; ids: Int32Array; per: Uint8Array; onNull: number }
  | { kind: 'kernel'; cols: Column[]; ips: (IpKey | null)[][]; ids: (Int32Array | null)[]; dicts: Uint8Array[]; lazy: LazyPredicate[] };

/** A 0/1 byte mask of n rows as a bitset (32 rows a word). */
function packBits(mask: Uint8Array, n: number): Uint32Array {
  const out = new Uint32Array((n + 31) >>> 5);
  for (let w = 0, i = 0; i < n; w++) {
    let word = 0;
    for (let b = 0; b < 32 && i < n; b++, i++) if (mask[i] !== 0) word |= 1 << b;
    out[w] = word;
  }
  return out;
}

/** Fold a per-distinct-value result into the scores (the spread plan's `Rule.fold`). */
function foldSpread(plan: Extract<Plan, { kind: 'spread' }>, m: Fold): number {
  const { ids, per, onNull } = plan;
  const { good, word, bit, into, weight, isMax } = m;
  const n = ids.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if ((id < 0 ? onNull : (per[id] as number)) === 0) continue;
    if (good !== null && good[i] !== 0) continue;
    count++;
    foldRow(word, bit, into, weight, isMax, i);
  }
  m.count = count;
  return count;
}

const cache = new Map<string, Rule>();
let iota = new Int32Array(0);
function identity(n: number): Int32Array {
  if (iota.length < n) iota = Int32Array.from({ length: n }, (_, i) => i);
  return iota.subarray(0, n);
}

/** Row-wise result laid out like a dictionary: [missing case, row 0, row 1, ...]. */
function rowwiseResult(t: ColumnTable, field: string, expression: string, col: ArrayLike<unknown>, opts: RuleOptions): Uint8Array {
  const m = resultCache(t, opts);
  const key = `rows\u0000${field}\u0000${expression}`;
  let r = m.get(key);
  if (!r) {
    const sub = compileRule(expression, tableSchema(t), opts);
    const rows = sub.compiled.run([col], [], col.length);
    r = new Uint8Array(col.length + 1);
    r[0] = sub.compiled.run([[null]], [], 1)[0] as number;
    r.set(rows, 1);
    m.set(key, r);
  }
  return r;
}
const dictCache = new WeakMap<ColumnTable, Map<string, Uint8Array>>();
const nilNotEqualCache = new WeakMap<ColumnTable, Map<string, Uint8Array>>();

/** Per-table cache of sub-expression results for these options (none with named lists: they vary per call). */
function resultCache(t: ColumnTable, opts: RuleOptions): Map<string, Uint8Array> {
  if (opts.lists) return new Map();
  const caches = opts.nilNotEqual ? nilNotEqualCache : dictCache;
  let m = caches.get(t);
  if (!m) caches.set(t, (m = new Map()));
  // bounded: a long session of ad-hoc rules on one table must not grow it without end
  if (m.size >= MAX_CACHED_PER_TABLE) m.clear();
  return m;
}
/** Most cached sub-expression results (and memos) kept per table before the cache starts over. */
const MAX_CACHED_PER_TABLE = 1000;
const NO_DICT = new Uint8Array(0);
const MISSING_ID = Int32Array.of(-1);
const UNUSED: LazyPredicate = () => false;
const lazyCache = new WeakMap<ColumnTable, Map<string, Map<unknown, boolean>>>();

/** A one-field comparison as a test of one value, and its answer for a missing value. */
function scalarTest(t: ColumnTable, expression: string, opts: RuleOptions): { evaluate: (v: unknown) => boolean; onNull: boolean; root: Expr } {
  const sub = compileRule(expression, tableSchema(t), opts);
  const one: unknown[] = [null];
  const args = [one];
  const out1 = new Uint8Array(1);
  const onNull = sub.compiled.run(args, [], 1)[0] === 1;
  const evaluate =
    sub.compiled.scalar() ??
    ((v: unknown): boolean => {
      one[0] = v;
      return sub.compiled.run(args, [], 1, undefined, undefined, undefined, out1)[0] === 1;
    });
  return { evaluate, onNull, root: sub.ast.root };
}

/**
 * A one-field comparison over a UTF-8 column, answered per row on demand: on the row's bytes
 * when the test allows it (lengths, literals, literal-prefix regexes), else row i decoded when
 * reached.
 */
function bytesPredicate(t: ColumnTable, expression: string, col: Utf8Column, opts: RuleOptions): LazyPredicate {
  const { evaluate, onNull, root } = scalarTest(t, expression, opts);
  const onBytes = bytesTest(root, col);
  const missing = col.missing;
  if (onBytes) return (i) => (missing[i] === 1 ? onNull : onBytes(i));
  // Decoding and testing a row costs a microsecond or more (an injection regex after url_decode);
  // the same test comes back for the same rows (the analysis grades a signature's expression
  // after score folded it), so each row's answer is kept: 0 not asked yet, 1 no, 2 yes.
  const answers = opts.lists ? new Uint8Array(col.length) : rowAnswers(col, `${expression}\u0000${opts.nilNotEqual ? 1 : 0}`);
  return (i) => {
    const a = answers[i] as number;
    if (a !== 0) return a === 2;
    const v = col.at(i);
    const r = v === null ? onNull : evaluate(v);
    answers[i] = r ? 2 : 1;
    return r;
  };
}

/** Per UTF-8 column and test, each row's answer so far (see bytesPredicate). */
const answerCache = new WeakMap<Utf8Column, Map<string, Uint8Array>>();
function rowAnswers(col: Utf8Column, key: string): Uint8Array {
  let m = answerCache.get(col);
  if (!m) answerCache.set(col, (m = new Map()));
  let a = m.get(key);
  if (!a) {
    // bounded like the other per-table caches: ad-hoc rules must not grow it without end
    if (m.size >= MAX_CACHED_ANSWERS) m.clear();
    m.set(key, (a = new Uint8Array(col.length)));
  }
  return a;
}
/** Row-answer arrays kept per UTF-8 column (one byte per row each). */
const MAX_CACHED_ANSWERS = 32;

/** A one-field comparison answered per row on demand, memoised per distinct value (cached per table). */
function lazyPredicate(t: ColumnTable, field: string, expression: string, col: ArrayLike<unknown>, opts: RuleOptions): LazyPredicate {
  let m = lazyCache.get(t);
  if (!m) lazyCache.set(t, (m = new Map()));
  if (m.size >= MAX_CACHED_PER_TABLE) m.clear();
  const key = `${field}\u0000${expression}\u0000${opts.nilNotEqual ? 1 : 0}`;
  let memo = opts.lists ? undefined : m.get(key);
  if (!memo) {
    memo = new Map();
    if (!opts.lists) m.set(key, memo);
  }
  const seen = memo;
  const { evaluate, onNull } = scalarTest(t, expression, opts);
  // Memoise while values repeat; a column of near-unique values (cache-busting queries) makes
  // the memo pure overhead, so after 4096 misses at under 50% hits it evaluates directly.
  let lookups = 0;
  let misses = 0;
  let memoise = true;
  return (i) => {
    const v = col[i];
    if (v === null || v === undefined) return onNull;
    if (!memoise) return evaluate(v);
    lookups++;
    let r = seen.get(v);
    if (r === undefined) {
      r = evaluate(v);
      seen.set(v, r);
      if (++misses >= 4096 && misses * 2 > lookups) {
        memoise = false;
        seen.clear();
      }
    }
    return r;
  };
}

/** A one-field comparison evaluated over [missing, ...distinct values] of its column (cached per table). */
function dictionaryResult(t: ColumnTable, field: string, expression: string, values: readonly unknown[], opts: RuleOptions): Uint8Array {
  const m = resultCache(t, opts);
  const key = `${field}\u0000${expression}`;
  let r = m.get(key);
  if (!r) {
    const sub = compileRule(expression, tableSchema(t), opts);
    const arr = [null, ...values];
    r = sub.compiled.run([arr], [], arr.length);
    m.set(key, r);
  }
  return r;
}

/** Compile an expression against a schema (parse, check, codegen, compile). */
export function compileRule(expression: string, schema: Schema, opts: RuleOptions = {}): Rule {
  // named lists that name nothing are no lists (a list reference fails the same way with either):
  // without them the rule, and its per-table results and memos, can be cached
  if (opts.lists !== undefined && Object.keys(opts.lists).length === 0) {
    const { lists: _none, ...rest } = opts;
    opts = rest;
  }
  const key = opts.lists ? '' : `${expression}\u0000${opts.nilNotEqual ? 1 : 0}${opts.dictionary === false ? 0 : 1}\u0000${limitsKey(opts.limits)}\u0000${schemaKey(schema)}`;
  const hit = key ? cache.get(key) : undefined;
  if (hit) return hit;
  const ast = check(parse(expression, opts), schema, opts);
  const r = new Rule(ast, compile(codegen(ast, opts)), opts);
  if (key) {
    if (cache.size > 500) cache.clear();
    cache.set(key, r);
  }
  return r;
}

/** Compile an expression for a table: its fields must be columns of the table (or derivable). */
export function rule(expression: string, table: ColumnTable, opts: RuleOptions = {}): Rule {
  return compileRule(expression, tableSchema(table), opts);
}

/** Which rows match: a 0/1 mask in table order. */
export function matchRows(table: ColumnTable, expression: string, opts: RuleOptions = {}): Uint8Array {
  return rule(expression, table, opts).mask(table);
}

export interface Validation {
  ok: boolean;
  error?: RuleError;
}

/** Check an expression against the full field catalogue (no table needed). */
export function validateRule(expression: string, opts: CheckOptions = {}): Validation {
  try {
    check(parse(expression, opts), catalogSchema(), opts);
    return { ok: true };
  } catch (e) {
    if (e instanceof RuleError) return { ok: false, error: e };
    throw e;
  }
}
