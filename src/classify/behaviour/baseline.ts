/**
 * Baseline vs incident, per endpoint (method + normalised path): requests per minute are
 * compared with what the endpoint normally gets. The baseline is, by choice:
 * - `auto`: the log itself, split by change-point: a minute is part of an incident when it
 *   exceeds the endpoint's median minute by far (3x plus a Poisson margin); the baseline is the
 *   mean of the other minutes. Robust while an attack covers less than half of the log.
 * - a time range `{ from, to }` (ms) of the same log that is known to be quiet;
 * - per-endpoint rates from another log (`{ perMinute }`, see `baselineRates`).
 * With no timestamps, or fewer than five minutes of log, there is no baseline: every
 * behavioural score then stands on absolute evidence and the report says so.
 */
import { BEHAVIOUR_MESSAGES as M } from './messages.js';

export type BaselineOption = { from: number; to: number } | { perMinute: ReadonlyMap<string, number>; source?: string };

export interface BaselineInfo {
  kind: 'auto' | 'range' | 'file' | 'none';
  /** One sentence for the report. */
  description: string;
  binSec: number;
  /** Incident stretches found, largest first. */
  incidents: { endpoint: string; from: number; to: number; requests: number; baselinePerMin: number }[];
}

export const BIN_SEC = 60;
/** Fewer requests than this in a minute is never an incident. */
export const MIN_INCIDENT_PER_MIN = 10;

/** The incident threshold for a baseline rate of `b` requests per minute. */
export function incidentThreshold(b: number): number {
  return Math.max(MIN_INCIDENT_PER_MIN, 3 * b + 4 * Math.sqrt(b) + 5);
}

export interface BinCounts {
  /** Per endpoint, its requests per bin (dense over all bins of the log). */
  counts: (Int32Array | null)[];
  bins: number;
  t0: number;
}

/**
 * Mark incident bins per endpoint and give each endpoint's baseline rate (per minute).
 * Returns, per endpoint, a 0/1 array over bins (null: no incident anywhere) and the rate.
 */
export function splitBaseline(bc: BinCounts, names: readonly string[], opt: BaselineOption | undefined, hasTime: boolean): { incident: (Uint8Array | null)[]; rate: Float64Array; info: BaselineInfo } {
  const E = bc.counts.length;
  const incident: (Uint8Array | null)[] = new Array(E).fill(null);
  const rate = new Float64Array(E);
  const info: BaselineInfo = { kind: 'auto', description: '', binSec: BIN_SEC, incidents: [] };
  if (!hasTime) {
    info.kind = 'none';
    info.description = M.noTimestamps;
    return { incident, rate, info };
  }
  const range = opt && 'from' in opt ? opt : undefined;
  const file = opt && 'perMinute' in opt ? opt : undefined;
  const b0 = range ? Math.max(0, Math.floor((range.from - bc.t0) / (BIN_SEC * 1000))) : 0;
  const b1 = range ? Math.min(bc.bins, Math.ceil((range.to - bc.t0) / (BIN_SEC * 1000))) : bc.bins;
  if (range && b1 - b0 < 1) {
    info.kind = 'none';
    info.description = M.emptyRange(range.from, range.to);
    return { incident, rate, info };
  }
  if (file && file.perMinute.size === 0) {
    info.kind = 'none';
    info.description = M.emptyFile(file.source ?? 'another log');
    return { incident, rate, info };
  }
  if (!opt && bc.bins < 5) {
    info.kind = 'none';
    info.description = M.tooShort(bc.bins);
    return { incident, rate, info };
  }
  info.kind = range ? 'range' : file ? 'file' : 'auto';
  for (let e = 0; e < E; e++) {
    const c = bc.counts[e];
    if (!c) continue;
    let b: number;
    if (file) b = file.perMinute.get(names[e] as string) ?? 0;
    else if (range) {
      let s = 0;
      for (let k = b0; k < b1; k++) s += c[k] as number;
      b = s / (b1 - b0);
    } else b = median(c);
    const th = incidentThreshold(b);
    let any = false;
    const mark = new Uint8Array(bc.bins);
    for (let k = 0; k < bc.bins; k++) {
      if (range && k >= b0 && k < b1) continue;
      if ((c[k] as number) >= th) {
        mark[k] = 1;
        any = true;
      }
    }
    if (!range && !file) {
      // the baseline rate: the mean of the minutes outside incidents
      let s = 0;
      let m = 0;
      for (let k = 0; k < bc.bins; k++)
        if (!mark[k]) {
          s += c[k] as number;
          m++;
        }
      b = m > 0 ? s / m : 0;
    }
    rate[e] = b;
    if (!any) continue;
    incident[e] = mark;
    for (let k = 0; k < bc.bins; ) {
      if (!mark[k]) {
        k++;
        continue;
      }
      let j = k;
      let s = 0;
      while (j < bc.bins && mark[j]) s += c[j++] as number;
      info.incidents.push({ endpoint: names[e] as string, from: bc.t0 + k * BIN_SEC * 1000, to: bc.t0 + j * BIN_SEC * 1000, requests: s, baselinePerMin: Math.round(b * 10) / 10 });
      k = j;
    }
  }
  info.incidents.sort((a, b) => b.requests - a.requests);
  info.description = info.kind === 'auto' ? M.auto(bc.bins, info.incidents.length) : info.kind === 'range' ? M.range(range as { from: number; to: number }, info.incidents.length) : M.file((file as { source?: string }).source ?? 'another log', info.incidents.length);
  return { incident, rate, info };
}

function median(c: Int32Array): number {
  const s = Int32Array.from(c).sort();
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
