/**
 * Charts of diagnostic step evidence. Inputs are plain structural types defined here (viz does not
 * import steps); `adapters.ts` turns step results into them.
 */
import { Chart } from './chart.js';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import { fmtCount, fmtPct, noDataSpec, toMs, topLevel } from './table.js';
import type { TimeLike } from './table.js';
import { LABEL_COLORS, UNKNOWN_COLOR, WIDTH } from './theme.js';

function list<T>(builder: string, value: T | readonly T[]): readonly T[] {
  if (Array.isArray(value)) return value as readonly T[];
  if (value && typeof value === 'object') return [value as T];
  throw new VizInputError(builder, MSG.notArray(builder, value === null ? 'null' : typeof value));
}

function num(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// curl timing waterfall

/**
 * curl's phase timings for one request, in ms, each measured from the start of the request
 * (cumulative, like curl's `-w %{time_namelookup}`...): dns <= connect <= tls <= firstByte <= total.
 * Missing or 0 phases (no TLS, reused connection) are skipped.
 */
export interface CurlTimings {
  dns?: number | null;
  connect?: number | null;
  tls?: number | null;
  firstByte?: number | null;
  total?: number | null;
  /** Row label, e.g. the URL or "via 203.0.113.7". */
  label?: string;
}

const PHASES = [
  ['DNS lookup', 'dns'],
  ['TCP connect', 'connect'],
  ['TLS handshake', 'tls'],
  ['Server wait (TTFB)', 'firstByte'],
  ['Content transfer', 'total'],
] as const;
const PHASE_COLORS = ['#9ecae9', '#4c78a8', '#b279a2', '#f2a72b', '#54a24b'];

const CW = 'curlWaterfall';

/** The waterfall of curl timings: where the time of one (or several) requests went. */
export async function curlWaterfall(timings: CurlTimings | readonly CurlTimings[], options: { title?: string } = {}): Promise<Chart> {
  const reqs = list(CW, timings);
  const data: { request: string; phase: string; start: number; end: number; ms: number; note: string }[] = [];
  reqs.forEach((t, i) => {
    if (!t || typeof t !== 'object') throw new VizInputError(CW, MSG.badItem(CW, i, 'is not an object of timings'));
    const request = t.label ?? (reqs.length > 1 ? `request ${i + 1}` : 'request');
    let prev = 0;
    for (const [phase, key] of PHASES) {
      const at = num(t[key]);
      if (at === undefined || at <= 0) continue;
      if (at < prev) continue; // curl reports 0 or an earlier mark for phases that did not happen
      data.push({ request, phase, start: prev, end: at, ms: at - prev, note: `${(at - prev).toFixed(1)} ms` });
      prev = at;
    }
  });
  const title = options.title ?? 'Where the request time went';
  if (data.length === 0) return Chart.render(noDataSpec(title, 'timings'), { title });
  const totals = reqs.map((t) => num(t.total) ?? 0);
  const order = [...new Set(data.map((d) => d.request))];
  const present = PHASES.map(([p]) => p).filter((p) => data.some((d) => d.phase === p));
  const y = { field: 'request', type: 'nominal', title: null, sort: order, axis: { labelLimit: 240 } };
  const spec = topLevel(title, `total ${totals.map((x) => `${x.toFixed(1)} ms`).join(', ')}`, {
    width: WIDTH - 120,
    height: { step: 34 },
    data: { values: data },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          y,
          x: { field: 'start', type: 'quantitative', title: 'Milliseconds since the request started' },
          x2: { field: 'end' },
          color: { field: 'phase', type: 'nominal', title: 'Phase', legend: { orient: 'bottom' }, sort: present, scale: { domain: present, range: present.map((p) => PHASE_COLORS[PHASES.findIndex(([q]) => q === p)] ?? UNKNOWN_COLOR) } },
          tooltip: [{ field: 'request', type: 'nominal' }, { field: 'phase', type: 'nominal' }, { field: 'ms', type: 'quantitative', format: '.1f', title: 'ms' }],
        },
      },
      {
        // Label only phases wide enough for their text; the tooltip has the rest.
        transform: [{ filter: `datum.ms >= ${Math.max(...totals, 1) * 0.08}` }],
        mark: { type: 'text', align: 'left', baseline: 'bottom', dy: -12, dx: 1, fontSize: 10, color: '#333333' },
        encoding: { y, x: { field: 'start', type: 'quantitative' }, text: { field: 'note' } },
      },
    ],
  });
  return Chart.render(spec, { title, rows: data.map(({ request, phase, start, end, ms }) => ({ request, phase, startMs: start, endMs: end, ms: Number(ms.toFixed(3)) })) });
}

// ---------------------------------------------------------------------------------------------
// traceroute

export interface TraceProbe {
  /** Address that answered; null/undefined for a lost probe ("*"). */
  address?: string | null;
  rttMs?: number | null;
}

export interface TraceHop {
  hop: number;
  probes: readonly TraceProbe[];
  /** Share of probes lost, 0..1 (computed from probes when absent; values > 1 are read as percent). */
  loss?: number | null;
}

const TR = 'tracerouteHops';

/** RTT of every probe at every hop, with the responding address and the loss: where the latency or the black hole starts. */
export async function tracerouteHops(hops: readonly TraceHop[], options: { title?: string; target?: string } = {}): Promise<Chart> {
  const list_ = list(TR, hops);
  const probes: { hop: string; rtt: number; address: string }[] = [];
  const summary: { hop: string; n: number; address: string; loss: number; note: string; median: number | null }[] = [];
  list_.forEach((h, i) => {
    if (!h || typeof h !== 'object' || !Number.isFinite(Number(h.hop))) throw new VizInputError(TR, MSG.badItem(TR, i, 'has no hop number'));
    const ps = Array.isArray(h.probes) ? h.probes : [];
    const answered = ps.filter((p) => p && num(p.rttMs) !== undefined);
    const address = answered.find((p) => p.address)?.address ?? ps.find((p) => p?.address)?.address ?? '*';
    const label = `${Number(h.hop)}  ${address}`;
    for (const p of answered) probes.push({ hop: label, rtt: num(p.rttMs) as number, address: p.address ?? address });
    let loss = num(h.loss) ?? (ps.length ? 1 - answered.length / ps.length : 1);
    if (loss > 1) loss /= 100;
    const rtts = answered.map((p) => num(p.rttMs) as number).sort((a, b) => a - b);
    const median = rtts.length ? (rtts[Math.floor((rtts.length - 1) / 2)] as number) : null;
    summary.push({ hop: label, n: Number(h.hop), address, loss, median, note: answered.length === 0 ? 'no reply' : loss > 0 ? `${fmtPct(loss)} loss` : '' });
  });
  summary.sort((a, b) => a.n - b.n);
  const order = summary.map((s) => s.hop);
  const maxRtt = Math.max(1, ...probes.map((p) => p.rtt));
  const notes = summary.filter((s) => s.note).map((s) => ({ hop: s.hop, note: s.note, x: maxRtt }));
  const title = options.title ?? `Traceroute${options.target ? ` to ${options.target}` : ''}: RTT per hop`;
  if (summary.length === 0) return Chart.render(noDataSpec(title, 'hops'), { title });
  const y = { field: 'hop', type: 'nominal', title: 'Hop', sort: order, axis: { labelLimit: 260 } };
  const lost = summary.filter((s) => s.loss > 0).length;
  const spec = topLevel(title, `${summary.length} hops; ${lost} with loss`, {
    width: WIDTH - 200,
    height: { step: 22 },
    layer: [
      {
        data: { values: probes },
        mark: { type: 'point', filled: true, size: 50, color: LABEL_COLORS.good, opacity: 0.8 },
        encoding: {
          y,
          // Nothing answered: a fixed domain keeps the axis (and vega from an infinite extent).
          x: { field: 'rtt', type: 'quantitative', title: 'Round-trip time (ms)', scale: probes.length ? { domainMin: 0 } : { domain: [0, 1] } },
          tooltip: [{ field: 'hop', type: 'nominal' }, { field: 'address', type: 'nominal' }, { field: 'rtt', type: 'quantitative', format: '.2f', title: 'RTT ms' }],
        },
      },
      ...(probes.length === 0 ? [] : [{
        data: { values: summary.filter((s) => s.median !== null) },
        mark: { type: 'tick', color: '#222222', thickness: 2 },
        encoding: { y, x: { field: 'median', type: 'quantitative' } },
      }]),
      ...(notes.length === 0 ? [] : [{
        data: { values: notes },
        mark: { type: 'text', align: 'left', dx: 10, fontSize: 11, color: LABEL_COLORS.malicious },
        encoding: { y, x: { field: 'x', type: 'quantitative' }, text: { field: 'note' } },
      }]),
    ],
  });
  return Chart.render(spec, {
    title,
    rows: summary.map((s) => ({ hop: s.n, address: s.address, medianMs: s.median === null ? null : Number(s.median.toFixed(3)), loss: fmtPct(s.loss) })),
  });
}

// ---------------------------------------------------------------------------------------------
// DNS answers across resolvers

export interface DnsAnswerRecord {
  /** The rdata: an address, a CNAME target, ... */
  value: string;
  ttl?: number | null;
}

export interface DnsAnswerSet {
  /** "1.1.1.1", "[2606:4700::1111]:53", "auth ns1" */
  resolver: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, NOREPLY... Default NOERROR. */
  status?: string;
  /** The answers: plain strings or records with TTLs. */
  values: readonly (string | DnsAnswerRecord)[];
  /** One TTL for all values when records do not carry their own. */
  ttl?: number | null;
  timeMs?: number | null;
}

const DA = 'dnsAnswers';

/**
 * A resolver x answer matrix: every answer a resolver gave is a cell (with its TTL). Answers all
 * resolvers agree on are blue; answers only some resolvers give are amber; errors are red.
 */
export async function dnsAnswers(sets: readonly DnsAnswerSet[], options: { title?: string; question?: string } = {}): Promise<Chart> {
  const l = list(DA, sets);
  const cells: { resolver: string; answer: string; ttl: string; kind: string }[] = [];
  const resolvers: string[] = [];
  l.forEach((s, i) => {
    if (!s || typeof s !== 'object' || typeof s.resolver !== 'string') throw new VizInputError(DA, MSG.badItem(DA, i, 'has no resolver name'));
    resolvers.push(s.resolver);
    const status = (s.status ?? 'NOERROR').toUpperCase();
    const values = Array.isArray(s.values) ? s.values : [];
    if (status !== 'NOERROR' || values.length === 0) {
      cells.push({ resolver: s.resolver, answer: status === 'NOERROR' ? '(no answer)' : status, ttl: '', kind: status === 'NOERROR' || status === 'NXDOMAIN' ? 'partial' : 'error' });
    }
    for (const v of values) {
      const rec = typeof v === 'string' ? { value: v, ttl: s.ttl } : v;
      const ttl = num(rec.ttl);
      cells.push({ resolver: s.resolver, answer: String(rec.value), ttl: ttl === undefined ? '' : `TTL ${ttl}`, kind: '' });
    }
  });
  const n = new Set(resolvers).size;
  // Agreement is judged among the resolvers that answered: a failing resolver is its own red cell.
  const answering = new Set(cells.filter((c) => !c.kind).map((c) => c.resolver)).size;
  const seen = new Map<string, Set<string>>();
  for (const c of cells) (seen.get(c.answer) ?? seen.set(c.answer, new Set()).get(c.answer))?.add(c.resolver);
  for (const c of cells) if (!c.kind) c.kind = (seen.get(c.answer)?.size ?? 0) === answering ? 'all agree' : 'partial';
  const answers = [...seen.keys()].sort((a, b) => (seen.get(b)?.size ?? 0) - (seen.get(a)?.size ?? 0) || (a < b ? -1 : 1));
  const agree = cells.every((c) => c.kind === 'all agree') && answering === n;
  const colors: Record<string, string> = { 'all agree': LABEL_COLORS.good, partial: LABEL_COLORS.suspicious, error: LABEL_COLORS.malicious };
  const kinds = Object.keys(colors).filter((k) => cells.some((c) => c.kind === k));
  const title = options.title ?? `DNS answers across resolvers${options.question ? ` for ${options.question}` : ''}`;
  if (cells.length === 0) return Chart.render(noDataSpec(title, 'resolver answers'), { title });
  const spec = topLevel(title, `${n} resolvers, ${answers.length} distinct answers: ${agree ? 'all agree' : 'they disagree'}`, {
    width: { step: Math.max(90, Math.min(160, Math.floor(600 / Math.max(1, n)))) },
    height: { step: 24 },
    data: { values: cells },
    encoding: {
      x: { field: 'resolver', type: 'nominal', title: 'Resolver', sort: [...new Set(resolvers)], axis: { labelAngle: 0, labelLimit: 150, orient: 'top' } },
      y: { field: 'answer', type: 'nominal', title: 'Answer', sort: answers, axis: { labelLimit: 260 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom' }, scale: { domain: kinds, range: kinds.map((k) => colors[k] ?? UNKNOWN_COLOR) } },
          tooltip: [{ field: 'resolver', type: 'nominal' }, { field: 'answer', type: 'nominal' }, { field: 'ttl', type: 'nominal' }],
        },
      },
      { mark: { type: 'text', fontSize: 10, color: 'white' }, encoding: { text: { field: 'ttl' } } },
    ],
  });
  return Chart.render(spec, { title, rows: cells.map(({ resolver, answer, ttl, kind }) => ({ resolver, answer, ttl, agreement: kind })) });
}

// ---------------------------------------------------------------------------------------------
// certificate validity

export interface CertSpan {
  subject: string;
  notBefore: TimeLike;
  notAfter: TimeLike;
  issuer?: string;
}

const CT = 'certTimeline';

export interface CertTimelineOptions {
  title?: string;
  /** "Now" for the status and the rule; default the current time. */
  now?: TimeLike;
  /** Expiring within this many days is amber. Default 30. */
  warnDays?: number;
}

/** Validity windows of a certificate chain against "now": expired red, expiring soon amber, valid blue. */
export async function certTimeline(chain: CertSpan | readonly CertSpan[], options: CertTimelineOptions = {}): Promise<Chart> {
  const l = list(CT, chain);
  const now = options.now === undefined ? Date.now() : toMs(CT, 'now', options.now);
  const warn = (options.warnDays ?? 30) * 86400e3;
  const bars = l.map((c, i) => {
    if (!c || typeof c !== 'object') throw new VizInputError(CT, MSG.badItem(CT, i, 'is not a certificate'));
    const from = toMs(CT, `chain[${i}].notBefore`, c.notBefore);
    const to = toMs(CT, `chain[${i}].notAfter`, c.notAfter);
    const status = now > to ? 'expired' : now < from ? 'not yet valid' : to - now < warn ? 'expires soon' : 'valid';
    const days = Math.round((to - now) / 86400e3);
    const note = status === 'expired' ? `expired ${fmtCount(-days)} d ago` : status === 'not yet valid' ? `valid from ${new Date(from).toISOString().slice(0, 10)}` : `${fmtCount(days)} d left`;
    const subject = String(c.subject ?? `certificate ${i}`);
    return { cert: `${i}: ${subject}`, subject, issuer: c.issuer ?? '', from, to, status, note };
  });
  const colors: Record<string, string> = { valid: LABEL_COLORS.good, 'expires soon': LABEL_COLORS.suspicious, expired: LABEL_COLORS.malicious, 'not yet valid': UNKNOWN_COLOR };
  const statuses = Object.keys(colors).filter((k) => bars.some((b) => b.status === k));
  const title = options.title ?? 'Certificate validity';
  if (bars.length === 0) return Chart.render(noDataSpec(title, 'certificates'), { title });
  const y = { field: 'cert', type: 'nominal', title: null, sort: bars.map((b) => b.cert), axis: { labelLimit: 300 } };
  const worst = bars.find((b) => b.status === 'expired') ?? bars.find((b) => b.status === 'expires soon');
  const spec = topLevel(title, worst ? `${worst.subject}: ${worst.note}` : `${bars.length} certificates, all valid at ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} UTC`, {
    width: WIDTH - 200,
    height: { step: 28 },
    layer: [
      {
        data: { values: bars },
        layer: [
          {
            mark: { type: 'bar', height: { band: 0.6 } },
            encoding: {
              y,
              x: { field: 'from', type: 'temporal', title: 'Validity (UTC)', scale: { type: 'utc' } },
              x2: { field: 'to' },
              color: { field: 'status', type: 'nominal', title: 'Status', legend: { orient: 'bottom' }, scale: { domain: statuses, range: statuses.map((s) => colors[s] ?? UNKNOWN_COLOR) } },
              tooltip: [{ field: 'subject', type: 'nominal' }, { field: 'issuer', type: 'nominal' }, { field: 'note', type: 'nominal' }],
            },
          },
          { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333333' }, encoding: { y, x: { field: 'to', type: 'temporal' }, text: { field: 'note' } } },
        ],
      },
      {
        data: { values: [{ now, label: 'now' }] },
        layer: [
          { mark: { type: 'rule', color: '#222222', strokeDash: [4, 3] }, encoding: { x: { field: 'now', type: 'temporal' } } },
          { mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 11 }, encoding: { x: { field: 'now', type: 'temporal' }, y: { value: 0 }, text: { field: 'label' } } },
        ],
      },
    ],
  });
  return Chart.render(spec, {
    title,
    rows: bars.map((b) => ({ subject: b.subject, notBefore: new Date(b.from).toISOString(), notAfter: new Date(b.to).toISOString(), status: b.status, note: b.note })),
  });
}

// ---------------------------------------------------------------------------------------------
// backtest

export interface BacktestCount {
  matched: number;
  total: number;
}

export interface BacktestInput {
  name?: string;
  expression?: string;
  attack: BacktestCount;
  good: BacktestCount;
}

const BT = 'backtestChart';

/** What each proposed rule would hit: share of attack traffic caught vs share of good traffic caught (collateral). */
export async function backtestChart(results: readonly BacktestInput[], options: { title?: string } = {}): Promise<Chart> {
  const l = list(BT, results);
  const data: { rule: string; traffic: string; share: number; note: string; matched: number; total: number }[] = [];
  const names: string[] = [];
  l.forEach((r, i) => {
    if (!r || typeof r !== 'object' || !r.attack || !r.good) throw new VizInputError(BT, MSG.badItem(BT, i, 'needs { attack: { matched, total }, good: { matched, total } }'));
    let rule = r.name ?? r.expression ?? `rule ${i + 1}`;
    if (names.includes(rule)) rule = `${rule} (#${i + 1})`;
    names.push(rule);
    for (const [traffic, c] of [['attack', r.attack], ['good', r.good]] as const) {
      const matched = num(c.matched) ?? 0, total = num(c.total) ?? 0;
      const share = total > 0 ? matched / total : 0;
      data.push({ rule, traffic: traffic === 'attack' ? 'attack caught' : 'good hit (collateral)', share, matched, total, note: `${fmtPct(share)} (${fmtCount(matched)}/${fmtCount(total)})` });
    }
  });
  const title = options.title ?? 'Backtest: what each proposed rule would hit';
  if (data.length === 0) return Chart.render(noDataSpec(title, 'rules'), { title });
  const y = { field: 'rule', type: 'nominal', title: null, sort: names, axis: { labelLimit: 320 } };
  const domain = ['attack caught', 'good hit (collateral)'];
  const spec = topLevel(title, 'share of labelled attack and good requests the rule matches', {
    width: WIDTH - 260,
    height: { step: 16 },
    data: { values: data },
    encoding: { y, yOffset: { field: 'traffic', type: 'nominal', sort: domain } },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'share', type: 'quantitative', title: 'Share of requests matched', scale: { domain: [0, 1] }, axis: { format: '%' } },
          color: { field: 'traffic', type: 'nominal', title: null, legend: { orient: 'bottom' }, scale: { domain, range: [LABEL_COLORS.malicious, LABEL_COLORS.good] } },
          tooltip: [{ field: 'rule', type: 'nominal' }, { field: 'traffic', type: 'nominal' }, { field: 'note', type: 'nominal', title: 'matched' }],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333333' }, encoding: { x: { field: 'share', type: 'quantitative' }, text: { field: 'note' } } },
    ],
  });
  return Chart.render(spec, { title, rows: data.map(({ rule, traffic, note }) => ({ rule, traffic, matched: note })) });
}
