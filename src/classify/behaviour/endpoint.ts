/**
 * Per endpoint and window: how many requests, from how many addresses, how many without a
 * session cookie, how many failed logins, how unique and how random the queries were, how much
 * reached the origin, how many were POSTs with no page before, and the endpoint's own baseline.
 * A window is one minute, or a whole incident stretch (consecutive incident minutes) so that a
 * reason can speak of the attack as a whole ("412 login POSTs ... in 10 min").
 */
import type { RowFacts } from './facts.js';
import { BIN_SEC, splitBaseline, type BaselineOption, type BaselineInfo } from './baseline.js';
import { renumber, distinctPer } from './intern.js';

export interface EndpointWindows {
  /** Per row, its window id (-1: no endpoint). */
  window: Int32Array;
  size: number;
  /** Per window. */
  endpoint: Int32Array;
  from: Float64Array;
  minutes: Int32Array;
  incident: Uint8Array;
  requests: Int32Array;
  sources: Int32Array;
  noSession: Int32Array;
  logins: Int32Array;
  failed: Int32Array;
  /** Requests with a query string, and how many different ones. */
  withQuery: Int32Array;
  uniqueQueries: Int32Array;
  randomQueries: Int32Array;
  toOrigin: Int32Array;
  blind: Int32Array;
  /** Per endpoint: baseline requests per minute. */
  baselineRate: Float64Array;
  baseline: BaselineInfo;
}

export function endpointWindows(f: RowFacts, opt: BaselineOption | undefined): EndpointWindows {
  const n = f.n;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = f.time[i] as number;
    if (t === t) {
      if (t < t0) t0 = t;
      if (t > t1) t1 = t;
    }
  }
  const w = BIN_SEC * 1000;
  const bins = f.hasTime ? Math.floor((t1 - t0) / w) + 1 : 1;
  if (!f.hasTime) t0 = 0;
  const bin = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = f.time[i] as number;
    bin[i] = t === t ? Math.floor((t - t0) / w) : 0;
  }
  const E = f.endpointNames.length;
  // requests per endpoint per bin, for the endpoints busy enough to have an incident
  const total = new Int32Array(E);
  for (let i = 0; i < n; i++) {
    const e = f.endpoint[i] as number;
    if (e >= 0) total[e] = (total[e] as number) + 1;
  }
  const counts: (Int32Array | null)[] = new Array(E).fill(null);
  for (let e = 0; e < E; e++) if ((total[e] as number) >= 10) counts[e] = new Int32Array(bins);
  for (let i = 0; i < n; i++) {
    const e = f.endpoint[i] as number;
    const c = e >= 0 ? counts[e] : null;
    if (c) c[bin[i] as number] = (c[bin[i] as number] as number) + 1;
  }
  const split = splitBaseline({ counts, bins, t0 }, f.endpointNames, opt, f.hasTime);
  // window key: the incident stretch's first bin, or the row's own bin
  const start = new Int32Array(n);
  const runStart: (Int32Array | null)[] = split.incident.map((mark) => {
    if (!mark) return null;
    const s = new Int32Array(mark.length).fill(-1);
    for (let k = 0; k < mark.length; k++) if (mark[k]) s[k] = k > 0 && mark[k - 1] ? (s[k - 1] as number) : k;
    return s;
  });
  const inIncident = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = f.endpoint[i] as number;
    const b = bin[i] as number;
    const rs = e >= 0 ? runStart[e] : null;
    const s = rs ? (rs[b] as number) : -1;
    if (s >= 0) {
      start[i] = s;
      inIncident[i] = 1;
    } else start[i] = b;
  }
  // one numeric key per row: endpoint x window start x incident (dense when small)
  const wkey = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = f.endpoint[i] as number;
    wkey[i] = e < 0 ? -1 : (e * bins + (start[i] as number)) * 2 + (inIncident[i] as number);
  }
  const g = renumber(wkey);
  const size = g.size;
  const endpoint = new Int32Array(size);
  const from = new Float64Array(size);
  const minutes = new Int32Array(size);
  const incident = new Uint8Array(size);
  const requests = new Int32Array(size);
  const noSession = new Int32Array(size);
  const logins = new Int32Array(size);
  const failed = new Int32Array(size);
  const randomQueries = new Int32Array(size);
  const withQuery = new Int32Array(size);
  const toOrigin = new Int32Array(size);
  const blind = new Int32Array(size);
  const lastBin = new Int32Array(size);
  for (let i = 0; i < n; i++) {
    const k = g.ids[i] as number;
    if (k < 0) continue;
    if (requests[k] === 0) {
      endpoint[k] = f.endpoint[i] as number;
      from[k] = t0 + (start[i] as number) * w;
      incident[k] = inIncident[i] as number;
    }
    if ((bin[i] as number) > (lastBin[k] as number)) lastBin[k] = bin[i] as number;
    requests[k] = (requests[k] as number) + 1;
    if (!f.hasSession[i]) noSession[k] = (noSession[k] as number) + 1;
    if (f.login[i]) {
      logins[k] = (logins[k] as number) + 1;
      if (f.failed[i]) failed[k] = (failed[k] as number) + 1;
    }
    if (f.queryRandom[i]) randomQueries[k] = (randomQueries[k] as number) + 1;
    if ((f.query[i] as number) >= 0) withQuery[k] = (withQuery[k] as number) + 1;
    if (f.toOrigin[i]) toOrigin[k] = (toOrigin[k] as number) + 1;
    if (f.blind[i]) blind[k] = (blind[k] as number) + 1;
  }
  for (let k = 0; k < size; k++) minutes[k] = Math.max(1, (lastBin[k] as number) - Math.floor(((from[k] as number) - t0) / w) + 1);
  const sources = distinctPer(g.ids, size, f.ip);
  const uniqueQueries = distinctPer(g.ids, size, f.query);
  return { window: g.ids, size, endpoint, from, minutes, incident, requests, sources, noSession, logins, failed, withQuery, uniqueQueries, randomQueries, toOrigin, blind, baselineRate: split.rate, baseline: split.info };
}

