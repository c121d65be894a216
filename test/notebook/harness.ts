/** Running bundled runbooks in tests: through our runner and through Debian's nbconvert. */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import {
  findRunbook, loadRunbook, notebookResults, prepareRun, readNotebook, resolveParameters, runbookParameters, runNotebook, writeNotebook,
  type CodeCell, type JsonValue, type Notebook, type StepResultJson,
} from '../../src/notebook/index.js';
import { kernelFactory } from '../../src/notebook/kernel.js';
import { ROOT } from '../helpers/paths.js';

export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runbooks-'));

let jupyterPath: string | undefined;
/** The `runbook` kernelspec installed in a temp prefix (as the acceptance check does). */
export function kernelspecPath(): string {
  if (!jupyterPath) {
    const prefix = path.join(tmp, 'prefix');
    execFileSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'kernel', 'install', '--prefix', prefix], { stdio: 'ignore' });
    jupyterPath = path.join(prefix, 'share/jupyter');
  }
  return jupyterPath;
}

/** Run a bundled runbook through our runner; asserts it finished ok. */
export async function runOurs(id: string, parameters: Record<string, JsonValue>, out = path.join(tmp, `${id}-${Date.now()}.ipynb`)): Promise<Notebook> {
  const file = findRunbook(id);
  const r = await runNotebook({ runbook: loadRunbook(file), runbookFile: file, parameters, out, kernel: kernelFactory() });
  assert.is(r.status, 'ok', `${id}: ${JSON.stringify(errorsOf(readNotebook(out)))}`);
  return readNotebook(out);
}

/**
 * Inject parameters the way the runner does, then execute with `jupyter nbconvert --execute`.
 * Asynchronous on purpose: test servers living in this process must keep answering meanwhile.
 */
export async function runNbconvert(id: string, parameters: Record<string, JsonValue>): Promise<Notebook> {
  const file = findRunbook(id);
  const rb = loadRunbook(file);
  const values = resolveParameters(runbookParameters(rb), parameters);
  const input = path.join(path.dirname(file), `.nbconvert-${id}-${process.pid}.ipynb`);
  const output = path.join(tmp, `${id}.nbconvert.ipynb`);
  writeNotebook(input, prepareRun(rb, values));
  try {
    const child = spawn(
      'jupyter',
      ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=runbook', '--ExecutePreprocessor.timeout=300', '--output', output, input],
      { env: { ...process.env, JUPYTER_PATH: kernelspecPath() }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.is(code, 0, `nbconvert ${id} failed:\n${stderr.slice(-3000)}`);
  } finally {
    fs.rmSync(input, { force: true });
  }
  return readNotebook(output);
}

/** Execute a notebook file where it lies with `jupyter nbconvert --execute` (its folder is the kernel's cwd). */
export async function nbconvertFile(input: string, output: string): Promise<Notebook> {
  const child = spawn(
    'jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=runbook', '--ExecutePreprocessor.timeout=300', '--output', output, input],
    { env: { ...process.env, JUPYTER_PATH: kernelspecPath() }, cwd: path.dirname(input), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.is(code, 0, `nbconvert ${input} failed:\n${stderr.slice(-3000)}`);
  return readNotebook(output);
}

/** Validate a notebook file with Debian's nbformat. */
export function validateWithNbformat(nb: Notebook): void {
  const f = path.join(tmp, `validate-${Date.now()}.ipynb`);
  writeNotebook(f, nb);
  execFileSync('/usr/bin/python3', ['-c', 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', f]);
}

export function errorsOf(nb: Notebook): string[] {
  return nb.cells.flatMap((c) => (c.cell_type === 'code' ? (c as CodeCell).outputs.filter((o) => o.output_type === 'error').map((o) => (o.output_type === 'error' ? `${o.ename}: ${o.evalue}` : '')) : []));
}

export function steps(nb: Notebook, kind: string): StepResultJson[] {
  return notebookResults(nb).flatMap((r) => (r.step && r.step.kind === kind ? [r.step] : []));
}

export function markdownOutputs(nb: Notebook): string {
  return nb.cells
    .flatMap((c) => (c.cell_type === 'code' ? (c as CodeCell).outputs : []))
    .map((o) => (o.output_type === 'display_data' || o.output_type === 'execute_result' ? String(o.data['text/markdown'] ?? '') : ''))
    .join('\n');
}

export function svgCount(nb: Notebook): number {
  return nb.cells.flatMap((c) => (c.cell_type === 'code' ? (c as CodeCell).outputs : [])).filter((o) => (o.output_type === 'display_data' || o.output_type === 'execute_result') && typeof o.data['image/svg+xml'] === 'string').length;
}

export function cleanup(): void {
  fs.rmSync(tmp, { recursive: true, force: true });
}
