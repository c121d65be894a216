/**
 * PDF of the postmortem through headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core, the only importer of playwright in src/). The HTML form is printed as is:
 * its CSP forbids script, so printing runs nothing from the data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../messages.js';

export const CHROMIUM = process.env.NETRUNBOOK_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export class PdfError extends Error {
  override name = 'PdfError';
  readonly userFacing = true;
}

/** Print self-contained HTML to PDF (A4, backgrounds on). */
export async function htmlToPdf(html: string): Promise<Buffer> {
  if (!fs.existsSync(CHROMIUM)) throw new PdfError(M.pdfNoChromium(CHROMIUM));
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new PdfError(M.pdfNoPlaywright);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-pdf-'));
  const file = path.join(dir, 'postmortem.html');
  fs.writeFileSync(file, html);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' } });
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
