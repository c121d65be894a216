/**
 * The cell runtime: evaluates compiled cells in the kernel's global scope and routes everything
 * they print or display to the cell that caused it.
 *
 * Routing: each cell runs inside `AsyncLocalStorage.run(cell)`; timers, promises and sockets
 * created by the cell inherit that store, so a `setTimeout` firing after the cell finished still
 * writes to its own cell's parent header, never to whichever cell happens to be running.
 *
 * Interrupts: a synchronous loop is stopped by SIGINT through `breakOnSigint`; a pending await is
 * abandoned by rejecting the race the cell's completion runs against. Globals defined so far are
 * kept either way.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import vm from 'node:vm';
import { display, HOST, htmlTable, isDisplayable, textTable, toDisplayData, type DisplayHost, type MimeBundle } from '../src/display.js';
import { compileCell, RUNTIME_GLOBAL } from './compile.js';
import { MSG } from './messages.js';

/** What the runtime needs from the kernel to talk to the front end. */
export interface OutputPort {
  stream(name: 'stdout' | 'stderr', text: string): void;
  display(data: MimeBundle, metadata: Record<string, unknown>, transient: Record<string, unknown>, update: boolean): void;
  clear(wait: boolean): void;
  /** An error raised outside the cell's own flow (a late timer, an unhandled rejection). */
  lateError(err: unknown): void;
  /** Ask the front end for a line of input (stdin channel). */
  input(prompt: string, password: boolean): Promise<string>;
  readonly allowStdin: boolean;
}

export class Interrupted extends Error {
  override name = 'KeyboardInterrupt';
  constructor() {
    super(MSG.interrupted);
  }
}

export class StdinNotAllowed extends Error {
  override name = 'StdinNotImplementedError';
  constructor() {
    super(MSG.stdinNotAllowed);
  }
}

/** The front end allowed stdin but its stdin channel never connected (or the send failed). */
export class StdinUnreachable extends Error {
  override name = 'StdinUnreachableError';
}

export type CellValue = { value: unknown } | null;

const SIGINT_MESSAGE = /Script execution was interrupted by `SIGINT`/;
const STEP_SLOT = '__nrb_step';

export class Runtime {
  private readonly als = new AsyncLocalStorage<OutputPort>();
  private rejectRunning: ((err: Error) => void) | null = null;
  private cellCounter = 0;
  private readonly cwdRequire: NodeJS.Require;
  /** The output of the most recent cell: where output with no cell context goes. */
  private fallback: OutputPort | null = null;

  constructor(private readonly cwd: string) {
    this.cwdRequire = createRequire(path.join(cwd, '__runbook_cell__.js'));
    this.installGlobals();
  }

  private port(): OutputPort | null {
    return this.als.getStore() ?? this.fallback;
  }

  private installGlobals(): void {
    const g = globalThis as unknown as Record<string | symbol, unknown>;
    const rt = this;
    const originalStderr = process.stderr.write.bind(process.stderr) as (s: string) => boolean;
    // Route the process streams: console.log, process.stdout.write, child output piped by libraries.
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = process[name];
      const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
      stream.write = function write(chunk: unknown, ...rest: unknown[]): boolean {
        const port = rt.als.getStore();
        if (!port) return original(chunk, ...rest);
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        port.stream(name, text);
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        if (cb) queueMicrotask(cb);
        return true;
      } as typeof stream.write;
    }
    // A console without colours: notebooks are saved and exported, ANSI codes would leak.
    g.console = new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false });
    const host: DisplayHost = {
      display(msg, update) {
        const port = rt.port();
        if (port) port.display(msg.data, msg.metadata, msg.transient, update);
      },
      clear(wait) {
        rt.port()?.clear(wait);
      },
    };
    g[HOST] = host;
    g.display = display;
    g.require = this.cwdRequire;
    g.prompt = (message?: string, defaultValue?: string) => rt.input(message ?? '', false).then((v) => (v === '' && defaultValue !== undefined ? defaultValue : v));
    g.confirm = (message?: string) => rt.input(`${message ?? ''} [y/N] `, false).then((v) => /^y(es)?$/i.test(v.trim()));
    g[RUNTIME_GLOBAL] = {
      run: (body: () => Generator<unknown, unknown, unknown>) => this.drive(body),
      import: (spec: string) => this.importModule(spec),
      defaultOf: (ns: unknown) => (ns !== null && typeof ns === 'object' && 'default' in ns ? (ns as { default: unknown }).default : ns),
    };
    // A throw from a timer or an unhandled rejection must not kill the kernel: report it on
    // the cell it came from (or the latest cell), else on the kernel's own stderr.
    const late = (err: unknown) => {
      const port = this.port();
      if (port) port.lateError(err);
      else originalStderr(`runbook kernel: uncaught ${describeError(err).traceback.join('\n')}\n`);
    };
    process.on('unhandledRejection', late);
    process.on('uncaughtException', late);
  }

  /** One resumption of a cell's generator, inside a vm call that SIGINT can break. */
  private readonly stepScript = new vm.Script(`globalThis[${JSON.stringify(STEP_SLOT)}]()`, { filename: 'runbook-step.js' });

  /**
   * Drive a cell compiled to a generator (its top-level awaits are yields): every resumption
   * runs through `stepScript` with breakOnSigint, so a synchronous loop after an await is as
   * interruptible as one before it.
   */
  private drive(body: () => Generator<unknown, unknown, unknown>): Promise<unknown> {
    const g = globalThis as unknown as Record<string, unknown>;
    return new Promise((resolve, reject) => {
      const gen = body();
      const step = (method: 'next' | 'throw', arg: unknown) => {
        let r: IteratorResult<unknown, unknown>;
        g[STEP_SLOT] = () => (method === 'next' ? gen.next(arg) : gen.throw(arg));
        try {
          r = this.stepScript.runInThisContext({ breakOnSigint: true }) as IteratorResult<unknown, unknown>;
        } catch (err) {
          reject(err instanceof Error && SIGINT_MESSAGE.test(err.message) ? new Interrupted() : err);
          return;
        } finally {
          g[STEP_SLOT] = undefined;
        }
        if (r.done) resolve(r.value);
        else Promise.resolve(r.value).then((v) => step('next', v), (e: unknown) => step('throw', e));
      };
      step('next', undefined);
    });
  }

  private async input(prompt: string, password: boolean): Promise<string> {
    const port = this.port();
    if (!port || !port.allowStdin) throw new StdinNotAllowed();
    return port.input(prompt, password);
  }

  /**
   * Resolve a cell's import: `netrunbook[/x]` is this kernel's own package (self-reference),
   * other bare names come from the working directory first and the kernel's install second.
   */
  async importModule(spec: string): Promise<unknown> {
    if (spec === 'netrunbook' || spec.startsWith('netrunbook/') || isBuiltin(spec)) return import(spec);
    if (spec.startsWith('.') || spec.startsWith('/')) return import(pathToFileURL(path.resolve(this.cwd, spec)).href);
    if (spec.startsWith('file:') || spec.startsWith('data:')) return import(spec);
    let resolved: string | null = null;
    try {
      resolved = this.cwdRequire.resolve(spec);
    } catch {
      resolved = null;
    }
    return resolved ? import(pathToFileURL(resolved).href) : import(spec);
  }

  private active = false;
  private interruptPending = false;

  /** The kernel accepted an execute request: an interrupt from now on belongs to it. */
  begin(): void {
    this.active = true;
    this.interruptPending = false;
  }

  end(): void {
    this.active = false;
    this.interruptPending = false;
  }

  /**
   * Interrupt the running cell (SIGINT handler or interrupt_request). An interrupt that arrives
   * while the cell is still being compiled is kept and stops it before it starts.
   */
  interrupt(): boolean {
    if (this.rejectRunning) {
      this.rejectRunning(new Interrupted());
      return true;
    }
    if (this.active) this.interruptPending = true;
    return this.active;
  }

  /** Compile and run one cell. Resolves with its last value (null: none); rejects with its error. */
  async execute(code: string, port: OutputPort): Promise<CellValue> {
    this.fallback = port;
    const compiled = compileCell(code);
    if (this.interruptPending) throw new Interrupted();
    const n = ++this.cellCounter;
    return this.als.run(port, async () => {
      let interrupted!: Promise<never>;
      const stop = new Promise<never>((_, reject) => {
        this.rejectRunning = reject;
      });
      interrupted = stop;
      stop.catch(() => undefined);
      try {
        let ret: unknown;
        try {
          ret = vm.runInThisContext(compiled.script, { filename: `cell-${n}.js`, breakOnSigint: true });
        } catch (err) {
          if (err instanceof Error && SIGINT_MESSAGE.test(err.message)) throw new Interrupted();
          throw err;
        }
        if (compiled.async) (ret as Promise<unknown>).catch(() => undefined); // an abandoned await must not surface later
        const box = compiled.async ? await Promise.race([ret as Promise<unknown>, interrupted]) : ret;
        return Array.isArray(box) ? { value: box[0] as unknown } : null;
      } finally {
        this.rejectRunning = null;
      }
    });
  }

  /** Evaluate a user expression (execute_request.user_expressions) synchronously. */
  evaluateExpression(expr: string): unknown {
    const compiled = compileCell(expr);
    const box = vm.runInThisContext(compiled.script, { filename: 'user-expression.js' });
    return Array.isArray(box) ? box[0] : undefined;
  }
}

/** The part of an Arquero table the kernel shows (duck-typed: the kernel does not import arquero). */
interface TableLike {
  columnNames(): string[];
  numRows(): number;
  objects(options: { limit: number }): Record<string, unknown>[];
}

function isTableLike(value: unknown): value is TableLike {
  const v = value as Partial<Record<keyof TableLike, unknown>> | null;
  return v !== null && typeof v === 'object' && typeof v.columnNames === 'function' && typeof v.numRows === 'function' && typeof v.objects === 'function';
}

const TABLE_ROWS = 50;

/** The MIME bundle of a cell's value: its own bundle if it has one, else util.inspect text. */
export function valueBundle(value: unknown): { data: MimeBundle; metadata: Record<string, unknown> } | null {
  if (isDisplayHandle(value)) return null;
  if (isDisplayable(value)) {
    const dd = toDisplayData(value);
    return { data: dd.data, metadata: dd.metadata ?? {} };
  }
  if (isTableLike(value)) {
    // Arquero tables: an escaped HTML table and an aligned text table of the first rows.
    const columns = value.columnNames();
    const total = value.numRows();
    const rows = value.objects({ limit: TABLE_ROWS }).map((r) => columns.map((c) => r[c]));
    const caption = `${total} rows × ${columns.length} columns${total > TABLE_ROWS ? ` (first ${TABLE_ROWS})` : ''}`;
    return { data: { 'text/html': htmlTable(columns, rows, { caption }), 'text/plain': `${caption}\n${textTable(columns, rows, TABLE_ROWS)}` }, metadata: {} };
  }
  return { data: { 'text/plain': util.inspect(value, { colors: false, depth: 4, maxArrayLength: 100 }) }, metadata: {} };
}

/** `display(...)` returns a handle; as a cell's last value it would echo the display. */
function isDisplayHandle(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return keys.length === 2 && keys.includes('display_id') && typeof (value as { update?: unknown }).update === 'function';
}

/** ename/evalue/traceback of anything thrown, without the kernel's own frames. */
export function describeError(err: unknown): { ename: string; evalue: string; traceback: string[] } {
  if (err instanceof Interrupted) return { ename: err.name, evalue: err.message, traceback: [`${err.name}: ${err.message}`] };
  if (err instanceof Error) {
    const ename = err.name || 'Error';
    const evalue = err.message;
    const frames = (err.stack ?? '')
      .split('\n')
      .slice(1)
      .filter((l) => /^\s+at /.test(l) && !/node:internal|node:async_hooks|node:vm|\/dist\/kernel\//.test(l));
    return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...frames] };
  }
  const text = util.inspect(err, { colors: false });
  return { ename: 'Error', evalue: text, traceback: [`Uncaught ${text}`] };
}
