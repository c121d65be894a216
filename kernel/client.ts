/**
 * A small typed Jupyter client for the runbook kernel (used by the headless runner).
 *
 * It starts OUR kernel (`node dist/kernel/main.js CONNECTION_FILE`) with a fresh connection
 * file (random free ports on 127.0.0.1, random HMAC key), waits until the kernel answers
 * kernel_info and its iopub subscription is live, and runs cells, returning nbformat-shaped
 * outputs. Stable API:
 *
 *   const kc = await KernelClient.start({ cwd: '/path/to/notebook/dir' });
 *   const r = await kc.execute('console.log(1 + 1); 40 + 2', {
 *     onOutput: (o) => console.error(o.output_type),   // every message as it arrives
 *     timeoutMs: 60_000,                                 // interrupts the cell on expiry
 *   });
 *   // r = { status: 'ok', executionCount: 1, outputs: [{output_type:'stream',name:'stdout',text:'2\n'},
 *   //       {output_type:'execute_result',execution_count:1,data:{'text/plain':'42'},metadata:{}}],
 *   //       startedAt, finishedAt, timedOut: false }
 *   await kc.restart();   // fresh kernel process, state gone
 *   await kc.shutdown();
 *
 * `execute` resolves (never rejects) for ok / error / aborted cells; it rejects only when the
 * kernel process dies or the client is shut down. `outputs` is ready to store in a notebook:
 * clear_output and update_display_data are already applied, adjacent streams merged, transient
 * fields dropped. `onOutput` sees the raw sequence (including clear_output and
 * update_display_data). Interrupts use SIGINT (the kernelspec's interrupt_mode is "signal").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectClient, type ClientSockets, type ConnectionInfo } from './transport.js';
import { decode, encode, header, Signer, type ExecuteRequest, type JsonObject, type Message } from './protocol.js';
import { withHugePages } from './allocator.js';

export type MimeBundle = Record<string, unknown>;

export type KernelOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: MimeBundle; metadata: JsonObject; transient?: { display_id?: string } }
  | { output_type: 'update_display_data'; data: MimeBundle; metadata: JsonObject; transient: { display_id?: string } }
  | { output_type: 'execute_result'; execution_count: number | null; data: MimeBundle; metadata: JsonObject }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] }
  | { output_type: 'clear_output'; wait: boolean };

/** The outputs stored in a notebook cell (what `ExecuteResult.outputs` holds). */
export type StoredOutput = Exclude<KernelOutput, { output_type: 'update_display_data' | 'clear_output' }>;

export interface StartOptions {
  kernelName?: string;
  /** Working directory of the kernel (cells resolve relative paths and packages from it). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Override the kernel command; `{connection_file}` is replaced. Default: node dist/kernel/main.js. */
  argv?: string[];
  /** How long to wait for the kernel to answer kernel_info (default 30 s). */
  startTimeoutMs?: number;
}

export interface ExecuteOptions {
  onOutput?(o: KernelOutput): void;
  /** Interrupt the cell after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Default true: a failing cell aborts cells already queued behind it. */
  stopOnError?: boolean;
  /** Default: true when `onInput` is given. */
  allowStdin?: boolean;
  onInput?(prompt: string, password: boolean): Promise<string>;
  silent?: boolean;
  storeHistory?: boolean;
}

export interface ExecuteResult {
  status: 'ok' | 'error' | 'aborted';
  executionCount: number | null;
  outputs: StoredOutput[];
  error?: { ename: string; evalue: string; traceback: string[] };
  /** ISO timestamps taken by the client around the request. */
  startedAt: string;
  finishedAt: string;
  timedOut: boolean;
}

export class KernelDiedError extends Error {
  override name = 'KernelDiedError';
  constructor(message: string, readonly log: string) {
    super(message);
  }
}

const KERNEL_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

type Listener = (msg: Message<JsonObject>) => void;

/** Everything that belongs to one kernel process. */
interface Live {
  child: ChildProcess;
  sockets: ClientSockets;
  signer: Signer;
  connectionFile: string;
  exited: Promise<void>;
  exitCode: number | null;
  dead: boolean;
}

export class KernelClient {
  private live!: Live;
  private readonly session = randomUUID();
  private readonly shellWaiters = new Map<string, Listener>();
  private readonly iopubWaiters = new Map<string, Listener>();
  private readonly stdinWaiters = new Map<string, Listener>();
  private readonly deathWaiters = new Set<(e: Error) => void>();
  private log = '';
  private closed = false;

  private constructor(private readonly opts: StartOptions) {}

  /** Spawn the kernel and wait until it is ready. */
  static async start(opts: StartOptions = {}): Promise<KernelClient> {
    const kc = new KernelClient(opts);
    await kc.launch();
    return kc;
  }

  /** The kernel's process id (changes on restart). */
  get pid(): number | undefined {
    return this.live.child.pid;
  }

  /** The connection file of the running kernel (removed when it exits). */
  get connectionFile(): string {
    return this.live.connectionFile;
  }

  /** The last 64 KiB the kernel process wrote to stdout/stderr (diagnostics). */
  kernelLog(): string {
    return this.log;
  }

  private async launch(): Promise<void> {
    const ports = await freePorts(5);
    const conn: ConnectionInfo = {
      transport: 'tcp',
      ip: '127.0.0.1',
      shell_port: ports[0] as number,
      iopub_port: ports[1] as number,
      stdin_port: ports[2] as number,
      control_port: ports[3] as number,
      hb_port: ports[4] as number,
      key: randomBytes(32).toString('hex'),
      signature_scheme: 'hmac-sha256',
      kernel_name: this.opts.kernelName ?? 'runbook',
    };
    const connectionFile = path.join(os.tmpdir(), `runbook-kernel-${randomUUID()}.json`);
    fs.writeFileSync(connectionFile, JSON.stringify(conn), { mode: 0o600 });
    const argv = (this.opts.argv ?? [process.execPath, KERNEL_MAIN, '{connection_file}']).map((a) => (a === '{connection_file}' ? connectionFile : a));
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: this.opts.cwd ?? process.cwd(),
      // JPY_PARENT_PID: the kernel exits when this process is gone (kernel/sentinel.ts), as
      // it does when jupyter_client's launcher dies.
      // RUNBOOK_PROVENANCE off unless the env asks: a program driving the kernel gets the cells'
      // own outputs; the run record display (kernel/provenance.ts) is for front ends that save notebooks.
      env: { RUNBOOK_PROVENANCE: 'off', ...withHugePages(this.opts.env ?? process.env), JPY_PARENT_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.log = (this.log + b.toString('utf8')).slice(-65536);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const live: Live = {
      child,
      sockets: connectClient(conn),
      signer: new Signer(conn.key, conn.signature_scheme),
      connectionFile,
      exitCode: null,
      dead: false,
      exited: Promise.resolve(),
    };
    live.exited = new Promise<void>((resolve) => {
      const done = (code: number | null) => {
        live.dead = true;
        live.exitCode = code;
        fs.rmSync(connectionFile, { force: true });
        if (this.live === live && !this.closed) {
          const err = new KernelDiedError(`the kernel process exited (code ${code ?? 'signal'})`, this.log);
          for (const w of this.deathWaiters) w(err);
        }
        resolve();
      };
      child.once('exit', done);
      child.once('error', () => done(null));
    });
    this.live = live;
    const route = (waiters: Map<string, Listener>) => (frames: Buffer[]) => {
      if (this.live !== live) return;
      const d = decode(frames, live.signer);
      if (!d.ok) return;
      const parent = d.message.parent_header.msg_id;
      if (parent) waiters.get(parent)?.(d.message);
    };
    live.sockets.shell.listen(route(this.shellWaiters));
    // Control replies (shutdown_reply, interrupt_reply) are matched like shell replies.
    live.sockets.control.listen(route(this.shellWaiters));
    live.sockets.iopub.listen(route(this.iopubWaiters));
    live.sockets.stdin.listen(route(this.stdinWaiters));
    killOnExit.add(child);
    child.once('exit', () => killOnExit.delete(child));
    await this.waitReady(this.opts.startTimeoutMs ?? 30_000);
  }

  /**
   * kernel_info until the shell reply arrives, then until an iopub message arrives too: a
   * subscriber connects asynchronously, and outputs sent before it joined would be lost. Then
   * until the stdin and control sockets have completed their handshake: each socket retries its
   * refused first connect on its own timer, so stdin can join 100-200 ms after shell, and an
   * input_request sent before it has would find no route to this client.
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let shellSeen = false;
    let iopubSeen = false;
    const ids: string[] = [];
    try {
      while (Date.now() < deadline) {
        if (this.live.dead) throw new KernelDiedError(`the kernel exited during start-up (code ${this.live.exitCode ?? 'signal'})`, this.log);
        const msg = this.request('kernel_info_request', {});
        ids.push(msg.header.msg_id);
        await new Promise<void>((resolve) => {
          let timer = setTimeout(resolve, shellSeen ? 100 : 1000);
          const check = () => {
            if (shellSeen && iopubSeen) {
              clearTimeout(timer);
              resolve();
            }
          };
          this.shellWaiters.set(msg.header.msg_id, () => {
            const first = !shellSeen;
            shellSeen = true;
            check();
            // The kernel is up; if its iopub messages were sent before our subscription took
            // effect, ask again soon rather than after the full start-up timeout.
            if (first && !iopubSeen) {
              clearTimeout(timer);
              timer = setTimeout(resolve, 50);
            }
          });
          this.iopubWaiters.set(msg.header.msg_id, () => {
            iopubSeen = true;
            check();
          });
        });
        if (shellSeen && iopubSeen) {
          await this.channelsConnected(deadline);
          return;
        }
      }
    } finally {
      for (const id of ids) {
        this.shellWaiters.delete(id);
        this.iopubWaiters.delete(id);
      }
    }
    throw new KernelDiedError(`the kernel did not answer kernel_info within ${timeoutMs} ms`, this.log);
  }

  private async channelsConnected(deadline: number): Promise<void> {
    const live = this.live;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      live.sockets.connected.then(() => 'connected' as const),
      live.exited.then(() => 'exited' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'exited') throw new KernelDiedError(`the kernel exited during start-up (code ${live.exitCode ?? 'signal'})`, this.log);
    if (outcome === 'timeout') throw new KernelDiedError('the kernel answered kernel_info but its stdin/control channels did not connect', this.log);
  }

  private request(type: string, content: JsonObject, channel: 'shell' | 'control' = 'shell'): Message<JsonObject> {
    const msg: Message<JsonObject> = { identities: [], header: header(type, this.session, 'runbook-client'), parent_header: {}, metadata: {}, content, buffers: [] };
    void this.live.sockets[channel].send(encode(msg, this.live.signer)).catch(() => undefined);
    return msg;
  }

  /** Send a request and resolve with its reply content. */
  private ask(type: string, content: JsonObject, channel: 'shell' | 'control' = 'shell', timeoutMs = 30_000): Promise<JsonObject> {
    return new Promise<JsonObject>((resolve, reject) => {
      const msg = this.request(type, content, channel);
      const id = msg.header.msg_id;
      const onDeath = (e: Error) => finish(() => reject(e));
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${type.replace('_request', '_reply')} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (f: () => void) => {
        clearTimeout(timer);
        this.shellWaiters.delete(id);
        this.deathWaiters.delete(onDeath);
        f();
      };
      this.deathWaiters.add(onDeath);
      this.shellWaiters.set(id, (m) => finish(() => resolve(m.content)));
    });
  }

  /** kernel_info_reply content. */
  kernelInfo(): Promise<unknown> {
    return this.ask('kernel_info_request', {});
  }

  /** Run one cell. */
  execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.closed) return Promise.reject(new Error('the kernel client is shut down'));
    const startedAt = new Date().toISOString();
    const allowStdin = opts.allowStdin ?? Boolean(opts.onInput);
    const content: ExecuteRequest = {
      code,
      silent: opts.silent ?? false,
      store_history: opts.storeHistory ?? true,
      user_expressions: {},
      allow_stdin: allowStdin,
      stop_on_error: opts.stopOnError ?? true,
    };
    return new Promise<ExecuteResult>((resolve, reject) => {
      const msg = this.request('execute_request', content as unknown as JsonObject);
      const id = msg.header.msg_id;
      const outputs: StoredOutput[] = [];
      let clearPending = false;
      let reply: JsonObject | null = null;
      let idle = false;
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const store = (o: StoredOutput) => {
        if (clearPending) {
          outputs.length = 0;
          clearPending = false;
        }
        const prev = outputs[outputs.length - 1];
        if (o.output_type === 'stream' && prev?.output_type === 'stream' && prev.name === o.name) prev.text += o.text;
        else outputs.push(o);
      };
      const displayIds = new Map<StoredOutput, string>();
      const onDeath = (e: Error) => {
        cleanup();
        reject(e);
      };
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        this.shellWaiters.delete(id);
        this.iopubWaiters.delete(id);
        this.stdinWaiters.delete(id);
        this.deathWaiters.delete(onDeath);
      };
      const maybeDone = () => {
        if (!reply || !idle) return;
        cleanup();
        const status = reply.status === 'ok' ? 'ok' : reply.status === 'aborted' ? 'aborted' : 'error';
        const count = typeof reply.execution_count === 'number' ? reply.execution_count : null;
        const result: ExecuteResult = { status, executionCount: count, outputs, startedAt, finishedAt: new Date().toISOString(), timedOut };
        if (status === 'error') {
          result.error = { ename: String(reply.ename ?? 'Error'), evalue: String(reply.evalue ?? ''), traceback: (reply.traceback as string[] | undefined) ?? [] };
        }
        resolve(result);
      };
      this.deathWaiters.add(onDeath);
      this.shellWaiters.set(id, (m) => {
        reply = m.content;
        // An aborted request gets no busy/idle from some kernels: do not wait for idle then.
        if (reply.status === 'aborted') idle = true;
        maybeDone();
      });
      this.iopubWaiters.set(id, (m) => {
        const c = m.content as { [k: string]: unknown };
        const data = (c.data ?? {}) as MimeBundle;
        const metadata = (c.metadata ?? {}) as JsonObject;
        const transient = (c.transient ?? {}) as { display_id?: string };
        let o: KernelOutput;
        switch (m.header.msg_type) {
          case 'status':
            if (c.execution_state === 'idle') {
              idle = true;
              maybeDone();
            }
            return;
          case 'stream':
            o = { output_type: 'stream', name: c.name === 'stderr' ? 'stderr' : 'stdout', text: String(c.text ?? '') };
            break;
          case 'display_data':
            o = { output_type: 'display_data', data, metadata, transient };
            break;
          case 'update_display_data':
            o = { output_type: 'update_display_data', data, metadata, transient };
            break;
          case 'execute_result':
            o = { output_type: 'execute_result', execution_count: typeof c.execution_count === 'number' ? c.execution_count : null, data, metadata };
            break;
          case 'error':
            o = { output_type: 'error', ename: String(c.ename ?? 'Error'), evalue: String(c.evalue ?? ''), traceback: (c.traceback ?? []) as string[] };
            break;
          case 'clear_output':
            o = { output_type: 'clear_output', wait: Boolean(c.wait) };
            break;
          default:
            return;
        }
        opts.onOutput?.(o);
        if (o.output_type === 'clear_output') {
          if (o.wait) clearPending = true;
          else outputs.length = 0;
        } else if (o.output_type === 'update_display_data') {
          const target = o.transient.display_id;
          for (const prev of outputs) {
            if (prev.output_type === 'display_data' && target && displayIds.get(prev) === target) {
              prev.data = o.data;
              prev.metadata = o.metadata;
            }
          }
        } else if (o.output_type === 'display_data') {
          const stored: StoredOutput = { output_type: 'display_data', data: o.data, metadata: o.metadata };
          if (o.transient?.display_id) displayIds.set(stored, o.transient.display_id);
          store(stored);
        } else {
          store(o);
        }
      });
      this.stdinWaiters.set(id, (m) => {
        if (m.header.msg_type !== 'input_request') return;
        const prompt = String(m.content.prompt ?? '');
        const password = Boolean(m.content.password);
        const answer = opts.onInput ? opts.onInput(prompt, password) : Promise.resolve('');
        void answer.then(
          (value) => {
            const r: Message<JsonObject> = { identities: [], header: header('input_reply', this.session, 'runbook-client'), parent_header: m.header, metadata: {}, content: { value }, buffers: [] };
            void this.live.sockets.stdin.send(encode(r, this.live.signer)).catch(() => undefined);
          },
          () => void this.interrupt(),
        );
      });
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          void this.interrupt();
        }, opts.timeoutMs);
      }
    });
  }

  /** Interrupt the running cell (SIGINT, as the kernelspec's interrupt_mode says). */
  async interrupt(): Promise<void> {
    if (!this.live.dead) this.live.child.kill('SIGINT');
  }

  private async stop(restart: boolean): Promise<void> {
    const live = this.live;
    if (!live.dead) {
      try {
        await this.ask('shutdown_request', { restart }, 'control', 5000);
      } catch {
        // an unresponsive kernel is killed below
      }
      const killed = setTimeout(() => live.child.kill('SIGKILL'), 5000);
      await live.exited;
      clearTimeout(killed);
    }
    live.sockets.close();
  }

  /** Shut the kernel down and start a fresh one (all state is lost). */
  async restart(): Promise<void> {
    const waiters = [...this.deathWaiters];
    this.deathWaiters.clear();
    await this.stop(true);
    for (const w of waiters) w(new KernelDiedError('the kernel was restarted', this.log));
    await this.launch();
  }

  /** Shut the kernel down; the client cannot be used afterwards. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    const waiters = [...this.deathWaiters];
    this.deathWaiters.clear();
    this.closed = true;
    await this.stop(false);
    for (const w of waiters) w(new KernelDiedError('the kernel was shut down', this.log));
  }
}

/** Kernels still running when this process exits are killed, never orphaned. */
const killOnExit = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of killOnExit) c.kill('SIGKILL');
});
