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
import fs from 'node:fs';
import { createRequire, isBuiltin, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import vm from 'node:vm';
import { display, HOST, isDisplayable, isTableLike, tableData, toDisplayData, type DisplayHost, type MimeBundle } from '../src/display.js';
import { compileCell, RUNTIME_GLOBAL } from './compile.js';
import { resolveLocal } from './local-modules.js';
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
      bind: bindImport,
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
    if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec === '.' || spec === '..') return this.importLocal(spec);
    if (spec.startsWith('file:') || spec.startsWith('data:')) return import(spec);
    let resolved: string | null = null;
    try {
      resolved = this.cwdRequire.resolve(spec);
    } catch {
      resolved = null;
    }
    return resolved ? import(pathToFileURL(resolved).href) : import(spec);
  }

  private hooksRegistered = false;

  /**
   * A file next to the notebook (`./helper.ts`, `./helper`, `./helper.js` for helper.ts, `.mts`,
   * `.js`): TypeScript goes through the hooks of ts-hooks.ts; the URL carries the file's
   * modification time, so importing an edited helper again loads the new version.
   */
  private async importLocal(spec: string): Promise<unknown> {
    const abs = path.resolve(this.cwd, spec);
    const file = resolveLocal(abs);
    if (!file) throw Object.assign(new Error(MSG.localNotFound(spec, this.cwd)), { code: 'ERR_MODULE_NOT_FOUND' });
    if (!this.hooksRegistered) {
      register(new URL('./ts-hooks.js', import.meta.url));
      this.hooksRegistered = true;
    }
    const url = pathToFileURL(file);
    url.searchParams.set('v', String(fs.statSync(file).mtimeMs));
    return import(url.href);
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

  /**
   * Compile and run one cell. Resolves with its last value (null: none); rejects with its error.
   * `label` names the cell in tracebacks (`In [3]`, the execution count).
   */
  async execute(code: string, port: OutputPort, label?: string | number): Promise<CellValue> {
    this.fallback = port;
    const compiled = compileCell(code);
    if (this.interruptPending) throw new Interrupted();
    const n = ++this.cellCounter;
    CELL_SOURCES.set(`cell-${n}.js`, { label: `In [${label ?? n}]`, code: code.split('\n'), lines: compiled.lines });
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

/** The MIME bundle of a cell's value: its own bundle if it has one, else util.inspect text. */
export function valueBundle(value: unknown): { data: MimeBundle; metadata: Record<string, unknown> } | null {
  if (isDisplayHandle(value)) return null;
  if (isDisplayable(value)) {
    const dd = toDisplayData(value);
    return { data: dd.data, metadata: dd.metadata ?? {} };
  }
  if (isTableLike(value)) return { data: tableData(value).data, metadata: {} };
  return { data: { 'text/plain': util.inspect(value, { colors: false, depth: 4, maxArrayLength: 100 }) }, metadata: {} };
}

/** `display(...)` returns a handle; as a cell's last value it would echo the display. */
function isDisplayHandle(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return keys.length === 2 && keys.includes('display_id') && typeof (value as { update?: unknown }).update === 'function';
}

/** What a traceback needs to name a cell's frames by their TypeScript line. */
interface CellSource {
  label: string;
  code: string[];
  /** Script line -> cell line (see CompiledCell.lines). */
  lines: number[];
}

/** Every cell run in this process, by the filename its script was evaluated under. */
const CELL_SOURCES = new Map<string, CellSource>();

/**
 * A missing named export (ESM semantics): thrown at once when the importing cell reads the name,
 * otherwise when any later code reads it (the name may have been a type, erased from the code).
 */
function bindImport(ns: Record<string, unknown>, local: string, imported: string, spec: string, usedNow: boolean): void {
  const g = globalThis as unknown as Record<string, unknown>;
  if (imported in ns) {
    Object.defineProperty(g, local, { value: ns[imported], writable: true, configurable: true, enumerable: true });
    return;
  }
  const missing = () => Object.assign(new SyntaxError(MSG.missingExport(spec, imported, nearNames(imported, Object.keys(ns)))), { code: 'ERR_MODULE_MISSING_EXPORT' });
  if (usedNow) throw missing();
  Object.defineProperty(g, local, {
    configurable: true,
    enumerable: false,
    get() {
      throw missing();
    },
    set(v: unknown) {
      Object.defineProperty(g, local, { value: v, writable: true, configurable: true, enumerable: true });
    },
  });
}

/** Exports whose name is within two edits of `name`, ignoring case (closest first). */
function nearNames(name: string, names: string[]): string[] {
  const distance = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length] ?? 0;
  };
  const lower = name.toLowerCase();
  return names
    .map((n) => ({ n, d: distance(lower, n.toLowerCase()) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.n);
}

const INTERNAL_FRAME = /node:internal|node:async_hooks|node:vm|\/dist\/kernel\/|runbook-step\.js|\(<anonymous>\)$|^\s+at <anonymous>$/;
const CELL_FRAME = /^(\s+at )(?:(.*) \()?(cell-\d+\.js):(\d+):(\d+)\)?$/;
const LIBRARY_FRAMES_SHOWN = 2;

/** Shorten a library frame's path to the package-relative part. */
function shortFrame(line: string): string {
  return line.replace(/(?:file:\/\/)?\/[^\s()]*\/node_modules\//, '').replace(/(?:file:\/\/)?\/[^\s()]*\/(dist\/src\/)/, 'netrunbook/$1');
}

/**
 * A stack as the user wrote the code: frames in cells become `In [n], line L` followed by that
 * TypeScript line; frames in libraries are shortened to their package path and at most two in
 * a row are shown; the kernel's and Node's own frames are dropped.
 */
export function mapStack(stack: string): string[] {
  const out: string[] = [];
  let hidden = 0;
  let libraryRun = 0;
  const flush = () => {
    if (hidden > 0) out.push(`    ... ${hidden} more frame${hidden === 1 ? '' : 's'} in libraries`);
    hidden = 0;
  };
  for (const line of stack.split('\n').slice(1)) {
    if (!/^\s+at /.test(line) || INTERNAL_FRAME.test(line)) continue;
    const m = CELL_FRAME.exec(line);
    const src = m ? CELL_SOURCES.get(m[3] ?? '') : undefined;
    if (m && src) {
      flush();
      libraryRun = 0;
      const cellLine = src.lines[Number(m[4]) - 1] ?? 0;
      if (cellLine === 0) continue; // the wrapper's own call
      const where = cellLine > 0 ? `${src.label}, line ${cellLine}` : src.label;
      const fn = m[2] && m[2] !== 'Generator.next' ? m[2].replace(/^(Object|Generator)\./, '') : '';
      out.push(fn && !/^<anonymous>$/.test(fn) ? `${m[1]}${fn} (${where})` : `${m[1]}${where}`);
      const text = src.code[cellLine - 1];
      if (cellLine > 0 && text !== undefined) out.push(`      ${String(cellLine).padStart(3)} | ${text.trim()}`);
      continue;
    }
    if (++libraryRun > LIBRARY_FRAMES_SHOWN) hidden++;
    else out.push(shortFrame(line));
  }
  flush();
  return out;
}

/** ename/evalue/traceback of anything thrown, without the kernel's own frames. */
export function describeError(err: unknown): { ename: string; evalue: string; traceback: string[] } {
  if (err instanceof Interrupted) return { ename: err.name, evalue: err.message, traceback: [`${err.name}: ${err.message}`] };
  if (err instanceof Error) {
    const ename = err.name || 'Error';
    const evalue = err.message;
    return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...mapStack(err.stack ?? '')] };
  }
  const text = util.inspect(err, { colors: false });
  return { ename: 'Error', evalue: text, traceback: [`Uncaught ${text}`] };
}
