import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import { LABEL_CODES, LABEL_ORDER, assertTable, checkLimit, col, fmtCount, noDataSpec, requireColumn, rows, sumBy, topLevel } from './table.js';
import { HEIGHT, WIDTH, labelScale } from './theme.js';

export interface ScoreDistributionOptions {
  /** Number of bins across the score range. Default 25. */
  bins?: number;
  /** Draw the labelling thresholds, e.g. { suspicious: 40, malicious: 70 }. */
  thresholds?: Partial<Record<'suspicious' | 'malicious', number>>;
  /** Logarithmic count axis (attack traffic often dwarfs the rest); labels are then overlaid, not stacked. Default false. */
  log?: boolean;
  title?: string;
  columns?: ColumnOverrides;
}

const B = 'scoreDistribution';

/** Histogram of scores stacked by label: a gap between the humps means the thresholds are safe. */
export async function scoreDistribution(table: ColumnTable, options: ScoreDistributionOptions = {}): Promise<Chart> {
  assertTable(B, table);
  const c = columnsWith(options.columns);
  requireColumn(B, table, c.score, 'score');
  const hasLabel = table.column(c.label) !== undefined;
  const bins = checkLimit(B, 'bins', options.bins, 25);
  const ext = table.numRows()
    ? (table.rollup({ min: `d => op.min(${col(c.score)})`, max: `d => op.max(${col(c.score)})` }).object() as { min: unknown; max: unknown })
    : { min: 0, max: 1 };
  let min = Number(ext.min), max = Number(ext.max);
  if (!Number.isFinite(min) || !Number.isFinite(max)) (min = 0), (max = 1);
  if (max <= min) max = min + 1;
  const step = niceStep((max - min) / bins);
  const lo = Math.floor(min / step) * step;
  const sc = col(c.score);
  const raw = rows(
    table
      .params({ lo, step, codes: LABEL_CODES.codes })
      .groupby({ k: `(d, $) => (${sc} == null ? -1 : op.floor((${sc} - $.lo) / $.step)) * 4 + ${hasLabel ? `($.codes[${col(c.label)}] ?? 3)` : '3'}` })
      .count({ as: 'requests' }),
  );
  const data = raw
    .map((r) => ({ k: Number(r.k), requests: Number(r.requests) }))
    .filter((r) => Number.isFinite(r.k) && r.k >= 0)
    .map((r) => {
      const bin = Math.floor(r.k / 4);
      const label = LABEL_CODES.names[r.k - bin * 4] as string;
      const b0 = round(lo + bin * step);
      return { b0, b1: round(b0 + step), label, order: LABEL_ORDER[label] ?? 3, requests: r.requests };
    });
  const title = options.title ?? 'Score distribution by label';
  if (data.length === 0) return Chart.render(noDataSpec(title, 'scores'), { title });
  const thresholds = Object.entries(options.thresholds ?? {})
    .filter(([, v]) => typeof v === 'number' && Number.isFinite(v))
    .map(([k, v]) => ({ at: v as number, label: `${k} ≥ ${v as number}` }));
  const total = data.reduce((s, r) => s + r.requests, 0);
  const layer: Record<string, unknown>[] = [
    {
      data: { values: data },
      mark: { type: 'bar', ...(options.log ? { opacity: 0.75 } : {}) },
      encoding: {
        x: { field: 'b0', type: 'quantitative', bin: { binned: true, step }, title: 'Score' },
        x2: { field: 'b1' },
        y: {
          field: 'requests',
          type: 'quantitative',
          title: 'Requests',
          // A log axis cannot stack: labels are overlaid instead (translucent).
          stack: options.log ? null : 'zero',
          axis: { tickMinStep: 1 },
          ...(options.log ? { scale: { type: 'symlog' } } : {}),
        },
        color: { field: 'label', type: 'nominal', title: 'Label', scale: labelScale(data.some((r) => r.label === 'unscored')) },
        order: { field: 'order', sort: 'ascending' },
        tooltip: [
          { field: 'b0', type: 'quantitative', title: 'score from' },
          { field: 'b1', type: 'quantitative', title: 'score to' },
          { field: 'label', type: 'nominal' },
          { field: 'requests', type: 'quantitative', format: ',' },
        ],
      },
    },
  ];
  if (thresholds.length) {
    layer.push({
      data: { values: thresholds },
      layer: [
        { mark: { type: 'rule', color: '#222222', strokeDash: [4, 3] }, encoding: { x: { field: 'at', type: 'quantitative' } } },
        { mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 11 }, encoding: { x: { field: 'at', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
      ],
    });
  }
  const spec = topLevel(title, `${fmtCount(total)} scored requests`, { width: WIDTH, height: HEIGHT, layer });
  return Chart.render(spec, { title, rows: sumBy(data, ['label'], ['requests']).map((r) => ({ label: r.label, requests: r.requests })) });
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
