/**
 * The cell compiler: TypeScript cell source -> one JavaScript script the runtime evaluates.
 *
 * Phases: parse (a cell that is plain JavaScript is parsed by acorn and never touches the
 * TypeScript compiler; otherwise `ts.transpileModule` strips the types, without a type check:
 * that runs in the background checker) -> rewrite top-level statements -> wrap. Rewriting makes a notebook behave
 * like one growing program while every cell can be re-run:
 * - top-level `const`/`let`/`var`/`function`/`class` become globals (a re-run redefines them
 *   instead of failing with "already declared"),
 * - `import` declarations and `import()` calls go through the kernel's resolver (`__nrb.import`),
 *   which finds packages from the working directory first, then the kernel's own install, and
 *   loads ESM-only packages,
 * - the last expression statement becomes the cell's value (`return [(expr)]`),
 * - a cell with top-level `await` is wrapped in an async function, every other cell in a plain
 *   function so a synchronous loop stays interruptible by SIGINT.
 * The wrapper runs in sloppy mode on purpose: assigning an undeclared name creates the global.
 */
import * as acorn from 'acorn';
import { ts } from './typescript.js';

export interface CompiledCell {
  /** The script to evaluate; evaluates to `undefined | [value]` or a promise of it. */
  script: string;
  async: boolean;
  /** Top-level names the cell defines. */
  names: string[];
}

export interface CellSyntaxError {
  message: string;
  /** 1-based line and column in the cell. */
  line: number;
  column: number;
}

export class CellCompileError extends Error {
  override name = 'SyntaxError';
  constructor(readonly errors: CellSyntaxError[]) {
    super(errors.map((e) => `(${e.line},${e.column}): ${e.message}`).join('\n'));
  }
}

/** Name of the runtime helper object on globalThis the compiled code calls. */
export const RUNTIME_GLOBAL = '__nrb';

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(source: string, edits: Edit[]): string {
  // At one position, insertions come before a replacement that starts there (the last
  // expression's `return [(` goes in front of an await's `(yield `); otherwise edits keep the
  // order they were made in.
  const sorted = edits
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => a.start - b.start || Number(a.end > a.start) - Number(b.end > b.start) || a.i - b.i);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error(`internal: overlapping cell rewrite at ${e.start}`);
    out += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + source.slice(at);
}

const PARSE: acorn.Options = { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, allowHashBang: true, preserveParens: true };

function parseJs(js: string): acorn.Program | null {
  try {
    return acorn.parse(js, PARSE);
  } catch {
    return null;
  }
}

/** Strip types with TypeScript; syntax errors throw CellCompileError with positions in the cell. */
function transpile(code: string): string {
  const t = ts();
  const out = t.transpileModule(code, {
    fileName: 'cell.ts',
    reportDiagnostics: true,
    compilerOptions: {
      module: t.ModuleKind.ESNext,
      target: t.ScriptTarget.ES2022,
      // Keep every import: a cell that only imports is how a notebook loads a package.
      verbatimModuleSyntax: true,
      experimentalDecorators: true,
      jsx: t.JsxEmit.React,
      sourceMap: false,
      removeComments: false,
    },
  });
  const syntax = (out.diagnostics ?? []).filter((d) => d.category === t.DiagnosticCategory.Error);
  if (syntax.length > 0) {
    const src = t.createSourceFile('cell.ts', code, t.ScriptTarget.ES2022, false, t.ScriptKind.TS);
    throw new CellCompileError(
      syntax.map((d) => {
        const lc = d.start !== undefined ? src.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
        return { message: t.flattenDiagnosticMessageText(d.messageText, '\n'), line: lc.line + 1, column: lc.character + 1 };
      }),
    );
  }
  return out.outputText;
}

/** Compile a cell: JavaScript cells directly, TypeScript cells through the transpiler. */
export function compileCell(code: string): CompiledCell {
  const direct = parseJs(code);
  if (direct) return rewrite(code, direct);
  const js = transpile(code);
  const program = parseJs(js);
  if (!program) throw new CellCompileError([{ message: 'the transpiled cell is not valid JavaScript', line: 1, column: 1 }]);
  return rewrite(js, program);
}

type AnyNode = acorn.AnyNode;

function isNode(v: unknown): v is AnyNode {
  return v !== null && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string';
}

function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'range') continue;
    if (Array.isArray(value)) for (const v of value) isNode(v) && out.push(v);
    else if (isNode(value)) out.push(value);
  }
  return out;
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'StaticBlock', 'PropertyDefinition']);

function patternNames(p: acorn.Pattern): string[] {
  switch (p.type) {
    case 'Identifier':
      return [p.name];
    case 'ObjectPattern':
      return p.properties.flatMap((prop) => (prop.type === 'RestElement' ? patternNames(prop.argument) : patternNames(prop.value)));
    case 'ArrayPattern':
      return p.elements.flatMap((e) => (e ? patternNames(e) : []));
    case 'RestElement':
      return patternNames(p.argument);
    case 'AssignmentPattern':
      return patternNames(p.left);
    default:
      return [];
  }
}

/** Rewrite parsed JavaScript (exported for tests). */
export function rewrite(js: string, program: acorn.Program = acorn.parse(js, PARSE)): CompiledCell {
  const edits: Edit[] = [];
  const hoisted: string[] = [];
  const names = new Set<string>();
  let isAsync = false;
  // Top-level awaits become `yield`s of a generator the runtime drives (`__nrb.run`), so every
  // resumption after an await runs inside a SIGINT-interruptible vm call. `for await` has no
  // generator equivalent: such cells stay native async functions.
  const hasForAwait = (node: AnyNode, inFunction: boolean): boolean =>
    (!inFunction && node.type === 'ForOfStatement' && node.await) || children(node).some((c) => hasForAwait(c, inFunction || FUNCTION_TYPES.has(node.type)));
  const generator = !program.body.some((st) => hasForAwait(st, false));
  const awaitText = (expr: string) => (generator ? `(yield ${expr})` : `await ${expr}`);
  let importCounter = 0;
  const R = RUNTIME_GLOBAL;

  // Top-level await (outside any function) and import() calls anywhere.
  const visit = (node: AnyNode, inFunction: boolean): void => {
    if (!inFunction && (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node.await))) isAsync = true;
    if (!inFunction && generator && node.type === 'AwaitExpression') {
      edits.push({ start: node.start, end: node.argument.start, text: '(yield ' });
      edits.push({ start: node.end, end: node.end, text: ')' });
    }
    if (node.type === 'ImportExpression') edits.push({ start: node.start, end: node.start + 'import'.length, text: `${R}.import` });
    const fn = inFunction || FUNCTION_TYPES.has(node.type);
    for (const c of children(node)) visit(c, fn);
  };

  const body = program.body;
  const last = body[body.length - 1];
  const returnValue = (e: AnyNode) => {
    edits.push({ start: e.start, end: e.start, text: ';return [(' });
    edits.push({ start: e.end, end: e.end, text: ')]' });
  };

  const declaration = (d: AnyNode): void => {
    if (d.type === 'VariableDeclaration') {
      const first = d.declarations[0];
      if (!first) return;
      edits.push({ start: d.start, end: first.start, text: ';' });
      for (const decl of d.declarations) {
        for (const n of patternNames(decl.id)) names.add(n);
        const pattern = decl.id.type !== 'Identifier';
        if (pattern) edits.push({ start: decl.id.start, end: decl.id.start, text: '(' });
        if (!decl.init && decl.id.type === 'Identifier') {
          // `var x;` keeps an existing value (var semantics); `let x;` resets it.
          edits.push({ start: decl.id.end, end: decl.id.end, text: d.kind === 'var' ? ` = globalThis[${JSON.stringify(decl.id.name)}]` : ' = undefined' });
        }
        if (pattern) edits.push({ start: decl.end, end: decl.end, text: ')' });
      }
      return;
    }
    if (d.type === 'FunctionDeclaration' && d.id) {
      names.add(d.id.name);
      hoisted.push(`globalThis[${JSON.stringify(d.id.name)}] = ${d.id.name};`);
      return;
    }
    if (d.type === 'ClassDeclaration' && d.id) {
      names.add(d.id.name);
      edits.push({ start: d.start, end: d.start, text: `;${d.id.name} = ` });
      edits.push({ start: d.end, end: d.end, text: ';' });
    }
  };

  for (const st of body) {
    if (st.type === 'ImportDeclaration') {
      isAsync = true;
      const load = awaitText(`${R}.import(${JSON.stringify(String(st.source.value))})`);
      if (st.specifiers.length === 0) {
        edits.push({ start: st.start, end: st.end, text: `${load};` });
        continue;
      }
      const tmp = `__nrb_m${importCounter++}`;
      const parts: string[] = [`const ${tmp} = ${load};`];
      for (const sp of st.specifiers) {
        const local = sp.local.name;
        names.add(local);
        if (sp.type === 'ImportDefaultSpecifier') parts.push(`${local} = ${R}.defaultOf(${tmp});`);
        else if (sp.type === 'ImportNamespaceSpecifier') parts.push(`${local} = ${tmp};`);
        else {
          const imported = sp.imported.type === 'Identifier' ? sp.imported.name : String(sp.imported.value);
          parts.push(imported === 'default' ? `${local} = ${R}.defaultOf(${tmp});` : `${local} = ${tmp}[${JSON.stringify(imported)}];`);
        }
      }
      edits.push({ start: st.start, end: st.end, text: parts.join(' ') });
      continue;
    }
    if (st.type === 'ExportAllDeclaration' || (st.type === 'ExportNamedDeclaration' && !st.declaration)) {
      edits.push({ start: st.start, end: st.end, text: '' });
      continue;
    }
    visit(st, false);
    if (st.type === 'ExportNamedDeclaration' && st.declaration) {
      edits.push({ start: st.start, end: st.declaration.start, text: '' });
      declaration(st.declaration);
      continue;
    }
    if (st.type === 'ExportDefaultDeclaration') {
      const d = st.declaration;
      edits.push({ start: st.start, end: d.start, text: d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration' ? '' : ';' });
      if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id) declaration(d);
      else if (st === last && d.type !== 'FunctionDeclaration' && d.type !== 'ClassDeclaration') returnValue(d);
      continue;
    }
    if (st.type === 'VariableDeclaration' || st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') {
      declaration(st);
      continue;
    }
    if (st === last && st.type === 'ExpressionStatement') returnValue(st.expression);
  }
  const out = applyEdits(js, edits);
  const head = !isAsync ? '(function () {' : generator ? `${R}.run(function* () {` : '(async function () {';
  const tail = isAsync && generator ? '})' : '})()';
  // The leading `;` keeps a cell's "use strict" from becoming the wrapper's directive (strict
  // mode would turn the global assignments above into ReferenceErrors).
  return { script: `${head};${hoisted.join(' ')}\n${out}\n${tail}`, async: isAsync, names: [...names] };
}
