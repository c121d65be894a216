/**
 * Saved notebooks and exports are redacted with the project's one policy (src/redact.ts): every
 * string in outputs, and values stored under secret-looking keys in JSON.
 *
 * `redactNotebook` is what a notebook goes through when it is written (nbformat.writeNotebook):
 * cell sources (the injected parameters cell holds URLs with passwords and tokens), every output
 * MIME type that is text (SVG included: a chart's labels are attacker URLs and headers; PNG/JPEG
 * stay as they are), stream and error text, and all metadata (`investigation.parameters`).
 * Redaction is idempotent, so a notebook saved twice is unchanged the second time.
 */
import { redactText, redactValue } from '../redact.js';
import type { Cell, Notebook, Output } from './nbformat.js';

export { REDACTED, redactText, redactValue } from '../redact.js';

/** A MIME bundle with secrets removed: text types and SVG redacted, binary images kept. */
export function redactMimeBundle(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(data)) {
    if (mime === 'image/svg+xml') out[mime] = typeof v === 'string' ? redactText(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? redactText(x) : x)) : v;
    else out[mime] = mime.startsWith('image/') ? v : redactValue(v);
  }
  return out;
}

function redactOutput(o: Output): Output {
  switch (o.output_type) {
    case 'stream':
      return { ...o, text: redactText(o.text) };
    case 'error':
      return { ...o, ename: redactText(o.ename), evalue: redactText(o.evalue), traceback: o.traceback.map(redactText) };
    case 'display_data':
    case 'execute_result':
      return { ...o, data: redactMimeBundle(o.data), metadata: redactValue(o.metadata) };
  }
}

function redactCell(c: Cell): Cell {
  const base = { ...c, source: redactText(c.source), metadata: redactValue(c.metadata) };
  return c.cell_type === 'code' ? { ...base, cell_type: 'code', execution_count: c.execution_count, outputs: c.outputs.map(redactOutput) } : (base as Cell);
}

/** The notebook as it may be saved or exported: no secret in sources, outputs or metadata. */
export function redactNotebook(nb: Notebook): Notebook {
  return { ...nb, metadata: redactValue(nb.metadata), cells: nb.cells.map(redactCell) };
}
