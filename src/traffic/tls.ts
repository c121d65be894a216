import { createHash } from 'node:crypto';

/** What a TLS ClientHello says about the client, and its fingerprints. */
export interface ClientHello {
  /** legacy_version, e.g. 0x0303 */
  version: number;
  ciphers: number[];
  /** extension types in wire order */
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  signatureAlgorithms: number[];
  supportedVersions: number[];
  alpn: string[];
  sni: string | null;
  ja3: string;
  ja3Hash: string;
  ja4: string;
  ja4r: string;
}

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
export const isGrease = (v: number): boolean => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

const u16 = (b: Uint8Array, o: number): number => ((b[o] as number) << 8) | (b[o + 1] as number);

/**
 * Length of the TLS handshake message that starts this TCP payload, if it is a ClientHello:
 * the bytes needed (record headers included) to parse it, or 0 if this is not a ClientHello.
 */
export function clientHelloNeeds(p: Uint8Array): number {
  if (p.length < 6 || p[0] !== 0x16 || p[1] !== 0x03 || (p[2] as number) > 0x04 || p[5] !== 0x01) return 0;
  const recLen = u16(p, 3);
  if (recLen === 0) return 0;
  if (p.length < 9) return 5 + recLen;
  const hsLen = ((p[6] as number) << 16) | ((p[7] as number) << 8) | (p[8] as number);
  // a ClientHello may span several records; each later record adds a 5-byte header
  const bodyInFirst = recLen - 4;
  if (hsLen <= bodyInFirst) return 5 + recLen;
  const rest = hsLen - bodyInFirst;
  return 5 + recLen + rest + 5 * Math.ceil(rest / 16384);
}

/** Concatenates the handshake bytes of consecutive handshake records (drops record headers). */
function handshakeBytes(p: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let o = 0;
  while (o + 5 <= p.length && p[o] === 0x16) {
    const len = u16(p, o + 3);
    parts.push(p.subarray(o + 5, Math.min(p.length, o + 5 + len)));
    o += 5 + len;
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
const sha12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

function tlsVersionCode(v: number): string {
  switch (v) {
    case 0x0304:
      return '13';
    case 0x0303:
      return '12';
    case 0x0302:
      return '11';
    case 0x0301:
      return '10';
    case 0x0300:
      return 's3';
    case 0x0002:
      return 's2';
    case 0xfeff:
      return 'd1';
    case 0xfefd:
      return 'd2';
    case 0xfefc:
      return 'd3';
    default:
      return '00';
  }
}

const alnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * Parses a ClientHello from a TCP payload starting with its TLS record, and computes JA3
 * (salesforce: md5 of `version,ciphers,extensions,groups,point formats`, GREASE removed) and JA4
 * (FoxIO JA4 TLS client, BSD-3-Clause: `t{ver}{d|i}{nc}{ne}{alpn}_{sha256/12 sorted ciphers}_{sha256/12
 * sorted extensions minus SNI/ALPN + '_' + signature algorithms}`). Null if malformed/incomplete.
 */
export function parseClientHello(payload: Uint8Array, proto: 't' | 'q' | 'd' = 't'): ClientHello | null {
  return parseClientHelloMessage(handshakeBytes(payload), proto);
}

/** Like parseClientHello, from the handshake message itself (QUIC carries it without TLS records). */
export function parseClientHelloMessage(h: Uint8Array, proto: 't' | 'q' | 'd' = 't'): ClientHello | null {
  if (h.length < 4 || h[0] !== 0x01) return null;
  const len = ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number);
  if (h.length < 4 + len) return null;
  const b = h.subarray(4, 4 + len);
  try {
    let o = 0;
    const need = (n: number) => {
      if (o + n > b.length) throw new RangeError('short');
    };
    need(2 + 32 + 1);
    const version = u16(b, 0);
    o = 34;
    const sidLen = b[o] as number;
    o += 1 + sidLen;
    need(2);
    const csLen = u16(b, o);
    o += 2;
    need(csLen);
    const ciphers: number[] = [];
    for (let i = 0; i + 1 < csLen; i += 2) ciphers.push(u16(b, o + i));
    o += csLen;
    need(1);
    const compLen = b[o] as number;
    o += 1 + compLen;
    const extensions: number[] = [];
    const groups: number[] = [];
    const pointFormats: number[] = [];
    const signatureAlgorithms: number[] = [];
    const supportedVersions: number[] = [];
    const alpn: string[] = [];
    let sni: string | null = null;
    if (o + 2 <= b.length) {
      const extTotal = u16(b, o);
      o += 2;
      const end = Math.min(b.length, o + extTotal);
      while (o + 4 <= end) {
        const type = u16(b, o);
        const elen = u16(b, o + 2);
        const d = b.subarray(o + 4, Math.min(end, o + 4 + elen));
        o += 4 + elen;
        extensions.push(type);
        if (type === 0 && d.length >= 5) {
          // server_name list: type(1)=0 host_name, len(2), name
          const nlen = u16(d, 3);
          sni = Buffer.from(d.subarray(5, 5 + nlen)).toString('latin1');
        } else if (type === 10 && d.length >= 2) {
          const l = u16(d, 0);
          for (let i = 2; i + 1 < 2 + l && i + 1 < d.length; i += 2) groups.push(u16(d, i));
        } else if (type === 11 && d.length >= 1) {
          for (let i = 1; i < 1 + (d[0] as number) && i < d.length; i++) pointFormats.push(d[i] as number);
        } else if (type === 13 && d.length >= 2) {
          const l = u16(d, 0);
          for (let i = 2; i + 1 < 2 + l && i + 1 < d.length; i += 2) signatureAlgorithms.push(u16(d, i));
        } else if (type === 43 && d.length >= 1) {
          for (let i = 1; i + 1 < 1 + (d[0] as number) && i + 1 < d.length; i += 2) supportedVersions.push(u16(d, i));
        } else if (type === 16 && d.length >= 2) {
          let i = 2;
          const l = u16(d, 0);
          while (i < 2 + l && i < d.length) {
            const n = d[i] as number;
            alpn.push(Buffer.from(d.subarray(i + 1, i + 1 + n)).toString('latin1'));
            i += 1 + n;
          }
        }
      }
    }
    const ng = (a: number[]) => a.filter((v) => !isGrease(v));
    const ja3 = [
      version,
      ng(ciphers).join('-'),
      ng(extensions).join('-'),
      ng(groups).join('-'),
      pointFormats.join('-'),
    ].join(',');
    const ja3Hash = createHash('md5').update(ja3).digest('hex');

    const sv = ng(supportedVersions);
    const ver = tlsVersionCode(sv.length ? Math.max(...sv) : version);
    const cs = ng(ciphers);
    const ex = ng(extensions);
    const first = alpn[0] ?? '';
    let a = '00';
    if (first.length > 0) {
      const c0 = first.charCodeAt(0);
      const c1 = first.charCodeAt(first.length - 1);
      if (alnum(c0) && alnum(c1)) a = first[0]! + first[first.length - 1]!;
      else {
        const hx = Buffer.from(first, 'latin1').toString('hex');
        a = hx[0]! + hx[hx.length - 1]!;
      }
    }
    const two = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
    const prefix = `${proto}${ver}${sni !== null ? 'd' : 'i'}${two(cs.length)}${two(ex.length)}${a}`;
    const csList = cs.map(hex4).sort().join(',');
    const exList = ex.filter((e) => e !== 0 && e !== 16).map(hex4).sort().join(',');
    const sig = signatureAlgorithms.map(hex4).join(',');
    const cPart = sig ? `${exList}_${sig}` : exList;
    const ja4 = `${prefix}_${cs.length ? sha12(csList) : '000000000000'}_${ex.length ? sha12(cPart) : '000000000000'}`;
    const ja4r = `${prefix}_${csList}_${cPart}`;
    return { version, ciphers, extensions, groups, pointFormats, signatureAlgorithms, supportedVersions, alpn, sni, ja3, ja3Hash, ja4, ja4r };
  } catch {
    return null;
  }
}
