import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import { assertTable, checkLimit, col, fmtCount, requireColumn, resolveStep, rows, timeBinExpr, timeX, topLevel, noDataSpec } from './table.js';
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
  let source = table;
  if (options.labels) {
    requireColumn(B, table, c.label, 'label');
    source = table.params({ keep: [...options.labels] }).filter(`(d, $) => op.includes($.keep, ${col(c.label)})`);
  }
  const step = resolveStep(B, source, c.timestamp, options.binMs, 100);
  const perPath = rows(source.groupby({ path: `d => ${col(c.path)}` }).count({ as: 'requests' }).orderby('requests'));
  perPath.reverse();
  const top = perPath.slice(0, limit).map((r) => r.path);
  const cells = top.length
    ? rows(
        source
          .params({ step: step.ms, top })
          .filter(`(d, $) => op.includes($.top, ${col(c.path)})`)
          .groupby({ path: `d => ${col(c.path)}`, t: timeBinExpr(c.timestamp) })
          .count({ as: 'requests' }),
      )
        .filter((r) => r.t !== null)
        .map((r) => ({ path: r.path === null || r.path === undefined ? '(none)' : String(r.path), t: Number(r.t), t2: Number(r.t) + step.ms, requests: Number(r.requests) }))
    : [];
  const title = options.title ?? 'Requests by path over time';
  if (cells.length === 0) return Chart.render(noDataSpec(title, 'requests'), { title });
  const order = top.map((p) => (p === null || p === undefined ? '(none)' : String(p)));
  const total = cells.reduce((s, r) => s + r.requests, 0);
  const spec = topLevel(title, `top ${order.length} of ${fmtCount(perPath.length)} paths; ${fmtCount(total)} requests; ${step.label} bins`, {
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
