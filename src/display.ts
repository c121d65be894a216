/**
 * The display protocol shared by the kernel and every module that shows something in a notebook.
 *
 * This module imports nothing: the kernel imports it (and nothing else from src/), and all of
 * src/ may import it. Values show themselves through `Symbol.for('Jupyter.display')`; the kernel
 * registers a host under `Symbol.for('netrunbook.display.host')` on globalThis that receives
 * bundles and routes them to the cell that is running. Outside a kernel (CLI, tests) bundles
 * fall back to their text/plain form on stdout.
 */

/** MIME type -> payload (string for text types, JSON-able value for JSON types). */
export type MimeBundle = Record<string, unknown>;

export interface DisplayData {
  data: MimeBundle;
  metadata?: Record<string, unknown>;
}

/** The well-known symbol a value implements to supply its own MIME bundle. */
export const DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;

export interface Displayable {
  [DISPLAY](): MimeBundle | DisplayData;
}

/** What the kernel installs on globalThis[HOST]. */
export interface DisplayHost {
  /** Send display_data (update=false) or update_display_data (update=true). */
  display(message: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean): void;
  /** clear_output for the running cell. */
  clear(wait: boolean): void;
}

export const HOST: unique symbol = Symbol.for('netrunbook.display.host') as never;

/**
 * Markdown text with every `$` outside code written as the entity `&#36;`: front ends that run
 * MathJax (the classic Notebook, nbconvert's HTML, JupyterLab) would otherwise typeset the text
 * between two dollars (a Rules list reference and a regex end anchor) as TeX. The rendered text
 * still reads and copies as `$`. Not `\\$`: nbconvert 6's markdown (mistune 0.8) does not treat
 * `$` as escapable and shows the backslash; every markdown renderer decodes an entity.
 */
export function escapeMathInMarkdown(md: string): string {
  // Fenced blocks and code spans are left alone (an entity there would show); `\\$` is already text.
  return md.replace(/(```[\s\S]*?(?:```|$)|`+[^`]*`+)|(\\?)\$/g, (m, code: string | undefined, bs: string | undefined) => (code ? m : bs ? m : '&#36;'));
}

const MATH_FREE_OPEN = '<div class="tex2jax_ignore mathjax_ignore">\n\n';
const MATH_FREE_CLOSE = '\n\n</div>';

/** The markdown a `mathFreeMarkdown` block was made from (for renderers without MathJax, e.g. exports); other text as it is. */
export function unprotectMarkdown(md: string): string {
  if (!md.startsWith(MATH_FREE_OPEN) || !md.endsWith(MATH_FREE_CLOSE)) return md;
  const inner = md.slice(MATH_FREE_OPEN.length, md.length - MATH_FREE_CLOSE.length);
  return inner.replace(/(```[\s\S]*?(?:```|$)|`+[^`]*`+)|&#36;/g, (m, code: string | undefined) => (code ? m : '$'));
}

/**
 * Markdown whose `$` stay dollars in every front end: escaped (JupyterLab, nbconvert) and inside
 * a block with the MathJax-ignore classes (the classic Notebook's markdown output drops the
 * backslash before MathJax runs); the blank lines keep the inside parsed as markdown.
 */
export function mathFreeMarkdown(md: string): string {
  return `${MATH_FREE_OPEN}${escapeMathInMarkdown(md)}${MATH_FREE_CLOSE}`;
}

/**
 * HTML protected from MathJax: wrapped in an element with the classes MathJax 2
 * (`tex2jax_ignore`, the classic Notebook) and MathJax 3 (`mathjax_ignore`, nbconvert and
 * JupyterLab) skip, when it contains a `$`.
 */
export function ignoreMath(html: string): string {
  return html.includes('$') ? `<div class="tex2jax_ignore mathjax_ignore">${html}</div>` : html;
}

export interface DisplayOptions {
  /** `true` makes a fresh id; a string names the display so it can be updated later. */
  display_id?: string | true;
  metadata?: Record<string, unknown>;
}

export interface DisplayHandle {
  readonly display_id: string | undefined;
  /** Replace what this display shows (needs a display_id). */
  update(value: unknown, metadata?: Record<string, unknown>): void;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as Record<symbol, unknown>)[DISPLAY] === 'function'
  );
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function plainText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  try {
    const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 2);
    return json ?? String(value);
  } catch {
    return String(value);
  }
}

function isJsonable(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

/** The part of an Arquero table shown (duck-typed: this module imports nothing). */
interface TableLike {
  columnNames(): string[];
  numRows(): number;
  objects(options: { limit: number }): Record<string, unknown>[];
}

export function isTableLike(value: unknown): value is TableLike {
  const v = value as Partial<Record<keyof TableLike, unknown>> | null;
  return v !== null && typeof v === 'object' && typeof v.columnNames === 'function' && typeof v.numRows === 'function' && typeof v.objects === 'function';
}

/** Rows of a table shown in a notebook (the caption says how many there are in all). */
export const TABLE_ROWS = 50;

/** An Arquero table: an escaped HTML table and an aligned text table of its first rows. */
export function tableData(table: TableLike, maxRows = TABLE_ROWS): DisplayData {
  const columns = table.columnNames();
  const total = table.numRows();
  const rows = table.objects({ limit: maxRows }).map((r) => columns.map((c) => r[c]));
  const caption = `${total} rows × ${columns.length} columns${total > maxRows ? ` (first ${maxRows})` : ''}`;
  return { data: { 'text/html': htmlTable(columns, rows, { caption }), 'text/plain': `${caption}\n${textTable(columns, rows, maxRows)}` }, metadata: {} };
}

/** Turn any value into the bundle a Jupyter front end shows. */
export function toDisplayData(value: unknown): DisplayData {
  if (isTableLike(value) && !isDisplayable(value)) return tableData(value);
  if (isDisplayable(value)) {
    const out = value[DISPLAY]();
    if (out && typeof out === 'object' && 'data' in out && typeof (out as DisplayData).data === 'object') {
      const dd = out as DisplayData;
      return { data: { ...dd.data }, metadata: { ...(dd.metadata ?? {}) } };
    }
    return { data: { ...(out as MimeBundle) }, metadata: {} };
  }
  const data: MimeBundle = { 'text/plain': plainText(value) };
  if (isJsonable(value)) data['application/json'] = JSON.parse(JSON.stringify(value)) as unknown;
  return { data, metadata: {} };
}

function host(): DisplayHost | undefined {
  return (globalThis as Record<symbol, unknown>)[HOST] as DisplayHost | undefined;
}

let counter = 0;
function freshId(): string {
  counter += 1;
  return `nrb-${process.pid.toString(36)}-${Date.now().toString(36)}-${counter}`;
}

function send(dd: DisplayData, id: string | undefined, update: boolean, extraMeta?: Record<string, unknown>): void {
  const metadata = { ...(dd.metadata ?? {}), ...(extraMeta ?? {}) };
  const h = host();
  if (h) {
    h.display({ data: dd.data, metadata, transient: id ? { display_id: id } : {} }, update);
    return;
  }
  const text = dd.data['text/plain'];
  process.stdout.write(`${typeof text === 'string' ? text : plainText(dd.data)}\n`);
}

function makeHandle(id: string | undefined): DisplayHandle {
  return {
    display_id: id,
    update(value: unknown, metadata?: Record<string, unknown>) {
      if (!id) throw new TypeError('display handle has no display_id: pass { display_id: true } to display() to update it later');
      send(toDisplayData(value), id, true, metadata);
    },
  };
}

function show(dd: DisplayData, opts?: DisplayOptions): DisplayHandle {
  const id = opts?.display_id === true ? freshId() : opts?.display_id;
  send(dd, id, false, opts?.metadata);
  return makeHandle(id);
}

/** A value whose bundle is exactly the given MIME data. */
export function mimeBundle(data: MimeBundle, metadata: Record<string, unknown> = {}): Displayable {
  return { [DISPLAY]: () => ({ data, metadata }) } as Displayable;
}

export interface Display {
  (value: unknown, opts?: DisplayOptions): DisplayHandle;
  html(html: string, opts?: DisplayOptions): DisplayHandle;
  /** `$` is shown as a dollar, not as TeX math, unless `{ math: true }`. */
  markdown(md: string, opts?: MarkdownOptions): DisplayHandle;
  svg(svg: string, opts?: DisplayOptions): DisplayHandle;
  json(value: unknown, opts?: DisplayOptions): DisplayHandle;
  text(text: string, opts?: DisplayOptions): DisplayHandle;
  png(png: Uint8Array | string, opts?: DisplayOptions): DisplayHandle;
  /** Several MIME types at once. */
  bundle(data: MimeBundle, opts?: DisplayOptions): DisplayHandle;
  /** clear_output for the running cell; `wait` clears when the next output arrives. */
  clear(wait?: boolean): void;
  /**
   * A progress bar that updates in place (one display, updated through its display_id):
   * `const p = display.progress("resolvers", 12); ... p.update(5); ... p.done();`.
   * Updates are sent at most every 100 ms (and always for the last one).
   */
  progress(label: string, total: number): Progress;
}

export interface MarkdownOptions extends DisplayOptions {
  /** Keep `$...$` as TeX math (default: every `$` is text). */
  math?: boolean;
}

export interface Progress {
  readonly display_id: string;
  /** Set how much is done (0..total); `note` is shown after the count. */
  update(done: number, note?: string): void;
  /** Show the bar as finished (at total, or where it stopped with `note`). */
  done(note?: string): void;
}

/** The bundle of a progress bar: a <progress> element and a text bar for consoles. */
export function progressData(label: string, done: number, total: number, note?: string): DisplayData {
  const max = Math.max(0, total);
  const value = Math.min(Math.max(0, done), max);
  const pct = max > 0 ? Math.round((value / max) * 100) : 100;
  const width = 30;
  const filled = max > 0 ? Math.round((value / max) * width) : width;
  const text = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${value}/${max} (${pct}%)${note ? ` ${note}` : ''}`;
  const html = `<div class="netrunbook-progress tex2jax_ignore mathjax_ignore"><span>${escapeHtml(label)}</span> <progress value="${value}" max="${max}" style="vertical-align:middle"></progress> <span>${value}/${max} (${pct}%)${note ? ` ${escapeHtml(note)}` : ''}</span></div>`;
  return { data: { 'text/html': html, 'text/plain': text }, metadata: {} };
}

function progress(label: string, total: number): Progress {
  const id = freshId();
  let last = 0;
  let pending: ReturnType<typeof setTimeout> | null = null;
  let state = { done: 0, note: undefined as string | undefined };
  const flush = () => {
    pending = null;
    last = Date.now();
    send(progressData(label, state.done, total, state.note), id, true);
  };
  send(progressData(label, 0, total), id, false);
  return {
    display_id: id,
    update(done, note) {
      state = { done, note };
      if (pending) return;
      const wait = 100 - (Date.now() - last);
      if (wait <= 0) flush();
      else pending = setTimeout(flush, wait);
    },
    done(note) {
      if (pending) clearTimeout(pending);
      state = { done: note === undefined ? total : state.done, note };
      flush();
    },
  };
}

export const display: Display = Object.assign(
  (value: unknown, opts?: DisplayOptions) => show(toDisplayData(value), opts),
  {
    html: (html: string, opts?: DisplayOptions) => show({ data: { 'text/html': ignoreMath(html), 'text/plain': '[HTML]' } }, opts),
    markdown: (md: string, opts?: MarkdownOptions) => show({ data: { 'text/markdown': opts?.math || !md.includes('$') ? md : mathFreeMarkdown(md), 'text/plain': md } }, opts),
    svg: (svg: string, opts?: DisplayOptions) => show({ data: { 'image/svg+xml': svg, 'text/plain': '[SVG]' } }, opts),
    json: (value: unknown, opts?: DisplayOptions) =>
      show({ data: { 'application/json': JSON.parse(JSON.stringify(value ?? null)) as unknown, 'text/plain': plainText(value) } }, opts),
    text: (text: string, opts?: DisplayOptions) => show({ data: { 'text/plain': text } }, opts),
    png: (png: Uint8Array | string, opts?: DisplayOptions) =>
      show({ data: { 'image/png': typeof png === 'string' ? png : Buffer.from(png).toString('base64'), 'text/plain': '[PNG]' } }, opts),
    bundle: (data: MimeBundle, opts?: DisplayOptions) => show({ data: { 'text/plain': plainText(data['text/plain'] ?? '[display]'), ...data } }, opts),
    clear: (wait = false) => {
      const h = host();
      if (h) h.clear(wait);
    },
    progress,
  },
);

export interface TableOptions {
  caption?: string;
  /** Rows beyond this are summarised as "... N more rows". */
  maxRows?: number;
}

/** A small, escaped HTML table: the readable form of step results and summaries. */
export function htmlTable(columns: readonly string[], rows: readonly (readonly unknown[])[], opts: TableOptions = {}): string {
  const max = opts.maxRows ?? 200;
  // Numbers right-aligned, everything else left-aligned (Jupyter's table style right-aligns all).
  const cell = (v: unknown) => `<td style="text-align:${typeof v === 'number' || typeof v === 'bigint' ? 'right' : 'left'}">${escapeHtml(cellText(v))}</td>`;
  const head = `<thead><tr>${columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body = rows.slice(0, max).map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('');
  const more = rows.length > max ? `<tr><td colspan="${columns.length}">… ${rows.length - max} more rows</td></tr>` : '';
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : '';
  return ignoreMath(`<table class="netrunbook">${caption}${head}<tbody>${body}${more}</tbody></table>`);
}

/** One table cell as text: dates as ISO dates, objects as JSON, missing as empty. */
function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString().replace('T', ' ').replace('.000Z', 'Z');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Plain-text table with aligned columns, for text/plain and terminals. */
export function textTable(columns: readonly string[], rows: readonly (readonly unknown[])[], maxRows = 50): string {
  const str = (v: unknown) => cellText(v).replace(/\s+/g, ' ');
  const shown = rows.slice(0, maxRows).map((r) => r.map(str));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...shown.map((r) => (r[i] ?? '').length))));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const lines = [fmt(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...shown.map(fmt)];
  if (rows.length > maxRows) lines.push(`… ${rows.length - maxRows} more rows`);
  return lines.join('\n');
}
