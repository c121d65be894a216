/**
 * The kernel's sentinel thread: what must keep working while a cell keeps the main thread busy.
 *
 * - The control channel and the heartbeat live here. An `interrupt_request` is answered here
 *   and interrupts the way SIGINT does (the thread signals its own process: a synchronous loop
 *   breaks out of its vm call, a pending await is abandoned); every other control request is
 *   passed to the main thread, whose replies come back to be sent.
 * - The parent: the kernel removes its connection file (its key must not outlive the session)
 *   and exits when the front end that started it is gone. Signals, any one of which suffices:
 *     1. `JPY_PARENT_PID` (jupyter_client sets it; unset, 0 or 1 means "not given") no longer exists;
 *     2. the kernel was re-parented: its parent pid changed since start (a killed launcher's
 *        children go to init or a subreaper), which covers launchers that set no JPY_PARENT_PID;
 *     3. stdin is a pipe or socket that was still open one second after start and then reads
 *        end-of-file: whoever held the other end (the launcher) is gone. A pipe closed at once is
 *        how jupyter_client launches every kernel (it closes its end right after Popen), so that
 *        one means nothing. Input on stdin is read and ignored (the protocol has its own stdin).
 *   The heartbeat is NOT a signal: front ends need not ping it (nbclient and the console often do
 *   not, the Notebook pings only while its page is open), so silence there proves nothing.
 *   If the main thread is stuck in a loop and cannot exit by itself within a second, the process
 *   is killed.
 * - Shutdown: a `shutdown_request` also interrupts (SIGINT) so a cell spinning in a loop lets the
 *   main thread answer it; if no answer went out within 2 s the sentinel replies itself and kills
 *   the process, so a shut-down kernel never keeps spinning.
 *
 * Main-thread side: `startSentinel`. Worker side: `serveSentinel` (entry: sentinel-worker.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';
import { bindControl, type Channel, type ConnectionInfo } from './transport.js';
import { decode, DigestHistory, encode, reply, Signer, type InterruptRequest, type JsonObject, type Message, type ShutdownRequest } from './protocol.js';

export interface SentinelData {
  conn: ConnectionInfo;
  /** Removed when the parent goes away (null: leave it to whoever wrote it). */
  connectionFile: string | null;
  /** JPY_PARENT_PID, if set (and not 1: init is nobody's front end). */
  parentPid: number | null;
  /** process.ppid when the kernel started. */
  ppid: number;
  session: string;
  pollMs: number;
  /** Watch stdin for end-of-file (signal 3 above); default true. */
  stdinLifeline?: boolean;
  /**
   * A path prefix (RUNBOOK_ORPHAN_TEMP, set by `runbook run`): when the parent is gone, files in its
   * directory whose path starts with it and ends in `.tmp` are removed, the half-written save of a
   * runner killed mid-write (nobody else is left to remove it).
   */
  orphanTemp?: string | null;
}

/** Remove the temp files a killed parent left (see SentinelData.orphanTemp). */
function removeOrphanTemp(prefix: string): void {
  const dir = path.dirname(prefix);
  const start = path.basename(prefix);
  // a bare "." or an empty name would match far too much: only a real file-name prefix counts
  if (start.length < 3 || !start.startsWith('.')) return;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(start) && n.endsWith('.tmp')) fs.rmSync(path.join(dir, n), { force: true });
}

/** A stdin pipe that reads EOF within this long after start was closed by its launcher on purpose. */
const STDIN_GRACE_MS = 1000;
/** How long the main thread has to answer a shutdown_request before the sentinel does. */
const SHUTDOWN_GRACE_MS = 2000;

/**
 * Call `onGone` when stdin is a pipe/socket whose writer goes away after start-up. Reading is done
 * by the thread's own event loop (a libuv pipe handle, not a thread-pool read), so it works while a
 * cell blocks the main thread.
 */
function watchStdin(onGone: (reason: string) => void): void {
  let st: fs.Stats;
  try {
    st = fs.fstatSync(0);
  } catch {
    return;
  }
  if (!st.isFIFO() && !st.isSocket()) return;
  const started = Date.now();
  let sock: net.Socket;
  try {
    sock = new net.Socket({ fd: 0, readable: true, writable: false });
  } catch {
    return;
  }
  const ended = () => {
    sock.destroy();
    if (Date.now() - started >= STDIN_GRACE_MS) onGone('its stdin was closed (the process that held it is gone)');
  };
  sock.on('data', () => undefined);
  sock.once('end', ended);
  sock.once('error', ended);
  sock.unref();
}

type ToMain =
  | { kind: 'ready' }
  | { kind: 'control'; frames: Uint8Array[] }
  | { kind: 'interrupted'; request: Message<JsonObject> }
  | { kind: 'parent-gone'; reason: string }
  | { kind: 'sent'; id: number }
  | { kind: 'closed' }
  | { kind: 'bad'; reason: string };
type ToSentinel = { kind: 'send'; id: number; frames: Uint8Array[] } | { kind: 'close' };

const toBuffers = (frames: Uint8Array[]): Buffer[] => frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));

export interface Sentinel {
  /** The control channel as the main thread sees it. */
  control: Channel;
  close(): Promise<void>;
}

export interface SentinelHandlers {
  /** An interrupt_request arrived (already answered and signalled): publish busy/idle for it. */
  onInterrupt(request: Message<JsonObject>): void;
  onParentGone(reason: string): void;
  onBadMessage(reason: string): void;
}

/** Start the sentinel; resolves once control and heartbeat are bound. */
export function startSentinel(data: SentinelData, handlers: SentinelHandlers): Promise<Sentinel> {
  const worker = new Worker(new URL('./sentinel-worker.js', import.meta.url), { workerData: data });
  let listener: ((frames: Buffer[]) => void) | null = null;
  const acks = new Map<number, () => void>();
  let next = 1;
  let closed: (() => void) | null = null;
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: ToMain) => {
      switch (m.kind) {
        case 'ready':
          resolve({
            control: {
              send: (frames) =>
                new Promise<void>((done) => {
                  const id = next++;
                  acks.set(id, done);
                  worker.postMessage({ kind: 'send', id, frames } satisfies ToSentinel);
                }),
              listen: (on) => {
                listener = on;
              },
              close: () => undefined,
            },
            close: async () => {
              // The thread closes its sockets and ends by itself (terminating it with open
              // zeromq sockets aborts the process); once they are closed the process may exit.
              await new Promise<void>((r) => {
                closed = r;
                worker.postMessage({ kind: 'close' } satisfies ToSentinel);
                setTimeout(r, 1000).unref();
              });
            },
          });
          return;
        case 'control':
          listener?.(toBuffers(m.frames));
          return;
        case 'interrupted':
          handlers.onInterrupt(m.request);
          return;
        case 'parent-gone':
          handlers.onParentGone(m.reason);
          return;
        case 'sent':
          acks.get(m.id)?.();
          acks.delete(m.id);
          return;
        case 'bad':
          handlers.onBadMessage(m.reason);
          return;
        case 'closed':
          closed?.();
          return;
      }
    });
  });
}

function parentGone(data: SentinelData): string | null {
  if (data.parentPid !== null) {
    try {
      process.kill(data.parentPid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return `its parent process ${data.parentPid} (JPY_PARENT_PID) is gone`;
    }
  }
  if (process.ppid !== data.ppid) return `its parent process ${data.ppid} is gone`;
  return null;
}

/** Worker side. */
export async function serveSentinel(port: MessagePort, data: SentinelData): Promise<void> {
  const post = (m: ToMain) => port.postMessage(m);
  const signer = new Signer(data.conn.key, data.conn.signature_scheme);
  const digests = new DigestHistory();
  const sockets = await bindControl(data.conn);
  let shutdownTimer: NodeJS.Timeout | undefined;
  sockets.control.listen((frames) => {
    const d = decode(frames, signer, digests);
    if (!d.ok) {
      post({ kind: 'bad', reason: d.reason });
      return;
    }
    if (d.message.header.msg_type === 'shutdown_request' && !shutdownTimer) {
      // A cell spinning in a loop would keep the main thread from ever seeing this request.
      process.kill(process.pid, 'SIGINT');
      const msg = d.message as unknown as Message<ShutdownRequest> & { header: { msg_type: 'shutdown_request' } };
      shutdownTimer = setTimeout(() => {
        const restart = Boolean(msg.content.restart);
        void sockets.control.send(encode(reply(msg, { status: 'ok', restart }, data.session), signer)).catch(() => undefined);
        setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100);
      }, SHUTDOWN_GRACE_MS);
      post({ kind: 'control', frames });
      return;
    }
    if (d.message.header.msg_type === 'interrupt_request') {
      // As SIGINT does (and in the same way, so a loop that blocks the main thread stops).
      process.kill(process.pid, 'SIGINT');
      const msg = d.message as unknown as Message<InterruptRequest> & { header: { msg_type: 'interrupt_request' } };
      void sockets.control.send(encode(reply(msg, { status: 'ok' }, data.session), signer)).catch(() => undefined);
      post({ kind: 'interrupted', request: { ...d.message, identities: [], buffers: [] } });
      return;
    }
    post({ kind: 'control', frames });
  });
  port.on('message', (m: ToSentinel) => {
    if (m.kind === 'send') {
      sockets.control.send(toBuffers(m.frames)).then(
        () => post({ kind: 'sent', id: m.id }),
        () => post({ kind: 'sent', id: m.id }),
      );
    } else if (m.kind === 'close') {
      clearInterval(timer);
      if (shutdownTimer) clearTimeout(shutdownTimer);
      sockets.close();
      post({ kind: 'closed' });
      port.close();
    }
  });
  let gone = false;
  const leave = (reason: string) => {
    if (gone) return;
    gone = true;
    clearInterval(timer);
    if (data.connectionFile) fs.rmSync(data.connectionFile, { force: true });
    if (data.orphanTemp) removeOrphanTemp(data.orphanTemp);
    post({ kind: 'parent-gone', reason });
    // The main thread exits at once unless a cell keeps it busy: then nothing else will.
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1000);
  };
  const timer: NodeJS.Timeout = setInterval(() => {
    const reason = parentGone(data);
    if (reason) leave(reason);
  }, data.pollMs);
  if (data.stdinLifeline !== false) watchStdin(leave);
  post({ kind: 'ready' });
}
