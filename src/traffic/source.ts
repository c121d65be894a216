import fs from 'node:fs';
import zlib from 'node:zlib';
import { TrafficError } from './errors.js';
import { MSG } from './messages.js';

/** A traffic source: a file path or the bytes themselves. */
export type Source = string | Buffer;

export const sourceName = (src: Source): string => (typeof src === 'string' ? src : '<buffer>');

export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** First `n` bytes of the source (decompressed when gzip). */
export async function readHead(src: Source, n = 64 * 1024): Promise<Buffer> {
  let raw: Buffer;
  if (typeof src === 'string') {
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(src, 'r');
    } catch (e) {
      throw openError(src, e);
    }
    try {
      const b = Buffer.alloc(n);
      const { bytesRead } = await fh.read(b, 0, n, 0);
      raw = b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } else raw = src.subarray(0, n);
  if (!isGzip(raw)) return raw;
  // Decompress just enough of the head: member by member, a cut-off stream yields what it holds
  const out: Buffer[] = [];
  let size = 0;
  for await (const c of gunzipMembers(raw, 64 * 1024, true)) {
    if (typeof c === 'string' || !(c instanceof Uint8Array)) continue;
    out.push(c);
    size += c.length;
    if (size >= n) break;
  }
  return Buffer.concat(out).subarray(0, n);
}

function openError(src: string, e: unknown): TrafficError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new TrafficError(MSG.notFound(src), src);
  return new TrafficError(MSG.unreadable(src, (e as Error).message), src);
}

/** All bytes of the source, gunzipped if needed (binary formats: pcap, HAR). */
export async function readAll(src: Source): Promise<{ bytes: Buffer; error?: string; notes?: string[] }> {
  let raw: Buffer;
  if (typeof src === 'string') {
    try {
      raw = await fs.promises.readFile(src);
    } catch (e) {
      throw openError(src, e);
    }
  } else raw = src;
  if (!isGzip(raw)) return { bytes: raw };
  const chunks: Buffer[] = [];
  const notes: string[] = [];
  for await (const c of byteChunks(raw)) {
    if (typeof c === 'string') return { bytes: Buffer.concat(chunks), error: c, notes };
    if (!(c instanceof Uint8Array)) notes.push(c.note);
    else chunks.push(c);
  }
  return { bytes: Buffer.concat(chunks), notes };
}

/** A note from decompression that loses nothing (trailing bytes, a CRC mismatch): reported as a warning. */
export interface SourceNote {
  note: string;
}

/**
 * The source's bytes as a stream of chunks, decompressed when gzip. A decompression error
 * ends the stream with its message (a string) instead of throwing: what came before is kept.
 * Notes that lose nothing (trailing garbage, bad CRC) come as `{ note }` between chunks.
 */
export async function* byteChunks(
  src: Source,
  chunkSize = 1 << 20,
  range?: readonly [number, number],
): AsyncGenerator<Buffer | string | SourceNote> {
  if (range && typeof src === 'string') {
    yield* fileChunks(src, chunkSize, range);
    return;
  }
  const gz = typeof src === 'string' ? await rawIsGzip(src) : isGzip(src);
  if (typeof src === 'string' && !gz) {
    yield* fileChunks(src, chunkSize);
    return;
  }
  if (!gz) {
    yield src as Buffer;
    return;
  }
  let raw: Buffer;
  try {
    raw = typeof src === 'string' ? await fs.promises.readFile(src) : src;
  } catch (e) {
    throw openError(src as string, e);
  }
  yield* gunzipMembers(raw, 256 * 1024);
}

const crc32 = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;

/**
 * gzip decoded member by member with our own header and trailer checks, so that what Node's
 * Gunzip would turn into one error that also drops its last output (trailing garbage after the
 * last member, a bad CRC) loses nothing: every byte the deflate streams hold is yielded, and the
 * problem is a note. A stream cut short or corrupt inside the deflate data ends with an error.
 */
async function* gunzipMembers(raw: Buffer, chunkSize: number, head = false): AsyncGenerator<Buffer | string | SourceNote> {
  let pos = 0;
  let member = 0;
  while (pos < raw.length) {
    if (!isGzip(raw.subarray(pos, pos + 2))) {
      // what follows the last member is not gzip: ignored, and said (gzip(1) warns the same way)
      if (member > 0) yield { note: MSG.gzipTrailing(raw.length - pos) };
      else yield 'gzip: not a gzip stream';
      return;
    }
    member++;
    const start = gzipHeaderEnd(raw, pos);
    if (start < 0) {
      yield `gzip: header of member ${member} truncated or invalid`;
      return;
    }
    // a head is a cut-off stream by design: flush what it holds instead of failing
    const inf = zlib.createInflateRaw(head ? { chunkSize, finishFlush: zlib.constants.Z_SYNC_FLUSH } : { chunkSize });
    let crc = 0;
    let size = 0;
    inf.end(raw.subarray(start));
    try {
      for await (const c of inf) {
        const b = c as Buffer;
        if (crc32) crc = crc32(b, crc);
        size += b.length;
        yield b;
      }
    } catch (e) {
      yield `gzip: ${(e as Error).message}`;
      return;
    }
    const end = start + inf.bytesWritten;
    if (end + 8 > raw.length) {
      yield `gzip: member ${member} ends without its 8-byte trailer (file cut short)`;
      return;
    }
    const wantCrc = raw.readUInt32LE(end);
    const wantSize = raw.readUInt32LE(end + 4);
    if (crc32 && wantCrc !== crc >>> 0) yield { note: `gzip: CRC mismatch in member ${member} (data may be corrupt; all of it was loaded)` };
    else if (wantSize !== size % 2 ** 32) yield { note: `gzip: length mismatch in member ${member} (trailer says ${wantSize}, got ${size % 2 ** 32})` };
    pos = end + 8;
    // padding zeros after the last member are common (tape/block writers): not garbage
    while (pos < raw.length && raw[pos] === 0 && raw.subarray(pos).every((x) => x === 0)) pos = raw.length;
  }
}

/** Offset of the deflate data after the gzip header at `p` (RFC 1952), or -1. */
function gzipHeaderEnd(b: Buffer, p: number): number {
  if (p + 10 > b.length || b[p + 2] !== 8) return -1;
  const flg = b[p + 3] as number;
  let q = p + 10;
  if (flg & 4) {
    if (q + 2 > b.length) return -1;
    q += 2 + b.readUInt16LE(q);
  }
  for (const bit of [8, 16]) {
    if (flg & bit) {
      const z = b.indexOf(0, q);
      if (z < 0) return -1;
      q = z + 1;
    }
  }
  if (flg & 2) q += 2;
  return q <= b.length ? q : -1;
}

async function rawIsGzip(path: string): Promise<boolean> {
  const fh = await fs.promises.open(path, 'r').catch((e: unknown) => {
    throw openError(path, e);
  });
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return isGzip(b.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * Plain file chunks read into ONE reused buffer: fresh memory is what costs most here (a stream
 * allocates a new buffer per read). Reads are synchronous on purpose: an async read is a round
 * trip through the libuv thread pool per chunk, and on a busy machine each hop waits for a time
 * slice, which made wall time several times the CPU time. Consumers must copy what they keep
 * before the next chunk.
 */
async function* fileChunks(path: string, chunkSize: number, range?: readonly [number, number]): AsyncGenerator<Buffer> {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw openError(path, e);
  }
  const size = Math.max(chunkSize, READ_BUFFER_BYTES);
  const buf = (size === READ_BUFFER_BYTES ? readBuffers.pop() : undefined) ?? Buffer.allocUnsafe(size);
  try {
    let pos = range ? range[0] : 0;
    const end = range ? range[1] : Infinity;
    for (;;) {
      const want = Math.min(buf.length, end - pos);
      if (want <= 0) break;
      const n = fs.readSync(fd, buf, 0, want, pos);
      if (n === 0) break;
      pos += n;
      yield buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
    if (buf.length === READ_BUFFER_BYTES && readBuffers.length < 2) readBuffers.push(buf);
  }
}

/**
 * Read buffers handed from one file read to the next in this thread: a parallel load reads one
 * 32 MB chunk after another, and a fresh 4 MB buffer each time cost page faults (zeroed pages)
 * for nothing. A buffer is taken for a whole read and given back when it ends, so concurrent
 * reads never share one.
 */
const READ_BUFFER_BYTES = 4 << 20;
const readBuffers: Buffer[] = [];

/** Rough row count (lines) of a source from its size and the line length in its head. */
export async function estimateRows(src: Source): Promise<number> {
  const head = await readHead(src, 256 * 1024);
  let lines = 0;
  for (let p = head.indexOf(10); p >= 0; p = head.indexOf(10, p + 1)) lines++;
  if (lines === 0) return 1024;
  const avg = head.length / lines;
  let size: number;
  if (typeof src === 'string') {
    size = (await fs.promises.stat(src)).size;
    if (await rawIsGzip(src)) size *= 8;
  } else size = isGzip(src) ? src.length * 8 : src.length;
  return Math.ceil((size / avg) * 1.05) + 16;
}
