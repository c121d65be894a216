import type { ColumnBuilder } from './columns.js';
import { FIELD } from './fields.js';

/** Puts uri, path and query (without '?') from a request target such as `/a/b?x=1`. */
export function putTarget(b: ColumnBuilder, target: string): void {
  b.put(FIELD.uri, target);
  const q = target.indexOf('?');
  b.putStr(FIELD.path, q < 0 ? target : target.slice(0, q));
  b.put(FIELD.query, q < 0 || q === target.length - 1 ? null : target.slice(q + 1));
}

/** `Cookie` header -> name -> values (values kept raw, as the rules language does). */
export function parseCookies(header: string): Record<string, string[]> | null {
  const out: Record<string, string[]> = {};
  let n = 0;
  for (const part of header.split(';')) {
    const s = part.trim();
    if (!s) continue;
    const eq = s.indexOf('=');
    const name = eq < 0 ? s : s.slice(0, eq).trim();
    const value = eq < 0 ? '' : s.slice(eq + 1).trim();
    (out[name] ??= []).push(value);
    n++;
  }
  return n ? out : null;
}

const METHOD = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const PROTO = /^HTTP\/\d(\.\d)?$/i;

/**
 * Splits `METHOD target PROTOCOL` at the first and last space, so a target with raw spaces
 * (scanners send them) still parses; `METHOD target` is HTTP/0.9. Null for anything else.
 */
export function splitRequestLine(line: string): { method: string; target: string; version: string } | null {
  const a = line.indexOf(' ');
  if (a <= 0) return null;
  const method = line.slice(0, a);
  if (!METHOD.test(method)) return null;
  const z = line.lastIndexOf(' ');
  const tail = line.slice(z + 1);
  if (z > a && PROTO.test(tail)) {
    const target = line.slice(a + 1, z);
    return target ? { method, target, version: tail } : null;
  }
  const target = line.slice(a + 1);
  if (!target || target.includes(' ')) return null;
  return { method, target, version: 'HTTP/0.9' };
}

/** The protocol as the Rules language names it: nginx's `HTTP/2.0` / `HTTP/3.0` are `HTTP/2` / `HTTP/3`. */
export function ruleVersion(v: string): string {
  return v === 'HTTP/2.0' ? 'HTTP/2' : v === 'HTTP/3.0' ? 'HTTP/3' : v;
}

/**
 * `METHOD target PROTOCOL` (or HTTP/0.9 `METHOD target`). Junk (TLS bytes on a plaintext port,
 * scanner noise) does not split: method stays null and the raw line is kept in `request`.
 */
export function putRequestLine(b: ColumnBuilder, line: string): void {
  const r = splitRequestLine(line);
  if (r) {
    b.putStr(FIELD.method, r.method);
    putTarget(b, r.target);
    b.putStr(FIELD.httpVersion, ruleVersion(r.version));
  } else {
    b.put('request', line === '' ? null : line);
  }
}

/** Adds one header (wire order) to a headers map. */
export function addHeader(map: Record<string, string[]>, name: string, value: string): void {
  (map[name.toLowerCase()] ??= []).push(value);
}

/** Puts the canonical columns derived from a request's headers (map keys lower-case). */
export function putHeaderFields(b: ColumnBuilder, headers: Record<string, string[]>, names: string[] | null): void {
  b.put(FIELD.headers, headers);
  if (names) b.put(FIELD.headerNames, names);
  const one = (k: string): string | null => {
    const v = headers[k];
    return v && v.length ? v.join(', ') : null;
  };
  const host = one('host') ?? one(':authority');
  if (host !== null) b.putStr(FIELD.host, host);
  const ua = one('user-agent');
  if (ua !== null) b.putStr(FIELD.userAgent, ua);
  const ref = one('referer');
  if (ref !== null) b.putStr(FIELD.referer, ref);
  const cookie = headers.cookie ? headers.cookie.join('; ') : null;
  if (cookie !== null) {
    b.put(FIELD.cookie, cookie);
    b.put(FIELD.cookies, parseCookies(cookie));
  }
}
