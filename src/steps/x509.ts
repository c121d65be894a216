/**
 * Certificates: a pure parser of `openssl x509 -text` output (one or many certificates, e.g. a
 * saved file) and `readCertificates`, a step that runs `openssl x509 -noout -text` on every
 * certificate of a PEM chain (text or file) and returns one CertInfo per certificate, in order.
 * Fingerprints are computed from the DER bytes here (sha256/sha1), not parsed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { StepInputError } from './errors.js';
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import * as v from './validate.js';

export interface CertInfo {
  /** Position in the chain as presented (0 = leaf). */
  index: number;
  /** Distinguished names as `CN=..., O=..., C=...` (openssl order, "=" without spaces). */
  subject: string;
  issuer: string;
  commonName: string | null;
  /** SAN entries as printed: "DNS:www.example", "IP Address:127.0.0.1". */
  sans: string[];
  serial: string;
  /** ISO 8601 */
  notBefore: string;
  notAfter: string;
  /** Whole days from now until notAfter (negative once expired). */
  daysLeft: number;
  expired: boolean;
  notYetValid: boolean;
  /** "RSA", "EC", "Ed25519", "Ed448", "DSA" or the raw algorithm name. */
  keyType: string;
  keyBits: number | null;
  /** EC curve ("P-256", "prime256v1" ...) when known. */
  curve: string | null;
  signatureAlgorithm: string;
  isCA: boolean;
  selfIssued: boolean;
  keyUsage: string[];
  extendedKeyUsage: string[];
  ocspUrls: string[];
  /** Colon-separated upper-case hex; null when parsed from text without the PEM. */
  fingerprintSha256: string | null;
  fingerprintSha1: string | null;
}

const DAY = 86_400_000;

/** "CN = a, O = b" and "CN=a, O=b" -> "CN=a, O=b". */
export function normalizeDn(dn: string): string {
  return dn.trim().replace(/\s*=\s*/g, '=');
}

export function commonNameOf(dn: string): string | null {
  const m = /(?:^|,\s*|\/)CN=([^,/]+)/.exec(normalizeDn(dn));
  return m ? (m[1] as string).trim() : null;
}

/** "Nov 24 01:32:46 2026 GMT" -> ISO 8601. */
export function opensslDate(s: string): string {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s*GMT$/.exec(s.trim());
  if (!m) return s.trim();
  const mon = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[1] as string) / 3;
  return new Date(Date.UTC(Number(m[6]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))).toISOString().replace('.000Z', 'Z');
}

/** The PEM certificate blocks in a text, in order. */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

export function fingerprints(pem: string): { sha256: string; sha1: string } {
  const der = Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
  const hex = (alg: string) => (crypto.createHash(alg).update(der).digest('hex').toUpperCase().match(/../g) ?? []).join(':');
  return { sha256: hex('sha256'), sha1: hex('sha1') };
}

function keyTypeName(alg: string): string {
  if (/rsa/i.test(alg)) return 'RSA';
  if (/id-ecPublicKey|^EC$/i.test(alg)) return 'EC';
  if (/ED25519/i.test(alg)) return 'Ed25519';
  if (/ED448/i.test(alg)) return 'Ed448';
  if (/dsa/i.test(alg)) return 'DSA';
  return alg;
}

/** Parse one or more certificates from `openssl x509 -text` (or `-noout -text`) output. Pure. */
export function parseX509Text(text: string, now = Date.now()): CertInfo[] {
  const blocks = text.split(/^(?=Certificate:\s*$)/m).filter((b) => /^Certificate:/m.test(b));
  return blocks.map((b, index) => {
    const lines = b.split('\n').map((l) => l.replace(/\r$/, ''));
    const get = (re: RegExp) => {
      for (const l of lines) {
        const m = re.exec(l);
        if (m) return (m[1] as string).trim();
      }
      return '';
    };
    // Value of an extension: the indented line(s) after its header.
    const ext = (name: string): string[] => {
      const i = lines.findIndex((l) => new RegExp(`^\\s+${name}:\\s*(critical)?\\s*$`).test(l));
      if (i < 0) return [];
      const indent = /^(\s*)/.exec(lines[i] as string)?.[1]?.length ?? 0;
      const out: string[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        const l = lines[j] as string;
        const ind = /^(\s*)/.exec(l)?.[1]?.length ?? 0;
        if (ind <= indent || !l.trim()) break;
        out.push(l.trim());
      }
      return out;
    };
    let serial = get(/^\s+Serial Number:\s*(\S.*)$/);
    if (!serial) {
      const i = lines.findIndex((l) => /^\s+Serial Number:\s*$/.test(l));
      serial = i >= 0 ? (lines[i + 1] ?? '').trim() : '';
    }
    serial = serial.replace(/\s*\(0x[0-9a-f]+\)$/i, (m) => m).trim();
    const subject = normalizeDn(get(/^\s+Subject:\s*(.*)$/));
    const issuer = normalizeDn(get(/^\s+Issuer:\s*(.*)$/));
    const notBefore = opensslDate(get(/^\s+Not Before\s*:\s*(.*)$/));
    const notAfter = opensslDate(get(/^\s+Not After\s*:\s*(.*)$/));
    const alg = get(/^\s+Public Key Algorithm:\s*(.*)$/);
    const bits = get(/(?:Public-Key|RSA Public-Key):\s*\((\d+) bit\)/);
    const curve = get(/^\s+NIST CURVE:\s*(.*)$/) || get(/^\s+ASN1 OID:\s*(.*)$/) || null;
    const sans = ext('X509v3 Subject Alternative Name').join(', ').split(/,\s*/).filter(Boolean);
    const basic = ext('X509v3 Basic Constraints').join(' ');
    const aia = ext('Authority Information Access');
    const after = Date.parse(notAfter);
    const before = Date.parse(notBefore);
    return {
      index,
      subject,
      issuer,
      commonName: commonNameOf(subject),
      sans,
      serial,
      notBefore,
      notAfter,
      daysLeft: Number.isNaN(after) ? 0 : Math.floor((after - now) / DAY),
      expired: after < now,
      notYetValid: before > now,
      keyType: keyTypeName(alg),
      keyBits: bits ? Number(bits) : null,
      curve,
      signatureAlgorithm: get(/^\s+Signature Algorithm:\s*(.*)$/),
      isCA: /CA:TRUE/.test(basic),
      selfIssued: subject !== '' && subject === issuer,
      keyUsage: ext('X509v3 Key Usage').join(', ').split(/,\s*/).filter(Boolean),
      extendedKeyUsage: ext('X509v3 Extended Key Usage').join(', ').split(/,\s*/).filter(Boolean),
      ocspUrls: aia.filter((l) => /^OCSP - URI:/.test(l)).map((l) => l.replace(/^OCSP - URI:/, '')),
      fingerprintSha256: null,
      fingerprintSha1: null,
    };
  });
}

/** Run `openssl x509 -noout -text` on each PEM block; returns infos + transcripts. */
export async function describePems(pems: readonly string[], opts: { timeoutMs?: number } = {}): Promise<{ certs: CertInfo[]; transcript: Transcript[]; failed: number }> {
  const transcript: Transcript[] = [];
  const certs: CertInfo[] = [];
  let failed = 0;
  for (const [i, pem] of pems.entries()) {
    const t = await run(['openssl', 'x509', '-noout', '-text'], { input: `${pem}\n`, timeoutMs: opts.timeoutMs ?? 10_000 });
    transcript.push(t);
    const info = t.exitCode === 0 ? parseX509Text(t.stdout)[0] : undefined;
    if (!info) {
      failed += 1;
      continue;
    }
    const fp = fingerprints(pem);
    certs.push({ ...info, index: i, fingerprintSha256: fp.sha256, fingerprintSha1: fp.sha1 });
  }
  return { certs, transcript, failed };
}

export function certRows(certs: readonly CertInfo[]): unknown[][] {
  return certs.map((c) => [
    c.index,
    c.subject,
    c.issuer,
    c.sans.join(', '),
    c.notBefore,
    c.notAfter,
    c.daysLeft,
    `${c.keyType}${c.keyBits ? ` ${c.keyBits}` : ''}${c.curve ? ` ${c.curve}` : ''}`,
    c.signatureAlgorithm,
    c.fingerprintSha256 ?? '',
  ]);
}

export const CERT_COLUMNS = ['#', 'subject', 'issuer', 'SANs', 'not before', 'not after', 'days left', 'key', 'signature', 'sha256'];

function showCerts(r: StepResult<CertInfo[]>): Shown {
  const certs = r.data ?? [];
  const leaf = certs[0];
  return {
    title: `certificates: ${certs.length}${leaf ? `, leaf ${leaf.commonName ?? leaf.subject}` : ''}`,
    summary: [
      ['count', certs.length],
      ['leaf expires', leaf ? `${leaf.notAfter} (${leaf.daysLeft} days)` : ''],
    ],
    tables: [{ columns: CERT_COLUMNS, rows: certRows(certs) }],
  };
}

/**
 * Read the certificates of a PEM chain: `source` is PEM text, or the path of a PEM file.
 * ok is false when a block could not be read; certificate expiry is reported, not an error.
 */
export async function readCertificates(source: string): Promise<StepResult<CertInfo[]>> {
  let text: string;
  if (typeof source === 'string' && source.includes('-----BEGIN')) text = source;
  else {
    const file = v.filePath('file', source);
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new StepInputError('file', file, message.badFile);
    }
  }
  const pems = splitPem(text);
  if (pems.length === 0) return makeResult('x509', { ok: false, data: [], error: err('no-certificate', message.x509Parse), transcript: [] }, showCerts);
  const { certs, transcript, failed } = await describePems(pems);
  return makeResult('x509', { ok: failed === 0, data: certs, ...(failed ? { error: err('unreadable-certificate', message.x509Parse) } : {}), transcript }, showCerts);
}
