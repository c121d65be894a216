/**
 * The kernel's input history (history_request: tail, range, search).
 *
 * One in-memory session per kernel process, numbered 1; `session: 0` (or negative, relative)
 * in a request means the current session, as IPython does. Search patterns are globs
 * (`*`, `?`) matched against the whole input, like IPython's SQLite GLOB.
 */
import type { HistoryEntry, HistoryRequest } from './protocol.js';

export interface HistoryItem {
  line: number;
  input: string;
  /** text/plain of the execute_result, if any. */
  output: string | null;
}

export const SESSION = 1;

export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export class History {
  private readonly items: HistoryItem[] = [];

  add(line: number, input: string): void {
    this.items.push({ line, input, output: null });
  }

  setOutput(line: number, output: string): void {
    const item = this.items.find((i) => i.line === line);
    if (item) item.output = output;
  }

  get size(): number {
    return this.items.length;
  }

  query(req: HistoryRequest): HistoryEntry[] {
    const entry = (i: HistoryItem): HistoryEntry => [SESSION, i.line, req.output ? [i.input, i.output] : i.input];
    switch (req.hist_access_type) {
      case 'tail': {
        const n = req.n ?? 10;
        return n <= 0 ? [] : this.items.slice(-n).map(entry);
      }
      case 'range': {
        const session = req.session ?? 0;
        if (session > 0 && session !== SESSION) return [];
        const start = req.start ?? 1;
        const stop = req.stop ?? Number.POSITIVE_INFINITY;
        return this.items.filter((i) => i.line >= start && i.line < stop).map(entry);
      }
      case 'search': {
        const re = globToRegExp(req.pattern ?? '*');
        let hits = this.items.filter((i) => re.test(i.input));
        if (req.unique) {
          // Keep the latest occurrence of each input, in history order.
          const seen = new Set<string>();
          hits = hits.reverse().filter((i) => (seen.has(i.input) ? false : (seen.add(i.input), true))).reverse();
        }
        if (req.n !== undefined && req.n > 0) hits = hits.slice(-req.n);
        return hits.map(entry);
      }
      default: {
        const never: never = req.hist_access_type;
        throw new Error(`unknown hist_access_type ${String(never)}`);
      }
    }
  }
}
