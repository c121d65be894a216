import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import {
  LABEL_CODES, LABEL_ORDER, aggregateByBin, assertTable, checkLimit, fmtCount, makeCodes, noDataSpec, requireColumn, timeBins, timeX, toMs, topLevel, valueCounts,
} from './table.js';
import type { Codes, TimeLike } from './table.js';
import { HEIGHT, WIDTH, categoryRange, labelScale } from './theme.js';

export interface TimeMarker {
  at: TimeLike;
  label: string;
}

export interface TrafficOverTimeOptions {
  /** Stack by the label column (default), by the attack-cluster column, or not at all. */
  by?: 'label' | 'cluster' | 'none';
  /** Bin width in ms; default: a nice step giving at most 120 bins. */
  binMs?: number;
  /** When the mitigation went live: drawn as a labelled vertical rule. */
  mitigationAt?: TimeLike;
  /** Further labelled moments (alert fired, rule deployed, origin restarted). */
  markers?: readonly TimeMarker[];
  /** With by: 'cluster', clusters beyond this many (by volume) are merged into "other". Default 8. */
  maxClusters?: number;
  title?: string;
  columns?: ColumnOverrides;
}

const B = 'trafficOverTime';

/** Requests over time, stacked by label (or cluster), with the mitigation time marked. */
export async function trafficOverTime(table: ColumnTable, options: TrafficOverTimeOptions = {}): Promise<Chart> {
  assertTable(B, table);
  const c = columnsWith(options.columns);
  const by = options.by ?? 'label';
  requireColumn(B, table, c.timestamp, 'timestamp, ms since epoch');
  const keyCol = by === 'label' ? c.label : by === 'cluster' ? c.cluster : undefined;
  if (keyCol) requireColumn(B, table, keyCol, by === 'label' ? "label: 'good' | 'suspicious' | 'malicious'" : 'attack cluster id');
  const maxClusters = checkLimit(B, 'maxClusters', options.maxClusters, 8);
  const title = options.title ?? (by === 'none' ? 'Requests over time' : `Requests over time by ${by}`);
  const bins = timeBins(B, table, c.timestamp, options.binMs);
  if (!bins) return Chart.render(noDataSpec(title, 'requests'), { title });
  const step = bins.step;

  let codes: Codes | undefined;
  if (by === 'label') codes = LABEL_CODES;
  else if (by === 'cluster' && keyCol) {
    const isNone = (v: unknown) => v === null || v === undefined || v === '';
    const top = valueCounts(table, keyCol).filter((v) => !isNone(v.value)).slice(0, maxClusters);
    codes = makeCodes([...top.map((v) => [String(v.value), [v.value]] as const), ['unclustered', [null, undefined, '']]], 'other');
  }
  const agg = aggregateByBin(table, c.timestamp, bins, keyCol && codes ? { column: keyCol, codes } : undefined);
  const data = agg.map((r) => ({ t: r.t, key: codes ? (codes.names[r.code] as string) : 'all', requests: Number(r.requests) }));

  let color: Record<string, unknown> | undefined;
  if (by === 'label') {
    color = { field: 'key', type: 'nominal', title: 'Label', scale: labelScale(data.some((r) => r.key === 'unscored')) };
  } else if (by === 'cluster') {
    const present = new Set(data.map((r) => r.key));
    const domain = (codes?.names ?? []).filter((n) => present.has(n) && n !== 'other' && n !== 'unclustered').sort();
    if (present.has('other')) domain.push('other');
    if (present.has('unclustered')) domain.push('unclustered');
    color = { field: 'key', type: 'nominal', title: 'Cluster', scale: { domain, range: categoryRange(domain) } };
  }
  const series = data
    .map((r) => ({ t: r.t, t2: r.t + step.ms, time: isoMinute(r.t), ...(keyCol ? { key: r.key, order: LABEL_ORDER[r.key] ?? 0 } : {}), requests: r.requests }))
    .sort((a, b) => a.t - b.t);

  const markers: { at: number; label: string }[] = (options.markers ?? []).map((m, i) => ({ at: toMs(B, `markers[${i}].at`, m.at), label: m.label }));
  if (options.mitigationAt !== undefined) markers.push({ at: toMs(B, 'mitigationAt', options.mitigationAt), label: 'mitigation' });

  if (series.length === 0) return Chart.render(noDataSpec(title, 'requests'), { title });
  const total = series.reduce((s, r) => s + r.requests, 0);
  const bars: Record<string, unknown> = {
    data: { values: series },
    mark: { type: 'bar' },
    encoding: {
      x: { ...timeX('t'), bin: 'binned' },
      x2: { field: 't2' },
      y: { field: 'requests', type: 'quantitative', title: `Requests per ${step.label}`, stack: 'zero', axis: { tickMinStep: 1 } },
      ...(color ? { color, order: { field: by === 'label' ? 'order' : 'key', sort: 'ascending' } } : { color: { value: labelScale().range[0] } }),
      tooltip: [
        { field: 'time', type: 'nominal', title: 'bin start (UTC)' },
        ...(keyCol ? [{ field: 'key', type: 'nominal', title: by }] : []),
        { field: 'requests', type: 'quantitative', format: ',' },
      ],
    },
  };
  const layer: Record<string, unknown>[] = [bars];
  if (markers.length) {
    layer.push({
      data: { values: markers },
      layer: [
        { mark: { type: 'rule', color: '#222222', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'at', type: 'temporal' } } },
        {
          mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 2, fontSize: 11, color: '#222222' },
          encoding: { x: { field: 'at', type: 'temporal' }, y: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  const spec = topLevel(title, `${fmtCount(total)} requests in ${step.label} bins`, { width: WIDTH, height: HEIGHT, layer, resolve: { scale: { x: 'shared' } } });
  return Chart.render(spec, { title, rows: series.map(({ t, key, requests }) => ({ time: new Date(t).toISOString(), ...(keyCol ? { [by]: key } : {}), requests })) });
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}
