/**
 * What a proposal is graded on: never the labels that produced it. The derivation side is the
 * incident's confidently-attack rows (label malicious, not known-good); the grading side
 * ("possibly good") is every other incident row (suspicious counts as possibly good), every row
 * of the baseline window before the attack started, and every row of a baseline file.
 * Rows are numbered incident first (0..n-1), then baseline file rows (n..n+m-1).
 */
import type { ColumnTable } from 'arquero';
import { plain, tableSchema, internField } from '../columns.js';
import { rule, type RuleOptions } from '../rule.js';
import { RuleError, ClassifyError } from '../errors.js';
import type { ScoreResult } from '../score.js';
import { bitsOf, concatBits, count, emptyBits, setBit, type Bits } from './bits.js';
import { sharedAddresses } from './sources.js';

export interface EvidenceOptions {
  /** A baseline table (normal traffic of the same site), e.g. loaded from --baseline. */
  baseline?: ColumnTable;
  /** Its name for messages. */
  baselineName?: string;
  /** Ground truth for the incident rows (synthetic traffic): reported next to the verdict, never used for it. */
  truthAttack?: Uint8Array;
  truthGood?: Uint8Array;
  /** Detect a pre-attack window in the incident's own timeline (default true). */
  baselineWindow?: boolean;
  lists?: RuleOptions['lists'];
}

export interface Evidence {
  t: ColumnTable;
  base?: ColumnTable;
  n: number;
  m: number;
  N: number;
  /** Confident attack rows (incident only): what clusters and terms are derived from. */
  attack: Bits;
  attackMask: Uint8Array;
  /** Rows from unshared sources that also sent confident attack (neither derived from nor graded on): the attacker's other requests. */
  attackerRow: Uint8Array;
  /** Possibly-good rows: what every verdict is graded on. */
  reference: Bits;
  referenceRows: number;
  incidentReferenceRows: number;
  baselineRows: number;
  windowRows: number;
  all: Bits;
  truthAttack?: Bits;
  truthGood?: Bits;
  source: string;
  lists: RuleOptions['lists'];
  /** Bits of an expression over incident + baseline rows; null when it does not compile for the table. */
  evalBits(expression: string, lists?: RuleOptions['lists']): Bits | null;
}

/** Buckets the incident's timeline is cut into to find the pre-attack window. */
export const TIMELINE_BUCKETS = 50;
/** A pre-attack window is used only if it holds at least this share of the incident's rows. */
export const MIN_WINDOW_SHARE = 0.05;
/** The quiet level of confident-attack rows per bucket is this quantile of the buckets (background false positives). */
export const QUIET_QUANTILE = 0.25;
/** A bucket starts the attack when it exceeds the quiet level by this many Poisson deviations, plus ONSET_MIN_EXCESS rows. */
export const ONSET_DEVIATIONS = 4;
export const ONSET_MIN_EXCESS = 3;
/** A log whose quiet level is at least this share of its peak bucket has no quiet part (all attack). */
export const QUIET_MAX_SHARE_OF_PEAK = 0.2;

/**
 * Rows before the first attack's onset (0/1 per incident row); all zero when there is no clear
 * onset. The onset is the first bucket whose confident-attack count rises clearly above the
 * log's quiet level (a low quantile of the buckets: steady background false positives stay in
 * the window and are graded), not a share of the peak bucket: with several attacks one after
 * the other, a small early attack (credential stuffing at a few requests a second) would
 * otherwise fall inside the "baseline" of a later flood and be graded as good traffic.
 */
export function baselineWindowMask(t: ColumnTable, malicious: Uint8Array): Uint8Array {
  const n = t.numRows();
  const out = new Uint8Array(n);
  if (!tableSchema(t).fields.has('timestamp') || n < 100) return out;
  const ts = t.column('timestamp') as unknown as ArrayLike<number>;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = ts[i] as number;
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return out;
  const width = (hi - lo) / TIMELINE_BUCKETS;
  const mal = new Float64Array(TIMELINE_BUCKETS);
  const bucketOf = (v: number) => Math.min(TIMELINE_BUCKETS - 1, Math.floor((v - lo) / width));
  for (let i = 0; i < n; i++) if (malicious[i]) mal[bucketOf(ts[i] as number)]++;
  const peak = Math.max(...mal);
  if (peak === 0) return out;
  const sorted = [...mal].sort((a, b) => a - b);
  const quiet = sorted[Math.floor(QUIET_QUANTILE * (TIMELINE_BUCKETS - 1))] as number;
  // no quiet part at all (a capture that is attack from start to end): nothing is "before"
  if (quiet >= QUIET_MAX_SHARE_OF_PEAK * peak) return out;
  const threshold = quiet + ONSET_DEVIATIONS * Math.sqrt(quiet + 1) + ONSET_MIN_EXCESS;
  const onset = mal.findIndex((c) => c > threshold);
  if (onset <= 1) return out;
  const end = lo + onset * width;
  let rows = 0;
  for (let i = 0; i < n; i++) if ((ts[i] as number) < end) {
    out[i] = 1;
    rows++;
  }
  return rows >= n * MIN_WINDOW_SHARE ? out : new Uint8Array(n);
}

/** Values of a field present in a table (interned, one pass). */
function valueSet(t: ColumnTable, field: string): Set<string> {
  const { ids, values } = internField(t, field);
  const seen = new Set<number>();
  for (let i = 0; i < ids.length; i++) if ((ids[i] as number) >= 0) seen.add(ids[i] as number);
  return new Set([...seen].map((k) => String(values[k])));
}

/** A baseline must be traffic of the same site: same hosts (HTTP) or same destinations (packets). */
export function checkSameSite(t: ColumnTable, base: ColumnTable, name: string): void {
  for (const field of ['http.host', 'ip.dst']) {
    if (!tableSchema(t).fields.has(field) || !tableSchema(base).fields.has(field)) continue;
    const a = valueSet(t, field);
    const b = valueSet(base, field);
    if (a.size === 0 || b.size === 0) continue;
    const shared = [...a].filter((v) => b.has(v)).length;
    if (shared === 0) {
      const show = (s: Set<string>) => [...s].slice(0, 3).join(', ') + (s.size > 3 ? `, ... (${s.size})` : '');
      throw new ClassifyError(`${name}: the baseline is traffic of another site: its ${field} values (${show(b)}) share none with the incident's (${show(a)}); give a baseline of the same site`);
    }
    return;
  }
}

export function buildEvidence(scored: ScoreResult, opts: EvidenceOptions = {}): Evidence {
  const t = plain(scored.table);
  const n = t.numRows();
  const base = opts.baseline ? plain(opts.baseline) : undefined;
  if (base) checkSameSite(t, base, opts.baselineName ?? 'baseline');
  const m = base ? base.numRows() : 0;
  const N = n + m;
  const attackMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) attackMask[i] = scored.labelCodes[i] === 2 && !scored.knownGood[i] ? 1 : 0;
  const window = opts.baselineWindow === false ? new Uint8Array(n) : baselineWindowMask(t, attackMask);
  let windowRows = 0;
  const reference = emptyBits(N);
  const attack = emptyBits(N);
  let incidentReferenceRows = 0;
  // a row from a source that also sent confident attack rows (and is not a shared address) is the
  // attacker's too: it is neither derived from nor graded on
  const attackerRow = new Uint8Array(n);
  let attackerRows = 0;
  if (tableSchema(t).fields.has('ip.src')) {
    const ip = internField(t, 'ip.src');
    const shared = sharedAddresses(t);
    const attacker = new Uint8Array(ip.values.length);
    for (let i = 0; i < n; i++) if (attackMask[i] && !window[i] && (ip.ids[i] as number) >= 0) attacker[ip.ids[i] as number] = 1;
    for (let k = 0; k < ip.values.length; k++) if (attacker[k] && shared.has(ip.values[k])) attacker[k] = 0;
    for (let i = 0; i < n; i++) {
      const k = ip.ids[i] as number;
      if (!attackMask[i] && !window[i] && k >= 0 && attacker[k]) {
        attackerRow[i] = 1;
        attackerRows++;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (window[i]) windowRows++;
    if (attackerRow[i]) continue;
    if (window[i] || !attackMask[i]) {
      setBit(reference, i);
      incidentReferenceRows++;
      // a pre-attack row is graded, not derived from
      attackMask[i] = 0;
    } else setBit(attack, i);
  }
  for (let j = 0; j < m; j++) setBit(reference, n + j);
  const all = emptyBits(N);
  for (let i = 0; i < N; i++) setBit(all, i);
  const lists = opts.lists;
  const memo = new Map<string, Bits | null>();
  const optsFor = (l: RuleOptions['lists']): RuleOptions => ({ lists: { ...(lists ?? {}), ...(l ?? {}) } });
  const evalOn = (table: ColumnTable, expression: string, l: RuleOptions['lists']): Uint8Array | null => {
    try {
      return rule(expression, table, optsFor(l)).mask(table);
    } catch (e) {
      if (e instanceof RuleError) return null;
      throw e;
    }
  };
  /** As evalOn, as a bitset of the table's rows (the incident alone: no baseline rows after them). */
  const bitsOn = (table: ColumnTable, expression: string, l: RuleOptions['lists']): Bits | null => {
    try {
      return rule(expression, table, optsFor(l)).bits(table);
    } catch (e) {
      if (e instanceof RuleError) return null;
      throw e;
    }
  };
  const sources = [`${incidentReferenceRows - windowRows} incident rows not confidently attack (suspicious counted as possibly good)`];
  if (attackerRows) sources.push(`(${attackerRows} rows from unshared sources that also sent confident attack left out of both sides)`);
  if (windowRows) sources.push(`${windowRows} rows before the attack started`);
  if (m) sources.push(`${m} rows of ${opts.baselineName ?? 'the baseline'}`);
  return {
    t,
    base,
    n,
    m,
    N,
    attack,
    attackMask,
    attackerRow,
    reference,
    referenceRows: count(reference),
    incidentReferenceRows,
    baselineRows: m,
    windowRows,
    all,
    truthAttack: opts.truthAttack ? bitsOf(opts.truthAttack, n) : undefined,
    truthGood: opts.truthGood ? bitsOf(opts.truthGood, n) : undefined,
    source: sources.join(' + '),
    lists,
    evalBits(expression, l) {
      // terms, skip parts and guards ask for the same expressions cluster after cluster: run each kernel once
      const memoKey = l ? undefined : expression;
      if (memoKey !== undefined && memo.has(memoKey)) return memo.get(memoKey) as Bits | null;
      const r = evalUncached(expression, l);
      if (memoKey !== undefined) memo.set(memoKey, r);
      return r;
    },
  };
  function evalUncached(expression: string, l: RuleOptions['lists']): Bits | null {
    {
      if (!base) return bitsOn(t, expression, l);
      const a = evalOn(t, expression, l);
      if (!a) return null;
      // a field the baseline lacks: the expression cannot match there (absent fields never match)
      const b = evalOn(base, expression, l) ?? new Uint8Array(m);
      return concatBits(a, b);
    }
  }
}
