/**
 * The postmortem document model, built from an executed notebook's results (not its cells):
 *
 *   summary paragraph -> timeline of the incident -> impact -> vectors (with evidence charts) ->
 *   mitigations (recommended / to review / applied, each once, with thresholds and complete list
 *   contents) -> residual risk and follow-ups -> appendix (the engineer's evidence) -> run record.
 *
 * Sections come from the runbook's `postmortem.record(...)` outputs (POSTMORTEM_MIME). A runbook
 * that declares none still gets a document: its summary is the status and the last verdict the
 * runbook displayed, its evidence the outputs. Everything is redacted (secrets); the customer
 * audience also loses code, tracebacks, raw transcripts, tool versions and local paths.
 * Renderers (HTML, Markdown, PDF) take this model and nothing else.
 */
import type { CodeCell, Notebook, Output } from '../nbformat.js';
import { unprotectMarkdown } from '../../display.js';
import { redactText, redactValue } from '../redact.js';
import { cellLabel, notebookResults, type TranscriptEntry } from '../results.js';
import { sanitizeSvg } from '../sanitize.js';
import { POSTMORTEM_MIME, type ImpactFigure, type MitigationEntry, type PostmortemRecord, type PostmortemSections, type TimelineEvent, type Vector } from './contract.js';
import type { IncidentFacts } from './incident.js';
import { withInvestigation } from '../investigation.js';

export type Audience = 'customer' | 'engineer';

export interface DocChart {
  title: string;
  /** Sanitised SVG markup. */
  svg: string;
}

/** One piece of evidence in the appendix, in cell order. */
export type EvidenceItem =
  | { type: 'heading'; text: string }
  | { type: 'markdown'; text: string }
  | { type: 'html'; html: string }
  | { type: 'text'; text: string }
  | { type: 'chart'; chart: DocChart }
  | { type: 'code'; text: string; status?: string; step: number }
  | { type: 'error'; text: string }
  | { type: 'transcript'; argv: string; label: string; exit: string; durationMs: number; stdout: string; stderr: string };

export interface PostmortemDoc {
  title: string;
  audience: Audience;
  runbook: { id: string; version: string; title: string } | null;
  status: string;
  summary: string;
  verdict?: string;
  incident?: IncidentFacts;
  timeline: TimelineEvent[];
  impact: ImpactFigure[];
  vectors: Vector[];
  vectorCharts: DocChart[];
  mitigations: MitigationEntry[];
  residualRisk: string[];
  followUps: string[];
  evidence: EvidenceItem[];
  run: [string, string][];
  parameters: [string, string][];
  failure?: { step: number; label: string; message: string };
}

const MAX_TEXT = 20_000;

function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

const LOCAL_PATH = /(?:file:\/\/)?\/(?:home|root|tmp|work|var|usr|opt|srv|mnt|Users|etc|proc|run|private|nix)(?:\/[^\s'"`)<>\]:,]+)+/g;

/** Local file paths reduced to their file name, stack frames removed (customer audience). */
export function scrubLocal(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s+at\s.+(?:\(.*\)|:\d+:\d+)\s*$/.test(l) && !/node:internal\//.test(l))
    .join('\n')
    .replace(LOCAL_PATH, (m) => {
      const base = m.split('/').pop() ?? '';
      return base ? `…/${base}` : '…';
    });
}

function isRecord(v: unknown): v is PostmortemRecord {
  return !!v && typeof v === 'object' && (v as { v?: unknown }).v === 1;
}

/** The postmortem records of a notebook, merged in cell order. */
export function postmortemSections(nb: Notebook): PostmortemSections {
  const out: PostmortemSections = {};
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    for (const o of (c as CodeCell).outputs) {
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') continue;
      const r = o.data[POSTMORTEM_MIME];
      if (!isRecord(r)) continue;
      for (const k of ['what', 'rootCause', 'resolution', 'verdict', 'incident'] as const) if (r[k] !== undefined) (out as Record<string, unknown>)[k] = r[k];
      for (const k of ['timeline', 'impact', 'vectors', 'mitigations', 'residualRisk', 'followUps'] as const) {
        const v = r[k];
        if (Array.isArray(v)) (out as Record<string, unknown[]>)[k] = [...((out as Record<string, unknown[]>)[k] ?? []), ...v];
      }
    }
  }
  return out;
}

/** Merge mitigations so each rule appears once; an applied record wins over a recommendation. */
export function uniqueMitigations(list: readonly MitigationEntry[]): MitigationEntry[] {
  const by = new Map<string, MitigationEntry>();
  for (const m of list) {
    const key = `${m.kind}|${m.expression}|${m.action}`;
    const old = by.get(key);
    if (!old) by.set(key, { ...m });
    else if (m.status === 'applied') by.set(key, { ...old, ...m, backtest: m.backtest ?? old.backtest, list: m.list ?? old.list, threshold: m.threshold ?? old.threshold });
    else if (!old.effect && m.effect) old.effect = m.effect;
  }
  const order = { applied: 0, recommended: 1, review: 2 } as const;
  return [...by.values()].sort((a, b) => order[a.status] - order[b.status]);
}

function fmtTime(isoText: string): string {
  return isoText.replace('T', ' ').replace(/(\.000)?Z$/, ' UTC');
}

function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(s < 10 ? 2 : 0)} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

export function fmtRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** Timeline events and impact figures the incident facts imply. */
export function incidentEvents(f: IncidentFacts): { timeline: TimelineEvent[]; impact: ImpactFigure[] } {
  const u = f.unit === 'packets' ? 'pkt/s' : 'req/s';
  const timeline: TimelineEvent[] = [];
  const impact: ImpactFigure[] = [];
  if (f.start) timeline.push({ at: f.start, what: `Attack starts (first ${f.unit === 'packets' ? 'packet' : 'request'} of the attack window; bins of ${fmtDuration(f.binMs)})`, kind: 'attack-start', source: 'data' });
  if (f.peak) timeline.push({ at: f.peak.at, what: `Peak: ${fmtRate(f.peak.attackPerSecond)} ${u} of attack traffic (${fmtRate(f.peak.totalPerSecond)} ${u} in total)`, kind: 'peak', source: 'data' });
  if (f.end) timeline.push({ at: f.end, what: f.ongoing ? 'Still attacking at the end of the data (last attack row)' : 'Attack ends (last attack row of the window)', kind: 'attack-end', source: 'data' });
  if (f.mitigation) {
    const m = f.mitigation;
    timeline.push({ at: m.at, what: `Mitigation live: attack ${fmtRate(m.attackPerSecondBefore)} → ${fmtRate(m.attackPerSecondAfter)} ${u}, share ${pct(m.shareBefore)} → ${pct(m.shareAfter)}`, kind: 'mitigation', source: 'engineer' });
    impact.push({ label: 'Attack rate before / after the mitigation', value: `${fmtRate(m.attackPerSecondBefore)} → ${fmtRate(m.attackPerSecondAfter)} ${u}`, number: m.attackPerSecondAfter });
  }
  if (f.peak) {
    impact.push({ label: `Peak attack rate`, value: `${fmtRate(f.peak.attackPerSecond)} ${u}`, number: f.peak.attackPerSecond });
    impact.push({ label: `Peak total rate`, value: `${fmtRate(f.peak.totalPerSecond)} ${u}`, number: f.peak.totalPerSecond });
  }
  if (f.peakBitsPerSecond !== undefined) impact.push({ label: 'Peak bandwidth', value: `${fmtRate(f.peakBitsPerSecond / 1e6)} Mbit/s`, number: f.peakBitsPerSecond });
  impact.push({ label: `Attack ${f.unit}`, value: `${f.attackRows} of ${f.rows} (${pct(f.attackRows / Math.max(1, f.rows))})`, number: f.attackRows });
  if (f.start && f.end) impact.push({ label: 'Attack duration', value: fmtDuration(Date.parse(f.end) - Date.parse(f.start)), number: Date.parse(f.end) - Date.parse(f.start) });
  if (f.errorShare5xx !== undefined) {
    impact.push({ label: '5xx share during the attack', value: `${pct(f.errorShare5xx)}${f.baselineErrorShare5xx !== undefined ? ` (before: ${pct(f.baselineErrorShare5xx)})` : ''}`, number: f.errorShare5xx });
  }
  if (f.attackOriginShare !== undefined) impact.push({ label: 'Attack requests that reached the origin', value: pct(f.attackOriginShare), number: f.attackOriginShare });
  return { timeline, impact };
}

function sentence(s: string | undefined): string {
  if (!s) return '';
  const t = s.trim().replace(/^[a-z]/, (c) => c.toUpperCase());
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function chartTitle(o: Output): string | null {
  if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') return null;
  const text = o.data['text/plain'];
  const m = typeof text === 'string' ? /^\[chart\] (.+)$/m.exec(text) : null;
  return m ? (m[1] as string).trim() : 'chart';
}

/** Runbook-authored cells carry build ids (`l7-03`); cells an engineer added do not. */
function isRunbookCell(id: string): boolean {
  return /^[a-z][a-z0-9]*-\d{2,}$/.test(id);
}

function argvText(t: TranscriptEntry): string {
  return (t.argv ?? []).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function markdownToPlain(md: string): string {
  return md
    .replace(/```[\s\S]*?```/g, '')
    .replace(/^#+\s*/gm, '')
    .replace(/\*\*|__|`/g, '')
    .replace(/^\s*[-*]\s+/gm, '')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

/** Build the document. */
export function buildPostmortem(saved: Notebook, opts: { audience?: Audience } = {}): PostmortemDoc {
  const nb = withInvestigation(saved);
  const audience = opts.audience ?? 'engineer';
  const customer = audience === 'customer';
  const clean = (s: string) => (customer ? scrubLocal(redactText(stripAnsi(s))) : redactText(stripAnsi(s)));
  const rb = nb.metadata.runbook;
  const inv = nb.metadata.investigation;
  const rec = postmortemSections(nb);

  // ---- evidence (appendix) and charts ----
  const charts = new Map<string, DocChart>();
  const evidence: EvidenceItem[] = [];
  let lastMarkdownOutput: string | undefined;
  let failure: PostmortemDoc['failure'];
  let step = 0;
  nb.cells.forEach((c, index) => {
    if (c.cell_type === 'markdown') {
      if (isRunbookCell(c.id)) {
        // A section heading that opens the cell (the runbook's intro, with its example ticket and changelog, opens with #).
        const h = /^\s*#{2,6}\s+(.+)/.exec(c.source);
        if (h) evidence.push({ type: 'heading', text: clean((h[1] as string).trim()) });
      } else evidence.push({ type: 'markdown', text: clean(c.source) });
      return;
    }
    if (c.cell_type !== 'code') return;
    const cell = c as CodeCell;
    if (cell.metadata.tags?.includes('injected-parameters') || cell.metadata.tags?.includes('parameters')) return;
    step++;
    if (!customer) evidence.push({ type: 'code', text: redactText(cell.source), step, ...(cell.metadata.runbook?.status ? { status: cell.metadata.runbook.status } : {}) });
    for (const o of cell.outputs) {
      if (o.output_type === 'error') {
        const first = `${o.ename}: ${o.evalue}`.split('\n')[0] as string;
        if (!failure && inv?.failedCell?.index === index) failure = { step, label: cellLabel(nb, index), message: clean(first) };
        if (!customer) evidence.push({ type: 'error', text: clip(redactText(stripAnsi([`${o.ename}: ${o.evalue}`, ...o.traceback].join('\n')))) });
        continue;
      }
      if (o.output_type === 'stream') {
        if (!customer) evidence.push({ type: 'text', text: clip(redactText(stripAnsi(o.text))) });
        continue;
      }
      const d = o.data;
      if (d[POSTMORTEM_MIME] !== undefined) continue;
      const svg = d['image/svg+xml'];
      if (typeof svg === 'string') {
        const title = chartTitle(o) ?? 'chart';
        const chart = { title: clean(title), svg: sanitizeSvg(svg) };
        if (!charts.has(title)) charts.set(title, chart);
        evidence.push({ type: 'chart', chart });
        continue;
      }
      const shown = d['text/markdown'];
      if (typeof shown === 'string') {
        // display.markdown's MathJax protection is for notebook front ends, not for this document.
        const md = unprotectMarkdown(shown);
        lastMarkdownOutput = md;
        evidence.push({ type: 'markdown', text: clean(md) });
        continue;
      }
      const html = d['text/html'];
      if (typeof html === 'string') {
        evidence.push({ type: 'html', html: clean(html) });
        continue;
      }
      const text = d['text/plain'];
      if (typeof text === 'string' && !customer) evidence.push({ type: 'text', text: clip(redactText(stripAnsi(text)), 4000) });
    }
  });
  if (!failure && inv?.failedCell) failure = { step: 0, label: cellLabel(nb, inv.failedCell.index), message: inv.failedCell.status };
  if (!customer) {
    for (const r of notebookResults(nb)) {
      for (const t of r.step?.transcript ?? []) {
        evidence.push({
          type: 'transcript', argv: redactText(argvText(t)), label: r.label, exit: `${t.exitCode ?? t.signal ?? '?'}${t.timedOut ? ', timed out' : ''}`, durationMs: t.durationMs,
          stdout: t.stdout ? clip(redactText(t.stdout)) : '', stderr: t.stderr ? clip(redactText(t.stderr)) : '',
        });
      }
    }
  }

  // ---- timeline and impact ----
  const fromData = rec.incident ? incidentEvents(rec.incident) : { timeline: [], impact: [] };
  const timeline: TimelineEvent[] = [...fromData.timeline, ...(rec.timeline ?? [])].map((e) => ({ ...e, what: clean(e.what) }));
  const mitigations = uniqueMitigations(rec.mitigations ?? []).map((m) => ({ ...m, expression: redactText(m.expression), ...(m.description ? { description: clean(m.description) } : {}) }));
  const eff = rec.incident?.mitigation;
  for (const m of mitigations) {
    if (m.status === 'applied' && eff && !m.effect) m.effect = `attack ${fmtRate(eff.attackPerSecondBefore)} → ${fmtRate(eff.attackPerSecondAfter)} per second, share of traffic ${pct(eff.shareBefore)} → ${pct(eff.shareAfter)} (measured in this data around ${eff.at})`;
  }
  for (const m of mitigations) {
    if (m.status === 'applied' && m.appliedAt && !timeline.some((e) => e.kind === 'mitigation' && Date.parse(e.at) === Date.parse(m.appliedAt as string))) {
      timeline.push({ at: m.appliedAt, what: `Applied ${m.kind} ${m.action}: ${m.expression}`, kind: 'mitigation', source: 'engineer' });
    }
  }
  if (inv) {
    timeline.push({ at: inv.startedAt, what: `Investigation run (${rb?.id ?? 'runbook'} ${rb?.version ?? ''})`.trim(), kind: 'detected', source: 'engineer' });
  }
  timeline.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const impact = [...fromData.impact, ...(rec.impact ?? [])];

  // ---- summary paragraph ----
  const status = inv?.status ?? 'unknown';
  const parts: string[] = [];
  if (rec.what) parts.push(sentence(clean(rec.what)));
  const f = rec.incident;
  if (f?.start && f.end) {
    parts.push(`It ran from ${fmtTime(f.start)} to ${fmtTime(f.end)} (${fmtDuration(Date.parse(f.end) - Date.parse(f.start))})${f.ongoing ? ' and was still going when the data ends' : ''}.`);
  }
  if (f?.peak) {
    const bits = [`peak ${fmtRate(f.peak.attackPerSecond)} ${f.unit === 'packets' ? 'packets' : 'requests'}/s of attack traffic`];
    if (f.errorShare5xx !== undefined) bits.push(`${pct(f.errorShare5xx)} of responses were 5xx during the attack`);
    if (f.attackOriginShare !== undefined) bits.push(`${pct(f.attackOriginShare)} of attack requests reached the origin`);
    parts.push(`Impact: ${bits.join('; ')}.`);
  }
  if (rec.rootCause) parts.push(`Root cause: ${sentence(clean(rec.rootCause))}`);
  const applied = mitigations.filter((m) => m.status === 'applied');
  if (rec.resolution) parts.push(sentence(clean(rec.resolution)));
  else if (applied.length) parts.push(`Mitigated by ${applied.map((m) => `${m.kind} ${m.action} (${m.appliedAt ? fmtTime(m.appliedAt) : 'time not recorded'})`).join(', ')}.`);
  const verdict = rec.verdict ?? lastMarkdownOutput;
  if (!parts.length && verdict) parts.push(markdownToPlain(clean(verdict)).split('\n').slice(0, 4).join(' '));
  if (status !== 'ok') {
    const what = failure ? `step ${failure.step || '?'} (${failure.label}) ended with ${failure.message}` : `the run ended as ${status}`;
    parts.push(`The investigation did not complete: ${what}; findings below cover the steps that ran.`);
  }
  if (!parts.length) parts.push(`${rb?.title ?? 'The runbook'} ran ${status === 'ok' ? 'to completion' : status}; no findings were recorded.`);

  // ---- run record ----
  const run: [string, string][] = [];
  if (rb) run.push(['Runbook', `${rb.id} ${rb.version} — ${rb.title}`]);
  if (inv) {
    run.push(['Status', inv.status + (inv.failedCell ? ` (cell ${inv.failedCell.index + 1}: ${inv.failedCell.status})` : '')]);
    run.push(['Started', inv.startedAt]);
    if (inv.finishedAt) run.push(['Finished', `${inv.finishedAt} (${fmtDuration(Date.parse(inv.finishedAt) - Date.parse(inv.startedAt))})`]);
    if (!customer) {
      run.push(['Runbook digest', `sha256:${inv.runbook.sha256}`]);
      run.push(['Run by', `${inv.user}@${inv.host}`]);
      run.push(['Kernel', `${inv.kernel.implementation} ${inv.kernel.version} (${inv.kernel.name})`]);
      const tools = Object.entries(inv.tools ?? {}).map(([k, v]) => `${k} ${v}`);
      if (tools.length) run.push(['Tools', tools.join('; ')]);
      if (inv.rerunOf) run.push(['Re-run of', `${inv.rerunOf.path} (started ${inv.rerunOf.startedAt})`]);
    }
  }
  const parameters: [string, string][] = Object.entries(redactValue(inv?.parameters ?? {})).map(([k, v]) => [k, clean(typeof v === 'string' ? v : JSON.stringify(v))]);

  // ---- vectors and their charts ----
  const wanted = new Set((rec.vectors ?? []).flatMap((v) => v.charts ?? []));
  const vectorCharts = [...charts.entries()].filter(([t]) => wanted.has(t)).map(([, c]) => c);
  // A chart shown with the vectors is not repeated in the appendix (a reference stands in).
  const shown = new Set(vectorCharts);
  // The verdict the runbook displayed is the summary's source (or the Verdict section): not repeated.
  const verdictShown = verdict ? clean(verdict) : undefined;
  const appendix = evidence
    .filter((e) => !(e.type === 'markdown' && verdictShown !== undefined && e.text === verdictShown))
    .map((e): EvidenceItem => (e.type === 'chart' && shown.has(e.chart) ? { type: 'text', text: `(chart "${e.chart.title}": see Attack vectors)` } : e));

  return {
    title: `Postmortem: ${rb?.title ?? 'investigation'}`,
    audience,
    runbook: rb ? { id: rb.id, version: rb.version, title: rb.title } : null,
    status,
    summary: parts.join(' '),
    // With a recorded summary the sections above say it all (mitigations once); else the verdict is the finding.
    ...(verdict && !rec.what ? { verdict: clean(verdict) } : {}),
    ...(f ? { incident: f } : {}),
    timeline,
    impact,
    vectors: (rec.vectors ?? []).map((v) => ({ ...v, name: clean(v.name), description: clean(v.description) })),
    vectorCharts,
    mitigations,
    residualRisk: (rec.residualRisk ?? []).map(clean),
    followUps: (rec.followUps ?? []).map(clean),
    evidence: appendix,
    run,
    parameters,
    ...(failure ? { failure } : {}),
  };
}
