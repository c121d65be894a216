/** Load + score + analyze a traffic file: what `runbook classify` does, usable from cells. */
import fs from 'node:fs';
import path from 'node:path';
import type { ColumnTable } from 'arquero';
import { loadTraffic, type LimitOptions, type LoadOptions } from '../traffic/index.js';
import { plainColumn } from '../traffic/dictionary.js';
import type { LoadReport } from '../traffic/fields.js';
import { score, baselineRates, type ScoreOptions, type ScoreResult, type BehaviourReport } from './score.js';
import { analyze, parsePlan, type Analysis, type Zone } from './mitigate/index.js';
import { loadRules } from './signatures/load.js';
import { ClassifyError } from './errors.js';
import { REDACTED, redactValue } from '../redact.js';

export interface ClassifyOptions extends ScoreOptions {
  format?: LoadOptions['format'];
  /** nginx `log_format` string of a custom access log (`--log-format`). */
  logFormat?: string;
  /** Loader limits (`--max-rows`, `--max-line-bytes`, `--max-decompressed-bytes`). */
  limits?: LimitOptions;
  /** A rules file with extra signatures / allow ranges / known-good expression / lists. */
  rules?: string;
  /**
   * Normal traffic of the same site (a quiet log file, `--baseline FILE`): what normal looked like for
   * the behaviour signatures, and what proposed mitigations are graded on besides the incident.
   */
  baselineFile?: string;
  /** The zone's plan (free|pro|business|enterprise) and Bot Management, when known. */
  plan?: string;
  botManagement?: boolean;
  /** Parsing threads for a big uncompressed Logpush file (the loader's `workers`). */
  workers?: number;
}

/** Where a classification's time went: wall and CPU (every thread of the process) per phase, in ms. */
export interface PhaseTimes {
  load: PhaseTime;
  score: PhaseTime;
  analyze: PhaseTime;
  summary: PhaseTime;
}
export interface PhaseTime {
  wallMs: number;
  cpuMs: number;
}

/** A clock for phases: each `lap` is the time since the previous one. */
function phaseClock(): (into: PhaseTime) => PhaseTime {
  let wall = performance.now();
  let cpu = process.cpuUsage();
  return (into) => {
    const w = performance.now();
    const c = process.cpuUsage();
    into.wallMs = w - wall;
    into.cpuMs = (c.user - cpu.user + c.system - cpu.system) / 1000;
    wall = w;
    cpu = c;
    return into;
  };
}

export interface Classification {
  report: LoadReport;
  /** Wall and CPU time of each phase (benchmarks print them; figures vary with the machine). */
  timings: PhaseTimes;
  scored: ScoreResult;
  analysis: Analysis;
  /** The `--json` summary of `runbook classify`. */
  summary: {
    rows: number;
    skipped: number;
    labels: { good: number; suspicious: number; malicious: number };
    clusters: Analysis['clusters'];
    topSources: Analysis['topSources'];
    /** Every field of a mitigation (safe, requires and require, api, plan, why, guards, ...). */
    mitigations: (Analysis['mitigations'][number] & { hitsGood: boolean })[];
    refused: Analysis['refused'];
    levers: Analysis['levers'];
    incident: string;
    evidence: Analysis['evidence'];
    pack: string;
    /** The baseline the behaviour signatures used, and what did not apply. */
    behaviour?: BehaviourReport;
  };
}

/** The mitigations as the `--json` summary prints them (in memory and on a SQL engine's sample). */
export function summaryMitigations(analysis: Analysis): Classification['summary']['mitigations'] {
  return analysis.mitigations.map((m) => ({ ...m, hitsGood: m.backtest.hitsGood }));
}

export async function classifyTraffic(file: string, opts: ClassifyOptions = {}): Promise<Classification> {
  // every input is checked before anything is computed or written
  const zone: Zone = { ...(opts.plan !== undefined ? { plan: parsePlan(opts.plan) } : {}), ...(opts.botManagement !== undefined ? { botManagement: opts.botManagement } : {}) };
  const extra = opts.rules ? loadRules(opts.rules) : undefined;
  const lap = phaseClock();
  const timings: PhaseTimes = { load: { wallMs: 0, cpuMs: 0 }, score: { wallMs: 0, cpuMs: 0 }, analyze: { wallMs: 0, cpuMs: 0 }, summary: { wallMs: 0, cpuMs: 0 } };
  const { table, report } = await loadTraffic(file, { ...opts.limits, format: opts.format, logFormat: opts.logFormat, ...(opts.workers ? { workers: opts.workers } : {}) });
  let baseline = opts.baseline;
  let baselineTable: ColumnTable | undefined;
  if (opts.baselineFile) {
    baselineTable = (await loadTraffic(opts.baselineFile, { ...opts.limits, format: opts.format, logFormat: opts.logFormat })).table;
    baseline = baselineRates(baselineTable, opts.baselineFile);
  }
  lap(timings.load);
  const scored = score(table, {
    ...opts,
    baseline,
    signatures: [...(opts.signatures ?? []), ...(extra?.signatures ?? [])],
    allow: [...(opts.allow ?? []), ...(extra?.allow ?? [])],
    knownGood: opts.knownGood ?? extra?.knownGood,
    lists: { ...(extra?.lists ?? {}), ...(opts.lists ?? {}) },
  });
  lap(timings.score);
  const allow = [...(opts.allow ?? []), ...(extra?.allow ?? [])];
  const analysis = analyze(scored, { baseline: baselineTable, baselineName: opts.baselineFile ? `--baseline ${opts.baselineFile}` : undefined, zone, allow, lists: { ...(extra?.lists ?? {}), ...(opts.lists ?? {}) } });
  lap(timings.analyze);
  const summary: Classification['summary'] = {
    rows: report.rowsLoaded,
    skipped: report.rowsSkipped,
    labels: scored.counts,
    clusters: analysis.clusters,
    topSources: analysis.topSources,
    mitigations: summaryMitigations(analysis),
    refused: analysis.refused,
    levers: analysis.levers,
    incident: analysis.incident,
    evidence: analysis.evidence,
    pack: `${scored.pack.name}@${scored.pack.version}`,
    ...(scored.behaviour ? { behaviour: scored.behaviour } : {}),
  };
  lap(timings.summary);
  return { report, timings, scored, analysis, summary };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Columns whose every value is a credential (session cookies): replaced whole by `redact`. */
const SECRET_COLUMNS = new Set(['http.cookie', 'http.request.cookies']);

export interface WriteScoredOptions {
  /**
   * Replace cookies and secret-looking values (Authorization and other credential headers, API
   * tokens, signed-URL parameters, private keys) with [REDACTED]. Without it every input column is
   * written as it came, secrets included: the file is evidence, keep it where the logs are kept.
   */
  redact?: boolean;
}

function redactRow(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (SECRET_COLUMNS.has(k) && o[k] !== null && o[k] !== '') o[k] = REDACTED;
  return redactValue(o);
}

/** Write every row with score, label and reasons as NDJSON or CSV (by extension), atomically. */
export function writeScored(table: ColumnTable, file: string, opts: WriteScoredOptions = {}): void {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.ndjson' && ext !== '.jsonl' && ext !== '.csv') throw new ClassifyError(`--out ${file}: use a .ndjson or .csv file name`);
  const names = table.columnNames();
  const data = Object.fromEntries(names.map((c) => [c, plainColumn(table.column(c))]));
  const n = table.numRows();
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    let buf: string[] = [];
    const flush = () => {
      if (buf.length) fs.writeSync(fd, buf.join(''));
      buf = [];
    };
    if (ext === '.csv') buf.push(`${names.map(csvCell).join(',')}\n`);
    for (let i = 0; i < n; i++) {
      let o: Record<string, unknown> = {};
      for (const c of names) o[c] = (data[c] as ArrayLike<unknown>)[i] ?? null;
      if (opts.redact) o = redactRow(o);
      if (ext === '.csv') buf.push(`${names.map((c) => csvCell(o[c])).join(',')}\n`);
      else buf.push(`${JSON.stringify(o)}\n`);
      if (buf.length >= 4096) flush();
    }
    flush();
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
