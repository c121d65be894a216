/**
 * StepResult: what every step returns. Plain JSON fields (`kind`, `ok`, `data`, `error`,
 * `transcript`) so results diff and serialise; the display method is non-enumerable so
 * JSON.stringify and structuredClone see only the evidence.
 *
 * Display bundle: `text/html` (a summary table, then the step's own tables, then the transcript
 * in a <details>), `application/json` (the whole result object: `runbook diff` compares `kind` +
 * `data`), and `text/plain`.
 */
import { DISPLAY, escapeHtml, htmlTable, textTable, type MimeBundle } from '../display.js';
import type { Transcript } from './shell.js';

export type { Transcript } from './shell.js';

export interface StepError {
  /** Stable machine code, e.g. "nxdomain", "timeout", "cert-expired", "refused". */
  code: string;
  message: string;
}

export interface StepResult<T> {
  kind: string;
  ok: boolean;
  data?: T;
  error?: StepError;
  transcript: Transcript[];
}

/** A table a result shows: columns + rows (+ optional caption). */
export interface View {
  caption?: string;
  columns: string[];
  rows: unknown[][];
}

export interface Shown {
  /** One-line headline, e.g. "dig www.example A @127.0.0.1:5353 -> NOERROR, 2 answers". */
  title: string;
  /** Key/value facts for the summary table. */
  summary: [string, unknown][];
  tables?: View[];
}

function transcriptHtml(ts: readonly Transcript[]): string {
  return ts
    .map((t) => {
      const head = `$ ${t.argv.map((a) => (/^[A-Za-z0-9_./:=@,+%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`;
      const meta = `exit ${t.exitCode ?? 'none'}${t.signal ? `, signal ${t.signal}` : ''}${t.timedOut ? ', TIMED OUT' : ''}, ${t.durationMs} ms, started ${t.startedAt}`;
      const out = t.stdout ? `<pre>${escapeHtml(t.stdout.length > 20000 ? `${t.stdout.slice(0, 20000)}\n…` : t.stdout)}</pre>` : '';
      const err = t.stderr ? `<pre class="stderr">${escapeHtml(t.stderr.length > 20000 ? `${t.stderr.slice(0, 20000)}\n…` : t.stderr)}</pre>` : '';
      return `<div><code>${escapeHtml(head)}</code><br><small>${escapeHtml(meta)}</small>${out}${err}</div>`;
    })
    .join('');
}

/** Plain JSON copy of a result (what application/json carries and what diff reads). */
export function resultJson<T>(r: StepResult<T>): { kind: string; ok: boolean; data: T | null; error: StepError | null; transcript: Transcript[] } {
  return JSON.parse(
    JSON.stringify({ kind: r.kind, ok: r.ok, data: r.data ?? null, error: r.error ?? null, transcript: r.transcript }),
  ) as { kind: string; ok: boolean; data: T | null; error: StepError | null; transcript: Transcript[] };
}

/** Build a result and attach its display method. */
export function makeResult<T>(
  kind: string,
  fields: { ok: boolean; data?: T; error?: StepError; transcript: Transcript[] },
  show: (r: StepResult<T>) => Shown,
): StepResult<T> {
  const r: StepResult<T> = { kind, ok: fields.ok, transcript: fields.transcript };
  if (fields.data !== undefined) r.data = fields.data;
  if (fields.error !== undefined) r.error = fields.error;
  Object.defineProperty(r, DISPLAY, {
    enumerable: false,
    value: (): MimeBundle => {
      const s = show(r);
      const status = r.ok ? 'ok' : `FAILED${r.error ? `: ${r.error.code}` : ''}`;
      const summary: [string, unknown][] = [['status', status], ...(r.error ? ([['error', r.error.message]] as [string, unknown][]) : []), ...s.summary];
      const html = [
        `<div class="netrunbook-step" data-kind="${escapeHtml(kind)}" data-ok="${r.ok}">`,
        `<h4>${escapeHtml(s.title)}</h4>`,
        htmlTable(['field', 'value'], summary),
        ...(s.tables ?? []).map((t) => htmlTable(t.columns, t.rows, t.caption ? { caption: t.caption } : {})),
        `<details><summary>transcript (${r.transcript.length} process${r.transcript.length === 1 ? '' : 'es'})</summary>${transcriptHtml(r.transcript)}</details>`,
        '</div>',
      ].join('');
      const text = [
        `${s.title} [${status}]`,
        textTable(['field', 'value'], summary),
        ...(s.tables ?? []).map((t) => `${t.caption ? `${t.caption}\n` : ''}${textTable(t.columns, t.rows)}`),
      ].join('\n\n');
      return { 'text/html': html, 'application/json': resultJson(r), 'text/plain': text };
    },
  });
  return r;
}

/** Error helper. */
export const err = (code: string, message: string): StepError => ({ code, message });
