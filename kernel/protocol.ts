/**
 * The Jupyter messaging protocol 5.3: typed messages, wire encoding, HMAC-SHA256 signing.
 *
 * Signatures are verified over the frames exactly as received (never over a re-serialisation of
 * the parsed JSON, which would accept a forged message whose JSON re-encodes to signed bytes),
 * with a constant-time comparison. Replies are typed from their requests: `REPLY_TYPE` maps each
 * request type to its reply type and `ReplyContentOf<R>` gives the content shape, so answering a
 * comm_info_request with a complete_reply does not compile.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = '<IDS|MSG>';

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export type JsonObject = Record<string, unknown>;

export interface Message<C = JsonObject> {
  /** ZeroMQ routing identities that preceded the delimiter (Router sockets). */
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: JsonObject;
  content: C;
  buffers: Buffer[];
}

// ---- request and reply contents -------------------------------------------------------------

export interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  user_expressions?: JsonObject;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}
export type ErrorContent = { status: 'error'; ename: string; evalue: string; traceback: string[] };
export type AbortedContent = { status: 'aborted' };
export type ExecuteReply =
  | { status: 'ok'; execution_count: number; payload: JsonObject[]; user_expressions: JsonObject }
  | (ErrorContent & { execution_count: number; payload?: JsonObject[]; user_expressions?: JsonObject })
  | (AbortedContent & { execution_count: number | null });

export interface InspectRequest { code: string; cursor_pos: number; detail_level?: 0 | 1 }
export type InspectReply = { status: 'ok'; found: boolean; data: JsonObject; metadata: JsonObject } | ErrorContent;

export interface CompleteRequest { code: string; cursor_pos: number }
export type CompleteReply = { status: 'ok'; matches: string[]; cursor_start: number; cursor_end: number; metadata: JsonObject } | ErrorContent;

export interface IsCompleteRequest { code: string }
export type IsCompleteReply = { status: 'complete' | 'invalid' | 'unknown' } | { status: 'incomplete'; indent: string };

export interface HistoryRequest {
  output: boolean;
  raw: boolean;
  hist_access_type: 'range' | 'tail' | 'search';
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}
/** [session, line, input] or [session, line, [input, output]]. */
export type HistoryEntry = [number, number, string | [string, string | null]];
export type HistoryReply = { status: 'ok'; history: HistoryEntry[] } | ErrorContent;

export interface KernelInfoRequest { [k: string]: never }
export interface KernelInfoReply {
  status: 'ok';
  protocol_version: string;
  implementation: string;
  implementation_version: string;
  language_info: {
    name: string;
    version: string;
    mimetype: string;
    file_extension: string;
    pygments_lexer?: string;
    codemirror_mode?: string | JsonObject;
    nbconvert_exporter?: string;
  };
  banner: string;
  debugger: boolean;
  help_links: { text: string; url: string }[];
}

export interface CommInfoRequest { target_name?: string }
export type CommInfoReply = { status: 'ok'; comms: Record<string, { target_name: string }> } | ErrorContent;

export interface ShutdownRequest { restart: boolean }
export type ShutdownReply = { status: 'ok'; restart: boolean } | ErrorContent;

export interface InterruptRequest { [k: string]: never }
export type InterruptReply = { status: 'ok' } | ErrorContent;

export interface CommOpen { comm_id: string; target_name: string; data: JsonObject; target_module?: string }
export interface CommMsg { comm_id: string; data: JsonObject }
export interface CommClose { comm_id: string; data: JsonObject }

export interface InputRequest { prompt: string; password: boolean }
export interface InputReply { value: string }

/** Request type -> request content. */
export interface Requests {
  execute_request: ExecuteRequest;
  inspect_request: InspectRequest;
  complete_request: CompleteRequest;
  is_complete_request: IsCompleteRequest;
  history_request: HistoryRequest;
  kernel_info_request: KernelInfoRequest;
  comm_info_request: CommInfoRequest;
  shutdown_request: ShutdownRequest;
  interrupt_request: InterruptRequest;
}
export type RequestType = keyof Requests;

/** Reply type -> reply content. */
export interface Replies {
  execute_reply: ExecuteReply;
  inspect_reply: InspectReply;
  complete_reply: CompleteReply;
  is_complete_reply: IsCompleteReply;
  history_reply: HistoryReply;
  kernel_info_reply: KernelInfoReply;
  comm_info_reply: CommInfoReply;
  shutdown_reply: ShutdownReply;
  interrupt_reply: InterruptReply;
}

/** The reply type of each request type: a closed table, checked by the compiler. */
export const REPLY_TYPE = {
  execute_request: 'execute_reply',
  inspect_request: 'inspect_reply',
  complete_request: 'complete_reply',
  is_complete_request: 'is_complete_reply',
  history_request: 'history_reply',
  kernel_info_request: 'kernel_info_reply',
  comm_info_request: 'comm_info_reply',
  shutdown_request: 'shutdown_reply',
  interrupt_request: 'interrupt_reply',
} as const satisfies { [K in RequestType]: `${K extends `${infer B}_request` ? B : never}_reply` };

export type ReplyTypeOf<R extends RequestType> = (typeof REPLY_TYPE)[R];
export type ReplyContentOf<R extends RequestType> = Replies[ReplyTypeOf<R>];

export function isRequestType(t: string): t is RequestType {
  return Object.prototype.hasOwnProperty.call(REPLY_TYPE, t);
}

/** IOPub message type -> content. */
export interface IOPub {
  status: { execution_state: 'busy' | 'idle' | 'starting' };
  stream: { name: 'stdout' | 'stderr'; text: string };
  display_data: { data: JsonObject; metadata: JsonObject; transient?: JsonObject };
  update_display_data: { data: JsonObject; metadata: JsonObject; transient: JsonObject };
  execute_input: { code: string; execution_count: number };
  execute_result: { execution_count: number; data: JsonObject; metadata: JsonObject; transient?: JsonObject };
  error: { ename: string; evalue: string; traceback: string[] };
  clear_output: { wait: boolean };
  comm_open: CommOpen;
  comm_msg: CommMsg;
  comm_close: CommClose;
  shutdown_reply: ShutdownReply;
}
export type IOPubType = keyof IOPub;

// ---- construction ---------------------------------------------------------------------------

export function header(msgType: string, session: string, username = 'runbook'): Header {
  return { msg_id: randomUUID(), session, username, date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}

/** A message in reply to (or caused by) `parent`; routed back to the parent's identities. */
export function childMessage<C>(parent: Message<unknown> | null, msgType: string, content: C, session: string, identities?: Buffer[]): Message<C> {
  return {
    identities: identities ?? parent?.identities ?? [],
    header: header(msgType, session),
    parent_header: parent ? parent.header : {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** The reply to a request, its type derived from the request's. */
export function reply<R extends RequestType>(request: Message<Requests[R]> & { header: { msg_type: R } }, content: ReplyContentOf<R>, session: string): Message<ReplyContentOf<R>> {
  const type = REPLY_TYPE[request.header.msg_type];
  return childMessage(request, type, content, session);
}

// ---- wire format ----------------------------------------------------------------------------

export class Signer {
  private readonly key: Buffer;
  constructor(key: string, scheme = 'hmac-sha256') {
    if (key && scheme !== 'hmac-sha256') throw new Error(`unsupported signature scheme "${scheme}" (only hmac-sha256)`);
    this.key = Buffer.from(key, 'utf8');
  }
  get enabled(): boolean {
    return this.key.length > 0;
  }
  sign(parts: readonly Buffer[]): string {
    if (!this.enabled) return '';
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }
  /** Constant-time check of a received hex signature over the received bytes. */
  verify(signature: Buffer, parts: readonly Buffer[]): boolean {
    if (!this.enabled) return true;
    const expected = Buffer.from(this.sign(parts), 'ascii');
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

export function encode(msg: Message<unknown>, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p), 'utf8'));
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts), 'ascii'), ...parts, ...msg.buffers];
}

export type Decoded = { ok: true; message: Message<JsonObject> } | { ok: false; reason: string };

/**
 * Signatures already accepted, as jupyter_client's Session keeps them: a captured signed
 * message sent again is refused instead of executed twice. Bounded like Session's history
 * (2^16 entries); when full the oldest tenth is forgotten.
 */
export class DigestHistory {
  private readonly seen = new Set<string>();
  constructor(private readonly max = 65_536) {}
  /** Record a signature; false if it was already there (a replay). */
  add(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.max) {
      let drop = Math.ceil(this.max / 10);
      for (const s of this.seen) {
        if (drop-- <= 0) break;
        this.seen.delete(s);
      }
    }
    return true;
  }
}

/** Split, verify and parse received frames. A bad signature or malformed frame is reported, never thrown. */
export function decode(frames: readonly Buffer[], signer: Signer, history?: DigestHistory): Decoded {
  const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString('latin1') === DELIMITER);
  if (at < 0) return { ok: false, reason: 'no <IDS|MSG> delimiter' };
  if (frames.length < at + 6) return { ok: false, reason: `expected 5 frames after the delimiter, got ${frames.length - at - 1}` };
  const [sig, h, p, m, c] = frames.slice(at + 1, at + 6) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (!signer.verify(sig, [h, p, m, c])) return { ok: false, reason: 'invalid HMAC signature' };
  if (history && signer.enabled && !history.add(sig.toString('latin1'))) return { ok: false, reason: 'replayed message (its signature was already used)' };
  try {
    const message: Message<JsonObject> = {
      identities: frames.slice(0, at) as Buffer[],
      header: JSON.parse(h.toString('utf8')) as Header,
      parent_header: JSON.parse(p.toString('utf8')) as Partial<Header>,
      metadata: JSON.parse(m.toString('utf8')) as JsonObject,
      content: JSON.parse(c.toString('utf8')) as JsonObject,
      buffers: frames.slice(at + 6) as Buffer[],
    };
    if (!message.header || typeof message.header.msg_type !== 'string') return { ok: false, reason: 'header has no msg_type' };
    return { ok: true, message };
  } catch (err) {
    return { ok: false, reason: `malformed JSON frame: ${(err as Error).message}` };
  }
}
