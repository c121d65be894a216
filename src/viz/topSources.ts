import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import { sourcePrefix } from './prefix.js';
import { LABEL_CODES, LABEL_ORDER, assertTable, checkLimit, col, fmtCount, fmtPct, noDataSpec, requireColumn, rows, topLevel } from './table.js';
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

  // Stage 1: one pass grouping by the source column alone (a single key is what Arquero groups
  // fastest), counting requests and, to rank by them, flagged requests.
  const labelCode = `($.codes[${col(c.label)}] ?? 3)`;
  const stage1 = rows(
    table
      .params({ codes: LABEL_CODES.codes })
      .groupby({ src: `d => ${col(keyCol)}` })
      .rollup({ requests: 'd => op.count()', ...(rank === 'flagged' && hasLabel ? { flagged: `(d, $) => op.sum(${labelCode} === 1 || ${labelCode} === 2 ? 1 : 0)` } : {}) }),
  );
  // Names (AS64496, 203.0.113.0/24) can merge several raw values: rank the names.
  const byName = new Map<string, { requests: number; flagged: number; values: unknown[] }>();
  for (const r of stage1) {
    const name = sourceName(by, r.src);
    const e = byName.get(name) ?? { requests: 0, flagged: 0, values: [] };
    e.requests += Number(r.requests);
    e.flagged += Number(r.flagged ?? 0);
    e.values.push(r.src);
    byName.set(name, e);
  }
  const ranked = [...byName.entries()]
    .sort((a, b) => b[1][rank] - a[1][rank] || b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit);
  const order = ranked.map(([s]) => s);

  // Stage 2: per-label counts of the top sources only, keyed (source index * 4 + label code).
  const top = Object.create(null) as Record<string, number>;
  ranked.forEach(([, e], i) => {
    for (const v of e.values) top[String(v)] = i;
  });
  const stage2 = rows(
    table
      .params({ top, codes: LABEL_CODES.codes })
      .groupby({ k: `(d, $) => ($.top[${col(keyCol)}] ?? -1) * 4 + ${hasLabel ? labelCode : 3}` })
      .count({ as: 'requests' }),
  );
  const bars = stage2
    .map((r) => ({ k: Number(r.k), requests: Number(r.requests) }))
    .filter((r) => r.k >= 0)
    .map((r) => {
      const label = LABEL_CODES.names[r.k % 4] as string;
      return { src: order[Math.floor(r.k / 4)] as string, label, order: LABEL_ORDER[label] ?? 3, requests: r.requests };
    });
  const totals = new Map<string, { requests: number; flagged: number }>();
  for (const b of bars) {
    const t = totals.get(b.src) ?? { requests: 0, flagged: 0 };
    t.requests += b.requests;
    if (b.label === 'suspicious' || b.label === 'malicious') t.flagged += b.requests;
    totals.set(b.src, t);
  }
  const summary = order.map((src) => {
    const t = totals.get(src) ?? { requests: 0, flagged: 0 };
    const share = t.requests ? t.flagged / t.requests : 0;
    return { src, requests: t.requests, flagged: t.flagged, share, note: `${fmtCount(t.requests)} · ${fmtPct(share)} flagged` };
  });
  const allRequests = stage1.reduce((s, r) => s + Number(r.requests), 0);

  const noun = { ip: 'source IPs', prefix: 'source prefixes', asn: 'source ASNs', country: 'source countries' }[by];
  const title = options.title ?? `Top ${noun} by ${rank === 'flagged' ? 'flagged requests' : 'requests'}`;
  if (bars.length === 0) return Chart.render(noDataSpec(title, 'requests'), { title });
  const y = { field: 'src', type: 'nominal', title: KINDS[by].replace(/^./, (ch) => ch.toUpperCase()), sort: order, axis: { labelLimit: 240 } };
  const spec = topLevel(title, `top ${ranked.length} of ${fmtCount(byName.size)} ${noun}; ${fmtCount(allRequests)} requests`, {
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
