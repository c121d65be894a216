/** Tiny executed notebooks for export/diff tests (built in code, so each test shows its data). */
import type { Notebook, Output } from '../../src/notebook/index.js';

export function executed(outputs: Output[][], opts: { markdown?: string; parameters?: Record<string, string> } = {}): Notebook {
  const t = '2026-11-24T03:00:00.000Z';
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      runbook: { id: 'demo', version: '1.2.0', title: 'Demo runbook', summary: 'A demo.' },
      investigation: {
        runbook: { id: 'demo', version: '1.2.0', sha256: 'ab'.repeat(32) },
        parameters: opts.parameters ?? { name: 'www.example.test' },
        startedAt: t,
        finishedAt: '2026-11-24T03:00:05.000Z',
        status: 'ok',
        host: 'host1',
        user: 'oncall',
        kernel: { name: 'runbook', version: '0.1.0', implementation: 'netrunbook' },
        tools: { dig: '9.18' },
      },
    },
    cells: [
      { id: 'intro', cell_type: 'markdown', metadata: {}, source: opts.markdown ?? '# Demo\n\nFinding: all good.' },
      ...outputs.map((o, i) => ({
        id: `c${i}`,
        cell_type: 'code' as const,
        metadata: { runbook: { status: 'ok' as const, startedAt: t, finishedAt: t, durationMs: 12 } },
        source: `// step ${i}\nx${i}`,
        execution_count: i + 1,
        outputs: o,
      })),
    ],
  };
}

export const json = (value: unknown, extra: Record<string, unknown> = {}): Output => ({ output_type: 'display_data', data: { 'application/json': value, 'text/plain': 'r', ...extra }, metadata: {} });

export function step(kind: string, data: unknown, ok = true): Record<string, unknown> {
  return { kind, ok, data, error: null, transcript: [{ argv: ['dig', 'x'], exitCode: 0, signal: null, stdout: 'out', stderr: '', startedAt: '2026-11-24T03:00:00Z', durationMs: Math.round(Math.random() * 100), timedOut: false }] };
}
