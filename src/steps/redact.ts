/**
 * Secret redaction applied to every argv, stdout and stderr before a transcript is stored, parsed
 * or displayed: HTTP credentials (Authorization, Proxy-Authorization, Cookie, Set-Cookie, API key
 * headers), tokens in URLs and key=value text, and PEM private keys.
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

const headerRe = new RegExp(`((?:^|[\\s>"'<{,])(?:${SECRET_HEADERS.join('|')})\\s*:\\s*)([^\\r\\n"']+)`, 'gim');
const bearerRe = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const paramRe = /([?&;\s]|^)((?:access_token|api_key|apikey|api-key|token|auth|password|passwd|secret|client_secret|sig|signature)=)([^&\s"'#]+)/gim;
const pemRe = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----[\s\S]*?(?:-----END \1-----|$)/g;
const userinfoRe = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;

/** Remove secrets from a piece of text (idempotent). */
export function redact(text: string): string {
  if (!text) return text;
  return text
    .replace(pemRe, (_m, kind: string) => `-----BEGIN ${kind}-----\n${REDACTED}\n-----END ${kind}-----`)
    .replace(headerRe, (_m, head: string) => `${head}${REDACTED}`)
    .replace(bearerRe, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(paramRe, (_m, pre: string, key: string) => `${pre}${key}${REDACTED}`)
    .replace(userinfoRe, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
}

/** Redact one header value by name (used for parsed header maps). */
export function redactHeader(name: string, value: string): string {
  return SECRET_HEADERS.includes(name.toLowerCase()) ? REDACTED : redact(value);
}
