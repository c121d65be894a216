/**
 * The behaviour of one table, computed once and shared by every behaviour field and signature:
 * row facts, per-group stats (address, client, session, actor), per-endpoint windows against
 * their baseline, and per-network facts. Groupings are computed when first asked for.
 */
import type { Column } from '../schema.js';
import { rowFacts, BEHAVIOUR_SOURCES, type BehaviourColumns, type RowFacts, type SourceName } from './facts.js';
import { GroupStats } from './actors.js';
import { endpointWindows, type EndpointWindows } from './endpoint.js';
import type { BaselineOption, BaselineInfo } from './baseline.js';
import { networkClass, type NetworkClass } from './networks.js';
import { networkOf } from './keys.js';
import { mapIds, distinctPer } from './intern.js';
import { BEHAVIOUR_MESSAGES as M } from './messages.js';

export type Grouping = 'ip' | 'client' | 'session' | 'actor';

export interface NetworkFacts {
  /** Per row, made when first asked for (signatures read the flags below). */
  readonly cls: NetworkClass[];
  /** Per row, 1 where the address is of that class. */
  hosting: Uint8Array;
  mobile: Uint8Array;
  crawler: Uint8Array;
  /** Per row: distinct source addresses in the row's /24 or /64. */
  neighbours: Int32Array;
  /** Per row: distinct actors at the row's address that loaded static assets (people browsing). */
  browsers: Int32Array;
  /** Per distinct address (ip id): the same count. */
  browsersPerIp: Int32Array;
}

export class BehaviourFrame {
  readonly n: number;
  readonly facts: RowFacts;
  private readonly stats = new Map<Grouping, GroupStats>();
  private windows?: EndpointWindows;
  private net?: NetworkFacts;
  constructor(
    readonly cols: BehaviourColumns,
    n: number,
    readonly baselineOption: BaselineOption | undefined,
  ) {
    this.n = n;
    this.facts = rowFacts(cols, n);
  }
  group(kind: Grouping): { ids: Int32Array; stats: GroupStats } {
    const f = this.facts;
    const g = kind === 'ip' ? { ids: f.ip, size: f.ipIds.size } : kind === 'client' ? f.client : kind === 'session' ? f.session : f.actor;
    let s = this.stats.get(kind);
    if (!s) this.stats.set(kind, (s = new GroupStats(g.ids, g.size, f)));
    return { ids: g.ids, stats: s };
  }
  endpoints(): EndpointWindows {
    return (this.windows ??= endpointWindows(this.facts, this.baselineOption));
  }
  network(): NetworkFacts {
    if (this.net) return this.net;
    const f = this.facts;
    const n = this.n;
    const asn = this.cols['ip.src.asnum'];
    // class per distinct address (with the ASN of its first row)
    const firstRow = new Int32Array(f.ipIds.size).fill(-1);
    for (let i = 0; i < n; i++) {
      const k = f.ip[i] as number;
      if (k >= 0 && firstRow[k] === -1) firstRow[k] = i;
    }
    const clsPer = Array.from(f.ipIds.values, (ip, k) => networkClass(ip, asn ? asn[firstRow[k] as number] : null));
    const flag = (c: NetworkClass): Uint8Array => {
      const per = Uint8Array.from(clsPer, (x) => (x === c ? 1 : 0));
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const k = f.ip[i] as number;
        if (k >= 0) out[i] = per[k] as number;
      }
      return out;
    };
    let clsRows: NetworkClass[] | undefined;
    const ipIds = f.ip;
    const net = mapIds(f.ipIds, networkOf);
    // distinct addresses per network: per distinct address once
    const perNet = new Int32Array(net.size);
    const netOfIp = new Int32Array(f.ipIds.size).fill(-1);
    for (let i = 0; i < n; i++) {
      const k = f.ip[i] as number;
      if (k >= 0 && netOfIp[k] === -1) {
        const m = net.ids[i] as number;
        netOfIp[k] = m;
        if (m >= 0) perNet[m] = (perNet[m] as number) + 1;
      }
    }
    const neighbours = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const m = net.ids[i] as number;
      neighbours[i] = m >= 0 ? (perNet[m] as number) : 0;
    }
    // browsers per address: actors with at least one static asset and one referer
    const actor = this.group('actor');
    const browsing = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = actor.ids[i] as number;
      browsing[i] = a >= 0 && (actor.stats.statics[a] as number) > 0 && (actor.stats.referers[a] as number) > 0 ? a : -1;
    }
    const perIp = distinctPer(f.ip, f.ipIds.size, browsing);
    const browsers = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = f.ip[i] as number;
      browsers[i] = k >= 0 ? (perIp[k] as number) : 0;
    }
    return (this.net = {
      get cls(): NetworkClass[] {
        if (!clsRows) {
          clsRows = new Array<NetworkClass>(n);
          for (let i = 0; i < n; i++) {
            const k = ipIds[i] as number;
            clsRows[i] = k < 0 ? 'unknown' : (clsPer[k] as NetworkClass);
          }
        }
        return clsRows;
      },
      hosting: flag('hosting'),
      mobile: flag('mobile'),
      crawler: flag('crawler'),
      neighbours,
      browsers,
      browsersPerIp: perIp,
    });
  }
  /** What the report should say about this table's behaviour analysis. */
  notes(): { baseline: BaselineInfo; warnings: string[] } {
    const warnings: string[] = [];
    const f = this.facts;
    if (!f.present.has('ip.src')) warnings.push(M.noSource);
    else if (f.ipIds.size === 1) warnings.push(M.singleSource);
    let logins = 0;
    for (let i = 0; i < this.n && logins === 0; i++) logins += f.login[i] as number;
    if (logins === 0) warnings.push(M.noLogin);
    return { baseline: this.endpoints().baseline, warnings };
  }
}

interface Cached {
  refs: readonly (Column | undefined)[];
  n: number;
  frame: BehaviourFrame;
}
const cache = new WeakMap<object, Cached>();
const EMPTY: Column = [];

/**
 * The frame for these columns: the cached one when the same columns were seen (with the
 * baseline given then, unless a different baseline is given now, or `exact` asks for this one
 * and none other), else computed now.
 */
export function behaviourFrame(cols: BehaviourColumns, n: number, baseline?: BaselineOption, exact = false): BehaviourFrame {
  const key = (cols['ip.src'] ?? EMPTY) as object;
  const refs = BEHAVIOUR_SOURCES.map((s: SourceName) => cols[s]);
  const hit = cache.get(key);
  // score() asks for exactly its baseline (none included); a derived field takes the frame score() made
  const sameBaseline = exact || baseline !== undefined ? hit?.frame.baselineOption === baseline : true;
  if (hit && hit.n === n && hit.refs.every((r, j) => r === refs[j]) && sameBaseline) return hit.frame;
  const frame = new BehaviourFrame(cols, n, baseline);
  if (key !== EMPTY) cache.set(key, { refs, n, frame });
  return frame;
}

/**
 * A baseline from another log (a quiet day): per endpoint, its requests per minute over that
 * log's time span. Empty (and reported as such) when the log has no timestamps or no endpoints.
 */
export function baselineRates(cols: BehaviourColumns, n: number, source: string): BaselineOption {
  const f = rowFacts(cols, n);
  const perMinute = new Map<string, number>();
  if (!f.hasTime) return { perMinute, source };
  let t0 = Infinity;
  let t1 = -Infinity;
  const counts = new Float64Array(f.endpointNames.length);
  for (let i = 0; i < n; i++) {
    const t = f.time[i] as number;
    const e = f.endpoint[i] as number;
    if (t !== t || e < 0) continue;
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
    counts[e] = (counts[e] as number) + 1;
  }
  const minutes = Math.max(1, (t1 - t0) / 60000);
  f.endpointNames.forEach((name, e) => {
    if ((counts[e] as number) > 0) perMinute.set(name, (perMinute.get(name) ?? 0) + (counts[e] as number) / minutes);
  });
  return { perMinute, source };
}
