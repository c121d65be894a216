/**
 * Typed errors of the rules compiler. Each quotes the expression with a caret under the
 * offending position and says how to fix it; `userFacing` makes the CLI print it without a stack.
 */
export interface SourceSpan {
  start: number;
  end: number;
}

export class RuleError extends Error {
  override name = 'RuleError';
  readonly userFacing = true;
  /** 0-based offset in the expression. */
  readonly position: number;
  readonly end: number;
  readonly expression: string;
  readonly reason: string;
  constructor(reason: string, expression: string, span: SourceSpan) {
    super(`${reason}\n${caret(expression, span)}`);
    this.reason = reason;
    this.expression = expression;
    this.position = span.start;
    this.end = Math.max(span.end, span.start + 1);
  }
  /** 1-based column, as humans count. */
  get column(): number {
    return this.position + 1;
  }
  toJSON(): { error: string; message: string; position: number; column: number } {
    return { error: this.name, message: this.reason, position: this.position, column: this.column };
  }
}

/** The expression does not parse (tokens, brackets, operators). */
export class RuleSyntaxError extends RuleError {
  override name = 'RuleSyntaxError';
}
/** It parses but a type does not fit (operator on the wrong type, bad literal). */
export class RuleTypeError extends RuleError {
  override name = 'RuleTypeError';
}
/** A field, function or list that does not exist here. */
export class RuleReferenceError extends RuleError {
  override name = 'RuleReferenceError';
}

/** The expression or a value it meets is over a resource limit (`RuleLimits`); the message names the option that raises it. */
export class RuleLimitError extends RuleError {
  override name = 'RuleLimitError';
}

/** Misuse of the classify API or a bad signature/rules file (not an expression error). */
export class ClassifyError extends Error {
  override name = 'ClassifyError';
  readonly userFacing = true;
}

/** `  at 12: <expr>` plus a caret line; long expressions are windowed around the position. */
export function caret(expression: string, span: SourceSpan): string {
  const oneLine = expression.replace(/[\r\n\t]/g, ' ');
  let from = 0;
  let to = oneLine.length;
  if (oneLine.length > 100) {
    from = Math.max(0, span.start - 50);
    to = Math.min(oneLine.length, from + 100);
  }
  const prefix = from > 0 ? '…' : '';
  const suffix = to < oneLine.length ? '…' : '';
  const width = Math.max(1, Math.min(span.end, to) - span.start);
  const head = `  at column ${span.start + 1}: `;
  return `${head}${prefix}${oneLine.slice(from, to)}${suffix}\n${' '.repeat(head.length + prefix.length + span.start - from)}${'^'.repeat(width)}`;
}
