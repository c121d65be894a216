/**
 * Provenance of a run: who ran what where, with which tools. The probe lives with the kernel
 * (kernel/provenance.ts), which records the same facts for notebooks run in a front end; the
 * headless runner uses the same functions, so both name tools and hosts alike.
 */
export { runHost, toolVersions, INVESTIGATION_MIME, type RunRecord, type CellRecord } from '../../kernel/provenance.js';
