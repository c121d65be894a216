/**
 * The adapter to tslab's TypeScript converter: the only module that imports tslab.
 *
 * tslab's converter type-checks a cell against the declarations of earlier cells and answers
 * completion and quick-info queries. It is slow to load (~1 s) and its check grows with the
 * notebook, so it runs in a worker thread (kernel/analyzer-worker.ts): execution never waits for
 * it. The main thread talks to it through `Analyzer`; the worker side is `serveAnalyzer`.
 * Each checked cell that passes extends the declaration summary (`prevDecl`), as in tslab.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker, type MessagePort } from 'node:worker_threads';

export interface TypeDiagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
}
export interface Completion {
  start: number;
  end: number;
  matches: string[];
}
export interface Inspection {
  text: string;
}

type Body = { op: 'check'; code: string } | { op: 'inspect'; code: string; pos: number } | { op: 'complete'; code: string; pos: number } | { op: 'reset' };
type Request = Body & { id: number };
type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Diagnostics that only say a module's types could not be found: the code still runs. */
const IGNORED = new Set([2307, 2792, 7016, 2875]);
/** Globals the kernel installs for cells, unknown to the checker's libraries. */
const KERNEL_GLOBALS = /^Cannot find name '(display|prompt|confirm|require)'/;

export interface Analyzer {
  check(code: string): Promise<TypeDiagnostic[]>;
  inspect(code: string, pos: number): Promise<Inspection | null>;
  complete(code: string, pos: number): Promise<Completion>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Start the analyzer worker (it loads tslab in the background right away). */
export function startAnalyzer(): Analyzer {
  const worker = new Worker(new URL('./analyzer-worker.js', import.meta.url));
  worker.unref();
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  worker.on('message', (res: Response) => {
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (res.ok) p.resolve(res.value);
    else p.reject(new Error(res.error));
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  const call = <T>(req: Body): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id });
    });
  return {
    check: (code) => call<TypeDiagnostic[]>({ op: 'check', code }),
    inspect: (code, pos) => call<Inspection | null>({ op: 'inspect', code, pos }),
    complete: (code, pos) => call<Completion>({ op: 'complete', code, pos }),
    reset: () => call<void>({ op: 'reset' }),
    close: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Run the checker at the lowest CPU priority so it never slows the cell that is executing.
 * On Linux setpriority() accepts a thread id, which /proc/thread-self names.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
  } catch {
    // not Linux, or not permitted: the checker just competes normally
  }
}

/** Worker side: load tslab's converter and answer requests in order. */
export async function serveAnalyzer(port: MessagePort): Promise<void> {
  lowerThreadPriority();
  const { createConverter } = (await import('tslab/dist/converter.js')) as typeof import('tslab/dist/converter.js');
  const { printQuickInfo } = (await import('tslab/dist/inspect.js')) as typeof import('tslab/dist/inspect.js');
  const conv = createConverter();
  let prevDecl = '';
  const handle = (req: Request): unknown => {
    switch (req.op) {
      case 'check': {
        const out = conv.convert(prevDecl, req.code);
        const diags = out.diagnostics.filter((d) => !IGNORED.has(d.code) && !KERNEL_GLOBALS.test(d.messageText));
        if (out.diagnostics.length === 0) prevDecl = out.declOutput ?? prevDecl;
        return diags.map((d): TypeDiagnostic => ({ line: d.start.line + 1, column: d.start.character + 1, code: d.code, message: d.messageText }));
      }
      case 'inspect': {
        const info = conv.inspect(prevDecl, req.code, req.pos);
        if (!info) return null;
        const text = printQuickInfo(info);
        return text ? ({ text } satisfies Inspection) : null;
      }
      case 'complete': {
        const c = conv.complete(prevDecl, req.code, req.pos);
        return { start: c.start, end: c.end, matches: c.candidates } satisfies Completion;
      }
      case 'reset':
        prevDecl = '';
        return undefined;
      default: {
        const never: never = req;
        throw new Error(`unknown analyzer request ${JSON.stringify(never)}`);
      }
    }
  };
  port.on('message', (req: Request) => {
    try {
      port.postMessage({ id: req.id, ok: true, value: handle(req) } satisfies Response);
    } catch (err) {
      port.postMessage({ id: req.id, ok: false, error: (err as Error).message } satisfies Response);
    }
  });
}
