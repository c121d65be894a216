/** Table handles for cells (no DuckDB import here: `netrunbook/classify` re-exports this file). */
import { ClickHouse } from './clickhouse.js';
import { openRemote, type RemoteTable, type TimeRange } from './remote.js';

/** A table handle on ClickHouse for cells: `await score(await clickhouse(url, 'requests'))`. */
export async function clickhouse(url: string, table: string, opts: { range?: TimeRange; skipUnavailableShards?: boolean } = {}): Promise<RemoteTable> {
  return openRemote(new ClickHouse({ url }), table, opts);
}

export function isRemoteTable(x: unknown): x is RemoteTable {
  return x !== null && typeof x === 'object' && 'engine' in x && 'fields' in x && typeof (x as RemoteTable).table === 'string';
}
