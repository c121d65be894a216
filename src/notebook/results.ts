/**
 * Structured results inside an executed notebook: the `application/json` outputs. Step results
 * are `{ kind, ok, data, error, transcript }`; other JSON outputs (classification summaries,
 * mitigations, tables) are kept as they are. Each result is keyed by the cell id and its position
 * among that cell's JSON outputs, which is stable between a run and its re-run.
 */
import type { CodeCell, Notebook } from './nbformat.js';
import type { StepResult, Transcript } from '../steps/result.js';

/** The shapes steps put in `application/json` (src/steps/result.ts), as read back from a notebook. */
export type TranscriptEntry = Transcript;
export type StepResultJson = StepResult<unknown>;

export interface NotebookResult {
  /** `${cellId}#${n}` */
  key: string;
  cellId: string;
  cellIndex: number;
  /** A label for humans: the step kind, or the first heading/comment of the cell. */
  label: string;
  value: unknown;
  step?: StepResultJson;
}

export function isStepResult(v: unknown): v is StepResultJson {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.kind === 'string' && typeof o.ok === 'boolean' && Array.isArray(o.transcript);
}

/** The first `// comment` of a code cell, or the heading of the markdown cell before it. */
export function cellLabel(nb: Notebook, index: number): string {
  const cell = nb.cells[index];
  if (!cell) return `cell ${index + 1}`;
  const comment = /^\s*\/\/\s*(.+)$/m.exec(cell.source);
  for (let i = index - 1; i >= 0; i--) {
    const c = nb.cells[i];
    if (c?.cell_type === 'markdown') {
      const h = /^#{1,6}\s+(.+)$/m.exec(c.source);
      if (h) return (h[1] as string).trim();
      break;
    }
    if (c?.cell_type === 'code') break;
  }
  return comment ? (comment[1] as string).trim() : `cell ${index + 1}`;
}

/** All JSON results of a notebook in cell order. */
export function notebookResults(nb: Notebook): NotebookResult[] {
  const out: NotebookResult[] = [];
  nb.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code') return;
    let n = 0;
    for (const o of (cell as CodeCell).outputs) {
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') continue;
      const value = o.data['application/json'];
      if (value === undefined) continue;
      const step = isStepResult(value) ? value : undefined;
      out.push({
        key: `${cell.id}#${n}`,
        cellId: cell.id,
        cellIndex,
        label: step ? `${step.kind}${serverOf(step)} (${cellLabel(nb, cellIndex)})` : cellLabel(nb, cellIndex),
        value,
        ...(step ? { step } : {}),
      });
      n++;
    }
  });
  return out;
}

/** ` @server` of a step that asked one (a resolver, an authoritative server), so a diff says which one changed. */
function serverOf(step: { data?: unknown }): string {
  const d = step.data;
  if (d === null || typeof d !== 'object') return '';
  const server = (d as { server?: unknown }).server;
  return typeof server === 'string' && server !== '' ? ` @${server}` : '';
}
