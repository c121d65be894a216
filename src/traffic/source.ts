import fs from 'node:fs';
import { Readable } from 'node:stream';
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
  // Decompress just enough of the head; a cut-off gzip stream throws, so collect what came out.
  const out: Buffer[] = [];
  let size = 0;
  const gz = zlib.createGunzip();
  await new Promise<void>((resolve) => {
    gz.on('data', (c: Buffer) => {
      out.push(c);
      size += c.length;
      if (size >= n) gz.destroy();
    });
    gz.on('error', () => resolve());
    gz.on('close', () => resolve());
    gz.on('end', () => resolve());
    gz.end(raw);
  });
  return Buffer.concat(out).subarray(0, n);
}

function openError(src: string, e: unknown): TrafficError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new TrafficError(MSG.notFound(src), src);
  return new TrafficError(MSG.unreadable(src, (e as Error).message), src);
}

/** All bytes of the source, gunzipped if needed (binary formats: pcap, HAR). */
export async function readAll(src: Source): Promise<{ bytes: Buffer; error?: string }> {
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
  for await (const c of byteChunks(raw)) {
    if (typeof c === 'string') return { bytes: Buffer.concat(chunks), error: c };
    chunks.push(c);
  }
  return { bytes: Buffer.concat(chunks) };
}

/**
 * The source's bytes as a stream of chunks, decompressed when gzip. A decompression error
 * ends the stream with its message (a string) instead of throwing: what came before is kept.
 */
export async function* byteChunks(
  src: Source,
  chunkSize = 1 << 20,
  range?: readonly [number, number],
): AsyncGenerator<Buffer | string> {
  if (range && typeof src === 'string') {
    yield* fileChunks(src, chunkSize, range);
    return;
  }
  const gz = typeof src === 'string' ? await rawIsGzip(src) : isGzip(src);
  if (typeof src === 'string' && !gz) {
    yield* fileChunks(src, chunkSize);
    return;
  }
  let stream: Readable =
    typeof src === 'string' ? fs.createReadStream(src, { highWaterMark: chunkSize }) : Readable.from([src]);
  if (gz) stream = stream.pipe(zlib.createGunzip({ chunkSize: 256 * 1024 }));
  try {
    for await (const c of stream) yield c as Buffer;
  } catch (e) {
    yield `gzip: ${(e as Error).message}`;
  }
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
