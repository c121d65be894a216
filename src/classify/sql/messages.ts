/** Every user-facing message of the SQL backend (ClickHouse, DuckDB), in one place. */
export const SQL_MSG = {
  notSupported: (what: string, engine: string) => `${what} is not supported on the ${engine} engine; run this expression in memory (without --engine), or rewrite it without it`,
  iterationOver: (text: string) => `iterating over "${text}"`,
  wholeCollection: (field: string) => `using the whole collection ${field} as a value (index it: ${field}[0], ${field}["key"])`,
  mapWithoutPosition: (text: string) => `"${text}" without a position (write ${text}[0] or ${text}[*])`,
  ipOfFunction: (text: string) => `an IP comparison on "${text}"`,
  unreachable: (url: string, why: string) => `the ClickHouse server at ${url} does not answer (${why}); check the URL (http://host:8123) and that the server runs`,
  serverError: (url: string, body: string) => `ClickHouse at ${url} answered: ${body.trim().split('\n')[0]?.slice(0, 400) ?? ''}`,
  shardDown: (detail: string) => `a shard of the cluster did not answer: ${detail}; the answer would be partial, so nothing is reported (pass skipUnavailableShards / --skip-unavailable-shards to accept a partial answer, marked as such)`,
  noTable: (table: string, engine: string) => `the table ${table} does not exist on the ${engine} engine; create and fill it with: runbook ingest TRAFFIC --clickhouse URL --table ${table}`,
  wrongSchema: (table: string) => `the table ${table} was not written by runbook ingest (no __row column and no Rules-field columns such as ip__src); point --table at a table made by runbook ingest`,
  badTableName: (name: string) => `invalid table name "${name}": use letters, digits and _ (optionally database.table)`,
  badUrl: (url: string) => `invalid ClickHouse URL "${url}": use http://host:port (the HTTP interface, usually port 8123)`,
  badWhere: (text: string) => `invalid --where "${text}": give a time range FROM..TO with ISO times or ms since the epoch, e.g. 2026-12-01T10:00Z..2026-12-01T11:00Z`,
  /** What `runbook classify --engine` does not compute where the table lives, and how to get it. */
  absentClusters: 'clusters are found by clustering the attack rows in memory; not computed on a SQL engine (score a time window in memory: runbook classify on an export of the rows of --where FROM..TO)',
  absentMitigations: 'mitigation proposals (and their backtests, refusals, levers, incident and evidence) are synthesised from the clustered rows in memory; not computed on a SQL engine (score a time window in memory to get them, then check a proposal on the whole table with runbook rule test EXPRESSION --engine ...)',
  behaviourPerIngest: (windows: number) =>
    `behaviour.* fields were computed at ingest over each of ${windows} windows of consecutive rows (the chunks of a streamed ingest, or separate ingest calls), not over the whole table: behaviour signatures judged each window on its own; for behaviour over the whole table, ingest with runbook ingest --behaviour whole (two passes; Node memory about 250 bytes a row)`,
  sourceChanged: (name: string, before: number, now: number) =>
    `cannot ingest into ${name}: the source gave ${before} rows when read for behaviour and ${now} when read again (did it change meanwhile?); rows written so far stay in the table`,
  nothingToIngest: (name: string) => `nothing to ingest into ${name}: the source gave no table`,
  unlowerableSignature: (id: string, why: string) => `signature ${id} cannot run on this engine: ${why}`,
} as const;
