/**
 * Stepping through a runbook in the classic Jupyter Notebook (Debian's jupyter-notebook 6) in
 * headless Chromium: the notebook opens on the `runbook` kernel, Cell > Run All executes every
 * cell, and the chart appears (the classic notebook cannot render Vega-Lite v5, so the
 * image/svg+xml of the same bundle is what shows: an <svg> in the output area).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { findRunbook, loadRunbook, prepareRun, readNotebook, resolveParameters, runbookParameters, withInvestigation, writeNotebook } from '../../src/notebook/index.js';
import { toolVersions } from '../../src/notebook/provenance.js';
import { ROOT } from '../helpers/paths.js';
import { launchChromium, waitForJupyter } from '../helpers/browser.js';
import { freePort } from '../helpers/services/ports.js';
import { kernelspecPath, tmp, cleanup } from '../notebook/harness.js';

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let log = '';
let baseUrl = '';
let serverToken = '';

test.after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r));
  }
  cleanup();
});

test('Run All in the classic notebook executes l7-ddos-triage on the runbook kernel and shows its charts', async () => {
  // The runbook with its parameters injected, as `runbook run` would start it.
  const rb = loadRunbook(findRunbook('l7-ddos-triage'));
  const values = resolveParameters(runbookParameters(rb), { traffic: path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz') });
  const dir = path.join(tmp, 'nbdir');
  fs.mkdirSync(dir);
  writeNotebook(path.join(dir, 'triage.ipynb'), prepareRun(rb, values));

  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  server = spawn('/usr/bin/python3', ['-m', 'notebook', '--no-browser', '--allow-root', '--ip', '127.0.0.1', `--port=${port}`, '--port-retries=0', `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`], {
    env: { ...process.env, JUPYTER_PATH: kernelspecPath(), JUPYTER_CONFIG_DIR: path.join(tmp, 'jcfg'), JUPYTER_RUNTIME_DIR: path.join(tmp, 'jrt') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  server.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const base = `http://127.0.0.1:${port}`;
  await waitForJupyter(base, token, server, () => log);
  baseUrl = base;
  serverToken = token;

  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${base}/notebooks/triage.ipynb?token=${token}`);
  // Wait until the kernel is started and idle.
  await page.waitForFunction('window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()', undefined, { timeout: 60_000 });
  assert.is(await page.evaluate('Jupyter.notebook.kernel.name'), 'runbook');

  // Cell > Run All, through the menu.
  await page.click('#celllink');
  await page.click('#run_all_cells a, #run_all_cells');
  // The last cell's verdict and the charts.
  await page.waitForFunction(
    "Array.from(document.querySelectorAll('.output_markdown, .output_subarea')).some((e) => /requests are malicious/.test(e.textContent || ''))",
    undefined,
    { timeout: 240_000, polling: 1000 },
  );
  const svgs = (await page.evaluate("document.querySelectorAll('.output_area .output_svg svg').length")) as number;
  assert.ok(svgs >= 6, `svg charts in output areas: ${svgs}`);
  const size = (await page.evaluate("(() => { const r = document.querySelector('.output_area .output_svg svg').getBoundingClientRect(); return [r.width, r.height]; })()")) as [number, number];
  assert.ok(size[0] > 100 && size[1] > 50, `chart size ${size.join('x')}`);
  assert.is(await page.evaluate("document.querySelectorAll('.output_error').length"), 0);
  const unexecuted = await page.evaluate("Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code' && !(c.input_prompt_number > 0)).length");
  assert.is(unexecuted, 0);
  await page.screenshot({ path: path.join(tmp, 'classic.png') });

  // File > Save: the kernel's run record (updated in the first cell after every later cell, as the
  // Notebook routes update_display_data by display_id) gives the saved notebook its provenance.
  await page.evaluate('Jupyter.notebook.save_notebook()');
  await page.waitForFunction('!Jupyter.notebook.dirty', undefined, { timeout: 30_000 });
  const saved = readNotebook(path.join(dir, 'triage.ipynb'));
  assert.is(saved.metadata.investigation, undefined, 'the Notebook wrote no metadata.investigation itself');
  const inv = withInvestigation(saved).metadata.investigation;
  assert.ok(inv, 'metadata.investigation from the run record');
  assert.equal(inv?.parameters, values);
  assert.is(inv?.status, 'ok');
  assert.is(inv?.tools.curl, (await toolVersions()).curl);
  const runs = withInvestigation(saved).cells.flatMap((c) => (c.cell_type === 'code' ? [c.metadata.runbook] : []));
  assert.ok(runs.length > 5 && runs.every((r) => r?.status === 'ok' && (r.durationMs ?? -1) >= 0), JSON.stringify(runs));
});

test('a WAF rule with two $ shows verbatim in the classic notebook (table and markdown), copyable from the DOM, while MathJax still typesets math asked for', async () => {
  assert.ok(server && browser, 'the first test starts the server and the browser');
  if (!server || !browser) return;
  const rule = 'ip.src in $blocked and http.user_agent matches "bot$"';
  const cells = [
    `import * as aq from "arquero";\ndisplay(aq.table({ rule: [${JSON.stringify(rule)}] }));`,
    `display.markdown(${JSON.stringify(`Proposed rule: ${rule}`)});`,
    'display.markdown("control: $x^2$ is math", { math: true });',
  ];
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'runbook', display_name: 'TypeScript (runbook)', language: 'typescript' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `rule-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  const dir = path.join(tmp, 'nbdir');
  fs.writeFileSync(path.join(dir, 'rules.ipynb'), JSON.stringify(nb));
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${baseUrl}/notebooks/rules.ipynb?token=${serverToken}`);
  await page.waitForFunction('window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()', undefined, { timeout: 60_000 });
  await page.evaluate('Jupyter.notebook.execute_all_cells()');
  await page.waitForFunction("Jupyter.notebook.get_cells().every((c) => c.input_prompt_number > 0) && document.querySelectorAll('.output_area').length >= 3", undefined, { timeout: 120_000, polling: 500 }).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${String(await page.evaluate("Array.from(document.querySelectorAll('.output_area')).map((e) => e.outerHTML.slice(0, 400)).join('\\n')"))}`);
  });
  // MathJax runs asynchronously after the outputs appear: wait until it typeset the control.
  await page.waitForFunction("!!document.querySelector('.output_area .MathJax, .output_area mjx-container, .output_area .MathJax_Preview')", undefined, { timeout: 60_000, polling: 500 }).catch(async (err: Error) => {
    throw new Error(`${err.message}: MathJax=${String(await page.evaluate('typeof window.MathJax'))} ${String(await page.evaluate("Array.from(document.querySelectorAll('.output_subarea')).map((e) => e.outerHTML.slice(0, 300)).join('\\n')"))}`);
  });
  await new Promise((r) => setTimeout(r, 1000));
  const copied = (await page.evaluate(`(() => {
    const outs = Array.from(document.querySelectorAll('.output_subarea'));
    const td = document.querySelector('.output_subarea table.netrunbook td');
    const md = outs.find((o) => /Proposed rule/.test(o.textContent || ''));
    // by content, not position: the first cell also shows the kernel's run record line
    const math = (o) => (o ? o.querySelectorAll('.MathJax, mjx-container').length : -1);
    const table = td ? td.closest('.output_subarea') : null;
    const control = outs.find((o) => /control:/.test(o.textContent || ''));
    return { td: td ? td.textContent : null, md: md ? md.textContent.trim() : null, math: [math(table), math(md)], control: math(control) };
  })()`)) as { td: string | null; md: string | null; math: number[]; control: number };
  assert.is(copied.td, rule);
  assert.is(copied.md, `Proposed rule: ${rule}`);
  assert.equal(copied.math, [0, 0], 'no MathJax in the rule outputs');
  assert.ok(copied.control > 0, 'the control cell was typeset: MathJax is active');
  await page.close();
});

test.run();
