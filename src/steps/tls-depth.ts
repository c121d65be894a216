/**
 * TLS in depth, built on `tls` (openssl s_client), dig and `openssl ocsp`:
 * - tlsPerAddress(host): one handshake per resolved address (A and AAAA) with the same SNI, and a
 *   comparison ("renewed on only some servers").
 * - originTls(host, origin): the handshake the edge makes to the origin (origin address, the
 *   site's SNI), read as Cloudflare's SSL modes do: no handshake -> 525; a certificate that fails
 *   verification -> 526 under Full (strict).
 * - cipherScan(host): which cipher suites the server accepts per protocol version, weak ones flagged.
 * - ocspQuery(cert, issuer): ask the certificate's OCSP responder (`openssl ocsp`).
 * - caaCheck(name): the CAA record set that applies to a name (climbing to the parents), and
 *   whether it allows a given CA.
 */
import net from 'node:net';
import { dig, type DigData } from './dig.js';
import { StepInputError } from './errors.js';
import { message } from './messages.js';
import { err, makeResult, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import { tls, TLS_VERSIONS, type TlsData, type TlsVersion } from './tls.js';
import * as v from './validate.js';

// ---------------------------------------------------------------- per address

export interface AddressTls {
  address: string;
  protocol: string | null;
  verification: string | null;
  subject: string | null;
  serial: string | null;
  notAfter: string | null;
  daysLeft: number | null;
  fingerprintSha256: string | null;
  error: string | null;
}

export interface PerAddressData {
  host: string;
  port: number;
  addresses: AddressTls[];
  /** Distinct leaf certificates presented (by fingerprint), with the addresses presenting each. */
  groups: { fingerprintSha256: string | null; notAfter: string | null; addresses: string[] }[];
  same: boolean;
}

export interface PerAddressOptions {
  port?: number;
  /** Addresses to try; default: A and AAAA of the host from `resolver` (or the system resolver). */
  addresses?: readonly string[];
  resolver?: string;
  caFile?: string;
  timeoutMs?: number;
  netns?: string;
}

/** One handshake per address of a host, the same SNI each time, and which certificates differ. */
export async function tlsPerAddress(host: string, opts: PerAddressOptions = {}): Promise<StepResult<PerAddressData>> {
  const h = v.hostname('host', host);
  const port = v.port('port', opts.port ?? 443);
  const given = opts.addresses?.map((a, i) => v.ip(`address ${i + 1}`, a));
  const resolver = opts.resolver !== undefined ? v.server('resolver', opts.resolver).text : undefined;
  const caFile = opts.caFile !== undefined ? v.filePath('caFile', opts.caFile) : undefined;
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  const common = { ...(opts.netns !== undefined ? { netns: opts.netns } : {}) };
  const transcript: Transcript[] = [];
  let addresses = given ?? [];
  if (!given) {
    const rs = await Promise.all(['A', 'AAAA'].map((type) => dig(h, { type, ...(resolver ? { server: resolver } : {}), ...common })));
    transcript.push(...rs.flatMap((r) => r.transcript));
    addresses = rs.flatMap((r) => r.data?.values ?? []).filter((a) => net.isIP(a) !== 0);
  }
  const results = await Promise.all(addresses.map((a) => tls(a, { port, servername: h, verifyHostname: h, probeVersions: false, ...(caFile ? { caFile } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...common })));
  transcript.push(...results.flatMap((r) => r.transcript));
  const rows: AddressTls[] = results.map((r, i) => {
    const leaf = r.data?.chain[0];
    return { address: addresses[i] as string, protocol: r.data?.protocol ?? null, verification: r.data?.verification?.reason ?? null, subject: leaf?.subject ?? null, serial: leaf?.serial ?? null, notAfter: leaf?.notAfter ?? null, daysLeft: leaf?.daysLeft ?? null, fingerprintSha256: leaf?.fingerprintSha256 ?? null, error: r.error?.message ?? null };
  });
  const byFp = new Map<string, PerAddressData['groups'][number]>();
  for (const r of rows) {
    const k = r.fingerprintSha256 ?? `none:${r.error ?? ''}`;
    const g = byFp.get(k) ?? { fingerprintSha256: r.fingerprintSha256, notAfter: r.notAfter, addresses: [] };
    g.addresses.push(r.address);
    byFp.set(k, g);
  }
  const groups = [...byFp.values()];
  const same = groups.length <= 1 && rows.every((r) => r.verification === rows[0]?.verification);
  const data: PerAddressData = { host: h, port, addresses: rows, groups, same };
  const failing = rows.filter((r) => r.verification !== 'ok');
  const error = addresses.length === 0 ? err('no-address', message.noAddresses(h)) : !same ? err('certificates-differ', message.certsDiffer(groups.map((g) => `${g.addresses.join(', ')}: ${g.notAfter ?? 'no certificate'}`))) : failing.length ? err(failing[0]?.verification ?? 'verify-failed', failing[0]?.error ?? '') : undefined;
  return makeResult('tls-per-address', { ok: !error, data, ...(error ? { error } : {}), transcript }, () => ({
    title: `TLS ${h}:${port} at ${rows.length} address(es): ${same ? 'same certificate' : `${groups.length} DIFFERENT certificates`}`,
    summary: [],
    tables: [{ columns: ['address', 'protocol', 'verification', 'subject', 'serial', 'not after', 'days left', 'sha256'], rows: rows.map((r) => [r.address, r.protocol, r.verification ?? r.error, r.subject, r.serial, r.notAfter, r.daysLeft, r.fingerprintSha256?.slice(0, 23) ?? '']) }],
  }));
}

// ---------------------------------------------------------------- edge -> origin

export type SslModeVerdict = 'ok' | '525' | '526';

export interface OriginTlsData {
  host: string;
  origin: string;
  port: number;
  tls: TlsData | null;
  /** What the edge would show: 525 (handshake failed), 526 (invalid certificate, Full (strict)), ok. */
  strict: SslModeVerdict;
  /** Under "Full" (certificate not validated) only a failed handshake breaks. */
  full: SslModeVerdict;
  explanation: string;
}

/** Connect to the origin address with the site's SNI, as the edge does, and read it as 525/526. */
export async function originTls(host: string, origin: string, opts: { port?: number; caFile?: string; timeoutMs?: number; netns?: string } = {}): Promise<StepResult<OriginTlsData>> {
  const h = v.hostname('host', host);
  const o = v.ip('origin', origin);
  const port = v.port('port', opts.port ?? 443);
  const r = await tls(o, { port, servername: h, verifyHostname: h, probeVersions: false, ...(opts.caFile !== undefined ? { caFile: v.filePath('caFile', opts.caFile) } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.netns !== undefined ? { netns: v.netns('netns', opts.netns) } : {}) });
  const d = r.data ?? null;
  const handshake = !!d?.cipher;
  const verified = d?.verification?.ok === true;
  const strict: SslModeVerdict = !handshake ? '525' : verified ? 'ok' : '526';
  const full: SslModeVerdict = handshake ? 'ok' : '525';
  const explanation = !handshake ? message.origin525(o, port, r.error?.message ?? '') : !verified ? message.origin526(o, d?.verification?.reason ?? 'verify-failed') : message.originOk(o, h);
  const data: OriginTlsData = { host: h, origin: o, port, tls: d, strict, full, explanation };
  return makeResult('tls-origin', { ok: strict === 'ok', data, ...(strict === 'ok' ? {} : { error: err(strict === '525' ? 'origin-525' : 'origin-526', explanation) }), transcript: r.transcript }, () => ({
    title: `origin ${o}:${port} for ${h}: Full ${full}, Full (strict) ${strict}`,
    summary: [['explanation', explanation], ['protocol', d?.protocol ?? ''], ['verification', d?.verification?.reason ?? ''], ['leaf', d?.chain[0]?.subject ?? '']],
  }));
}

// ---------------------------------------------------------------- cipher suites

export interface CipherResult {
  version: TlsVersion;
  cipher: string;
  accepted: boolean;
  /** Why this suite is weak, or null. */
  weak: string | null;
}

export interface CipherScanData {
  host: string;
  port: number;
  accepted: CipherResult[];
  tested: number;
  weak: CipherResult[];
}

/** Why an OpenSSL cipher description (`openssl ciphers -v` line) is weak, or null. Pure. */
export function cipherWeakness(version: TlsVersion, line: string): string | null {
  const f = Object.fromEntries(line.trim().split(/\s+/).slice(2).map((x) => x.split('=') as [string, string]));
  if (version === 'tls1' || version === 'tls1_1') return message.weakProtocol;
  if (/RC4|3DES|DES\(|NULL|IDEA|SEED/.test(f.Enc ?? '')) return message.weakCipher(f.Enc ?? '');
  if (f.Mac === 'MD5') return message.weakCipher('MD5');
  if (f.Kx === 'RSA') return message.noForwardSecrecy;
  if (f.Mac === 'SHA1') return message.cbcSha1;
  return null;
}

/** Try each cipher suite OpenSSL knows, per protocol version, and list what the server accepts. */
export async function cipherScan(host: string, opts: { port?: number; servername?: string; versions?: readonly TlsVersion[]; timeoutMs?: number; netns?: string } = {}): Promise<StepResult<CipherScanData>> {
  const h = v.host('host', host);
  const port = v.port('port', opts.port ?? 443);
  const sni = opts.servername !== undefined ? v.hostname('servername', opts.servername) : net.isIP(h) ? null : h;
  const versions = opts.versions ?? TLS_VERSIONS;
  for (const x of versions) if (!TLS_VERSIONS.includes(x)) throw new StepInputError('versions', String(x), message.badTlsVersion);
  const runOpts = { timeoutMs: opts.timeoutMs ?? 10_000, input: '', ...(opts.netns !== undefined ? { netns: v.netns('netns', opts.netns) } : {}) };
  const list = await run(['openssl', 'ciphers', '-v', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'], { timeoutMs: 10_000 });
  const transcript: Transcript[] = [list];
  const want: Record<TlsVersion, string> = { tls1: 'TLSv1', tls1_1: 'TLSv1', tls1_2: 'TLSv1.2', tls1_3: 'TLSv1.3' };
  const lines = list.stdout.split('\n').filter((l) => l.trim() && !/Kx=(?:[A-Z]*PSK|SRP)|Au=(?:None|PSK|SRP|DSS)/.test(l));
  const jobs: { version: TlsVersion; cipher: string; line: string }[] = [];
  for (const ver of versions) for (const l of lines) {
    const [name = '', proto = ''] = l.trim().split(/\s+/);
    if (proto === want[ver] || (ver !== 'tls1_3' && proto === 'SSLv3' && ver !== 'tls1_2') || (ver === 'tls1_2' && (proto === 'TLSv1' || proto === 'SSLv3'))) jobs.push({ version: ver, cipher: name, line: l });
  }
  const target = net.isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`;
  const results: CipherResult[] = [];
  for (let i = 0; i < jobs.length; i += 8) {
    const batch = jobs.slice(i, i + 8);
    const ts = await Promise.all(
      batch.map((j) => run(['openssl', 's_client', '-connect', target, ...(sni ? ['-servername', sni] : ['-noservername']), `-${j.version}`, ...(j.version === 'tls1_3' ? ['-ciphersuites', j.cipher] : ['-cipher', `${j.cipher}:@SECLEVEL=0`]), '-brief'], runOpts)),
    );
    transcript.push(...ts);
    batch.forEach((j, k) => {
      const out = `${ts[k]?.stdout ?? ''}\n${ts[k]?.stderr ?? ''}`;
      const accepted = new RegExp(`Ciphersuite: ${j.cipher.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(out);
      results.push({ version: j.version, cipher: j.cipher, accepted, weak: cipherWeakness(j.version, j.line) });
    });
  }
  const accepted = results.filter((r) => r.accepted);
  const weak = accepted.filter((r) => r.weak);
  const data: CipherScanData = { host: h, port, accepted, tested: results.length, weak };
  return makeResult('tls-ciphers', { ok: weak.length === 0 && accepted.length > 0, data, ...(weak.length ? { error: err('weak-ciphers', message.weakAccepted(weak.length)) } : accepted.length ? {} : { error: err('handshake-failed', message.tlsHandshake) }), transcript }, () => ({
    title: `${h}:${port} accepts ${accepted.length} of ${results.length} cipher suites${weak.length ? `, ${weak.length} WEAK` : ''}`,
    summary: [],
    tables: [{ columns: ['version', 'cipher', 'weak'], rows: accepted.map((r) => [r.version, r.cipher, r.weak ?? '']) }],
  }));
}

// ---------------------------------------------------------------- OCSP

export interface OcspData {
  url: string;
  status: 'good' | 'revoked' | 'unknown' | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  revocationTime: string | null;
  /** The response signature verified against the CA file. */
  verified: boolean;
  /** nextUpdate in the past (or openssl's "Status times invalid"). */
  stale: boolean;
}

/** Parse `openssl ocsp` output (stdout + stderr). Pure. */
export function parseOcsp(text: string, now = Date.now()): Omit<OcspData, 'url'> {
  const st = /^[^\n:]+: (good|revoked|unknown)\s*$/m.exec(text);
  const date = (re: RegExp) => {
    const m = re.exec(text);
    if (!m) return null;
    const t = Date.parse(`${(m[1] as string).trim()}`);
    return Number.isNaN(t) ? (m[1] as string).trim() : new Date(t).toISOString();
  };
  const nextUpdate = date(/^\s*Next Update: (.*)$/m);
  return {
    status: (st?.[1] as OcspData['status'] | undefined) ?? null,
    thisUpdate: date(/^\s*This Update: (.*)$/m),
    nextUpdate,
    revocationTime: date(/^\s*Revocation Time: (.*)$/m),
    verified: /Response verify OK/.test(text),
    stale: /Status times invalid|status expired/i.test(text) || (nextUpdate !== null && Date.parse(nextUpdate) < now),
  };
}

/** Ask the OCSP responder about a certificate (PEM files); url default: the certificate's AIA. */
export async function ocspQuery(certFile: string, issuerFile: string, opts: { url?: string; caFile?: string; timeoutMs?: number; netns?: string } = {}): Promise<StepResult<OcspData>> {
  const cert = v.filePath('cert', certFile);
  const issuer = v.filePath('issuer', issuerFile);
  const caFile = opts.caFile !== undefined ? v.filePath('caFile', opts.caFile) : undefined;
  let url = opts.url !== undefined ? v.url('url', opts.url).href : null;
  const transcript: Transcript[] = [];
  if (!url) {
    const t = await run(['openssl', 'x509', '-in', cert, '-noout', '-ocsp_uri'], { timeoutMs: 10_000 });
    transcript.push(t);
    url = t.stdout.trim().split('\n')[0] || null;
  }
  if (!url) return makeResult('ocsp', { ok: false, error: err('no-ocsp-url', message.noOcspUrl), transcript }, () => ({ title: 'OCSP', summary: [] }));
  const t = await run(['openssl', 'ocsp', '-issuer', issuer, '-cert', cert, '-url', url, '-no_nonce', '-resp_text', ...(caFile ? ['-CAfile', caFile] : ['-noverify'])], { timeoutMs: opts.timeoutMs ?? 15_000, ...(opts.netns !== undefined ? { netns: v.netns('netns', opts.netns) } : {}) });
  transcript.push(t);
  const p = parseOcsp(`${t.stdout}\n${t.stderr}`);
  const data: OcspData = { url, ...p };
  const error = t.timedOut ? err('timeout', message.timedOut('openssl ocsp', opts.timeoutMs ?? 15_000)) : !p.status ? err('ocsp-failed', message.ocspFailed(url, t.stderr)) : p.status === 'revoked' ? err('revoked', message.ocspRevoked(p.revocationTime)) : p.stale ? err('ocsp-stale', message.ocspStale(p.nextUpdate)) : p.status === 'unknown' ? err('ocsp-unknown', message.ocspUnknown) : undefined;
  return makeResult('ocsp', { ok: !error, data, ...(error ? { error } : {}), transcript }, () => ({
    title: `OCSP ${url}: ${p.status ?? 'no answer'}${p.stale ? ' (STALE response)' : ''}`,
    summary: [['this update', p.thisUpdate ?? ''], ['next update', p.nextUpdate ?? ''], ['revoked at', p.revocationTime ?? ''], ['signature verified', p.verified]],
  }));
}

// ---------------------------------------------------------------- CAA

export interface CaaData {
  name: string;
  /** The name whose CAA set applies (the name itself or the closest parent with one), or null. */
  foundAt: string | null;
  records: { flags: number; tag: string; value: string }[];
  /** CA domains allowed to issue (issue tag); empty with records present = none may issue. */
  issuers: string[];
  /** When `ca` was given: whether it may issue; null without records (anyone may). */
  allowed: boolean | null;
  ca: string | null;
}

/** Parse CAA rdata "0 issue \"letsencrypt.org\"". Pure. */
export function parseCaa(rdata: string): { flags: number; tag: string; value: string } | null {
  const m = /^(\d+)\s+(\S+)\s+"?(.*?)"?$/.exec(rdata.trim());
  return m ? { flags: Number(m[1]), tag: (m[2] as string).toLowerCase(), value: m[3] as string } : null;
}

/** The CAA records that govern a name (RFC 8659: climb to the parents), and whether `ca` may issue. */
export async function caaCheck(name: string, opts: { ca?: string; server?: string; netns?: string } = {}): Promise<StepResult<CaaData>> {
  const n = v.hostname('name', name).replace(/\.$/, '').toLowerCase();
  const ca = opts.ca !== undefined ? v.hostname('ca', opts.ca).toLowerCase() : null;
  const server = opts.server !== undefined ? v.server('server', opts.server).text : undefined;
  const common = { type: 'CAA', ...(server ? { server } : {}), ...(opts.netns !== undefined ? { netns: v.netns('netns', opts.netns) } : {}) };
  const labels = n.split('.');
  const transcript: Transcript[] = [];
  let found: DigData | null = null;
  let foundAt: string | null = null;
  for (let i = 0; i < labels.length - 1 && !found; i++) {
    const at = labels.slice(i).join('.');
    const r = await dig(at, common);
    transcript.push(...r.transcript);
    if (r.data && r.data.values.length) {
      found = r.data;
      foundAt = at;
    }
  }
  const records = (found?.values ?? []).map(parseCaa).filter((x): x is NonNullable<typeof x> => x !== null);
  const issuers = records.filter((r) => r.tag === 'issue').map((r) => r.value.split(';')[0]!.trim().toLowerCase()).filter(Boolean);
  const allowed = records.length === 0 ? null : ca === null ? null : issuers.includes(ca);
  const data: CaaData = { name: n, foundAt, records, issuers, allowed, ca };
  const forbidden = allowed === false;
  return makeResult('caa', { ok: !forbidden, data, ...(forbidden ? { error: err('caa-forbids', message.caaForbids(ca ?? '', foundAt ?? n, issuers)) } : {}), transcript }, () => ({
    title: `CAA for ${n}: ${records.length ? `${issuers.join(', ') || 'no CA'} may issue (set at ${foundAt})` : 'none (any CA may issue)'}`,
    summary: ca ? [['CA checked', `${ca}: ${allowed === null ? 'allowed (no CAA)' : allowed ? 'allowed' : 'FORBIDDEN'}`]] : [],
    tables: [{ columns: ['flags', 'tag', 'value'], rows: records.map((r) => [r.flags, r.tag, r.value]) }],
  }));
}
