/**
 * The one secret-redaction policy, shared by step transcripts (src/steps), saved notebooks and
 * postmortem exports (src/notebook): HTTP credentials (Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie, API-key headers) wherever they appear in text, bearer/basic credentials,
 * tokens in URLs and key=value text, credentials in URL userinfo, well-known token formats,
 * PEM/PGP/SSH private keys, Google and Cloudflare key formats, secret-named assignments in code,
 * env files and prose, header names and values split across table cells (HTML, SVG, Markdown),
 * and values stored under secret-looking keys in JSON.
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

// Names (JSON keys, variables, env names) whose values are secrets, beyond the exact list above:
// CLOUDFLARE_API_TOKEN, CF_API_KEY, aws_secret_access_key, apiToken, client-secret, ...
const SECRET_NAME = /(?:^|[_.\s-])(?:api[_-]?(?:key|token|secret)|auth[_-]?(?:key|token)|access[_-]?(?:key|token)|refresh[_-]?token|secret[_-]?(?:access[_-]?)?key|private[_-]?key|client[_-]?secret|session[_-]?(?:id|token|key)|secret|password|passwd|token|credentials?)$|[a-z0-9](?:Token|Secret|Password|ApiKey|AuthKey|AccessKey|PrivateKey)$/i;

const NAMES = SECRET_HEADERS.map((h) => h.replace(/-/g, '[-_]')).join('|');

const PEM_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY\2-----|$)/g;
// A header at a line start (curl -v's "> " prefixes) or after a space/quote/brace/pipe (argv, JSON,
// tables), with ":" or "=" or a tab between name and value.
const HEADER = new RegExp(`((?:^|[\\s>"'<{,|])[ \\t]*["']?(?:${NAMES})["']?(?:[ \\t]*[:=][ \\t]*|\\t+)["']?)(?!\\[REDACTED\\])([^\\s"'<|][^\\r\\n"'<]*)`, 'gim');
// A header name in one table cell (HTML td/th, SVG text/tspan) and its value in the next.
const SPLIT_CELL = new RegExp(`(<(td|th|text|tspan)\\b[^>]*>\\s*(?:<[a-z]+[^>]*>\\s*)*["']?(?:${NAMES})["']?\\s*:?\\s*(?:</[a-z]+>\\s*)*</\\2>\\s*<(?:td|th|text|tspan)\\b[^>]*>\\s*(?:<(?:code|span|b|strong|em|pre)\\b[^>]*>\\s*)*)(?!\\s*\\[REDACTED\\])([^<]+)`, 'gi');
// The same in a Markdown table row: | Cookie | value |
const MD_CELL = new RegExp(`(\\|[ \\t]*\`?(?:${NAMES})\`?[ \\t]*\\|[ \\t]*)(?![ \\t]*\\[REDACTED\\])([^|\\r\\n]*[^|\\s][^|\\r\\n]*?)([ \\t]*\\|)`, 'gi');
// Credentials outside a header line. "Basic" needs base64 with a digit or +/= so that prose such
// as openssl's "X509v3 Basic Constraints" stays; Digest and token schemes only occur in headers.
const AUTH_SCHEME = /\b(Bearer)\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}|\b(Basic)\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/g;
// key=value in query strings, env assignments and ini files: token=, auth_token=, apikey=,
// X-Amz-Signature=, X-Amz-Credential=, CLOUDFLARE_API_TOKEN=, CF_API_KEY=, aws_secret_access_key = ...
// A bare generic name (key, token, session...) counts only written tight (`key=...`, as in a query
// string or an env line): `const key = p.prefix` in a cell's code is not a secret.
const KEY_VALUE = /(\\[nrt]|[?&;\s,({>"']|^)((?:[A-Za-z0-9_.-]*[_.-])(?:access_token|auth_token|api[_-]?key|apikey|api[_-]?token|token|auth|key|password|passwd|pwd|secret|client_secret|sig|signature|credential|x-amz-signature|x-amz-credential|x-amz-security-token|session|session_?id|sid)[ \t]*=[ \t]*|(?:access_token|auth_token|api[_-]?key|apikey|api[_-]?token|token|auth|key|password|passwd|pwd|secret|client_secret|sig|signature|credential|x-amz-signature|x-amz-credential|x-amz-security-token|session|session_?id|sid)=)(?!\[REDACTED\])[^&\s"'<>#\\]+/gim;
// A quoted value assigned to a secret-looking name in code or JSON: cfToken = '...', "apiKey": "...".
const ASSIGN = /((?<![A-Za-z0-9_])["']?[A-Za-z0-9_.-]*(?:token|secret|password|passwd|api[_-]?key|auth[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']?[ \t]*[:=][ \t]*)(["'`])(?!\[REDACTED\])([^"'`\r\n]{6,})\2/gi;
// Prose: "their key `c2547...`", "token: CFAPI...": a 16+ character value with letters and digits.
const PROSE = /(\b(?:token|key|secret|password|api key|api token)\b(?:[ \t]+(?:is|was|of))?[ \t]*[:=]?[ \t]*[`'"]?)(?!\[REDACTED\])(?=[A-Za-z0-9_\-./+]*\d)(?=[A-Za-z0-9_\-./+]*[A-Za-z])[A-Za-z0-9_\-./+]{16,}/gi;
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):(?!\[REDACTED\])([^/@\s]+)@/gi;
const TOKEN_FORMATS = [
  /(?:\\[nrt]|\b)gh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /(?:\\[nrt]|\b)github_pat_[A-Za-z0-9_]{30,}\b/g,
  /(?:\\[nrt]|\b)(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /(?:\\[nrt]|\b)xox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /(?:\\[nrt]|\b)sk_(?:live|test)_[A-Za-z0-9]{16,}\b/g,
  /(?:\\[nrt]|\b)eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  // Google API keys.
  /(?:\\[nrt]|\b)AIza[0-9A-Za-z_-]{30,}/g,
  // Cloudflare Global API key: 37 lower-case hex digits (hashes are 32, 40 or 64).
  /(?<![0-9A-Za-z])[0-9a-f]{37}(?![0-9A-Za-z])/g,
];

/** Remove secrets from free text (idempotent). */
export function redactText(text: string): string {
  if (!text) return text;
  let out = text.replace(PEM_KEY, (_m, kind: string, block: string | undefined) => `-----BEGIN ${kind}PRIVATE KEY${block ?? ''}-----\n${REDACTED}\n-----END ${kind}PRIVATE KEY${block ?? ''}-----`);
  out = out.replace(SPLIT_CELL, (_m, head: string) => `${head}${REDACTED}`);
  out = out.replace(MD_CELL, (_m, head: string, _v: string, tail: string) => `${head}${REDACTED}${tail}`);
  out = out.replace(HEADER, (_m, head: string) => `${head}${REDACTED}`);
  out = out.replace(AUTH_SCHEME, (_m, bearer: string | undefined, basic: string | undefined) => `${bearer ?? basic} ${REDACTED}`);
  out = out.replace(KEY_VALUE, (_m, pre: string, key: string) => `${pre}${key}${REDACTED}`);
  out = out.replace(ASSIGN, (_m, head: string, q: string) => `${head}${q}${REDACTED}${q}`);
  out = out.replace(PROSE, (_m, head: string) => `${head}${REDACTED}`);
  out = out.replace(USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
  // A match may start with a JSON escape (\n, \t) that belongs to the text, not the token.
  for (const re of TOKEN_FORMATS) out = out.replace(re, (m) => (/^\\[nrt]/.test(m) ? `${m.slice(0, 2)}${REDACTED}` : REDACTED));
  return out;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase()) || SECRET_NAME.test(key);
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
