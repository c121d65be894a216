/**
 * The ZeroMQ transport: the only module that imports zeromq.
 *
 * It knows sockets and frames, nothing about Jupyter messages. The kernel side binds the five
 * channels of a connection file; the client side connects to them. zeromq 6 sockets reject a
 * `send` while another is in flight, so every writable socket goes through a FIFO queue.
 */
import * as zmq from 'zeromq';
import { randomUUID } from 'node:crypto';

export type Frames = Buffer[];

/** The fields of a Jupyter connection file this layer needs. */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

const address = (c: ConnectionInfo, port: number) => (c.transport === 'ipc' ? `ipc://${c.ip}-${port}` : `${c.transport}://${c.ip}:${port}`);

type Writable = zmq.Router | zmq.Dealer | zmq.Publisher | zmq.Reply | zmq.Request;

/** Serialises sends on one socket (zeromq 6 allows one pending send at a time). */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: Writable) {}
  send(frames: Frames): Promise<void> {
    const next = this.tail.then(() => this.socket.send(frames));
    // A failed send must not wedge the queue for later messages.
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** One readable+writable channel. */
export interface Channel {
  send(frames: Frames): Promise<void>;
  /** Calls `onFrames` for every multipart message until the channel closes. */
  listen(onFrames: (frames: Frames) => void): void;
  close(): void;
}

function channel(socket: zmq.Router | zmq.Dealer | zmq.Subscriber | zmq.Publisher): Channel {
  const queue = socket instanceof zmq.Subscriber ? null : new SendQueue(socket);
  return {
    send: (frames) => {
      if (!queue) return Promise.reject(new Error('cannot send on a subscriber socket'));
      return queue.send(frames);
    },
    listen: (onFrames) => {
      if (socket instanceof zmq.Publisher) throw new Error('cannot receive on a publisher socket');
      void (async () => {
        try {
          for await (const frames of socket as zmq.Router | zmq.Dealer | zmq.Subscriber) onFrames(frames);
        } catch (err) {
          // Closing the socket ends the loop with an error: that is the normal shutdown path.
          if (!socket.closed) throw err;
        }
      })();
    },
    close: () => {
      if (!socket.closed) socket.close();
    },
  };
}

export interface KernelSockets {
  shell: Channel;
  control: Channel;
  stdin: Channel;
  iopub: Channel;
  close(): void;
}

/** Bind the kernel's sockets (heartbeat answered here: it is pure echo). */
export async function bindKernel(c: ConnectionInfo): Promise<KernelSockets> {
  const shell = new zmq.Router({ linger: 0 });
  const control = new zmq.Router({ linger: 0 });
  const stdin = new zmq.Router({ linger: 0 });
  const iopub = new zmq.Publisher({ linger: 0 });
  const hb = new zmq.Reply({ linger: 0 });
  await Promise.all([
    shell.bind(address(c, c.shell_port)),
    control.bind(address(c, c.control_port)),
    stdin.bind(address(c, c.stdin_port)),
    iopub.bind(address(c, c.iopub_port)),
    hb.bind(address(c, c.hb_port)),
  ]);
  void (async () => {
    try {
      for await (const frames of hb) await hb.send(frames);
    } catch {
      // closed
    }
  })();
  const chans = { shell: channel(shell), control: channel(control), stdin: channel(stdin), iopub: channel(iopub) };
  return {
    ...chans,
    close: () => {
      for (const ch of Object.values(chans)) ch.close();
      if (!hb.closed) hb.close();
    },
  };
}

export interface ClientSockets {
  shell: Channel;
  control: Channel;
  stdin: Channel;
  iopub: Channel;
  /** One heartbeat round trip; resolves false on timeout. */
  ping(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** Connect a client to a kernel's sockets. */
export function connectClient(c: ConnectionInfo): ClientSockets {
  const identity = randomUUID();
  const shell = new zmq.Dealer({ linger: 0, routingId: identity });
  const control = new zmq.Dealer({ linger: 0, routingId: `${identity}-c` });
  const stdin = new zmq.Dealer({ linger: 0, routingId: identity });
  const iopub = new zmq.Subscriber({ linger: 0 });
  shell.connect(address(c, c.shell_port));
  control.connect(address(c, c.control_port));
  stdin.connect(address(c, c.stdin_port));
  iopub.connect(address(c, c.iopub_port));
  iopub.subscribe();
  const chans = { shell: channel(shell), control: channel(control), stdin: channel(stdin), iopub: channel(iopub) };
  return {
    ...chans,
    ping: async (timeoutMs) => {
      const hb = new zmq.Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
      hb.connect(address(c, c.hb_port));
      try {
        await hb.send('ping');
        await hb.receive();
        return true;
      } catch {
        return false;
      } finally {
        hb.close();
      }
    },
    close: () => {
      for (const ch of Object.values(chans)) ch.close();
    },
  };
}
