/**
 * The pack's row-local signatures on a second thread, while this one computes the behaviour
 * fields (the costliest whole-table part of score()). A row-local signature is an expression
 * that reads no `behaviour.*` field: each row's answer depends on that row alone, so a worker
 * given copies of the columns it reads answers exactly as this thread would.
 *
 * The worker is handed the exact signatures, `lists` and known-good mask of this score() call,
 * so its answers cannot be applied to another pack or other options. It returns, per signature,
 * its rows as one bit each (after the known-good exemption) and their count; score() folds them
 * in at the signature's place in pack order, so weights add up in the same order as on one
 * thread. Anything the worker could not do (a signature that failed there, a worker that did not
 * start) is evaluated on this thread in the usual way, with the usual errors.
 *
 * score() is synchronous: the answer is awaited with Atomics.wait on a shared flag and taken with
 * receiveMessageOnPort.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { ColumnTable } from 'arquero';
import type { Signature } from './signatures/types.js';
import type { RuleOptions } from './rule.js';
import { rule } from './rule.js';
import { tableSchema } from './columns.js';
import { DictionaryColumn } from '../traffic/dictionary.js';
import { Utf8Column } from '../traffic/utf8.js';

/** A column as it crosses to the worker: typed data copied into shared memory, values cloned. */
export type SharedColumn =
  | { kind: 'dict'; codes: Int32Array | Uint8Array; values: readonly unknown[] }
  | { kind: 'utf8'; bytes: Uint8Array; offsets: Int32Array; missing: Uint8Array; ascii: boolean }
  | { kind: 'f64'; data: Float64Array }
  | { kind: 'plain'; data: readonly unknown[] };

/** What the worker is given. */
export interface RowLocalTask {
  n: number;
  columns: Record<string, SharedColumn>;
  signatures: { expression: string; exempt: boolean }[];
  lists: RuleOptions['lists'];
  /** The known-good rows (1), shared. */
  good: Uint8Array;
  /** Set to 1 (and notified) once the answer is posted on `port`. */
  flag: Int32Array;
  port: MessagePort;
}

/** Per signature handed over: its rows as bit `bit` of `words[word]`, and how many; or failed (evaluate here). */
export type RowLocalOutcome = { ok: true; word: 0 | 1; bit: number; count: number } | { ok: false };

export interface RowLocalAnswer {
  outcomes: RowLocalOutcome[];
  words: [Int32Array, Int32Array | null];
}

/**
 * How long score() waits for the worker before doing its part itself: a worker that could not
 * start never answers, and score() cannot see its error events while it waits. Generous (a busy
 * machine is slow), and never wrong: what the worker did not answer is evaluated here.
 */
const waitMs = (n: number): number => 60_000 + n / 10;

/** The fields a compiled expression reads, as stored columns of the table; null if one is not simply a column (a table-wide derivation). */
function sourceColumns(t: ColumnTable, fields: readonly string[]): string[] | null {
  const schema = tableSchema(t);
  const data = t.data() as Record<string, unknown>;
  const out: string[] = [];
  for (const f of fields) {
    const info = schema.fields.get(f);
    if (!info) return null;
    if (!info.derived) {
      if (!Object.hasOwn(data, f)) return null;
      out.push(f);
      continue;
    }
    if (info.derived.whole) return null;
    // the first source is required (the field exists), the others are read when present
    for (const s of info.derived.from) if (Object.hasOwn(data, s)) out.push(s);
  }
  return out;
}

function shared<T extends Int32Array | Uint8Array | Float64Array>(a: T): T {
  const C = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new C(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

function shareColumn(c: unknown): SharedColumn | null {
  if (c instanceof DictionaryColumn) return { kind: 'dict', codes: shared(c.codes as Int32Array | Uint8Array), values: c.values };
  if (c instanceof Utf8Column) return { kind: 'utf8', bytes: shared(new Uint8Array(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength)), offsets: shared(c.offsets), missing: shared(c.missing), ascii: c.ascii };
  if (c instanceof Float64Array) return { kind: 'f64', data: shared(c) };
  if (Array.isArray(c)) return { kind: 'plain', data: c };
  return null;
}

/** The row-local signatures among `sigs`: expressions without behaviour fields that compile on this table. */
function rowLocal(t: ColumnTable, sigs: readonly Signature[], lists: RuleOptions['lists']): { sig: Signature & { kind: 'expression' }; columns: string[] }[] {
  const out: { sig: Signature & { kind: 'expression' }; columns: string[] }[] = [];
  for (const sig of sigs) {
    if (sig.kind !== 'expression' || sig.expression.includes('behaviour.')) continue;
    let fields: readonly string[];
    try {
      fields = rule(sig.expression, t, { lists }).fields;
    } catch {
      continue; // it skips or fails: score() says so in pack order, on this thread
    }
    const columns = sourceColumns(t, fields);
    if (columns) out.push({ sig, columns });
  }
  return out;
}

/**
 * The worker thread. Built, it runs score-worker.js; under a TypeScript loader (the fast test
 * loop) it registers tsx first, as the parallel Logpush loader does.
 */
function startWorker(task: RowLocalTask): Worker {
  const opts = { workerData: task, transferList: [task.port] };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./score-worker.js', import.meta.url), opts);
  const entry = new URL('./score-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { ...opts, eval: true });
}

/** Row-local signatures being evaluated by a worker; `take` blocks until its answer is in. */
export class RowLocalRun {
  private answer: RowLocalAnswer | null | undefined;
  constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
    private readonly rows: number,
    /** The signatures handed to the worker (the exact objects of this call) and their index there. */
    readonly handed: ReadonlyMap<Signature, number>,
  ) {}

  /** The worker's outcome for `sig`, waiting for it the first time; undefined: evaluate it here. */
  take(sig: Signature): { outcome: Extract<RowLocalOutcome, { ok: true }>; words: RowLocalAnswer['words'] } | undefined {
    const index = this.handed.get(sig);
    if (index === undefined) return undefined;
    if (this.answer === undefined) this.answer = this.wait();
    const o = this.answer?.outcomes[index];
    if (!this.answer || !o || !o.ok) return undefined;
    return { outcome: o, words: this.answer.words };
  }

  private wait(): RowLocalAnswer | null {
    Atomics.wait(this.flag, 0, 0, waitMs(this.rows));
    const m = receiveMessageOnPort(this.port) as { message: RowLocalAnswer | { error: string } } | undefined;
    this.close();
    if (!m || 'error' in m.message) return null;
    return m.message;
  }

  /** Stops the worker (once its answer is in, or when score() ends early). */
  close(): void {
    this.port.close();
    void this.worker.terminate();
  }
}

/**
 * Starts the worker on the row-local signatures of `sigs` (null when there are none). `good` is
 * the known-good mask of this call; `lists` its named lists.
 */
export function startRowLocal(t: ColumnTable, sigs: readonly Signature[], lists: RuleOptions['lists'], good: Uint8Array): RowLocalRun | null {
  const picked = rowLocal(t, sigs, lists);
  if (picked.length === 0) return null;
  const data = t.data() as Record<string, unknown>;
  const columns: Record<string, SharedColumn> = Object.create(null) as Record<string, SharedColumn>;
  for (const { columns: names } of picked)
    for (const name of names) {
      if (columns[name]) continue;
      const c = shareColumn(data[name]);
      if (!c) return null;
      columns[name] = c;
    }
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const task: RowLocalTask = {
    n: t.numRows(),
    columns,
    signatures: picked.map(({ sig }) => ({ expression: sig.expression, exempt: sig.exemptKnownGood !== false })),
    lists,
    good: shared(good),
    flag,
    port: port2,
  };
  let worker: Worker;
  try {
    worker = startWorker(task);
  } catch {
    port1.close();
    return null;
  }
  // the process may exit while it runs (score() failed on this thread)
  worker.unref();
  return new RowLocalRun(worker, port1, flag, task.n, new Map(picked.map(({ sig }, i) => [sig as Signature, i])));
}
