/**
 * The postmortem: an executed runbook exported as a self-contained HTML or Markdown document.
 *
 * Sections: summary (runbook, parameters, when, who), timeline (cell timestamps), the
 * investigation in cell order (markdown cells are the findings, outputs the evidence: tables,
 * charts as images, text), proposed mitigations with their backtest figures, and an appendix of
 * raw tool transcripts. Everything is redacted (secrets) and escaped (attack payloads): markdown
 * is rendered by our own escaping renderer, HTML outputs go through an allow-list sanitiser,
 * SVG charts are sanitised and embedded as base64 `<img>` (which cannot run script), and the page
 * carries a CSP that forbids script outright.
 */
import { escapeHtml } from '../display.js';
import { fence, neutralizeMarkdown, renderInline, renderMarkdown } from './markdown.js';
import type { CodeCell, Notebook, Output } from './nbformat.js';
import { redactText, redactValue } from './redact.js';
import { notebookResults, cellLabel, type TranscriptEntry } from './results.js';
import { sanitizeHtml, svgDataUrl } from './sanitize.js';

export const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";
export type ExportFormat = 'html' | 'markdown';

const MAX_TEXT = 20_000;

function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

/** Terminal colour codes in tracebacks are noise in a document. */
function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
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
  if (typeof o.expression === 'string' && (o.backtest !== undefined || typeof o.action === 'string')) {
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

function fmtFigure(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v <= 1 && v >= 0 ? `${(v * 100).toFixed(1)}%` : v.toFixed(3);
  if (v && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => typeof x !== 'object')
      .map(([k, x]) => `${k} ${fmtFigure(x)}`)
      .join(', ');
  }
  return String(v);
}

function backtestText(b: Record<string, unknown> | undefined): string {
  if (!b) return '';
  return Object.entries(b)
    .map(([k, v]) => `${k}: ${fmtFigure(v)}`)
    .join('; ');
}

interface TimelineEntry {
  index: number;
  label: string;
  startedAt: string;
  durationMs: number;
  status: string;
}

/** What a timeline row calls a cell: its role, its first comment, or the section it is in. */
function stepLabel(nb: Notebook, index: number): string {
  const c = nb.cells[index];
  if (c?.metadata.tags?.includes('parameters')) return 'parameters';
  if (c?.metadata.tags?.includes('injected-parameters')) return 'injected parameters';
  const comment = c ? /^\s*\/\/\s*(?!@param)(.+)$/m.exec(c.source) : null;
  return comment ? (comment[1] as string).trim() : cellLabel(nb, index);
}

function timeline(nb: Notebook): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  nb.cells.forEach((c, index) => {
    const info = c.metadata.runbook;
    if (c.cell_type !== 'code' || !info) return;
    out.push({ index, label: stepLabel(nb, index), startedAt: info.startedAt, durationMs: info.durationMs, status: info.status });
  });
  return out;
}

function transcripts(nb: Notebook): { label: string; t: TranscriptEntry }[] {
  const out: { label: string; t: TranscriptEntry }[] = [];
  for (const r of notebookResults(nb)) for (const t of r.step?.transcript ?? []) out.push({ label: r.label, t });
  return out;
}

function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function summaryRows(nb: Notebook): [string, string][] {
  const rb = nb.metadata.runbook;
  const inv = nb.metadata.investigation;
  const rows: [string, string][] = [];
  if (rb) rows.push(['Runbook', `${rb.id} ${rb.version} — ${rb.title}`]);
  if (inv) {
    rows.push(['Runbook digest', `sha256:${inv.runbook.sha256}`]);
    rows.push(['Status', inv.status + (inv.failedCell ? ` (cell ${inv.failedCell.index + 1}: ${inv.failedCell.status})` : '')]);
    rows.push(['Started', inv.startedAt]);
    if (inv.finishedAt) rows.push(['Finished', `${inv.finishedAt} (${fmtDuration(Date.parse(inv.finishedAt) - Date.parse(inv.startedAt))})`]);
    rows.push(['Run by', `${inv.user}@${inv.host}`]);
    rows.push(['Kernel', `${inv.kernel.implementation} ${inv.kernel.version} (${inv.kernel.name})`]);
    const tools = Object.entries(inv.tools ?? {}).map(([k, v]) => `${k} ${v}`);
    if (tools.length) rows.push(['Tools', tools.join('; ')]);
    if (inv.rerunOf) rows.push(['Re-run of', `${inv.rerunOf.path} (started ${inv.rerunOf.startedAt})`]);
  }
  return rows;
}

function params(nb: Notebook): [string, string][] {
  const p = nb.metadata.investigation?.parameters ?? {};
  return Object.entries(redactValue(p)).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

// ---- HTML ---------------------------------------------------------------------------------------

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d2330}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #d8dde6;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}td,th{border:1px solid #d8dde6;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f4f8}pre{background:#f6f8fa;padding:.7em;overflow:auto;font-size:12px;white-space:pre-wrap;word-break:break-all}
code{font-family:ui-monospace,Menlo,Consolas,monospace}.status-ok{color:#17803d}.status-error,.status-timeout,.status-interrupted{color:#b42318;font-weight:bold}
.cell{margin:1em 0}.output{margin:.4em 0 .8em 1em}.error pre{background:#fdecec}img.chart{max-width:100%;height:auto;border:1px solid #eef0f4}
details summary{cursor:pointer;color:#4a5568}.muted{color:#667085}.kv th{width:12em}
`;

function kvTable(rows: [string, string][]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

function outputHtml(o: Output): string {
  switch (o.output_type) {
    case 'stream':
      return `<pre class="stream ${o.name}">${escapeHtml(clip(redactText(stripAnsi(o.text))))}</pre>`;
    case 'error':
      return `<div class="error"><pre>${escapeHtml(clip(redactText(stripAnsi([`${o.ename}: ${o.evalue}`, ...o.traceback].join('\n')))))}</pre></div>`;
    case 'display_data':
    case 'execute_result': {
      const d = o.data;
      const svg = d['image/svg+xml'];
      if (typeof svg === 'string') return `<img class="chart" alt="chart" src="${svgDataUrl(svg)}">`;
      const png = d['image/png'];
      if (typeof png === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(png)) return `<img class="chart" alt="chart" src="data:image/png;base64,${png.replace(/\s+/g, '')}">`;
      const html = d['text/html'];
      if (typeof html === 'string') return `<div class="html">${sanitizeHtml(redactText(html))}</div>`;
      const md = d['text/markdown'];
      if (typeof md === 'string') return `<div class="md">${renderMarkdown(redactText(md))}</div>`;
      const text = d['text/plain'];
      if (typeof text === 'string') return `<pre>${escapeHtml(clip(redactText(stripAnsi(text))))}</pre>`;
      if (d['application/json'] !== undefined) return `<pre>${escapeHtml(clip(JSON.stringify(redactValue(d['application/json']), null, 2)))}</pre>`;
      return '';
    }
  }
}

export function exportHtml(nb: Notebook): string {
  const rb = nb.metadata.runbook;
  const title = `Postmortem: ${rb?.title ?? 'investigation'}`;
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(title)}</h1>`);
  if (rb?.summary) parts.push(`<p class="muted">${renderInline(redactText(rb.summary))}</p>`);
  parts.push('<h2 id="summary">Summary</h2>', kvTable(summaryRows(nb)));
  const p = params(nb);
  if (p.length) parts.push('<h3>Parameters</h3>', kvTable(p));

  const tl = timeline(nb);
  if (tl.length) {
    parts.push('<h2 id="timeline">Timeline</h2><table><thead><tr><th>Started (UTC)</th><th>Step</th><th>Duration</th><th>Status</th></tr></thead><tbody>');
    for (const e of tl) {
      parts.push(
        `<tr><td>${escapeHtml(e.startedAt)}</td><td>${escapeHtml(redactText(e.label))}</td><td>${escapeHtml(fmtDuration(e.durationMs))}</td><td class="status-${escapeHtml(e.status)}">${escapeHtml(e.status)}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  parts.push('<h2 id="investigation">Investigation: findings and evidence</h2>');
  nb.cells.forEach((c, i) => {
    if (c.cell_type === 'markdown') {
      parts.push(`<div class="cell markdown">${renderMarkdown(redactText(c.source))}</div>`);
      return;
    }
    if (c.cell_type !== 'code') return;
    const cell = c as CodeCell;
    const status = cell.metadata.runbook?.status;
    const head = `Step ${i + 1}${status ? ` — <span class="status-${escapeHtml(status)}">${escapeHtml(status)}</span>` : ''}`;
    parts.push(`<div class="cell code"><details><summary>${head} (code)</summary><pre><code>${escapeHtml(redactText(cell.source))}</code></pre></details>`);
    parts.push(`<div class="output">${cell.outputs.map(outputHtml).join('\n')}</div></div>`);
  });

  const mits = mitigations(nb);
  if (mits.length) {
    parts.push('<h2 id="mitigations">Proposed mitigations</h2><table><thead><tr><th>Kind</th><th>Expression</th><th>Action</th><th>Backtest</th></tr></thead><tbody>');
    for (const m of mits) {
      parts.push(
        `<tr><td>${escapeHtml(m.kind ?? '')}</td><td><code>${escapeHtml(redactText(m.expression))}</code></td><td>${escapeHtml(m.action ?? '')}</td><td>${escapeHtml(backtestText(m.backtest))}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  const ts = transcripts(nb);
  if (ts.length) {
    parts.push('<h2 id="appendix">Appendix: raw transcripts</h2>');
    for (const { label, t } of ts) {
      const argv = (t.argv ?? []).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
      parts.push(
        `<details><summary><code>${escapeHtml(redactText(argv))}</code> — ${escapeHtml(label)}, exit ${escapeHtml(t.exitCode ?? t.signal ?? '?')}${t.timedOut ? ', timed out' : ''}, ${escapeHtml(fmtDuration(t.durationMs))}</summary>`,
        t.stdout ? `<h4>stdout</h4><pre>${escapeHtml(clip(redactText(t.stdout)))}</pre>` : '',
        t.stderr ? `<h4>stderr</h4><pre>${escapeHtml(clip(redactText(t.stderr)))}</pre>` : '',
        '</details>',
      );
    }
  }
  const generated = `<p class="muted">Generated by netrunbook from an executed runbook. Secrets are redacted; all data is escaped.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head>
<body>
${parts.join('\n')}
${generated}
</body></html>
`;
}

// ---- Markdown -----------------------------------------------------------------------------------

function mdCell(v: string): string {
  return neutralizeMarkdown(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.map(mdCell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

function outputMarkdown(o: Output): string {
  switch (o.output_type) {
    case 'stream':
      return fence(clip(redactText(stripAnsi(o.text))), 'text');
    case 'error':
      return fence(clip(redactText(stripAnsi([`${o.ename}: ${o.evalue}`, ...o.traceback].join('\n')))), 'text');
    case 'display_data':
    case 'execute_result': {
      const d = o.data;
      if (typeof d['image/svg+xml'] === 'string') return `![chart](${svgDataUrl(d['image/svg+xml'])})`;
      if (typeof d['image/png'] === 'string') return `![chart](data:image/png;base64,${d['image/png'].replace(/[^A-Za-z0-9+/=]/g, '')})`;
      if (typeof d['text/markdown'] === 'string') return neutralizeMarkdown(redactText(d['text/markdown']));
      if (typeof d['text/plain'] === 'string') return fence(clip(redactText(stripAnsi(d['text/plain']))), 'text');
      if (d['application/json'] !== undefined) return fence(clip(JSON.stringify(redactValue(d['application/json']), null, 2)), 'json');
      return '';
    }
  }
}

export function exportMarkdown(nb: Notebook): string {
  const rb = nb.metadata.runbook;
  const out: string[] = [`# Postmortem: ${neutralizeMarkdown(rb?.title ?? 'investigation')}`, ''];
  if (rb?.summary) out.push(neutralizeMarkdown(redactText(rb.summary)), '');
  out.push('## Summary', '', mdTable(['', ''], summaryRows(nb)), '');
  const p = params(nb);
  if (p.length) out.push('### Parameters', '', mdTable(['Parameter', 'Value'], p), '');
  const tl = timeline(nb);
  if (tl.length) out.push('## Timeline', '', mdTable(['Started (UTC)', 'Step', 'Duration', 'Status'], tl.map((e) => [e.startedAt, redactText(e.label), fmtDuration(e.durationMs), e.status])), '');
  out.push('## Investigation: findings and evidence', '');
  nb.cells.forEach((c, i) => {
    if (c.cell_type === 'markdown') out.push(neutralizeMarkdown(redactText(c.source)), '');
    if (c.cell_type !== 'code') return;
    const status = c.metadata.runbook?.status;
    out.push(`*Step ${i + 1}${status ? ` — ${status}` : ''}*`, '', fence(redactText(c.source), 'typescript'), '');
    for (const o of (c as CodeCell).outputs) {
      const s = outputMarkdown(o);
      if (s) out.push(s, '');
    }
  });
  const mits = mitigations(nb);
  if (mits.length) {
    out.push('## Proposed mitigations', '', mdTable(['Kind', 'Expression', 'Action', 'Backtest'], mits.map((m) => [m.kind ?? '', redactText(m.expression), m.action ?? '', backtestText(m.backtest)])), '');
  }
  const ts = transcripts(nb);
  if (ts.length) {
    out.push('## Appendix: raw transcripts', '');
    for (const { label, t } of ts) {
      out.push(`### \`${(t.argv ?? []).join(' ').replace(/`/g, "'")}\``.replace(/\n/g, ' '), '', `${neutralizeMarkdown(label)}: exit ${t.exitCode ?? t.signal ?? '?'}${t.timedOut ? ', timed out' : ''}, ${fmtDuration(t.durationMs)}`, '');
      if (t.stdout) out.push(fence(clip(redactText(t.stdout)), 'text'), '');
      if (t.stderr) out.push(fence(clip(redactText(t.stderr)), 'text'), '');
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

export function exportNotebook(nb: Notebook, format: ExportFormat): string {
  return format === 'html' ? exportHtml(nb) : exportMarkdown(nb);
}
