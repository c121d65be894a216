import { MSG } from './messages.js';
import type { ReportBuilder } from './report.js';
import { byteChunks, type Source } from './source.js';

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
/** Default row limit: five times the benchmark's million rows; a gzip bomb (2 MB -> 17M rows) stops here. */
export const DEFAULT_MAX_ROWS = 5_000_000;
/** Default cap on decompressed bytes (a 2 MB gzip can expand to over a gigabyte). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 4 * 1024 ** 3;

/** Limits both line splitters apply; see LimitOptions. */
interface Limits {
  maxLineBytes?: number;
  maxRows?: number;
  maxDecompressedBytes?: number;
}

/**
 * The chunks of a source with the row and byte limits applied: stops (with a warning naming the
 * option that raises the limit) when `rowsRead()` reaches maxRows or the bytes pass the cap;
 * decompression notes become warnings. A fatal decompression error is yielded as a string.
 */
/**
 * The handler with the row limit applied per line (limitedChunks stops at the next chunk): lines
 * past the limit are not counted or handed on, and the report says where it stopped once.
 */
function capped<A extends unknown[]>(report: ReportBuilder, maxRows: number | undefined, on: (...a: A) => void): (...a: A) => void {
  const max = maxRows ?? DEFAULT_MAX_ROWS;
  let told = false;
  return (...a: A) => {
    if (report.rowsRead > max) {
      report.rowsRead--;
      if (!told) report.warn(MSG.tooManyRows(max));
      told = true;
      return;
    }
    on(...a);
  };
}

async function* limitedChunks(
  src: Source,
  report: ReportBuilder,
  opts: Limits & { range?: readonly [number, number] },
): AsyncGenerator<Buffer | string> {
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const maxBytes = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  let bytes = 0;
  for await (const c of byteChunks(src, undefined, opts.range)) {
    if (typeof c === 'string') {
      yield c;
      return;
    }
    if (!(c instanceof Uint8Array)) {
      report.warn(c.note);
      continue;
    }
    if (report.rowsRead >= maxRows) {
      if (!(report.warnings[MSG.tooManyRows(maxRows)] ?? 0)) report.warn(MSG.tooManyRows(maxRows));
      return;
    }
    bytes += c.length;
    if (bytes > maxBytes) {
      report.warn(MSG.tooManyBytes(maxBytes));
      return;
    }
    yield c;
  }
}

/** Called per non-empty line with its 1-based line number; the callback counts loads/skips. */
export type LineHandler = (line: string, lineNo: number) => void;

const fatal = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8, writing each byte of an invalid sequence as `\xHH` (nginx's log escaping). */
export function decodeEscaped(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len && i + len <= n) {
      try {
        out += fatal.decode(b.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        /* fall through: escape this byte */
      }
    }
    out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    i++;
  }
  return out;
}

export interface LineOptions extends Limits {
  /** 'skip' (JSON: must be UTF-8) or 'escape' (access logs: keep attack bytes visible as \xHH). */
  invalidUtf8?: 'skip' | 'escape';
}

/** What the one line splitter hands its adapters (string lines, byte lines). */
interface LineSink {
  /** One line that crossed chunks, copied whole (no newline). */
  line(b: Buffer): void;
  /** Complete lines chunk[s, e): separated by LF, the last one ends at e (the block's last LF). */
  block(chunk: Buffer, s: number, e: number): void;
  /** A line over maxLineBytes (its bytes were not kept). */
  tooLong(): void;
  /** Decompression failed: `cut` when a partial line was pending. */
  fail(reason: string, cut: boolean): void;
}

/**
 * The one line splitter: reads the source's chunks (limits applied), carries a line that
 * crosses chunks (dropping it once it passes maxLineBytes) and hands complete lines to the sink
 * a block at a time, so an adapter can decode a whole block in one call.
 */
async function splitLines(src: Source, report: ReportBuilder, opts: Limits & { range?: readonly [number, number] }, sink: LineSink): Promise<void> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let overflow = false; // the current (carried) line is already too long: drop until newline
  for await (const chunk of limitedChunks(src, report, opts)) {
    if (typeof chunk === 'string') {
      // decompression failed: the partial line is lost with the rest of the stream
      sink.fail(chunk, carryLen > 0 || overflow);
      carry = [];
      carryLen = 0;
      overflow = false;
      break;
    }
    let start = 0;
    if (carryLen > 0 || overflow) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        if (!overflow) {
          carry.push(Buffer.from(chunk));
          carryLen += chunk.length;
          if (carryLen > maxLineBytes) {
            overflow = true;
            carry = [];
            carryLen = 0;
          }
        }
        continue;
      }
      if (overflow || carryLen + nl > maxLineBytes) sink.tooLong();
      else sink.line(Buffer.concat([...carry, chunk.subarray(0, nl)]));
      carry = [];
      carryLen = 0;
      overflow = false;
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) {
      sink.block(chunk, start, last);
      start = last + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (rest.length > maxLineBytes) overflow = true;
      else {
        carry.push(Buffer.from(rest)); // copy: the stream may reuse its buffer
        carryLen += rest.length;
      }
    }
  }
  if (overflow) sink.tooLong();
  else if (carryLen > 0) sink.line(Buffer.concat(carry));
}

/** The skip reason of a failed decompression at line `lineNo`. */
const failReason = (why: string, cut: boolean, lineNo: number): string =>
  cut ? `${why} (this line is cut off; nothing after it can be read)` : `${why} (nothing after line ${lineNo - 1} can be read)`;

/**
 * Streams the source line by line (LF or CRLF): the string adapter of splitLines. Decodes each
 * block of complete lines as one string (one native call per MiB, not per line); only blocks that
 * contain U+FFFD are re-checked line by line with a strict decoder, so invalid UTF-8 is reported
 * by line. Counts every line in `report.rowsRead`; blank lines, over-long lines and invalid UTF-8
 * are skipped with a reason.
 */
export async function forEachLine(src: Source, report: ReportBuilder, onLine: LineHandler, opts: LineOptions = {}): Promise<void> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const escape = opts.invalidUtf8 === 'escape';
  if (opts.maxRows !== undefined) onLine = capped(report, opts.maxRows, onLine);
  let lineNo = 0;

  const emitBytes = (b: Buffer): void => {
    lineNo++;
    report.rowsRead++;
    let end = b.length;
    if (end > 0 && b[end - 1] === 13) end--;
    if (end === 0) return report.skip(lineNo, MSG.blankLine);
    let s: string;
    try {
      s = fatal.decode(b.subarray(0, end));
    } catch {
      if (!escape) return report.skip(lineNo, MSG.invalidUtf8);
      report.warn(`${MSG.invalidUtf8} (bytes kept as \\xHH)`);
      s = decodeEscaped(b.subarray(0, end));
    }
    onLine(s, lineNo);
  };
  const emitString = (s: string): void => {
    lineNo++;
    report.rowsRead++;
    if (s.length > 0 && s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    if (s.length === 0) return report.skip(lineNo, MSG.blankLine);
    if (s.length > maxLineBytes / 4 && Buffer.byteLength(s) > maxLineBytes) return report.skip(lineNo, MSG.lineTooLong(maxLineBytes));
    onLine(s, lineNo);
  };
  const tooLong = (): void => {
    lineNo++;
    report.rowsRead++;
    report.skip(lineNo, MSG.lineTooLong(maxLineBytes));
  };

  await splitLines(src, report, opts, {
    line: emitBytes,
    tooLong,
    fail: (why, cut) => {
      lineNo++;
      report.rowsRead++;
      report.skip(lineNo, failReason(why, cut, lineNo));
    },
    block: (chunk, start, last) => {
      const body = chunk.toString('utf8', start, last);
      if (body.indexOf('\uFFFD') < 0) {
        let p = 0;
        for (;;) {
          const q = body.indexOf('\n', p);
          if (q < 0) {
            emitString(body.slice(p));
            break;
          }
          emitString(body.slice(p, q));
          p = q + 1;
        }
        return;
      }
      let p = start;
      while (p <= last) {
        const q = chunk.indexOf(10, p);
        const e = q < 0 || q > last ? last : q;
        if (e - p > maxLineBytes) tooLong();
        else emitBytes(chunk.subarray(p, e));
        p = e + 1;
      }
    },
  });
}

/** Called per non-empty line with its bytes buf[start, end) (no newline, no trailing CR). */
export type ByteLineHandler = (buf: Buffer, start: number, end: number, lineNo: number) => void;

/**
 * The byte adapter of splitLines, for parsers that read bytes directly (Logpush): hands out
 * byte ranges. The handler must not keep `buf`: it is the stream's chunk. UTF-8 is the
 * handler's business.
 */
export async function forEachLineBytes(
  src: Source,
  report: ReportBuilder,
  onLine: ByteLineHandler,
  opts: Limits & { range?: readonly [number, number]; lineBase?: number } = {},
): Promise<void> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (opts.maxRows !== undefined) onLine = capped(report, opts.maxRows, onLine);
  // a range that is not the file's first: line numbers continue from the lines before it
  let lineNo = opts.lineBase ?? 0;

  const emit = (b: Buffer, s: number, e: number): void => {
    lineNo++;
    report.rowsRead++;
    if (e > s && b[e - 1] === 13) e--;
    if (e === s) return report.skip(lineNo, MSG.blankLine);
    if (e - s > maxLineBytes) return report.skip(lineNo, MSG.lineTooLong(maxLineBytes));
    onLine(b, s, e, lineNo);
  };

  await splitLines(src, report, opts, {
    line: (b) => emit(b, 0, b.length),
    tooLong: () => {
      lineNo++;
      report.rowsRead++;
      report.skip(lineNo, MSG.lineTooLong(maxLineBytes));
    },
    fail: (why, cut) => {
      lineNo++;
      report.rowsRead++;
      report.skip(lineNo, failReason(why, cut, lineNo));
    },
    block: (chunk, start, last) => {
      let p = start;
      for (;;) {
        const q = chunk.indexOf(10, p);
        if (q < 0 || q >= last) {
          emit(chunk, p, last);
          return;
        }
        emit(chunk, p, q);
        p = q + 1;
      }
    },
  });
}
