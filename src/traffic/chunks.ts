/**
 * A traffic source read in bounded chunks of rows: the same loaders as `loadTraffic`, run on one
 * window of lines at a time, so a 10M-row Logpush file, access log or CSV costs the memory of one
 * chunk, whatever the file's size (`runbook ingest` streams a file into a SQL engine this way).
 *
 *   for await (const c of trafficChunks('big.ndjson', { rows: 100_000 })) use(c.table, c.report)
 *
 * - The format is detected once, on the head of the source, and every chunk is loaded as that format.
 * - Chunks end at line ends only. A chunk's report gives skipped lines by their line number in the
 *   whole source (a malformed line 1,234,567 is reported as line 1,234,567).
 * - A header travels with the chunks: CSV's header line (when no `fields` are given) and the last
 *   W3C `#Fields:` line (CloudFront, IIS) are put in front of every later chunk.
 * - Binary and whole-document formats (pcap, HAR) cannot be cut at line ends: they are loaded whole,
 *   as one chunk. A gzip source is decompressed as a stream; its compressed bytes are read at once.
 * - Of a line longer than `maxLineBytes` only its first maxLineBytes + 1 bytes are kept (the loader
 *   reports it as too long, at its line), so one endless line cannot grow a chunk without bound.
 * - Per-source decisions a loader makes (the `clientAddress: 'auto'` test for CDN egress addresses)
 *   are made per chunk.
 */
import type { ColumnTable } from 'arquero';
import { detectFormat } from './detect.js';
import { TrafficError } from './errors.js';
import { DEFAULT_MAX_LINE_BYTES } from './lines.js';
import { loadAs } from './load.js';
import { MSG } from './messages.js';
import { formatModule, formatNames } from './registry.js';
import { MAX_SKIPPED_LISTED } from './report.js';
import { byteChunks, readHead, sourceName, type Source } from './source.js';
import type { LoadOptions, LoadReport, TrafficFormat } from './types.js';

/** Rows (lines) per chunk when none is given: about 60 MB of Logpush JSON. */
export const DEFAULT_CHUNK_ROWS = 100_000;

/** Formats that are not a sequence of lines: loaded whole, as one chunk. */
const WHOLE_FORMATS: ReadonlySet<TrafficFormat> = new Set(['pcap', 'har']);
/** W3C extended logs: a `#Fields:` line says what the lines after it hold. */
const W3C_FORMATS: ReadonlySet<TrafficFormat> = new Set(['cloudfront', 'iis']);

export interface ChunkOptions extends Omit<LoadOptions, 'cache'> {
  /** Lines per chunk (default 100,000). */
  rows?: number;
}

export interface TrafficChunk {
  /** 0-based chunk number. */
  index: number;
  table: ColumnTable;
  /** This chunk's report; skipped lines carry their line number in the whole source. */
  report: LoadReport;
  /** 1-based line of the source where this chunk starts. */
  firstLine: number;
  format: TrafficFormat;
}

/** The chunks of a traffic source, one loaded table at a time (the caller drops each before the next). */
export async function* trafficChunks(source: Source, opts: ChunkOptions = {}): AsyncGenerator<TrafficChunk> {
  const rows = opts.rows ?? DEFAULT_CHUNK_ROWS;
  if (!(Number.isInteger(rows) && rows > 0)) throw new TrafficError(`chunk size must be a positive number of rows, got ${rows}`, sourceName(source));
  const f = opts.format ?? 'auto';
  if (f !== 'auto' && !formatModule(String(f))) throw new TrafficError(MSG.badFormatOption(String(f), formatNames()), sourceName(source));
  const head = await readHead(source, 64 * 1024);
  const format = f === 'auto' ? (opts.logFormat ? 'nginx' : detectFormat(head, typeof source === 'string' ? source : undefined)) : f;
  // a JSON document (an array of records) is one value, not lines
  const firstByte = head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf);
  if (WHOLE_FORMATS.has(format) || firstByte === 0x5b) {
    const loaded = await loadAs(source, format, { ...opts });
    yield { index: 0, table: loaded.table, report: loaded.report, firstLine: 1, format };
    return;
  }
  const name = sourceName(source);
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxRows = opts.maxRows ?? Infinity;
  const maxBytes = opts.maxDecompressedBytes ?? Infinity;
  // every chunk is one complete load of at most `rows` lines: the per-load row cap does not apply
  const chunkOpts: LoadOptions = { ...opts, format, maxRows: Number.MAX_SAFE_INTEGER, maxDecompressedBytes: Number.MAX_SAFE_INTEGER };
  const csvHeader = format === 'csv' && !opts.fields?.length;

  // one buffer per chunk, appended to line by line: a copy per line and a concatenation at the
  // end held the chunk's bytes twice (and 100k small buffers), which showed as a peak per chunk
  const parts = new ChunkBytes(estimateBytes(head, rows));
  let lines = 0; // complete lines in `parts`
  let nextLine = 1; // source line number of the first line in `parts`
  let index = 0;
  let header: Buffer | null = null; // what goes in front of every later chunk
  let partial = 0; // bytes kept of the current (unfinished) line
  const warnings: Record<string, number> = {};
  let total = 0;
  let bytes = 0;

  const emit = async (): Promise<TrafficChunk | null> => {
    const firstLine = nextLine;
    const count = lines;
    const body = parts.take();
    lines = 0;
    nextLine += count;
    if (body.length === 0) return null;
    // the header is taken from the first chunk that has one, and put in front of the chunks after it
    const prefix = header;
    if (csvHeader && header === null) header = csvHeaderOf(body);
    if (W3C_FORMATS.has(format)) header = lastFieldsLine(body) ?? header;
    const input = prefix ? Buffer.concat([prefix, body]) : body;
    const loaded = await loadAs(input, format, chunkOpts);
    const shift = firstLine - 1 - (prefix ? 1 : 0);
    const report = loaded.report;
    report.source = name;
    for (const s of report.skipped) s.line += shift;
    if (Object.keys(warnings).length) {
      report.warnings = { ...(report.warnings ?? {}) };
      for (const [k, v] of Object.entries(warnings)) report.warnings[k] = (report.warnings[k] ?? 0) + v;
      for (const k of Object.keys(warnings)) delete warnings[k];
    }
    total += count;
    return { index: index++, table: loaded.table, report, firstLine, format };
  };

  for await (const c of byteChunks(source)) {
    if (typeof c === 'string') {
      // a decompression error: what came before is loaded, the rest is lost (said in the report)
      warnings[MSG.gzipLost(c, nextLine + lines)] = 1;
      break;
    }
    if (!(c instanceof Uint8Array)) {
      warnings[c.note] = (warnings[c.note] ?? 0) + 1;
      continue;
    }
    bytes += c.length;
    if (bytes > maxBytes) {
      warnings[MSG.tooManyBytes(maxBytes)] = 1;
      break;
    }
    // `c` may be a reused read buffer: what is kept is copied
    let start = 0;
    while (start < c.length) {
      if (total + lines >= maxRows) {
        // more bytes after the last row allowed: said once, and the rest is not read
        warnings[MSG.tooManyRows(maxRows)] = 1;
        break;
      }
      const nl = c.indexOf(0x0a, start);
      const end = nl < 0 ? c.length : nl;
      // at most maxLineBytes + 1 bytes of a line are kept: enough for the loader to report it as
      // too long (at its line number), while an endless line does not grow the chunk
      const keep = Math.min(end - start, Math.max(0, maxLineBytes + 1 - partial));
      if (keep > 0) parts.push(c.subarray(start, start + keep));
      if (nl < 0) {
        partial += keep;
        break;
      }
      parts.push(NEWLINE);
      partial = 0;
      lines++;
      start = nl + 1;
      if (lines >= rows || total + lines >= maxRows) {
        const out = await emit();
        if (out) yield out;
      }
    }
    if (warnings[MSG.tooManyRows(maxRows)]) break;
  }
  // a last line without a newline
  if (partial > 0) lines++;
  const out = await emit();
  if (out) yield out;
  else if (Object.keys(warnings).length || index === 0) {
    // an empty source is one empty chunk; a warning found after the last chunk (a decompression
    // note at the end) still reaches a report
    const loaded = await loadAs(Buffer.alloc(0), format, chunkOpts);
    loaded.report.source = name;
    if (Object.keys(warnings).length) loaded.report.warnings = { ...warnings };
    yield { index: index++, table: loaded.table, report: loaded.report, firstLine: nextLine, format };
  }
}

const NEWLINE = Buffer.from('\n');

/** Bytes of a chunk in one buffer that grows by half when full; `take` hands it over, and the next starts at the size this one reached. */
class ChunkBytes {
  // allocated at the first push: not while the caller still holds the chunk before
  private buf = Buffer.alloc(0);
  private len = 0;
  constructor(private size: number) {}
  push(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) {
      if (this.len === 0) this.buf = Buffer.allocUnsafeSlow(Math.max(this.size, b.length));
    }
    if (this.len + b.length > this.buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.len + b.length, Math.ceil(this.buf.length * 1.5)));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.size = Math.max(this.size, this.len + (this.len >> 4));
    this.buf = Buffer.alloc(0);
    this.len = 0;
    return out;
  }
}

/** Bytes of `rows` lines judged from the head's line length (a first guess; the buffer grows). */
function estimateBytes(head: Buffer, rows: number): number {
  let n = 0;
  for (let p = head.indexOf(0x0a); p >= 0; p = head.indexOf(0x0a, p + 1)) n++;
  const avg = n ? head.length / n : 512;
  return Math.min(256 << 20, Math.max(64 << 10, Math.ceil(avg * rows * 1.1)));
}

/** The header line of CSV text (the first line that is neither blank nor a `#` comment), with its newline. */
function csvHeaderOf(body: Buffer): Buffer | null {
  let p = 0;
  while (p < body.length) {
    const nl = body.indexOf(0x0a, p);
    const end = nl < 0 ? body.length : nl + 1;
    const line = body.subarray(p, end).toString('utf8').replace(/^\uFEFF/, '').trim();
    if (line && !line.startsWith('#')) return Buffer.concat([body.subarray(p, nl < 0 ? end : nl), Buffer.from('\n')]);
    p = end;
  }
  return null;
}

/** The last `#Fields:` line of a chunk of a W3C log, with its newline. */
function lastFieldsLine(body: Buffer): Buffer | null {
  let at = body.lastIndexOf('\n#Fields:');
  at = at < 0 ? (body.subarray(0, 8).toString('latin1') === '#Fields:' ? 0 : -1) : at + 1;
  if (at < 0) return null;
  const nl = body.indexOf(0x0a, at);
  return Buffer.concat([body.subarray(at, nl < 0 ? body.length : nl), Buffer.from('\n')]);
}

/** Reports of chunks added up into one report of the whole source. */
export function mergeReports(reports: readonly LoadReport[], source: string, maxListed = MAX_SKIPPED_LISTED): LoadReport {
  const out: LoadReport = { source, format: reports[0]?.format ?? 'unknown', rowsRead: 0, rowsLoaded: 0, rowsSkipped: 0, skipped: [], reasons: {}, fromCache: false, durationMs: 0 };
  const notes = new Set<string>();
  for (const r of reports) {
    out.rowsRead += r.rowsRead;
    out.rowsLoaded += r.rowsLoaded;
    out.rowsSkipped += r.rowsSkipped;
    out.durationMs += r.durationMs;
    for (const s of r.skipped) if (out.skipped.length < maxListed) out.skipped.push(s);
    for (const [k, v] of Object.entries(r.reasons)) out.reasons[k] = (out.reasons[k] ?? 0) + v;
    if (r.warnings) {
      out.warnings ??= {};
      for (const [k, v] of Object.entries(r.warnings)) out.warnings[k] = (out.warnings[k] ?? 0) + v;
    }
    if (r.clientAddress) notes.add(r.clientAddress);
  }
  if (notes.size) out.clientAddress = [...notes].join('; ');
  out.durationMs = Math.round(out.durationMs * 10) / 10;
  return out;
}
