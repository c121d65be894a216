/**
 * Runbooks and charts in JupyterLab's own notebook frontend: the @jupyterlab/* 4.6.4 notebook
 * packages (NotebookPanel, standard renderers, @jupyterlab/vega5-extension) bundled in
 * test/jupyterlab/build/ (by test/jupyterlab/build.sh), served by Debian's jupyter_server through
 * the netrunbook_jupyterlab extension, in headless Chromium. Each test starts its own server on a
 * free loopback port with a temp notebook directory and the `runbook` kernelspec on JUPYTER_PATH,
 * runs every cell through JupyterLab's "Run All Cells" action and checks the outputs as rendered:
 * no error output, Vega-Lite drawn by the vega5 extension as SVG marks, and a screenshot.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { exportHtml, findRunbook, loadRunbook, prepareRun, readNotebook, resolveParameters, runbookParameters, withInvestigation, writeNotebook } from '../../src/notebook/index.js';
import { toolVersions } from '../../src/notebook/provenance.js';
import { ROOT } from '../helpers/paths.js';
import { DOLLAR_RULE, dollarRuleNotebook, launchChromium, waitForJupyter } from '../helpers/browser.js';
import { freePort } from '../helpers/services/ports.js';
import { kernelspecPath, tmp, cleanup } from '../notebook/harness.js';

const LAB = path.join(ROOT, 'test/jupyterlab');
const SHOTS = path.join(tmp, 'screenshots');
const VEGALITE = 'application/vnd.vegalite.v5+json';

let browser: Browser | undefined;
const servers: ChildProcess[] = [];
/** The l7-ddos-triage notebook as JupyterLab saved it after Run All. */
let labSaved: string | undefined;

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  // jupyter_server asks kernels to shut down first; SIGKILL only if that hangs.
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Lab {
  page: Page;
  server: ChildProcess;
  log: () => string;
}

/** A jupyter_server serving the JupyterLab page over `dir`, and a page with `notebook` open and its kernel ready. */
async function openInLab(dir: string, notebook: string): Promise<Lab> {
  assert.ok(fs.existsSync(path.join(LAB, 'build/index.js')), 'test/jupyterlab/build/ is missing: run bash test/jupyterlab/build.sh');
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  const jupyter = path.join(dir, '.jupyter');
  const server = spawn(
    '/usr/bin/python3',
    [
      '-m', 'jupyter_server', '--allow-root', '--no-browser',
      '--ServerApp.jpserver_extensions=netrunbook_jupyterlab=True',
      '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
      `--ServerApp.token=${token}`, `--ServerApp.root_dir=${dir}`,
    ],
    {
      env: {
        ...process.env,
        PYTHONPATH: LAB,
        JUPYTER_PATH: kernelspecPath(),
        JUPYTER_CONFIG_DIR: path.join(jupyter, 'config'),
        JUPYTER_DATA_DIR: path.join(jupyter, 'data'),
        JUPYTER_RUNTIME_DIR: path.join(jupyter, 'runtime'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  servers.push(server);
  let log = '';
  server.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  server.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const base = `http://127.0.0.1:${port}`;
  await waitForJupyter(base, token, server, () => log);

  browser ??= await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${base}/netrunbook-lab?path=${encodeURIComponent(notebook)}&token=${token}`);
  await page.waitForFunction('document.body.dataset.notebookReady || document.body.dataset.notebookError', undefined, { timeout: 90_000 });
  const failed = await page.evaluate('document.body.dataset.notebookError');
  assert.is(failed, undefined, `page failed: ${String(failed)}\n${pageErrors.join('\n')}\n${log}`);
  return { page, server, log: () => log };
}

interface RunReport {
  ok: boolean;
  kernel: string | undefined;
  status: string | undefined;
  codeCells: number;
  unexecuted: number;
  errors: string[];
}

/** Starts JupyterLab's "Run All Cells" (NotebookActions.runAll) without waiting for it. */
async function startRunAll(page: Page): Promise<void> {
  // Not returned to evaluate: Playwright would await the promise, and a cell waiting for input never ends.
  await page.evaluate("window.runAllDone = window.jupyterlabTest.commands.execute('notebook:run-all-cells'); undefined");
}

/** Waits for the run started by startRunAll, then reports what the notebook model holds. */
async function finishRun(page: Page): Promise<RunReport> {
  return (await page.evaluate(`(async () => {
    const { panel } = window.jupyterlabTest;
    const ok = await window.runAllDone;
    const kernel = panel.sessionContext.session?.kernel;
    // runAll resolves when the last execute_reply arrives; output messages precede it, but
    // wait for the kernel's idle status too.
    for (let i = 0; i < 100 && kernel && kernel.status !== 'idle'; i++) await new Promise((r) => setTimeout(r, 100));
    const cells = panel.content.model.sharedModel.cells.filter((c) => c.cell_type === 'code');
    const errors = cells.flatMap((c) => c.outputs.filter((o) => o.output_type === 'error').map((o) => o.ename + ': ' + o.evalue));
    return {
      ok,
      kernel: kernel?.name,
      status: kernel?.status,
      codeCells: cells.length,
      unexecuted: cells.filter((c) => !(c.execution_count > 0)).length,
      errors,
    };
  })()`)) as RunReport;
}

async function runAll(page: Page): Promise<RunReport> {
  await startRunAll(page);
  return finishRun(page);
}

/** Run All on the runbook kernel, asserting every code cell ran without an error. */
async function runAllCleanly(page: Page): Promise<RunReport> {
  const run = await runAll(page);
  assert.is(run.kernel, 'runbook');
  assert.equal(run.errors, []);
  assert.ok(run.ok, 'Run All reported a failed cell');
  assert.is(run.status, 'idle');
  assert.is(run.unexecuted, 0, `of ${run.codeCells} code cells`);
  return run;
}

interface Rendered {
  vegaWidgets: number;
  charts: { marks: number; paths: number; width: number; height: number; text: string }[];
  svgFallbacks: number;
  /** Error outputs, stderr and renderer failures ("Javascript Error: ...") all render as stderr. */
  stderr: string[];
  markdownHeadings: string[];
}

async function rendered(page: Page): Promise<Rendered> {
  return (await page.evaluate(`(() => {
    const charts = Array.from(document.querySelectorAll('.jp-OutputArea-output.jp-RenderedVegaLite .vega-embed svg.marks')).map((svg) => {
      const r = svg.getBoundingClientRect();
      return {
        marks: svg.querySelectorAll('g[class*="mark-"]').length,
        paths: svg.querySelectorAll('g[class*="mark-"] path').length,
        width: r.width,
        height: r.height,
        text: svg.textContent || '',
      };
    });
    return {
      vegaWidgets: document.querySelectorAll('.jp-OutputArea-output.jp-RenderedVegaLite').length,
      charts,
      svgFallbacks: document.querySelectorAll('.jp-OutputArea-output.jp-RenderedSVG').length,
      stderr: Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).map((e) => (e.textContent || '').slice(0, 500)),
      markdownHeadings: Array.from(document.querySelectorAll('.jp-MarkdownOutput h1, .jp-MarkdownOutput h2')).map((h) => (h.textContent || '').replace(/¶$/, '').trim()),
    };
  })()`)) as Rendered;
}

/**
 * A screenshot file, checked for content: the page itself decodes the PNG and counts pixels that
 * are not near-white (a blank or unstyled page has almost none).
 */
async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  const png = await page.screenshot({ path: file });
  const inked = (await page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${png.toString('base64')}';
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, img.width, img.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200) n++;
    return n / (px.length / 4);
  })()`)) as number;
  assert.ok(inked > 0.01, `screenshot ${file}: only ${(inked * 100).toFixed(2)}% of pixels are not white`);
  return file;
}

/** l7-ddos-triage with its parameters injected (the bundled sample, absolute), as `runbook run` starts it. */
function triageDir(name: string): string {
  const rb = loadRunbook(findRunbook('l7-ddos-triage'));
  const values = resolveParameters(runbookParameters(rb), { traffic: path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz') });
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  writeNotebook(path.join(dir, 'triage.ipynb'), prepareRun(rb, values));
  return dir;
}

test.after(async () => {
  await browser?.close();
  await Promise.all(servers.map(stopServer));
  if (!process.env.KEEP_SCREENSHOTS) cleanup();
  else console.log(`screenshots in ${SHOTS}`);
});

test('a cell that builds a chart from a tiny table renders it through the vega5 extension as SVG', async () => {
  const dir = path.join(tmp, 'lab-small');
  fs.mkdirSync(dir, { recursive: true });
  const source = [
    "import { Chart } from 'netrunbook/viz';",
    'const rows = [{ source: "192.0.2.1", requests: 40 }, { source: "198.51.100.7", requests: 3 }];',
    'const chart = await Chart.render({',
    '  data: { values: rows }, mark: "bar", width: 300,',
    '  encoding: { y: { field: "source", type: "nominal" }, x: { field: "requests", type: "quantitative" } },',
    '}, { title: "Tiny table", rows });',
    'chart',
  ];
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'runbook', display_name: 'TypeScript (runbook)', language: 'typescript' } },
    cells: [
      { cell_type: 'markdown', id: 'title', metadata: {}, source: ['# Tiny chart'] },
      { cell_type: 'code', id: 'chart', metadata: {}, execution_count: null, outputs: [], source: source.map((l, i) => (i < source.length - 1 ? `${l}\n` : l)) },
    ],
  };
  fs.writeFileSync(path.join(dir, 'tiny.ipynb'), JSON.stringify(nb));

  const { page, server } = await openInLab(dir, 'tiny.ipynb');
  try {
    await runAllCleanly(page);

    await page.waitForSelector('.jp-OutputArea-output.jp-RenderedVegaLite .vega-embed svg.marks', { timeout: 30_000 });
    const r = await rendered(page);
    assert.is(r.vegaWidgets, 1, 'one Vega-Lite output');
    assert.is(r.svgFallbacks, 0, 'JupyterLab chose application/vnd.vegalite.v5+json over image/svg+xml');
    assert.equal(r.stderr, [], 'no error, stderr or renderer-failure output');
    const chart = r.charts[0];
    assert.ok(chart, 'the vega5 extension drew an <svg> (embed_options.renderer = svg)');
    assert.ok((await page.$$('.vega-embed svg .mark-rect path')).length >= 2, 'one bar per row');
    assert.ok(chart.width > 200 && chart.height > 30, `chart size ${chart.width}x${chart.height}`);
    assert.match(chart.text, /192\.0\.2\.1/);
    assert.equal(r.markdownHeadings, ['Tiny chart']);
    await screenshot(page, 'tiny');
  } finally {
    await page.close();
    await stopServer(server);
  }
});

test('Run All Cells in JupyterLab executes l7-ddos-triage on the runbook kernel and draws all its charts', async () => {
  const dir = triageDir('lab-triage');
  const { page, server } = await openInLab(dir, 'triage.ipynb');
  try {
    await runAllCleanly(page);

    // Six charts: traffic over time, top sources, path heat map, status over time, score distribution, signature matrix.
    await page.waitForFunction("document.querySelectorAll('.jp-OutputArea-output.jp-RenderedVegaLite .vega-embed svg.marks').length >= 6", undefined, { timeout: 60_000 });
    const r = await rendered(page);
    assert.is(r.svgFallbacks, 0, 'every chart rendered by the vega5 extension, none by the SVG fallback');
    assert.equal(r.stderr, [], 'no error, stderr or renderer-failure output');
    assert.is(r.charts.length, r.vegaWidgets);
    assert.ok(r.charts.length >= 6, `charts: ${r.charts.length}`);
    for (const [i, c] of r.charts.entries()) {
      assert.ok(c.marks > 0 && c.paths > 0, `chart ${i} has no marks`);
      assert.ok(c.width > 100 && c.height > 50, `chart ${i} size ${c.width}x${c.height}`);
    }
    assert.ok(r.markdownHeadings.includes('L7 DDoS triage'), `headings: ${r.markdownHeadings.join(' | ')}`);
    const verdict = (await page.evaluate("document.querySelector('.jp-Notebook')?.textContent || ''")) as string;
    assert.match(verdict, /requests are malicious/);
    // Scrolled to the first chart, so the screenshot shows one.
    await page.evaluate("document.querySelector('.jp-RenderedVegaLite').scrollIntoView()");
    await screenshot(page, 'l7-ddos-triage');
    // File > Save: JupyterLab serialises its model back through the contents API (read by the next test).
    await page.evaluate('window.jupyterlabTest.panel.context.save()');
    labSaved = path.join(dir, 'triage.ipynb');
  } finally {
    await page.close();
    await stopServer(server);
  }
});

test('a runbook run and saved in JupyterLab keeps every chart bundle and exports as a postmortem', () => {
  assert.ok(labSaved, 'the l7-ddos-triage run in JupyterLab (previous test) did not save its notebook');
  const nb = readNotebook(labSaved);
  assert.is(nb.metadata.runbook?.id, 'l7-ddos-triage');
  assert.is(nb.metadata.kernelspec?.name, 'runbook');
  const outputs = nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []));
  assert.equal(outputs.filter((o) => o.output_type === 'error'), []);
  const charts = outputs.flatMap((o) => (o.output_type === 'display_data' || o.output_type === 'execute_result' ? [o] : []))
    .filter((o) => o.data[VEGALITE] !== undefined);
  assert.ok(charts.length >= 6, `saved chart outputs: ${charts.length}`);
  for (const [i, o] of charts.entries()) {
    assert.type(o.data['image/svg+xml'], 'string', `chart ${i} kept its image/svg+xml`);
    assert.type(o.data['text/plain'], 'string', `chart ${i} kept its text/plain`);
    const meta = o.metadata?.[VEGALITE] as { embed_options?: { renderer?: string } } | undefined;
    assert.is(meta?.embed_options?.renderer, 'svg', `chart ${i} kept embed_options.renderer`);
  }

  const html = exportHtml(nb);
  assert.ok((html.match(/<img class="chart" alt="chart" src="data:image\/svg\+xml/g) ?? []).length >= 6, 'postmortem shows the charts as SVG');
  assert.match(html, /requests are malicious/);
});

test('a runbook stepped through in JupyterLab saves the kernel run record: the same metadata.investigation a headless run writes', async () => {
  assert.ok(labSaved, 'the l7-ddos-triage run in JupyterLab (earlier test) did not save its notebook');
  const saved = readNotebook(labSaved);
  assert.is(saved.metadata.investigation, undefined, 'JupyterLab wrote no metadata.investigation itself');
  const code = saved.cells.filter((c) => c.cell_type === 'code');
  const records = code.flatMap((c) => (c.cell_type === 'code' ? c.outputs : [])).filter((o) => o.output_type === 'display_data' && o.data['application/vnd.netrunbook.investigation+json']);
  assert.is(records.length, 1, 'one run record output');
  const nb = withInvestigation(saved);
  const inv = nb.metadata.investigation;
  assert.ok(inv, 'metadata.investigation from the run record');
  if (!inv) return;
  // the injected cell's values over the parameters cell's defaults
  const expected = resolveParameters(runbookParameters(loadRunbook(findRunbook('l7-ddos-triage'))), { traffic: path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz') });
  assert.equal(inv.parameters, expected);
  assert.is(inv.status, 'ok');
  assert.is(inv.runbook.id, 'l7-ddos-triage');
  const tools = await toolVersions();
  assert.is(inv.tools.curl, tools.curl);
  assert.is(inv.tools.openssl, tools.openssl);
  // JupyterLab sends each cell's id and updates the record display in the first cell after every
  // later cell: every code cell has its timing, in order
  const runs = nb.cells.flatMap((c) => (c.cell_type === 'code' ? [c.metadata.runbook] : []));
  assert.is(runs.length, code.length);
  for (const [i, r] of runs.entries()) {
    assert.ok(r && r.status === 'ok' && (r.durationMs ?? -1) >= 0, `code cell ${i}: ${JSON.stringify(r)}`);
  }
  const starts = runs.map((r) => r?.startedAt ?? '');
  assert.equal(starts, [...starts].sort());
  assert.ok((runs.at(-1)?.finishedAt ?? '') <= (inv.finishedAt ?? ''));
});

test('a WAF rule with two $ stays verbatim in JupyterLab (stream, table, markdown output), copied from the DOM, while its MathJax typesets a markdown cell', async () => {
  const dir = path.join(tmp, 'lab-dollars');
  fs.mkdirSync(dir, { recursive: true });
  const rule = DOLLAR_RULE;
  const nb = dollarRuleNotebook(rule);
  fs.writeFileSync(path.join(dir, 'rules.ipynb'), JSON.stringify(nb));
  const { page, server } = await openInLab(dir, 'rules.ipynb');
  try {
    await runAllCleanly(page);
    // MathJax typesets asynchronously (and loads on first use): wait for the control.
    await page.waitForFunction("!!document.querySelector('.jp-MarkdownCell mjx-container')", undefined, { timeout: 60_000, polling: 250 }).catch(async (err: Error) => {
      throw new Error(`${err.message}: the markdown cell was not typeset: ${String(await page.evaluate("document.querySelector('.jp-MarkdownCell .jp-RenderedMarkdown')?.outerHTML"))}`);
    });
    await new Promise((r) => setTimeout(r, 500));
    const got = (await page.evaluate(`(() => {
      const cells = Array.from(document.querySelectorAll('.jp-CodeCell'));
      const out = (i) => cells[i]?.querySelector('.jp-OutputArea-output');
      return {
        stream: out(0)?.textContent ?? null,
        td: cells[1]?.querySelector('.jp-OutputArea-output table td')?.textContent ?? null,
        md: out(2)?.textContent?.trim() ?? null,
        math: cells.map((c) => c.querySelectorAll('.jp-OutputArea mjx-container, .jp-OutputArea .MathJax').length),
        control: document.querySelector('.jp-MarkdownCell mjx-container')?.getAttribute('jax') ?? null,
        controlText: document.querySelector('.jp-MarkdownCell .jp-RenderedMarkdown')?.textContent ?? '',
      };
    })()`)) as { stream: string | null; td: string | null; md: string | null; math: number[]; control: string | null; controlText: string };
    assert.is(got.stream, `${rule}\n`);
    assert.is(got.td, rule);
    assert.is(got.md, `Proposed rule: ${rule}`);
    assert.equal(got.math, [0, 0, 0], 'no MathJax output inside the rule outputs');
    assert.is(got.control, 'CHTML', 'MathJax typeset the control cell');
    assert.not.match(got.controlText, /\$x\^2\$/, 'the control math no longer shows as source');
    await screenshot(page, 'dollars');
  } finally {
    await page.close();
    await stopServer(server);
  }
});

test('prompt() in a cell asks through JupyterLab\'s stdin box and the answer reaches the cell', async () => {
  const dir = path.join(tmp, 'lab-stdin');
  fs.mkdirSync(dir, { recursive: true });
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'runbook', display_name: 'TypeScript (runbook)', language: 'typescript' } },
    cells: [
      {
        cell_type: 'code', id: 'ask', metadata: {}, execution_count: null, outputs: [],
        source: ["const host = await prompt('Hostname to check:');\n", 'const go = await confirm(`Run dig for ${host}?`);\n', '`${host.toUpperCase()} ${go}`'],
      },
    ],
  };
  fs.writeFileSync(path.join(dir, 'ask.ipynb'), JSON.stringify(nb));

  const { page, server } = await openInLab(dir, 'ask.ipynb');
  try {
    await startRunAll(page);
    const input = page.locator('.jp-Stdin-input');
    await input.waitFor({ timeout: 60_000 });
    assert.match((await page.textContent('.jp-Stdin-prompt')) ?? '', /Hostname to check:/);
    await input.fill('example.net');
    await input.press('Enter');
    // confirm() asks a second question in a fresh box.
    await page.waitForFunction("Array.from(document.querySelectorAll('.jp-Stdin-prompt')).some((e) => /Run dig for example\\.net\\?/.test(e.textContent || ''))", undefined, { timeout: 30_000 });
    // The answered box stays in the output area; the new one follows its prompt.
    const second = page.locator('.jp-Stdin', { hasText: 'Run dig for example.net? [y/N]' }).locator('.jp-Stdin-input');
    await second.fill('y');
    await second.press('Enter');
    const run = await finishRun(page);
    assert.equal(run.errors, []);
    assert.ok(run.ok);
    const result = (await page.evaluate("document.querySelector('.jp-OutputArea-executeResult')?.textContent || ''")) as string;
    assert.match(result, /EXAMPLE\.NET true/);
  } finally {
    await page.close();
    await stopServer(server);
  }
});

test.run();
