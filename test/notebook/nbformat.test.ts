import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseNotebook, serializeNotebook, validateNotebook, writeNotebook, readNotebook, runbookDigest, writeFileAtomic, NotebookError } from '../../src/notebook/index.js';

const raw = {
  nbformat: 4,
  nbformat_minor: 4,
  metadata: { runbook: { id: 'demo', version: '1.0.0', title: 'Demo', summary: 's' } },
  cells: [
    { cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'text'] },
    { cell_type: 'code', metadata: { tags: ['parameters'] }, source: 'const a = 1;', execution_count: 3, outputs: [{ output_type: 'stream', name: 'stdout', text: ['x\n', 'y\n'] }] },
  ],
};

test('parseNotebook joins multi-line sources and gives cells without ids a valid id', () => {
  const nb = parseNotebook(JSON.stringify(raw));
  assert.is(nb.cells[0]?.source, '# Title\ntext');
  assert.match(nb.cells[0]?.id ?? '', /^[a-f0-9]{12}$/);
  const code = nb.cells[1];
  assert.ok(code?.cell_type === 'code' && code.outputs[0]?.output_type === 'stream' && code.outputs[0].text === 'x\ny\n');
});

test('parseNotebook names the position of a bad output type', () => {
  const bad = JSON.parse(JSON.stringify(raw));
  bad.cells[1].outputs[0].output_type = 'bogus';
  try {
    parseNotebook(JSON.stringify(bad), 'x.ipynb');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, NotebookError);
    assert.match((e as Error).message, 'x.ipynb: cells[1].outputs[0].output_type "bogus"');
  }
});

test('validateNotebook reports a version that is not semver', () => {
  const nb = parseNotebook(JSON.stringify({ ...raw, metadata: { runbook: { id: 'demo', version: 'v1', title: 'D', summary: '' } } }));
  assert.equal(validateNotebook(nb), ['metadata.runbook.version "v1" is not semver (e.g. 1.2.0)']);
});

test('writeNotebook writes nbformat 4.5 that Debian nbformat validates', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-'));
  try {
    const file = path.join(dir, 'a.ipynb');
    writeNotebook(file, parseNotebook(JSON.stringify(raw)));
    execFileSync('/usr/bin/python3', ['-c', 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', file]);
    const back = readNotebook(file);
    assert.is(back.nbformat_minor, 5);
    assert.is(serializeNotebook(back), fs.readFileSync(file, 'utf8'));
    assert.equal(fs.readdirSync(dir), ['a.ipynb']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic leaves the old file intact when the rename cannot happen', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-'));
  try {
    const target = path.join(dir, 'sub');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'x');
    assert.throws(() => writeFileAtomic(target, 'new'));
    assert.equal(fs.readdirSync(dir), ['sub']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('runbookDigest ignores outputs and the injected-parameters cell', () => {
  const nb = parseNotebook(JSON.stringify(raw));
  const d = runbookDigest(nb);
  const other = parseNotebook(JSON.stringify(raw));
  const c = other.cells[1];
  if (c?.cell_type === 'code') c.outputs = [];
  other.cells.push({ id: 'inj', cell_type: 'code', metadata: { tags: ['injected-parameters'] }, source: 'const a = 2;', execution_count: null, outputs: [] });
  assert.is(runbookDigest(other), d);
  other.cells[0]!.source = 'changed';
  assert.is.not(runbookDigest(other), d);
});

test.run();
