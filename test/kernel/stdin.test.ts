/**
 * The kernel's stdin channel against a hand-driven client (transport + protocol, no
 * KernelClient), so the order in which the client's sockets connect is under the test's control.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectChannel, type Channel, type ConnectionInfo } from '../../kernel/transport.js';
import { decode, encode, header, Signer, type JsonObject, type Message } from '../../kernel/protocol.js';
import { freePort } from '../helpers/services/ports.js';
import { ROOT } from '../helpers/paths.js';

type Msg = Message<JsonObject>;

/** Messages received on one channel; `next` waits for the first unseen one that matches. */
class Inbox {
  private readonly seen: Msg[] = [];
  private readonly waiting: { match(m: Msg): boolean; resolve(m: Msg): void }[] = [];
  constructor(channel: Channel, signer: Signer) {
    channel.listen((frames) => {
      const d = decode(frames, signer);
      if (!d.ok) return;
      const w = this.waiting.findIndex((x) => x.match(d.message));
      if (w >= 0) this.waiting.splice(w, 1)[0]?.resolve(d.message);
      else this.seen.push(d.message);
    });
  }
  /** Rejects after `guardMs` (the test fails with `what` instead of hanging). */
  next(match: (m: Msg) => boolean, what: string, guardMs = 15_000): Promise<Msg> {
    const i = this.seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0] as Msg);
    return new Promise<Msg>((resolve, reject) => {
      const entry = {
        match,
        resolve: (m: Msg) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(new Error(`${what} did not arrive within ${guardMs} ms`));
      }, guardMs);
      this.waiting.push(entry);
    });
  }
}

interface Harness {
  conn: ConnectionInfo;
  identity: string;
  signer: Signer;
  kernel: ChildProcess;
  shell: Channel;
  shellIn: Inbox;
  iopubIn: Inbox;
  channels: Channel[];
  tmp: string;
}

const session = randomUUID();
const request = (type: string, content: JsonObject, parent: Msg['parent_header'] = {}): Msg => ({
  identities: [],
  header: header(type, session, 'stdin-test'),
  parent_header: parent,
  metadata: {},
  content,
  buffers: [],
});
const childOf = (id: string) => (m: Msg) => m.parent_header.msg_id === id;

/** A kernel process with only the shell and iopub channels of one client connected. */
async function startWithoutStdin(): Promise<Harness> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-stdin-test-'));
  const ports: number[] = [];
  for (let i = 0; i < 5; i++) ports.push(await freePort());
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = ports as [number, number, number, number, number];
  const conn: ConnectionInfo = { transport: 'tcp', ip: '127.0.0.1', shell_port, iopub_port, stdin_port, control_port, hb_port, key: randomBytes(16).toString('hex'), signature_scheme: 'hmac-sha256' };
  const file = path.join(tmp, 'connection.json');
  fs.writeFileSync(file, JSON.stringify(conn));
  const kernel = spawn(process.execPath, [path.join(ROOT, 'dist/kernel/main.js'), file], { cwd: tmp, env: { ...process.env, RUNBOOK_TYPECHECK: 'off' }, stdio: 'ignore' });
  const identity = randomUUID();
  const signer = new Signer(conn.key);
  const shell = connectChannel(conn, 'shell', identity);
  const iopub = connectChannel(conn, 'iopub');
  const h: Harness = { conn, identity, signer, kernel, shell, shellIn: new Inbox(shell, signer), iopubIn: new Inbox(iopub, signer), channels: [shell, iopub], tmp };
  // kernel_info until its iopub status arrives: from then on the subscription is live.
  for (let attempt = 1; attempt <= 50; attempt++) {
    const info = request('kernel_info_request', {});
    await shell.send(encode(info, signer));
    try {
      await h.iopubIn.next(childOf(info.header.msg_id), 'kernel_info status', 300);
      return h;
    } catch {
      // not up yet (or the subscription was not live yet): ask again
    }
  }
  await stop(h);
  throw new Error('the kernel did not answer kernel_info within 15 s');
}

async function stop(h: Harness): Promise<void> {
  for (const ch of h.channels) ch.close();
  if (h.kernel.exitCode === null && h.kernel.signalCode === null) {
    const exited = new Promise((r) => h.kernel.once('exit', r));
    h.kernel.kill('SIGKILL');
    await exited;
  }
  fs.rmSync(h.tmp, { recursive: true, force: true });
}

const executeRequest = (code: string) => request('execute_request', { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true });

const Stdin = suite('kernel stdin channel');

Stdin('an input_request reaches a client whose stdin socket connects after the prompt was sent', async () => {
  const h = await startWithoutStdin();
  try {
    const exec = executeRequest('console.log("asking"); await prompt("zone? ")');
    const id = exec.header.msg_id;
    await h.shell.send(encode(exec, h.signer));
    // The cell's stdout is flushed just before the input_request goes out: once it is here, the
    // kernel has already tried to send the request to a stdin socket that does not exist yet.
    const out = await h.iopubIn.next((m) => childOf(id)(m) && m.header.msg_type === 'stream', 'the stream output before the prompt');
    assert.is(out.content.text, 'asking\n');
    const stdin = connectChannel(h.conn, 'stdin', h.identity);
    h.channels.push(stdin);
    const stdinIn = new Inbox(stdin, h.signer);
    const ask = await stdinIn.next(childOf(id), 'the input_request');
    assert.is(ask.header.msg_type, 'input_request');
    assert.equal(ask.content, { prompt: 'zone? ', password: false });
    await stdin.send(encode(request('input_reply', { value: 'example.com' }, ask.header), h.signer));
    const reply = await h.shellIn.next(childOf(id), 'the execute_reply');
    assert.is(reply.content.status, 'ok');
    const result = await h.iopubIn.next((m) => childOf(id)(m) && m.header.msg_type === 'execute_result', 'the execute_result');
    assert.equal(result.content.data, { 'text/plain': "'example.com'" });
  } finally {
    await stop(h);
  }
});

Stdin('a prompt fails with StdinUnreachableError when the client never connects its stdin socket', async () => {
  const h = await startWithoutStdin();
  try {
    const exec = executeRequest('await prompt("zone? ")');
    await h.shell.send(encode(exec, h.signer));
    const reply = await h.shellIn.next(childOf(exec.header.msg_id), 'the execute_reply');
    assert.is(reply.content.status, 'error');
    assert.is(reply.content.ename, 'StdinUnreachableError');
    assert.match(String(reply.content.evalue), /stdin channel did not connect/);
    // The kernel is still usable.
    const next = request('execute_request', { code: '"after"', silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    await h.shell.send(encode(next, h.signer));
    assert.is((await h.shellIn.next(childOf(next.header.msg_id), 'the second execute_reply')).content.status, 'ok');
  } finally {
    await stop(h);
  }
});

Stdin.run();
