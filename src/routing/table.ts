import { table, type ColumnTable } from 'arquero';
import { SEG, type AsSegment } from './attributes.js';
import { originText } from './bgpdump.js';
import type { Route, RouteKind } from './mrt.js';

/** Column names of an MRT route table. */
export const ROUTE_FIELD = {
  timestamp: 'timestamp', // ms since epoch (MRT header time; BGP4MP_ET adds the microseconds)
  action: 'action', // 'rib' | 'announce' | 'withdraw' | 'state'
  peer: 'peer', // peer IP address
  peerAsn: 'peer_asn',
  prefix: 'prefix', // 'a.b.c.d/len' (null for state rows)
  pathId: 'path_id', // ADD-PATH identifier or null
  asPath: 'as_path', // number[] (AS_SET members included in order), null when absent
  originAs: 'origin_as', // last ASN of a final AS_SEQUENCE; null when the path ends in an AS_SET or is empty
  origin: 'origin', // 'IGP' | 'EGP' | 'INCOMPLETE'
  nextHop: 'next_hop',
  localPref: 'local_pref',
  med: 'med',
  communities: 'communities', // string[] 'asn:value'
  largeCommunities: 'large_communities', // string[] 'global:local1:local2'
  atomicAggregate: 'atomic_aggregate',
  aggregator: 'aggregator', // 'ASN a.b.c.d'
  oldState: 'old_state', // BGP FSM state numbers (1 Idle ... 6 Established)
  newState: 'new_state',
  mrtType: 'mrt_type', // bgpdump's first field (TABLE_DUMP2, BGP4MP_ET, ...)
  offset: 'offset', // byte offset of the MRT record
} as const;

export type RouteAction = 'rib' | 'announce' | 'withdraw' | 'state';
const ACTION: Record<RouteKind, RouteAction> = { B: 'rib', A: 'announce', W: 'withdraw', STATE: 'state' };

export function flatPath(segs: readonly AsSegment[] | null): number[] | null {
  if (!segs) return null;
  const out: number[] = [];
  for (const s of segs) for (const a of s.asns) out.push(a);
  return out;
}

export function originAs(segs: readonly AsSegment[] | null): number | null {
  const last = segs?.[segs.length - 1];
  if (!last || last.type !== SEG.SEQUENCE || last.asns.length === 0) return null;
  return last.asns[last.asns.length - 1] as number;
}

/** Routes into an Arquero table (one row per route, columns as in ROUTE_FIELD). */
export function routeTable(routes: readonly Route[]): ColumnTable {
  const n = routes.length;
  const col = <T>() => new Array<T>(n);
  const ts = new Float64Array(n);
  const action = col<RouteAction>();
  const peer = col<string>();
  const peerAsn = new Float64Array(n);
  const prefix = col<string | null>();
  const pathId = col<number | null>();
  const asPath = col<number[] | null>();
  const orig = col<number | null>();
  const origin = col<string | null>();
  const nextHop = col<string | null>();
  const localPref = col<number | null>();
  const med = col<number | null>();
  const comm = col<string[] | null>();
  const large = col<string[] | null>();
  const atomic = col<boolean | null>();
  const aggregator = col<string | null>();
  const oldState = col<number | null>();
  const newState = col<number | null>();
  const mrtType = col<string>();
  const offset = new Float64Array(n);
  // one decoded path per attribute set, shared by the prefixes of an UPDATE
  let lastAttrs: Route['attrs'] = null;
  let lastPath: number[] | null = null;
  let lastOrigin: number | null = null;
  for (let i = 0; i < n; i++) {
    const r = routes[i] as Route;
    ts[i] = r.time * 1000 + (r.micro === null ? 0 : r.micro / 1000);
    action[i] = ACTION[r.kind];
    peer[i] = r.peer;
    peerAsn[i] = r.peerAs;
    prefix[i] = r.prefix;
    pathId[i] = r.pathId;
    const a = r.attrs;
    if (a && a !== lastAttrs) {
      lastAttrs = a;
      lastPath = flatPath(a.asPath);
      lastOrigin = originAs(a.asPath);
    }
    asPath[i] = a ? lastPath : null;
    orig[i] = a ? lastOrigin : null;
    origin[i] = a ? originText(a.origin) : null;
    nextHop[i] = r.kind === 'A' || r.kind === 'B' ? r.nextHop : null;
    localPref[i] = a ? a.localPref : null;
    med[i] = a ? a.med : null;
    comm[i] = a ? a.communities : null;
    large[i] = a ? a.largeCommunities : null;
    atomic[i] = a ? a.atomicAggregate : null;
    aggregator[i] = a ? a.aggregator : null;
    oldState[i] = r.oldState;
    newState[i] = r.newState;
    mrtType[i] = r.format;
    offset[i] = r.offset;
  }
  const F = ROUTE_FIELD;
  return table({
    [F.timestamp]: ts, [F.action]: action, [F.peer]: peer, [F.peerAsn]: peerAsn, [F.prefix]: prefix, [F.pathId]: pathId,
    [F.asPath]: asPath, [F.originAs]: orig, [F.origin]: origin, [F.nextHop]: nextHop, [F.localPref]: localPref, [F.med]: med,
    [F.communities]: comm, [F.largeCommunities]: large, [F.atomicAggregate]: atomic, [F.aggregator]: aggregator,
    [F.oldState]: oldState, [F.newState]: newState, [F.mrtType]: mrtType, [F.offset]: offset,
  });
}
