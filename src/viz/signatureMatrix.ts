import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { Chart } from './chart.js';
import { columnsWith } from './columns.js';
import type { ColumnOverrides } from './columns.js';
import { assertTable, checkLimit, col, fmtCount, requireColumn, rows, topLevel, noDataSpec } from './table.js';
import { HEAT_SCHEME } from './theme.js';

export interface SignatureMatrixOptions {
  /** The column to put across: the cluster column (default), or e.g. the label column. */
  by?: string;
  /** Most-fired signatures to show. Default 25. */
  limit?: number;
  title?: string;
  columns?: ColumnOverrides;
}

const B = 'signatureMatrix';

/**
 * Signature ids of one row, whatever the scorer stored: an array, a JSON array string, or a
 * comma / semicolon / pipe / whitespace separated string.
 */
export function reasonIds(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  // an entry may carry words after the id (`bh.credential-stuffing@2026.12.0: 412 login POSTs ...`)
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' ? [v.split(': ')[0] as string] : v && typeof v === 'object' && 'id' in v ? [String((v as { id: unknown }).id)] : v === null || v === undefined ? [] : [String(v)])).filter(Boolean);
  const s = String(value).trim();
  if (!s) return [];
  if (s.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return reasonIds(parsed);
    } catch {
      // not JSON: fall through to splitting
    }
  }
  return s.split(/[,;|\s]+/).filter(Boolean);
}

/** Which signatures fired for which cluster: the evidence a mitigation rule is written from. */
export async function signatureMatrix(table: ColumnTable, options: SignatureMatrixOptions = {}): Promise<Chart> {
  assertTable(B, table);
  const c = columnsWith(options.columns);
  requireColumn(B, table, c.reasons, 'reasons: the signature ids that fired');
  // Without a cluster column the label is the next best grouping; the subtitle says so.
  const by = options.by ?? (table.column(c.cluster) !== undefined ? c.cluster : c.label);
  requireColumn(B, table, by, 'the grouping across the matrix (cluster id)');
  const limit = checkLimit(B, 'limit', options.limit, 25);

  // Arquero first reduces the rows to distinct (group, reasons) combinations, usually a handful;
  // only those are split into signature ids.
  // Rows where nothing fired (most good traffic) are only counted; grouping by the reasons value
  // (an array stringified per row) runs on the rows that have some.
  const groupName = (v: unknown) => (v === null || v === undefined || v === '' ? '(none)' : String(v));
  const groupTotals = new Map<string, number>();
  for (const r of rows(table.groupby({ g: `d => ${col(by)}` }).count({ as: 'n' }))) {
    const g = groupName(r.g);
    groupTotals.set(g, (groupTotals.get(g) ?? 0) + Number(r.n));
  }
  const fired = table.filter(`d => ${col(c.reasons)} != null && op.length(${col(c.reasons)}) > 0`);
  const combos = rows(fired.groupby({ g: `d => ${col(by)}`, r: `d => ${col(c.reasons)}` }).count({ as: 'n' }));
  const counts = new Map<string, number>();
  for (const r of combos) {
    const g = groupName(r.g);
    const n = Number(r.n);
    for (const id of new Set(reasonIds(r.r))) counts.set(`${g}\u0000${id}`, (counts.get(`${g}\u0000${id}`) ?? 0) + n);
  }
  const cells = [...counts.entries()].map(([k, n]) => {
    const [group, signature] = k.split('\u0000') as [string, string];
    const share = n / (groupTotals.get(group) ?? n);
    return { group, signature, rows: n, share, pct: `${Math.round(share * 100)}%` };
  });
  const bySig = cells.length ? rows(aq.from(cells).groupby('signature').rollup({ rows: 'd => op.sum(d.rows)' }).orderby(aq.desc('rows'), 'signature')) : [];
  const sigs = bySig.slice(0, limit).map((r) => String(r.signature));
  const keep = new Set(sigs);
  const shown = cells.filter((x) => keep.has(x.signature));
  const title = options.title ?? `Signatures fired per ${by}`;
  if (shown.length === 0) return Chart.render(noDataSpec(title, 'signatures that fired'), { title });
  const groups = [...groupTotals.keys()].sort((a, b) => (groupTotals.get(b) ?? 0) - (groupTotals.get(a) ?? 0));
  const subtitle = `${sigs.length} of ${bySig.length} signatures × ${groups.length} groups of "${by}"; cell = share of the group's rows`;
  const spec = topLevel(title, subtitle, {
    width: { step: Math.max(34, Math.min(70, Math.floor(560 / Math.max(1, groups.length)))) },
    height: { step: 20 },
    data: { values: shown },
    encoding: {
      x: { field: 'group', type: 'nominal', title: by === c.cluster ? 'Cluster' : by, sort: groups, axis: { labelAngle: 0, labelLimit: 90 } },
      y: { field: 'signature', type: 'nominal', title: 'Signature', sort: sigs, axis: { labelLimit: 240 } },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: { field: 'share', type: 'quantitative', title: 'Share of rows', scale: { scheme: HEAT_SCHEME, domain: [0, 1] }, legend: { format: '%' } },
          tooltip: [
            { field: 'group', type: 'nominal', title: by },
            { field: 'signature', type: 'nominal' },
            { field: 'rows', type: 'quantitative', format: ',' },
            { field: 'pct', type: 'nominal', title: 'share' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'pct' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#222222' },
        },
      },
    ],
  });
  return Chart.render(spec, { title, rows: shown.map(({ group, signature, rows: n, pct }) => ({ [by]: group, signature, rows: fmtCount(n), share: pct })) });
}
