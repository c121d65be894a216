/**
 * netrunbook/notebook: runbooks as notebooks.
 *
 *  - nbformat 4.5 model: `readNotebook`, `parseNotebook`, `validateNotebook`, `writeNotebook`
 *    (atomic), `serializeNotebook`, `runbookDigest`, types `Notebook`, `Cell`, `Output`, `Investigation`.
 *  - parameters: `parseParameters`, `runbookParameters`, `parseAssignments` (`-p name=value`),
 *    `resolveParameters` (validates by type, `ParameterError` names the parameter), `injectParameters`.
 *  - catalog: `runbooksDir`, `listRunbooks`, `findRunbook` (id or path), `loadRunbook`.
 *  - runner: `runNotebook({ runbook, runbookFile, parameters, out, kernel })`, `progressPrinter`,
 *    `planRerun(saved)` for re-runs. `withInvestigation(nb)`: metadata.investigation from a headless run
 *    or from the kernel's run record (a notebook run in Jupyter); rerun, diff and export read through it. `kernelFactory()` (our kernel over the Jupyter protocol) lives in
 *    src/notebook/kernel.ts, outside the barrel, so importing netrunbook never loads zeromq.
 *  - diff: `diffNotebooks(a, b)` -> `{ parameters, changes: [{ result, path, change, message }] }`, `formatDiff`.
 *  - postmortem: cells call `postmortem.record({...})` (typed sections under POSTMORTEM_MIME),
 *    `postmortem.incident(scored)` (attack window, peak, 5xx and origin shares), `postmortem.fromAnalysis`,
 *    `postmortem.applied / confirm / note` (decisions in the timeline); `bundledPath` finds bundled samples.
 *    `buildPostmortem(nb, { audience })` -> PostmortemDoc, rendered by `renderHtml` / `renderMarkdownDoc`.
 *  - export: `exportHtml`, `exportMarkdown`, `exportMarkdownFiles`, `exportPdf` (headless Chromium),
 *    `writeExport(nb, 'html'|'markdown'|'pdf', out, { audience, inline })` (redacted, escaped, CSP),
 *    `redactText`, `redactValue`, `renderMarkdown`, `sanitizeHtml`, `sanitizeSvg`.
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
export { withInvestigation, runRecordOf } from './investigation.js';
export * from './diff.js';
export * from './export.js';
export { renderMarkdown, renderInline, neutralizeMarkdown } from './markdown.js';
export { sanitizeHtml, sanitizeSvg, svgDataUrl } from './sanitize.js';
export { postmortem, fromAnalysis, mitigationEntry, POSTMORTEM_MIME } from './postmortem/contract.js';
export type { PostmortemSections, PostmortemRecord, TimelineEvent, ImpactFigure, Vector, MitigationEntry, AppliedOptions } from './postmortem/contract.js';
export { incidentFacts, attackSegment, chartStep, type IncidentFacts, type ScoredLike, type TableLike } from './postmortem/incident.js';
export { buildPostmortem, postmortemSections, scrubLocal, type PostmortemDoc, type Audience, type EvidenceItem } from './postmortem/model.js';
export { renderHtml, renderMarkdownDoc, type MarkdownFile } from './postmortem/render.js';
