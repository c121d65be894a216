/**
 * ../shared/redteam-repro/hostile.ipynb: a notebook whose metadata, parameters, sources and
 * outputs are script payloads that call home (fetch to 127.0.0.1:45999) and set window.__pwnN.
 * Its exports (HTML and Markdown, engineer and customer) opened in headless Chromium run none of
 * them, and the commands that read it (export, diff, rerun) answer with a result or a clear error,
 * exit 0 or 1, in under 10 s.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { exportHtml, exportMarkdown, readNotebook, type Audience } from '../../src/notebook/index.js';
import { CORPUS, ROOT } from '../helpers/paths.js';
import { launchChromium } from '../helpers/browser.js';

const HOSTILE = path.join(CORPUS, '../redteam-repro/hostile.ipynb');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-nb-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), ...args], { encoding: 'utf8', timeout: 10_000 });
let browser: Browser;
let hits = 0;
let server: http.Server | null = null;

test.before(async () => {
  browser = await launchChromium();
  // the payloads call home on this port: count the calls (if the port is free; the window check stands anyway)
  server = http.createServer((_q, r) => {
    hits++;
    r.end('');
  });
  await new Promise<void>((resolve) => {
    server?.once('error', () => {
      server = null;
      resolve();
    });
    server?.listen(45999, '127.0.0.1', () => resolve());
  });
});

test.after(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The Markdown text outside fenced code blocks and inline code spans (CommonMark fences). */
function outsideCode(md: string): string {
  const out: string[] = [];
  let fence: { ch: string; n: number } | null = null;
  for (const line of md.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && (m[1] as string)[0] === fence.ch && (m[1] as string).length >= fence.n && line.trim() === m[1]) fence = null;
      continue;
    }
    if (m) {
      fence = { ch: (m[1] as string)[0] as string, n: (m[1] as string).length };
      continue;
    }
    out.push(line.replace(/(`+)[\s\S]*?\1/g, ''));
  }
  return out.join('\n');
}

test('every export of the hostile notebook, opened in Chromium, runs none of its payloads', async () => {
  const nb = readNotebook(HOSTILE);
  for (const audience of ['engineer', 'customer'] as Audience[]) {
    const html = exportHtml(nb, { audience });
    const file = path.join(tmp, `${audience}.html`);
    fs.writeFileSync(file, html);
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(`file://${file}`);
    await page.waitForTimeout(500);
    const pwned = (await page.evaluate("Object.keys(window).filter((k) => k.startsWith('__pwn'))")) as string[];
    assert.equal(pwned, [], `${audience}: ${pwned.join(', ')}`);
    assert.is(dialogs, 0, audience);
    // the payloads are shown as text, not dropped silently
    assert.match((await page.evaluate('document.body.innerText')) as string, /script/);
    await page.close();
    // Markdown: payloads may stand inside code (fences and inline code render as text); anywhere
    // else a raw tag or a javascript: link would run in a renderer that passes HTML through
    const prose = outsideCode(exportMarkdown(nb, { audience }));
    assert.not.match(prose, /<(script|img|iframe|svg|object|embed)\b/i, `${audience} markdown carries raw HTML: ${/.{0,60}<(script|img|iframe|svg|object|embed)\b.{0,60}/i.exec(prose)?.[0]}`);
    assert.not.match(prose, /\]\(\s*javascript:/i, `${audience} markdown carries a javascript: link`);
  }
  assert.is(hits, 0, 'no payload called home');
});

test('export, diff and rerun on the hostile notebook answer with a result or a clear error, exit 0 or 1, in under 10 s', () => {
  for (const args of [['export', HOSTILE, '--to', 'html', '-o', path.join(tmp, 'cli.html')], ['export', HOSTILE, '--to', 'markdown', '--for', 'customer', '-o', path.join(tmp, 'cli.md')], ['diff', HOSTILE, HOSTILE, '--json'], ['rerun', HOSTILE, '-o', path.join(tmp, 'rerun.ipynb')]]) {
    const t0 = Date.now();
    const r = cli(...args);
    assert.ok(Date.now() - t0 < 10_000, `${args[0]} took ${Date.now() - t0} ms`);
    assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.not.match(r.stderr, /internal error/, `${args[0]}: ${r.stderr}`);
    if (r.status === 1) assert.ok(r.stderr.trim().length > 0, `${args[0]} failed without saying why`);
  }
});

test.run();
