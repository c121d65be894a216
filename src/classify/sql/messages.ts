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
  /** What `runbook classify --engine` computed on a sample, and what it could not. */
  sampleWhole: (rows: number, sources: number) =>
    `clusters, mitigations (with their backtests and confidence intervals), refusals, levers, incident and evidence were computed on the whole table (${rows} rows, ${sources} sources) brought back with the labels the engine computed: the same analysis as runbook classify in memory`,
  samplePart: (rows: number, sources: number, tableSources: number, tableRows: number, cap: number) =>
    `clusters, mitigations, refusals, levers, incident and evidence were computed on a sample of ${rows} rows: all requests of ${sources} of ${tableSources} sources (picked by a hash of ip.src), out of ${tableRows} rows (the cap is ${cap} rows: --sample-rows N); backtest figures, confidence intervals and SAFE verdicts are the sample's evidence, not the whole table's (check a proposal on the whole table with runbook rule test EXPRESSION --engine ...); rows, labels, signature counts and top sources are the whole table's`,
  sampleLeftOut: (rows: number, sources: number) =>
    `${rows} rows of ${sources} sources are not in the sample: each of their hash buckets holds more than half the cap and did not fit (heavy sources, such as the top sources above, are among them; raise --sample-rows to include them)`,
  sampleMalicious: (inSample: number, inTable: number) => `the sample holds ${inSample} of the table's ${inTable} malicious rows`,
  sampleShardsMissing: 'some shard did not answer while the sample was read: the sample holds only the answering shards\' rows',
  absentNoSources: (rows: number, cap: number) =>
    `the table has no ip.src to sample whole sources by, and its ${rows} rows are more than the sample cap of ${cap}: clusters, mitigations, refusals, levers, incident and evidence are not computed (raise --sample-rows to at least ${rows}, or narrow the rows with --where FROM..TO)`,
  badSampleRows: (text: string) => `--sample-rows takes a positive whole number (the most rows brought back for the analysis), not '${text}'`,
  behaviourPerIngest: (windows: number) =>
    `behaviour.* fields were computed at ingest over each of ${windows} windows of consecutive rows (the chunks of a streamed ingest, or separate ingest calls), not over the whole table: behaviour signatures judged each window on its own; for behaviour over the whole table, ingest with runbook ingest --behaviour whole (two passes; Node memory about 250 bytes a row)`,
  timedOut: (where: string, seconds: number) => `${where} gave no answer within ${seconds} s; the query may still be running there (a big table on a small cluster): give it longer with --timeout SECONDS, or narrow it with --where FROM..TO`,
  sourceChanged: (name: string, before: number, now: number) =>
    `cannot ingest into ${name}: the source gave ${before} rows when read for behaviour and ${now} when read again (did it change meanwhile?); rows written so far stay in the table`,
  nothingToIngest: (name: string) => `nothing to ingest into ${name}: the source gave no table`,
  unlowerableSignature: (id: string, why: string) => `signature ${id} cannot run on this engine: ${why}`,
} as const;
