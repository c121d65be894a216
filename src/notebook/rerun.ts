/**
 * Re-running a saved investigation: the same runbook cells (taken from the saved notebook itself,
 * so the version is exactly the one that ran), the same parameters, fresh observations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listRunbooks } from './catalog.js';
import { NotebookError } from './errors.js';
import { withInvestigation } from './investigation.js';
import { M } from './messages.js';
import { cloneNotebook, isTagged, readNotebook, runbookDigest, type JsonValue, type Notebook } from './nbformat.js';

export interface RerunPlan {
  runbook: Notebook;
  /** The catalog runbook of the same id and version if installed (its directory is the kernel's cwd), else the saved file. */
  runbookFile: string;
  parameters: Record<string, JsonValue>;
  rerunOf: { path: string; startedAt: string };
  /** Set when the catalog has the runbook in another version (the saved cells are what runs). */
  note?: string;
  /** Set when the cells no longer hash to the recorded sha256 (the saved notebook was edited). */
  warning?: string;
}

export function planRerun(savedFile: string): RerunPlan {
  // A notebook saved from Jupyter carries the kernel's run record instead of the metadata.
  const saved = withInvestigation(readNotebook(savedFile));
  const inv = saved.metadata.investigation;
  if (!inv || !saved.metadata.runbook) throw new NotebookError(M.notAnInvestigation(savedFile));
  const runbook = cloneNotebook(saved);
  runbook.cells = runbook.cells.filter((c) => !isTagged(c, 'injected-parameters'));
  delete runbook.metadata.investigation;
  const digest = runbookDigest(runbook);
  let runbookFile = path.resolve(savedFile);
  let note: string | undefined;
  try {
    const all = listRunbooks().filter((e) => e.meta.id === inv.runbook.id);
    const hit = all.find((e) => e.meta.version === inv.runbook.version);
    if (hit && fs.existsSync(hit.file)) runbookFile = hit.file;
    else if (all[0]) {
      // Same id, other version installed: its directory still anchors relative paths.
      runbookFile = all[0].file;
      note = `the installed ${inv.runbook.id} is version ${all[0].meta.version}; re-running the saved version ${inv.runbook.version}`;
    }
  } catch {
    // an unreadable catalog does not stop a re-run of a self-contained saved notebook
  }
  return {
    runbook,
    runbookFile,
    parameters: inv.parameters,
    rerunOf: { path: savedFile, startedAt: inv.startedAt },
    ...(note ? { note } : {}),
    ...(digest !== inv.runbook.sha256 ? { warning: `${savedFile}: its cells no longer match the recorded runbook sha256 (edited after the run); re-running them as saved` } : {}),
  };
}
