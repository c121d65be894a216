/**
 * The behaviour of one table, computed once and shared by every behaviour field and signature:
 * row facts, per-group stats (address, client, session, actor), per-endpoint windows against
 * their baseline, and per-network facts. Groupings are computed when first asked for.
 */
import { rowFacts, columnsSource, type BehaviourColumns, type BehaviourSource, type RowFacts } from './facts.js';
import { GroupStats } from './actors.js';
import { endpointWindows, type EndpointWindows } from './endpoint.js';
import type { BaselineOption, BaselineInfo } from './baseline.js';
import { networkClass, type NetworkClass } from './networks.js';
import { networkOf } from './keys.js';
import { mapIds, distinctKeptPer, firstRows, gather, gatherFlags } from './intern.js';
import { BEHAVIOUR_MESSAGES as M } from './messages.js';

export type Grouping = 'ip' | 'client' | 'session' | 'actor';

/** Per-network facts, each computed when first read. */
export interface NetworkFacts {
  /** Per row (signatures read the flags below). */
  readonly cls: NetworkClass[];
  /** Per row, 1 where the address is of that class. */
  readonly hosting: Uint8Array;
  readonly mobile: Uint8Array;
  readonly crawler: Uint8Array;
  /** Per row: distinct source addresses in the row's /24 or /64. */
  readonly neighbours: Int32Array;
  /** Per row: distinct actors at the row's address that loaded static assets (people browsing). */
  readonly browsers: Int32Array;
  /** Per distinct address (ip id): the same count. */
  readonly browsersPerIp: Int32Array;
}

export class BehaviourFrame {
  readonly n: number;
  readonly facts: RowFacts;
  private readonly stats = new Map<Grouping, GroupStats>();
  private windows?: EndpointWindows;
  private net?: NetworkFacts;
  constructor(
    readonly source: BehaviourSource,
    readonly baselineOption: BaselineOption | undefined,
  ) {
    this.n = source.n;
    this.facts = rowFacts(source);
  }
  group(kind: Grouping): { ids: Int32Array; stats: GroupStats } {
    const f = this.facts;
    const g = kind === 'ip' ? f.ipIds : kind === 'client' ? f.client : kind === 'session' ? f.session : f.actor;
    let s = this.stats.get(kind);
    if (!s) this.stats.set(kind, (s = new GroupStats(g.ids, g.size, f)));
    return { ids: g.ids, stats: s };
  }
  /** Lets go of a grouping's statistics (computed again if asked for after). */
  releaseGroup(kind: Grouping): void {
    this.stats.delete(kind);
  }
  endpoints(): EndpointWindows {
    return (this.windows ??= endpointWindows(this.facts, this.baselineOption));
  }
  network(): NetworkFacts {
    return (this.net ??= networkFacts(this, this.facts));
  }
  /** What the report should say about this table's behaviour analysis. */
  notes(): { baseline: BaselineInfo; warnings: string[] } {
    const warnings: string[] = [];
    const f = this.facts;
    if (!f.present.has('ip.src')) warnings.push(M.noSource);
    else if (f.ipIds.size === 1) warnings.push(M.singleSource);
    let logins = 0;
    const login = f.login;
    for (let i = 0; i < this.n && logins === 0; i++) logins += login[i] as number;
    if (logins === 0) warnings.push(M.noLogin);
    return { baseline: this.endpoints().baseline, warnings };
  }
}

/** Network facts of a frame: the class per distinct address, spread to the rows when read. */
function networkFacts(frame: BehaviourFrame, f: RowFacts): NetworkFacts {
  const n = frame.n;
  const ip = f.ip;
  const ipIds = f.ipIds;
  const memo = new Map<string, Uint8Array | Int32Array | NetworkClass[]>();
  const once = <T extends Uint8Array | Int32Array | NetworkClass[]>(k: string, make: () => T): T => {
    let v = memo.get(k) as T | undefined;
    if (v === undefined) memo.set(k, (v = make()));
    return v;
  };
  // class per distinct address (with the ASN of its first row)
  const clsPer = (): NetworkClass[] =>
    once('clsPer', () => {
      const asn = frame.source.has('ip.src.asnum') ? frame.source.column('ip.src.asnum') : undefined;
      const first = firstRows(ip, ipIds.size);
      return Array.from(ipIds.values, (v, k) => networkClass(v, asn && (first[k] as number) >= 0 ? asn[first[k] as number] : null));
    });
  const flag = (c: NetworkClass): Uint8Array =>
    once(c, () =>
      gatherFlags(
        ip,
        Uint8Array.from(clsPer(), (x) => (x === c ? 1 : 0)),
      ),
    );
  const perIp = (): Int32Array =>
    once('perIp', () => {
      // browsers per address: actors with at least one static asset and one referer
      const actor = frame.group('actor');
      const { statics, referers } = actor.stats;
      const browsing = new Uint8Array(actor.stats.size);
      for (let a = 0; a < browsing.length; a++) if ((statics[a] as number) > 0 && (referers[a] as number) > 0) browsing[a] = 1;
      return distinctKeptPer(ip, ipIds.size, actor.ids, actor.stats.size, browsing);
    });
  return {
    get cls(): NetworkClass[] {
      return once('cls', () => {
        const per = clsPer();
        const out = new Array<NetworkClass>(n);
        for (let i = 0; i < n; i++) {
          const k = ip[i] as number;
          out[i] = k < 0 ? 'unknown' : (per[k] as NetworkClass);
        }
        return out;
      });
    },
    get hosting(): Uint8Array {
      return flag('hosting');
    },
    get mobile(): Uint8Array {
      return flag('mobile');
    },
    get crawler(): Uint8Array {
      return flag('crawler');
    },
    get neighbours(): Int32Array {
      return once('neighbours', () => {
        // distinct addresses per network, counted once per distinct address
        const net = mapIds(ipIds, networkOf);
        const netOfIp = new Int32Array(ipIds.size).fill(-1);
        const first = firstRows(ip, ipIds.size);
        const perNet = new Int32Array(net.size);
        for (let k = 0; k < ipIds.size; k++) {
          const i = first[k] as number;
          const m = i >= 0 ? (net.ids[i] as number) : -1;
          netOfIp[k] = m;
          if (m >= 0) perNet[m] = (perNet[m] as number) + 1;
        }
        return gather(ip, gather(netOfIp, perNet, 0), 0);
      });
    },
    get browsers(): Int32Array {
      return once('browsers', () => gather(ip, perIp(), 0));
    },
    get browsersPerIp(): Int32Array {
      return perIp();
    },
  };
}

const cache = new WeakMap<object, BehaviourFrame>();

/**
 * The frame of a source (a table, through columns.ts): the cached one when the same table was
 * seen (with the baseline given then, unless a different baseline is given now, or `exact` asks
 * for this one and none other), else computed now.
 */
export function behaviourFrame(src: BehaviourSource, baseline?: BaselineOption, exact = false): BehaviourFrame {
  const hit = cache.get(src.key);
  // score() asks for exactly its baseline (none included); a derived field takes the frame score() made
  const sameBaseline = exact || baseline !== undefined ? hit?.baselineOption === baseline : true;
  if (hit && hit.n === src.n && sameBaseline) return hit;
  const frame = new BehaviourFrame(src, baseline);
  cache.set(src.key, frame);
  return frame;
}

/** The frame of plain column arrays (cached on the address column). */
export function behaviourFrameOf(cols: BehaviourColumns, n: number, baseline?: BaselineOption): BehaviourFrame {
  return behaviourFrame(columnsSource(cols, n), baseline);
}

/**
 * A baseline from another log (a quiet day): per endpoint, its requests per minute over that
 * log's time span. Empty (and reported as such) when the log has no timestamps or no endpoints.
 */
export function baselineRates(src: BehaviourSource, source: string): BaselineOption {
  const f = rowFacts(src);
  const n = src.n;
  const perMinute = new Map<string, number>();
  if (!f.hasTime) return { perMinute, source };
  let t0 = Infinity;
  let t1 = -Infinity;
  const counts = new Float64Array(f.endpointNames.length);
  const time = f.time;
  const endpoint = f.endpoint;
  for (let i = 0; i < n; i++) {
    const t = time[i] as number;
    const e = endpoint[i] as number;
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
