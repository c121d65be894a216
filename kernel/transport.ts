/**
 * The ZeroMQ transport: the only module that imports zeromq.
 *
 * It knows sockets and frames, nothing about Jupyter messages. The kernel side binds the five
 * channels of a connection file; the client side connects to them. zeromq 6 sockets reject a
 * `send` while another is in flight, so every writable socket goes through a FIFO queue.
 *
 * A ROUTER can only route to a peer whose handshake has completed; by default it drops anything
 * else silently. The kernel's stdin ROUTER is "mandatory" instead: a send to a front end whose
 * stdin socket is not (yet) connected fails at once with `UnroutableError`, so the kernel can
 * wait for it rather than lose the input_request. Client sockets expose `connected`, which
 * resolves after their handshake: a client that connects before the kernel has bound retries
 * on a per-socket timer (100-200 ms), so its stdin can join well after its shell.
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

/** A send on the kernel's stdin channel addressed a peer that is not connected (EHOSTUNREACH). */
export class UnroutableError extends Error {
  override name = 'UnroutableError';
}

/** Serialises sends on one socket (zeromq 6 allows one pending send at a time). */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: Writable) {}
  send(frames: Frames): Promise<void> {
    const next = this.tail.then(() =>
      this.socket.send(frames).catch((err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        throw code === 'EHOSTUNREACH' ? new UnroutableError('no connected peer has the routing id this message is addressed to') : err;
      }),
    );
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
  stdin: Channel;
  iopub: Channel;
  close(): void;
}

/** Bind the kernel's shell, stdin and iopub sockets (control and heartbeat: `bindControl`). */
export async function bindKernel(c: ConnectionInfo): Promise<KernelSockets> {
  const shell = new zmq.Router({ linger: 0 });
  // sendTimeout 0: with mandatory set and no peer at all, a send would otherwise wait for one.
  const stdin = new zmq.Router({ linger: 0, mandatory: true, sendTimeout: 0 });
  const iopub = new zmq.Publisher({ linger: 0 });
  await Promise.all([shell.bind(address(c, c.shell_port)), stdin.bind(address(c, c.stdin_port)), iopub.bind(address(c, c.iopub_port))]);
  const chans = { shell: channel(shell), stdin: channel(stdin), iopub: channel(iopub) };
  return {
    ...chans,
    close: () => {
      for (const ch of Object.values(chans)) ch.close();
    },
  };
}

export interface ControlSockets {
  control: Channel;
  close(): void;
}

/**
 * Bind the control socket and answer the heartbeat (pure echo). The kernel does this in its
 * sentinel thread (kernel/sentinel.ts), so both keep working while a cell keeps the main
 * thread busy.
 */
export async function bindControl(c: ConnectionInfo): Promise<ControlSockets> {
  const control = new zmq.Router({ linger: 0 });
  const hb = new zmq.Reply({ linger: 0 });
  await Promise.all([control.bind(address(c, c.control_port)), hb.bind(address(c, c.hb_port))]);
  void (async () => {
    try {
      for await (const frames of hb) await hb.send(frames);
    } catch {
      // closed
    }
  })();
  const ch = channel(control);
  return {
    control: ch,
    close: () => {
      ch.close();
      if (!hb.closed) hb.close();
    },
  };
}

export type ChannelName = 'shell' | 'control' | 'stdin' | 'iopub';

/** A client channel; `connected` resolves once its handshake with the kernel completed. */
export interface ClientChannel extends Channel {
  readonly connected: Promise<void>;
}

/**
 * Connect one client channel. `routingId` names the socket to the kernel's ROUTER: the shell
 * and stdin sockets of one client share it, since the kernel addresses an input_request to the
 * identity its execute_request came from. The iopub channel is subscribed to everything.
 */
export function connectChannel(c: ConnectionInfo, name: ChannelName, routingId?: string): ClientChannel {
  const port = { shell: c.shell_port, control: c.control_port, stdin: c.stdin_port, iopub: c.iopub_port }[name];
  const socket = name === 'iopub' ? new zmq.Subscriber({ linger: 0 }) : new zmq.Dealer({ linger: 0, ...(routingId ? { routingId } : {}) });
  const connected = new Promise<void>((resolve) => {
    const done = () => {
      socket.events.off('handshake', done);
      resolve();
    };
    socket.events.on('handshake', done);
  });
  socket.connect(address(c, port));
  if (socket instanceof zmq.Subscriber) socket.subscribe();
  return { ...channel(socket), connected };
}

export interface ClientSockets {
  shell: Channel;
  control: Channel;
  stdin: Channel;
  iopub: Channel;
  /** Resolves once all four channels completed their handshake with the kernel. */
  connected: Promise<void>;
  /** One heartbeat round trip; resolves false on timeout. */
  ping(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** Connect a client to a kernel's sockets. */
export function connectClient(c: ConnectionInfo): ClientSockets {
  const identity = randomUUID();
  const chans = {
    shell: connectChannel(c, 'shell', identity),
    control: connectChannel(c, 'control', `${identity}-c`),
    stdin: connectChannel(c, 'stdin', identity),
    iopub: connectChannel(c, 'iopub'),
  };
  return {
    ...chans,
    connected: Promise.all(Object.values(chans).map((ch) => ch.connected)).then(() => undefined),
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
