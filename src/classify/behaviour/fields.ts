/**
 * Behaviour as Rules-language fields (`behaviour.*`), derived per table from the columns it has
 * (schema.ts registers them), so a signature, `runbook rule test` and a notebook cell can all
 * say `behaviour.client.static_pct eq 0 and behaviour.endpoint.incident`. Values are integers
 * (shares in percent) or booleans; a field that does not apply to a row is 0 / false
 * (`interval_cv_pct` is -1 with fewer than five gaps to measure). Columnar: an Int field is a
 * typed array (the narrowest its values fit), a Bool field the frame's 0/1 bytes (the kernels
 * read 1 as true), each computed only when a rule reads it.
 */
import type { Column, Derivation, DerivationSource } from '../schema.js';
import { T, type RuleType } from '../types.js';
import { BEHAVIOUR_SOURCES, columnsSource, type BehaviourColumns, type SourceName } from './facts.js';
import { behaviourFrame, type BehaviourFrame, type Grouping } from './frame.js';
import { pct, type GroupStats } from './actors.js';
import { gather, gather16, gatherFlags, gatherU8 } from './intern.js';

type Compute = (f: BehaviourFrame) => ArrayLike<unknown>;

/**
 * Per row, the value of its group (`missing` where it has none), the per-group value computed
 * once per group; in the narrowest typed array that holds the values (most are percentages:
 * a byte a row instead of four is less fresh memory to write at a million rows).
 */
function spread(ids: Int32Array, size: number, per: (g: number) => number, missing = 0): Int32Array | Int16Array | Uint8Array {
  const values = new Int32Array(size);
  for (let g = 0; g < size; g++) values[g] = per(g);
  return spreadValues(ids, size, values, missing);
}

/** `spread` of per-group values already in an array (at least `size` long; only its first `size` are read). */
function spreadValues(ids: Int32Array, size: number, values: Int32Array, missing = 0): Int32Array | Int16Array | Uint8Array {
  let lo = missing;
  let hi = missing;
  for (let g = 0; g < size; g++) {
    const v = values[g] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo >= 0 && hi <= 255) return gatherU8(ids, values, missing);
  if (lo >= -32768 && hi <= 32767) return gather16(ids, values, missing);
  return gather(ids, values, missing);
}

/**
 * A Bool field's column: the 0/1 flags themselves (shared with the frame: read-only). The Rules
 * kernels read 1 in a Bool column as true (codegen's `bool` case), so no array of booleans is made.
 */
const bools = (flags: Uint8Array): Uint8Array => flags;

/** Per group, pct(a, b) in one typed loop (no call per group through a closure). */
function shares(a: Int32Array, b: Int32Array, size: number): Int32Array {
  const out = new Int32Array(size);
  for (let g = 0; g < size; g++) out[g] = pct(a[g] as number, b[g] as number);
  return out;
}
/** Per group field: the per-group values (the statistics' own array where it is one). */
const GROUP_FIELDS: Record<string, (s: GroupStats) => Int32Array> = {
  requests: (s) => s.requests,
  paths: (s) => s.paths,
  endpoints: (s) => s.endpoints,
  addresses: (s) => s.addresses,
  static_pct: (s) => shares(s.statics, s.requests, s.size),
  referer_pct: (s) => shares(s.referers, s.requests, s.size),
  login_attempts: (s) => s.loginAttempts,
  login_failed_pct: (s) => shares(s.loginFailures, s.loginAttempts, s.size),
  blind_posts: (s) => s.blindPosts,
  interval_cv_pct: (s) => s.intervalCv,
  peak_per_min: (s) => s.peakPerMin,
};

const FIELDS: Record<string, { type: RuleType; compute: Compute; grouping?: Grouping }> = {};
for (const grouping of ['ip', 'client', 'session', 'actor'] as Grouping[]) {
  for (const [name, get] of Object.entries(GROUP_FIELDS)) {
    FIELDS[`behaviour.${grouping}.${name}`] = {
      type: T.Int,
      grouping,
      compute: (f) => {
        const { ids, stats } = f.group(grouping);
        return spreadValues(ids, stats.size, get(stats), name === 'interval_cv_pct' ? -1 : 0);
      },
    };
  }
}

const perWindow = (get: (w: ReturnType<BehaviourFrame['endpoints']>, k: number) => number): Compute => (f) => {
  const w = f.endpoints();
  return spread(w.window, w.size, (k) => get(w, k));
};
const rateOf = (w: ReturnType<BehaviourFrame['endpoints']>, k: number): number => (w.requests[k] as number) / (w.minutes[k] as number);

Object.assign(FIELDS, {
  'behaviour.endpoint.requests': { type: T.Int, compute: perWindow((w, k) => w.requests[k] as number) },
  'behaviour.endpoint.minutes': { type: T.Int, compute: perWindow((w, k) => w.minutes[k] as number) },
  'behaviour.endpoint.per_min': { type: T.Int, compute: perWindow((w, k) => Math.round(rateOf(w, k))) },
  'behaviour.endpoint.baseline_per_min': { type: T.Int, compute: perWindow((w, k) => Math.round(w.baselineRate[w.endpoint[k] as number] as number)) },
  'behaviour.endpoint.ratio_pct': { type: T.Int, compute: perWindow((w, k) => Math.min(1e6, Math.round((100 * rateOf(w, k)) / Math.max(0.5, w.baselineRate[w.endpoint[k] as number] as number)))) },
  'behaviour.endpoint.sources': { type: T.Int, compute: perWindow((w, k) => w.sources[k] as number) },
  'behaviour.endpoint.no_session_pct': { type: T.Int, compute: perWindow((w, k) => pct(w.noSession[k] as number, w.requests[k] as number)) },
  'behaviour.endpoint.login_attempts': { type: T.Int, compute: perWindow((w, k) => w.logins[k] as number) },
  'behaviour.endpoint.login_failed_pct': { type: T.Int, compute: perWindow((w, k) => pct(w.failed[k] as number, w.logins[k] as number)) },
  'behaviour.endpoint.query_unique_pct': { type: T.Int, compute: perWindow((w, k) => pct(w.uniqueQueries[k] as number, w.withQuery[k] as number)) },
  'behaviour.endpoint.queries': { type: T.Int, compute: perWindow((w, k) => w.withQuery[k] as number) },
  'behaviour.endpoint.query_random_pct': { type: T.Int, compute: perWindow((w, k) => pct(w.randomQueries[k] as number, w.withQuery[k] as number)) },
  'behaviour.endpoint.origin_pct': { type: T.Int, compute: perWindow((w, k) => pct(w.toOrigin[k] as number, w.requests[k] as number)) },
  'behaviour.endpoint.blind_pct': { type: T.Int, compute: perWindow((w, k) => pct(w.blind[k] as number, w.requests[k] as number)) },
  'behaviour.endpoint.incident': { type: T.Bool, compute: (f: BehaviourFrame) => { const w = f.endpoints(); return bools(gatherFlags(w.window, w.incident)); } },
  'behaviour.request.static': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.facts.isStatic) },
  'behaviour.request.login': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.facts.login) },
  'behaviour.request.failed': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.facts.failed) },
  'behaviour.request.blind_post': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.facts.blind) },
  'behaviour.request.session': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.facts.hasSession) },
  'behaviour.request.random_query': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.facts.queryRandom) },
  'behaviour.network.class': { type: T.Bytes, compute: (f: BehaviourFrame) => f.network().cls },
  'behaviour.network.hosting': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.network().hosting) },
  'behaviour.network.mobile': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.network().mobile) },
  'behaviour.network.crawler': { type: T.Bool, compute: (f: BehaviourFrame) => bools(f.network().crawler) },
  'behaviour.network.neighbours': { type: T.Int, compute: (f: BehaviourFrame) => f.network().neighbours },
  'behaviour.ip.browsers': { type: T.Int, compute: (f: BehaviourFrame) => f.network().browsers },
} satisfies Record<string, { type: RuleType; compute: Compute }>);

/** The columns behaviour reads, from a Derivation's source columns (missing ones are empty). */
export function columnsOf(cols: readonly Column[], n: number): BehaviourColumns {
  const out: BehaviourColumns = {};
  BEHAVIOUR_SOURCES.forEach((name: SourceName, j) => {
    const c = cols[j];
    if (c && c.length === n) out[name] = c;
  });
  return out;
}

/**
 * The values of behaviour fields over a whole source, for every row (an ingest of a source read
 * in chunks stores these): the same computations as the fields of a table, made in an order that
 * lets go of each grouping's statistics once its fields are made (the network facts, which read
 * the actors', first), so a large source holds one grouping's statistics at a time. Each field's
 * values go to `take` as soon as they are made (the caller may write them out and drop them).
 */
export function wholeSourceFields(src: DerivationSource, fields: readonly string[], take: (field: string, values: ArrayLike<unknown>) => void): void {
  const frame = behaviourFrame(src);
  const wanted = fields.filter((f) => f in FIELDS);
  const rank = (f: string): number => {
    const g = FIELDS[f]?.grouping;
    // the actors' first: the network facts (made before) read them
    return g === undefined ? 0 : 1 + (['actor', 'ip', 'client', 'session'] as Grouping[]).indexOf(g);
  };
  let current: Grouping | undefined;
  for (const f of [...wanted].sort((a, b) => rank(a) - rank(b))) {
    const def = FIELDS[f] as (typeof FIELDS)[string];
    if (current !== undefined && def.grouping !== current) frame.releaseGroup(current);
    current = def.grouping;
    take(f, def.compute(frame));
  }
  if (current !== undefined) frame.releaseGroup(current);
}

/** Field name -> Rules type, for the catalogue. */
export const BEHAVIOUR_TYPES: Readonly<Record<string, RuleType>> = Object.fromEntries(Object.entries(FIELDS).map(([k, v]) => [k, v.type]));

/** Field name -> Derivation, for schema.ts's DERIVED. */
export const BEHAVIOUR_DERIVED: Readonly<Record<string, Derivation>> = Object.fromEntries(
  Object.entries(FIELDS).map(([name, def]) => [
    name,
    {
      from: BEHAVIOUR_SOURCES,
      type: def.type,
      // typed arrays are read by index like arrays (the kernels never call array methods on a column)
      compute: (cols: readonly Column[], n: number) => def.compute(behaviourFrame(columnsSource(columnsOf(cols, n), n))) as unknown[],
      // the frame of the table itself (ids where the loader made them; the one score() made)
      whole: (src: DerivationSource) => def.compute(behaviourFrame(src)),
    } satisfies Derivation,
  ]),
);
