import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import { aggregateByBin, assertTable, checkLimit, col, fmtCount, countValues, makeCodes, topEntries, noDataSpec, requireColumn, timeBins, timeX, topLevel } from './table.js';
import { HEAT_SCHEME, WIDTH } from './theme.js';

export interface PathHeatmapOptions {
  /** How many paths (the busiest). Default 15. */
  limit?: number;
  binMs?: number;
  /** Only count rows with these labels, e.g. ['suspicious', 'malicious']. Default: all rows. */
  labels?: readonly string[];
  title?: string;
  columns?: ColumnOverrides;
}

const B = 'pathHeatmap';

/** Request path x time heatmap of the busiest paths: where the flood lands, and when. */
export async function pathHeatmap(table: ColumnTable, options: PathHeatmapOptions = {}): Promise<Chart> {
  assertTable(B, table);
  const c = columnsWith(options.columns);
  requireColumn(B, table, c.timestamp, 'timestamp, ms since epoch');
  requireColumn(B, table, c.path, 'request path');
  const limit = checkLimit(B, 'limit', options.limit, 15);
  const title = options.title ?? 'Requests by path over time';
  // Only rows with the requested labels count; Arquero's filter is a row mask over the same columns.
  if (options.labels) requireColumn(B, table, c.label, 'label');
  const keep = Object.fromEntries((options.labels ?? []).map((l) => [l, 1]));
  const source = options.labels ? table.params({ keep }).filter(`(d, $) => $.keep[${col(c.label)}] === 1`) : table;
  // Cells are paths x bins: keep them near 2,000 so the SVG stays small whatever the limit.
  const bins = timeBins(B, source, c.timestamp, options.binMs, Math.max(10, Math.min(100, Math.floor(2000 / limit))));
  if (!bins) return Chart.render(noDataSpec(title, 'requests'), { title });
  const step = bins.step;
  // Paths can be many (cache-busting floods randomise them): count with a Map, not a groupby.
  const pathCounts = countValues(source, c.path);
  const perPath = topEntries(pathCounts, limit).map(([path, requests]) => ({ path, requests }));
  const top = perPath.map((r) => r.path);
  const codes = makeCodes(top.map((p) => [p === null || p === undefined ? '(none)' : String(p), [p]] as const), '(other)');
  const cells = aggregateByBin(source, c.timestamp, bins, { column: c.path, codes })
    .filter((r) => r.code < codes.size - 1)
    .map((r) => ({ path: codes.names[r.code] as string, t: r.t, t2: r.t + step.ms, requests: Number(r.requests) }));
  const order = top.map((p) => (p === null || p === undefined ? '(none)' : String(p)));
  const total = cells.reduce((s, r) => s + r.requests, 0);
  const spec = topLevel(title, `top ${order.length} of ${fmtCount(pathCounts.size)} paths; ${fmtCount(total)} requests; ${step.label} bins`, {
    width: WIDTH - 200,
    height: { step: 18 },
    data: { values: cells },
    mark: { type: 'rect' },
    encoding: {
      x: { ...timeX('t'), bin: 'binned' },
      x2: { field: 't2' },
      y: { field: 'path', type: 'nominal', title: 'Request path', sort: order, axis: { labelLimit: 320 } },
      color: { field: 'requests', type: 'quantitative', title: `Requests per ${step.label}`, scale: { scheme: HEAT_SCHEME } },
      tooltip: [
        { field: 'path', type: 'nominal' },
        { field: 'requests', type: 'quantitative', format: ',' },
      ],
    },
  });
  return Chart.render(spec, { title, rows: perPath.slice(0, limit).map((r) => ({ path: r.path, requests: r.requests })) });
}
