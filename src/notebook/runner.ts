/**
 * The headless runner: executes a runbook cell by cell through a Jupyter kernel (ours, over the
 * Jupyter protocol), saving the notebook atomically after every cell so a crash, a failing step,
 * a timeout or Ctrl-C never loses completed work.
 *
 * Parameters are validated before the kernel starts. A run stops at the first failing cell, marks
 * it (`metadata.runbook.status`), records `metadata.investigation` (runbook id/version/sha256,
 * parameters, times, host, user, kernel and tool versions) and returns a non-zero status.
 */
import path from 'node:path';
import {
  atomicTempPrefix,
  cloneNotebook,
  runbookDigest,
  writeNotebook,
  type CellStatus,
  type CodeCell,
  type Investigation,
  type JsonValue,
  type Notebook,
  type Output,
} from './nbformat.js';
import { injectParameters, resolveParameters, runbookParameters } from './parameters.js';
import { runHost, toolVersions } from './provenance.js';
import { redactText, redactValue } from './redact.js';

/** An IOPub message as the runner sees it. */
export interface IopubMessage {
  msg_type: string;
  content: Record<string, unknown>;
}

export interface ExecuteOutcome {
  status: 'ok' | 'error' | 'aborted';
  execution_count: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** What the runner needs from a kernel connection (implemented over kernel/client.ts). */
export interface RunnerKernel {
  readonly info: { name: string; version: string; implementation: string };
  execute(code: string, onOutput: (msg: IopubMessage) => void): Promise<ExecuteOutcome>;
  interrupt(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * `orphanTemp`: the prefix of the runner's temp files for the output notebook; a kernel that
 * outlives a killed runner removes them (kill -9 in the middle of a save leaves nobody else).
 */
export type KernelFactory = (opts: { cwd: string; orphanTemp?: string }) => Promise<RunnerKernel>;

export type ProgressEvent =
  | { type: 'start'; runbook: string; version: string; cells: number; out: string }
  | { type: 'cell-start'; index: number; step: number; steps: number; label: string }
  | { type: 'cell-end'; index: number; step: number; steps: number; label: string; status: CellStatus; durationMs: number; error?: string }
  | { type: 'saved'; out: string }
  | { type: 'end'; status: Investigation['status']; durationMs: number };

export interface RunOptions {
  /** The runbook notebook (outputs are ignored). */
  runbook: Notebook;
  /** Where the runbook came from: the kernel runs in its directory, so relative paths in defaults work. */
  runbookFile: string;
  /** Typed parameter values (already parsed from the command line); validated here. */
  parameters: Record<string, JsonValue>;
  /** The executed notebook is written here after every cell. */
  out: string;
  kernel: KernelFactory;
  /** Per-cell timeout (default 10 minutes). */
  cellTimeoutMs?: number;
  progress?: (e: ProgressEvent) => void;
  /** Aborting interrupts the running cell, saves, and ends the run as interrupted. */
  signal?: AbortSignal;
  rerunOf?: { path: string; startedAt: string };
}

export interface RunResult {
  status: Investigation['status'];
  notebook: Notebook;
  out: string;
  failedCell?: Investigation['failedCell'];
}

export const KERNELSPEC = { name: 'runbook', display_name: 'TypeScript (runbook)', language: 'typescript' };

function firstLine(cell: CodeCell, index: number): string {
  if (cell.metadata.tags?.includes('parameters')) return 'parameters';
  if (cell.metadata.tags?.includes('injected-parameters')) return 'injected parameters';
  const c = /^\s*\/\/\s*(?!@param)(.+)$/m.exec(cell.source);
  if (c) return (c[1] as string).trim().slice(0, 70);
  const l = cell.source.split('\n').find((x) => x.trim());
  return (l ?? `cell ${index + 1}`).trim().slice(0, 70);
}

/** Redact secrets from a MIME bundle; images are binary/markup, not text a secret hides in. */
function redactData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(data)) out[mime] = mime.startsWith('image/') ? v : redactValue(v);
  return out;
}

/**
 * The notebook as saved: stream text and tracebacks redacted too (a `curl -v` printed to stdout
 * carries Authorization and Cookie headers). Done at save time because a header line can arrive
 * split across two stream messages.
 */
function redactedForSave(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((c) =>
      c.cell_type !== 'code'
        ? c
        : {
            ...c,
            outputs: c.outputs.map((o): Output =>
              o.output_type === 'stream'
                ? { ...o, text: redactText(o.text) }
                : o.output_type === 'error'
                  ? { ...o, evalue: redactText(o.evalue), traceback: o.traceback.map(redactText) }
                  : o,
            ),
          },
    ),
  };
}

/** Collect IOPub messages into nbformat outputs (streams merged, display updates applied). */
export class OutputCollector {
  readonly outputs: Output[] = [];
  private clearPending = false;
  private readonly byDisplayId = new Map<string, Output[]>();

  constructor(private readonly onChange: () => void = () => {}) {}

  private push(o: Output): void {
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    this.outputs.push(o);
  }

  handle(msg: IopubMessage): void {
    const c = msg.content;
    switch (msg.msg_type) {
      case 'stream': {
        const name = c.name === 'stderr' ? 'stderr' : 'stdout';
        const text = String(c.text ?? '');
        const last = this.outputs[this.outputs.length - 1];
        if (!this.clearPending && last && last.output_type === 'stream' && last.name === name) last.text += text;
        else this.push({ output_type: 'stream', name, text });
        break;
      }
      case 'display_data':
      case 'execute_result': {
        const data = redactData((c.data ?? {}) as Record<string, unknown>);
        const metadata = (c.metadata ?? {}) as Record<string, unknown>;
        const o: Output =
          msg.msg_type === 'display_data'
            ? { output_type: 'display_data', data, metadata }
            : { output_type: 'execute_result', execution_count: typeof c.execution_count === 'number' ? c.execution_count : null, data, metadata };
        this.push(o);
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        if (id) this.byDisplayId.set(id, [...(this.byDisplayId.get(id) ?? []), o]);
        break;
      }
      case 'update_display_data': {
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        for (const o of (id && this.byDisplayId.get(id)) || []) {
          if (o.output_type === 'display_data' || o.output_type === 'execute_result') {
            o.data = redactData((c.data ?? {}) as Record<string, unknown>);
            o.metadata = (c.metadata ?? {}) as Record<string, unknown>;
          }
        }
        break;
      }
      case 'clear_output':
        if (c.wait) this.clearPending = true;
        else this.outputs.length = 0;
        break;
      case 'error':
        this.push({ output_type: 'error', ename: String(c.ename ?? 'Error'), evalue: String(c.evalue ?? ''), traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [] });
        break;
      default:
        return;
    }
    this.onChange();
  }
}

/** Prepare the notebook of a run: clean copy, injected parameters, provenance skeleton. */
export function prepareRun(runbook: Notebook, parameters: Record<string, JsonValue>): Notebook {
  const clean = cloneNotebook(runbook);
  for (const c of clean.cells) {
    delete c.metadata.runbook;
    if (c.cell_type === 'code') {
      c.outputs = [];
      c.execution_count = null;
    }
  }
  delete clean.metadata.investigation;
  const run = injectParameters(clean, parameters);
  run.metadata = { ...run.metadata, kernelspec: KERNELSPEC, language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' } };
  return run;
}

function outcomeError(o: ExecuteOutcome): string {
  return `${o.ename ?? 'Error'}: ${o.evalue ?? ''}`.trim();
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Execute a runbook. Throws only for invalid parameters (before anything runs). */
export async function runNotebook(opts: RunOptions): Promise<RunResult> {
  const specs = runbookParameters(opts.runbook);
  const values = resolveParameters(specs, opts.parameters);
  const nb = prepareRun(opts.runbook, values);
  const rb = nb.metadata.runbook ?? { id: path.basename(opts.runbookFile, '.ipynb'), version: '0.0.0', title: '', summary: '' };
  const started = Date.now();
  const who = runHost();
  const inv: Investigation = {
    runbook: { id: rb.id, version: rb.version, sha256: runbookDigest(opts.runbook) },
    parameters: values,
    startedAt: new Date(started).toISOString(),
    finishedAt: null,
    status: 'running',
    host: who.host,
    user: who.user,
    kernel: { name: KERNELSPEC.name, version: '', implementation: '' },
    tools: {},
    ...(opts.rerunOf ? { rerunOf: opts.rerunOf } : {}),
  };
  nb.metadata.investigation = inv;
  const save = () => {
    writeNotebook(opts.out, redactedForSave(nb));
    opts.progress?.({ type: 'saved', out: opts.out });
  };
  const code = nb.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === 'code' && c.source.trim() !== '');
  opts.progress?.({ type: 'start', runbook: rb.id, version: rb.version, cells: code.length, out: opts.out });
  save();

  const finish = (status: Investigation['status']): RunResult => {
    inv.status = status;
    inv.finishedAt = new Date().toISOString();
    save();
    opts.progress?.({ type: 'end', status, durationMs: Date.now() - started });
    return { status, notebook: nb, out: opts.out, ...(inv.failedCell ? { failedCell: inv.failedCell } : {}) };
  };

  let kernel: RunnerKernel;
  const tools = toolVersions();
  try {
    kernel = await opts.kernel({ cwd: path.dirname(path.resolve(opts.runbookFile)), orphanTemp: atomicTempPrefix(opts.out) });
    inv.tools = await tools;
  } catch (err) {
    inv.failedCell = undefined;
    const r = finish('failed');
    const log = String((err as { log?: unknown }).log ?? '').trim().split('\n').slice(-6).join('\n');
    throw Object.assign(new Error(`could not start the runbook kernel: ${(err as Error).message}${log ? `\n${log}` : ''}\n(the notebook was saved as failed: ${opts.out})`), { userFacing: true, result: r });
  }
  inv.kernel = { name: KERNELSPEC.name, version: kernel.info.version, implementation: kernel.info.implementation };
  const timeoutMs = opts.cellTimeoutMs ?? 600_000;
  let status: Investigation['status'] = 'ok';
  try {
    let step = 0;
    for (const [cell, index] of code) {
      step++;
      const c = cell as CodeCell;
      const label = firstLine(c, index);
      if (opts.signal?.aborted) {
        status = 'interrupted';
        inv.failedCell = { index, id: c.id, status: 'interrupted' };
        break;
      }
      opts.progress?.({ type: 'cell-start', index, step, steps: code.length, label });
      const t0 = Date.now();
      const startedAt = new Date(t0).toISOString();
      let dirty = false;
      const collector = new OutputCollector(() => {
        dirty = true;
      });
      c.outputs = collector.outputs;
      // Periodic saves while a long cell streams output, so a crash keeps partial output.
      const saver = setInterval(() => {
        if (dirty) {
          dirty = false;
          save();
        }
      }, 2000);
      let cellStatus: CellStatus = 'ok';
      let errorText: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      try {
        const exec = kernel.execute(c.source, (m) => collector.handle(m));
        const interruptedBy = new Promise<'timeout' | 'interrupted'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
          onAbort = () => resolve('interrupted');
          opts.signal?.addEventListener('abort', onAbort, { once: true });
        });
        const first = await Promise.race([exec, interruptedBy]);
        if (first === 'timeout' || first === 'interrupted') {
          cellStatus = first;
          errorText = first === 'timeout' ? `cell timed out after ${Math.round(timeoutMs / 1000)} s` : 'interrupted';
          await kernel.interrupt().catch(() => undefined);
          // Give the kernel a moment to report the interruption; its reply ends the cell.
          const settled = await Promise.race([exec.then(() => true, () => true), sleep(5000).then(() => false)]);
          if (!settled) errorText += ' (the kernel did not answer the interrupt)';
          collector.handle({ msg_type: 'error', content: { ename: first === 'timeout' ? 'Timeout' : 'Interrupted', evalue: errorText, traceback: [] } });
        } else {
          c.execution_count = first.execution_count;
          if (first.status !== 'ok') {
            cellStatus = 'error';
            errorText = outcomeError(first);
            if (!collector.outputs.some((o) => o.output_type === 'error')) {
              collector.handle({ msg_type: 'error', content: { ename: first.ename ?? 'Error', evalue: first.evalue ?? '', traceback: first.traceback ?? [] } });
            }
          }
        }
      } catch (err) {
        cellStatus = 'error';
        errorText = (err as Error).message;
        collector.handle({ msg_type: 'error', content: { ename: 'KernelError', evalue: errorText, traceback: [] } });
      } finally {
        clearInterval(saver);
        if (timer) clearTimeout(timer);
        if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
      }
      const t1 = Date.now();
      c.metadata.runbook = { status: cellStatus, startedAt, finishedAt: new Date(t1).toISOString(), durationMs: t1 - t0 };
      opts.progress?.({ type: 'cell-end', index, step, steps: code.length, label, status: cellStatus, durationMs: t1 - t0, ...(errorText ? { error: errorText } : {}) });
      if (cellStatus !== 'ok') {
        inv.failedCell = { index, id: c.id, status: cellStatus };
        status = cellStatus === 'interrupted' ? 'interrupted' : 'failed';
        break;
      }
      save();
    }
  } finally {
    await kernel.shutdown().catch(() => undefined);
  }
  return finish(status);
}

/** Terminal progress lines for a run (stderr). */
export function progressPrinter(write: (s: string) => void = (s) => process.stderr.write(s)): (e: ProgressEvent) => void {
  const color = process.stderr.isTTY && !process.env.NO_COLOR;
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  return (e) => {
    switch (e.type) {
      case 'start':
        write(`runbook ${e.runbook} ${e.version}: ${e.cells} code cells -> ${e.out}\n`);
        break;
      case 'cell-start':
        write(`[${e.step}/${e.steps}] ${e.label} ...\n`);
        break;
      case 'cell-end':
        if (e.status === 'ok') write(`[${e.step}/${e.steps}] ${paint('32', 'ok')} ${secs(e.durationMs)}\n`);
        else write(`[${e.step}/${e.steps}] ${paint('31', e.status.toUpperCase())} in cell ${e.index + 1} (${e.label}) after ${secs(e.durationMs)}: ${e.error ?? ''}\n`);
        break;
      case 'end':
        write(`${e.status === 'ok' ? paint('32', 'done') : paint('31', e.status)} in ${secs(e.durationMs)}\n`);
        break;
      case 'saved':
        break;
    }
  };
}
