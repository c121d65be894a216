/**
 * The nbformat 4.5 model: typed cells and outputs, read (normalising multi-line strings), a
 * structural validator whose errors name the position (`cells[3].outputs[0].output_type`), and
 * an atomic writer (temp file + rename) so a crash never leaves half a notebook on disk.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NotebookError } from './errors.js';
import type { ToolVersions } from '../../kernel/provenance.js';
import { redactNotebook } from './redact.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = Record<string, unknown>;

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: string;
}
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: Record<string, unknown>;
  metadata: JsonObject;
  /** Not saved: the display_id an update_display_data refers to (kept while running). */
  transient?: { display_id?: string };
}
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: Record<string, unknown>;
  metadata: JsonObject;
}
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** Status of a code cell in a run (cell.metadata.runbook.status). */
export type CellStatus = 'ok' | 'error' | 'timeout' | 'interrupted' | 'skipped';

export interface CellRunInfo {
  status: CellStatus;
  /** Absent only for a failed cell known from its error output, not from a run record (investigation.ts). */
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
}

export interface CellMetadata extends JsonObject {
  tags?: string[];
  runbook?: CellRunInfo;
}

export interface CodeCell {
  id: string;
  cell_type: 'code';
  metadata: CellMetadata;
  source: string;
  execution_count: number | null;
  outputs: Output[];
}
export interface MarkdownCell {
  id: string;
  cell_type: 'markdown';
  metadata: CellMetadata;
  source: string;
  attachments?: JsonObject;
}
export interface RawCell {
  id: string;
  cell_type: 'raw';
  metadata: CellMetadata;
  source: string;
  attachments?: JsonObject;
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface RunbookMeta {
  id: string;
  version: string;
  title: string;
  summary: string;
}

/** Tool name -> version (kernel/provenance.ts probes them, for headless and front-end runs alike). */
export type { ToolVersions };

export interface Investigation {
  runbook: { id: string; version: string; sha256: string };
  parameters: Record<string, JsonValue>;
  startedAt: string;
  finishedAt: string | null;
  status: 'running' | 'ok' | 'failed' | 'interrupted';
  /** Index of the failing cell (cells[]), when status is failed/interrupted. */
  failedCell?: { index: number; id: string; status: CellStatus } | undefined;
  host: string;
  user: string;
  kernel: { name: string; version: string; implementation: string };
  tools: ToolVersions;
  rerunOf?: { path: string; startedAt: string } | undefined;
}

export interface NotebookMetadata extends JsonObject {
  kernelspec?: { name: string; display_name: string; language?: string };
  language_info?: JsonObject;
  runbook?: RunbookMeta;
  investigation?: Investigation;
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: Cell[];
}

const ID_RE = /^[a-zA-Z0-9-_]{1,64}$/;

/** A fresh nbformat 4.5 cell id. */
export function cellId(): string {
  return crypto.randomBytes(6).toString('hex');
}

function joinSource(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('');
  throw new NotebookError(`${where} must be a string or a list of strings`);
}

/** Split into Jupyter's on-disk form: lines that keep their "\n". */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const out = text.split(/(?<=\n)/);
  return out;
}

function isObj(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function normaliseData(data: unknown, where: string): Record<string, unknown> {
  if (!isObj(data)) throw new NotebookError(`${where} must be an object of MIME type -> data`);
  const out: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(data)) {
    // JSON MIME types keep their structure; text types may be stored as a list of lines.
    out[mime] = /json$/.test(mime) ? v : Array.isArray(v) ? joinSource(v, `${where}["${mime}"]`) : v;
  }
  return out;
}

function readOutput(o: unknown, where: string): Output {
  if (!isObj(o)) throw new NotebookError(`${where} must be an object`);
  switch (o.output_type) {
    case 'stream':
      if (o.name !== 'stdout' && o.name !== 'stderr') throw new NotebookError(`${where}.name must be "stdout" or "stderr"`);
      return { output_type: 'stream', name: o.name, text: joinSource(o.text, `${where}.text`) };
    case 'display_data':
      return { output_type: 'display_data', data: normaliseData(o.data, `${where}.data`), metadata: isObj(o.metadata) ? o.metadata : {} };
    case 'execute_result':
      return {
        output_type: 'execute_result',
        execution_count: typeof o.execution_count === 'number' ? o.execution_count : null,
        data: normaliseData(o.data, `${where}.data`),
        metadata: isObj(o.metadata) ? o.metadata : {},
      };
    case 'error':
      return {
        output_type: 'error',
        ename: String(o.ename ?? ''),
        evalue: String(o.evalue ?? ''),
        traceback: Array.isArray(o.traceback) ? o.traceback.map(String) : [],
      };
    default:
      throw new NotebookError(`${where}.output_type ${JSON.stringify(o.output_type)} is not one of stream, display_data, execute_result, error`);
  }
}

/** Parse notebook JSON text into the model; `source` names the file in errors. */
export function parseNotebook(text: string, source = 'notebook'): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NotebookError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObj(raw)) throw new NotebookError(`${source}: the top level must be an object`);
  if (raw.nbformat !== 4) throw new NotebookError(`${source}: nbformat ${JSON.stringify(raw.nbformat)} is not supported (need 4)`);
  if (!Array.isArray(raw.cells)) throw new NotebookError(`${source}: "cells" must be a list`);
  const seen = new Set<string>();
  const cells: Cell[] = raw.cells.map((c: unknown, i: number): Cell => {
    const where = `${source}: cells[${i}]`;
    if (!isObj(c)) throw new NotebookError(`${where} must be an object`);
    let id = typeof c.id === 'string' && ID_RE.test(c.id) && !seen.has(c.id) ? c.id : cellId();
    seen.add(id);
    const metadata = (isObj(c.metadata) ? c.metadata : {}) as CellMetadata;
    const src = joinSource(c.source ?? '', `${where}.source`);
    if (c.cell_type === 'code') {
      const outputs = Array.isArray(c.outputs) ? c.outputs.map((o, j) => readOutput(o, `${where}.outputs[${j}]`)) : [];
      return { id, cell_type: 'code', metadata, source: src, execution_count: typeof c.execution_count === 'number' ? c.execution_count : null, outputs };
    }
    if (c.cell_type === 'markdown' || c.cell_type === 'raw') {
      const cell: MarkdownCell | RawCell = { id, cell_type: c.cell_type, metadata, source: src };
      if (isObj(c.attachments)) cell.attachments = c.attachments;
      return cell;
    }
    id = '';
    throw new NotebookError(`${where}.cell_type ${JSON.stringify(c.cell_type)} is not one of code, markdown, raw`);
  });
  return { nbformat: 4, nbformat_minor: 5, metadata: (isObj(raw.metadata) ? raw.metadata : {}) as NotebookMetadata, cells };
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new NotebookError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseNotebook(text, file);
}

/** Problems found by `validateNotebook`, each naming where. Empty means valid nbformat 4.5. */
export function validateNotebook(nb: Notebook): string[] {
  const errors: string[] = [];
  if (nb.nbformat !== 4) errors.push('nbformat must be 4');
  if (nb.nbformat_minor < 5) errors.push('nbformat_minor must be at least 5 (cell ids)');
  const ids = new Set<string>();
  nb.cells.forEach((c, i) => {
    const at = `cells[${i}]`;
    if (!ID_RE.test(c.id)) errors.push(`${at}.id ${JSON.stringify(c.id)} must match ${ID_RE.source}`);
    if (ids.has(c.id)) errors.push(`${at}.id ${JSON.stringify(c.id)} is not unique`);
    ids.add(c.id);
    if (c.cell_type === 'code') {
      c.outputs.forEach((o, j) => {
        if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && Object.keys(o.data).length === 0) {
          errors.push(`${at}.outputs[${j}].data is empty`);
        }
      });
    }
  });
  const rb = nb.metadata.runbook;
  if (rb) {
    if (!rb.id || !/^[a-z0-9][a-z0-9-]*$/.test(rb.id)) errors.push(`metadata.runbook.id ${JSON.stringify(rb.id)} must be lower-case words joined by "-"`);
    if (!SEMVER_RE.test(rb.version ?? '')) errors.push(`metadata.runbook.version ${JSON.stringify(rb.version)} is not semver (e.g. 1.2.0)`);
    if (!rb.title) errors.push('metadata.runbook.title is missing');
  }
  return errors;
}

export const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function outputToJson(o: Output): JsonObject {
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name, text: splitLines(o.text) };
    case 'display_data':
      return { output_type: 'display_data', data: dataToJson(o.data), metadata: o.metadata };
    case 'execute_result':
      return { output_type: 'execute_result', execution_count: o.execution_count, data: dataToJson(o.data), metadata: o.metadata };
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback };
  }
}

function dataToJson(data: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [mime, v] of Object.entries(data)) out[mime] = typeof v === 'string' && !/json$/.test(mime) ? splitLines(v) : v;
  return out;
}

/** The on-disk JSON form (sorted top-level keys as Jupyter writes them, one-space indent). */
export function serializeNotebook(nb: Notebook): string {
  const cells = nb.cells.map((c) => {
    const base: JsonObject = { cell_type: c.cell_type, id: c.id, metadata: c.metadata, source: splitLines(c.source) };
    if (c.cell_type === 'code') {
      base.execution_count = c.execution_count;
      base.outputs = c.outputs.map(outputToJson);
    } else if (c.attachments) {
      base.attachments = c.attachments;
    }
    return base;
  });
  return `${JSON.stringify({ cells, metadata: nb.metadata, nbformat: 4, nbformat_minor: Math.max(5, nb.nbformat_minor) }, null, 1)}\n`;
}

/**
 * The path prefix of this process's temp files for `file` (`writeFileAtomic` adds a random part
 * and `.tmp`): what the kernel removes if `runbook run` is killed mid-write (kernel/sentinel.ts).
 */
export function atomicTempPrefix(file: string): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.`);
}

/** Write a file atomically: a temp file beside it, fsync, rename. */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${atomicTempPrefix(file)}${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Write a notebook atomically, redacted (src/notebook/redact.ts): no saved notebook keeps a secret. */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, serializeNotebook(redactNotebook(nb)));
}

/** sha256 of the notebook's cells' sources and runbook metadata: what identifies a runbook version. */
export function runbookDigest(nb: Notebook): string {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify(nb.metadata.runbook ?? null));
  for (const c of nb.cells) {
    if (c.metadata.tags?.includes('injected-parameters')) continue;
    h.update(`\0${c.cell_type}\0${c.source}`);
  }
  return h.digest('hex');
}

export function isTagged(cell: Cell, tag: string): boolean {
  return Array.isArray(cell.metadata.tags) && cell.metadata.tags.includes(tag);
}

/** A deep copy (the model is plain JSON). */
export function cloneNotebook(nb: Notebook): Notebook {
  return JSON.parse(JSON.stringify(nb)) as Notebook;
}
