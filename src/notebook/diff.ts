/**
 * Semantic diff of two runs: what changed in the world between run A and run B, read from the
 * structured results (`application/json` outputs), not from the text.
 *
 * Results are paired by cell id and position (a re-run keeps the runbook's cell ids); within a
 * pair, arrays of records are matched by identity (a DNS answer by name+type+data, a certificate
 * by position in the chain, a hop by its number, a label/source row by its key) so a reordered
 * answer section is not a change, and noise is ignored: transcripts, timestamps, durations,
 * timings within tolerance, per-request headers such as Date, Age or CF-Ray.
 */
import type { JsonValue, Notebook } from './nbformat.js';
import { withInvestigation } from './investigation.js';
import { notebookResults, type NotebookResult } from './results.js';

export interface Change {
  /** Which result: the step kind and its cell's label. */
  result: string;
  cellId: string;
  /** JSON path inside the result, e.g. `data.answers[example.com. A 192.0.2.1]`. */
  path: string;
  change: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
  /** One human sentence. */
  message: string;
}

export interface DiffReport {
  a: { runbook: string; startedAt: string | null; parameters: Record<string, JsonValue> };
  b: { runbook: string; startedAt: string | null; parameters: Record<string, JsonValue> };
  parameters: Change[];
  changes: Change[];
}

export interface DiffOptions {
  /** Timings differing by less than this many ms are not changes (default 250). */
  timingToleranceMs?: number;
  /** ...or by less than this ratio of the larger value (default 0.5). */
  timingToleranceRatio?: number;
}

const NOISE_KEYS = new Set([
  'transcript', 'startedat', 'finishedat', 'durationms', 'duration', 'elapsed', 'elapsedms', 'timestamp', 'time', 'when', 'date',
  'age', 'expires', 'cf-ray', 'x-request-id', 'request-id', 'x-amz-request-id', 'server-timing', 'report-to', 'nel', 'etag', 'last-modified',
  'set-cookie', 'id', 'cfray', 'daysleft', 'x-cache', 'x-cache-hits', 'query_time', 'querytimems', 'msgsize', 'messagesize', 'when_ms', 'generatedat', 'pid', 'cookie', 'x-served-by', 'x-timer',
]);
const TIMING_KEY = /(ms|millis|seconds|latency|rtt|timing|timings|time_|_time|ttfb|connect|handshake|lookup|transfer|total|starttransfer|pretransfer|appconnect|namelookup|redirect)$/i;
const TIMING_PARENT = /^(timings?|timing_ms|times|latency|rtts?)$/i;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  return JSON.stringify(v);
}

const LABEL_KEYS = ['good', 'suspicious', 'malicious'] as const;

function isLabelCounts(v: unknown): v is Record<string, number> {
  return isObj(v) && LABEL_KEYS.every((k) => typeof v[k] === 'number') && Object.keys(v).length <= 4;
}

function isHeaderList(v: unknown): v is [string, string][] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string');
}

function headerMap(list: [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of list) {
    const k = name.toLowerCase();
    out[k] = k in out ? `${out[k]}, ${value}` : value;
  }
  return out;
}

/** An identity for a record in an array, so arrays are compared as keyed sets. */
function identity(v: unknown, parentKey: string): string | null {
  if (!isObj(v)) return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? `=${String(v)}` : null;
  const s = (k: string) => (v[k] === undefined || v[k] === null ? '' : String(v[k]));
  // DNS resource records.
  if ('type' in v && ('data' in v || 'rdata' in v || 'value' in v || 'address' in v) && ('name' in v || 'owner' in v)) {
    return `${s('name') || s('owner')} ${s('type')} ${s('data') || s('rdata') || s('value') || s('address')}`;
  }
  // Traceroute hops.
  if (typeof v.hop === 'number') return `hop ${v.hop}`;
  if (typeof v.ttl === 'number' && /hops?/i.test(parentKey)) return `hop ${v.ttl}`;
  // Resolver comparisons.
  if (typeof v.resolver === 'string') return `resolver ${v.resolver}`;
  if (typeof v.server === 'string' && !('type' in v)) return `server ${v.server}`;
  // Certificates in a chain: by depth/position.
  if (typeof v.depth === 'number') return `depth ${v.depth}`;
  // Grouped tables: label counts, top sources.
  for (const k of ['label', 'key', 'ip.src', 'ip', 'source', 'value', 'name', 'field', 'asn', 'ip.src.asnum', 'country', 'expression', 'signature', 'cluster', 'url']) {
    if (typeof v[k] === 'string' || typeof v[k] === 'number') return `${k}=${String(v[k])}`;
  }
  return null;
}

class Differ {
  readonly out: Change[] = [];
  constructor(
    readonly result: NotebookResult,
    readonly opts: Required<DiffOptions>,
  ) {}

  add(path: string, change: Change['change'], before: unknown, after: unknown, message: string): void {
    this.out.push({ result: this.result.label, cellId: this.result.cellId, path, change, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}), message });
  }

  isTiming(key: string, parentKey: string, a: unknown, b: unknown): boolean {
    return typeof a === 'number' && typeof b === 'number' && (TIMING_KEY.test(key) || TIMING_PARENT.test(parentKey));
  }

  within(a: number, b: number): boolean {
    const d = Math.abs(a - b);
    return d <= this.opts.timingToleranceMs || d <= this.opts.timingToleranceRatio * Math.max(Math.abs(a), Math.abs(b));
  }

  walk(a: unknown, b: unknown, path: string, key: string, parentKey: string): void {
    if (NOISE_KEYS.has(key.toLowerCase())) return;
    // Header lists ([name, value] pairs): compared by name, so order and per-request headers are not news.
    if (isHeaderList(a) && isHeaderList(b)) return this.walk(headerMap(a), headerMap(b), path, key, parentKey);
    if (Array.isArray(a) && Array.isArray(b)) return this.array(a, b, path, key);
    if (isLabelCounts(a) && isLabelCounts(b)) return this.labelCounts(a, b, path);
    if (isObj(a) && isObj(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (NOISE_KEYS.has(k.toLowerCase())) continue;
        const p = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
        if (!(k in a)) this.add(p, 'added', undefined, b[k], `${this.what(p)} added: ${show(b[k])}`);
        else if (!(k in b)) this.add(p, 'removed', a[k], undefined, `${this.what(p)} removed (was ${show(a[k])})`);
        else this.walk(a[k], b[k], p, k, key);
      }
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (this.isTiming(key, parentKey, a, b) && this.within(a as number, b as number)) return;
    if (/^ttl$/i.test(key) && typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= Math.max(5, 0.1 * Math.max(a, b)) && /answers?|records?|rrs?/i.test(path)) {
      // Cached TTLs count down between runs; only a real TTL change is news.
      return;
    }
    this.add(path, 'changed', a, b, `${this.what(path)} changed: ${show(a)} → ${show(b)}`);
  }

  /** Label counts speak in shares: "malicious 38.1% → 2.0% of requests (5697 → 120)". */
  labelCounts(a: Record<string, number>, b: Record<string, number>, path: string): void {
    const total = (x: Record<string, number>) => LABEL_KEYS.reduce((n, k) => n + (x[k] ?? 0), 0);
    const ta = Math.max(1, total(a));
    const tb = Math.max(1, total(b));
    for (const k of LABEL_KEYS) {
      const va = a[k] ?? 0;
      const vb = b[k] ?? 0;
      if (va === vb && ta === tb) continue;
      const sa = (100 * va) / ta;
      const sb = (100 * vb) / tb;
      if (va === vb && Math.abs(sa - sb) < 0.05) continue;
      this.add(`${path}.${k}`, 'changed', va, vb, `${this.what(path)}: ${k} ${sa.toFixed(1)}% → ${sb.toFixed(1)}% (${va} → ${vb} of ${total(a)} → ${total(b)})`);
    }
  }

  array(a: unknown[], b: unknown[], path: string, key: string): void {
    // Repeated identities (the same rule proposed for two clusters) are numbered in order.
    const number = (ids: (string | null)[]) => {
      const seen = new Map<string, number>();
      return ids.map((id) => {
        if (id === null) return null;
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        return n === 1 ? id : `${id} #${n}`;
      });
    };
    const ida = number(a.map((x) => identity(x, key)));
    const idb = number(b.map((x) => identity(x, key)));
    const keyed = ida.every((x) => x !== null) && idb.every((x) => x !== null);
    if (!keyed) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++) {
        const p = `${path}[${i}]`;
        if (i >= a.length) this.add(p, 'added', undefined, b[i], `${this.what(path)}: added ${show(b[i])}`);
        else if (i >= b.length) this.add(p, 'removed', a[i], undefined, `${this.what(path)}: removed ${show(a[i])}`);
        else this.walk(a[i], b[i], p, key, key);
      }
      return;
    }
    const mapB = new Map(idb.map((id, i) => [id as string, b[i]]));
    const mapA = new Map(ida.map((id, i) => [id as string, a[i]]));
    for (const [id, va] of mapA) {
      const label = id.startsWith('=') ? id.slice(1) : id;
      const p = `${path}[${label}]`;
      if (!mapB.has(id)) this.add(p, 'removed', va, undefined, `${this.what(path)}: ${label} removed`);
      else this.walk(va, mapB.get(id), p, key, key);
    }
    for (const [id, vb] of mapB) {
      const label = id.startsWith('=') ? id.slice(1) : id;
      if (!mapA.has(id)) this.add(`${path}[${label}]`, 'added', undefined, vb, `${this.what(path)}: ${label} added`);
    }
  }

  what(path: string): string {
    return `${this.result.label} ${path.replace(/^\./, '').replace(/^(value|data)\.?/, '') || 'result'}`;
  }
}

/** Pair DNS answers that replaced each other (same name and type) into one "record changed". */
function mergeReplacements(changes: Change[]): Change[] {
  const out: Change[] = [];
  const used = new Set<number>();
  changes.forEach((c, i) => {
    if (used.has(i)) return;
    const m = /^(.*)\[(\S+) (\S+) (.+)\]$/.exec(c.path);
    if (c.change === 'removed' && m) {
      const j = changes.findIndex((d, k) => {
        if (k <= i || used.has(k) || d.change !== 'added' || d.cellId !== c.cellId) return false;
        const n = /^(.*)\[(\S+) (\S+) (.+)\]$/.exec(d.path);
        return !!n && n[1] === m[1] && n[2] === m[2] && n[3] === m[3];
      });
      if (j >= 0) {
        const d = changes[j] as Change;
        const n = /^(.*)\[(\S+) (\S+) (.+)\]$/.exec(d.path) as RegExpExecArray;
        used.add(j);
        out.push({ ...c, path: `${m[1]}[${m[2]} ${m[3]}]`, change: 'changed', before: c.before, after: d.after, message: `${c.result}: ${m[3]} record for ${m[2]} changed: ${m[4]} → ${n[4]}` });
        return;
      }
    }
    out.push(c);
  });
  return out;
}

function stepPrologue(d: Differ, r: NotebookResult, a: unknown, b: unknown): [unknown, unknown] {
  if (!r.step || !isObj(a) || !isObj(b)) return [a, b];
  if (a.ok !== b.ok) d.add('ok', 'changed', a.ok, b.ok, `${r.label}: ${a.ok ? 'succeeded' : 'failed'} before, ${b.ok ? 'succeeds' : 'fails'} now${!b.ok && isObj(b.error) ? ` (${show(b.error.code)}: ${show(b.error.message)})` : ''}`);
  else if (!a.ok && isObj(a.error) && isObj(b.error) && a.error.code !== b.error.code) d.add('error.code', 'changed', a.error.code, b.error.code, `${r.label}: error ${show(a.error.code)} → ${show(b.error.code)}`);
  return [{ data: a.data }, { data: b.data }];
}

function pair(a: NotebookResult[], b: NotebookResult[]): [NotebookResult | undefined, NotebookResult | undefined][] {
  const byKey = new Map(b.map((r) => [r.key, r]));
  const sameIds = a.some((r) => byKey.has(r.key));
  if (!sameIds) {
    // Different cell ids (e.g. two copies of a runbook): pair by order of kind/label.
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_x, i) => [a[i], b[i]]);
  }
  const out: [NotebookResult | undefined, NotebookResult | undefined][] = a.map((r) => [r, byKey.get(r.key)]);
  const seen = new Set(a.map((r) => r.key));
  for (const r of b) if (!seen.has(r.key)) out.push([undefined, r]);
  return out;
}

function paramsOf(nb: Notebook): Record<string, JsonValue> {
  return nb.metadata.investigation?.parameters ?? {};
}

/** The semantic differences between two executed notebooks. */
export function diffNotebooks(savedA: Notebook, savedB: Notebook, options: DiffOptions = {}): DiffReport {
  const a = withInvestigation(savedA);
  const b = withInvestigation(savedB);
  const opts: Required<DiffOptions> = { timingToleranceMs: options.timingToleranceMs ?? 250, timingToleranceRatio: options.timingToleranceRatio ?? 0.5 };
  const changes: Change[] = [];
  for (const [ra, rb] of pair(notebookResults(a), notebookResults(b))) {
    if (!ra && rb) {
      changes.push({ result: rb.label, cellId: rb.cellId, path: '', change: 'added', after: rb.value, message: `${rb.label}: only in the second run` });
      continue;
    }
    if (ra && !rb) {
      changes.push({ result: ra.label, cellId: ra.cellId, path: '', change: 'removed', before: ra.value, message: `${ra.label}: only in the first run` });
      continue;
    }
    if (!ra || !rb) continue;
    const d = new Differ(ra, opts);
    const [va, vb] = stepPrologue(d, ra, ra.value, rb.value);
    d.walk(va, vb, ra.step ? '' : 'value', '', '');
    // Step paths are relative to `data` (the prologue already reported ok/error).
    changes.push(...mergeReplacements(d.out.map((c) => ({ ...c, path: c.path.replace(/^\./, '').replace(/^data\./, '') }))));
  }
  const pa = paramsOf(a);
  const pb = paramsOf(b);
  const parameters: Change[] = [];
  for (const k of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
    if (JSON.stringify(pa[k]) !== JSON.stringify(pb[k])) {
      parameters.push({ result: 'parameters', cellId: '', path: k, change: 'changed', before: pa[k], after: pb[k], message: `parameter ${k}: ${show(pa[k])} → ${show(pb[k])}` });
    }
  }
  const rid = (nb: Notebook) => (nb.metadata.runbook ? `${nb.metadata.runbook.id} ${nb.metadata.runbook.version}` : 'notebook');
  return {
    a: { runbook: rid(a), startedAt: a.metadata.investigation?.startedAt ?? null, parameters: pa },
    b: { runbook: rid(b), startedAt: b.metadata.investigation?.startedAt ?? null, parameters: pb },
    parameters,
    changes,
  };
}

/** The report as text for a terminal. */
export function formatDiff(r: DiffReport): string {
  const lines = [`A: ${r.a.runbook} run at ${r.a.startedAt ?? '?'}`, `B: ${r.b.runbook} run at ${r.b.startedAt ?? '?'}`];
  if (r.a.runbook !== r.b.runbook) lines.push('note: different runbook versions');
  for (const p of r.parameters) lines.push(`~ ${p.message}`);
  if (r.changes.length === 0) lines.push('no differences in the results');
  for (const c of r.changes) lines.push(`${c.change === 'added' ? '+' : c.change === 'removed' ? '-' : '~'} ${c.message}`);
  return `${lines.join('\n')}\n`;
}
