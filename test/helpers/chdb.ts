/**
 * chDB (current ClickHouse in process) as a SqlEngine, for tests only: it is installed in
 * test/chdb/node_modules by test/chdb/install.sh, outside the main install, so it is loaded by path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CLICKHOUSE } from '../../src/classify/sql/dialect.js';
import type { QueryResult, SqlEngine } from '../../src/classify/sql/engine.js';
import { ROOT } from './paths.js';

interface ChdbSession {
  query(sql: string, format?: string): string;
  cleanup?(): void;
}

export const chdbInstalled = (): boolean => fs.existsSync(path.join(ROOT, 'test/chdb/node_modules/chdb/package.json'));

export class ChdbEngine implements SqlEngine {
  readonly dialect = CLICKHOUSE;
  readonly where = 'chdb (in process)';
  private constructor(
    private readonly session: ChdbSession,
    private readonly dir: string,
  ) {}

  static open(): ChdbEngine {
    const req = createRequire(path.join(ROOT, 'test/chdb/package.json'));
    const mod = req('chdb') as { Session: new (p: string) => ChdbSession };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-chdb-'));
    return new ChdbEngine(new mod.Session(dir), dir);
  }

  version(): string {
    return this.session.query('SELECT version()', 'TSV').trim();
  }

  async query<R extends Record<string, unknown>>(sql: string): Promise<QueryResult<R>> {
    const text = this.session.query(`${sql}\nSETTINGS output_format_json_quote_64bit_integers = 0`, 'JSON');
    const parsed = JSON.parse(text) as { data: R[]; totals?: R };
    return { rows: parsed.data, partial: false, ...(parsed.totals ? { totals: parsed.totals } : {}) };
  }

  async exec(sql: string): Promise<void> {
    this.session.query(sql, 'TSV');
  }

  async insert(table: string, columns: readonly string[], _t: readonly string[], body: Iterable<Uint8Array>): Promise<void> {
    let text = '';
    for (const piece of body) text += Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString('utf8');
    if (text) this.session.query(`INSERT INTO ${table} (${columns.map((c) => CLICKHOUSE.ident(c)).join(', ')}) FORMAT TabSeparated\n${text}`, 'TSV');
  }

  async columns(table: string): Promise<{ name: string; type: string }[] | null> {
    const { rows } = await this.query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ${CLICKHOUSE.str(table)}`);
    return rows.length ? rows : null;
  }

  async close(): Promise<void> {
    this.session.cleanup?.();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
