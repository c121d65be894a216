/**
 * Renderers of the postmortem model: self-contained HTML (charts as sanitised base64 images, CSP
 * forbids script) and Markdown (charts as SVG files written next to it, or inlined on request).
 * Every string from the data is escaped (HTML) or neutralised (Markdown).
 */
import { escapeHtml } from '../../display.js';
import { fence, neutralizeMarkdown, renderMarkdown } from '../markdown.js';
import { sanitizeHtml, svgDataUrl } from '../sanitize.js';
import type { MitigationEntry, TimelineEvent } from './contract.js';
import { pct, type DocChart, type PostmortemDoc } from './model.js';

export const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d2330}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #d8dde6;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}td,th{border:1px solid #d8dde6;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f4f8}pre{background:#f6f8fa;padding:.7em;overflow:auto;font-size:12px;white-space:pre-wrap;word-break:break-all}
code{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}.error pre{background:#fdecec}
img.chart{max-width:100%;height:auto;border:1px solid #eef0f4;display:block;margin:.5em 0}
p.summary{font-size:1.05em;background:#f5f8ff;border-left:4px solid #3b6fd8;padding:.6em .9em}
.status-applied{color:#17803d;font-weight:bold}.status-review{color:#b42318}.status-recommended{color:#1d4ed8}
details summary{cursor:pointer;color:#4a5568}.muted{color:#667085}.kv th{width:14em}
@media print{details{display:block}details>*{display:block}h2{break-after:avoid}img.chart{break-inside:avoid}}
`;

function fmtAt(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.000)?Z$/, ' UTC');
}

function kvTable(rows: readonly (readonly [string, string])[], cls = 'kv'): string {
  return `<table class="${cls}"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

function chartImg(c: DocChart): string {
  return `<img class="chart" alt="chart" src="${svgDataUrl(c.svg)}" title="${escapeHtml(c.title)}" aria-label="${escapeHtml(c.title)}">`;
}

function backtestText(m: MitigationEntry): string {
  if (!m.backtest) return '';
  return `stops ${pct(m.backtest.attack)} of ${m.attackOf ?? 'the attack'}; hits ${pct(m.backtest.good, 3)} of good traffic${m.backtest.hitsGood ? ' (HITS GOOD TRAFFIC)' : ''}`;
}

function thresholdText(m: MitigationEntry): string {
  const t = m.threshold;
  if (!t) return '';
  return `${t.requests} requests per ${t.periodSeconds} s${t.characteristics?.length ? ` per ${t.characteristics.join(' + ')}` : ''}${t.mitigationSeconds ? `, then ${m.action} for ${t.mitigationSeconds} s` : ''}`;
}

const STATUS_TITLE: Record<MitigationEntry['status'], string> = { applied: 'Applied', recommended: 'Recommended: safe to deploy', review: 'Needs review before deploying' };

function timelineRows(events: readonly TimelineEvent[]): string {
  return events
    .map((e) => `<tr data-kind="${escapeHtml(e.kind)}" data-source="${escapeHtml(e.source)}"><td><time datetime="${escapeHtml(e.at)}">${escapeHtml(fmtAt(e.at))}</time></td><td>${escapeHtml(e.kind)}</td><td>${escapeHtml(e.what)}</td><td>${escapeHtml(e.source)}</td></tr>`)
    .join('');
}

function mitigationHtml(m: MitigationEntry): string {
  const rows: [string, string][] = [['Kind', m.kind], ['Action', m.action]];
  if (m.description) rows.push(['What', m.description]);
  if (m.backtest) rows.push(['Backtest', backtestText(m)]);
  if (m.threshold) rows.push(['Threshold', thresholdText(m)]);
  if (m.appliedAt) rows.push(['Applied at', fmtAt(m.appliedAt)]);
  if (m.effect) rows.push(['Measured effect', m.effect]);
  const parts = [`<div class="mitigation" data-status="${escapeHtml(m.status)}" data-kind="${escapeHtml(m.kind)}">`, `<p><code class="expression">${escapeHtml(m.expression)}</code></p>`, kvTable(rows)];
  if (m.list) parts.push(`<p>List <code>${escapeHtml(m.list.name)}</code>, ${m.list.items.length} items (complete):</p><pre class="list-items">${escapeHtml(m.list.items.join('\n'))}</pre>`);
  if (m.nftables) parts.push(`<p>nftables:</p><pre class="nftables">${escapeHtml(m.nftables)}</pre>`);
  parts.push('</div>');
  return parts.join('');
}

export function renderHtml(doc: PostmortemDoc): string {
  const p: string[] = [];
  p.push(`<h1>${escapeHtml(doc.title)}</h1>`);
  p.push(`<p class="muted">For: ${escapeHtml(doc.audience)} · status: <span class="run-status">${escapeHtml(doc.status)}</span></p>`);
  p.push('<section id="summary"><h2>Summary</h2>', `<p class="summary">${escapeHtml(doc.summary)}</p></section>`);
  if (doc.timeline.length) {
    p.push('<section id="timeline"><h2>Timeline</h2><table><thead><tr><th>Time (UTC)</th><th>Event</th><th>What</th><th>Source</th></tr></thead><tbody>', timelineRows(doc.timeline), '</tbody></table></section>');
  }
  if (doc.impact.length) p.push('<section id="impact"><h2>Impact</h2>', kvTable(doc.impact.map((i) => [i.label, i.value] as const), 'kv impact'), '</section>');
  if (doc.vectors.length) {
    p.push('<section id="vectors"><h2>Attack vectors</h2><table><thead><tr><th>Vector</th><th>Share</th><th>Sources</th><th>Evidence</th></tr></thead><tbody>');
    for (const v of doc.vectors) p.push(`<tr><td>${escapeHtml(v.name)}</td><td>${v.share !== undefined ? escapeHtml(pct(v.share)) : ''}</td><td>${escapeHtml(v.sources ?? '')}</td><td>${escapeHtml(v.description)}</td></tr>`);
    p.push('</tbody></table>', ...doc.vectorCharts.map(chartImg), '</section>');
  }
  if (doc.mitigations.length) {
    p.push('<section id="mitigations"><h2>Mitigations</h2>');
    for (const status of ['applied', 'recommended', 'review'] as const) {
      const ms = doc.mitigations.filter((m) => m.status === status);
      if (ms.length) p.push(`<h3 class="status-${status}">${STATUS_TITLE[status]}</h3>`, ...ms.map(mitigationHtml));
    }
    p.push('</section>');
  }
  if (doc.residualRisk.length || doc.followUps.length) {
    p.push('<section id="followups"><h2>Residual risk and follow-ups</h2>');
    if (doc.residualRisk.length) p.push('<h3>Residual risk</h3><ul>', ...doc.residualRisk.map((r) => `<li>${escapeHtml(r)}</li>`), '</ul>');
    if (doc.followUps.length) p.push('<h3>Follow-ups</h3><ul>', ...doc.followUps.map((r) => `<li>${escapeHtml(r)}</li>`), '</ul>');
    p.push('</section>');
  }
  if (doc.verdict) p.push('<section id="verdict"><h2>Verdict</h2>', `<div class="md">${renderMarkdown(doc.verdict)}</div></section>`);
  if (doc.evidence.length) {
    p.push('<section id="appendix"><h2>Appendix: evidence</h2>');
    for (const e of doc.evidence) {
      switch (e.type) {
        case 'heading': p.push(`<h3>${escapeHtml(e.text)}</h3>`); break;
        case 'markdown': p.push(`<div class="md">${renderMarkdown(e.text)}</div>`); break;
        case 'html': p.push(`<div class="html">${sanitizeHtml(e.html)}</div>`); break;
        case 'text': p.push(`<pre>${escapeHtml(e.text)}</pre>`); break;
        case 'chart': p.push(chartImg(e.chart)); break;
        case 'code': p.push(`<details class="code"><summary>Step ${e.step}${e.status ? ` — ${escapeHtml(e.status)}` : ''} (code)</summary><pre><code>${escapeHtml(e.text)}</code></pre></details>`); break;
        case 'error': p.push(`<div class="error"><pre>${escapeHtml(e.text)}</pre></div>`); break;
        case 'transcript':
          p.push(
            `<details class="transcript"><summary><code>${escapeHtml(e.argv)}</code> — ${escapeHtml(e.label)}, exit ${escapeHtml(e.exit)}, ${escapeHtml(e.durationMs)} ms</summary>`,
            e.stdout ? `<h4>stdout</h4><pre>${escapeHtml(e.stdout)}</pre>` : '',
            e.stderr ? `<h4>stderr</h4><pre>${escapeHtml(e.stderr)}</pre>` : '',
            '</details>',
          );
          break;
      }
    }
    p.push('</section>');
  }
  p.push('<section id="run"><h2>Run record</h2>', kvTable(doc.run));
  if (doc.parameters.length) p.push('<h3>Parameters</h3>', kvTable(doc.parameters));
  p.push('</section>');
  const generated = `<p class="muted">Generated by netrunbook from an executed runbook. Secrets are redacted; all data is escaped.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}</style></head>
<body>
${p.join('\n')}
${generated}
</body></html>
`;
}

// ---- Markdown -----------------------------------------------------------------------------------

function mdCell(v: string): string {
  return neutralizeMarkdown(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.map(mdCell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

export interface MarkdownFile {
  /** Relative to the Markdown file. */
  name: string;
  content: string;
}

export interface MarkdownOptions {
  /** Embed charts as data URIs instead of files (one file, but large). */
  inline?: boolean;
  /** Directory (relative to the Markdown file) for chart files; default `<base>-charts`. */
  chartDir?: string;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50) || 'chart';
}

/** Markdown text plus the chart files it links to. */
export function renderMarkdownDoc(doc: PostmortemDoc, opts: MarkdownOptions = {}): { text: string; files: MarkdownFile[] } {
  const files: MarkdownFile[] = [];
  const names = new Map<string, string>();
  const dir = opts.chartDir ?? 'charts';
  const chart = (c: DocChart): string => {
    const alt = neutralizeMarkdown(c.title).replace(/[[\]]/g, '');
    if (opts.inline) return `![${alt}](${svgDataUrl(c.svg)})`;
    let name = names.get(c.svg);
    if (!name) {
      name = `${dir}/${String(files.length + 1).padStart(2, '0')}-${slug(c.title)}.svg`;
      names.set(c.svg, name);
      files.push({ name, content: c.svg });
    }
    return `![${alt}](${encodeURI(name)})`;
  };
  const out: string[] = [`# ${neutralizeMarkdown(doc.title)}`, '', `*For: ${doc.audience} · status: ${neutralizeMarkdown(doc.status)}*`, '', '## Summary', '', neutralizeMarkdown(doc.summary), ''];
  if (doc.timeline.length) out.push('## Timeline', '', mdTable(['Time (UTC)', 'Event', 'What', 'Source'], doc.timeline.map((e) => [fmtAt(e.at), e.kind, e.what, e.source])), '');
  if (doc.impact.length) out.push('## Impact', '', mdTable(['Figure', 'Value'], doc.impact.map((i) => [i.label, i.value])), '');
  if (doc.vectors.length) {
    out.push('## Attack vectors', '', mdTable(['Vector', 'Share', 'Sources', 'Evidence'], doc.vectors.map((v) => [v.name, v.share !== undefined ? pct(v.share) : '', String(v.sources ?? ''), v.description])), '');
    for (const c of doc.vectorCharts) out.push(chart(c), '');
  }
  if (doc.mitigations.length) {
    out.push('## Mitigations', '');
    for (const status of ['applied', 'recommended', 'review'] as const) {
      const ms = doc.mitigations.filter((m) => m.status === status);
      if (!ms.length) continue;
      out.push(`### ${STATUS_TITLE[status]}`, '');
      for (const m of ms) {
        out.push(`- **${neutralizeMarkdown(m.kind)} → ${neutralizeMarkdown(m.action)}**${m.description ? `: ${neutralizeMarkdown(m.description)}` : ''}`, '', fence(m.expression, 'text'), '');
        if (m.backtest) out.push(`  Backtest: ${neutralizeMarkdown(backtestText(m))}`, '');
        if (m.threshold) out.push(`  Threshold: ${neutralizeMarkdown(thresholdText(m))}`, '');
        if (m.appliedAt) out.push(`  Applied at: ${fmtAt(m.appliedAt)}`, '');
        if (m.effect) out.push(`  Measured effect: ${neutralizeMarkdown(m.effect)}`, '');
        if (m.list) out.push(`  List \`${m.list.name.replace(/`/g, "'")}\`, ${m.list.items.length} items (complete):`, '', fence(m.list.items.join('\n'), 'text'), '');
        if (m.nftables) out.push('  nftables:', '', fence(m.nftables, 'nft'), '');
      }
    }
  }
  if (doc.residualRisk.length || doc.followUps.length) {
    out.push('## Residual risk and follow-ups', '');
    if (doc.residualRisk.length) out.push('### Residual risk', '', ...doc.residualRisk.map((r) => `- ${neutralizeMarkdown(r)}`), '');
    if (doc.followUps.length) out.push('### Follow-ups', '', ...doc.followUps.map((r) => `- ${neutralizeMarkdown(r)}`), '');
  }
  if (doc.verdict) out.push('## Verdict', '', neutralizeMarkdown(doc.verdict), '');
  if (doc.evidence.length) {
    out.push('## Appendix: evidence', '');
    for (const e of doc.evidence) {
      switch (e.type) {
        case 'heading': out.push(`### ${neutralizeMarkdown(e.text)}`, ''); break;
        case 'markdown': out.push(neutralizeMarkdown(e.text), ''); break;
        case 'html': break; // tables are in the HTML/PDF forms; their numbers are in the sections above
        case 'text': out.push(fence(e.text.slice(0, 4000), 'text'), ''); break;
        case 'chart': out.push(chart(e.chart), ''); break;
        // a cell's status and a transcript's numbers come from the notebook's metadata: text, never HTML
        case 'code': out.push(`*Step ${neutralizeMarkdown(String(e.step))}${e.status ? ` — ${neutralizeMarkdown(String(e.status))}` : ''}*`, '', fence(e.text, 'typescript'), ''); break;
        case 'error': out.push(fence(e.text, 'text'), ''); break;
        case 'transcript':
          out.push(`#### \`${e.argv.replace(/`/g, "'").replace(/\n/g, ' ')}\``, '', `${neutralizeMarkdown(e.label)}: exit ${neutralizeMarkdown(String(e.exit))}, ${neutralizeMarkdown(String(e.durationMs))} ms`, '');
          if (e.stdout) out.push(fence(e.stdout, 'text'), '');
          if (e.stderr) out.push(fence(e.stderr, 'text'), '');
          break;
      }
    }
  }
  out.push('## Run record', '', mdTable(['', ''], doc.run), '');
  if (doc.parameters.length) out.push('### Parameters', '', mdTable(['Parameter', 'Value'], doc.parameters), '');
  return { text: `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`, files };
}
