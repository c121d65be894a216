// Public API of netrunbook/steps (summary written at the end of the work).
export * from './errors.js';
export * from './result.js';
export { run, which, requireTool, processesStarted, TOOL_PACKAGES, type RunOptions } from './shell.js';
export { redact, redactHeader, REDACTED, SECRET_HEADERS } from './redact.js';
export * from './dig.js';
export * from './x509.js';
export * from './tls.js';
export * from './curl.js';
export * from './git.js';
export * from './traceroute.js';
