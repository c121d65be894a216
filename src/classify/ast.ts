/** AST of a Rules-language expression. Every node carries its source span. */
import type { SourceSpan } from './errors.js';
import type { RuleType } from './types.js';
import type { Glob, Regex } from './regex/index.js';

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'contains' | 'matches' | 'wildcard' | 'strict wildcard' | 'in' | 'bitand';
export type LogicalOp = 'and' | 'or' | 'xor';

export interface StringLit {
  type: 'string';
  value: string;
  raw: boolean;
  span: SourceSpan;
}
/** An unquoted literal (int, IP, CIDR, byte string); typed by `check` from the left side. */
export interface BareLit {
  type: 'bare';
  text: string;
  span: SourceSpan;
}
export interface RangeLit {
  type: 'range';
  lo: BareLit;
  hi: BareLit;
  span: SourceSpan;
}
export type Literal = StringLit | BareLit;
export interface SetLit {
  type: 'set';
  items: (Literal | RangeLit)[];
  span: SourceSpan;
}
export interface ListRef {
  type: 'list';
  name: string;
  span: SourceSpan;
}

export interface FieldRef {
  type: 'field';
  name: string;
  span: SourceSpan;
  vtype?: RuleType;
}
export interface Call {
  type: 'call';
  name: string;
  args: (Value | Literal)[];
  span: SourceSpan;
  vtype?: RuleType;
  /** Set by check: the result is element-wise over a `[*]` in the first argument. */
  each?: boolean;
  /** Set by check for regex_replace: its literal pattern, compiled once. */
  regex?: Regex;
}
export interface IndexExpr {
  type: 'index';
  target: Value;
  /** number = array position, string = map key, '*' = map-each */
  index: number | string | '*';
  span: SourceSpan;
  vtype?: RuleType;
  each?: boolean;
}
export type Value = FieldRef | Call | IndexExpr;

export interface Compare {
  type: 'compare';
  lhs: Value;
  op: CompareOp;
  /** The operator as written (`==`, `eq`, `~`), for canonical printing and messages. */
  opText: string;
  opSpan: SourceSpan;
  rhs: Literal | SetLit | ListRef;
  span: SourceSpan;
  each?: boolean;
  /** Set by check: the right side as a typed constant. */
  checked?: CheckedRhs;
}

/** The right side of a comparison after type checking. */
export type CheckedRhs =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'ip'; value: number | bigint }
  | { kind: 'regex'; source: string; flags: string; regex?: Regex }
  | { kind: 'wildcard'; pattern: string; caseInsensitive: boolean; glob: Glob }
  | { kind: 'stringSet'; values: string[] }
  | { kind: 'intSet'; values: number[]; ranges: [number, number][] }
  | { kind: 'ipSet'; items: string[] }
  | { kind: 'list'; name: string };
/** A Bool value used as a condition: `ssl`, `starts_with(...)`, `any(...)`. */
export interface BoolValue {
  type: 'bool';
  value: Value;
  span: SourceSpan;
  each?: boolean;
}
export interface Not {
  type: 'not';
  arg: Expr;
  span: SourceSpan;
}
export interface Logical {
  type: 'logical';
  op: LogicalOp;
  args: Expr[];
  span: SourceSpan;
}
/** `any(x[*] == "a")` / `all(...)`: true when the element-wise body holds for any/all elements. */
export interface Quantifier {
  type: 'quantifier';
  q: 'any' | 'all';
  body: Expr;
  span: SourceSpan;
}
export type Expr = Logical | Not | Compare | BoolValue | Quantifier;

/** A parsed expression: the tree plus the text it came from (errors quote it). */
export interface Ast {
  expression: string;
  root: Expr;
}
