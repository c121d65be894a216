/**
 * Steps redact every argv, stdout and stderr before a transcript is stored, parsed or displayed,
 * with the project's one policy (src/redact.ts).
 */
export { REDACTED, SECRET_HEADERS, isSecretKey, redactHeader, redactText as redact } from '../redact.js';
