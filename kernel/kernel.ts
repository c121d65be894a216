/**
 * The kernel: wires transport, protocol, handlers and runtime.
 *
 * Shell requests are handled one at a time in arrival order; control requests (interrupt,
 * shutdown, kernel_info) are handled as they arrive, so an interrupt is never stuck behind the
 * cell it interrupts. Every request is bracketed by busy/idle on iopub with the request as
 * parent. Messages whose signature does not verify are dropped (logged on stderr) and the kernel
 * carries on.
 */
import { createRequire } from 'node:module';
import { bindKernel, UnroutableError, type Channel, type ConnectionInfo, type KernelSockets } from './transport.js';
import {
  childMessage,
  decode,
  DigestHistory,
  encode,
  isRequestType,
  PROTOCOL_VERSION,
  reply,
  Signer,
  type ExecuteReply,
  type ExecuteRequest,
  type IOPub,
  type IOPubType,
  type JsonObject,
  type KernelInfoReply,
  type Message,
  type ReplyContentOf,
  type Requests,
  type RequestType,
} from './protocol.js';
import { History } from './history.js';
import { isComplete } from './is-complete.js';
import { describeError, Interrupted, Runtime, StdinUnreachable, valueBundle, type OutputPort } from './runtime.js';
import { isLoaded as isTsLoaded, ts } from './typescript.js';
import { startAnalyzer, type Analyzer, type TypeDiagnostic } from './executor.js';
import { startSentinel, type Sentinel } from './sentinel.js';
import { MSG } from './messages.js';
import { RunRecorder, type RecordedStatus } from './provenance.js';

const require = createRequire(import.meta.url);
const PKG = require('../../package.json') as { version: string };
const TS_VERSION = (require('typescript/package.json') as { version: string }).version;


/** How long an input_request waits for the front end's stdin socket to connect, and how often it retries. */
const STDIN_CONNECT_MS = 5_000;
const STDIN_RETRY_MS = 20;

export type TypeCheckMode = 'background' | 'strict' | 'off';

/**
 * How long a cell waits past its end for its type check in `background` mode (ms). 0: the
 * problems are shown when the check finished before the cell did (cells that load or probe
 * something); a check still running is never reported late (RUNBOOK_TYPECHECK_WAIT_MS raises it,
 * `strict` always waits).
 */
const CHECK_WAIT_MS = 0;

/** Type problems of a cell, one labelled block (a stderr stream on the cell). */
function formatDiagnostics(diags: TypeDiagnostic[]): string {
  const errors = diags.filter((d) => d.severity === 'error');
  const head = errors.length > 0 ? MSG.typeErrors(errors.length) : MSG.typeWarnings;
  return `${head}\n${diags.map((d) => `  line ${d.line}:${d.column} TS${d.code}: ${d.message}`).join('\n')}\n`;
}

/** Strict mode: the cell has type errors and did not run. */
export class TypeCheckError extends Error {
  override name = 'TypeCheckError';
  constructor(readonly diagnostics: TypeDiagnostic[]) {
    super(`${MSG.typeErrorsStrict(diagnostics.length)}\n${diagnostics.map((d) => `  line ${d.line}:${d.column} TS${d.code}: ${d.message}`).join('\n')}`);
  }
}

export interface KernelOptions {
  cwd?: string;
  typeCheck?: TypeCheckMode;
  /** background mode: how long a cell waits past its end for its type check (default 0). */
  checkWaitMs?: number;
  /** The connection file: removed if the parent goes away (its key must not outlive it). */
  connectionFile?: string;
  /** The process that started the kernel is gone (default: exit). */
  onParentGone?(): void;
  /** Called once sockets are closed after a shutdown_request. */
  onShutdown?(restart: boolean): void;
  /**
   * Keep a run record and show it as an INVESTIGATION_MIME display (kernel/provenance.ts), so a
   * notebook stepped through in a front end saves its provenance. Default on; `runbook run`
   * turns it off (it writes metadata.investigation itself).
   */
  provenance?: boolean;
}

interface StdinWaiter {
  resolve(v: string): void;
  reject(e: Error): void;
}

type Handlers = { [K in RequestType]: (msg: Message<Requests[K]>, channel: Channel) => Promise<ReplyContentOf<K>> };

/** A port bound to one parent message: what a cell's output is attached to. */
interface CellPort extends OutputPort {
  flush(): void;
}

export class Kernel {
  private sockets!: KernelSockets;
  private sentinel: Promise<Sentinel> | null = null;
  private readonly signer: Signer;
  private readonly digests = new DigestHistory();
  private readonly session = `runbook-${process.pid}-${Date.now().toString(36)}`;
  private readonly history = new History();
  private readonly runtime: Runtime;
  private analyzer: Analyzer | null = null;
  private executionCount = 0;
  private readonly shellQueue: Message<JsonObject>[] = [];
  private shellBusy = false;
  /** Requests already queued when a cell failed with stop_on_error: they are aborted (not later ones). */
  private abortQueued = new Set<Message<JsonObject>>();
  private stdinWaiter: StdinWaiter | null = null;
  private warmed = false;
  private readonly typeCheck: TypeCheckMode;
  private readonly checkWaitMs: number;
  private readonly handlers: Handlers;
  private readonly recorder: RunRecorder | null;

  constructor(
    private readonly conn: ConnectionInfo,
    private readonly opts: KernelOptions = {},
  ) {
    this.signer = new Signer(conn.key, conn.signature_scheme);
    this.runtime = new Runtime(opts.cwd ?? process.cwd());
    this.typeCheck = opts.typeCheck ?? 'background';
    this.checkWaitMs = opts.checkWaitMs ?? CHECK_WAIT_MS;
    this.recorder = opts.provenance === false ? null : new RunRecorder(this.session, { name: 'runbook', version: PKG.version, implementation: 'runbook' });
    this.handlers = {
      kernel_info_request: async () => this.kernelInfo(),
      execute_request: (msg) => this.execute(msg),
      inspect_request: async (msg) => {
        const info = await this.analyzerUpToDate().inspect(msg.content.code, msg.content.cursor_pos);
        return info
          ? { status: 'ok', found: true, data: { 'text/plain': info.text, 'text/markdown': '```typescript\n' + info.text + '\n```' }, metadata: {} }
          : { status: 'ok', found: false, data: {}, metadata: {} };
      },
      complete_request: async (msg) => {
        const c = await this.analyzerUpToDate().complete(msg.content.code, msg.content.cursor_pos);
        return { status: 'ok', matches: c.matches, cursor_start: c.start, cursor_end: c.end, metadata: {} };
      },
      is_complete_request: async (msg) => isComplete(msg.content.code),
      history_request: async (msg) => ({ status: 'ok', history: this.history.query(msg.content) }),
      comm_info_request: async () => ({ status: 'ok', comms: {} }),
      interrupt_request: async () => {
        this.interrupt();
        return { status: 'ok' };
      },
      shutdown_request: async (msg) => ({ status: 'ok', restart: Boolean(msg.content.restart) }),
    };
  }

  async start(): Promise<void> {
    this.sockets = await bindKernel(this.conn);
    this.sockets.shell.listen((frames) => this.receive(frames, this.sockets.shell, 'shell'));
    this.sockets.stdin.listen((frames) => this.receiveStdin(frames));
    process.on('SIGINT', () => this.interrupt());
    this.publish(null, 'status', { execution_state: 'starting' });
    const parentPid = Number(process.env.JPY_PARENT_PID);
    this.sentinel = startSentinel(
      {
        conn: this.conn,
        connectionFile: this.opts.connectionFile ?? null,
        parentPid: Number.isInteger(parentPid) && parentPid > 1 ? parentPid : null,
        ppid: process.ppid,
        session: this.session,
        pollMs: 250,
        orphanTemp: process.env.RUNBOOK_ORPHAN_TEMP || null,
      },
      {
        onInterrupt: (request) => {
          this.interrupt();
          this.publish(request, 'status', { execution_state: 'busy' });
          this.publish(request, 'status', { execution_state: 'idle' });
        },
        onParentGone: (reason) => {
          process.stderr.write(`${MSG.parentGone(reason)}\n`);
          this.runtime.interrupt();
          (this.opts.onParentGone ?? (() => process.exit(0)))();
        },
        onBadMessage: (reason) => process.stderr.write(`${MSG.badSignature(reason)}\n`),
      },
    );
    const sentinel = await this.sentinel;
    sentinel.control.listen((frames) => this.receive(frames, sentinel.control, 'control'));
    // Pre-warm shortly after start even if no client asks for kernel_info first.
    setTimeout(() => this.warm(), 300).unref();
  }

  /**
   * Warm-up happens once the kernel has been idle for a moment after its first request: start
   * the analyzer thread (tslab's checker, ~1 s of CPU) and load the TypeScript compiler (blocks
   * the main thread for a few hundred ms). Done right at start-up, both would land on the cells
   * a client sends immediately; a request that needs the analyzer starts it on demand.
   */
  private warm(): void {
    this.warmed = true;
    this.scheduleWarmUp();
  }

  private warmTimer: NodeJS.Timeout | null = null;

  private scheduleWarmUp(): void {
    // With type checking off (headless runs) the analyzer only starts if completion or
    // inspection asks for it.
    const wantAnalyzer = this.typeCheck !== 'off';
    if (isTsLoaded() && (this.analyzer || !wantAnalyzer)) return;
    if (this.warmTimer) clearTimeout(this.warmTimer);
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      if (this.shellBusy || this.shellQueue.length > 0) {
        this.scheduleWarmUp();
        return;
      }
      if (wantAnalyzer) this.analyze();
      setImmediate(() => ts());
    }, 1000);
    this.warmTimer.unref();
  }

  /**
   * The type check of a cell, started when the cell starts (the analyzer thread answers in
   * cell order, at the lowest CPU priority) and reported on the cell before it goes idle: a front
   * end forgets a request once it is idle (JupyterLab drops its later output, `jupyter console`
   * prints it into the next prompt). In `background` mode the cell does not wait for a check
   * longer than `checkWaitMs` past its own end; such a check still extends the declarations
   * later cells are checked against, its problems are not shown.
   */
  private async reportCheck(check: Promise<TypeDiagnostic[]>, port: CellPort, waitMs: number): Promise<void> {
    if (waitMs <= 0) {
      // Only a check that already finished (a settled promise answers within a microtask turn).
      let done: TypeDiagnostic[] | null = null;
      void check.then((d) => (done = d), () => undefined);
      await new Promise<void>((r) => setImmediate(r));
      const diags = done as TypeDiagnostic[] | null;
      if (diags && diags.length > 0) port.stream('stderr', formatDiagnostics(diags));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
    });
    const diags = await Promise.race([check.catch(() => []), late]);
    clearTimeout(timer);
    if (diags && diags.length > 0) port.stream('stderr', formatDiagnostics(diags));
  }

  /** Completion and inspection see the declarations of every cell checked so far (in order). */
  private analyzerUpToDate(): Analyzer {
    return this.analyze();
  }

  private analyze(): Analyzer {
    this.analyzer ??= startAnalyzer();
    return this.analyzer;
  }

  private interrupt(): void {
    this.runtime.interrupt();
    if (this.stdinWaiter) {
      this.stdinWaiter.reject(new Interrupted());
      this.stdinWaiter = null;
    }
  }

  private send(channel: Channel, msg: Message<unknown>): Promise<void> {
    return channel.send(encode(msg, this.signer)).catch((err: Error) => {
      process.stderr.write(`runbook kernel: send failed: ${err.message}\n`);
    });
  }

  publish<T extends IOPubType>(parent: Message<unknown> | null, type: T, content: IOPub[T]): void {
    void this.send(this.sockets.iopub, childMessage(parent, type, content, this.session, []));
  }

  private receive(frames: Buffer[], channel: Channel, name: 'shell' | 'control'): void {
    const d = decode(frames, this.signer, this.digests);
    if (!d.ok) {
      process.stderr.write(`${MSG.badSignature(d.reason)}\n`);
      return;
    }
    const msg = d.message;
    if (name === 'control') {
      void this.dispatch(msg, channel);
      return;
    }
    this.shellQueue.push(msg);
    if (this.warmed) this.scheduleWarmUp();
    void this.pump();
  }

  private receiveStdin(frames: Buffer[]): void {
    const d = decode(frames, this.signer, this.digests);
    if (!d.ok) {
      process.stderr.write(`${MSG.badSignature(d.reason)}\n`);
      return;
    }
    if (d.message.header.msg_type === 'input_reply' && this.stdinWaiter) {
      const w = this.stdinWaiter;
      this.stdinWaiter = null;
      w.resolve(String(d.message.content.value ?? ''));
    }
  }

  private async pump(): Promise<void> {
    if (this.shellBusy) return;
    this.shellBusy = true;
    try {
      for (let msg = this.shellQueue.shift(); msg; msg = this.shellQueue.shift()) {
        if (this.abortQueued.delete(msg) && msg.header.msg_type === 'execute_request') {
          this.publish(msg, 'status', { execution_state: 'busy' });
          await this.send(this.sockets.shell, reply(msg as unknown as Message<ExecuteRequest> & { header: { msg_type: 'execute_request' } }, { status: 'aborted', execution_count: null }, this.session));
          this.publish(msg, 'status', { execution_state: 'idle' });
          continue;
        }
        await this.dispatch(msg, this.sockets.shell);
      }
    } finally {
      this.shellBusy = false;
      this.abortQueued.clear();
    }
  }

  private async dispatch(msg: Message<JsonObject>, channel: Channel): Promise<void> {
    const type = msg.header.msg_type;
    if (type === 'comm_open') {
      // No comm targets are registered: close the comm as the spec asks.
      this.publish(msg, 'comm_close', { comm_id: String(msg.content.comm_id ?? ''), data: {} });
      return;
    }
    if (type === 'comm_msg' || type === 'comm_close') return;
    if (!isRequestType(type)) {
      process.stderr.write(`${MSG.unknownRequest(type)}\n`);
      return;
    }
    this.publish(msg, 'status', { execution_state: 'busy' });
    try {
      await this.answer(type, msg as unknown as Message<Requests[typeof type]> & { header: { msg_type: typeof type } }, channel);
    } finally {
      this.publish(msg, 'status', { execution_state: 'idle' });
    }
    if (type === 'kernel_info_request') this.warm();
    if (type === 'shutdown_request') await this.shutdown(Boolean((msg.content as { restart?: boolean }).restart), msg);
  }

  private async answer<R extends RequestType>(type: R, msg: Message<Requests[R]> & { header: { msg_type: R } }, channel: Channel): Promise<void> {
    const handler = this.handlers[type] as (m: Message<Requests[R]>, c: Channel) => Promise<ReplyContentOf<R>>;
    let content: ReplyContentOf<R>;
    try {
      content = await handler(msg, channel);
    } catch (err) {
      const e = describeError(err);
      content = { status: 'error', ...e } as ReplyContentOf<R>;
    }
    await this.send(channel, reply(msg, content, this.session));
  }

  private kernelInfo(): KernelInfoReply {
    return {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: 'runbook',
      implementation_version: PKG.version,
      language_info: {
        name: 'typescript',
        version: TS_VERSION,
        mimetype: 'text/typescript',
        file_extension: '.ts',
        pygments_lexer: 'typescript',
        codemirror_mode: { name: 'javascript', typescript: true },
        nbconvert_exporter: 'script',
      },
      banner: `netrunbook TypeScript kernel ${PKG.version} (TypeScript ${TS_VERSION}, Node.js ${process.version})`,
      debugger: false,
      help_links: [{ text: 'netrunbook', url: 'https://github.com/netrunbook/netrunbook' }],
    };
  }

  private makePort(parent: Message<unknown>, allowStdin: boolean): CellPort {
    const buffers: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      for (const name of ['stdout', 'stderr'] as const) {
        if (buffers[name]) {
          this.publish(parent, 'stream', { name, text: buffers[name] });
          buffers[name] = '';
        }
      }
    };
    return {
      allowStdin,
      flush,
      stream: (name, text) => {
        buffers[name] += text;
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      },
      display: (data, metadata, transient, update) => {
        flush();
        if (update) this.publish(parent, 'update_display_data', { data, metadata, transient });
        else this.publish(parent, 'display_data', { data, metadata, transient });
      },
      clear: (wait) => {
        flush();
        this.publish(parent, 'clear_output', { wait });
      },
      lateError: (err) => {
        flush();
        this.publish(parent, 'error', describeError(err));
      },
      input: (prompt, password) => {
        flush();
        return new Promise<string>((resolve, reject) => {
          this.stdinWaiter?.reject(new Interrupted());
          const waiter: StdinWaiter = { resolve, reject };
          this.stdinWaiter = waiter;
          void this.requestInput(childMessage(parent, 'input_request', { prompt, password }, this.session), waiter);
        });
      },
    };
  }

  /**
   * Send an input_request to the identity the execute_request came from. The stdin ROUTER
   * refuses (instead of silently dropping) a message for a peer that has not connected its
   * stdin socket yet, which a client that connected before the kernel bound can still be doing
   * when its first cell runs: retry until it has, while the prompt is still waiting, and fail
   * the prompt after STDIN_CONNECT_MS rather than hang the cell.
   */
  private async requestInput(msg: Message<unknown>, waiter: StdinWaiter): Promise<void> {
    const frames = encode(msg, this.signer);
    const deadline = performance.now() + STDIN_CONNECT_MS;
    for (;;) {
      try {
        await this.sockets.stdin.send(frames);
        return;
      } catch (err) {
        if (this.stdinWaiter !== waiter) return; // interrupted or superseded meanwhile
        if (!(err instanceof UnroutableError) || performance.now() >= deadline) {
          this.stdinWaiter = null;
          waiter.reject(new StdinUnreachable(err instanceof UnroutableError ? MSG.stdinUnreachable(STDIN_CONNECT_MS) : (err as Error).message));
          return;
        }
      }
      await new Promise((r) => setTimeout(r, STDIN_RETRY_MS));
      if (this.stdinWaiter !== waiter) return;
    }
  }

  /** A cell, recorded in the run record (kernel/provenance.ts) before its reply goes out. */
  private async execute(msg: Message<ExecuteRequest>): Promise<ExecuteReply> {
    const recorder = msg.content.silent ? null : this.recorder;
    const t0 = recorder?.begin() ?? 0;
    const r = await this.executeCell(msg);
    if (recorder && r.execution_count !== null && r.status !== 'aborted') {
      const meta = msg.metadata ?? {};
      const status: RecordedStatus = r.status === 'ok' ? 'ok' : r.ename === 'KeyboardInterrupt' ? 'interrupted' : 'error';
      const d = recorder.finish({
        code: String(msg.content.code ?? ''),
        executionCount: r.execution_count,
        ...(typeof meta.cellId === 'string' ? { cellId: meta.cellId } : {}),
        tags: Array.isArray(meta.tags) ? meta.tags.map(String) : [],
        t0,
        status,
      });
      // A failed cell is recorded but not shown: its one output stays the error (what front ends
      // and the conformance suite expect); the next cell's update carries it, and a notebook that
      // stops there shows it in the error output, which src/notebook/investigation.ts reads.
      if (d) this.publish(msg, d.type, d.content);
    }
    return r;
  }

  private async executeCell(msg: Message<ExecuteRequest>): Promise<ExecuteReply> {
    const c = msg.content;
    const code = String(c.code ?? '');
    const silent = Boolean(c.silent);
    const storeHistory = silent ? false : c.store_history !== false;
    const stopOnError = c.stop_on_error !== false;
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) this.publish(msg, 'execute_input', { code, execution_count: count });
    if (storeHistory) this.history.add(count, code);
    const port = this.makePort(msg, c.allow_stdin !== false);
    let check: Promise<TypeDiagnostic[]> | null = null;
    this.runtime.begin();
    try {
      // `name?` or `?name` pages the type information of `name` (IPython's convention).
      const page = /^\s*([A-Za-z_$][\w$.]*)\s*\?\s*$/.exec(code) ?? /^\s*\?\s*([A-Za-z_$][\w$.]*)\s*$/.exec(code);
      if (page) {
        const target = page[1] ?? '';
        const info = await this.analyzerUpToDate().inspect(target, target.length);
        return { status: 'ok', execution_count: count, payload: [{ source: 'page', data: { 'text/plain': info?.text ?? MSG.notFound(target) }, start: 0 }], user_expressions: {} };
      }
      if (this.typeCheck === 'strict') {
        const diags = await this.analyze().check(code);
        const errors = diags.filter((d) => d.severity === 'error');
        if (errors.length > 0) throw new TypeCheckError(errors);
        if (diags.length > 0) port.stream('stderr', formatDiagnostics(diags));
      } else if (this.typeCheck === 'background' && !silent) {
        check = this.analyze().check(code);
      }
      const result = await this.runtime.execute(code, port, storeHistory ? count : undefined);
      if (check) await this.reportCheck(check, port, this.checkWaitMs);
      port.flush();
      if (result && result.value !== undefined && !silent) {
        const bundle = valueBundle(result.value);
        if (bundle) {
          this.publish(msg, 'execute_result', { execution_count: count, data: bundle.data, metadata: bundle.metadata });
          const text = bundle.data['text/plain'];
          if (storeHistory && typeof text === 'string') this.history.setOutput(count, text);
        }
      }
      return { status: 'ok', execution_count: count, payload: [], user_expressions: this.userExpressions(c.user_expressions) };
    } catch (err) {
      if (check) await this.reportCheck(check, port, this.checkWaitMs);
      port.flush();
      const e = describeError(err);
      this.publish(msg, 'error', e);
      if (stopOnError) {
        // Let requests already sent by the client arrive, then abort them.
        await new Promise((r) => setTimeout(r, 2));
        this.abortQueued = new Set(this.shellQueue);
      }
      return { status: 'error', execution_count: count, ...e };
    } finally {
      this.runtime.end();
    }
  }

  private userExpressions(exprs: JsonObject | undefined): JsonObject {
    const out: JsonObject = {};
    for (const [name, expr] of Object.entries(exprs ?? {})) {
      try {
        const b = valueBundle(this.runtime.evaluateExpression(String(expr)));
        out[name] = { status: 'ok', data: b?.data ?? {}, metadata: b?.metadata ?? {} };
      } catch (err) {
        out[name] = { status: 'error', ...describeError(err) };
      }
    }
    return out;
  }

  private async shutdown(restart: boolean, msg: Message<JsonObject>): Promise<void> {
    this.publish(msg, 'shutdown_reply', { status: 'ok', restart });
    await new Promise((r) => setTimeout(r, 50));
    this.sockets.close();
    await (await this.sentinel)?.close();
    // The analyzer thread holds nothing to save; exiting ends it (waiting could take a check long).
    if (!this.opts.onShutdown) await this.analyzer?.close();
    this.opts.onShutdown?.(restart);
  }
}
