/** The text form of a classification's analysis, shared by `runbook classify` in memory and with --engine. */
import { textTable } from '../display.js';
import type { Classification } from '../classify/index.js';

type Summary = Classification['summary'];

/** Clusters, top sources, proposed mitigations, refusals and levers, as `runbook classify` prints them. */
export function analysisLines(s: Pick<Summary, 'clusters' | 'topSources' | 'mitigations' | 'refused' | 'levers' | 'incident' | 'evidence'>): string[] {
  return [
    'Attack clusters:',
    textTable(['id', 'attack', 'rows', 'sources'], s.clusters.map((x) => [x.id, x.name, x.rows, x.sources])),
    '',
    'Top sources:',
    textTable(['ip', 'rows', 'malicious'], s.topSources.map((x) => [x.ip, x.rows, x.malicious])),
    '',
    `Proposed mitigations (incident ${s.incident}; graded on ${s.evidence.source}):`,
    ...s.mitigations.map((m) => {
      const need = `${m.requires.plan}${m.requires.botManagement ? ' + Bot Management' : ''}${m.requires.products.length ? ` + ${m.requires.products.join(', ')}` : ''}`;
      const lines = [
        `  [${m.id} ${m.cluster}] ${m.kind} ${m.action} (${m.safe ? 'SAFE' : m.verdict.toUpperCase()}; requires ${need}${m.deployable === false ? ', NOT AVAILABLE on this zone' : ''}): ${m.expression.length > 160 ? `${m.expression.slice(0, 157)}...` : m.expression}`,
        `        attack ${(m.backtest.attack * 100).toFixed(1)}% of ${m.backtest.attackFigure.of}; possibly-good ${(m.backtest.good * 100).toFixed(3)}% of ${m.backtest.goodFigure.of} (95% CI ${(m.backtest.goodFigure.low * 100).toFixed(3)}-${(m.backtest.goodFigure.high * 100).toFixed(3)}%)`,
        `        ${m.why}`,
        `        where: ${m.position}`,
      ];
      if (m.breaks) lines.push(`        breaks: ${m.breaks}`);
      if (m.lowerPlan) lines.push(`        lower plan (${m.lowerPlan.requires.plan}): ${m.lowerPlan.expression}`);
      for (const r of m.api) lines.push(`        ${r.method} ${r.path}${r.body !== null && r.body !== undefined ? ` ${JSON.stringify(r.body).slice(0, 300)}` : ''}`);
      if (m.nftables) lines.push(...m.nftables.split('\n').map((l) => `        ${l}`));
      return lines.join('\n');
    }),
    '',
    'Refused by the guard rails:',
    ...(s.refused.length ? s.refused.map((r) => `  [${r.cluster}] ${r.kind} ${r.guard}: ${r.expression}\n        ${r.reason}${r.instead ? `\n        instead: ${r.instead}` : ''}`) : ['  (none)']),
    '',
    'Cloudflare levers:',
    ...(s.levers.length ? s.levers.map((l) => `  ${l.kind} (${l.clusters.join(' ')}; requires ${l.requires.plan}${l.requires.products.length ? ` + ${l.requires.products.join(', ')}` : ''}): ${l.why}`) : ['  (none)']),
  ];
}
