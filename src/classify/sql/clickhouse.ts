/**
 * ClickHouse over its HTTP interface (port 8123), with node:http: no client library, so the
 * same requests work on ClickHouse 18.16 (Debian 12) and on current servers. Errors name the
 * server; a shard that does not answer is reported as such, never as a smaller answer.
 */
import http from 'node:http';
import https from 'node:https';
import { CLICKHOUSE } from './dialect.js';
import type { QueryOptions, QueryResult, SqlEngine } from './engine.js';
import { SQL_MSG } from './messages.js';
import { SqlEngineError } from './errors.js';

export interface ClickHouseOptions {
  url: string;
  database?: string;
  user?: string;
  password?: string;
  /** Per-request timeout (default 300 s). */
  timeoutMs?: number;
}

/** ClickHouse exception codes that mean a shard (remote server) could not be reached. */
const SHARD_CODES = new Set([209, 210, 279, 394]);

export class ClickHouse implements SqlEngine {
  readonly dialect = CLICKHOUSE;
  readonly where: string;
  private readonly base: URL;
  constructor(private readonly opts: ClickHouseOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new SqlEngineError(SQL_MSG.badUrl(opts.url));
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SqlEngineError(SQL_MSG.badUrl(opts.url));
    this.base = u;
    this.where = `${u.protocol}//${u.host}`;
  }

  private async post(sql: string, settings: Record<string, string> = {}, body?: Iterable<Uint8Array>): Promise<string> {
    const u = new URL(this.base.href);
    if (this.opts.database) u.searchParams.set('database', this.opts.database);
    for (const [k, v] of Object.entries(settings)) u.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    const user = this.opts.user ?? (decodeURIComponent(this.base.username) || undefined);
    const password = this.opts.password ?? (decodeURIComponent(this.base.password) || undefined);
    u.username = '';
    u.password = '';
    if (user) headers['X-ClickHouse-User'] = user;
    if (password) headers['X-ClickHouse-Key'] = password;
    let payload: string | Iterable<Uint8Array>;
    if (body === undefined) payload = sql;
    else {
      u.searchParams.set('query', sql);
      payload = body;
    }
    let res: { status: number; text: string };
    try {
      res = await request(u, payload, headers, this.opts.timeoutMs ?? 300_000);
    } catch (e) {
      const x = e as { code?: string; message?: string };
      throw new SqlEngineError(SQL_MSG.unreachable(this.where, x.code ?? x.message ?? String(e)));
    }
    const text = res.text;
    if (res.status < 200 || res.status >= 300) {
      const code = Number(/Code: (\d+)/.exec(text)?.[1] ?? NaN);
      if (SHARD_CODES.has(code)) throw new SqlEngineError(SQL_MSG.shardDown(shardDetail(text)), { shardDown: true });
      throw new SqlEngineError(SQL_MSG.serverError(this.where, res.status, text));
    }
    return text;
  }

  async query<R extends Record<string, unknown>>(sql: string, opts: QueryOptions = {}): Promise<QueryResult<R>> {
    const settings: Record<string, string> = { output_format_json_quote_64bit_integers: '0' };
    if (opts.skipUnavailableShards) settings['skip_unavailable_shards'] = '1';
    const text = await this.post(`${sql}\nFORMAT JSON`, settings);
    const parsed = JSON.parse(text) as { data: R[]; totals?: R };
    // ClickHouse does not say which shards it skipped; callers that asked to skip check the
    // shard count themselves (see RemoteTable.shards).
    return { rows: parsed.data, partial: false, ...(parsed.totals ? { totals: parsed.totals } : {}) };
  }

  async exec(sql: string): Promise<void> {
    await this.post(sql);
  }

  async insert(table: string, columns: readonly string[], _types: readonly string[], body: Iterable<Uint8Array>): Promise<void> {
    const list = columns.map((c) => this.dialect.ident(c)).join(', ');
    await this.post(`INSERT INTO ${table} (${list}) FORMAT TabSeparated`, { insert_distributed_sync: '1' }, body);
  }

  async columns(table: string): Promise<{ name: string; type: string }[] | null> {
    const [db, name] = table.includes('.') ? (table.split('.') as [string, string]) : [this.opts.database ?? 'default', table];
    const { rows } = await this.query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = ${this.dialect.str(db)} AND table = ${this.dialect.str(name)}`);
    return rows.length ? rows : null;
  }

  async close(): Promise<void> {}
}

/**
 * One POST on a fresh connection. ClickHouse closes idle keep-alive connections after 3 s, and a
 * pooled connection reused just then fails with EPIPE in the middle of an insert: no pooling.
 * A body given as pieces is streamed (chunked) as it is produced, waiting for the socket to drain,
 * so an insert of millions of rows holds one piece at a time.
 */
function request(u: URL, body: string | Iterable<Uint8Array>, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
  const mod = u.protocol === 'https:' ? https : http;
  const whole = typeof body === 'string';
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = mod.request(u, { method: 'POST', agent: false, headers: { ...headers, ...(whole ? { 'Content-Length': Buffer.byteLength(body) } : {}), Connection: 'close' }, timeout: timeoutMs }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => {
      // the server may answer an error (a bad row) and close while the body is still being sent
      if (!answered) reject(e);
    });
    if (whole) {
      req.end(body);
      return;
    }
    const it = body[Symbol.iterator]();
    const pump = (): void => {
      try {
        for (;;) {
          if (answered || req.destroyed) return;
          const n = it.next();
          if (n.done) {
            req.end();
            return;
          }
          if (!req.write(n.value)) {
            req.once('drain', pump);
            return;
          }
        }
      } catch (e) {
        req.destroy(e as Error);
        reject(e);
      }
    };
    pump();
  });
}

/** "host:port" of the failing shard from a ClickHouse exception text, else its first line. */
function shardDetail(text: string): string {
  const hosts = [...text.matchAll(/\b(?:\d{1,3}\.){3}\d{1,3}:\d+|\[[0-9a-fA-F:]+\]:\d+|\blocalhost:\d+/g)].map((m) => m[0]);
  const uniq = [...new Set(hosts)];
  const first = text.trim().split('\n')[0]?.slice(0, 300) ?? '';
  return uniq.length ? `${uniq.join(', ')} (${first})` : first;
}
