import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/**
 * QUIC v1 client Initial packets (RFC 9001 §5): their keys derive from the client's Destination
 * Connection ID, so any observer can decrypt them and read the TLS ClientHello inside CRYPTO
 * frames. That is how JA4 gets its `q` fingerprints for HTTP/3 clients.
 */

const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');

function hkdfExtract(salt: Buffer, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}

function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  // length <= 32: one HMAC block
  return createHmac('sha256', secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, length);
}

interface Keys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

const keyCache = new Map<string, Keys>();

function clientKeys(dcid: Uint8Array): Keys {
  const id = Buffer.from(dcid).toString('hex');
  let k = keyCache.get(id);
  if (!k) {
    const initial = hkdfExtract(SALT_V1, dcid);
    const client = hkdfExpandLabel(initial, 'client in', 32);
    k = { key: hkdfExpandLabel(client, 'quic key', 16), iv: hkdfExpandLabel(client, 'quic iv', 12), hp: hkdfExpandLabel(client, 'quic hp', 16) };
    if (keyCache.size > 10000) keyCache.clear();
    keyCache.set(id, k);
  }
  return k;
}

/** Reads a QUIC variable-length integer at o: [value, bytes used], or null past the end. */
function varint(b: Uint8Array, o: number): [number, number] | null {
  if (o >= b.length) return null;
  const first = b[o] as number;
  const len = 1 << (first >> 6);
  if (o + len > b.length) return null;
  let v = first & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + (b[o + i] as number);
  return [v, len];
}

/** Is this UDP payload a QUIC v1 long-header Initial packet? */
export function isQuicInitial(p: Uint8Array): boolean {
  return p.length >= 1200 - 64 && ((p[0] as number) & 0xf0) === 0xc0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 1;
}

export interface CryptoChunk {
  dcid: string;
  offset: number;
  data: Uint8Array;
}

/**
 * Decrypts a client Initial and returns its CRYPTO frame data (with stream offsets), or null when
 * it is not one (a server Initial fails authentication with client keys, by design).
 */
export function quicInitialCrypto(p: Uint8Array): CryptoChunk[] | null {
  if (!isQuicInitial(p)) return null;
  let o = 5;
  const dcidLen = p[o] as number;
  const dcid = p.subarray(o + 1, o + 1 + dcidLen);
  o += 1 + dcidLen;
  const scidLen = p[o] as number;
  o += 1 + scidLen;
  const tok = varint(p, o);
  if (!tok) return null;
  o += tok[1] + tok[0];
  const len = varint(p, o);
  if (!len) return null;
  o += len[1];
  const pnOffset = o;
  const end = pnOffset + len[0];
  if (end > p.length || pnOffset + 4 + 16 > end) return null;
  const k = clientKeys(dcid);
  const mask = createCipheriv('aes-128-ecb', k.hp, null).update(p.subarray(pnOffset + 4, pnOffset + 20));
  const header = Buffer.from(p.subarray(0, pnOffset + 4));
  header[0] = (header[0] as number) ^ ((mask[0] as number) & 0x0f);
  const pnLen = ((header[0] as number) & 0x03) + 1;
  const nonce = Buffer.from(k.iv);
  for (let i = 0; i < pnLen; i++) {
    const pb = (p[pnOffset + i] as number) ^ (mask[1 + i] as number);
    header[pnOffset + i] = pb;
    nonce[12 - pnLen + i] = (nonce[12 - pnLen + i] as number) ^ pb;
  }
  const aad = header.subarray(0, pnOffset + pnLen);
  const body = p.subarray(pnOffset + pnLen, end);
  if (body.length < 17) return null;
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-128-gcm', k.key, nonce);
    d.setAAD(aad);
    d.setAuthTag(body.subarray(body.length - 16));
    plain = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
  } catch {
    return null;
  }
  const out: CryptoChunk[] = [];
  const id = Buffer.from(dcid).toString('hex');
  let q = 0;
  while (q < plain.length) {
    const t = varint(plain, q);
    if (!t) break;
    q += t[1];
    const type = t[0];
    if (type === 0x00 || type === 0x01) continue; // PADDING, PING
    if (type === 0x02 || type === 0x03) {
      // ACK: largest, delay, range count, first range, ranges, [ECN counts]
      const vals: number[] = [];
      for (let i = 0; i < 4; i++) {
        const v = varint(plain, q);
        if (!v) return out;
        vals.push(v[0]);
        q += v[1];
      }
      const extra = (vals[2] as number) * 2 + (type === 0x03 ? 3 : 0);
      for (let i = 0; i < extra; i++) {
        const v = varint(plain, q);
        if (!v) return out;
        q += v[1];
      }
      continue;
    }
    if (type === 0x06) {
      const off = varint(plain, q);
      if (!off) break;
      q += off[1];
      const l = varint(plain, q);
      if (!l) break;
      q += l[1];
      out.push({ dcid: id, offset: off[0], data: plain.subarray(q, q + l[0]) });
      q += l[0];
      continue;
    }
    break; // CONNECTION_CLOSE or anything else: no more CRYPTO data here
  }
  return out;
}
