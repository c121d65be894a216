/**
 * The exported postmortem opened in headless Chromium: attack traffic full of <script>,
 * onerror= and javascript: payloads (in the logs, in a markdown finding, in an HTML output) must
 * not execute, no dialog may open, and every chart must be visible (images loaded, non-zero size),
 * in the engineer and the customer copy; the PDF printed from it shows the payloads as text.
 */
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Browser } from 'playwright-core';
import { cellId, exportHtml, findRunbook, loadRunbook, readNotebook, runNotebook, writeExport, writeNotebook, type Audience, type Notebook } from '../../src/notebook/index.js';
import { kernelFactory } from '../../src/notebook/kernel.js';
import { ROOT } from '../helpers/paths.js';
import { launchChromium } from '../helpers/browser.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'export-browser-'));
const UA = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(2)"> Mozilla/5.0';
const URI = '/search?q=<script>window.__pwned=3</script>&next=javascript:window.__pwned=4';
let browser: Browser;

/** The bundled sample with every 4th request carrying script payloads in UA, URI, path and referer. */
function poisonedTraffic(): string {
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz'))).toString('utf8').split('\n').filter(Boolean).slice(0, 4000);
  const out = lines.map((l, i) => {
    if (i % 4) return l;
    const r = JSON.parse(l) as Record<string, unknown>;
    r.ClientRequestUserAgent = UA;
    r.ClientRequestURI = URI;
    r.ClientRequestPath = '/<svg onload=window.__pwned=5>';
    r.ClientRequestReferer = 'javascript:window.__pwned=6';
    return JSON.stringify(r);
  });
  const f = path.join(tmp, 'poisoned.ndjson');
  fs.writeFileSync(f, `${out.join('\n')}\n`);
  return f;
}

/** l7-ddos-triage plus an engineer's finding and a cell that displays raw HTML, both hostile. */
function poisonedRunbook(): { file: string; nb: Notebook } {
  const nb = loadRunbook(findRunbook('l7-ddos-triage'));
  nb.cells.push(
    { id: cellId(), cell_type: 'markdown', metadata: {}, source: '## Finding\n\nThe UA was <script>window.__pwned=7</script> see [details](javascript:window.__pwned=8) <img src=x onerror="window.__pwned=9">\n\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz' },
    { id: cellId(), cell_type: 'code', metadata: {}, source: 'display.html(\'<b>raw</b><script>window.__pwned=10</script><a href="javascript:window.__pwned=11">x</a><iframe src="javascript:window.__pwned=12"></iframe>\');', execution_count: null, outputs: [] },
  );
  const file = path.join(path.dirname(findRunbook('l7-ddos-triage')), `.poisoned-${process.pid}.ipynb`);
  writeNotebook(file, nb);
  return { file, nb };
}

test.before(async () => {
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let saved: Notebook;

async function openChecked(audience: Audience): Promise<string> {
  const html = exportHtml(saved, { audience });
  assert.match(html, '&lt;script&gt;window.__pwned=1&lt;/script&gt;');
  const htmlFile = path.join(tmp, `postmortem-${audience}.html`);
  fs.writeFileSync(htmlFile, html);
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`file://${htmlFile}`);
  await page.waitForLoadState('load');
  // Click every link and open every <details>: a javascript: URL that survived would run now.
  await page.evaluate('document.querySelectorAll("details").forEach((d) => { d.open = true; })');
  for (const a of await page.$$('a')) await a.click({ timeout: 1000 }).catch(() => undefined);
  const pwned = await page.evaluate('window.__pwned');
  assert.is(pwned, undefined, audience);
  assert.equal(dialogs, []);
  // (Browser-side code as strings: the test build has no DOM types.)
  const imgs = (await page.evaluate(
    'Array.from(document.images).map((i) => ({ cls: i.className, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width }))',
  )) as { cls: string; complete: boolean; w: number; h: number; shown: number }[];
  const charts = imgs.filter((i) => i.cls === 'chart');
  assert.ok(charts.length >= 6, `charts: ${charts.length}`);
  for (const c of charts) assert.ok(c.complete && c.w > 0 && c.h > 0 && c.shown > 0, JSON.stringify(c));
  assert.is(imgs.length, charts.length, 'no image other than charts');
  const text = (await page.evaluate('document.body.innerText')) as string;
  await page.close();
  return text;
}

test('an exported postmortem of poisoned traffic runs no script, opens no dialog and shows every chart', async () => {
  const traffic = poisonedTraffic();
  const { file, nb } = poisonedRunbook();
  const out = path.join(tmp, 'run.ipynb');
  try {
    const r = await runNotebook({ runbook: nb, runbookFile: file, parameters: { traffic }, out, kernel: kernelFactory() });
    assert.is(r.status, 'ok', JSON.stringify(readNotebook(out).cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs.filter((o) => o.output_type === 'error') : []))));
  } finally {
    fs.rmSync(file, { force: true });
  }
  saved = readNotebook(out);
  // The payloads really are in the evidence (otherwise this test would prove nothing).
  assert.match(JSON.stringify(saved.cells), '<script>window.__pwned=10</script>');
  const text = await openChecked('engineer');
  assert.match(text, '<script>window.__pwned=7</script>');
  assert.not.match(text, 'abcdefghijklmnopqrstuvwxyz');
  assert.match(text, 'Mitigations');
});

test('the customer copy of the poisoned postmortem runs no script either', async () => {
  const text = await openChecked('customer');
  assert.match(text, '<script>window.__pwned=7</script>');
  assert.not.match(text, 'abcdefghijklmnopqrstuvwxyz');
});

test('the PDF of the poisoned postmortem prints the payloads as text', async () => {
  const pdf = path.join(tmp, 'poisoned.pdf');
  await writeExport(saved, 'pdf', pdf, { audience: 'customer' });
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  assert.match(text, '<script>window.__pwned=7</script>');
  assert.not.match(text, 'abcdefghijklmnopqrstuvwxyz');
});

test.run();
