/** Reading MRT files: raw, gzip (zlib) or bzip2 (bunzip.ts). No arquero here. */
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import { bunzip2Partial } from './bunzip.js';
import { MSG } from './messages.js';

/** A user mistake or unreadable input: one clear line, no stack. */
export class MrtError extends Error {
  override name = 'MrtError';
  readonly userFacing = true;
}

export type Compression = 'none' | 'gzip' | 'bzip2';

export function compressionOf(b: Uint8Array): Compression {
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  return 'none';
}

/** A bzip2 decompressor to use instead of the built-in one (bunzip.ts). */
export type Bunzip = (b: Uint8Array) => Promise<Uint8Array>;

export interface MrtLoadOptions {
  bunzip?: Bunzip;
  maxListed?: number;
}

/** The MRT bytes of a file: gzip (every member) and bzip2 (every stream) are decompressed. */
export async function readMrtBytes(file: string, opts: MrtLoadOptions = {}): Promise<Uint8Array> {
  const r = await readMrtSource(file, opts);
  if (r.problem !== null) throw new MrtError(r.problem);
  return r.bytes;
}

/**
 * The MRT bytes of a file, keeping what decompresses before damage: a cut or corrupt gzip/bzip2
 * file gives the bytes before the damage and `problem` saying what happened (decodeMrt then
 * reports it at the offset where the bytes end). Only an unreadable file throws.
 */
export async function readMrtSource(file: string, opts: MrtLoadOptions = {}): Promise<{ bytes: Uint8Array; problem: string | null }> {
  let raw: Uint8Array;
  try {
    raw = await fs.readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new MrtError(MSG.notFound(file));
    throw new MrtError(MSG.unreadable(file, err.message));
  }
  const kind = compressionOf(raw);
  if (kind === 'gzip') {
    try {
      return { bytes: zlib.gunzipSync(raw), problem: null };
    } catch (e) {
      // a sync flush hands back everything inflated before the damage
      let bytes: Uint8Array = new Uint8Array(0);
      try {
        bytes = zlib.gunzipSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } catch {
        // nothing usable
      }
      return { bytes, problem: MSG.decompress(file, 'gzip', (e as Error).message) };
    }
  }
  if (kind === 'bzip2') {
    if (opts.bunzip) {
      try {
        return { bytes: await opts.bunzip(raw), problem: null };
      } catch (e) {
        return { bytes: new Uint8Array(0), problem: MSG.decompress(file, 'bzip2', (e as Error).message) };
      }
    }
    const r = bunzip2Partial(raw);
    return { bytes: r.bytes, problem: r.error === null ? null : MSG.decompress(file, 'bzip2', r.error) };
  }
  return { bytes: raw, problem: null };
}
