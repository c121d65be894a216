/**
 * Per-row facts behaviour is built from, each computed once per distinct value where it can be
 * (paths, cookies, queries, addresses repeat): ids of the address, client (address + user agent
 * + JA4), session (the session token in the cookie), path and endpoint (method + normalised
 * path); whether the row is a static asset, carries a referer, is a login attempt, failed, is a
 * POST with no page fetched before by its client; the time order of the rows.
 */
import type { Column } from '../schema.js';
import { internColumn, mapIds, combine, renumber, type Ids } from './intern.js';
import { sessionToken, isStaticPath, isLoginPath, endpointOf, queryRandomness } from './keys.js';

/** The columns behaviour reads (canonical names); any may be absent except `ip.src`. */
export const BEHAVIOUR_SOURCES = [
  'ip.src', 'timestamp', 'http.user_agent', 'cf.bot_management.ja4', 'http.cookie', 'http.request.method', 'http.request.uri.path',
  'http.request.uri.query', 'http.referer', 'http.response.code', 'ip.src.asnum', 'CacheCacheStatus',
] as const;
export type SourceName = (typeof BEHAVIOUR_SOURCES)[number];
export type BehaviourColumns = Partial<Record<SourceName, Column>>;

export interface RowFacts {
  n: number;
  ip: Int32Array;
  ipIds: Ids;
  client: Ids;
  session: Ids;
  /** Session where the row has one, else client (offset past the sessions). */
  actor: Ids;
  path: Int32Array;
  endpoint: Int32Array;
  endpointNames: string[];
  isStatic: Uint8Array;
  hasReferer: Uint8Array;
  hasSession: Uint8Array;
  login: Uint8Array;
  failed: Uint8Array;
  blind: Uint8Array;
  /** Cache status says the request reached the origin (miss, dynamic, expired, bypass). */
  toOrigin: Uint8Array;
  hasCache: boolean;
  queryRandom: Uint8Array;
  query: Int32Array;
  time: Float64Array;
  hasTime: boolean;
  /** Row indices in time order, or null when the rows already are. */
  order: Int32Array | null;
  /** Which inputs were present (for the report). */
  present: ReadonlySet<SourceName>;
}


function idsOf(col: Column | undefined, n: number): Ids {
  if (!col) return { ids: new Int32Array(n).fill(-1), size: 0, values: [] };
  return internColumn(col);
}

function flagPer(src: Ids, f: (v: unknown) => boolean): Uint8Array {
  const per = new Uint8Array(src.size);
  for (let k = 0; k < src.size; k++) per[k] = f(src.values[k]) ? 1 : 0;
  const out = new Uint8Array(src.ids.length);
  for (let i = 0; i < out.length; i++) {
    const k = src.ids[i] as number;
    out[i] = k < 0 ? 0 : (per[k] as number);
  }
  return out;
}

export function rowFacts(cols: BehaviourColumns, n: number): RowFacts {
  const present = new Set<SourceName>();
  for (const k of BEHAVIOUR_SOURCES) if (cols[k] && (cols[k] as Column).length === n) present.add(k);
  const col = (k: SourceName): Column | undefined => (present.has(k) ? cols[k] : undefined);
  const ipIds = idsOf(col('ip.src'), n);
  const ua = idsOf(col('http.user_agent'), n);
  const ja4 = idsOf(col('cf.bot_management.ja4'), n);
  // client: address x user agent x JA4 as one numeric key, renumbered in one pass
  const U = ua.size + 1;
  const J = ja4.size + 1;
  const ckey = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = ipIds.ids[i] as number;
    ckey[i] = a < 0 ? -1 : (a * U + (ua.ids[i] as number) + 1) * J + (ja4.ids[i] as number) + 1;
  }
  const client: Ids = { ...renumber(ckey), values: [] };
  const cookie = idsOf(col('http.cookie'), n);
  const session = mapIds(cookie, sessionToken);
  const hasSession = new Uint8Array(n);
  const actorIds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = session.ids[i] as number;
    if (s >= 0) {
      hasSession[i] = 1;
      actorIds[i] = s;
    } else {
      const c = client.ids[i] as number;
      actorIds[i] = c < 0 ? -1 : session.size + c;
    }
  }
  const actor: Ids = { ids: actorIds, size: session.size + client.size, values: [] };
  const pathIds = idsOf(col('http.request.uri.path'), n);
  const method = idsOf(col('http.request.method'), n);
  const isPost = flagPer(method, (m) => m === 'POST' || m === 'PUT');
  const isGet = flagPer(method, (m) => m === 'GET' || m === 'HEAD');
  const ep = mapIds(pathIds, endpointOf);
  const endpoint = combine([ep.ids, method.ids], n);
  // names per endpoint id ("POST /login")
  const endpointNames = new Array<string>(endpoint.size).fill('');
  for (let i = 0; i < n; i++) {
    const e = endpoint.ids[i] as number;
    if (e >= 0 && endpointNames[e] === '') endpointNames[e] = `${String(method.values[method.ids[i] as number] ?? '')} ${String(ep.values[ep.ids[i] as number])}`.trim();
  }
  const isStatic = flagPer(pathIds, isStaticPath);
  const loginPath = flagPer(pathIds, isLoginPath);
  const referer = col('http.referer');
  const hasReferer = new Uint8Array(n);
  if (referer) {
    const r = internColumn(referer);
    for (let i = 0; i < n; i++) {
      const k = r.ids[i] as number;
      if (k >= 0 && r.values[k] !== '' && r.values[k] !== '-') hasReferer[i] = 1;
    }
  }
  const status = col('http.response.code');
  const login = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (loginPath[i] && isPost[i]) login[i] = 1;
  // failed login: 401/403/4xx, or 200 where the form answers success with a redirect (then 200 is the form again)
  const failed = new Uint8Array(n);
  if (status) {
    const redirects = new Int32Array(endpoint.size);
    const posts = new Int32Array(endpoint.size);
    for (let i = 0; i < n; i++) {
      if (!login[i]) continue;
      const e = endpoint.ids[i] as number;
      posts[e] = (posts[e] as number) + 1;
      const s = status[i];
      if (typeof s === 'number' && s >= 300 && s < 400) redirects[e] = (redirects[e] as number) + 1;
    }
    for (let i = 0; i < n; i++) {
      if (!login[i]) continue;
      const s = status[i];
      const e = endpoint.ids[i] as number;
      if (typeof s !== 'number') continue;
      if (s >= 400 && s < 500 && s !== 404 && s !== 429) failed[i] = 1;
      else if (s === 200 && (redirects[e] as number) * 100 >= (posts[e] as number)) failed[i] = 1;
    }
  }
  const queryIds = idsOf(col('http.request.uri.query'), n);
  const randomPer = new Uint8Array(queryIds.size);
  for (let k = 0; k < queryIds.size; k++) randomPer[k] = queryRandomness(queryIds.values[k]) >= 50 ? 1 : 0;
  const queryRandom = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = queryIds.ids[i] as number;
    if (k >= 0) queryRandom[i] = randomPer[k] as number;
  }
  const cache = col('CacheCacheStatus');
  const toOrigin = cache ? flagPer(internColumn(cache), (v) => typeof v === 'string' && /^(miss|dynamic|expired|bypass|revalidated|updating|none|unknown)$/i.test(v)) : new Uint8Array(n);
  // time and order
  const tcol = col('timestamp');
  const time = new Float64Array(n).fill(NaN);
  let hasTime = false;
  let sorted = true;
  if (tcol) {
    let prev = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = tcol[i];
      if (typeof v === 'number' && v === v) {
        time[i] = v;
        hasTime = true;
        if (v < prev) sorted = false;
        prev = v;
      }
    }
  }
  let order: Int32Array | null = null;
  if (hasTime && !sorted) {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => ((time[a] as number) - (time[b] as number)) || a - b);
  }
  // POST with no page (non-static GET) fetched before by the same client
  const blind = new Uint8Array(n);
  const browsed = new Uint8Array(client.size);
  for (let j = 0; j < n; j++) {
    const i = order ? (order[j] as number) : j;
    const c = client.ids[i] as number;
    if (c < 0) continue;
    if (isGet[i] && !isStatic[i]) browsed[c] = 1;
    else if (isPost[i] && !browsed[c]) blind[i] = 1;
  }
  return {
    n, ip: ipIds.ids, ipIds, client, session, actor, path: pathIds.ids, endpoint: endpoint.ids, endpointNames, isStatic, hasReferer, hasSession, login, failed, blind, toOrigin,
    hasCache: cache !== undefined, queryRandom, query: queryIds.ids, time, hasTime, order, present,
  };
}
