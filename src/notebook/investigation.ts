/**
 * The one reader of a run's provenance, whichever way the notebook was run.
 *
 * `runbook run` writes `metadata.investigation` and each cell's `metadata.runbook` itself. A
 * notebook stepped through in JupyterLab, the Notebook or nbclient instead carries the kernel's
 * run record (kernel/provenance.ts) as one display output of INVESTIGATION_MIME. `withInvestigation`
 * turns that record into the same metadata (parameters as executed: the parameters cell's
 * defaults, then any injected values, in the order the kernel ran them; tool versions; each
 * cell's timing and status) and drops the record output, so rerun, diff and export read one shape.
 */
import { INVESTIGATION_MIME, type CellRecord, type RunRecord } from '../../kernel/provenance.js';
import { NotebookError } from './errors.js';
import { cloneNotebook, runbookDigest, type CellStatus, type CodeCell, type Investigation, type JsonValue, type Notebook, type Output } from './nbformat.js';
import { parametersCell, parseParameters } from './parameters.js';

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function isCellRecord(v: unknown): v is CellRecord {
  return (
    isObj(v) &&
    typeof v.executionCount === 'number' &&
    typeof v.startedAt === 'string' &&
    typeof v.finishedAt === 'string' &&
    typeof v.durationMs === 'number' &&
    (v.status === 'ok' || v.status === 'error' || v.status === 'interrupted') &&
    (v.cellId === undefined || typeof v.cellId === 'string') &&
    (v.parameters === undefined || (isObj(v.parameters) && typeof v.parameters.source === 'string'))
  );
}

function isRunRecord(v: unknown): v is RunRecord {
  return (
    isObj(v) &&
    v.format === 1 &&
    typeof v.session === 'string' &&
    typeof v.startedAt === 'string' &&
    typeof v.updatedAt === 'string' &&
    isObj(v.kernel) &&
    isObj(v.tools) &&
    Array.isArray(v.cells) &&
    v.cells.every(isCellRecord)
  );
}

function recordIn(o: Output): unknown {
  return o.output_type === 'display_data' || o.output_type === 'execute_result' ? o.data[INVESTIGATION_MIME] : undefined;
}

/**
 * The kernel run record saved in a notebook's outputs: the most recently updated one (a kernel
 * restarted half-way leaves one record per session). Undefined when there is none; a record
 * output that is not a run record is an error naming the cell.
 */
export function runRecordOf(nb: Notebook): RunRecord | undefined {
  let best: RunRecord | undefined;
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'code') return;
    c.outputs.forEach((o, j) => {
      const r = recordIn(o);
      if (r === undefined) return;
      if (!isRunRecord(r)) throw new NotebookError(`cells[${i}].outputs[${j}]: the ${INVESTIGATION_MIME} output is not a run record of this kernel (format 1)`);
      if (!best || r.updatedAt > best.updatedAt) best = r;
    });
  });
  return best;
}

const STATUS: Record<CellRecord['status'], CellStatus> = { ok: 'ok', error: 'error', interrupted: 'interrupted' };

/** Parameter values as the kernel ran them: every parameters / injected cell, in execution order. */
function executedParameters(nb: Notebook, record: RunRecord): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  const assign = (source: string, where: string) => {
    try {
      for (const spec of parseParameters(source)) values[spec.name] = spec.default;
    } catch (err) {
      throw new NotebookError(`${where}: ${(err as Error).message}`);
    }
  };
  const ran = record.cells.filter((c) => c.parameters);
  if (ran.length === 0) {
    // The kernel never ran a parameters cell: the values are the ones the notebook declares.
    const cell = parametersCell(nb);
    if (cell) assign(cell.source, 'the parameters cell');
  }
  for (const c of ran) assign((c.parameters as { source: string }).source, `the ${c.parameters?.kind === 'injected' ? 'injected-parameters' : 'parameters'} cell run as execution ${c.executionCount}`);
  return values;
}

/** The record entry of a saved cell: by the front end's cell id, else by its execution count. */
function entryFor(cell: CodeCell, record: RunRecord): CellRecord | undefined {
  const byId = record.cells.filter((e) => e.cellId !== undefined && e.cellId === cell.id);
  if (byId.length) return byId[byId.length - 1];
  if (cell.execution_count === null) return undefined;
  const byCount = record.cells.filter((e) => e.executionCount === cell.execution_count);
  return byCount[byCount.length - 1];
}

/**
 * The notebook with `metadata.investigation` and per-cell `metadata.runbook`, from the metadata a
 * headless run wrote or else from the kernel's run record; record outputs are removed either way.
 * A notebook with neither is returned as it is. Pure: the argument is not modified.
 */
export function withInvestigation(nb: Notebook): Notebook {
  const record = runRecordOf(nb);
  const hasOutputs = nb.cells.some((c) => c.cell_type === 'code' && c.outputs.some((o) => recordIn(o) !== undefined));
  if (!hasOutputs) return nb;
  const out = cloneNotebook(nb);
  for (const c of out.cells) if (c.cell_type === 'code') c.outputs = c.outputs.filter((o) => recordIn(o) === undefined);
  if (out.metadata.investigation || !record) return out;

  let failedCell: Investigation['failedCell'];
  out.cells.forEach((c, index) => {
    if (c.cell_type !== 'code') return;
    const e = entryFor(c, record);
    if (!e) {
      // The kernel shows no record in a failed cell (its only output stays the error): a cell the
      // record does not reach but that ran and failed is the run's failure, without timing.
      const err = c.execution_count !== null ? c.outputs.find((o): o is Extract<Output, { output_type: 'error' }> => o.output_type === 'error') : undefined;
      if (!err) return;
      const status: CellStatus = err.ename === 'KeyboardInterrupt' ? 'interrupted' : 'error';
      c.metadata.runbook = { status };
      if (!failedCell) failedCell = { index, id: c.id, status };
      return;
    }
    const status = STATUS[e.status];
    c.metadata.runbook = { status, startedAt: e.startedAt, finishedAt: e.finishedAt, durationMs: e.durationMs };
    if (status !== 'ok' && !failedCell) failedCell = { index, id: c.id, status };
  });
  const rb = out.metadata.runbook;
  const inv: Investigation = {
    runbook: { id: rb?.id ?? 'notebook', version: rb?.version ?? '0.0.0', sha256: runbookDigest(out) },
    parameters: executedParameters(out, record),
    startedAt: record.startedAt,
    finishedAt: record.updatedAt,
    status: failedCell ? (failedCell.status === 'interrupted' ? 'interrupted' : 'failed') : 'ok',
    ...(failedCell ? { failedCell } : {}),
    host: String(record.host),
    user: String(record.user),
    kernel: { name: String(record.kernel.name ?? ''), version: String(record.kernel.version ?? ''), implementation: String(record.kernel.implementation ?? '') },
    tools: Object.fromEntries(Object.entries(record.tools).map(([k, v]) => [k, String(v)])),
  };
  out.metadata.investigation = inv;
  return out;
}
