/**
 * The Rules language where the logs live: a second backend of the compiler that lowers the same
 * checked AST to SQL (ClickHouse, DuckDB), plus storage, ingest and remote tables.
 *
 *   parse -> check -> lowerToSql(ast, dialect)   one visitor (lower.ts); refusals name the construct
 *   storage.ts                                   the table layout both dialects share
 *   clickhouse.ts / duckdb.ts                    the engines (HTTP; in process)
 *   remote.ts                                    ingest, openRemote, remoteRuleTest, remoteScore
 *   sample.ts                                    a bounded sample of whole sources, with the engine's labels
 */
export { lowerToSql, globToRe2, SqlLoweringError, type LowerOptions } from './lower.js';
export { CLICKHOUSE, DUCKDB, DIALECTS, type Dialect } from './dialect.js';
export { ClickHouse, type ClickHouseOptions } from './clickhouse.js';
export { DuckDb } from './duckdb.js';
export { SqlEngineError } from './errors.js';
export type { SqlEngine, QueryOptions, QueryResult } from './engine.js';
export { storedFields, columnOf, fieldOfColumn, ROW_COLUMN, type StoredField, type SqlDialectName } from './storage.js';
export { ingest, ingestStream, openRemote, remoteSchema, lowerExpression, remoteMatches, remoteRuleTest, remoteScore, remoteLabels, type RemoteTable, type TimeRange, type IngestOptions, type IngestReport, type RemoteRuleTest, type RemoteScore, type RemoteScoreOptions } from './remote.js';
export { clickhouse, isRemoteTable } from './handle.js';
export { remoteSample, decodeCell, DEFAULT_SAMPLE_ROWS, SAMPLE_BUCKETS, type RemoteSample, type SampleOptions } from './sample.js';
