/**
 * Traffic tables that live in a SQL engine: ingest, the handle a cell or the CLI works with, and
 * the Rules language run there. Only aggregates and samples come back to Node, so a billion-row
 * table costs the Node process what a summary costs.
 *
 *   ingest(engine, table, name, {cluster, shards})   MergeTree per shard + Distributed (ClickHouse),
 *                                                    or one table (DuckDB), filled in batches
 *   ingestStream(engine, chunks, name, opts)         the same from chunks of a source, one at a time
 *   clickhouse(url, table) / duckdbTable(db, table)  -> RemoteTable (its fields from its columns)
 *   remoteRuleTest(remote, expression)               { matched, total, labels, partial }
 *   remoteMatches(remote, expression)                row numbers (`__row`) that match
 *   remoteScore(remote, opts)                        the pack's labels computed in SQL
 */
import type { ColumnTable } from 'arquero';
import { parse } from '../parse.js';
import { check } from '../check.js';
import { DERIVED, type FieldInfo, type Schema } from '../schema.js';
import type { Signature, SignaturePack } from '../signatures/types.js';
import { PACK } from '../signatures/pack.js';
import { DEFAULT_THRESHOLDS, effectiveSignatures, type Thresholds } from '../score.js';
import { RuleError } from '../errors.js';
import type { Dialect } from './dialect.js';
import type { SqlEngine } from './engine.js';
import { TABLE_NAME } from './engine.js';
import { SqlEngineError } from './errors.js';
import { lowerToSql, type LowerOptions } from './lower.js';
import { SQL_MSG } from './messages.js';
import { columnDefs, columnOf, encodeRows, fieldsFromColumns, INGEST_COLUMN, ROW_COLUMN, storedFields, wireFormatOf, type StoredField, type WholeColumns } from './storage.js';

export interface TimeRange {
  /** ms since the epoch, inclusive */
  from: number;
  /** ms since the epoch, exclusive */
  to: number;
}

export interface RemoteTable {
  engine: SqlEngine;
  table: string;
  fields: StoredField[];
  /** Only rows in this time range (the CLI's --where). */
  range?: TimeRange;
  /** Answer from the shards that respond (ClickHouse); the result says it is partial. */
  skipUnavailableShards?: boolean;
  /** Shards behind a Distributed table (1 for a plain table). */
  shards: number;
}

function checkName(name: string): void {
  if (!TABLE_NAME.test(name)) throw new SqlEngineError(SQL_MSG.badTableName(name));
}

/** Open a stored table: its fields from its columns; a table with another schema is refused. */
export async function openRemote(engine: SqlEngine, table: string, opts: { range?: TimeRange; skipUnavailableShards?: boolean } = {}): Promise<RemoteTable> {
  checkName(table);
  const cols = await engine.columns(table);
  if (!cols) throw new SqlEngineError(SQL_MSG.noTable(table, engine.dialect.name));
  const fields = fieldsFromColumns(cols);
  if (!cols.some((c) => c.name === ROW_COLUMN) || !fields.length) throw new SqlEngineError(SQL_MSG.wrongSchema(table));
  let shards = 1;
  if (engine.dialect.name === 'clickhouse') {
    const [db, name] = table.includes('.') ? (table.split('.') as [string, string]) : [null, table];
    const { rows } = await engine.query<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE name = ${engine.dialect.str(name)}${db ? ` AND database = ${engine.dialect.str(db)}` : ' AND database = currentDatabase()'}`);
    const m = /^Distributed\('?([A-Za-z0-9_]+)'?/.exec(rows[0]?.engine_full ?? '');
    if (m) {
      const c = await engine.query<{ n: number }>(`SELECT uniqExact(shard_num) AS n FROM system.clusters WHERE cluster = ${engine.dialect.str(m[1] as string)}`);
      shards = Number(c.rows[0]?.n ?? 1);
    }
  }
  return { engine, table, fields, range: opts.range, skipUnavailableShards: opts.skipUnavailableShards, shards };
}

/** The Rules schema of a stored table: its stored fields plus the derivations it lacks. */
export function remoteSchema(remote: Pick<RemoteTable, 'fields'>): Schema {
  const fields = new Map<string, FieldInfo>();
  for (const f of remote.fields) fields.set(f.field, { name: f.field, type: f.type });
  // derived fields were materialised at ingest; nothing further is derivable in SQL
  return { fields };
}

export interface IngestOptions {
  /** ClickHouse: a cluster from the server's remote_servers; the table becomes Distributed over it. */
  cluster?: string;
  /** ClickHouse with a cluster: every shard's HTTP engine (the local tables are created on each). */
  shards?: readonly SqlEngine[];
  /** Rows per INSERT (default 250,000; a chunk of a streamed ingest is cut into batches of this size). */
  batchRows?: number;
  /** Drop an existing table of the same name first. */
  replace?: boolean;
  /** Add the rows to an existing table written by an earlier ingest (row numbers continue). */
  append?: boolean;
  /** After every batch: rows written so far, and the total when it is known (one table; not a stream). */
  onProgress?: (done: number, total: number | undefined) => void;
  /** After every chunk of a streamed ingest (0-based), with the rows written so far. */
  onChunk?: (chunk: number, done: number) => void;
  /**
   * The table-wide derived fields (behaviour.*) computed over the whole source beforehand
   * (WholeDerived, pass 1 of `runbook ingest`): written in place of each chunk's own, and the
   * chunks make one behaviour window. Without it each chunk is a window of its own.
   */
  whole?: WholeColumns;
}

export interface IngestReport {
  table: string;
  rows: number;
  batches: number;
  /** Chunks the rows came in: 1 for one table. */
  chunks: number;
  /** Behaviour windows the rows were written in (`__ingest` values): 1 when behaviour is over the whole source. */
  windows: number;
  fields: string[];
  skippedFields: string[];
  /** Fields a later chunk had that the table made from the first chunk lacks (not stored). */
  laterFields: string[];
  engine: string;
  shards: number;
  seconds: number;
}

const typesFor = (defs: readonly string[]): { columns: string[]; types: string[] } => {
  const columns: string[] = [];
  const types: string[] = [];
  for (const d of defs) {
    const m = /^["`](.+?)["`] (.+)$/.exec(d);
    if (m) {
      columns.push(m[1] as string);
      types.push(m[2] as string);
    }
  }
  return { columns, types };
};

/** Create the table (and its Distributed front on a cluster) and load every row of one table in batches. */
export async function ingest(engine: SqlEngine, table: ColumnTable, name: string, opts: IngestOptions = {}): Promise<IngestReport> {
  const n = table.numRows();
  return ingestStream(engine, [table], name, { ...opts, onProgress: opts.onProgress ? (done) => opts.onProgress?.(done, n) : undefined });
}

/**
 * Streamed ingest: tables (chunks of one source, e.g. from `trafficChunks`) written one after the
 * other into one stored table, each in batches, so the Node process holds one chunk at a time
 * whatever the source's size. The table's columns come from the first chunk: a later chunk
 * without a field writes it as missing, a field first seen in a later chunk is not stored (the
 * report lists it). Row numbers (`__row`) run on across chunks.
 *
 * behaviour.* fields: with `whole` (computed over the whole source in a first pass) every chunk
 * writes the whole source's values and all chunks are one window, as one table in memory would
 * be. Without it they are computed per chunk: each chunk is a window of consecutive rows whose
 * per-address / per-client / per-endpoint statistics are its own, and `__ingest` numbers the
 * windows (a summary over several windows says so).
 */
export async function ingestStream(engine: SqlEngine, chunks: Iterable<ColumnTable> | AsyncIterable<ColumnTable>, name: string, opts: IngestOptions = {}): Promise<IngestReport> {
  checkName(name);
  if (opts.cluster !== undefined && !/^[A-Za-z0-9_]+$/.test(opts.cluster)) throw new SqlEngineError(`invalid cluster name "${opts.cluster}"`);
  const t0 = performance.now();
  const d = engine.dialect;
  const distributed = d.name === 'clickhouse' && opts.cluster !== undefined;
  const local = distributed ? `${name}_local` : name;
  const ddlTargets = distributed ? (opts.shards?.length ? opts.shards : [engine]) : [engine];
  const batch = Math.max(1, opts.batchRows ?? 250_000);
  const wire = wireFormatOf(d.name);
  let fields: StoredField[] | null = null;
  let columns: string[] = [];
  let types: string[] = [];
  let firstRow = 0;
  let ingestId = 0;
  let rows = 0;
  let batches = 0;
  let chunk = 0;
  const skipped = new Set<string>();
  const later = new Set<string>();
  for await (const table of chunks) {
    let stored: StoredField[];
    if (fields === null) {
      stored = fields = storedFields(table);
      ({ columns, types, firstRow, ingestId } = await createTable(engine, stored, name, local, distributed, ddlTargets, opts));
    } else {
      stored = fields;
      const have = new Set(stored.map((f) => f.field));
      for (const f of storedFields(table)) if (!have.has(f.field)) later.add(f.field);
    }
    const present = new Set(stored.map((f) => f.field));
    for (const c of table.columnNames()) if (!present.has(c) && !(c in DERIVED)) skipped.add(c);
    const n = table.numRows();
    const whole = opts.whole;
    if (whole && rows + n > whole.rows) throw new SqlEngineError(SQL_MSG.sourceChanged(name, whole.rows, rows + n));
    // this chunk's rows of the whole-source columns
    const values = whole ? new Map([...whole.fields].map((f) => [f, whole.slice(f, rows, rows + n)])) : undefined;
    for (let from = 0; from < n; from += batch) {
      const to = Math.min(n, from + batch);
      await engine.insert(name, columns, types, encodeRows(table, stored, from, to, firstRow + rows, ingestId + (whole ? 0 : chunk), wire, undefined, values));
      batches++;
      opts.onProgress?.(rows + to, undefined);
    }
    rows += n;
    chunk++;
    opts.onChunk?.(chunk - 1, rows);
  }
  if (fields === null) throw new SqlEngineError(SQL_MSG.nothingToIngest(name));
  if (opts.whole && rows !== opts.whole.rows) throw new SqlEngineError(SQL_MSG.sourceChanged(name, opts.whole.rows, rows));
  for (const f of later) skipped.delete(f);
  return { table: name, rows, batches, chunks: chunk, windows: opts.whole ? 1 : chunk, fields: fields.map((f) => f.field), skippedFields: [...skipped].filter((c) => !later.has(c)), laterFields: [...later], engine: engine.where, shards: ddlTargets.length, seconds: (performance.now() - t0) / 1000 };
}

/** Creates the stored table (or checks the one appended to): its columns, first row number and first window id. */
async function createTable(
  engine: SqlEngine,
  fields: readonly StoredField[],
  name: string,
  local: string,
  distributed: boolean,
  ddlTargets: readonly SqlEngine[],
  opts: IngestOptions,
): Promise<{ columns: string[]; types: string[]; firstRow: number; ingestId: number }> {
  const d = engine.dialect;
  const q = d.ident;
  const defs = columnDefs(fields, d.name);
  let firstRow = 0;
  const existing = opts.append ? await engine.columns(name) : null;
  if (existing) {
    const have = new Set(existing.map((c) => c.name));
    const missing = defs.map((x) => /^["`](.+?)["`]/.exec(x)?.[1] as string).filter((c) => !have.has(c));
    if (missing.length) throw new SqlEngineError(`cannot append to ${name}: it lacks the columns ${missing.slice(0, 8).join(', ')} this traffic has (ingest it into a new table)`);
    const r = await engine.query<Record<string, unknown>>(`SELECT max(${q(ROW_COLUMN)}) AS m, count(*) AS n FROM ${name}`);
    firstRow = Number(r.rows[0]?.['n'] ?? 0) > 0 ? Number(r.rows[0]?.['m'] ?? -1) + 1 : 0;
  }
  for (const target of existing ? [] : ddlTargets) {
    if (opts.replace) await target.exec(`DROP TABLE IF EXISTS ${local}`);
    const engineClause = d.name === 'clickhouse' ? ` ENGINE = MergeTree ORDER BY (${q(ROW_COLUMN)})` : '';
    await target.exec(`CREATE TABLE ${local} (${defs.join(', ')})${engineClause}`);
  }
  if (distributed && !existing) {
    if (opts.replace) await engine.exec(`DROP TABLE IF EXISTS ${name}`);
    const key = fields.some((f) => f.field === 'ip.src') ? `cityHash64(ifNull(${q(columnOf('ip.src'))}, ''))` : `${q(ROW_COLUMN)}`;
    const db = name.includes('.') ? (name.split('.')[0] as string) : null;
    const bare = name.includes('.') ? (name.split('.')[1] as string) : name;
    for (const target of ddlTargets) {
      if (target !== engine && opts.replace) await target.exec(`DROP TABLE IF EXISTS ${name}`);
      await target.exec(`CREATE TABLE ${name} AS ${local} ENGINE = Distributed(${opts.cluster}, ${db ?? 'currentDatabase()'}, ${bare}_local, ${key})`);
    }
  }
  const { columns, types } = typesFor(defs);
  // the behaviour window of the first chunk: windows of earlier ingests keep their numbers
  let ingestId = 0;
  if (existing) {
    const r = await engine.query<Record<string, unknown>>(`SELECT max(${q(INGEST_COLUMN)}) AS m FROM ${name}`);
    ingestId = Number(r.rows[0]?.['m'] ?? -1) + 1;
  }
  return { columns, types, firstRow, ingestId };
}

/** The SQL condition of an expression on a stored table (checked against its fields). */
export function lowerExpression(remote: Pick<RemoteTable, 'fields' | 'engine'>, expression: string, opts: LowerOptions = {}): string {
  const ast = check(parse(expression), remoteSchema(remote), { lists: opts.lists });
  return lowerToSql(ast, remote.engine.dialect, opts);
}

/** The --where time range as a condition (always true without one). */
export function rangeCond(remote: RemoteTable): string {
  if (!remote.range) return '1 = 1';
  const ts = remote.engine.dialect.ident(columnOf('timestamp'));
  return `(${ts} >= ${Math.floor(remote.range.from)} AND ${ts} < ${Math.floor(remote.range.to)})`;
}

/** Runs a query on the table's engine, skipping unavailable shards when asked; `partial` says whether some did not answer. */
export async function remoteRows<R extends Record<string, unknown>>(remote: RemoteTable, sql: string): Promise<{ rows: R[]; partial: boolean; totals?: R }> {
  const r = await remote.engine.query<R>(sql, { skipUnavailableShards: remote.skipUnavailableShards });
  let partial = r.partial;
  if (remote.skipUnavailableShards && remote.shards > 1 && remote.engine.dialect.name === 'clickhouse') {
    // ClickHouse does not say which shards it skipped: ask every shard for a row count.
    const probe = await remote.engine.query<{ n: number }>(`SELECT uniqExact(_shard_num) AS n FROM ${remote.table}`, { skipUnavailableShards: true }).catch(() => null);
    // _shard_num is not in every version: fall back to counting answering hosts
    if (!probe) {
      const hosts = await remote.engine.query<{ n: number }>(`SELECT uniqExact(hostName()) AS n FROM ${remote.table}`, { skipUnavailableShards: true }).catch(() => ({ rows: [{ n: 0 }], partial: true }));
      partial ||= Number(hosts.rows[0]?.n ?? 0) < remote.shards;
    } else partial ||= Number(probe.rows[0]?.n ?? 0) < remote.shards;
  }
  return { rows: r.rows, partial, ...(r.totals ? { totals: r.totals } : {}) };
}

export const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v ?? 0));

/** Row numbers (`__row`) of the rows an expression matches, ascending. For tests and samples. */
export async function remoteMatches(remote: RemoteTable, expression: string, opts: LowerOptions & { limit?: number } = {}): Promise<number[]> {
  const cond = lowerExpression(remote, expression, opts);
  const r = ROW_COLUMN;
  const q = remote.engine.dialect.ident;
  const limit = opts.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(opts.limit))}` : '';
  const res = await remoteRows<Record<string, unknown>>(remote, `SELECT ${q(r)} AS r FROM ${remote.table} WHERE ${rangeCond(remote)} AND ${cond} ORDER BY ${q(r)}${limit}`);
  return res.rows.map((x) => num(x['r']));
}

export interface RemoteRuleTest {
  matched: number;
  total: number;
  labels: { good: number; suspicious: number; malicious: number };
  partial: boolean;
  engine: string;
  /** Pack signatures that could not run on this engine (their rows count as not fired). */
  skippedSignatures: { id: string; reason: string }[];
}

/** `runbook rule test --engine ...`: matched / total and the pack's labels of the matched rows. */
export async function remoteRuleTest(remote: RemoteTable, expression: string, opts: LowerOptions & RemoteScoreOptions = {}): Promise<RemoteRuleTest> {
  const cond = lowerExpression(remote, expression, opts);
  const s = scoreSql(remote, opts);
  const sql = `SELECT count(*) AS total, sum(CASE WHEN m THEN 1 ELSE 0 END) AS matched, sum(CASE WHEN m AND lab = 0 THEN 1 ELSE 0 END) AS good, sum(CASE WHEN m AND lab = 1 THEN 1 ELSE 0 END) AS suspicious, sum(CASE WHEN m AND lab = 2 THEN 1 ELSE 0 END) AS malicious FROM (SELECT ${cond} AS m, ${s.label} AS lab FROM ${remote.table} WHERE ${rangeCond(remote)})`;
  const r = await remoteRows<Record<string, unknown>>(remote, await s.prepare(sql));
  const x = r.rows[0] ?? {};
  return { matched: num(x['matched']), total: num(x['total']), labels: { good: num(x['good']), suspicious: num(x['suspicious']), malicious: num(x['malicious']) }, partial: r.partial, engine: remote.engine.where, skippedSignatures: s.skipped };
}

export interface RemoteScoreOptions {
  pack?: SignaturePack;
  signatures?: readonly Signature[];
  thresholds?: Thresholds;
  lists?: Readonly<Record<string, readonly (string | number)[]>>;
}

export interface ScoreSql {
  /** SQL of the score per row (a number). */
  score: string;
  /** SQL of the label code per row (0 good, 1 suspicious, 2 malicious). */
  label: string;
  /** SQL of the known-good condition per row (verified bots), true or false. */
  good: string;
  /** Fired condition per applicable signature. */
  fired: { id: string; title: string; cond: string }[];
  skipped: { id: string; reason: string }[];
  /** Fills in the window origin (the earliest time) before the query runs. */
  prepare(sql: string): Promise<string>;
}

const T0 = '__NETRUNBOOK_T0__';

/**
 * The pack's scoring as SQL, with in-memory semantics (score.ts): expression signatures fire on
 * their rows, aggregates on rows of their `where` whose key x tumbling window (from the earliest
 * time; a missing time is window 0) reaches the threshold; known-good rows (verified bots) are
 * exempt unless a signature says otherwise; a group keeps its largest weight (at least 0).
 */
export function scoreSql(remote: RemoteTable, opts: RemoteScoreOptions): ScoreSql {
  const d: Dialect = remote.engine.dialect;
  const q = d.ident;
  const pack = opts.pack ?? PACK;
  const th = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const sigs = effectiveSignatures(pack, opts.signatures);
  const has = new Set(remote.fields.map((f) => f.field));
  const good = has.has('cf.bot_management.verified_bot') ? d.truthy(`(${q(columnOf('cf.bot_management.verified_bot'))} = ${d.name === 'clickhouse' ? '1' : 'true'})`) : '(1 = 0)';
  const fired: ScoreSql['fired'] = [];
  const skipped: ScoreSql['skipped'] = [];
  const groupSize = new Map<string, number>();
  for (const s of sigs) if (s.group) groupSize.set(s.group, (groupSize.get(s.group) ?? 0) + 1);
  const plain: string[] = [];
  const groups = new Map<string, string[]>();
  const ts = q(columnOf('timestamp'));
  for (const sig of sigs) {
    let cond: string;
    try {
      if (sig.kind === 'expression') cond = lowerExpression(remote, sig.expression, { lists: opts.lists });
      else if (sig.kind === 'aggregate') {
        const need = [...sig.key, ...(sig.of ? [sig.of] : [])];
        const miss = need.find((f) => !has.has(f));
        if (miss) throw new SqlEngineError(`field ${miss} is not in this table`);
        const where = sig.where ? lowerExpression(remote, sig.where, { lists: opts.lists }) : '(1 = 1)';
        const keyCols = sig.key.map((k) => q(columnOf(k)));
        const win = has.has('timestamp') ? `if(${ts} IS NULL, 0, ${d.intDiv(`(${ts} - ${T0})`, String(sig.window * 1000))})` : '0';
        const keyNotNull = keyCols.map((c) => `${c} IS NOT NULL`).join(' AND ');
        const measure = sig.measure === 'count' ? 'count(*)' : d.countDistinct(q(columnOf(sig.of as string)));
        const tuple = `(${[...keyCols, win].join(', ')})`;
        cond = `(${where} AND ${keyNotNull} AND ${tuple} ${d.inSubquery} (SELECT ${[...keyCols, win].join(', ')} FROM ${remote.table} WHERE ${rangeCond(remote)} AND ${where} AND ${keyNotNull} GROUP BY ${[...keyCols, win].join(', ')} HAVING ${measure} >= ${sig.threshold}))`;
      } else throw new SqlEngineError(`signature kind ${(sig as { kind: string }).kind} has no SQL lowering yet`);
    } catch (e) {
      if (e instanceof RuleError || e instanceof SqlEngineError) {
        skipped.push({ id: sig.id, reason: e instanceof RuleError ? e.reason : e.message });
        continue;
      }
      throw e;
    }
    const exempt = sig.exemptKnownGood !== false;
    const f = exempt ? `(${cond} AND NOT ${good})` : cond;
    fired.push({ id: sig.id, title: sig.title, cond: f });
    const grouped = sig.group !== undefined && ((groupSize.get(sig.group) ?? 0) > 1 || sig.weight < 0);
    const term = `(CASE WHEN ${f} THEN ${sig.weight} ELSE 0 END)`;
    if (grouped) (groups.get(sig.group as string) ?? groups.set(sig.group as string, []).get(sig.group as string))?.push(term);
    else plain.push(term);
  }
  // greatest() takes two arguments on ClickHouse 18.16: nest it
  const parts = [...plain, ...[...groups.values()].map((terms) => terms.reduce((acc, t) => `greatest(${acc}, ${t})`, '0'))];
  const score = parts.length ? `(${parts.join(' + ')})` : '0';
  const label = `(CASE WHEN ${score} >= ${th.malicious} THEN 2 WHEN ${score} >= ${th.suspicious} THEN 1 ELSE 0 END)`;
  return {
    score,
    label,
    good,
    fired,
    skipped,
    async prepare(sql) {
      if (!sql.includes(T0)) return sql;
      const r = await remote.engine.query<Record<string, unknown>>(`SELECT min(${ts}) AS t0 FROM ${remote.table} WHERE ${rangeCond(remote)}`, { skipUnavailableShards: remote.skipUnavailableShards });
      const t0 = r.rows[0]?.['t0'];
      return sql.split(T0).join(String(t0 === null || t0 === undefined ? 0 : Math.floor(num(t0))));
    },
  };
}

export interface RemoteScore {
  rows: number;
  labels: { good: number; suspicious: number; malicious: number };
  signatures: { id: string; title: string; fired: number }[];
  skippedSignatures: { id: string; reason: string }[];
  topSources: { ip: string; rows: number; malicious: number }[];
  partial: boolean;
  engine: string;
  pack: { name: string; version: string };
  /** Caveats of this answer (behaviour.* computed per ingest chunk window, ...). */
  notes: string[];
}

/**
 * The pack's scoring where the table lives: label counts, per-signature counts and top sources in
 * one pass over the table (per source, with the totals: ClickHouse `WITH TOTALS`, DuckDB grouping
 * sets); each signature's condition is written once per query and evaluated once per row (both
 * engines share identical subexpressions). Only the totals and ten sources come back.
 */
export async function remoteScore(remote: RemoteTable, opts: RemoteScoreOptions = {}): Promise<RemoteScore> {
  const s = scoreSql(remote, opts);
  const pack = opts.pack ?? PACK;
  const d = remote.engine.dialect;
  const aggs = [
    'count(*) AS total',
    `sum(CASE WHEN ${s.label} = 0 THEN 1 ELSE 0 END) AS good`,
    `sum(CASE WHEN ${s.label} = 1 THEN 1 ELSE 0 END) AS suspicious`,
    `sum(CASE WHEN ${s.label} = 2 THEN 1 ELSE 0 END) AS malicious`,
    ...s.fired.map((f, i) => `sum(CASE WHEN ${f.cond} THEN 1 ELSE 0 END) AS s${i}`),
  ];
  const where = rangeCond(remote);
  const hasIp = remote.fields.some((f) => f.field === 'ip.src');
  let totals: Record<string, unknown>;
  const topSources: RemoteScore['topSources'] = [];
  let partial: boolean;
  if (!hasIp) {
    const r = await remoteRows<Record<string, unknown>>(remote, await s.prepare(`SELECT ${aggs.join(', ')} FROM ${remote.table} WHERE ${where}`));
    totals = r.rows[0] ?? {};
    partial = r.partial;
  } else {
    const ip = d.ident(columnOf('ip.src'));
    let sources: Record<string, unknown>[];
    if (d.name === 'clickhouse') {
      const r = await remoteRows<Record<string, unknown>>(remote, await s.prepare(`SELECT ${ip} AS ip, ${aggs.join(', ')} FROM ${remote.table} WHERE ${where} GROUP BY ${ip} WITH TOTALS ORDER BY malicious DESC, total DESC, ip LIMIT 10`));
      totals = r.totals ?? {};
      sources = r.rows;
      partial = r.partial;
    } else {
      const r = await remoteRows<Record<string, unknown>>(remote, await s.prepare(`SELECT ${ip} AS ip, GROUPING(${ip}) AS whole, ${aggs.join(', ')} FROM ${remote.table} WHERE ${where} GROUP BY GROUPING SETS ((${ip}), ()) ORDER BY whole DESC, malicious DESC, total DESC, ip LIMIT 11`));
      totals = r.rows.find((x) => num(x['whole']) === 1) ?? {};
      sources = r.rows.filter((x) => num(x['whole']) !== 1);
      partial = r.partial;
    }
    for (const t of sources) topSources.push({ ip: String(t['ip']), rows: num(t['total']), malicious: num(t['malicious']) });
  }
  const signatures = s.fired.map((f, i) => ({ id: f.id, title: f.title, fired: num(totals[`s${i}`]) }));
  const notes: string[] = [];
  const sigs = effectiveSignatures(pack, opts.signatures);
  const usesBehaviour = sigs.some((sig) => s.fired.some((f) => f.id === sig.id) && (sig.kind === 'expression' ? sig.expression : (sig.where ?? '')).includes('behaviour.'));
  const ingestCol = remote.engine.dialect.ident(INGEST_COLUMN);
  const cols = await remote.engine.columns(remote.table);
  if (usesBehaviour && cols?.some((c) => c.name === INGEST_COLUMN)) {
    const r = await remoteRows<Record<string, unknown>>(remote, `SELECT ${d.countDistinct(ingestCol)} AS n FROM ${remote.table} WHERE ${where}`);
    const k = num(r.rows[0]?.['n']);
    if (k > 1) notes.push(SQL_MSG.behaviourPerIngest(k));
  }
  return {
    notes, rows: num(totals['total']), labels: { good: num(totals['good']), suspicious: num(totals['suspicious']), malicious: num(totals['malicious']) }, signatures, skippedSignatures: s.skipped, topSources, partial, engine: remote.engine.where, pack: { name: pack.name, version: pack.version } };
}

/** Label code per `__row` (for differential tests against the in-memory scorer). */
export async function remoteLabels(remote: RemoteTable, opts: RemoteScoreOptions = {}): Promise<Map<number, number>> {
  const s = scoreSql(remote, opts);
  const q = remote.engine.dialect.ident;
  const r = await remoteRows<Record<string, unknown>>(remote, await s.prepare(`SELECT ${q(ROW_COLUMN)} AS r, ${s.label} AS lab FROM ${remote.table} WHERE ${rangeCond(remote)}`));
  const out = new Map<number, number>();
  for (const x of r.rows) out.set(num(x['r']), num(x['lab']));
  return out;
}
