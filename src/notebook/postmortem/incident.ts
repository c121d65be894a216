/**
 * The incident in numbers, computed from a scored traffic table: when the attack started, peaked
 * and ended, and what it did (peak rate, 5xx share, share that reached the origin).
 *
 * The attack window comes from the per-bin counts of rows labelled malicious: a bin is part of the
 * attack when attack rows are at least a quarter of its traffic (the share changes from ~0 to
 * dominant where an attack starts, and back where it ends); the window runs from the first such
 * bin to the last, gaps included (floods come in bursts). When no bin qualifies (a low-and-slow
 * attack hidden in much larger good traffic) it falls back to a change point on the attack rate
 * (an "epidemic" change model: the segment [s, e] whose mean differs most from the rest, weighted
 * by the sizes of both parts). The bins are the charts' bins (the same "nice" step giving at most 120
 * bins), so a start or end is within one chart bin of the truth. Start and end are then refined to
 * the first/last attack row inside their bins.
 *
 * The table is read structurally (no arquero import): anything with `columnNames()` and
 * `array(name)`, plus the scorer's `labelCodes` (2 = malicious).
 */

/** Columns this module reads (canonical traffic names, and two Logpush fields kept by name). */
const COL = {
  timestamp: 'timestamp',
  status: 'http.response.code',
  originStatus: 'OriginResponseStatus',
  cacheStatus: 'CacheCacheStatus',
  ipLen: 'ip.len',
  frameLen: 'frame.len',
  ipProto: 'ip.proto',
} as const;

export interface TableLike {
  numRows(): number;
  columnNames(): string[];
  array(name: string): ArrayLike<unknown>;
}

export interface ScoredLike {
  table: TableLike;
  /** 0 good, 1 suspicious, 2 malicious. */
  labelCodes: Uint8Array;
}

export interface IncidentFacts {
  unit: 'requests' | 'packets';
  /** Chart bin width used for the change point. */
  binMs: number;
  /** Data extent. */
  firstSeen: string | null;
  lastSeen: string | null;
  /** Attack window (ISO), null when no attack rows. */
  start: string | null;
  end: string | null;
  /** True when the attack is still at full rate in the last bin of the data. */
  ongoing: boolean;
  peak: { at: string; attackPerSecond: number; totalPerSecond: number } | null;
  rows: number;
  attackRows: number;
  /** Share of all 5xx responses (requests only), over the attack window. */
  errorShare5xx?: number;
  /** 5xx share before the attack (baseline), requests only. */
  baselineErrorShare5xx?: number;
  /** Share of attack requests that reached the origin (not served or blocked at the edge). */
  attackOriginShare?: number;
  /** Packets: peak bits per second (all traffic) in the peak bin. */
  peakBitsPerSecond?: number;
  /** Measured when `mitigatedAt` was given and falls inside the data. */
  mitigation?: MitigationEffect;
}

const NICE_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3,
  43200e3, 86400e3,
];

/** The charts' bin step: the smallest nice step giving fewer than `maxBins` bins (see viz/table.ts). */
export function chartStep(min: number, max: number, maxBins = 120): number {
  const span = Math.max(0, max - min);
  for (const s of NICE_STEPS) if (span / s < maxBins) return s;
  return NICE_STEPS[NICE_STEPS.length - 1] as number;
}

/**
 * The segment [s, e] of `counts` whose mean differs most from the rest (largest between-group sum
 * of squares), or the whole range when the series has no quiet part. Returns null for an all-zero series.
 */
export function attackSegment(counts: readonly number[], totals?: readonly number[]): { s: number; e: number } | null {
  const n = counts.length;
  if (totals) {
    let s = -1;
    let e = -1;
    for (let i = 0; i < n; i++) {
      const a = counts[i] as number;
      if (a >= 2 && a >= 0.25 * (totals[i] as number)) {
        if (s < 0) s = i;
        e = i;
      }
    }
    if (s >= 0) return { s, e };
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return null;
  const max = Math.max(...counts);
  const nonzero = counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
  // No quiet part: every bin carries a good part of the peak (a capture taken during the flood).
  if (Math.min(...counts) >= 0.3 * max) return { s: 0, e: n - 1 };
  const prefix = [0];
  for (const c of counts) prefix.push((prefix[prefix.length - 1] as number) + c);
  let best = { s: nonzero[0] as number, e: nonzero[nonzero.length - 1] as number, score: -1 };
  for (let s = 0; s < n; s++) {
    for (let e = s; e < n; e++) {
      const nin = e - s + 1;
      const nout = n - nin;
      const sin = (prefix[e + 1] as number) - (prefix[s] as number);
      const min = sin / nin;
      const mout = nout ? (total - sin) / nout : 0;
      if (min <= mout) continue;
      const score = nout ? ((nin * nout) / n) * (min - mout) ** 2 : 0;
      if (score > best.score) best = { s, e, score };
    }
  }
  return { s: best.s, e: best.e };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function numberAt(a: ArrayLike<unknown> | undefined, i: number): number | null {
  if (!a) return null;
  const v = a[i];
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The incident's window and impact from a scored table (see the module comment). */
export interface IncidentOptions {
  binMs?: number;
  /**
   * Rows that belong to the attack although the scorer did not label them malicious (0/1 per row),
   * e.g. the rows a vector's defining rule matches: the low-rate tail of a flood that no rate
   * signature caught is still the flood.
   */
  alsoAttack?: ArrayLike<number>;
  /** When a mitigation went live: the attack rate and share before and after it are measured. */
  mitigatedAt?: string | number | Date;
}

export interface MitigationEffect {
  at: string;
  /** Attack rows per second from the attack start (or data start) to `at`, and from `at` to the data end. */
  attackPerSecondBefore: number;
  attackPerSecondAfter: number;
  /** Attack share of all rows before / after. */
  shareBefore: number;
  shareAfter: number;
}

export function incidentFacts(scored: ScoredLike, opts: IncidentOptions = {}): IncidentFacts {
  const t = scored.table;
  const cols = new Set(t.columnNames());
  const n = t.numRows();
  const unit: IncidentFacts['unit'] = cols.has(COL.ipProto) && !cols.has(COL.status) ? 'packets' : 'requests';
  const ts = cols.has(COL.timestamp) ? t.array(COL.timestamp) : undefined;
  const extra = opts.alsoAttack;
  const attack = (i: number) => scored.labelCodes[i] === 2 || (extra !== undefined && extra[i] === 1);
  let min = Infinity;
  let max = -Infinity;
  let attackRows = 0;
  for (let i = 0; i < n; i++) {
    if (attack(i)) attackRows++;
    const v = numberAt(ts, i);
    if (v === null) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const base: IncidentFacts = {
    unit, binMs: 0, firstSeen: Number.isFinite(min) ? iso(min) : null, lastSeen: Number.isFinite(max) ? iso(max) : null,
    start: null, end: null, ongoing: false, peak: null, rows: n, attackRows,
  };
  if (!ts || !Number.isFinite(min)) return base;
  const step = opts.binMs ?? chartStep(min, max);
  const t0 = Math.floor(min / step) * step;
  const nb = Math.floor((max - t0) / step) + 1;
  const atk = new Array<number>(nb).fill(0);
  const all = new Array<number>(nb).fill(0);
  const bytes = new Array<number>(nb).fill(0);
  const len = cols.has(COL.frameLen) ? t.array(COL.frameLen) : cols.has(COL.ipLen) ? t.array(COL.ipLen) : undefined;
  for (let i = 0; i < n; i++) {
    const v = numberAt(ts, i);
    if (v === null) continue;
    const b = Math.floor((v - t0) / step);
    all[b] = (all[b] as number) + 1;
    if (attack(i)) atk[b] = (atk[b] as number) + 1;
    const l = numberAt(len, i);
    if (l !== null) bytes[b] = (bytes[b] as number) + l;
  }
  base.binMs = step;
  const seg = attackSegment(atk, all);
  if (!seg) return base;
  // Refine to the first / last attack row inside the boundary bins.
  const lo = t0 + seg.s * step;
  const hi = t0 + (seg.e + 1) * step;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    if (!attack(i)) continue;
    const v = numberAt(ts, i);
    if (v === null || v < lo || v >= hi) continue;
    if (v < first) first = v;
    if (v > last) last = v;
  }
  base.start = iso(Number.isFinite(first) ? first : lo);
  base.end = iso(Number.isFinite(last) ? last : hi);
  const peakMean = atk.slice(seg.s, seg.e + 1).reduce((a, b) => a + b, 0) / (seg.e - seg.s + 1);
  base.ongoing = seg.e === nb - 1 && (atk[nb - 1] as number) >= 0.5 * peakMean && nb > 2 && seg.s > 0;
  // The last bin is usually partial; rates use the full bins inside the window when there are any.
  let pb = seg.s;
  for (let b = seg.s; b <= seg.e; b++) if ((atk[b] as number) > (atk[pb] as number)) pb = b;
  const binSec = step / 1000;
  // A bin cut short by the data's edges holds less time than `step`.
  const binStart = Math.max(t0 + pb * step, min);
  const binEnd = Math.min(t0 + (pb + 1) * step, max);
  const span = nb === 1 ? Math.max(1e-3, (max - min) / 1000) : Math.max(binSec * 0.25, (binEnd - binStart) / 1000) || binSec;
  const sec = pb === 0 || pb === nb - 1 ? span : binSec;
  base.peak = { at: iso(t0 + pb * step), attackPerSecond: (atk[pb] as number) / sec, totalPerSecond: (all[pb] as number) / sec };
  if (len) base.peakBitsPerSecond = ((bytes[pb] as number) * 8) / sec;

  if (opts.mitigatedAt !== undefined && opts.mitigatedAt !== '') {
    const at = new Date(opts.mitigatedAt).getTime();
    if (Number.isFinite(at) && at > min && at < max) {
      const from = base.start ? Math.min(Date.parse(base.start), at) : min;
      let ab = 0, aa = 0, nb0 = 0, na = 0;
      for (let i = 0; i < n; i++) {
        const v = numberAt(ts, i);
        if (v === null || v < from) continue;
        if (v < at) {
          nb0++;
          if (attack(i)) ab++;
        } else {
          na++;
          if (attack(i)) aa++;
        }
      }
      base.mitigation = {
        at: iso(at),
        attackPerSecondBefore: ab / Math.max(1e-3, (at - from) / 1000),
        attackPerSecondAfter: aa / Math.max(1e-3, (max - at) / 1000),
        shareBefore: nb0 ? ab / nb0 : 0,
        shareAfter: na ? aa / na : 0,
      };
    }
  }
  if (unit === 'requests' && cols.has(COL.status)) {
    const status = t.array(COL.status);
    const origin = cols.has(COL.originStatus) ? t.array(COL.originStatus) : undefined;
    const cache = cols.has(COL.cacheStatus) ? t.array(COL.cacheStatus) : undefined;
    const startMs = Date.parse(base.start);
    const endMs = Date.parse(base.end);
    let inWin = 0, err = 0, before = 0, errBefore = 0, atkSeen = 0, atkOrigin = 0;
    for (let i = 0; i < n; i++) {
      const v = numberAt(ts, i);
      const s = numberAt(status, i);
      if (v === null) continue;
      if (v >= startMs && v <= endMs) {
        inWin++;
        if (s !== null && s >= 500) err++;
      } else if (v < startMs) {
        before++;
        if (s !== null && s >= 500) errBefore++;
      }
      if (attack(i) && (origin || cache)) {
        atkSeen++;
        const o = numberAt(origin, i);
        const c = cache ? String(cache[i] ?? '') : '';
        if ((o !== null && o > 0) || /^(miss|dynamic|expired|bypass|revalidated)$/i.test(c)) atkOrigin++;
      }
    }
    if (inWin) base.errorShare5xx = err / inWin;
    if (before) base.baselineErrorShare5xx = errBefore / before;
    if (atkSeen) base.attackOriginShare = atkOrigin / atkSeen;
  }
  return base;
}
