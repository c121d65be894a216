/**
 * The cell compiler: TypeScript cell source -> one JavaScript script the runtime evaluates.
 *
 * Phases: parse -> transpile -> rewrite top-level statements -> wrap.
 *
 * Every cell is TypeScript and goes through `ts.transpileModule` (types stripped, no type check:
 * that runs in the background checker), with one exception that is exact, not a guess: a cell
 * that acorn parses as JavaScript and that contains no token TypeScript could read differently.
 * The two grammars only disagree on valid JavaScript in two places: a `<` that TypeScript reads
 * as the start of type arguments (`new Set<string>(x)`, `f<T>(x)`, `a<<T>() => T>(b)` are all
 * valid JavaScript comparisons and shifts), and an arrow function's return type inside a
 * conditional (`c ? (x): y => z`). A cell with any token starting with `<`, or with both `?` and
 * `=>`, is transpiled; the rest (most cells: calls, loops, imports) skips loading the 9 MB
 * compiler.
 *
 * Rewriting makes a notebook behave like one growing program while every cell can be re-run:
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
  /** For line i+1 of `script`, the 1-based line of the cell it came from (0: wrapper code). */
  lines: number[];
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
    // A replacement never removes line breaks (an import spanning lines becomes one line plus
    // the breaks), so every line of the result is the same line of the source.
    const removed = source.slice(e.start, e.end).split('\n').length - e.text.split('\n').length;
    out += source.slice(at, e.start) + e.text + '\n'.repeat(Math.max(0, removed));
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

/**
 * Parse `code` as JavaScript if TypeScript would read it the same way (see the header): no
 * token starting with `<` (type arguments), and not both `?` and `=>` (an arrow's return type
 * in a conditional). Anything else returns null and goes through the transpiler.
 */
function parsePlainJs(code: string): acorn.Program | null {
  const tt = acorn.tokTypes;
  let ambiguous = false;
  let question = false;
  let arrow = false;
  let program: acorn.Program;
  try {
    program = acorn.parse(code, {
      ...PARSE,
      onToken: (t) => {
        // `<`, `<<`, `<=`, `<<=` (a template's text may start with `<` too: not an operator).
        if (code.charCodeAt(t.start) === 60 && t.type !== tt.template) ambiguous = true;
        else if (t.type === tt.question) question = true;
        else if (t.type === tt.arrow) arrow = true;
      },
    });
  } catch {
    return null;
  }
  return ambiguous || (question && arrow) ? null : program;
}

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/**
 * The original (0-based) line of the first segment of each generated line of a source map's
 * `mappings`; a line without a segment gets the line before it.
 */
export function mappedLines(mappings: string): number[] {
  const out: number[] = [];
  let srcLine = 0;
  let last = 0;
  for (const lineText of mappings.split(';')) {
    let first: number | null = null;
    for (const seg of lineText.split(',')) {
      if (!seg) continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64.get(ch) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      if (fields.length >= 4) {
        srcLine += fields[2] ?? 0;
        first ??= srcLine;
      }
    }
    last = first ?? last;
    out.push(last);
  }
  return out;
}

/** Strip types with TypeScript; syntax errors throw CellCompileError with positions in the cell. */
function transpile(code: string): { js: string; lines: number[] } {
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
      sourceMap: true,
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
  const map = JSON.parse(out.sourceMapText ?? '{"mappings":""}') as { mappings: string };
  return { js: out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'), lines: mappedLines(map.mappings).map((l) => l + 1) };
}

/** Compile a cell: JavaScript cells directly, TypeScript cells through the transpiler. */
export function compileCell(code: string): CompiledCell {
  const direct = parsePlainJs(code);
  if (direct) return rewrite(code, direct);
  const { js, lines } = transpile(code);
  const program = parseJs(js);
  if (!program) throw new CellCompileError([{ message: 'the transpiled cell is not valid JavaScript', line: 1, column: 1 }]);
  return rewrite(js, program, lines);
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

/**
 * Names the program reads as values outside its import declarations. After transpiling, type
 * positions are gone, so an imported name found here is used at run time. Property keys,
 * member names and labels are not references.
 */
function valueReferences(program: acorn.Program): Set<string> {
  const out = new Set<string>();
  const walk = (node: AnyNode, parent: AnyNode | null): void => {
    if (node.type === 'ImportDeclaration') return;
    if (node.type === 'Identifier') {
      const p = parent;
      const notRef =
        (p?.type === 'MemberExpression' && p.property === node && !p.computed) ||
        (p?.type === 'Property' && p.key === node && !p.computed && !p.shorthand) ||
        ((p?.type === 'MethodDefinition' || p?.type === 'PropertyDefinition') && p.key === node && !p.computed) ||
        ((p?.type === 'LabeledStatement' || p?.type === 'BreakStatement' || p?.type === 'ContinueStatement') && p.label === node) ||
        p?.type === 'MetaProperty' ||
        ((p?.type === 'ExportSpecifier') && p.exported === node && p.local !== node);
      if (!notRef) out.add(node.name);
      return;
    }
    for (const c of children(node)) walk(c, node);
  };
  walk(program, null);
  return out;
}

/** Rewrite parsed JavaScript (exported for tests); `lines` maps js lines to cell lines. */
export function rewrite(js: string, program: acorn.Program = acorn.parse(js, PARSE), lines?: number[]): CompiledCell {
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
  let used: Set<string> | null = null;

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
          used ??= valueReferences(program);
          // ESM semantics: a missing export is an error naming module and export. It is raised
          // here when this cell reads the name; otherwise (the name may be a type-only export,
          // erased from the code) reading it later raises it.
          const args = [local, imported, String(st.source.value)].map((a) => JSON.stringify(a)).join(', ');
          parts.push(imported === 'default' ? `${local} = ${R}.defaultOf(${tmp});` : `${R}.bind(${tmp}, ${args}, ${used.has(local)});`);
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
  const jsLines = js.split('\n').length;
  const map = [0, ...Array.from({ length: jsLines }, (_, i) => lines?.[i] ?? i + 1), 0];
  // The leading `;` keeps a cell's "use strict" from becoming the wrapper's directive (strict
  // mode would turn the global assignments above into ReferenceErrors).
  return { script: `${head};${hoisted.join(' ')}\n${out}\n${tail}`, async: isAsync, names: [...names], lines: map };
}
