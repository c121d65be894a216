/**
 * is_complete: whether a front end should run the code or wait for another line.
 *
 * The TypeScript parser decides: no syntax errors -> complete; errors only at the very end of
 * the input (an unclosed brace, string, template or comment, a dangling operator) -> incomplete,
 * with the indent of the open block; any other syntax error -> invalid.
 */
import { ts } from './typescript.js';

export type IsComplete = { status: 'complete' | 'invalid' } | { status: 'incomplete'; indent: string };

export function isComplete(code: string): IsComplete {
  const t = ts();
  if (code.trim() === '') return { status: 'complete' };
  const sf = t.createSourceFile('cell.ts', code, t.ScriptTarget.ES2022, false, t.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics: readonly import('typescript').DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diags.length === 0) {
    // A trailing backslash or an open line continuation is still "more to come".
    return /\\\s*$/.test(code) ? { status: 'incomplete', indent: '' } : { status: 'complete' };
  }
  const end = code.trimEnd().length;
  const atEnd = diags.every((d) => d.start >= end || isUnterminated(d.code));
  if (!atEnd) return { status: 'invalid' };
  return { status: 'incomplete', indent: indentFor(code) };
}

/** Unterminated string/template/comment/regex are reported at their start, not at the end. */
function isUnterminated(code: number): boolean {
  return code === 1002 || code === 1160 || code === 1010 || code === 1161;
}

function indentFor(code: string): string {
  let depth = 0;
  for (const ch of code) {
    if (ch === '{' || ch === '(' || ch === '[') depth++;
    else if (ch === '}' || ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
  }
  return '  '.repeat(depth);
}
