/**
 * A SQL engine the Rules language runs on: ClickHouse over its HTTP interface (a server or a
 * sharded cluster) or DuckDB in process. Rows come back as plain JSON objects.
 */
import type { Dialect } from './dialect.js';

export interface QueryOptions {
  /** ClickHouse: answer from the shards that respond, and say the answer is partial. */
  skipUnavailableShards?: boolean;
}

export interface QueryResult<R> {
  rows: R[];
  /** True when some shard did not answer and skipUnavailableShards was set. */
  partial: boolean;
  /** ClickHouse `GROUP BY ... WITH TOTALS`: the row over every group. */
  totals?: R;
}

export interface SqlEngine {
  readonly dialect: Dialect;
  /** Where it runs, for messages and reports (URL without credentials, or "duckdb:FILE"). */
  readonly where: string;
  query<R extends Record<string, unknown>>(sql: string, opts?: QueryOptions): Promise<QueryResult<R>>;
  exec(sql: string): Promise<void>;
  /**
   * Insert rows given as UTF-8 text in the dialect's wire format (storage.ts `encodeRows`: TSV for
   * ClickHouse, JSON objects keyed c0, c1, ... for DuckDB), in the table's column order. The
   * pieces are consumed as they are sent, so a caller never holds the whole batch as text.
   */
  insert(table: string, columns: readonly string[], types: readonly string[], body: Iterable<Uint8Array>): Promise<void>;
  /** Columns of a table (name and SQL type), or null when it does not exist. */
  columns(table: string): Promise<{ name: string; type: string }[] | null>;
  close(): Promise<void>;
}

/** Table names: `name` or `db.name`, letters, digits and _ only (they are spliced into SQL). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
