/**
 * score(table): every signature of the pack (plus user signatures) runs as one vectorized
 * kernel or windowed aggregate over the whole table; per row the weights add up (within a
 * group only the largest counts) to `score`, which maps to `label`. `reasons` lists the
 * signatures that fired as `id@packVersion`. Known-good rows (verified bots, allowlisted
 * ranges, a user's known-good expression) are exempt from the signatures marked so, which
 * includes every volume signal: busy good users are never flagged just for volume.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { LABELS, type Label } from '../catalog.js';
import { DISPLAY, htmlTable, textTable, type DisplayData } from '../display.js';
import { PACK } from './signatures/pack.js';
import type { Signature, SignaturePack } from './signatures/types.js';
import { rule, type RuleOptions } from './rule.js';
import { foldRow, type Fold } from './compile.js';
import { tableSchema, plain, fieldColumn, fieldIds, derivationSource } from './columns.js';
import { aggregateFold } from './aggregate.js';
import { RuleError, ClassifyError } from './errors.js';
import { IpSet } from './ip.js';
import { MSG } from './messages.js';
import { DictionaryColumn } from '../traffic/dictionary.js';
import { FiredMasks } from './fired.js';
import { startRowLocal, type RowLocalRun } from './score-parallel.js';
import { behaviourFrame, baselineRates as ratesOf, EXPLAIN, renumber, pairIds, takeI32, release, type BehaviourFrame, type BaselineOption, type BaselineInfo } from './behaviour/index.js';

export interface Thresholds {
  suspicious: number;
  malicious: number;
}
export const DEFAULT_THRESHOLDS: Thresholds = { suspicious: 30, malicious: 60 };

export interface ScoreOptions {
  pack?: SignaturePack;
  /** Added to the pack; one with a pack signature's id replaces it. */
  signatures?: readonly Signature[];
  /** Known-good source ranges (the customer's monitoring, partners), CIDR or addresses. */
  allow?: readonly string[];
  /** Known-good traffic as an expression (in addition to verified bots and `allow`). */
  knownGood?: string;
  lists?: RuleOptions['lists'];
  thresholds?: Thresholds;
  /**
   * What normal looked like, for the behaviour signatures: a quiet time range of this table
   * (`{ from, to }`, ms) or per-endpoint rates from another log (`{ perMinute }`, see
   * `baselineRates`). Default: split this table into baseline and incidents automatically.
   */
  baseline?: BaselineOption;
  /**
   * Evaluate the row-local signatures (expressions without behaviour fields) on a second thread
   * while this one computes the behaviour fields. Default off: on a 2-core machine it did not
   * pay for the worker's start and the column copies (bench/classify.ts, BENCH_SCORE_PARALLEL=1).
   * The result is the same either way.
   */
  parallel?: boolean;
}

/** What the behaviour analysis used and what did not apply (for the report). */
export interface BehaviourReport {
  baseline: BaselineInfo;
  warnings: string[];
}

export interface SignatureOutcome {
  id: string;
  title: string;
  layer: string;
  weight: number;
  group?: string;
  /** Rows it fired on (after known-good exemption). */
  fired: number;
  applicable: boolean;
  /** Why it did not run (a field missing from this table). */
  skipped?: string;
  expression?: string;
}

export interface LabelCounts {
  good: number;
  suspicious: number;
  malicious: number;
}

export class ScoreResult {
  /** The input columns plus `score`, `label` and `reasons`. */
  readonly table: ColumnTable;
  readonly scores: Float64Array;
  /** 0 good, 1 suspicious, 2 malicious. */
  readonly labelCodes: Uint8Array;
  readonly knownGood: Uint8Array;
  /** Per signature id, the 0/1 rows it fired on. */
  readonly fired: ReadonlyMap<string, Uint8Array>;
  readonly signatures: readonly SignatureOutcome[];
  readonly pack: { name: string; version: string };
  readonly counts: LabelCounts;
  readonly thresholds: Thresholds;
  /** Set when behaviour signatures ran: the baseline used and what did not apply. */
  readonly behaviour?: BehaviourReport;
  constructor(init: Omit<ScoreResult, 'labels' | 'mask' | typeof DISPLAY | 'toJSON' | 'summary'>) {
    Object.assign(this, init);
    this.table = init.table;
    this.scores = init.scores;
    this.labelCodes = init.labelCodes;
    this.knownGood = init.knownGood;
    this.fired = init.fired;
    this.signatures = init.signatures;
    this.pack = init.pack;
    this.counts = init.counts;
    this.thresholds = init.thresholds;
    this.behaviour = init.behaviour;
  }
  /** 0/1 mask of rows with this label. */
  mask(label: Label): Uint8Array {
    const code = label === 'good' ? 0 : label === 'suspicious' ? 1 : 2;
    const out = new Uint8Array(this.labelCodes.length);
    for (let i = 0; i < out.length; i++) out[i] = this.labelCodes[i] === code ? 1 : 0;
    return out;
  }
  summary(): { rows: number; labels: LabelCounts; pack: string; signatures: { id: string; fired: number; weight: number }[]; behaviour?: BehaviourReport } {
    return {
      rows: this.scores.length,
      labels: this.counts,
      pack: `${this.pack.name}@${this.pack.version}`,
      signatures: this.signatures.filter((s) => s.fired > 0).map((s) => ({ id: s.id, fired: s.fired, weight: s.weight })),
      ...(this.behaviour ? { behaviour: this.behaviour } : {}),
    };
  }
  toJSON(): ReturnType<ScoreResult['summary']> {
    return this.summary();
  }
  [DISPLAY](): DisplayData {
    const s = this.summary();
    const rows = this.signatures.filter((x) => x.applicable).sort((a, b) => b.fired - a.fired).map((x) => [x.id, x.title, x.weight, x.fired]);
    const bh = s.behaviour ? ` ${[s.behaviour.baseline.description, ...s.behaviour.warnings].join('; ')}.` : '';
    const head = `${s.rows} rows: ${s.labels.good} good, ${s.labels.suspicious} suspicious, ${s.labels.malicious} malicious (signature pack ${s.pack}).${bh}`;
    return {
      data: {
        'text/html': `<p>${head.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>${htmlTable(['signature', 'what', 'weight', 'rows'], rows, { caption: 'signatures that ran' })}`,
        'application/json': JSON.parse(JSON.stringify(s)) as unknown,
        'text/plain': `${head}\n${textTable(['signature', 'what', 'weight', 'rows'], rows)}`,
      },
    };
  }
}

/** The signatures in force: pack order, user overrides by id, user additions appended. */
export function effectiveSignatures(pack: SignaturePack, extra: readonly Signature[] = []): Signature[] {
  const byId = new Map(extra.map((s) => [s.id, s]));
  const out = pack.signatures.map((s) => byId.get(s.id) ?? s);
  for (const s of extra) if (!pack.signatures.some((p) => p.id === s.id)) out.push(s);
  return out.filter((s) => s.enabled !== false);
}

function missingField(table: ColumnTable, fields: readonly string[]): string | undefined {
  const schema = tableSchema(table);
  return fields.find((f) => !schema.fields.has(f));
}

/** The known-good rows: verified bots, allowlisted ranges, the knownGood expression. */
export function knownGoodMask(table: ColumnTable, opts: Pick<ScoreOptions, 'allow' | 'knownGood' | 'lists'> = {}): Uint8Array {
  const t = plain(table);
  const n = t.numRows();
  const out = new Uint8Array(n);
  const schema = tableSchema(t);
  if (schema.fields.has('cf.bot_management.verified_bot')) {
    const col = fieldColumn(t, 'cf.bot_management.verified_bot');
    for (let i = 0; i < n; i++) if (col[i] === true) out[i] = 1;
  }
  if (opts.allow?.length && schema.fields.has('ip.src')) {
    const set = IpSet.from(opts.allow);
    const free = fieldIds(t, 'ip.src');
    if (free) {
      // once per distinct source address
      const allowed = Uint8Array.from(free.values, (v) => (typeof v === 'string' && set.hasText(v) ? 1 : 0));
      for (let i = 0; i < n; i++) {
        const id = free.ids[i] as number;
        if (id >= 0 && allowed[id] === 1) out[i] = 1;
      }
    } else {
      const col = fieldColumn(t, 'ip.src');
      for (let i = 0; i < n; i++) if (set.hasText(col[i] as string)) out[i] = 1;
    }
  }
  if (opts.knownGood) {
    const m = rule(opts.knownGood, t, { lists: opts.lists }).mask(t);
    for (let i = 0; i < n; i++) out[i] |= m[i] as number;
  }
  return out;
}

/** Signatures that can apply to one table at once (two 26-bit words per row). */
export const MAX_ACTIVE_SIGNATURES = 52;

export function score(table: ColumnTable, opts: ScoreOptions = {}): ScoreResult {
  const t = plain(table);
  const n = t.numRows();
  const pack = opts.pack ?? PACK;
  const th = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const sigs = effectiveSignatures(pack, opts.signatures);
  const good = knownGoodMask(t, opts);
  // behaviour signatures share one computation per table; a baseline option is applied here
  const usesBehaviour = sigs.some((sig) => (sig.kind === 'expression' ? sig.expression : (sig.where ?? '')).includes('behaviour.'));
  const frame = usesBehaviour && tableSchema(t).fields.has('ip.src') ? behaviourOf(t, opts.baseline) : undefined;
  // opt-in: on the 2-core bench machine the worker gave no wall-time gain at 1M rows and cost
  // about 0.7 s more CPU (bench/classify.ts with BENCH_SCORE_PARALLEL=1 vs without)
  const rows = opts.parallel === true && n > 0 ? startRowLocal(t, sigs, opts.lists, good) : null;
  try {
    // while the worker runs: the behaviour fields, which the loop below then finds computed
    if (rows && frame) warmBehaviourFields(t, sigs, opts.lists);
    return scoreWith(t, n, pack, th, sigs, opts, good, frame, rows);
  } finally {
    rows?.close();
  }
}

/**
 * Computes the behaviour fields the signatures read (cached per table, as evaluating them
 * would); what fails here fails again, in pack order, when the signature is evaluated.
 */
function warmBehaviourFields(t: ColumnTable, sigs: readonly Signature[], lists: RuleOptions['lists']): void {
  for (const sig of sigs) {
    const expression = sig.kind === 'expression' ? sig.expression : sig.where;
    if (!expression?.includes('behaviour.')) continue;
    try {
      for (const f of rule(expression, t, { lists }).fields) if (f.startsWith('behaviour.')) fieldColumn(t, f);
    } catch {
      /* reported when the signature is evaluated */
    }
  }
}

function scoreWith(t: ColumnTable, n: number, pack: SignaturePack, th: Thresholds, sigs: readonly Signature[], opts: ScoreOptions, good: Uint8Array, frame: BehaviourFrame | undefined, rows: RowLocalRun | null): ScoreResult {
  const total = new Float64Array(n);
  const groups = new Map<string, Float64Array>();
  const groupOrder = new Set<string>();
  const groupSize = new Map<string, number>();
  for (const sig of sigs) if (sig.group) groupSize.set(sig.group, (groupSize.get(sig.group) ?? 0) + 1);
  const fired = new FiredMasks();
  const outcomes: SignatureOutcome[] = [];
  // combination of fired signatures per row: two 26-bit words (small integers keep Map keys cheap)
  const lo = new Int32Array(n);
  // the second word only when more than 26 signatures fire (fresh memory costs page faults)
  let hi: Int32Array | null = null;
  const active: Signature[] = [];
  for (const sig of sigs) {
    const base: SignatureOutcome = { id: sig.id, title: sig.title, layer: sig.layer, weight: sig.weight, group: sig.group, fired: 0, applicable: true, expression: sig.kind === 'expression' ? sig.expression : sig.where };
    const exempt = sig.exemptKnownGood !== false;
    // a row's fired signatures are two 26-bit words: signatures that do not apply to this table
    // (L3/4 ones on an HTTP log) take no bit, so the limit is on the ones that apply
    if (active.length >= MAX_ACTIVE_SIGNATURES) throw new ClassifyError(MSG.signatureInvalid(sig.id, `at most ${MAX_ACTIVE_SIGNATURES} signatures can apply to one table at once`));
    const word = active.length < 26 ? lo : (hi ??= new Int32Array(n));
    const bit = 1 << active.length % 26;
    // a group keeps its largest weight per row (at least 0); a group of one signature with a
    // weight of at least 0 is just that signature
    const grouped = sig.group !== undefined && ((groupSize.get(sig.group) ?? 0) > 1 || sig.weight < 0);
    // made when a signature of the group first applies: a group whose signatures all skip (the
    // l34 volume group on HTTP logs) costs no memory and no pass adding its zeros
    if (grouped) groupOrder.add(sig.group as string);
    const g = grouped ? (groups.get(sig.group as string) ?? new Float64Array(n)) : undefined;
    const into: Fold = { good: exempt ? good : null, word, bit, into: g ?? total, weight: sig.weight, isMax: g !== undefined, count: 0 };
    let count: number;
    // each signature is evaluated and folded into the scores in one pass (its rows: its bit in `word`)
    const done = rows?.take(sig);
    try {
      if (done) count = foldBits(done.words[done.outcome.word] as Int32Array, done.outcome.bit, into, done.outcome.count);
      else if (sig.kind === 'expression') {
        count = rule(sig.expression, t, { lists: opts.lists }).fold(t, into);
      } else {
        const need = [...sig.key, ...(sig.of ? [sig.of] : [])];
        const miss = missingField(t, need);
        if (miss) throw new ClassifyError(`field ${miss} is not in this table`);
        const where = sig.where ? rule(sig.where, t, { lists: opts.lists }).mask(t) : null;
        count = aggregateFold(t, sig, where, into);
      }
    } catch (e) {
      // A signature that needs a field this table lacks (no JA4 in an nginx log) does not apply.
      if ((e instanceof RuleError && e.name === 'RuleReferenceError') || e instanceof ClassifyError) {
        outcomes.push({ ...base, applicable: false, skipped: e instanceof RuleError ? e.reason : e.message });
        continue;
      }
      if (e instanceof RuleError) throw new ClassifyError(MSG.signatureInvalid(sig.id, e.message));
      throw e;
    }
    if (g !== undefined) groups.set(sig.group as string, g);
    active.push(sig);
    fired.addBits(sig.id, word, bit);
    outcomes.push({ ...base, fired: count });
  }
  // in the order the groups were first met (as sums of fractional weights depend on it)
  for (const name of groupOrder) {
    const g = groups.get(name);
    if (g !== undefined) for (let i = 0; i < n; i++) total[i] += g[i] as number;
  }
  const ids = active.map((sig) => `${sig.id}@${pack.version}`);
  const { codes, counts, labels, reasons } = finish(total, th, lo, hi, ids);
  const explained = frame ? explain(frame, reasons, active, ids, lo, hi) : reasons;
  const scored = t.assign(aq.table({ score: total, label: labels, reasons: explained }));
  const behaviour = frame ? frame.notes() : undefined;
  return new ScoreResult({ table: scored, scores: total, labelCodes: codes, knownGood: good, fired, signatures: outcomes, pack: { name: pack.name, version: pack.version }, counts, thresholds: th, behaviour });
}

/**
 * Folds rows a worker found (bit `lbit` of `local`, known-good exemption already applied) into
 * `m`, as the signature's own fold would have: the same rows, the same step per row.
 */
function foldBits(local: Int32Array, lbit: number, m: Fold, count: number): number {
  const { word, bit, into, weight, isMax } = m;
  for (let i = 0; i < local.length; i++) if (((local[i] as number) & lbit) !== 0) foldRow(word, bit, into, weight, isMax, i);
  m.count = count;
  return count;
}

const LABEL_NAMES: readonly Label[] = LABELS;

/**
 * Labels and reasons per row, as dictionary columns: the three label names, and one frozen
 * `reasons` array per combination of fired signatures (rows share it). `given`: label codes
 * already computed elsewhere (a SQL engine's, sql/sample.ts), taken instead of the thresholds.
 */
export function finish(total: Float64Array, th: Thresholds, lo: Int32Array, hi: Int32Array | null, ids: readonly string[], given?: Uint8Array): { codes: Uint8Array; counts: LabelCounts; labels: DictionaryColumn<Label, Uint8Array>; reasons: DictionaryColumn<readonly string[]> } {
  const n = total.length;
  const codes = given ?? new Uint8Array(n);
  const reasonCodes = new Int32Array(n);
  const tally = [0, 0, 0];
  const combos: (readonly string[])[] = [Object.freeze([])];
  const comboIndex = new Map<number, number>();
  // up to 16 signatures: a combination's code by its bits in a small typed table (0: not seen)
  const small = hi === null && ids.length <= 16 ? new Int32Array(1 << ids.length) : null;
  let lastKey = 0;
  let last = 0;
  const malicious = th.malicious;
  const suspicious = th.suspicious;
  for (let i = 0; i < n; i++) {
    let c: number;
    if (given) c = given[i] as number;
    else {
      const s = total[i] as number;
      c = s >= malicious ? 2 : s >= suspicious ? 1 : 0;
      codes[i] = c;
    }
    tally[c]++;
    const w0 = lo[i] as number;
    const w1 = hi === null ? 0 : (hi[i] as number);
    if (w0 === 0 && w1 === 0) continue; // reasonCodes[i] = 0: none
    if (small !== null) {
      let r = small[w0] as number;
      if (r === 0) small[w0] = r = combos.push(Object.freeze(namesOf(w0, 0, ids))) - 1;
      reasonCodes[i] = r;
      continue;
    }
    const k = w1 === 0 ? w0 : w0 + w1 * 67108864;
    if (k === lastKey) {
      reasonCodes[i] = last;
      continue;
    }
    let r = comboIndex.get(k);
    if (r === undefined) {
      r = combos.push(Object.freeze(namesOf(w0, w1, ids))) - 1;
      comboIndex.set(k, r);
    }
    lastKey = k;
    last = r;
    reasonCodes[i] = r;
  }
  return {
    codes,
    counts: { good: tally[0] as number, suspicious: tally[1] as number, malicious: tally[2] as number },
    // the label codes are the ScoreResult's labelCodes (0 good, 1 suspicious, 2 malicious)
    labels: new DictionaryColumn<Label, Uint8Array>(codes, LABEL_NAMES),
    reasons: new DictionaryColumn<readonly string[]>(reasonCodes, combos),
  };
}

/** The ids of the signatures whose bits are set in the two words. */
function namesOf(w0: number, w1: number, ids: readonly string[]): string[] {
  const names: string[] = [];
  for (let b = 0; b < ids.length; b++) if (((b < 26 ? w0 : w1) >> b % 26) & 1) names.push(ids[b] as string);
  return names;
}

/** A baseline for `score(..., { baseline })` from another log (a quiet period): its per-endpoint rates. */
export function baselineRates(table: ColumnTable, source = 'a baseline log'): BaselineOption {
  return ratesOf(derivationSource(table), source);
}

/** The behaviour frame of a table: the one its `behaviour.*` fields read (its columns as dictionary ids where the loader made them). */
export function behaviourOf(table: ColumnTable, baseline?: BaselineOption): BehaviourFrame {
  return behaviourFrame(derivationSource(table), baseline, true);
}

/** Per listed row, its group in `gids` where a signature of `mask` fired (else -1), and 1 + the largest such group (0: none fired). */
function firedGroups(rows: Int32Array, m: number, lo: Int32Array, hi: Int32Array | null, mask0: number, mask1: number, gids: Int32Array, part: Int32Array): { part: Int32Array; width: number } {
  let width = 0;
  for (let j = 0; j < m; j++) {
    const i = rows[j] as number;
    const g = gids[i] as number;
    if (g < 0 || (((lo[i] as number) & mask0) === 0 && (hi === null || ((hi[i] as number) & mask1) === 0))) {
      part[j] = -1;
      continue;
    }
    part[j] = g;
    if (g + 1 > width) width = g + 1;
  }
  return { part, width };
}

/**
 * Reasons with the words of the behaviour signatures that fired: a row's entry for such a
 * signature reads `id@version: what the endpoint/client did, with numbers`. One text per group
 * (endpoint window, client...), one frozen reasons array per combination of texts.
 */
function explain(frame: BehaviourFrame, reasons: DictionaryColumn<readonly string[]>, active: readonly Signature[], ids: readonly string[], lo: Int32Array, hi: Int32Array | null): DictionaryColumn<readonly string[]> {
  const which = active.map((sig, b) => ({ b, ex: EXPLAIN[sig.id] })).filter((x): x is { b: number; ex: NonNullable<(typeof EXPLAIN)[string]> } => x.ex !== undefined);
  if (which.length === 0) return reasons;
  const n = lo.length;
  let maskLo = 0;
  let maskHi = 0;
  for (const { b } of which) {
    if (b < 26) maskLo |= 1 << b;
    else maskHi |= 1 << b % 26;
  }
  // the rows where an explained signature fired
  let m = 0;
  // (temporaries from behaviour's scratch pool: fresh memory costs more than these passes)
  const rows = takeI32(n);
  for (let i = 0; i < n; i++) if (((lo[i] as number) & maskLo) !== 0 || (hi !== null && ((hi[i] as number) & maskHi) !== 0)) rows[m++] = i;
  if (m === 0) {
    release(rows);
    return reasons;
  }
  const codes = reasons.codes as Int32Array;
  // The combination per row: its reasons code (which signatures fired) and, per grouping the
  // texts are made for (endpoint window, client, actor, address), its group; built in typed passes.
  const key = takeI32(m);
  for (let j = 0; j < m; j++) key[j] = codes[rows[j] as number] as number;
  let combo = renumber(key);
  release(key);
  const byGrouping = new Map<(f: BehaviourFrame) => Int32Array, { gids: Int32Array; mask: [number, number] }>();
  const gidsOf = new Map<number, Int32Array>();
  for (const { b, ex } of which) {
    let g = [...byGrouping.entries()].find(([, v]) => v.gids === ex.group(frame))?.[1];
    if (!g) byGrouping.set(ex.group, (g = { gids: ex.group(frame), mask: [0, 0] }));
    if (b < 26) g.mask[0] |= 1 << b;
    else g.mask[1] |= 1 << b % 26;
    gidsOf.set(b, g.gids);
  }
  for (const { gids, mask } of byGrouping.values()) {
    // per row, its group where a signature of this grouping fired (else -1), then the pairs
    // (combination so far, that group) numbered by typed passes (no hashing)
    const { part, width } = firedGroups(rows, m, lo, hi, mask[0], mask[1], gids, takeI32(m));
    if (width !== 0) {
      const next = pairIds(combo.ids, combo.size, part, width, { out: takeI32(m) });
      release(combo.ids);
      combo = next;
    }
    release(part);
  }
  // one reasons array per combination, from its first row
  const combos: (readonly string[])[] = [...reasons.values];
  const first = new Int32Array(combo.size).fill(-1);
  for (let j = 0; j < m; j++) {
    const c = combo.ids[j] as number;
    if (first[c] === -1) first[c] = rows[j] as number;
  }
  // per reasons entry (signature id), its explainer; per explainer and group, the entry text made once
  const explainerOf = new Map(which.map(({ b, ex }) => [ids[b] as string, { ex, gids: gidsOf.get(b) as Int32Array, made: new Map<number, string>() }]));
  const codeOf = new Int32Array(combo.size);
  for (let c = 0; c < combo.size; c++) {
    const i = first[c] as number;
    const names = combos[codes[i] as number] ?? [];
    const list = new Array<string>(names.length);
    for (let k = 0; k < names.length; k++) {
      const r = names[k] as string;
      const e = explainerOf.get(r);
      const gid = e ? (e.gids[i] as number) : -1;
      if (!e || gid < 0) {
        list[k] = r;
        continue;
      }
      let entry = e.made.get(gid);
      if (entry === undefined) e.made.set(gid, (entry = `${r}: ${e.ex.text(frame, gid)}`));
      list[k] = entry;
    }
    codeOf[c] = combos.push(Object.freeze(list)) - 1;
  }
  // the codes finish() made are this function's alone: rewritten in place (no copy of n codes)
  for (let j = 0; j < m; j++) codes[rows[j] as number] = codeOf[combo.ids[j] as number] as number;
  release(rows);
  release(combo.ids);
  return new DictionaryColumn<readonly string[]>(codes, combos);
}
