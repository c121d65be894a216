/**
 * withInvestigation on notebooks whose outputs came from the real kernel (kernel/client.ts, the run
 * record on): a failing last cell marks the run failed at that cell, parameters come from the
 * executed parameters cell, a record re-shown after its cell re-ran is read once, and a forged
 * record output is an error naming the cell. A headless run's metadata wins over a record.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KernelClient } from '../../kernel/client.js';
import { INVESTIGATION_MIME } from '../../kernel/provenance.js';
import { NotebookError, OutputCollector, withInvestigation, type CodeCell, type Notebook } from '../../src/notebook/index.js';
import { tmp, cleanup } from './harness.js';

let kc: KernelClient | undefined;

test.after(async () => {
  await kc?.shutdown().catch(() => undefined);
  cleanup();
});

function cell(id: string, source: string, tags: string[] = []): CodeCell {
  return { id, cell_type: 'code', metadata: tags.length ? { tags } : {}, source, execution_count: null, outputs: [] };
}

/** Run the cells in order as a front end does: outputs collected, display updates applied across cells. */
async function runAll(cells: CodeCell[], fresh = true): Promise<Notebook> {
  if (!kc) kc = await KernelClient.start({ cwd: tmp, env: { ...process.env, RUNBOOK_TYPECHECK: 'off', RUNBOOK_PROVENANCE: 'on' } });
  else if (fresh) await kc.restart();
  const collectors = new Map<string, OutputCollector>();
  for (const c of cells) {
    const col = new OutputCollector();
    collectors.set(c.id, col);
    const r = await kc.execute(c.source, {
      onOutput: (o) => {
        const { output_type, ...content } = o;
        // update_display_data reaches every cell that shows that display (as in JupyterLab / nbclient)
        const targets = output_type === 'update_display_data' ? [...collectors.values()] : [col];
        for (const t of targets) t.handle({ msg_type: output_type, content: content as Record<string, unknown> });
      },
    });
    c.execution_count = r.executionCount;
    c.outputs = col.outputs;
  }
  return { nbformat: 4, nbformat_minor: 5, metadata: { runbook: { id: 'probe', version: '1.0.0', title: 'probe', summary: '' } }, cells };
}

test('a failing last cell marks the run failed at that cell (its only output the error), with timing on every cell before it and parameters as executed', async () => {
  const nb = await runAll([
    cell('params', '// @param host hostname\nconst host: string = "a.example";\n// @param port port\nconst port: number = 443;', ['parameters']),
    cell('inject', '// Parameters injected by `runbook run`\nconst port: number = 8443;', ['injected-parameters']),
    cell('ok', 'port + 1'),
    cell('boom', 'throw new Error("boom")'),
  ]);
  const records = nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : [])).filter((o) => o.output_type === 'display_data' && o.data[INVESTIGATION_MIME]);
  assert.is(records.length, 1, 'one record display, in the first cell');
  const inv = withInvestigation(nb).metadata.investigation;
  assert.ok(inv);
  assert.equal(inv?.parameters, { host: 'a.example', port: 8443 });
  assert.is(inv?.status, 'failed');
  assert.equal(inv?.failedCell, { index: 3, id: 'boom', status: 'error' });
  const runs = withInvestigation(nb).cells.map((c) => c.metadata.runbook?.status);
  assert.equal(runs, ['ok', 'ok', 'ok', 'error']);
  const boom = nb.cells[3] as CodeCell;
  assert.equal(boom.outputs.map((o) => o.output_type), ['error'], 'the failed cell carries only its error (no record update)');
  assert.ok(withInvestigation(nb).cells.slice(0, 3).every((c) => typeof c.metadata.runbook?.durationMs === 'number'));
  assert.is(nb.metadata.investigation, undefined, 'the argument is not modified');
});

test('re-running the cell that holds the record shows it there again, and the latest record is read', async () => {
  const first = cell('first', '1 + 1');
  const nb = await runAll([first, cell('second', '2 + 2')]);
  // the front end clears the re-run cell's outputs; the kernel shows the record there anew
  const again = await runAll([cell('first', '1 + 1')], false);
  const rerun = again.cells[0] as CodeCell;
  nb.cells[0] = rerun;
  const shown = rerun.outputs.filter((o) => o.output_type === 'display_data' && o.data[INVESTIGATION_MIME]);
  assert.is(shown.length, 1, 'the record is shown again in the re-run cell');
  const out = withInvestigation(nb);
  assert.is(out.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : [])).filter((o) => o.output_type === 'display_data' && o.data[INVESTIGATION_MIME]).length, 0);
  assert.is(out.cells[0]?.metadata.runbook?.status, 'ok');
  assert.is(out.cells[1]?.metadata.runbook?.status, 'ok');
});

test('a record output that is not a run record is an error naming the cell and output', () => {
  const nb: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell('x', '1')] };
  (nb.cells[0] as CodeCell).outputs = [{ output_type: 'display_data', data: { [INVESTIGATION_MIME]: { format: 1, cells: 'no' } }, metadata: {} }];
  assert.throws(() => withInvestigation(nb), (e: unknown) => e instanceof NotebookError && /cells\[0\]\.outputs\[0\]/.test((e as Error).message));
});

test('the metadata a headless run wrote wins over a record, which is still removed', async () => {
  const nb = await runAll([cell('solo', '40 + 2')]);
  nb.metadata.investigation = {
    runbook: { id: 'probe', version: '1.0.0', sha256: 'x' }, parameters: { a: 1 }, startedAt: '2020-01-01T00:00:00.000Z', finishedAt: null,
    status: 'ok', host: 'h', user: 'u', kernel: { name: 'runbook', version: '', implementation: '' }, tools: {},
  };
  const out = withInvestigation(nb);
  assert.equal(out.metadata.investigation?.parameters, { a: 1 });
  assert.is((out.cells[0] as CodeCell).outputs.some((o) => o.output_type === 'display_data' && o.data[INVESTIGATION_MIME] !== undefined), false);
});

test.run();
