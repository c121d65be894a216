/**
 * Secret redaction for saved notebooks and exports: Authorization / Cookie / Set-Cookie and
 * similar headers, bearer and basic credentials, API tokens in query strings and well-known token
 * formats, and PEM private keys. Applied to every string in outputs, and to values stored under
 * secret-looking keys in JSON (so `{ "authorization": "..." }` and header pairs are covered too).
 */

export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-key',
  'x-auth-token',
  'x-auth-email',
  'api-key',
  'cf-access-client-secret',
  'x-amz-security-token',
];
const SECRET_KEYS = new Set([
  ...SECRET_HEADERS,
  'http.cookie',
  'http.request.cookies',
  'api_key',
  'apikey',
  'api_token',
  'access_token',
  'refresh_token',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'private_key',
  'privatekey',
  'token',
]);

const HEADER_LINE = new RegExp(`^([ \\t]*[<>]?[ \\t]*"?)(${SECRET_HEADERS.join('|')})("?[ \\t]*:[ \\t]*)(?!\\[REDACTED\\])[^\\r\\n]+`, 'gim');
const PEM_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|token)\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}/g;
const QUERY_SECRET = /([?&;](?:api[_-]?key|apikey|token|access_token|auth|key|secret|password|sig|signature)=)(?!\[REDACTED\])[^&\s"'<>#]+/gi;
const TOKEN_FORMATS = [
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{30,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\bsk_(?:live|test)_[A-Za-z0-9]{16,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
];

/** Redact secrets inside free text. */
export function redactText(text: string): string {
  let out = text.replace(PEM_KEY, (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----\n${REDACTED}\n-----END ${kind}PRIVATE KEY-----`);
  out = out.replace(HEADER_LINE, (_m, pre: string, name: string, sep: string) => `${pre}${name}${sep}${REDACTED}`);
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(QUERY_SECRET, (_m, pre: string) => `${pre}${REDACTED}`);
  for (const re of TOKEN_FORMATS) out = out.replace(re, REDACTED);
  return out;
}

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

/** Redact secrets in any JSON-like value; returns a copy. */
export function redactValue<T>(value: T): T {
  return walk(value) as T;
}

function walk(v: unknown): unknown {
  if (typeof v === 'string') return redactText(v);
  if (Array.isArray(v)) {
    // A header pair ["Authorization", "Bearer ..."] keeps its name and loses its value.
    if (v.length === 2 && typeof v[0] === 'string' && isSecretKey(v[0]) && typeof v[1] === 'string' && v[1] !== '') return [v[0], REDACTED];
    return v.map(walk);
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (isSecretKey(k) && x !== null && x !== '' && (typeof x === 'string' || Array.isArray(x))) out[k] = REDACTED;
      else out[k] = walk(x);
    }
    // {name: "Authorization", value: "..."} (HAR headers)
    if (typeof out.name === 'string' && isSecretKey(out.name) && typeof out.value === 'string' && out.value !== '') out.value = REDACTED;
    return out;
  }
  return v;
}
