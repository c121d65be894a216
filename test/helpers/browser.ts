/** Headless Debian Chromium for browser tests, with the flags this machine needs. */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Wait until a Jupyter server started by a test answers /api/status; fail with its log if it exits or hangs. */
export async function waitForJupyter(base: string, token: string, server: { exitCode: number | null }, log: () => string): Promise<void> {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/status?token=${token}`).then((r) => r.ok, () => false);
    if (ok) return;
    if (i > 150 || server.exitCode !== null) throw new Error(`Jupyter server at ${base} did not start:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
