/**
 * Input validation for steps. Every value that ends up in an argv is checked here first and a
 * StepInputError names the argument, the value and the position of the first bad character.
 * Processes never go through a shell (see shell.ts), so these checks are the second wall: they
 * also stop option injection (a leading "-") and values the tools would misread.
 */
import net from 'node:net';
import { StepInputError } from './errors.js';
import { message } from './messages.js';

const SHELL_META = /[;&|`$<>(){}\\'"!*?[\]#~\s]/;

function fail(what: string, input: string, reason: string): never {
  throw new StepInputError(what, input, reason);
}

/** Checks shared by everything: a string, not empty, no control characters, no leading dash. */
export function basic(what: string, input: unknown, max = 253): string {
  if (typeof input !== 'string') fail(what, String(input), message.empty);
  if (input.length === 0) fail(what, input, message.empty);
  if (input.length > max) fail(what, input, message.tooLong(max));
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u001f\u007f]/.exec(input);
  if (ctl) fail(what, input, message.control(ctl.index));
  if (input.startsWith('-')) fail(what, input, message.leadingDash);
  return input;
}

function firstMeta(what: string, input: string, re: RegExp = SHELL_META): void {
  const m = re.exec(input);
  if (m) fail(what, input, message.shellMeta(m[0], m.index));
}

/** A DNS name: labels of letters, digits, "-" and "_", optional trailing dot; "." is the root. */
export function hostname(what: string, input: unknown, opts: { allowRoot?: boolean; allowWildcard?: boolean } = {}): string {
  const s = basic(what, input);
  if (s === '.' && opts.allowRoot) return s;
  firstMeta(what, s, opts.allowWildcard ? /[;&|`$<>(){}\\'"!?[\]#~\s]/ : SHELL_META);
  const labels = (s.endsWith('.') ? s.slice(0, -1) : s).split('.');
  for (const [i, label] of labels.entries()) {
    if (opts.allowWildcard && i === 0 && label === '*') continue;
    if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label)) fail(what, s, message.badHostname(label));
  }
  return s;
}

/** An IPv4 or IPv6 literal (IPv6 may come in brackets, which are removed). */
export function ip(what: string, input: unknown): string {
  const s = basic(what, input, 64);
  const bare = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (net.isIP(bare) === 0) fail(what, s, message.badIp);
  return bare;
}

/** A host name or an IP literal; returns the host without IPv6 brackets. */
export function host(what: string, input: unknown): string {
  const s = basic(what, input);
  const bare = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (net.isIP(bare) !== 0) return bare;
  return hostname(what, s);
}

export function port(what: string, input: unknown): number {
  const n = typeof input === 'string' && /^\d{1,5}$/.test(input) ? Number(input) : input;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) fail(what, String(input), message.badPort);
  return n;
}

export function integer(what: string, input: unknown, min: number, max: number): number {
  if (typeof input !== 'number' || !Number.isInteger(input) || input < min || input > max) fail(what, String(input), message.badNumber(min, max));
  return input;
}

const RR_TYPES = new Set(
  'A AAAA AFSDB APL CAA CDNSKEY CDS CERT CNAME CSYNC DHCID DLV DNAME DNSKEY DS EUI48 EUI64 HINFO HIP HTTPS IPSECKEY KEY KX LOC MX NAPTR NS NSEC NSEC3 NSEC3PARAM OPENPGPKEY PTR RP RRSIG SIG SMIMEA SOA SPF SRV SSHFP SVCB TA TKEY TLSA TSIG TXT URI ZONEMD ANY AXFR IXFR'.split(' '),
);

/** A DNS record type, upper-cased: a known mnemonic or TYPEnnn. */
export function recordType(what: string, input: unknown): string {
  const s = basic(what, input, 16).toUpperCase();
  if (!RR_TYPES.has(s) && !/^TYPE\d{1,5}$/.test(s)) fail(what, s, message.badRecordType);
  return s;
}

export interface ServerAddress {
  host: string;
  port?: number;
  /** Canonical text: ip, ip:port or [v6]:port. */
  text: string;
}

/** A resolver: `ip`, `ip:port`, `[v6]`, `[v6]:port`, a bare IPv6, or a host name with optional port. */
export function server(what: string, input: unknown): ServerAddress {
  const s = basic(what, input, 300);
  let h: string;
  let p: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    h = v6[1] as string;
    p = v6[2];
    if (net.isIP(h) !== 6) fail(what, s, message.badServer);
  } else if (net.isIP(s) === 6) {
    h = s;
  } else {
    const i = s.lastIndexOf(':');
    h = i >= 0 ? s.slice(0, i) : s;
    p = i >= 0 ? s.slice(i + 1) : undefined;
    if (net.isIP(h) === 0) hostname(what, h);
  }
  const portNum = p === undefined ? undefined : port(what, p);
  const hostText = net.isIP(h) === 6 ? `[${h}]` : h;
  return { host: h, ...(portNum !== undefined ? { port: portNum } : {}), text: portNum !== undefined ? `${hostText}:${portNum}` : net.isIP(h) === 6 ? h : h };
}

/** An http(s) URL; returns the normalised href. */
export function url(what: string, input: unknown): URL {
  const s = basic(what, input, 8192);
  firstMeta(what, s, /[`$;|<>\\'"\s{}]/);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return fail(what, s, message.badUrl);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(what, s, message.badUrlScheme(u.protocol.replace(/:$/, '')));
  host(what, u.hostname);
  return u;
}

export function method(what: string, input: unknown): string {
  const s = basic(what, input, 32);
  if (!/^[A-Za-z]+$/.test(s)) fail(what, s, message.badMethod);
  return s.toUpperCase();
}

/** A request header "Name: value": the value may contain anything printable but no control chars. */
export function header(what: string, input: unknown): string {
  const s = basic(what, input, 8192);
  if (!/^[A-Za-z0-9-]+:.*$/.test(s)) fail(what, s, message.badHeader);
  return s;
}

/** A header name alone (e.g. one marked as secret). */
export function headerName(what: string, input: unknown): string {
  const s = basic(what, input, 256);
  if (!/^[A-Za-z0-9-]+$/.test(s)) fail(what, s, message.badHeaderName);
  return s;
}

/** curl --resolve host:port:addr[,addr...] */
export function resolveEntry(what: string, input: unknown): string {
  const s = basic(what, input, 600);
  const m = /^([^:]+):(\d+):(.+)$/.exec(s);
  if (!m) fail(what, s, message.badResolve);
  hostname(what, m[1] as string, { allowWildcard: true });
  port(what, m[2] as string);
  for (const a of (m[3] as string).split(',')) ip(what, a);
  return s;
}

/** curl --connect-to host:port:chost:cport (each part may be empty). */
export function connectToEntry(what: string, input: unknown): string {
  const s = basic(what, input, 600);
  // IPv6 connect hosts come in brackets: exactly three colons outside brackets.
  if ((s.replace(/\[[^\]]*\]/g, '').match(/:/g) ?? []).length !== 3) fail(what, s, message.badConnectTo);
  const parts = (s.match(/(\[[^\]]*\]|[^:]*)(?::|$)/g) ?? []).map((x) => x.replace(/:$/, ''));
  const [h1 = '', p1 = '', h2raw = '', p2 = ''] = parts;
  const h2 = h2raw;
  if (h1 !== '') hostname(what, h1);
  if (p1 !== '') port(what, p1);
  if (h2 !== '') host(what, h2);
  if (p2 !== '') port(what, p2);
  return s;
}

export function netns(what: string, input: unknown): string {
  const s = basic(what, input, 64);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) fail(what, s, message.badNetns);
  return s;
}

export function revision(what: string, input: unknown): string {
  const s = basic(what, input, 256);
  if (!/^[A-Za-z0-9._/~^@{}-]+$/.test(s) || s.includes('..')) fail(what, s, message.badRevision);
  return s;
}

/** A path inside a repository: relative, no "..", no control or shell characters. */
export function repoPath(what: string, input: unknown): string {
  const s = basic(what, input, 4096);
  firstMeta(what, s, /[`$;|<>\\'"{}!*?[\]#~]/);
  if (s.startsWith('/') || s.split('/').includes('..')) fail(what, s, message.badPath);
  return s;
}

/** A local file path (absolute or relative) for tool arguments: no control chars, no leading dash. */
export function filePath(what: string, input: unknown): string {
  return basic(what, input, 4096);
}

export function alpn(what: string, input: unknown): string {
  const s = basic(what, input, 256);
  if (!/^[A-Za-z0-9./_-]+(?:,[A-Za-z0-9./_-]+)*$/.test(s)) fail(what, s, message.badAlpn);
  return s;
}
