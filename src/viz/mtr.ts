/**
 * mtr's report as a chart: loss per hop (bars) beside latency per hop (best..worst range with
 * the average), hops top to bottom. Loss at one middle hop only is that router rate-limiting its
 * ICMP; loss that starts at a hop and carries on to the destination is real loss, and the chart
 * marks where it starts. Input is structural (viz does not import steps): the mtr step's result,
 * its `data`, or its `hops`.
 */
import { Chart } from './chart.js';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import { noDataSpec, topLevel } from './table.js';
import { LABEL_COLORS, WIDTH } from './theme.js';

export interface MtrHopInput {
  hop: number;
  /** Address that answered; null/undefined/'???' when nothing did. */
  host?: string | null;
  /** Percent of probes lost at this hop (0..100). */
  lossPct: number;
  sent?: number | null;
  avgMs?: number | null;
  bestMs?: number | null;
  worstMs?: number | null;
  stdevMs?: number | null;
}

export interface MtrChartOptions {
  title?: string;
  /** The target, for the title (taken from the input when it has one). */
  target?: string;
}

const B = 'mtrChart';

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

function hopsOf(value: unknown): { hops: unknown[]; target: string | null } {
  let v = value;
  if (v && typeof v === 'object' && !Array.isArray(v) && 'data' in v && (v as { data?: unknown }).data && typeof (v as { data: unknown }).data === 'object') v = (v as { data: unknown }).data;
  if (Array.isArray(v)) return { hops: v, target: null };
  if (v && typeof v === 'object' && Array.isArray((v as { hops?: unknown }).hops)) {
    const t = (v as { target?: unknown }).target;
    return { hops: (v as { hops: unknown[] }).hops, target: typeof t === 'string' ? t : null };
  }
  throw new VizInputError(B, MSG.unrecognised(B, 'an mtr step result, its data, or its hops', v && typeof v === 'object' ? Object.keys(v) : [String(v)]));
}

/** First hop from which every later hop (the destination included) loses probes; null when the last hop loses none. */
function lossStart(rows: readonly { n: number; loss: number }[]): number | null {
  const last = rows[rows.length - 1];
  if (!last || last.loss === 0) return null;
  let from = last.n;
  for (let i = rows.length - 1; i >= 0 && (rows[i] as { loss: number }).loss > 0; i--) from = (rows[i] as { n: number }).n;
  return from;
}

/** Loss and latency per hop from mtr (`mtr --json` through the mtr step, or any list of hops). */
export async function mtrChart(value: unknown, options: MtrChartOptions = {}): Promise<Chart> {
  const { hops, target } = hopsOf(value);
  const rows = hops.map((h, i) => {
    if (!h || typeof h !== 'object') throw new VizInputError(B, MSG.badItem(B, i, 'is not a hop object'));
    const o = h as Record<string, unknown>;
    const n = num(o.hop);
    const loss = num(o.lossPct);
    if (n === null) throw new VizInputError(B, MSG.badItem(B, i, 'has no hop number'));
    if (loss === null || loss < 0 || loss > 100) throw new VizInputError(B, MSG.badItem(B, i, 'has no loss percentage between 0 and 100 (lossPct)'));
    const host = typeof o.host === 'string' && o.host !== '???' ? o.host : null;
    return { n, host, loss, sent: num(o.sent), avg: host ? num(o.avgMs) : null, best: host ? num(o.bestMs) : null, worst: host ? num(o.worstMs) : null };
  }).sort((a, b) => a.n - b.n);
  const to = options.target ?? target;
  const title = options.title ?? `mtr${to ? ` to ${to}` : ''}: loss and latency per hop`;
  if (rows.length === 0) return Chart.render(noDataSpec(title, 'hops'), { title });
  const from = lossStart(rows);
  const data = rows.map((r) => ({
    hop: `${r.n}  ${r.host ?? '???'}`,
    loss: r.loss,
    kind: from !== null && r.n >= from ? 'loss to the destination' : r.loss > 0 ? 'this hop only (rate limiting)' : 'no loss',
    avg: r.avg,
    best: r.best,
    worst: r.worst,
    sent: r.sent,
  }));
  const order = data.map((d) => d.hop);
  const y = { field: 'hop', type: 'nominal', title: 'Hop', sort: order, axis: { labelLimit: 260 } };
  const kinds = ['no loss', 'this hop only (rate limiting)', 'loss to the destination'];
  const colors = [LABEL_COLORS.good, LABEL_COLORS.suspicious, LABEL_COLORS.malicious];
  const timed = data.filter((d) => d.avg !== null);
  const maxMs = Math.max(1, ...timed.map((d) => d.worst ?? d.avg ?? 0));
  const subtitle = `${rows.length} hops; ${from !== null ? `loss from hop ${from} to the destination` : 'no loss at the destination'}`;
  const spec = topLevel(title, subtitle, {
    data: { values: data },
    hconcat: [
      {
        width: 220,
        height: { step: 22 },
        mark: { type: 'bar' },
        encoding: {
          y,
          x: { field: 'loss', type: 'quantitative', title: 'Loss (%)', scale: { domain: [0, 100] } },
          color: { field: 'kind', type: 'nominal', title: 'Loss', scale: { domain: kinds, range: colors }, legend: { orient: 'bottom', labelLimit: 320 } },
          tooltip: [{ field: 'hop', type: 'nominal' }, { field: 'loss', type: 'quantitative', title: 'loss %' }, { field: 'sent', type: 'quantitative', title: 'sent' }],
        },
      },
      {
        width: Math.max(320, WIDTH - 420),
        height: { step: 22 },
        layer: [
          {
            transform: [{ filter: 'datum.best !== null && datum.worst !== null' }],
            mark: { type: 'rule', color: '#888888', strokeWidth: 2 },
            encoding: { y: { ...y, axis: null }, x: { field: 'best', type: 'quantitative', title: 'Latency (ms): best .. worst, avg', scale: { domain: [0, maxMs] } }, x2: { field: 'worst' } },
          },
          {
            transform: [{ filter: 'datum.avg !== null' }],
            mark: { type: 'point', filled: true, size: 60, color: LABEL_COLORS.good },
            encoding: {
              y: { ...y, axis: null },
              x: { field: 'avg', type: 'quantitative' },
              tooltip: [{ field: 'hop', type: 'nominal' }, { field: 'avg', type: 'quantitative', format: '.2f', title: 'avg ms' }, { field: 'best', type: 'quantitative', format: '.2f', title: 'best ms' }, { field: 'worst', type: 'quantitative', format: '.2f', title: 'worst ms' }],
            },
          },
        ],
      },
    ],
  });
  return Chart.render(spec, { title, rows: rows.map((r) => ({ hop: r.n, host: r.host ?? '???', lossPct: r.loss, avgMs: r.avg, bestMs: r.best, worstMs: r.worst })) });
}
