/**
 * Saved notebooks and exports are redacted with the project's one policy (src/redact.ts): every
 * string in outputs, and values stored under secret-looking keys in JSON.
 */
export { REDACTED, redactText, redactValue } from '../redact.js';
