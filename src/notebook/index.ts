/**
 * netrunbook/notebook: runbooks as notebooks.
 *
 *  - nbformat 4.5 model: `readNotebook`, `parseNotebook`, `validateNotebook`, `writeNotebook`
 *    (atomic), `serializeNotebook`, `runbookDigest`, types `Notebook`, `Cell`, `Output`, `Investigation`.
 *  - parameters: `parseParameters`, `runbookParameters`, `parseAssignments` (`-p name=value`),
 *    `resolveParameters` (validates by type, `ParameterError` names the parameter), `injectParameters`.
 *  - catalog: `runbooksDir`, `listRunbooks`, `findRunbook` (id or path), `loadRunbook`.
 *  - runner: `runNotebook({ runbook, runbookFile, parameters, out, kernel })`, `progressPrinter`,
 *    `planRerun(saved)` for re-runs. `kernelFactory()` (our kernel over the Jupyter protocol) lives in
 *    src/notebook/kernel.ts, outside the barrel, so importing netrunbook never loads zeromq.
 *  - diff: `diffNotebooks(a, b)` -> `{ parameters, changes: [{ result, path, change, message }] }`, `formatDiff`.
 *  - export: `exportHtml`, `exportMarkdown` (redacted, escaped, CSP), `redactText`, `redactValue`,
 *    `renderMarkdown`, `sanitizeHtml`, `sanitizeSvg`.
 */
export * from './errors.js';
export * from './nbformat.js';
export * from './parameters.js';
export * from './catalog.js';
export * from './provenance.js';
export * from './redact.js';
export * from './results.js';
export * from './runner.js';
export * from './rerun.js';
export * from './diff.js';
export * from './export.js';
export { renderMarkdown, renderInline, neutralizeMarkdown } from './markdown.js';
export { sanitizeHtml, sanitizeSvg, svgDataUrl } from './sanitize.js';
