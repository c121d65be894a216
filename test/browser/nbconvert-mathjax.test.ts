/**
 * `$` in outputs against MathJax in nbconvert's HTML: a notebook executed on the runbook kernel and
 * converted by Debian's `jupyter nbconvert --execute --to html`, opened in headless Chromium from
 * its file:// URL. Debian's nbconvert points the page at the local MathJax 2
 * (file:///usr/share/javascript/mathjax/MathJax.js, package libjs-mathjax), so MathJax really runs
 * here without internet: the test asserts it typeset a markdown cell's `$x^2$` while a WAF rule with
 * two `$` stays verbatim in the stream, table and markdown outputs (text copied from the DOM).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { DOLLAR_RULE, dollarRuleNotebook, launchChromium } from '../helpers/browser.js';
import { kernelspecPath, tmp, cleanup } from '../notebook/harness.js';

const MATHJAX = '/usr/share/javascript/mathjax/MathJax.js';
const RULE = DOLLAR_RULE;

let browser: Browser | undefined;

test.after(async () => {
  await browser?.close();
  cleanup();
});

async function nbconvertHtml(input: string): Promise<string> {
  const child = spawn(
    '/usr/bin/python3',
    ['-m', 'nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.kernel_name=runbook', '--ExecutePreprocessor.timeout=120', '--output', 'rules.html', input],
    { env: { ...process.env, JUPYTER_PATH: kernelspecPath() }, cwd: path.dirname(input), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.is(code, 0, `nbconvert --to html failed:\n${stderr.slice(-3000)}`);
  return path.join(path.dirname(input), 'rules.html');
}

test('a WAF rule with two $ stays verbatim in nbconvert HTML (stream, table, markdown) while the local MathJax typesets a markdown cell', async () => {
  const dir = path.join(tmp, 'nbconvert-dollars-kernel2');
  fs.mkdirSync(dir, { recursive: true });
  const nb = dollarRuleNotebook(RULE);
  const input = path.join(dir, 'rules.ipynb');
  fs.writeFileSync(input, JSON.stringify(nb));
  const html = await nbconvertHtml(input);
  const text = fs.readFileSync(html, 'utf8');
  // Not vacuous: the page loads a MathJax that exists on this machine.
  const src = /<script src="([^"]*MathJax\.js[^"]*)"/.exec(text)?.[1];
  assert.ok(src, 'the HTML loads MathJax');
  assert.is(new URL(src ?? '').pathname, MATHJAX);
  assert.ok(fs.existsSync(MATHJAX), `${MATHJAX} (Debian libjs-mathjax) is installed`);

  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction('!!(window.MathJax && window.MathJax.Hub && window.MathJax.isReady)', undefined, { timeout: 60_000 });
  // Wait for the typesetting queued by the page to finish.
  await page.evaluate('new Promise((resolve) => window.MathJax.Hub.Queue(resolve))');
  const got = (await page.evaluate(`(() => {
    const cells = Array.from(document.querySelectorAll('.jp-CodeCell'));
    const math = (el) => el ? el.querySelectorAll('.MathJax, .MathJax_CHTML, .mjx-chtml, script[type^="math/tex"]').length : -1;
    const outs = cells.map((c) => c.querySelector('.jp-Cell-outputWrapper, .jp-OutputArea'));
    const md = document.querySelector('.jp-MarkdownCell');
    return {
      stream: cells[0]?.querySelector('.jp-OutputArea-output pre')?.textContent ?? null,
      td: cells[1]?.querySelector('.jp-OutputArea-output table td')?.textContent ?? null,
      md: cells[2]?.querySelector('.jp-OutputArea-output')?.textContent?.trim() ?? null,
      math: outs.map(math),
      controlTex: md?.querySelector('script[type^="math/tex"]')?.textContent ?? null,
      controlRendered: md ? md.querySelectorAll('.MathJax_CHTML, .mjx-chtml').length : 0,
      version: window.MathJax.version,
    };
  })()`)) as { stream: string | null; td: string | null; md: string | null; math: number[]; controlTex: string | null; controlRendered: number; version: string };
  assert.match(got.version, /^2\./);
  assert.is(got.controlTex, 'x^2', 'MathJax typeset the markdown cell');
  assert.ok(got.controlRendered > 0, 'MathJax rendered the control as CommonHTML');
  assert.is(got.stream, `${RULE}\n`);
  assert.is(got.td, RULE);
  assert.is(got.md, `Proposed rule: ${RULE}`);
  assert.equal(got.math, [0, 0, 0], 'no MathJax inside the rule outputs');
  await page.close();
});

test.run();
