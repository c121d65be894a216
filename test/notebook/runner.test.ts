/**
 * The headless runner against the real runbook kernel: stop on first failure with the failing
 * cell marked, every completed cell saved, cell timeouts, interrupts, parameter validation
 * before anything runs, and the `runbook run` exit codes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNotebook, loadRunbook, runNotebook, ParameterError, type CodeCell } from '../../src/notebook/index.js';
import { kernelFactory } from '../../src/notebook/kernel.js';
import { ROOT, fixture } from '../helpers/paths.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
const CLI = path.join(ROOT, 'bin/runbook.js');
const codeCells = (file: string) => readNotebook(file).cells.filter((c): c is CodeCell => c.cell_type === 'code');

test('runNotebook stops at the failing cell, marks it and keeps the completed cells', async () => {
  const file = fixture('notebook/fails-midway.ipynb');
  const out = path.join(tmp, 'fails.ipynb');
  const r = await runNotebook({ runbook: loadRunbook(file), runbookFile: file, parameters: { greeting: 'hi ' }, out, kernel: kernelFactory() });
  assert.is(r.status, 'failed');
  const cells = codeCells(out);
  assert.equal(cells.map((c) => c.metadata.runbook?.status ?? 'not run'), ['ok', 'ok', 'ok', 'error', 'not run']);
  assert.equal(cells[2]?.outputs, [{ output_type: 'stream', name: 'stdout', text: 'hi hi \n' }]);
  const err = cells[3]?.outputs.find((o) => o.output_type === 'error');
  assert.ok(err && err.output_type === 'error' && err.evalue.includes('the origin answered 502'));
  const inv = readNotebook(out).metadata.investigation;
  assert.is(inv?.status, 'failed');
  assert.equal(inv?.failedCell, { index: 4, id: 'fails-midway-3', status: 'error' });
  assert.equal(inv?.parameters, { greeting: 'hi ', count: 2 });
  assert.ok(inv?.finishedAt);
  assert.ok(cells[1]?.metadata.tags?.includes('injected-parameters'));
});

test('runNotebook rejects an invalid parameter before starting a kernel or writing anything', async () => {
  const file = fixture('notebook/fails-midway.ipynb');
  const out = path.join(tmp, 'never.ipynb');
  let started = false;
  try {
    await runNotebook({ runbook: loadRunbook(file), runbookFile: file, parameters: { count: 'many' }, out, kernel: async () => { started = true; throw new Error('no'); } });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ParameterError);
    assert.is((e as ParameterError).parameter, 'count');
  }
  assert.not.ok(started);
  assert.not.ok(fs.existsSync(out));
});

test('runNotebook interrupts a cell that exceeds its timeout and saves it marked as timed out', async () => {
  const file = fixture('notebook/slow-step.ipynb');
  const out = path.join(tmp, 'slow.ipynb');
  const r = await runNotebook({ runbook: loadRunbook(file), runbookFile: file, parameters: {}, out, kernel: kernelFactory(), cellTimeoutMs: 1500 });
  assert.is(r.status, 'failed');
  const cells = codeCells(out);
  assert.equal(cells.map((c) => c.metadata.runbook?.status ?? 'not run'), ['ok', 'ok', 'ok', 'timeout', 'not run']);
  assert.not.ok(JSON.stringify(cells[3]?.outputs).includes('woke up'));
});

test('runbook run exits non-zero on a failing cell and names it on stderr', () => {
  const out = path.join(tmp, 'cli-fail.ipynb');
  const p = spawnSync(process.execPath, [CLI, 'run', fixture('notebook/fails-midway.ipynb'), '-o', out], { encoding: 'utf8' });
  assert.is(p.status, 1);
  assert.match(p.stderr, '[4/5] ERROR in cell 5 (step two throws)');
  assert.match(p.stderr, 'the origin answered 502');
  assert.ok(fs.existsSync(out));
});

test('runbook run refuses a bad -p value with one line naming the parameter, exit 1', () => {
  const p = spawnSync(process.execPath, [CLI, 'run', fixture('notebook/fails-midway.ipynb'), '-p', 'count=lots', '-o', path.join(tmp, 'x.ipynb')], { encoding: 'utf8' });
  assert.is(p.status, 1);
  assert.is(p.stderr, 'runbook run: parameter "count": "lots" is not a number\n');
});

test('Ctrl-C during runbook run interrupts the cell, saves the notebook and exits 130', async () => {
  const out = path.join(tmp, 'cli-int.ipynb');
  const child = spawn(process.execPath, [CLI, 'run', fixture('notebook/slow-step.ipynb'), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (stderr.includes('[4/5] waits')) resolve();
    });
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.is(code, 130, stderr);
  const cells = codeCells(out);
  assert.equal(cells.map((c) => c.metadata.runbook?.status ?? 'not run'), ['ok', 'ok', 'ok', 'interrupted', 'not run']);
  assert.is(readNotebook(out).metadata.investigation?.status, 'interrupted');
});

test('runNotebook saves no Authorization, Set-Cookie, private key or cookie value that a cell printed', async () => {
  const file = fixture('notebook/prints-secrets.ipynb');
  const out = path.join(tmp, 'secrets.ipynb');
  const r = await runNotebook({ runbook: loadRunbook(file), runbookFile: file, parameters: {}, out, kernel: kernelFactory() });
  assert.is(r.status, 'ok');
  const text = fs.readFileSync(out, 'utf8');
  for (const secret of ['abcdefghijklmnop', 's3cr3tvalue', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'dXNlcjpwYXNzd29yZA==', 'abcdef123456']) assert.not.ok(text.includes(secret), secret);
  assert.ok(text.includes('Authorization: [REDACTED]'));
  assert.ok(text.includes('"server",'));
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
