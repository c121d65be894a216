/**
 * The cell compiler: TypeScript cell source -> one JavaScript script the runtime evaluates.
 *
 * Phases: transpile (types stripped by `ts.transpileModule`, no type check: that runs in the
 * background checker) -> rewrite top-level statements -> wrap. Rewriting makes a notebook behave
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
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.i - b.i);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error(`internal: overlapping cell rewrite at ${e.start}`);
    out += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + source.slice(at);
}

/** Transpile a cell; syntax errors throw CellCompileError with positions in the cell. */
export function compileCell(code: string): CompiledCell {
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
  return rewrite(out.outputText);
}

/** Rewrite transpiled JavaScript (exported for tests). */
export function rewrite(js: string): CompiledCell {
  const t = ts();
  const sf = t.createSourceFile('cell.js', js, t.ScriptTarget.ES2022, true, t.ScriptKind.JS);
  const edits: Edit[] = [];
  const hoisted: string[] = [];
  const names = new Set<string>();
  let isAsync = false;
  let importCounter = 0;
  const R = RUNTIME_GLOBAL;

  const bindingNames = (n: import('typescript').BindingName): string[] => {
    if (t.isIdentifier(n)) return [n.text];
    const res: string[] = [];
    for (const el of n.elements) if (!t.isOmittedExpression(el)) res.push(...bindingNames(el.name));
    return res;
  };

  // Find top-level await and dynamic import() anywhere.
  const visit = (node: import('typescript').Node, inFunction: boolean): void => {
    if (!inFunction && (t.isAwaitExpression(node) || (t.isForOfStatement(node) && node.awaitModifier))) isAsync = true;
    if (t.isCallExpression(node) && node.expression.kind === t.SyntaxKind.ImportKeyword) {
      edits.push({ start: node.expression.getStart(sf), end: node.expression.end, text: `${R}.import` });
    }
    const fn = inFunction || t.isFunctionLike(node) || t.isClassStaticBlockDeclaration(node);
    t.forEachChild(node, (c) => visit(c, fn));
  };

  const statements = sf.statements;
  const last = statements[statements.length - 1];
  for (const st of statements) {
    const start = st.getStart(sf);
    if (t.isImportDeclaration(st)) {
      isAsync = true;
      const spec = (st.moduleSpecifier as import('typescript').StringLiteral).text;
      const load = `await ${R}.import(${JSON.stringify(spec)})`;
      const clause = st.importClause;
      if (!clause) {
        edits.push({ start, end: st.end, text: `${load};` });
        continue;
      }
      const tmp = `__nrb_m${importCounter++}`;
      const parts: string[] = [`const ${tmp} = ${load};`];
      if (clause.name) {
        names.add(clause.name.text);
        parts.push(`${clause.name.text} = ${R}.defaultOf(${tmp});`);
      }
      const nb = clause.namedBindings;
      if (nb && t.isNamespaceImport(nb)) {
        names.add(nb.name.text);
        parts.push(`${nb.name.text} = ${tmp};`);
      } else if (nb) {
        for (const el of nb.elements) {
          const local = el.name.text;
          const imported = el.propertyName ? el.propertyName.text : local;
          names.add(local);
          parts.push(imported === 'default' ? `${local} = ${R}.defaultOf(${tmp});` : `${local} = ${tmp}[${JSON.stringify(imported)}];`);
        }
      }
      edits.push({ start, end: st.end, text: parts.join(' ') });
      continue;
    }
    if (t.isExportDeclaration(st)) {
      edits.push({ start, end: st.end, text: '' });
      continue;
    }
    visit(st, false);
    if (t.isVariableStatement(st)) {
      const list = st.declarationList;
      const isVar = (list.flags & (t.NodeFlags.Let | t.NodeFlags.Const)) === 0;
      const first = list.declarations[0];
      if (!first) continue;
      edits.push({ start, end: first.getStart(sf), text: ';' });
      list.declarations.forEach((d, i) => {
        for (const n of bindingNames(d.name)) names.add(n);
        const pattern = !t.isIdentifier(d.name);
        if (pattern) edits.push({ start: d.name.getStart(sf), end: d.name.getStart(sf), text: '(' });
        if (!d.initializer) {
          const name = d.name.getText(sf);
          // `var x;` keeps an existing value (var semantics); `let x;` resets it.
          edits.push({ start: d.name.end, end: d.name.end, text: isVar ? ` = globalThis[${JSON.stringify(name)}]` : ' = undefined' });
        }
        if (pattern) edits.push({ start: d.end, end: d.end, text: ')' });
        void i;
      });
      continue;
    }
    if (t.isFunctionDeclaration(st) && st.name) {
      names.add(st.name.text);
      hoisted.push(`globalThis[${JSON.stringify(st.name.text)}] = ${st.name.text};`);
      const mods = st.modifiers?.filter((m) => m.kind === t.SyntaxKind.ExportKeyword || m.kind === t.SyntaxKind.DefaultKeyword) ?? [];
      for (const m of mods) edits.push({ start: m.getStart(sf), end: m.end, text: '' });
      continue;
    }
    if (t.isClassDeclaration(st) && st.name) {
      names.add(st.name.text);
      const mods = st.modifiers?.filter((m) => m.kind === t.SyntaxKind.ExportKeyword || m.kind === t.SyntaxKind.DefaultKeyword) ?? [];
      for (const m of mods) edits.push({ start: m.getStart(sf), end: m.end, text: '' });
      const classKw = st.getChildren(sf).find((c) => c.kind === t.SyntaxKind.ClassKeyword);
      const at = classKw ? classKw.getStart(sf) : start;
      edits.push({ start: at, end: at, text: `;${st.name.text} = ` });
      edits.push({ start: st.end, end: st.end, text: ';' });
      continue;
    }
    if (t.isExportAssignment(st)) {
      edits.push({ start, end: st.expression.getStart(sf), text: ';' });
      if (st === last) {
        edits.push({ start: st.expression.getStart(sf), end: st.expression.getStart(sf), text: 'return [(' });
        edits.push({ start: st.expression.end, end: st.expression.end, text: ')]' });
      }
      continue;
    }
    if (st === last && t.isExpressionStatement(st)) {
      const e = st.expression;
      edits.push({ start: e.getStart(sf), end: e.getStart(sf), text: ';return [(' });
      edits.push({ start: e.end, end: e.end, text: ')]' });
    }
  }
  const body = applyEdits(js, edits);
  const head = isAsync ? '(async function () {' : '(function () {';
  return { script: `${head}${hoisted.join(' ')}\n${body}\n})()`, async: isAsync, names: [...names] };
}
