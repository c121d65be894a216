/**
 * Shared input checks and aggregation helpers. Every builder reduces the table in Arquero
 * (groupby/rollup over a binned time key) before a spec exists, so a spec embeds at most a few
 * thousand aggregated rows, never the raw traffic.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import type { TopLevelSpec } from 'vega-lite';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';
import { CONFIG, LABELS, UNKNOWN_LABEL } from './theme.js';
import type { Label } from './theme.js';
import type { Row } from './chart.js';

export type { ColumnTable };

/** Time-like inputs accepted for marks (mitigation time, "now"): ms, Date, or a date string. */
export type TimeLike = number | Date | string;

export function toMs(builder: string, option: string, value: TimeLike): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new VizInputError(builder, MSG.badOption(builder, option, value instanceof Date ? String(value) : value, 'ms since epoch, a Date or an ISO date string'));
  return ms;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object with keys ${Object.keys(value as object).slice(0, 6).join(', ') || '(none)'}` : typeof value;
}

export function assertTable(builder: string, table: unknown): asserts table is ColumnTable {
  const t = table as Partial<ColumnTable> | null;
  if (!t || typeof t !== 'object' || typeof t.numRows !== 'function' || typeof t.columnNames !== 'function' || typeof t.groupby !== 'function') {
    throw new VizInputError(builder, MSG.notATable(builder, describe(table)));
  }
}

export function hasColumn(table: ColumnTable, name: string): boolean {
  return table.column(name) !== undefined;
}

export function requireColumn(builder: string, table: ColumnTable, name: string, role: string): void {
  if (!hasColumn(table, name)) throw new VizInputError(builder, MSG.missingColumn(builder, name, role, table.columnNames()));
}

/** `d["col"]` for Arquero expression strings; JSON quoting makes any column name safe. */
export const col = (name: string) => `d[${JSON.stringify(name)}]`;

export interface TimeStep {
  ms: number;
  /** "1 min", "5 s", "1 h" */
  label: string;
}

const STEPS: readonly TimeStep[] = [
  [1e3, '1 s'], [2e3, '2 s'], [5e3, '5 s'], [10e3, '10 s'], [15e3, '15 s'], [30e3, '30 s'],
  [60e3, '1 min'], [120e3, '2 min'], [300e3, '5 min'], [600e3, '10 min'], [900e3, '15 min'], [1800e3, '30 min'],
  [3600e3, '1 h'], [7200e3, '2 h'], [10800e3, '3 h'], [21600e3, '6 h'], [43200e3, '12 h'], [86400e3, '1 day'], [7 * 86400e3, '1 week'],
].map(([ms, label]) => ({ ms: ms as number, label: label as string }));

export function stepLabel(ms: number): string {
  const known = STEPS.find((s) => s.ms === ms);
  if (known) return known.label;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** The smallest "nice" step giving at most `maxBins` bins over [min, max]. */
export function chooseStep(min: number, max: number, maxBins = 120): TimeStep {
  const span = Math.max(0, max - min);
  for (const s of STEPS) if (span / s.ms < maxBins) return s;
  return STEPS[STEPS.length - 1] as TimeStep;
}

export function timeExtent(table: ColumnTable, tsCol: string): { min: number; max: number } | undefined {
  if (table.numRows() === 0) return undefined;
  // op.min/op.max skip nulls; a non-numeric timestamp makes the extent NaN and the table unchartable.
  const r = table.rollup({ min: `d => op.min(${col(tsCol)})`, max: `d => op.max(${col(tsCol)})` }).object() as { min: unknown; max: unknown };
  const min = Number(r.min), max = Number(r.max);
  return Number.isFinite(min) && Number.isFinite(max) ? { min, max } : undefined;
}

export function resolveStep(builder: string, table: ColumnTable, tsCol: string, binMs: number | undefined, maxBins = 120): TimeStep {
  if (binMs !== undefined) {
    if (!(Number.isFinite(binMs) && binMs > 0)) throw new VizInputError(builder, MSG.badOption(builder, 'binMs', binMs, 'a positive number of milliseconds'));
    return { ms: binMs, label: stepLabel(binMs) };
  }
  const ext = timeExtent(table, tsCol);
  return ext ? chooseStep(ext.min, ext.max, maxBins) : { ms: 60e3, label: '1 min' };
}

/** Arquero expression: the start of the row's time bin (null for a missing/invalid timestamp). */
export function timeBinExpr(tsCol: string): string {
  const v = col(tsCol);
  return `(d, $) => op.is_finite(+${v}) && ${v} != null ? op.floor(+${v} / $.step) * $.step : null`;
}

/**
 * Grouping by several columns makes Arquero build a string key per row, which dominates the time on
 * a million rows. The builders instead group by ONE numeric key, `bin * K + code`, where `code`
 * comes from a lookup object passed as a parameter (`$.codes[value]`) and is decoded afterwards.
 */
export interface Codes {
  /** value (as an object key) -> code in [0, size) */
  codes: Record<string, number>;
  /** code -> display name */
  names: string[];
  /** Number of codes including the catch-all ("other"/"unscored"), i.e. the K in `bin * K + code`. */
  size: number;
}

/** Codes for the given names (in order) plus a catch-all at the end for everything else. */
export function makeCodes(groups: readonly (readonly [name: string, values: readonly unknown[]])[], catchAll: string): Codes {
  const codes = Object.create(null) as Record<string, number>;
  const names: string[] = [];
  for (const [name, values] of groups) {
    const code = names.length;
    names.push(name);
    for (const v of values) codes[String(v)] = code;
  }
  names.push(catchAll);
  return { codes, names, size: names.length };
}

/** Expression for the code of a column's value (`$.<param>` holds the lookup), the catch-all when absent. */
export function codeExpr(column: string, param: string, codes: Codes): string {
  return `$.${param}[${col(column)}] ?? ${codes.size - 1}`;
}

export interface Bins {
  step: TimeStep;
  /** Start of bin 0: the first timestamp rounded down to the step. */
  t0: number;
}

/** Bin layout for a table's timestamps, or undefined when it has no valid timestamp. */
export function timeBins(builder: string, table: ColumnTable, tsCol: string, binMs: number | undefined, maxBins = 120): Bins | undefined {
  const ext = timeExtent(table, tsCol);
  if (!ext) return undefined;
  const step = binMs !== undefined ? resolveStep(builder, table, tsCol, binMs) : chooseStep(ext.min, ext.max, maxBins);
  return { step, t0: Math.floor(ext.min / step.ms) * step.ms };
}

/** Expression for the row's bin index (negative or NaN for a missing or invalid timestamp: dropped later). */
export function binIndexExpr(tsCol: string): string {
  const v = col(tsCol);
  return `${v} == null ? -1 : op.floor((${v} - $.t0) / $.step)`;
}

/** Split `bin * K + code` keys back into (bin start ms, code); drops invalid bins. */
export function decodeBinKeys<R extends Record<string, unknown>>(input: readonly R[], key: string, bins: Bins, size: number): (R & { t: number; code: number })[] {
  const out: (R & { t: number; code: number })[] = [];
  for (const r of input) {
    const k = Number(r[key]);
    if (!Number.isFinite(k)) continue;
    const bin = Math.floor(k / size);
    if (bin < 0) continue;
    out.push({ ...r, t: bins.t0 + bin * bins.step.ms, code: k - bin * size });
  }
  return out;
}

/** Map a raw label value to one of the three labels, or 'unscored'. */
export function normLabel(value: unknown): Label | typeof UNKNOWN_LABEL {
  const s = typeof value === 'string' ? value.toLowerCase() : '';
  return (LABELS as readonly string[]).includes(s) ? (s as Label) : UNKNOWN_LABEL;
}

export const LABEL_ORDER: Readonly<Record<string, number>> = { good: 0, suspicious: 1, malicious: 2, [UNKNOWN_LABEL]: 3 };

/** Rows of a small aggregated table. */
export function rows(t: ColumnTable): Row[] {
  return t.objects() as Row[];
}

/** Re-aggregate small JS rows: sum `measures` per distinct combination of `keys`. */
export function sumBy<K extends string, M extends string>(input: readonly Row[], keys: readonly K[], measures: readonly M[]): Row[] {
  if (input.length === 0) return [];
  const sums: Record<string, string> = {};
  for (const m of measures) sums[m] = `d => op.sum(${col(m)})`;
  return rows(aq.from(input as Row[]).groupby(...keys).rollup(sums));
}

/** Keep the `limit` keys with the largest totals; the rest become `other`. */
export function topKeys(input: readonly Row[], key: string, measure: string, limit: number): string[] {
  const totals = new Map<string, number>();
  for (const r of input) totals.set(String(r[key]), (totals.get(String(r[key])) ?? 0) + Number(r[measure] ?? 0));
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([k]) => k);
}

export function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtPct(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const p = x * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Wrap a spec body with the schema, the shared theme and a title/subtitle. */
export function topLevel(title: string, subtitle: string | undefined, body: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: subtitle ? { text: title, subtitle } : { text: title },
    config: CONFIG,
    ...body,
  } as unknown as TopLevelSpec;
}

export function checkLimit(builder: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0)) throw new VizInputError(builder, MSG.badOption(builder, name, value, 'a positive integer'));
  return value;
}

/** The time encoding every time-series chart uses: UTC, because postmortems cross time zones. */
export function timeX(field = 't', title = 'Time (UTC)'): Record<string, unknown> {
  return { field, type: 'temporal', title, scale: { type: 'utc' }, axis: { labelOverlap: true } };
}

/**
 * The chart for an input with nothing to draw (an empty table, every timestamp missing): a titled
 * panel saying so, instead of axes over an infinite extent.
 */
export function noDataSpec(title: string, what: string): TopLevelSpec {
  return topLevel(title, `no ${what} to chart`, {
    width: 400,
    height: 60,
    data: { values: [{ text: `no ${what}` }] },
    mark: { type: 'text', fontSize: 13, color: '#777777' },
    encoding: { text: { field: 'text' } },
  });
}

export interface CodedColumn {
  column: string;
  /** Parameter name for the lookup object (distinct per coded column in one expression). */
  param?: string;
  codes: Codes;
}

/**
 * Aggregate rows per (time bin, coded value) with one numeric group key. `where` is an optional
 * Arquero boolean expression body (using `d` and `$`) selecting the rows to count.
 */
export function aggregateByBin(
  table: ColumnTable,
  tsCol: string,
  bins: Bins,
  coded: CodedColumn | undefined,
  measures: Record<string, string> = { requests: 'd => op.count()' },
  where?: { expr: string; params: Record<string, unknown> },
): (Row & { t: number; code: number })[] {
  const size = coded ? coded.codes.size : 1;
  const param = coded?.param ?? 'codes';
  const code = coded ? `(${codeExpr(coded.column, param, coded.codes)})` : '0';
  let key = `(${binIndexExpr(tsCol)}) * ${size} + ${code}`;
  if (where) key = `(${where.expr}) ? ${key} : -1`;
  const params = { t0: bins.t0, step: bins.step.ms, ...(coded ? { [param]: coded.codes.codes } : {}), ...(where?.params ?? {}) };
  const agg = rows(table.params(params).groupby({ k: `(d, $) => ${key}` }).rollup(measures));
  return decodeBinKeys(agg, 'k', bins, size);
}

/** Distinct values of a (low-cardinality) column with their row counts, largest first. */
export function valueCounts(table: ColumnTable, column: string): { value: unknown; n: number }[] {
  return rows(table.groupby(column).count({ as: 'n' }))
    .map((r) => ({ value: r[column], n: Number(r.n) }))
    .sort((a, b) => b.n - a.n);
}

export const LABEL_CODES: Codes = makeCodes(
  [
    ['good', ['good', 'Good', 'GOOD']],
    ['suspicious', ['suspicious', 'Suspicious', 'SUSPICIOUS']],
    ['malicious', ['malicious', 'Malicious', 'MALICIOUS']],
  ],
  'unscored',
);

/**
 * Count rows per value of a column (or of an Arquero expression, derived first) with a Map over
 * the column array. Used for the high-cardinality heavy-hitter pass (source IPs, ports), where
 * Arquero's groupby builds and hashes a string key per row and measured ~8x slower (bench/viz.ts);
 * everything low-cardinality stays groupby/rollup.
 */
/**
 * The values of a column by row index. An unfiltered, unordered table hands out its column as is;
 * `table.array()` would copy it row by row (measured as the largest single cost on 1M rows).
 */
export function columnValues(table: ColumnTable, name: string): ArrayLike<unknown> {
  const column = table.column(name) as unknown;
  if (!table.isFiltered() && !table.isOrdered() && Array.isArray(column)) return column as unknown[];
  if (!table.isFiltered() && !table.isOrdered() && ArrayBuffer.isView(column) && !(column instanceof DataView)) return column as unknown as ArrayLike<unknown>;
  // a dictionary column (the loaders' strings) materialises once and caches its array
  const toArray = (column as { toArray?: () => ArrayLike<unknown> } | null)?.toArray;
  if (!table.isFiltered() && !table.isOrdered() && typeof toArray === 'function') return toArray.call(column);
  return table.array(name);
}

export function countValues(table: ColumnTable, source: string | { expr: string; params?: Record<string, unknown> }): Map<unknown, number> {
  const values: ArrayLike<unknown> =
    typeof source === 'string' ? columnValues(table, source) : columnValues(table.params(source.params ?? {}).derive({ __key: source.expr }), '__key');
  return countArray(values);
}

export function countArray(values: ArrayLike<unknown>): Map<unknown, number> {
  const counts = new Map<unknown, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/** The k entries with the largest counts, largest first (one pass; no sort of every distinct value). */
export function topEntries<K>(counts: Map<K, number>, k: number): [K, number][] {
  const top: [K, number][] = [];
  for (const e of counts) {
    if (top.length === k && e[1] <= (top[k - 1] as [K, number])[1]) continue;
    let i = top.length < k ? top.length : k - 1;
    if (top.length < k) top.push(e);
    while (i > 0 && (top[i - 1] as [K, number])[1] < e[1]) {
      top[i] = top[i - 1] as [K, number];
      i--;
    }
    top[i] = e;
  }
  return top;
}
