/**
 * Per-row facts behaviour is built from, each computed when first asked for and once per
 * distinct value where it can be (paths, cookies, queries, addresses repeat): ids of the address,
 * client (address + user agent + JA4), session (the session token in the cookie), path and
 * endpoint (method + normalised path); whether the row is a static asset, carries a referer, is
 * a login attempt, failed, is a POST with no page fetched before by its client; the time order
 * of the rows. The inputs are read as dictionary ids where the loader made them, so no column
 * is turned into per-row strings. Typed arrays throughout; consumers read a fact once, outside
 * their row loops.
 */
import type { Column, DerivationSource } from '../schema.js';
import { internColumn, mapIds, flagPer, pairIds, takeI32, release, type Ids, type QueryBytes } from './intern.js';
import { sessionToken, isStaticPath, isLoginPath, endpointOf, queryRandomness, queryRandomnessBytes } from './keys.js';

/** The columns behaviour reads (canonical names); any may be absent except `ip.src`. */
export const BEHAVIOUR_SOURCES = [
  'ip.src', 'timestamp', 'http.user_agent', 'cf.bot_management.ja4', 'http.cookie', 'http.request.method', 'http.request.uri.path',
  'http.request.uri.query', 'http.referer', 'http.response.code', 'ip.src.asnum', 'CacheCacheStatus',
] as const;
export type SourceName = (typeof BEHAVIOUR_SOURCES)[number];
export type BehaviourColumns = Partial<Record<SourceName, Column>>;

/** What behaviour reads a table through (columns.ts's view of a table, or plain columns). */
export type BehaviourSource = DerivationSource;

/** Plain column arrays as a source (tests, Derivation.compute). */
export function columnsSource(cols: BehaviourColumns, n: number): BehaviourSource {
  const ok = (f: string): Column | undefined => {
    const c = cols[f as SourceName];
    return c && c.length === n ? c : undefined;
  };
  return {
    key: (cols['ip.src'] ?? cols) as object,
    n,
    has: (f) => ok(f) !== undefined,
    column: (f) => ok(f) ?? [],
    ids: () => undefined,
    bytes: () => undefined,
  };
}

const TO_ORIGIN = /^(miss|dynamic|expired|bypass|revalidated|updating|none|unknown)$/i;

export class RowFacts {
  readonly n: number;
  /** Which inputs were present (for the report). */
  readonly present: ReadonlySet<SourceName>;
  private readonly memo = new Map<string, unknown>();
  constructor(private readonly src: BehaviourSource) {
    this.n = src.n;
    const present = new Set<SourceName>();
    for (const k of BEHAVIOUR_SOURCES) if (src.has(k)) present.add(k);
    this.present = present;
  }
  private once<T>(key: string, make: () => T): T {
    let v = this.memo.get(key) as T | undefined;
    if (v === undefined) this.memo.set(key, (v = make()));
    return v;
  }
  /** Ids of a source column's values (all missing when the table lacks it). */
  idsOf(name: SourceName): Ids {
    return this.once(`ids:${name}`, () => {
      if (!this.present.has(name)) return { ids: new Int32Array(this.n).fill(-1), size: 0, values: [] };
      const free = this.src.ids(name);
      if (free) return { ids: free.ids, size: free.values.length, values: free.values as unknown[] };
      return internColumn(this.src.column(name));
    });
  }
  private column(name: SourceName): Column | undefined {
    return this.present.has(name) ? this.src.column(name) : undefined;
  }
  get ipIds(): Ids {
    return this.idsOf('ip.src');
  }
  get ip(): Int32Array {
    return this.ipIds.ids;
  }
  /** Address x user agent x JA4. */
  get client(): Ids {
    return this.once('client', () => {
      const ua = this.idsOf('http.user_agent');
      const ja4 = this.idsOf('cf.bot_management.ja4');
      // user agent x JA4 first (a missing one is a value of its own, so is a missing user agent),
      // into a scratch array, then address x that
      const uj = pairIds(ua.ids, ua.size, ja4.ids, ja4.size, { aMissingIsValue: true, out: takeI32(this.n) });
      const client = pairIds(this.ip, this.ipIds.size, uj.ids, uj.size);
      release(uj.ids);
      return { ...client, values: [] };
    });
  }
  get session(): Ids {
    return this.once('session', () => mapIds(this.idsOf('http.cookie'), sessionToken));
  }
  get hasSession(): Uint8Array {
    return this.once('hasSession', () => {
      const s = this.session.ids;
      const out = new Uint8Array(this.n);
      for (let i = 0; i < out.length; i++) if ((s[i] as number) >= 0) out[i] = 1;
      return out;
    });
  }
  /** Session where the row has one, else client (offset past the sessions). */
  get actor(): Ids {
    return this.once('actor', () => {
      const session = this.session;
      const client = this.client;
      const s = session.ids;
      const c = client.ids;
      const ids = new Int32Array(this.n);
      const off = session.size;
      for (let i = 0; i < ids.length; i++) {
        const x = s[i] as number;
        const y = c[i] as number;
        ids[i] = x >= 0 ? x : y < 0 ? -1 : off + y;
      }
      return { ids, size: session.size + client.size, values: [] };
    });
  }
  get path(): Int32Array {
    return this.idsOf('http.request.uri.path').ids;
  }
  private get methodFlags(): { post: Uint8Array; get: Uint8Array } {
    return this.once('method', () => {
      const m = this.idsOf('http.request.method');
      return { post: flagPer(m, (v) => v === 'POST' || v === 'PUT'), get: flagPer(m, (v) => v === 'GET' || v === 'HEAD') };
    });
  }
  private get endpoints(): { ids: Int32Array; names: string[] } {
    return this.once('endpoint', () => {
      const method = this.idsOf('http.request.method');
      // the endpoint of each row's path in a scratch array (only the pairs are kept)
      const ep = mapIds(this.idsOf('http.request.uri.path'), endpointOf, takeI32(this.n));
      const e = pairIds(ep.ids, ep.size, method.ids, method.size);
      // names per endpoint id ("POST /login"), from each id's first row
      const names = new Array<string>(e.size).fill('');
      const seen = new Uint8Array(e.size);
      const eids = e.ids;
      const mids = method.ids;
      const pids = ep.ids;
      for (let i = 0; i < eids.length; i++) {
        const k = eids[i] as number;
        if (k < 0 || seen[k] === 1) continue;
        seen[k] = 1;
        names[k] = `${String(method.values[mids[i] as number] ?? '')} ${String(ep.values[pids[i] as number])}`.trim();
      }
      release(pids);
      return { ids: eids, names };
    });
  }
  /** Method + normalised path per row (-1: no path). */
  get endpoint(): Int32Array {
    return this.endpoints.ids;
  }
  get endpointNames(): string[] {
    return this.endpoints.names;
  }
  get isStatic(): Uint8Array {
    return this.once('static', () => flagPer(this.idsOf('http.request.uri.path'), isStaticPath));
  }
  get hasReferer(): Uint8Array {
    return this.once('referer', () => flagPer(this.idsOf('http.referer'), (v) => v !== '' && v !== '-'));
  }
  get login(): Uint8Array {
    return this.once('login', () => {
      const loginPath = flagPer(this.idsOf('http.request.uri.path'), isLoginPath);
      const post = this.methodFlags.post;
      for (let i = 0; i < loginPath.length; i++) loginPath[i] = (loginPath[i] as number) & (post[i] as number);
      return loginPath;
    });
  }
  /** Failed login: 401/403/4xx, or 200 where the form answers success with a redirect (then 200 is the form again). */
  get failed(): Uint8Array {
    return this.once('failed', () => {
      const failed = new Uint8Array(this.n);
      const status = this.column('http.response.code');
      if (!status) return failed;
      const login = this.login;
      const endpoint = this.endpoint;
      const E = this.endpointNames.length;
      const redirects = new Int32Array(E);
      const posts = new Int32Array(E);
      for (let i = 0; i < login.length; i++) {
        if (!login[i]) continue;
        const e = endpoint[i] as number;
        posts[e] = (posts[e] as number) + 1;
        const s = status[i];
        if (typeof s === 'number' && s >= 300 && s < 400) redirects[e] = (redirects[e] as number) + 1;
      }
      for (let i = 0; i < login.length; i++) {
        if (!login[i]) continue;
        const s = status[i];
        const e = endpoint[i] as number;
        if (typeof s !== 'number') continue;
        if (s >= 400 && s < 500 && s !== 404 && s !== 429) failed[i] = 1;
        else if (s === 200 && (redirects[e] as number) * 100 >= (posts[e] as number)) failed[i] = 1;
      }
      return failed;
    });
  }
  /**
   * The query column as the counts read it, chosen once (so every count agrees): a loader's
   * near-unique queries still in UTF-8 bytes (never decoded or interned), else the ids of its values.
   */
  get queries(): { bytes: QueryBytes; ids: null } | { bytes: null; ids: Int32Array } {
    return this.once('queries', () => {
      const b = this.src.bytes('http.request.uri.query');
      return b ? { bytes: { bytes: b.bytes, offsets: b.offsets, missing: b.missing }, ids: null } : { bytes: null, ids: this.idsOf('http.request.uri.query').ids };
    });
  }
  get queryRandom(): Uint8Array {
    return this.once('queryRandom', () => {
      const b = this.queries.bytes;
      if (!b) return flagPer(this.idsOf('http.request.uri.query'), (v) => queryRandomness(v) >= 50);
      // near-unique queries: per row, on its bytes (a memo would rarely hit)
      const { bytes, offsets, missing } = b;
      const out = new Uint8Array(this.n);
      for (let i = 0; i < out.length; i++) if (missing[i] === 0 && queryRandomnessBytes(bytes, offsets[i] as number, offsets[i + 1] as number) >= 50) out[i] = 1;
      return out;
    });
  }
  get hasCache(): boolean {
    return this.present.has('CacheCacheStatus');
  }
  /** Cache status says the request reached the origin (miss, dynamic, expired, bypass). */
  get toOrigin(): Uint8Array {
    return this.once('toOrigin', () => (this.hasCache ? flagPer(this.idsOf('CacheCacheStatus'), (v) => typeof v === 'string' && TO_ORIGIN.test(v)) : new Uint8Array(this.n)));
  }
  private get clock(): { time: Float64Array; hasTime: boolean; order: Int32Array | null } {
    return this.once('time', () => timeOf(this.column('timestamp'), this.n));
  }
  get time(): Float64Array {
    return this.clock.time;
  }
  get hasTime(): boolean {
    return this.clock.hasTime;
  }
  /** Row indices in time order, or null when the rows already are. */
  get order(): Int32Array | null {
    return this.clock.order;
  }
  /** POST with no page (non-static GET) fetched before by the same client. */
  get blind(): Uint8Array {
    return this.once('blind', () => {
      const client = this.client;
      const { post, get } = this.methodFlags;
      return blindPosts(client.ids, client.size, this.order, get, post, this.isStatic);
    });
  }
}

function timeOf(tcol: Column | undefined, n: number): { time: Float64Array; hasTime: boolean; order: Int32Array | null } {
  let hasTime = false;
  let sorted = true;
  let time: Float64Array;
  if (tcol instanceof Float64Array) {
    time = tcol;
    let prev = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = time[i] as number;
      if (v === v) {
        hasTime = true;
        if (v < prev) sorted = false;
        prev = v;
      }
    }
  } else {
    time = new Float64Array(n).fill(NaN);
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
  }
  let order: Int32Array | null = null;
  if (hasTime && !sorted) {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const t = time;
    order.sort((a, b) => ((t[a] as number) - (t[b] as number)) || a - b);
  }
  return { time, hasTime, order };
}

function blindPosts(client: Int32Array, size: number, order: Int32Array | null, isGet: Uint8Array, isPost: Uint8Array, isStatic: Uint8Array): Uint8Array {
  const n = client.length;
  const blind = new Uint8Array(n);
  const browsed = new Uint8Array(size);
  for (let j = 0; j < n; j++) {
    const i = order ? (order[j] as number) : j;
    const c = client[i] as number;
    if (c < 0) continue;
    if (isGet[i] && !isStatic[i]) browsed[c] = 1;
    else if (isPost[i] && !browsed[c]) blind[i] = 1;
  }
  return blind;
}

/** The facts of a table. */
export function rowFacts(src: BehaviourSource): RowFacts {
  return new RowFacts(src);
}
