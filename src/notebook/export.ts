/**
 * The postmortem: an executed runbook exported as a document people send, in three formats from
 * one model (src/notebook/postmortem/model.ts): self-contained HTML, Markdown with its charts as
 * SVG files beside it (or inlined), and PDF printed by headless Chromium.
 *
 * Everything is redacted (secrets) and escaped (attack payloads): markdown is rendered by our own
 * escaping renderer, HTML outputs go through an allow-list sanitiser, SVG charts are sanitised and
 * embedded as base64 `<img>` (which cannot run script), and the page carries a CSP that forbids
 * script outright. The customer audience leaves out code, tracebacks, transcripts, tool versions
 * and local paths.
 */
import { redactNotebook } from './redact.js';
import fs from 'node:fs';
import path from 'node:path';
import type { Notebook } from './nbformat.js';
import { writeFileAtomic } from './nbformat.js';
import { notebookResults } from './results.js';
import { buildPostmortem, type Audience } from './postmortem/model.js';
import { CSP, renderHtml, renderMarkdownDoc, type MarkdownFile } from './postmortem/render.js';
import { htmlToPdf } from './postmortem/pdf.js';

export { CSP };
export type ExportFormat = 'html' | 'markdown' | 'pdf';

export interface ExportOptions {
  audience?: Audience;
  /** Markdown: embed charts as data URIs instead of writing SVG files. */
  inline?: boolean;
  /** Markdown: chart directory relative to the Markdown file. */
  chartDir?: string;
}

export interface Mitigation {
  kind?: string;
  expression: string;
  action?: string;
  description?: string;
  backtest?: Record<string, unknown>;
}

function collectMitigations(value: unknown, into: Map<string, Mitigation>, depth = 0): void {
  if (depth > 6 || !value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collectMitigations(v, into, depth + 1);
    return;
  }
  const o = value as Record<string, unknown>;
  // a proposed mitigation carries a kind or a backtest; an API body (`{ expression, action }` of a
  // lever's rule, or a rule inside `api`) has neither and is not one
  if (typeof o.expression === 'string' && (o.backtest !== undefined || (typeof o.action === 'string' && typeof o.kind === 'string'))) {
    const m: Mitigation = { expression: o.expression };
    if (typeof o.kind === 'string') m.kind = o.kind;
    if (typeof o.action === 'string') m.action = o.action;
    if (typeof o.description === 'string') m.description = o.description;
    if (o.backtest && typeof o.backtest === 'object') m.backtest = o.backtest as Record<string, unknown>;
    into.set(`${m.kind ?? ''}|${m.expression}|${m.action ?? ''}`, m);
    return;
  }
  for (const v of Object.values(o)) collectMitigations(v, into, depth + 1);
}

/** Proposed mitigations found in the JSON outputs (objects with an expression and a backtest). */
export function mitigations(nb: Notebook): Mitigation[] {
  const found = new Map<string, Mitigation>();
  for (const r of notebookResults(nb)) collectMitigations(r.value, found);
  return [...found.values()];
}


export function exportHtml(nb: Notebook, opts: ExportOptions = {}): string {
  // a notebook we did not save ourselves may still hold secrets (in SVG, tables, parameters)
  return renderHtml(buildPostmortem(redactNotebook(nb), { audience: opts.audience ?? 'engineer' }));
}

/** Markdown text and the chart files it links (none with `inline`). */
export function exportMarkdownFiles(nb: Notebook, opts: ExportOptions = {}): { text: string; files: MarkdownFile[] } {
  return renderMarkdownDoc(buildPostmortem(redactNotebook(nb), { audience: opts.audience ?? 'engineer' }), { ...(opts.inline !== undefined ? { inline: opts.inline } : {}), ...(opts.chartDir ? { chartDir: opts.chartDir } : {}) });
}

/** Markdown as one string (charts inlined unless `inline: false`, then links to files you write yourself). */
export function exportMarkdown(nb: Notebook, opts: ExportOptions = {}): string {
  return exportMarkdownFiles(nb, { inline: true, ...opts }).text;
}

export function exportPdf(nb: Notebook, opts: ExportOptions = {}): Promise<Buffer> {
  return htmlToPdf(exportHtml(nb, opts));
}

/** One string (html, inline markdown) for stdout. */
export function exportNotebook(nb: Notebook, format: Exclude<ExportFormat, 'pdf'>, opts: ExportOptions = {}): string {
  return format === 'html' ? exportHtml(nb, opts) : exportMarkdown(nb, opts);
}

/**
 * Write the export to `out` (atomically). Markdown charts go to `<out minus .md>-charts/` beside it
 * unless `inline`. Returns every file written.
 */
export async function writeExport(nb: Notebook, format: ExportFormat, out: string, opts: ExportOptions = {}): Promise<string[]> {
  if (format === 'pdf') {
    const pdf = await exportPdf(nb, opts);
    const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, pdf);
    fs.renameSync(tmp, out);
    return [out];
  }
  if (format === 'html') {
    writeFileAtomic(out, exportHtml(nb, opts));
    return [out];
  }
  const chartDir = opts.chartDir ?? `${path.basename(out).replace(/\.(md|markdown)$/i, '')}-charts`;
  const { text, files } = exportMarkdownFiles(nb, { ...opts, chartDir });
  const written: string[] = [];
  for (const f of files) {
    const target = path.join(path.dirname(out), f.name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    writeFileAtomic(target, f.content);
    written.push(target);
  }
  writeFileAtomic(out, text);
  return [out, ...written];
}
