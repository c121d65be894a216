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

/** A WAF rule with two `$` (a list reference and a regex end anchor): MathJax would read it as TeX. */
export const DOLLAR_RULE = 'ip.src in $bad_ips and http.request.uri.path matches "^/login$"';

/**
 * The notebook the `$` tests run in each front end: the rule printed as a stream, in an Arquero
 * table and in markdown output, then a markdown cell with real math (`$x^2$`) as the control that
 * MathJax ran.
 */
export function dollarRuleNotebook(rule = DOLLAR_RULE): Record<string, unknown> {
  const cells = [
    `console.log(${JSON.stringify(rule)});`,
    `import * as aq from "arquero";\ndisplay(aq.table({ rule: [${JSON.stringify(rule)}] }));`,
    `display.markdown(${JSON.stringify(`Proposed rule: ${rule}`)});`,
  ];
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'runbook', display_name: 'TypeScript (runbook)', language: 'typescript' } },
    cells: [
      ...cells.map((source, i) => ({ cell_type: 'code', id: `rule-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
      { cell_type: 'markdown', id: 'control', metadata: {}, source: 'Control: $x^2$ is math' },
    ],
  };
}
