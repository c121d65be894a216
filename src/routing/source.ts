/** Reading MRT files: raw, gzip (zlib) or bzip2 (bunzip.ts). No arquero here. */
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import { bunzip2 } from './bunzip.js';
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
      return zlib.gunzipSync(raw);
    } catch (e) {
      throw new MrtError(MSG.decompress(file, 'gzip', (e as Error).message));
    }
  }
  if (kind === 'bzip2') {
    try {
      return opts.bunzip ? await opts.bunzip(raw) : bunzip2(raw);
    } catch (e) {
      throw new MrtError(MSG.decompress(file, 'bzip2', (e as Error).message));
    }
  }
  return raw;
}

