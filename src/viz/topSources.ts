import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import { sourcePrefix } from './prefix.js';
import { LABEL_ORDER, assertTable, checkLimit, col, fmtCount, fmtPct, normLabel, requireColumn, rows, topLevel, noDataSpec } from './table.js';
import { WIDTH, labelScale } from './theme.js';

export type SourceKind = 'ip' | 'prefix' | 'asn' | 'country';

export interface TopSourcesOptions {
  /** ip.src, its /24 (IPv4) or /64 (IPv6) prefix, the ASN, or the country. Default 'ip'. */
  by?: SourceKind;
  /** Rank by all requests (default) or by flagged (suspicious + malicious) requests. */
  rank?: 'requests' | 'flagged';
  /** How many sources. Default 10. */
  limit?: number;
  title?: string;
  columns?: ColumnOverrides;
}

const B = 'topSources';
const KINDS: Readonly<Record<SourceKind, string>> = { ip: 'source IP', prefix: 'source prefix (/24, /64)', asn: 'source ASN', country: 'source country' };

/** The top sources by requests (or by flagged requests), each bar split by label, with the share flagged. */
export async function topSources(table: ColumnTable, options: TopSourcesOptions = {}): Promise<Chart> {
  assertTable(B, table);
  const c = columnsWith(options.columns);
  const by = options.by ?? 'ip';
  if (!(by in KINDS)) throw new VizInputError(B, MSG.badOption(B, 'by', by, Object.keys(KINDS).join(' | ')));
  const rank = options.rank ?? 'requests';
  if (rank !== 'requests' && rank !== 'flagged') throw new VizInputError(B, MSG.badOption(B, 'rank', rank, "'requests' | 'flagged'"));
  const limit = checkLimit(B, 'limit', options.limit, 10);
  const keyCol = by === 'asn' ? c.asn : by === 'country' ? c.country : c.ipSrc;
  requireColumn(B, table, keyCol, KINDS[by]);
  const hasLabel = table.column(c.label) !== undefined;

  // Stage 1 in Arquero: one row per (source, label). Stage 2 (prefixes) re-aggregates those few rows.
  const stage1 = table
    .groupby({ src: `d => ${col(keyCol)}`, ...(hasLabel ? { label: `d => ${col(c.label)}` } : {}) })
    .count({ as: 'requests' });
  const named = rows(stage1).map((r) => ({ src: sourceName(by, r.src), label: normLabel(r.label), requests: Number(r.requests) }));
  const perLabel = named.length
    ? rows(aq.from(named).groupby('src', 'label').rollup({ requests: 'd => op.sum(d.requests)' }))
    : [];

  const totals = new Map<string, { requests: number; flagged: number }>();
  for (const r of perLabel) {
    const t = totals.get(String(r.src)) ?? { requests: 0, flagged: 0 };
    t.requests += Number(r.requests);
    if (r.label === 'suspicious' || r.label === 'malicious') t.flagged += Number(r.requests);
    totals.set(String(r.src), t);
  }
  const ranked = [...totals.entries()]
    .sort((a, b) => b[1][rank] - a[1][rank] || b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit);
  const order = ranked.map(([s]) => s);
  const keep = new Set(order);
  const bars = perLabel
    .filter((r) => keep.has(String(r.src)))
    .map((r) => ({ src: String(r.src), label: String(r.label), order: LABEL_ORDER[String(r.label)] ?? 3, requests: Number(r.requests) }));
  const summary = ranked.map(([src, t]) => ({ src, requests: t.requests, flagged: t.flagged, share: t.requests ? t.flagged / t.requests : 0, note: `${fmtCount(t.requests)} · ${fmtPct(t.requests ? t.flagged / t.requests : 0)} flagged` }));
  const allRequests = [...totals.values()].reduce((s, t) => s + t.requests, 0);

  const noun = { ip: 'source IPs', prefix: 'source prefixes', asn: 'source ASNs', country: 'source countries' }[by];
  const title = options.title ?? `Top ${noun} by ${rank === 'flagged' ? 'flagged requests' : 'requests'}`;
  if (bars.length === 0) return Chart.render(noDataSpec(title, 'requests'), { title });
  const y = { field: 'src', type: 'nominal', title: KINDS[by].replace(/^./, (ch) => ch.toUpperCase()), sort: order, axis: { labelLimit: 240 } };
  const spec = topLevel(title, `top ${ranked.length} of ${fmtCount(totals.size)} ${noun}; ${fmtCount(allRequests)} requests`, {
    width: WIDTH - 200,
    height: { step: 22 },
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar' },
        encoding: {
          y,
          x: { field: 'requests', type: 'quantitative', title: 'Requests', stack: 'zero', axis: { format: '~s', tickMinStep: 1 } },
          color: { field: 'label', type: 'nominal', title: 'Label', scale: labelScale(bars.some((b) => b.label === 'unscored')) },
          order: { field: 'order', sort: 'ascending' },
          tooltip: [
            { field: 'src', type: 'nominal', title: 'source' },
            { field: 'label', type: 'nominal' },
            { field: 'requests', type: 'quantitative', format: ',' },
          ],
        },
      },
      {
        data: { values: summary },
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#333333' },
        encoding: { y, x: { field: 'requests', type: 'quantitative' }, text: { field: 'note' } },
      },
    ],
  });
  return Chart.render(spec, { title, rows: summary.map(({ src, requests, flagged, share }) => ({ source: src, requests, flagged, flaggedShare: fmtPct(share) })) });
}

function sourceName(by: SourceKind, value: unknown): string {
  if (value === null || value === undefined || value === '') return '(unknown)';
  if (by === 'asn') return /^\d+$/.test(String(value)) ? `AS${String(value)}` : String(value);
  if (by === 'prefix') return sourcePrefix(String(value));
  return String(value);
}
