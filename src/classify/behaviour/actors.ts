/**
 * Per-group behaviour (a group is an address, an address + user agent + JA4 "client", a cookie
 * session, or an "actor": the session where there is one, else the client): how many requests,
 * distinct paths and endpoints, what share were static assets or carried a referer, login
 * attempts and failures, POSTs with no page fetched before, and how regular the time between
 * page requests is (machines keep time; people do not). Typed arrays indexed by group id; the
 * counts come in one pass, the distinct counts and timing when first asked for.
 */
import type { RowFacts } from './facts.js';
import { bucketRows, countFlagged, distinctIn, takeF64, takeI32, release, type Buckets } from './intern.js';

export class GroupStats {
  readonly requests: Int32Array;
  readonly statics: Int32Array;
  readonly referers: Int32Array;
  readonly loginAttempts: Int32Array;
  readonly loginFailures: Int32Array;
  private cache = new Map<string, Int32Array>();
  constructor(
    readonly group: Int32Array,
    readonly size: number,
    private readonly f: RowFacts,
  ) {
    this.requests = new Int32Array(size);
    this.statics = new Int32Array(size);
    this.referers = new Int32Array(size);
    this.loginAttempts = new Int32Array(size);
    this.loginFailures = new Int32Array(size);
    // counted into one record of 8 per group (32 bytes: a row touches one cache line, not five
    // arrays), then split into the arrays above
    const rec = takeI32(size * 8).fill(0);
    countInto(group, f.isStatic, f.hasReferer, f.login, f.failed, rec);
    const { requests, statics, referers, loginAttempts, loginFailures } = this;
    for (let g = 0, o = 0; g < size; g++, o += 8) {
      requests[g] = rec[o] as number;
      statics[g] = rec[o + 1] as number;
      referers[g] = rec[o + 2] as number;
      loginAttempts[g] = rec[o + 3] as number;
      loginFailures[g] = rec[o + 4] as number;
    }
    release(rec);
  }
  private lazy(name: string, make: () => Int32Array): Int32Array {
    let v = this.cache.get(name);
    if (!v) this.cache.set(name, (v = make()));
    return v;
  }
  get blindPosts(): Int32Array {
    return this.lazy('blindPosts', () => countFlagged(this.group, this.size, this.f.blind));
  }
  private bucketed?: Buckets;
  /** The rows of each group (shared by the distinct counts). */
  private get buckets(): Buckets {
    // from the scratch pool when a temporary of that size was given back (kept: later counts read it)
    return (this.bucketed ??= bucketRows(this.group, this.size, true));
  }
  get paths(): Int32Array {
    return this.lazy('paths', () => distinctIn(this.buckets, this.size, this.f.path));
  }
  get endpoints(): Int32Array {
    return this.lazy('endpoints', () => distinctIn(this.buckets, this.size, this.f.endpoint));
  }
  get addresses(): Int32Array {
    return this.lazy('addresses', () => distinctIn(this.buckets, this.size, this.f.ip));
  }
  /** Coefficient of variation of the gaps between page requests x 100; -1 with fewer than 5 gaps. */
  get intervalCv(): Int32Array {
    return this.lazy('intervalCv', () => this.timing().cv);
  }
  /** Most requests in one minute (a group with fewer than 6 requests reports its request count). */
  get peakPerMin(): Int32Array {
    return this.lazy('peakPerMin', () => this.timing().peak);
  }
  private timing(): { cv: Int32Array; peak: Int32Array } {
    const { group, size, f } = this;
    const n = group.length;
    const ts = f.time;
    const order = f.order;
    const isStatic = f.isStatic;
    const requests = this.requests;
    // One record of 8 numbers per group, side by side (a row's group is one cache line, not seven
    // arrays apart): last page time, sum and sum of squares of the gaps, current minute, gaps,
    // requests in the current minute, peak, and 1 when the group is measured (6+ requests).
    const st = takeF64(size * 8);
    for (let g = 0, o = 0; g < size; g++, o += 8) {
      st[o] = NaN;
      st[o + 1] = 0;
      st[o + 2] = 0;
      st[o + 3] = NaN;
      st[o + 4] = 0;
      st[o + 5] = 0;
      st[o + 6] = 0;
      // groups of fewer than 6 requests have no interval to measure (5 gaps at least)
      st[o + 7] = (requests[g] as number) < 6 ? 0 : 1;
    }
    if (f.hasTime) timingPass(group, order, ts, isStatic, st, n);
    const cv = new Int32Array(size);
    const peak = new Int32Array(size);
    for (let g = 0, o = 0; g < size; g++, o += 8) {
      peak[g] = st[o + 7] === 0 ? (requests[g] as number) : (st[o + 6] as number);
      const k = st[o + 4] as number;
      if (k < 5) {
        cv[g] = -1;
        continue;
      }
      const mean = (st[o + 1] as number) / k;
      const variance = Math.max(0, (st[o + 2] as number) / k - mean * mean);
      cv[g] = mean > 0 ? Math.min(1000, Math.round((100 * Math.sqrt(variance)) / mean)) : 0;
    }
    release(st);
    this.cache.set('intervalCv', cv);
    this.cache.set('peakPerMin', peak);
    return { cv, peak };
  }
}

/** Requests, static assets, referers, login attempts and failures per group, into records of 8. */
function countInto(group: Int32Array, isStatic: Uint8Array, hasReferer: Uint8Array, login: Uint8Array, failed: Uint8Array, rec: Int32Array): void {
  for (let i = 0; i < group.length; i++) {
    const g = group[i] as number;
    if (g < 0) continue;
    const o = g * 8;
    rec[o] = (rec[o] as number) + 1;
    rec[o + 1] = (rec[o + 1] as number) + (isStatic[i] as number);
    rec[o + 2] = (rec[o + 2] as number) + (hasReferer[i] as number);
    if (login[i]) {
      rec[o + 3] = (rec[o + 3] as number) + 1;
      rec[o + 4] = (rec[o + 4] as number) + (failed[i] as number);
    }
  }
}

/** The rows in time order into the groups' timing records (see GroupStats.timing). */
function timingPass(group: Int32Array, order: Int32Array | null, ts: Float64Array, isStatic: Uint8Array, st: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const i = order ? (order[j] as number) : j;
    const g = group[i] as number;
    if (g < 0) continue;
    const o = g * 8;
    if (st[o + 7] === 0) continue;
    const t = ts[i] as number;
    if (t !== t) continue;
    const m = Math.floor(t / 60000);
    if (st[o + 3] === m) st[o + 5] = (st[o + 5] as number) + 1;
    else {
      st[o + 3] = m;
      st[o + 5] = 1;
    }
    if ((st[o + 5] as number) > (st[o + 6] as number)) st[o + 6] = st[o + 5] as number;
    if (isStatic[i]) continue;
    const prev = st[o] as number;
    if (prev === prev) {
      const d = t - prev;
      st[o + 4] = (st[o + 4] as number) + 1;
      st[o + 1] = (st[o + 1] as number) + d;
      st[o + 2] = (st[o + 2] as number) + d * d;
    }
    st[o] = t;
  }
}

export const pct = (a: number, b: number): number => (b > 0 ? Math.round((100 * a) / b) : 0);
