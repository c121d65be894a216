/**
 * Provenance of a run, kept by the kernel itself.
 *
 * A front end (JupyterLab, the Notebook, nbclient, the console) owns the notebook file; a kernel
 * cannot write `metadata.investigation` through the protocol. So the kernel keeps a run record
 * (who ran cells where, with which tools, each cell's timing and status, and the executed source
 * of the `parameters` / `injected-parameters` cells) and shows it as ONE display output of its
 * own MIME type, `INVESTIGATION_MIME`, on a stable display_id: `display_data` in the first cell
 * it runs, `update_display_data` after every later cell. The front end saves the latest version
 * with the notebook; src/notebook/investigation.ts turns it into the same `metadata.investigation`
 * and per-cell `metadata.runbook` a headless `runbook run` writes (one reader for both).
 *
 * The tool probe (`toolVersions`) and the host lookup live here because both the kernel and the
 * headless runner record them: one list of tools, one way to read their versions.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';

/** The MIME type of the kernel's run record (display_data / update_display_data). */
export const INVESTIGATION_MIME = 'application/vnd.netrunbook.investigation+json';

/** The first line of an `injected-parameters` cell (src/notebook/parameters.ts writes it). */
export const INJECTED_MARKER = '// Parameters injected by `runbook run`';

export interface ToolVersions {
  [tool: string]: string;
}

/** How a cell ran, as the kernel saw it (`interrupted`: Ctrl-C / interrupt_request). */
export type RecordedStatus = 'ok' | 'error' | 'interrupted';

export interface CellRecord {
  /** The front end's cell id when the execute_request carried one (JupyterLab sends `cellId`). */
  cellId?: string;
  /** The execution_count the reply carried (what nbclient and the Notebook save on the cell). */
  executionCount: number;
  /** sha256 of the executed source: tells a cell edited after it ran. */
  sha256: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: RecordedStatus;
  /** The executed source of a parameters cell (declared defaults) or an injected-parameters cell. */
  parameters?: { kind: 'parameters' | 'injected'; source: string };
}

/** The record as sent under INVESTIGATION_MIME. */
export interface RunRecord {
  format: 1;
  /** The kernel session: two records with different sessions are two runs. */
  session: string;
  startedAt: string;
  updatedAt: string;
  host: string;
  user: string;
  kernel: { name: string; version: string; implementation: string };
  tools: ToolVersions;
  cells: CellRecord[];
}

const TOOLS: Record<string, { argv: string[]; pick: RegExp }> = {
  dig: { argv: ['dig', '-v'], pick: /DiG\s+(\S+)/ },
  curl: { argv: ['curl', '--version'], pick: /^curl\s+(\S+)/ },
  openssl: { argv: ['openssl', 'version'], pick: /^OpenSSL\s+(\S+)/ },
  git: { argv: ['git', '--version'], pick: /version\s+(\S+)/ },
  traceroute: { argv: ['traceroute', '--version'], pick: /traceroute.*?(\d[\w.]*)/i },
  tracepath: { argv: ['tracepath', '-V'], pick: /(\d[\w.]*)/ },
  tshark: { argv: ['tshark', '--version'], pick: /TShark.*?(\d[\w.]*)/ },
};

function version(argv: string[], pick: RegExp): Promise<string> {
  return new Promise((resolve) => {
    execFile(argv[0] as string, argv.slice(1), { timeout: 5000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      const m = pick.exec(text.trim()) ?? pick.exec(text);
      if (m) resolve(m[1] as string);
      else resolve(err && (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : 'unknown');
    });
  });
}

/** Versions of the diagnostic tools runbooks call, plus node. A missing tool is "not installed", not an error. */
export async function toolVersions(): Promise<ToolVersions> {
  const entries = await Promise.all(Object.entries(TOOLS).map(async ([name, t]) => [name, await version(t.argv, t.pick)] as const));
  return { node: process.version.replace(/^v/, ''), ...Object.fromEntries(entries) };
}

export function runHost(): { host: string; user: string } {
  let user = process.env.USER ?? '';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return { host: os.hostname(), user: user || 'unknown' };
}

/** A parameters cell by its tag (JupyterLab sends cell metadata) or by the runbook conventions. */
function parametersKind(source: string, tags: readonly string[]): 'parameters' | 'injected' | undefined {
  if (tags.includes('injected-parameters') || source.trimStart().startsWith(INJECTED_MARKER)) return 'injected';
  if (tags.includes('parameters') || /^\s*\/\/\s*@param\s/m.test(source)) return 'parameters';
  return undefined;
}

/** A long session keeps its most recent cells (the saved notebook can only show that many anyway). */
const MAX_CELLS = 2000;

/** The kernel's run record and the display it lives in. */
export class RunRecorder {
  private readonly record: RunRecord;
  private tools: Promise<void> | null = null;
  private host: { cellId?: string; sha256: string } | undefined;
  readonly displayId: string;

  constructor(session: string, kernel: RunRecord['kernel']) {
    const who = runHost();
    const now = new Date().toISOString();
    this.displayId = `netrunbook-investigation-${session}`;
    this.record = { format: 1, session, startedAt: now, updatedAt: now, host: who.host, user: who.user, kernel, tools: {}, cells: [] };
  }

  /** Called as a cell starts: the first cell starts the run's clock. */
  begin(): number {
    const t0 = Date.now();
    if (this.record.cells.length === 0) this.record.startedAt = new Date(t0).toISOString();
    return t0;
  }

  /**
   * The tool probe spawns seven processes (about 0.3 s of CPU): it starts after the first cell, so
   * it never slows that cell down, and no cell waits for it; the record names the tools from the
   * first update after it finished (about a second later).
   */
  private probe(): void {
    if (this.tools) return;
    this.tools = new Promise<void>((resolve) => setTimeout(resolve, 0).unref())
      .then(() => toolVersions())
      .then((t) => {
        this.record.tools = t;
      });
  }

  /**
   * Record a finished cell; returns the display message to publish: `display_data` the first time
   * (and when the cell holding the display is run again, which clears its outputs), else
   * `update_display_data`; null for a failed cell, whose only output stays its error.
   */
  finish(cell: { code: string; executionCount: number; cellId?: string; tags: readonly string[]; t0: number; status: RecordedStatus }): {
    type: 'display_data' | 'update_display_data';
    content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id: string } };
  } | null {
    const t1 = Date.now();
    this.probe();
    const kind = parametersKind(cell.code, cell.tags);
    const entry: CellRecord = {
      ...(cell.cellId ? { cellId: cell.cellId } : {}),
      executionCount: cell.executionCount,
      sha256: crypto.createHash('sha256').update(cell.code).digest('hex'),
      startedAt: new Date(cell.t0).toISOString(),
      finishedAt: new Date(t1).toISOString(),
      durationMs: t1 - cell.t0,
      status: cell.status,
      ...(kind ? { parameters: { kind, source: cell.code } } : {}),
    };
    this.record.cells.push(entry);
    if (this.record.cells.length > MAX_CELLS) this.record.cells.splice(0, this.record.cells.length - MAX_CELLS);
    this.record.updatedAt = entry.finishedAt;
    // Running the cell that holds the display again clears its outputs: show the record anew
    // there. The cell is known by its id when the front end sends one (JupyterLab), else by its source.
    const host = this.host;
    const rehost = !host || (host.cellId !== undefined && cell.cellId !== undefined ? host.cellId === cell.cellId : host.sha256 === entry.sha256);
    if (cell.status !== 'ok') {
      // not shown in a failed cell; if that cell held the display, its outputs were cleared
      if (rehost) this.host = undefined;
      return null;
    }
    if (rehost) this.host = { ...(cell.cellId ? { cellId: cell.cellId } : {}), sha256: entry.sha256 };
    return { type: rehost ? 'display_data' : 'update_display_data', content: this.bundle() };
  }

  private bundle() {
    const r = this.record;
    const failed = r.cells.filter((c) => c.status !== 'ok').length;
    const text = `netrunbook run record: ${r.cells.length} cell${r.cells.length === 1 ? '' : 's'} since ${r.startedAt}${failed ? `, ${failed} failed` : ''} (saved with the notebook for runbook rerun/diff/export)`;
    return {
      // No copy: the message is encoded as it is published (kernel.ts), before the record changes.
      data: { [INVESTIGATION_MIME]: r as unknown as Record<string, unknown>, 'text/plain': text },
      metadata: {},
      transient: { display_id: this.displayId },
    };
  }
}
