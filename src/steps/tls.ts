/**
 * TLS as a step, with `openssl s_client` (+ `openssl x509` per presented certificate): the full
 * chain as presented, verification outcome and reason, negotiated protocol and cipher, ALPN,
 * OCSP stapling, and which TLS versions the server accepts (one s_client per version).
 *
 * SNI: sent by default for host names (servername = host); `servername: 'x'` sends x,
 * `servername: false` sends none (what an old client or an IP-only probe does).
 */
import { StepInputError } from './errors.js';
import { message, verifyReason } from './messages.js';
import { err, makeResult, type Shown, type StepError, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import * as v from './validate.js';
import { CERT_COLUMNS, certRows, describePems, normalizeDn, splitPem, type CertInfo } from './x509.js';
import net from 'node:net';

export type TlsVersion = 'tls1' | 'tls1_1' | 'tls1_2' | 'tls1_3';
export const TLS_VERSIONS: readonly TlsVersion[] = ['tls1', 'tls1_1', 'tls1_2', 'tls1_3'];

export interface ChainEntry {
  depth: number;
  subject: string;
  issuer: string;
}

export interface TlsVerification {
  ok: boolean;
  /** openssl verify code (0 = ok). */
  code: number;
  text: string;
  /** ok | expired | not-yet-valid | hostname-mismatch | missing-intermediate | self-signed | untrusted-root | unknown-issuer | verify-failed */
  reason: string;
}

export interface TlsData {
  host: string;
  port: number;
  /** SNI sent, or null. */
  servername: string | null;
  /** Name checked against the certificate, or null. */
  verifyHostname: string | null;
  connected: boolean;
  /** "TLSv1.3", or null when no handshake completed. */
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  /** Presented chain, leaf first, with details from openssl x509. */
  chain: CertInfo[];
  /** s:/i: lines as printed by s_client (also present when PEMs were not parsed). */
  chainSummary: ChainEntry[];
  verification: TlsVerification | null;
  ocspStapled: boolean;
  /** "good", "revoked", "unknown" from a stapled response, else null. */
  ocspStatus: string | null;
  serverTempKey: string | null;
  /** Which versions the server accepted; null when not probed. */
  versions: Record<TlsVersion, boolean> | null;
}

export interface TlsOptions {
  port?: number;
  /** SNI to send; default the host when it is a name; false = send none. */
  servername?: string | false;
  /** CA bundle (PEM) to verify against; default the system store. */
  caFile?: string;
  /** Name to verify the certificate for; default the servername; false = do not check names. */
  verifyHostname?: string | false;
  /** ALPN protocols to offer, e.g. "h2,http/1.1". */
  alpn?: string;
  /** Probe which TLS versions are accepted (4 extra handshakes; default true). */
  probeVersions?: boolean;
  /** Only this version for the main handshake. */
  version?: TlsVersion;
  timeoutMs?: number;
  netns?: string;
}

export interface SClientParsed {
  connected: boolean;
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  chainSummary: ChainEntry[];
  pems: string[];
  verifyCode: number | null;
  verifyText: string | null;
  ocspStapled: boolean;
  ocspStatus: string | null;
  serverTempKey: string | null;
  connectError: string | null;
}

/** Parse `openssl s_client` stdout (+ stderr for connect errors). Pure; works on saved output. */
export function parseSClient(stdout: string, stderr = ''): SClientParsed {
  const lines = stdout.split('\n').map((l) => l.replace(/\r$/, ''));
  const chain: ChainEntry[] = [];
  let m: RegExpExecArray | null;
  for (let i = 0; i < lines.length; i++) {
    if ((m = /^\s*(\d+) s:(.*)$/.exec(lines[i] as string))) {
      const im = /^\s*i:(.*)$/.exec(lines[i + 1] ?? '');
      chain.push({ depth: Number(m[1]), subject: normalizeDn(m[2] as string), issuer: im ? normalizeDn(im[1] as string) : '' });
    }
  }
  const text = stdout;
  // Only PEMs inside the "Certificate chain" section (the OCSP block may print the responder cert).
  const chainStart = text.indexOf('\nCertificate chain');
  const chainEnd = chainStart >= 0 ? text.indexOf('\n---\n', chainStart + 1) : -1;
  const pems = chainStart >= 0 ? splitPem(text.slice(chainStart, chainEnd > 0 ? chainEnd : undefined)) : [];
  if (pems.length === 0) {
    const sc = text.indexOf('Server certificate');
    if (sc >= 0) pems.push(...splitPem(text.slice(sc)).slice(0, 1));
  }
  const nw = /^New, (\(NONE\)|[^,]+), Cipher is (.*)$/m.exec(text);
  const proto = nw && nw[1] !== '(NONE)' ? (nw[1] as string) : (/^\s+Protocol\s+:\s*(\S+)/m.exec(text)?.[1] ?? null);
  const cipher = nw && nw[2] !== '(NONE)' ? (nw[2] as string).trim() : null;
  const vr = /^Verify return code: (\d+) \((.*)\)$/m.exec(text) ?? /^Verify return code: (\d+) \((.*)\)$/m.exec(stderr);
  const ocsp = /^OCSP response: (.*)$/m.exec(text);
  const stapled = !!ocsp && !/no response sent/.test(ocsp[1] as string);
  const connectError = /connect:errno=\d+|BIO_connect:[^\n]*|Connection refused|gethostbyname failure|getaddrinfo[^\n]*|No address associated[^\n]*|Name or service not known/.exec(stderr)?.[0] ?? null;
  return {
    connected: /^CONNECTED\(/m.test(text),
    protocol: cipher ? proto : null,
    cipher,
    alpn: /^ALPN protocol: (.*)$/m.exec(text)?.[1]?.trim() ?? null,
    chainSummary: chain,
    pems,
    verifyCode: vr ? Number(vr[1]) : null,
    verifyText: vr ? (vr[2] as string) : null,
    ocspStapled: stapled,
    ocspStatus: stapled ? (/Cert Status: (\w+)/.exec(text)?.[1] ?? null) : null,
    serverTempKey: /^Server Temp Key: (.*)$/m.exec(text)?.[1] ?? null,
    connectError,
  };
}

function sclientArgv(host: string, port: number, o: { servername: string | null; caFile?: string; verifyHostname: string | null; alpn?: string; version?: TlsVersion; brief?: boolean; status?: boolean }): string[] {
  const target = net.isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  const argv = ['openssl', 's_client', '-connect', target];
  argv.push(...(o.servername ? ['-servername', o.servername] : ['-noservername']));
  if (!o.brief) argv.push('-showcerts');
  if (o.status) argv.push('-status');
  if (o.caFile) argv.push('-CAfile', o.caFile);
  if (o.verifyHostname) argv.push('-verify_hostname', o.verifyHostname);
  if (o.alpn) argv.push('-alpn', o.alpn);
  if (o.version) {
    argv.push(`-${o.version}`);
    // OpenSSL 3.0 refuses TLS 1.0/1.1 at its default security level: lower it to ask the server.
    if (o.version === 'tls1' || o.version === 'tls1_1') argv.push('-cipher', 'DEFAULT@SECLEVEL=0');
  }
  return argv;
}

function classify(p: SClientParsed, t: Transcript, target: string, timeoutMs: number): StepError | undefined {
  if (t.timedOut) return err('timeout', message.timedOut('openssl s_client', timeoutMs));
  if (!p.connected) return err(/refused/i.test(t.stderr) ? 'connect-refused' : 'connect-failed', `${message.tlsConnect(target)}${p.connectError ? `: ${p.connectError}` : ''}`);
  if (!p.cipher) return err('handshake-failed', message.tlsHandshake);
  if (p.verifyCode !== null && p.verifyCode !== 0) {
    const reason = verifyReason[p.verifyCode] ?? 'verify-failed';
    return err(reason, message.tlsVerify(p.verifyCode, p.verifyText ?? ''));
  }
  return undefined;
}

function showTls(r: StepResult<TlsData>): Shown {
  const d = r.data;
  if (!d) return { title: 'tls', summary: [] };
  return {
    title: `TLS ${d.host}:${d.port}${d.servername ? ` (SNI ${d.servername})` : ' (no SNI)'} -> ${d.protocol ?? 'no handshake'}${d.verification ? `, ${d.verification.reason}` : ''}`,
    summary: [
      ['protocol', d.protocol ?? ''],
      ['cipher', d.cipher ?? ''],
      ['ALPN', d.alpn ?? ''],
      ['verification', d.verification ? `${d.verification.reason} (${d.verification.code}: ${d.verification.text})` : ''],
      ['hostname checked', d.verifyHostname ?? '(not checked)'],
      ['OCSP stapled', d.ocspStapled ? `yes${d.ocspStatus ? ` (${d.ocspStatus})` : ''}` : 'no'],
      ['server temp key', d.serverTempKey ?? ''],
      ['versions accepted', d.versions ? TLS_VERSIONS.filter((x) => d.versions?.[x]).join(', ') || 'none' : 'not probed'],
    ],
    tables: [{ caption: 'presented chain', columns: CERT_COLUMNS, rows: certRows(d.chain) }],
  };
}

/** Connect with openssl s_client, read the presented chain and verification, probe versions. */
export async function tls(host: string, opts: TlsOptions = {}): Promise<StepResult<TlsData>> {
  const h = v.host('host', host);
  const port = v.port('port', opts.port ?? 443);
  const isName = net.isIP(h) === 0;
  const servername = opts.servername === false ? null : opts.servername !== undefined ? v.hostname('servername', opts.servername) : isName ? h : null;
  const verifyHostname = opts.verifyHostname === false ? null : opts.verifyHostname !== undefined ? v.host('verifyHostname', opts.verifyHostname) : servername;
  const caFile = opts.caFile !== undefined ? v.filePath('caFile', opts.caFile) : undefined;
  const alpn = opts.alpn !== undefined ? v.alpn('alpn', opts.alpn) : undefined;
  if (opts.version !== undefined && !TLS_VERSIONS.includes(opts.version)) throw new StepInputError('version', String(opts.version), message.badTlsVersion);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const runOpts = { timeoutMs, input: '', ...(opts.netns !== undefined ? { netns: opts.netns } : {}) };
  const target = `${h}:${port}`;

  const main = run(sclientArgv(h, port, { servername, ...(caFile ? { caFile } : {}), verifyHostname, ...(alpn ? { alpn } : {}), ...(opts.version ? { version: opts.version } : {}), status: true }), runOpts);
  const probes = opts.probeVersions === false ? [] : TLS_VERSIONS.map((ver) => run(sclientArgv(h, port, { servername, verifyHostname: null, version: ver, brief: true }), runOpts));
  const [t, ...pt] = await Promise.all([main, ...probes]);
  const transcript: Transcript[] = [t as Transcript, ...pt];
  const p = parseSClient(t!.stdout, t!.stderr);
  const described = p.pems.length ? await describePems(p.pems) : { certs: [], transcript: [], failed: 0 };
  transcript.push(...described.transcript);
  const versions = pt.length
    ? (Object.fromEntries(TLS_VERSIONS.map((ver, i) => [ver, parseSClient(pt[i]?.stdout ?? '').cipher !== null])) as Record<TlsVersion, boolean>)
    : null;
  const data: TlsData = {
    host: h,
    port,
    servername,
    verifyHostname,
    connected: p.connected,
    protocol: p.protocol,
    cipher: p.cipher,
    alpn: p.alpn,
    chain: described.certs,
    chainSummary: p.chainSummary,
    verification: p.verifyCode === null || !p.cipher ? null : { ok: p.verifyCode === 0, code: p.verifyCode, text: p.verifyText ?? '', reason: verifyReason[p.verifyCode] ?? 'verify-failed' },
    ocspStapled: p.ocspStapled,
    ocspStatus: p.ocspStatus,
    serverTempKey: p.serverTempKey,
    versions,
  };
  const error = classify(p, t!, target, timeoutMs);
  return makeResult('tls', { ok: !error, data, ...(error ? { error } : {}), transcript }, showTls);
}
