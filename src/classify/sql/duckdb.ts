/**
 * DuckDB in process (the only importer of @duckdb/node-api): the embedded, larger-than-memory
 * engine for one machine. Inserts go through a newline-delimited JSON file (keys c0, c1, ... in
 * column order) read with explicit column types (no type guessing), written piece by piece to a
 * private temp directory and removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DUCKDB } from './dialect.js';
import type { QueryResult, SqlEngine } from './engine.js';
import { SqlEngineError } from './errors.js';

export class DuckDb implements SqlEngine {
  readonly dialect = DUCKDB;
  readonly where: string;
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly con: DuckDBConnection,
    file: string,
  ) {
    this.where = `duckdb:${file}`;
  }

  /** `:memory:` or a database file. */
  static async open(file = ':memory:'): Promise<DuckDb> {
    const instance = await DuckDBInstance.create(file);
    return new DuckDb(instance, await instance.connect(), file);
  }

  async query<R extends Record<string, unknown>>(sql: string): Promise<QueryResult<R>> {
    try {
      const r = await this.con.runAndReadAll(sql);
      return { rows: r.getRowObjectsJS() as R[], partial: false };
    } catch (e) {
      throw new SqlEngineError(`DuckDB: ${(e as Error).message.split('\n')[0] ?? ''}`);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.con.run(sql);
    } catch (e) {
      throw new SqlEngineError(`DuckDB: ${(e as Error).message.split('\n')[0] ?? ''}`);
    }
  }

  async insert(table: string, columns: readonly string[], types: readonly string[], body: Iterable<Uint8Array>): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-duckdb-'));
    const file = path.join(dir, 'batch.ndjson');
    try {
      const fd = fs.openSync(file, 'w');
      try {
        for (const piece of body) fs.writeSync(fd, piece);
      } finally {
        fs.closeSync(fd);
      }
      const spec = columns.map((_, i) => `c${i}: ${DUCKDB.str(types[i] as string)}`).join(', ');
      const select = columns.map((_, i) => `c${i}`).join(', ');
      await this.exec(`INSERT INTO ${table} (${columns.map((c) => DUCKDB.ident(c)).join(', ')}) SELECT ${select} FROM read_json(${DUCKDB.str(file)}, format = 'newline_delimited', columns = {${spec}}, maximum_object_size = 67108864)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async columns(table: string): Promise<{ name: string; type: string }[] | null> {
    const name = table.includes('.') ? (table.split('.')[1] as string) : table;
    const { rows } = await this.query<{ column_name: string; data_type: string }>(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ${DUCKDB.str(name)} ORDER BY ordinal_position`);
    return rows.length ? rows.map((r) => ({ name: r.column_name, type: r.data_type })) : null;
  }

  async close(): Promise<void> {
    this.con.closeSync();
    this.instance.closeSync();
  }
}
