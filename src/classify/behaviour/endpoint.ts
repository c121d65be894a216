/**
 * Per endpoint and window: how many requests, from how many addresses, how many without a
 * session cookie, how many failed logins, how unique and how random the queries were, how much
 * reached the origin, how many were POSTs with no page before, and the endpoint's own baseline.
 * A window is one minute, or a whole incident stretch (consecutive incident minutes) so that a
 * reason can speak of the attack as a whole ("412 login POSTs ... in 10 min").
 */
import type { RowFacts } from './facts.js';
import { BIN_SEC, splitBaseline, type BaselineOption, type BaselineInfo } from './baseline.js';
import { pairIds, bucketRows, distinctIn, distinctUtf8In, countPer, countFlagged, countPresent, takeI32, release, type Buckets } from './intern.js';

/** Per endpoint and window (one minute, or an incident stretch); the counts when first read. */
export class EndpointWindows {
  private readonly memo = new Map<string, Int32Array>();
  constructor(
    private readonly f: RowFacts,
    /** Per row, its window id (-1: no endpoint). */
    readonly window: Int32Array,
    readonly size: number,
    /** Per window. */
    readonly endpoint: Int32Array,
    readonly from: Float64Array,
    readonly minutes: Int32Array,
    readonly incident: Uint8Array,
    readonly requests: Int32Array,
    /** Per endpoint: baseline requests per minute. */
    readonly baselineRate: Float64Array,
    readonly baseline: BaselineInfo,
  ) {}
  private once(k: string, make: () => Int32Array): Int32Array {
    let v = this.memo.get(k);
    if (!v) this.memo.set(k, (v = make()));
    return v;
  }
  private bucketed?: Buckets;
  /** How many of the two distinct counts (sources, unique queries) are still to come. */
  private bucketUsers = 2;
  /**
   * The rows of each window (shared by the distinct counts) in a scratch array, given back to
   * the pool once both counts are made.
   */
  private withBuckets(count: (b: Buckets) => Int32Array): Int32Array {
    const b = (this.bucketed ??= bucketRows(this.window, this.size, true));
    const out = count(b);
    if (--this.bucketUsers === 0) {
      release(b.rows);
      this.bucketed = undefined;
    }
    return out;
  }
  get sources(): Int32Array {
    return this.once('sources', () => this.withBuckets((b) => distinctIn(b, this.size, this.f.ip)));
  }
  get noSession(): Int32Array {
    return this.once('noSession', () => {
      const withSession = countFlagged(this.window, this.size, this.f.hasSession);
      for (let k = 0; k < this.size; k++) withSession[k] = (this.requests[k] as number) - (withSession[k] as number);
      return withSession;
    });
  }
  get logins(): Int32Array {
    return this.once('logins', () => countFlagged(this.window, this.size, this.f.login));
  }
  get failed(): Int32Array {
    // a failed row is a login row
    return this.once('failed', () => countFlagged(this.window, this.size, this.f.failed));
  }
  /** Requests with a query string, and how many different ones. */
  get withQuery(): Int32Array {
    return this.once('withQuery', () => {
      const q = this.f.queries;
      if (q.ids) return countPresent(this.window, this.size, q.ids);
      // requests less those without a query
      const out = countFlagged(this.window, this.size, q.bytes.missing);
      for (let k = 0; k < this.size; k++) out[k] = (this.requests[k] as number) - (out[k] as number);
      return out;
    });
  }
  get uniqueQueries(): Int32Array {
    return this.once('uniqueQueries', () =>
      this.withBuckets((b) => {
        const q = this.f.queries;
        return q.ids ? distinctIn(b, this.size, q.ids) : distinctUtf8In(b, this.size, q.bytes);
      }),
    );
  }
  get randomQueries(): Int32Array {
    return this.once('randomQueries', () => countFlagged(this.window, this.size, this.f.queryRandom));
  }
  get toOrigin(): Int32Array {
    return this.once('toOrigin', () => countFlagged(this.window, this.size, this.f.toOrigin));
  }
  get blind(): Int32Array {
    return this.once('blind', () => countFlagged(this.window, this.size, this.f.blind));
  }
}

export function endpointWindows(f: RowFacts, opt: BaselineOption | undefined): EndpointWindows {
  const n = f.n;
  const time = f.time;
  const hasTime = f.hasTime;
  const rowEndpoint = f.endpoint;
  const names = f.endpointNames;
  const [t0, t1] = hasTime ? timeRange(time) : [0, 0];
  const w = BIN_SEC * 1000;
  const bins = hasTime ? Math.floor((t1 - t0) / w) + 1 : 1;
  const E = names.length;
  // scratch arrays (bins, window keys), given back at the end
  const bin = takeI32(n);
  if (hasTime) binsOf(time, t0, w, bin);
  else bin.fill(0);
  // requests per endpoint per bin, for the endpoints busy enough to have an incident
  const total = countPer(rowEndpoint, E);
  const counts: (Int32Array | null)[] = new Array(E).fill(null);
  for (let e = 0; e < E; e++) if ((total[e] as number) >= 10) counts[e] = new Int32Array(bins);
  for (let i = 0; i < n; i++) {
    const e = rowEndpoint[i] as number;
    const c = e >= 0 ? counts[e] : null;
    if (c) c[bin[i] as number] = (c[bin[i] as number] as number) + 1;
  }
  const split = splitBaseline({ counts, bins, t0 }, names, opt, hasTime);
  // window key: the incident stretch's first bin, or the row's own bin
  const runStart: (Int32Array | null)[] = split.incident.map((mark) => {
    if (!mark) return null;
    const s = new Int32Array(mark.length).fill(-1);
    for (let k = 0; k < mark.length; k++) if (mark[k]) s[k] = k > 0 && mark[k - 1] ? (s[k - 1] as number) : k;
    return s;
  });
  // per row its window within its endpoint: the incident stretch's first bin x 2 + 1, or its
  // own bin x 2 (in a scratch array); the window is the pair (endpoint, that), numbered in the loop
  const within = takeI32(n);
  for (let i = 0; i < n; i++) {
    const e = rowEndpoint[i] as number;
    if (e < 0) {
      within[i] = 0;
      continue;
    }
    const b = bin[i] as number;
    const rs = runStart[e];
    const s = rs ? (rs[b] as number) : -1;
    within[i] = s >= 0 ? s * 2 + 1 : b * 2;
  }
  const g = pairIds(rowEndpoint, E, within, 2 * bins);
  const size = g.size;
  const ids = g.ids;
  const endpoint = new Int32Array(size);
  const from = new Float64Array(size);
  const minutes = new Int32Array(size);
  const incident = new Uint8Array(size);
  const requests = new Int32Array(size);
  const lastBin = new Int32Array(size);
  for (let i = 0; i < n; i++) {
    const k = ids[i] as number;
    if (k < 0) continue;
    if (requests[k] === 0) {
      const x = within[i] as number;
      endpoint[k] = rowEndpoint[i] as number;
      from[k] = t0 + (x >> 1) * w;
      incident[k] = x & 1;
    }
    if ((bin[i] as number) > (lastBin[k] as number)) lastBin[k] = bin[i] as number;
    requests[k] = (requests[k] as number) + 1;
  }
  release(within);
  release(bin);
  for (let k = 0; k < size; k++) minutes[k] = Math.max(1, (lastBin[k] as number) - Math.floor(((from[k] as number) - t0) / w) + 1);
  return new EndpointWindows(f, ids, size, endpoint, from, minutes, incident, requests, split.rate, split.info);
}

function timeRange(time: Float64Array): [number, number] {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < time.length; i++) {
    const t = time[i] as number;
    if (t === t) {
      if (t < t0) t0 = t;
      if (t > t1) t1 = t;
    }
  }
  return [t0, t1];
}

function binsOf(time: Float64Array, t0: number, w: number, bin: Int32Array): Int32Array {
  for (let i = 0; i < time.length; i++) {
    const t = time[i] as number;
    bin[i] = t === t ? Math.floor((t - t0) / w) : 0;
  }
  return bin;
}
