/**
 * ClickHouse over its HTTP interface (port 8123) through `@clickhouse/client` (the only importer of
 * it). Checked against Debian's clickhouse-server 18.16 (a 2-shard cluster in the tests) and
 * current servers: queries as `FORMAT JSON`, inserts as a TabSeparated stream, DDL as commands.
 * Errors name the server; a shard that does not answer is reported as such, never as a smaller
 * answer. 18.16 writes its exceptions as "Code: N, e.displayText() = ...", which the client does
 * not parse into a ClickHouseError: the code is read from the message here.
 */
import { Readable } from 'node:stream';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { CLICKHOUSE } from './dialect.js';
import type { QueryOptions, QueryResult, SqlEngine } from './engine.js';
import { SQL_MSG } from './messages.js';
import { SqlEngineError } from './errors.js';

export interface ClickHouseOptions {
  url: string;
  database?: string;
  user?: string;
  password?: string;
  /** Per-request timeout (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** A query's timeout when none is given: an hour (a 10M-row table's pack query takes minutes on a small cluster). */
export const DEFAULT_TIMEOUT_MS = 3_600_000;

/** ClickHouse exception codes that mean a shard (remote server) could not be reached. */
const SHARD_CODES = new Set([209, 210, 279, 394]);

export class ClickHouse implements SqlEngine {
  readonly dialect = CLICKHOUSE;
  readonly where: string;
  private readonly client: ClickHouseClient;
  constructor(private readonly opts: ClickHouseOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new SqlEngineError(SQL_MSG.badUrl(opts.url));
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SqlEngineError(SQL_MSG.badUrl(opts.url));
    this.where = `${u.protocol}//${u.host}`;
    const username = opts.user ?? (decodeURIComponent(u.username) || undefined);
    const password = opts.password ?? (decodeURIComponent(u.password) || undefined);
    u.username = '';
    u.password = '';
    this.client = createClient({
      url: u.href,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(opts.database ? { database: opts.database } : {}),
      request_timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // errors reach the caller as SqlEngineErrors; the client's own log would print them twice
      log: { level: ClickHouseLogLevel.OFF },
      // a connection per request: a streamed ingest parses its next chunk synchronously for
      // seconds, so the client's timer that retires idle sockets (2.5 s, under the server's 3 s)
      // cannot run, and the next insert reused a socket the server had closed (EPIPE, seen in
      // bench/sql.ts at 2M rows); a TCP connect per request costs nothing next to an insert
      keep_alive: { enabled: false },
      // plain bodies: the cluster is usually near (loopback in the tests), where gzip only costs CPU
      compression: { request: false, response: false },
    });
  }

  /** The client's failure as a SqlEngineError: a shard down, a server error, or no answer at all. */
  private failure(e: unknown): SqlEngineError {
    if (e instanceof SqlEngineError) return e;
    const x = e as { code?: unknown; message?: string };
    const text = x.message ?? String(e);
    const code = Number(/Code: (\d+)/.exec(text)?.[1] ?? (typeof x.code === 'string' && /^\d+$/.test(x.code) ? x.code : NaN));
    if (SHARD_CODES.has(code)) return new SqlEngineError(SQL_MSG.shardDown(shardDetail(text)), { shardDown: true });
    if (Number.isFinite(code)) return new SqlEngineError(SQL_MSG.serverError(this.where, text));
    if (/timeout/i.test(text)) return new SqlEngineError(SQL_MSG.timedOut(this.where, (this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000));
    return new SqlEngineError(SQL_MSG.unreachable(this.where, typeof x.code === 'string' ? x.code : text));
  }

  async query<R extends Record<string, unknown>>(sql: string, opts: QueryOptions = {}): Promise<QueryResult<R>> {
    try {
      const rs = await this.client.query({
        query: sql,
        format: 'JSON',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0, ...(opts.skipUnavailableShards ? { skip_unavailable_shards: 1 } : {}) },
      });
      const parsed = await rs.json<R>();
      // ClickHouse does not say which shards it skipped; callers that asked to skip check the
      // shard count themselves (see RemoteTable.shards).
      return { rows: parsed.data, partial: false, ...(parsed.totals ? { totals: parsed.totals } : {}) };
    } catch (e) {
      throw this.failure(e);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.client.command({ query: sql });
    } catch (e) {
      throw this.failure(e);
    }
  }

  /**
   * The pieces are streamed as they are produced (a Readable over the generator, which the
   * request pulls from as the socket drains), so an insert of millions of rows holds one piece.
   */
  async insert(table: string, columns: readonly string[], _types: readonly string[], body: Iterable<Uint8Array>): Promise<void> {
    try {
      await this.client.insert({
        table,
        columns: [...columns] as [string, ...string[]],
        format: 'TabSeparated',
        values: Readable.from(body, { objectMode: false }),
        clickhouse_settings: { insert_distributed_sync: 1 },
      });
    } catch (e) {
      throw this.failure(e);
    }
  }

  async columns(table: string): Promise<{ name: string; type: string }[] | null> {
    const [db, name] = table.includes('.') ? (table.split('.') as [string, string]) : [this.opts.database ?? 'default', table];
    const { rows } = await this.query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = ${this.dialect.str(db)} AND table = ${this.dialect.str(name)}`);
    return rows.length ? rows : null;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** "host:port" of the failing shard from a ClickHouse exception text, else its first line. */
function shardDetail(text: string): string {
  const hosts = [...text.matchAll(/\b(?:\d{1,3}\.){3}\d{1,3}:\d+|\[[0-9a-fA-F:]+\]:\d+|\blocalhost:\d+/g)].map((m) => m[0]);
  const uniq = [...new Set(hosts)];
  const first = text.trim().split('\n')[0]?.slice(0, 300) ?? '';
  return uniq.length ? `${uniq.join(', ')} (${first})` : first;
}
