/**
 * The runbook catalog: runbooks/*.ipynb of this install (or $NETRUNBOOK_RUNBOOKS), found by id
 * or by path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotebookError, RunbookNotFoundError } from './errors.js';
import { M } from './messages.js';
import { readNotebook, validateNotebook, type Notebook, type RunbookMeta } from './nbformat.js';
import { runbookParameters, type ParamSpec } from './parameters.js';

/** The directory holding the bundled runbooks. */
export function runbooksDir(): string {
  const env = process.env.NETRUNBOOK_RUNBOOKS;
  if (env) return path.resolve(env);
  // dist/src/notebook/catalog.js -> repository root
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../runbooks');
}

export interface CatalogEntry {
  file: string;
  meta: RunbookMeta;
  parameters: ParamSpec[];
}

/** Read a runbook file and check it is one (metadata.runbook, valid nbformat). */
export function loadRunbook(file: string): Notebook {
  const nb = readNotebook(file);
  if (!nb.metadata.runbook) throw new NotebookError(M.notARunbook(file));
  const errors = validateNotebook(nb);
  if (errors.length) throw new NotebookError(M.invalidNotebook(file, errors));
  return nb;
}

export function listRunbooks(dir = runbooksDir()): CatalogEntry[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const nb = loadRunbook(file);
      return { file, meta: nb.metadata.runbook as RunbookMeta, parameters: runbookParameters(nb) };
    });
}

/** A runbook by path (if such a file exists) or by id. */
export function findRunbook(ref: string, dir = runbooksDir()): string {
  if (fs.existsSync(ref) && fs.statSync(ref).isFile()) return path.resolve(ref);
  const entries = fs.existsSync(dir) ? listRunbooks(dir) : [];
  const hit = entries.find((e) => e.meta.id === ref || path.basename(e.file, '.ipynb') === ref);
  if (!hit) throw new RunbookNotFoundError(M.runbookNotFound(ref, dir, entries.map((e) => e.meta.id)));
  return hit.file;
}

/**
 * A runbook's file parameter as a path that exists: as given (absolute, or relative to the working
 * directory), else relative to the bundled runbooks directory (where `samples/` lives). A runbook
 * copied to another folder and run there (nbconvert, papermill) still finds its bundled sample.
 * Returns the path as given when it exists there or nowhere (so the loader reports the user's own
 * text), and a bundled file relative to `base` (saved outputs then name no machine-specific root).
 */
export function bundledPath(file: string, base: string = process.cwd()): string {
  if (!file || path.isAbsolute(file)) return file;
  if (fs.existsSync(path.resolve(base, file))) return file;
  const bundled = path.resolve(runbooksDir(), file);
  return fs.existsSync(bundled) ? path.relative(base, bundled) : file;
}
