import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import { aggregateByBin, assertTable, checkLimit, fmtCount, makeCodes, noDataSpec, requireColumn, sumBy, timeBins, timeX, topKeys, topLevel, valueCounts } from './table.js';
import { HEIGHT, STATUS_CLASS_COLORS, WIDTH, categoryRange, fixedScale } from './theme.js';

export interface StatusOverTimeOptions {
  /** Group by status class ('2xx', '4xx', ...; default) or by exact code (top `limit`, rest "other"). */
  by?: 'class' | 'code';
  limit?: number;
  binMs?: number;
  /** Show shares of each bin (100% stacked) instead of counts. */
  normalize?: boolean;
  title?: string;
  columns?: ColumnOverrides;
}

const B = 'statusOverTime';

export function statusClass(code: unknown): string {
  const n = Number(code);
  if (code === null || code === undefined || code === '' || !Number.isFinite(n) || n < 100 || n > 599) return 'other';
  return `${Math.floor(n / 100)}xx`;
}

/** Status-code mix over time: an origin falling over shows as 5xx, a working block as 403s. */
export async function statusOverTime(table: ColumnTable, options: StatusOverTimeOptions = {}): Promise<Chart> {
  assertTable(B, table);
  const c = columnsWith(options.columns);
  const by = options.by ?? 'class';
  if (by !== 'class' && by !== 'code') throw new VizInputError(B, MSG.badOption(B, 'by', by, "'class' | 'code'"));
  requireColumn(B, table, c.timestamp, 'timestamp, ms since epoch');
  requireColumn(B, table, c.status, 'HTTP response code');
  const limit = checkLimit(B, 'limit', options.limit, 8);
  const title = options.title ?? `Response status over time${by === 'code' ? ' by code' : ''}`;
  const bins = timeBins(B, table, c.timestamp, options.binMs);
  if (!bins) return Chart.render(noDataSpec(title, 'responses'), { title });
  const step = bins.step;
  // Status codes are few: code them, then aggregate (bin, code) with one numeric key.
  const codes = makeCodes(valueCounts(table, c.status).map((v) => [v.value === null || v.value === undefined ? 'other' : String(v.value), [v.value]] as const), 'other');
  const raw = aggregateByBin(table, c.timestamp, bins, { column: c.status, codes });
  let keyed = raw.map((r) => {
    const code = codes.names[r.code] as string;
    return { t: r.t, key: by === 'class' ? statusClass(code === 'other' ? null : code) : code, requests: r.requests };
  });
  let color: Record<string, unknown>;
  if (by === 'class') {
    color = { field: 'key', type: 'nominal', title: 'Status', scale: fixedScale(STATUS_CLASS_COLORS, keyed.map((r) => r.key)) };
  } else {
    const keep = new Set(topKeys(keyed, 'key', 'requests', limit));
    keyed = keyed.map((r) => ({ ...r, key: keep.has(r.key) ? r.key : 'other' }));
    const domain = [...keep].sort();
    if (keyed.some((r) => r.key === 'other')) domain.push('other');
    color = { field: 'key', type: 'nominal', title: 'Status', scale: { domain, range: categoryRange(domain) } };
  }
  const data = sumBy(keyed, ['t', 'key'], ['requests'])
    .map((r) => ({ t: Number(r.t), t2: Number(r.t) + step.ms, key: String(r.key), requests: Number(r.requests) }))
    .sort((a, b) => a.t - b.t || (a.key < b.key ? -1 : 1));
  if (data.length === 0) return Chart.render(noDataSpec(title, 'responses'), { title });
  const total = data.reduce((s, r) => s + r.requests, 0);
  const spec = topLevel(title, `${fmtCount(total)} responses in ${step.label} bins`, {
    width: WIDTH,
    height: HEIGHT,
    data: { values: data },
    mark: { type: 'bar' },
    encoding: {
      x: { ...timeX('t'), bin: 'binned' },
      x2: { field: 't2' },
      y: {
        field: 'requests',
        type: 'quantitative',
        stack: options.normalize ? 'normalize' : 'zero',
        title: options.normalize ? 'Share of responses' : `Responses per ${step.label}`,
        axis: options.normalize ? { format: '%' } : { tickMinStep: 1 },
      },
      color,
      order: { field: 'key', sort: 'ascending' },
      tooltip: [
        { field: 'key', type: 'nominal', title: 'status' },
        { field: 'requests', type: 'quantitative', format: ',' },
      ],
    },
  });
  return Chart.render(spec, { title, rows: sumBy(data, ['key'], ['requests']).map((r) => ({ status: r.key, responses: r.requests })) });
}
