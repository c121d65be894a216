/**
 * Types every loader shares: what a load returns, what it reports, and what a format module
 * (one file under ./formats/) declares to the registry.
 */
import type { ColumnTable } from 'arquero';
import type { Source } from './source.js';

/**
 * A registered format's name (`logpush`, `combined`, `caddy`, ...). The set is the loader
 * registry's (registry.ts: `formatNames()`), not a union written here, so a new format is one
 * module and nothing else.
 */
export type TrafficFormat = string;

/** `auto` (detect) or a registered format's name. */
export type FormatOption = 'auto' | TrafficFormat;

export interface SkippedRow {
  /** 1-based line (text formats), record or packet number (binary formats). */
  line: number;
  reason: string;
}

export interface LoadReport {
  source: string;
  format: TrafficFormat;
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  /** First skipped rows with their reasons (capped); `reasons` counts all of them by reason. */
  skipped: SkippedRow[];
  reasons: Record<string, number>;
  fromCache: boolean;
  durationMs: number;
  /** Rows loaded but only partly decoded (e.g. a truncated packet header), counted by reason. */
  warnings?: Record<string, number>;
  /**
   * Where `ip.src` comes from and what was noticed about it: e.g. "X-Forwarded-For (the log's
   * client column holds Cloudflare egress addresses)". Absent when nothing needs saying.
   */
  clientAddress?: string;
}

export interface Loaded {
  table: ColumnTable;
  report: LoadReport;
}

/** Limits every text loader applies (each has a default; raise them for big trusted files). */
export interface LimitOptions {
  /** How many skipped rows the report lists individually (all are counted by reason). */
  maxSkippedListed?: number;
  /** Lines longer than this are skipped (default 1 MiB). */
  maxLineBytes?: number;
  /** Stop after this many rows (lines or records) with a clear reason (default 5 million). */
  maxRows?: number;
  /** Stop decompressing after this many bytes (default 4 GiB). */
  maxDecompressedBytes?: number;
}

/** Options of the line-oriented loaders. */
export interface LineLoadOptions extends LimitOptions {}

export interface LoadOptions extends LimitOptions {
  format?: FormatOption;
  /** nginx `log_format` string for custom access logs (format `nginx`, or `combined`). */
  logFormat?: string;
  /** Cache parsed tables: true = `.cache/netrunbook/` under the working directory, or a directory. */
  cache?: boolean | string;
  /** Field names for header-less CSV (e.g. Logpush CSV without a batch_prefix). */
  fields?: string[];
  /**
   * Threads that parse a big uncompressed Logpush file (this thread and workers); default 1.
   * More threads use more CPU and memory for a modest gain at best (see bench/load.ts).
   */
  workers?: number;
  /**
   * Which address is the client: `auto` (default) takes CF-Connecting-IP / X-Forwarded-For
   * when the log's client column holds CDN egress addresses; `log` keeps the client column as
   * written; `forwarded` always prefers a forwarded header when the row has one.
   */
  clientAddress?: 'auto' | 'log' | 'forwarded';
}

/** What detection sees of a source: its first bytes, decompressed. */
export interface SniffInput {
  /** First bytes (64 KiB), gunzipped when the source is gzip. */
  head: Buffer;
  /** `head` as text (UTF-8, a leading BOM removed). */
  text: string;
  /** Non-blank lines of `text` (CR removed), at most 64; the last may be cut off. */
  lines: string[];
  /** The first lines that parse as JSON objects (top level), or [] when the first line does not. */
  json: Record<string, unknown>[];
  /** File name lower-cased with `.gz` removed ('' for a buffer). */
  name: string;
}

/**
 * One traffic format: its name, how sure it is that a source is in it, and how to load it.
 * Modules live in src/traffic/formats/<name>.ts and are found there by the registry.
 */
export interface FormatModule {
  /** The `--format` value, also `report.format`. */
  readonly format: TrafficFormat;
  /** One line for `--help`, the README and the "cannot tell the format" message. */
  readonly summary: string;
  /**
   * Confidence in [0, 1] that the source is in this format: 0 = no, 1 = certain (a magic number).
   * Detection takes the highest; ties go to the lower `rank`.
   */
  sniff(input: SniffInput): number;
  /** Loads the source into canonical columns with a report. */
  load(src: Source, opts: LoadOptions): Promise<Loaded>;
  /** Top-level JSON keys typical of this format, so an unknown JSON log can say what it resembles. */
  readonly jsonKeys?: readonly string[];
  /** Tie-break between equal confidences (lower wins; default 100). */
  readonly rank?: number;
}
