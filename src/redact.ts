/**
 * The one secret-redaction policy, shared by step transcripts (src/steps), saved notebooks and
 * postmortem exports (src/notebook): HTTP credentials (Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie, API-key headers) wherever they appear in text, bearer/basic credentials,
 * tokens in URLs and key=value text, credentials in URL userinfo, well-known token formats,
 * PEM private keys, and values stored under secret-looking keys in JSON.
 *
 * Like src/display.ts this module imports nothing, so every area may use it.
 */

export const REDACTED = '[REDACTED]';

/** Header names whose values are secrets (lower case). */
export const SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-key',
  'x-auth-token',
  'x-auth-email',
  'cf-access-client-secret',
  'x-amz-security-token',
];

/** JSON keys whose string values are secrets (lower case). */
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

const PEM_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
// A header at a line start (curl -v's "> " prefixes) or after a space/quote/brace (argv, JSON).
const HEADER = new RegExp(`((?:^|[\\s>"'<{,])[ \\t]*"?(?:${SECRET_HEADERS.join('|')})"?[ \\t]*:[ \\t]*"?)(?!\\[REDACTED\\])([^\\s"'][^\\r\\n"']*)`, 'gim');
// Credentials outside a header line. "Basic" needs base64 with a digit or +/= so that prose such
// as openssl's "X509v3 Basic Constraints" stays; Digest and token schemes only occur in headers.
const AUTH_SCHEME = /\b(Bearer)\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}|\b(Basic)\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/g;
const KEY_VALUE = /([?&;\s]|^)((?:access_token|api[_-]?key|apikey|token|auth|key|password|passwd|secret|client_secret|sig|signature)=)(?!\[REDACTED\])[^&\s"'<>#]+/gim;
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):(?!\[REDACTED\])([^/@\s]+)@/gi;
const TOKEN_FORMATS = [
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{30,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\bsk_(?:live|test)_[A-Za-z0-9]{16,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
];

/** Remove secrets from free text (idempotent). */
export function redactText(text: string): string {
  if (!text) return text;
  let out = text.replace(PEM_KEY, (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----\n${REDACTED}\n-----END ${kind}PRIVATE KEY-----`);
  out = out.replace(HEADER, (_m, head: string) => `${head}${REDACTED}`);
  out = out.replace(AUTH_SCHEME, (_m, bearer: string | undefined, basic: string | undefined) => `${bearer ?? basic} ${REDACTED}`);
  out = out.replace(KEY_VALUE, (_m, pre: string, key: string) => `${pre}${key}${REDACTED}`);
  out = out.replace(USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
  for (const re of TOKEN_FORMATS) out = out.replace(re, REDACTED);
  return out;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

/** Redact one header value by name (for parsed header maps). */
export function redactHeader(name: string, value: string): string {
  return isSecretKey(name) ? REDACTED : redactText(value);
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
