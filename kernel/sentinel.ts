/**
 * The kernel's sentinel thread: what must keep working while a cell keeps the main thread busy.
 *
 * - The control channel and the heartbeat live here. An `interrupt_request` is answered here
 *   and interrupts the way SIGINT does (the thread signals its own process: a synchronous loop
 *   breaks out of its vm call, a pending await is abandoned); every other control request is
 *   passed to the main thread, whose replies come back to be sent.
 * - The parent: when the process that started the kernel is gone (`JPY_PARENT_PID`, as
 *   jupyter_client sets it, no longer exists, or the kernel was re-parented), the kernel removes
 *   its connection file (its key must not outlive the session) and exits; if the main thread is
 *   stuck in a loop and cannot exit by itself within a second, the process is killed.
 *
 * Main-thread side: `startSentinel`. Worker side: `serveSentinel` (entry: sentinel-worker.ts).
 */
import fs from 'node:fs';
import { Worker, type MessagePort } from 'node:worker_threads';
import { bindControl, type Channel, type ConnectionInfo } from './transport.js';
import { decode, DigestHistory, encode, reply, Signer, type InterruptRequest, type JsonObject, type Message } from './protocol.js';

export interface SentinelData {
  conn: ConnectionInfo;
  /** Removed when the parent goes away (null: leave it to whoever wrote it). */
  connectionFile: string | null;
  /** JPY_PARENT_PID, if set. */
  parentPid: number | null;
  /** process.ppid when the kernel started. */
  ppid: number;
  session: string;
  pollMs: number;
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
  sockets.control.listen((frames) => {
    const d = decode(frames, signer, digests);
    if (!d.ok) {
      post({ kind: 'bad', reason: d.reason });
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
      sockets.close();
      post({ kind: 'closed' });
      port.close();
    }
  });
  const timer: NodeJS.Timeout = setInterval(() => {
    const reason = parentGone(data);
    if (!reason) return;
    clearInterval(timer);
    if (data.connectionFile) fs.rmSync(data.connectionFile, { force: true });
    post({ kind: 'parent-gone', reason });
    // The main thread exits at once unless a cell keeps it busy: then nothing else will.
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1000);
  }, data.pollMs);
  post({ kind: 'ready' });
}
