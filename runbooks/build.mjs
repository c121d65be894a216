#!/usr/bin/env node
// Builds runbooks/*.ipynb from the readable sources in runbooks/src/*.mjs (one per runbook).
// Cell ids are stable (`<prefix>-<n>`), so a new runbook version diffs cleanly and re-runs pair
// results by cell. Usage: node runbooks/build.mjs [--check]   (--check: fail if a .ipynb is stale)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes('--check');

const lines = (s) => (s === '' ? [] : s.split(/(?<=\n)/));
const dedent = (s) => {
  const body = s.replace(/^\n/, '').replace(/\s+$/, '');
  const indent = Math.min(...body.split('\n').filter((l) => l.trim()).map((l) => /^ */.exec(l)[0].length));
  return body.split('\n').map((l) => l.slice(indent)).join('\n');
};

function build(def) {
  let n = 0;
  const id = () => `${def.prefix}-${String(++n).padStart(2, '0')}`;
  const cells = def.cells.map((c) => {
    const source = lines(dedent(c.source));
    if (c.type === 'md') return { cell_type: 'markdown', id: id(), metadata: {}, source };
    return { cell_type: 'code', execution_count: null, id: id(), metadata: c.tags ? { tags: c.tags } : {}, outputs: [], source };
  });
  return {
    cells,
    metadata: {
      kernelspec: { display_name: 'TypeScript (runbook)', language: 'typescript', name: 'runbook' },
      language_info: { file_extension: '.ts', mimetype: 'text/typescript', name: 'typescript' },
      runbook: { id: def.id, version: def.version, title: def.title, summary: def.summary },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

let stale = 0;
for (const f of fs.readdirSync(path.join(dir, 'src')).filter((x) => x.endsWith('.mjs') && !x.startsWith('_')).sort()) {
  const def = (await import(path.join(dir, 'src', f))).default;
  const out = path.join(dir, `${def.id}.ipynb`);
  const text = `${JSON.stringify(build(def), null, 1)}\n`;
  const old = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  if (old === text) continue;
  if (check) {
    console.error(`stale: ${out} (run node runbooks/build.mjs)`);
    stale++;
    continue;
  }
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, out);
  console.error(`wrote ${path.relative(process.cwd(), out)}`);
}
process.exitCode = stale ? 1 : 0;
