/**
 * Tunnel health checks as Magic Transit runs them, replayed over a capture's probe packets.
 *
 * The semantics follow Cloudflare's "Tunnel health checks" reference
 * (https://developers.cloudflare.com/magic-transit/reference/tunnel-health-checks/, source
 * cloudflare/cloudflare-docs src/content/partials/networking-services/reference/tunnel-health-checks.mdx):
 *
 * - A probe is an ICMP echo packet encapsulated in the tunnel (GRE, IPsec ESP, CNI). **Request
 *   style**: the probe is an echo *request* from the Cloudflare side to the origin side (the origin
 *   tunnel endpoint, its interface address or a custom target); the origin answers with an echo
 *   reply, source and destination swapped. **Reply style** (the default): the probe is an echo
 *   *reply* whose source is the origin side and whose destination is Cloudflare; the origin router
 *   decapsulates it and forwards it, unchanged, back to Cloudflare. Unidirectional checks send the
 *   answer outside the tunnel, bidirectional ones back into it.
 * - Rate: `low`, `mid` (default) or `high`, per tunnel. Cloudflare publishes no probes-per-second for
 *   them (the rate depends on the number of servers probing), so the label is kept as given and the
 *   probing rate is measured from the capture. A server that sees a probe fail on a healthy tunnel
 *   probes up to two more times at once; the same when a down tunnel starts answering.
 * - **Degraded**: at least 0.1% of the probes in the previous five minutes failed, with at least two
 *   failures (a single lost packet is no penalty).
 * - **Down**: every probe of at least three samples in the last one second failed. Down takes
 *   precedence over degraded.
 * - Recovery is slow on purpose (hysteresis): a down tunnel becomes degraded after three consecutive
 *   successful probes; a degraded tunnel becomes healthy when the failure rate over the previous 30
 *   probes is below 0.1% (and, per the document's example, the five-minute rate is below 0.1% too).
 * - Route penalties: degraded adds 500,000 to the route priority, down 1,000,000; so every state
 *   change moves traffic between tunnels: what the customer sees as the tunnel "flapping".
 *
 * What is not documented and is a parameter here: how long Cloudflare waits for an answer
 * (`timeoutMs`, default 1 s: an answer later than that counts as a failure).
 */
import { MSG } from './messages.js';

export type ProbeStyle = 'request' | 'reply';
export type HealthRate = 'low' | 'mid' | 'high';
export type TunnelState = 'healthy' | 'degraded' | 'down';

/** The documented thresholds (see the module comment); overridable, e.g. to study a what-if. */
export interface HealthThresholds {
  /** Degraded: the window failures are counted over (5 minutes). */
  degradedWindowMs: number;
  /** Degraded: the failure fraction over that window (0.001 = 0.1%). */
  degradedFraction: number;
  /** Degraded: the fewest failures that count (2). */
  degradedMinFailures: number;
  /** Down: the window (1 second) ... */
  downWindowMs: number;
  /** ... and the fewest samples in it, all failed (3). */
  downMinSamples: number;
  /** Down -> degraded after this many consecutive successes (3: the probe and its two re-probes). */
  downRecoverSuccesses: number;
  /** Degraded -> healthy when the failure rate of this many previous probes is below degradedFraction (30). */
  recoverProbes: number;
}

export const MAGIC_TRANSIT_THRESHOLDS: Readonly<HealthThresholds> = Object.freeze({
  degradedWindowMs: 5 * 60_000,
  degradedFraction: 0.001,
  degradedMinFailures: 2,
  downWindowMs: 1000,
  downMinSamples: 3,
  downRecoverSuccesses: 3,
  recoverProbes: 30,
});

/** Route priority penalties per state (documented). */
export const STATE_PENALTY: Readonly<Record<TunnelState, number>> = Object.freeze({ healthy: 0, degraded: 500_000, down: 1_000_000 });

export interface HealthCheckSpec {
  /** Probe style; 'auto' (default): request when the tunnel carries echo requests, else reply. */
  style?: ProbeStyle | 'auto';
  /** The configured rate (kept as a label: Cloudflare does not publish the probes per second of each). */
  rate?: HealthRate;
  /** Cloudflare-side inner address (request: probe source; reply: probe destination). Default: the busiest pair. */
  cloudflare?: string;
  /** Origin-side inner address or custom target (request: probe destination; reply: probe source). */
  target?: string;
  /** Outer (tunnel endpoint) addresses, to keep one tunnel's probes when a capture has several. */
  outer?: { cloudflare?: string; origin?: string };
  /** An answer later than this is a failed probe (default 1000 ms). */
  timeoutMs?: number;
  /** Reporting interval (default: 1, 5, 10, 30, 60 or 300 s, the smallest giving at most 120 intervals). */
  intervalMs?: number;
  thresholds?: Partial<HealthThresholds>;
}

export interface HealthProbe {
  /** Send time of the probe (ms since epoch, as the capture's timestamp column). */
  at: number;
  frame: number | null;
  ident: number;
  seq: number;
  answered: boolean;
  /** Round trip as seen at the capture point, null when unanswered or answered after the timeout. */
  rttMs: number | null;
  answerFrame: number | null;
  /** Whether the answer came back inside the tunnel (bidirectional) or outside it (unidirectional). */
  answerInTunnel: boolean | null;
  /** Tunnel state after this probe's outcome. */
  state: TunnelState;
}

export interface HealthInterval {
  start: number;
  end: number;
  probes: number;
  lost: number;
  lossPct: number;
  rttMinMs: number | null;
  rttAvgMs: number | null;
  rttMaxMs: number | null;
  /** State at the end of the interval (carried over from before when no probe fell in it). */
  state: TunnelState;
  /** Worst state during the interval. */
  worst: TunnelState;
}

export interface HealthTransition {
  at: number;
  frame: number | null;
  from: TunnelState;
  to: TunnelState;
  /** Which documented rule fired, in words. */
  reason: string;
}

export interface TunnelHealth {
  style: ProbeStyle;
  rate: HealthRate | null;
  cloudflare: string;
  target: string;
  /** Outer addresses of the probes (Cloudflare side, origin side), null when the probes are not encapsulated. */
  outer: { cloudflare: string; origin: string } | null;
  /** 'unidirectional' when answers return outside the tunnel, 'bidirectional' inside, null when none returned. */
  direction: 'unidirectional' | 'bidirectional' | 'mixed' | null;
  probes: number;
  lost: number;
  lossPct: number;
  rtt: { minMs: number; avgMs: number; p50Ms: number; maxMs: number } | null;
  /** Measured probing rate: probes per second over the capture, and the median gap between probes. */
  probesPerSecond: number;
  medianGapMs: number | null;
  intervalMs: number;
  intervals: HealthInterval[];
  transitions: HealthTransition[];
  /** Number of state changes (each one changes the route's priority penalty and moves traffic). */
  flaps: number;
  /** Number of times the tunnel went down. */
  downEvents: number;
  finalState: TunnelState;
  /** Time spent in each state between the first and the last probe (ms). */
  timeInState: Record<TunnelState, number>;
  /** Every candidate probe flow in the capture (inner source -> destination), busiest first. */
  flows: { src: string; dst: string; style: ProbeStyle; probes: number; outerSrc: string | null; outerDst: string | null }[];
  probeList: HealthProbe[];
  thresholds: HealthThresholds;
  notes: string[];
}

/** The packet-table columns read here (the pcap loader's names: netrunbook/traffic FIELD, TUNNEL_FIELD, TCP_FIELD). */
const COL = {
  ts: 'timestamp',
  frame: 'frame.number',
  src: 'ip.src',
  dst: 'ip.dst',
  proto: 'ip.proto',
  type: 'icmp.type',
  ident: 'icmp.ident',
  seq: 'icmp.seq',
  tunnel: 'tunnel.type',
  outerSrc: 'tunnel.outer.ip.src',
  outerDst: 'tunnel.outer.ip.dst',
} as const;

export interface PacketTable {
  numRows(): number;
  array(name: string): ArrayLike<unknown>;
  columnNames(): string[];
}

export class HealthCheckError extends Error {
  readonly userFacing = true;
}

interface Echo {
  i: number;
  at: number;
  frame: number | null;
  src: string;
  dst: string;
  request: boolean;
  ident: number;
  seq: number;
  tunnelled: boolean;
  outerSrc: string | null;
  outerDst: string | null;
}

const RANK: Record<TunnelState, number> = { healthy: 0, degraded: 1, down: 2 };
const INTERVALS = [1000, 5000, 10_000, 30_000, 60_000, 300_000];

function echoes(t: PacketTable): Echo[] {
  const names = new Set(t.columnNames());
  for (const c of [COL.ts, COL.src, COL.dst, COL.type]) if (!names.has(c)) throw new HealthCheckError(MSG.healthColumn(c));
  const col = (n: string) => (names.has(n) ? t.array(n) : null);
  const [ts, frame, src, dst, proto, type, ident, seq, tun, osrc, odst] = [COL.ts, COL.frame, COL.src, COL.dst, COL.proto, COL.type, COL.ident, COL.seq, COL.tunnel, COL.outerSrc, COL.outerDst].map(col);
  const out: Echo[] = [];
  for (let i = 0; i < t.numRows(); i++) {
    const ty = type?.[i];
    const p = proto?.[i];
    if (typeof ty !== 'number') continue;
    const v6 = p === 58;
    const request = v6 ? ty === 128 : ty === 8;
    const reply = v6 ? ty === 129 : ty === 0;
    if (!request && !reply) continue;
    const at = ts?.[i];
    const id = ident?.[i];
    const sq = seq?.[i];
    if (typeof at !== 'number' || typeof id !== 'number' || typeof sq !== 'number') continue;
    const tunnelled = !!tun && tun[i] !== null && tun[i] !== undefined;
    out.push({
      i,
      at,
      frame: typeof frame?.[i] === 'number' ? (frame[i] as number) : null,
      src: String(src?.[i] ?? ''),
      dst: String(dst?.[i] ?? ''),
      request,
      ident: id,
      seq: sq,
      tunnelled,
      outerSrc: tunnelled && osrc?.[i] != null ? String(osrc[i]) : null,
      outerDst: tunnelled && odst?.[i] != null ? String(odst[i]) : null,
    });
  }
  return out.sort((a, b) => a.at - b.at || a.i - b.i);
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

/**
 * Replays Magic Transit's tunnel health checks over the echo probes of a packet table (a capture
 * loaded by netrunbook/traffic: inner ICMP inside GRE, VXLAN, GENEVE, IP-in-IP ...): per probe,
 * answered or not and its RTT; the tunnel state the documented rules give after each probe; per
 * interval the probes, loss, RTT and state; the transitions, flap and down counts.
 */
export function tunnelHealth(packets: PacketTable, spec: HealthCheckSpec = {}): TunnelHealth {
  const th: HealthThresholds = { ...MAGIC_TRANSIT_THRESHOLDS, ...(spec.thresholds ?? {}) };
  const timeoutMs = spec.timeoutMs ?? 1000;
  if (!(timeoutMs > 0)) throw new HealthCheckError(MSG.healthOption('timeoutMs', String(spec.timeoutMs)));
  if (spec.intervalMs !== undefined && !(spec.intervalMs >= 1)) throw new HealthCheckError(MSG.healthOption('intervalMs', String(spec.intervalMs)));
  const notes: string[] = [];
  const all = echoes(packets);
  let pool = all.filter((e) => e.tunnelled);
  if (pool.length === 0 && all.length > 0) {
    notes.push(MSG.healthNotTunnelled);
    pool = all;
  }
  const fromOuter = (e: Echo) => (!spec.outer?.cloudflare || e.outerSrc === spec.outer.cloudflare) && (!spec.outer?.origin || e.outerDst === spec.outer.origin);
  pool = pool.filter((e) => !e.tunnelled || fromOuter(e));

  // candidate probe flows: echo requests (request style) and echo replies not answering a request (reply style)
  const asked = new Set(all.filter((e) => e.request).map((e) => `${e.dst}|${e.src}|${e.ident}|${e.seq}`));
  const flows = new Map<string, { src: string; dst: string; style: ProbeStyle; probes: number; outerSrc: string | null; outerDst: string | null }>();
  const seenReply = new Set<string>();
  for (const e of pool) {
    let style: ProbeStyle;
    if (e.request) style = 'request';
    else {
      // an answer to a request of the capture, or a reply-style probe seen again on its way back
      const k = `${e.src}|${e.dst}|${e.ident}|${e.seq}`;
      if (asked.has(k) || seenReply.has(k)) continue;
      seenReply.add(k);
      style = 'reply';
    }
    const key = `${style}|${e.src}|${e.dst}`;
    const f = flows.get(key) ?? { src: e.src, dst: e.dst, style, probes: 0, outerSrc: e.outerSrc, outerDst: e.outerDst };
    f.probes++;
    flows.set(key, f);
  }
  const flowList = [...flows.values()].sort((a, b) => b.probes - a.probes);
  const want = spec.style && spec.style !== 'auto' ? spec.style : flowList.some((f) => f.style === 'request') ? 'request' : 'reply';
  const match = (f: (typeof flowList)[number]) => {
    if (f.style !== want) return false;
    const [cf, target] = want === 'request' ? [f.src, f.dst] : [f.dst, f.src];
    return (!spec.cloudflare || cf === spec.cloudflare) && (!spec.target || target === spec.target);
  };
  const flow = flowList.find(match);
  if (!flow) {
    const have = flowList.map((f) => `${f.style} ${f.src} -> ${f.dst} (${f.probes})`).join(', ') || 'none';
    throw new HealthCheckError(MSG.healthNoProbes(want, spec.cloudflare ?? null, spec.target ?? null, have));
  }
  if (spec.style && spec.style !== 'auto' && flowList.some((f) => f.style !== spec.style)) notes.push(MSG.healthOtherStyle(spec.style));
  const cloudflare = want === 'request' ? flow.src : flow.dst;
  const target = want === 'request' ? flow.dst : flow.src;

  // the probes and their answers
  const probes: HealthProbe[] = [];
  const outerSeen = new Map<string, number>();
  let inTunnel = 0;
  let outside = 0;
  if (want === 'request') {
    const answers = new Map<string, Echo[]>();
    for (const e of all) if (!e.request && e.src === target && e.dst === cloudflare) {
      const k = `${e.ident}|${e.seq}`;
      const l = answers.get(k) ?? [];
      l.push(e);
      answers.set(k, l);
    }
    for (const e of pool) {
      if (!e.request || e.src !== cloudflare || e.dst !== target) continue;
      const ans = (answers.get(`${e.ident}|${e.seq}`) ?? []).find((a) => a.at >= e.at);
      probes.push(probeOf(e, ans ?? null, timeoutMs));
      if (e.outerSrc && e.outerDst) outerSeen.set(`${e.outerSrc}|${e.outerDst}`, (outerSeen.get(`${e.outerSrc}|${e.outerDst}`) ?? 0) + 1);
    }
  } else {
    // reply style: the first sighting of a reply (inside the tunnel, towards the origin) is the probe,
    // a later sighting of the same packet (outside, or inside the other way) is its return
    const byKey = new Map<string, Echo[]>();
    for (const e of all) if (!e.request && e.src === target && e.dst === cloudflare) {
      const k = `${e.ident}|${e.seq}`;
      const l = byKey.get(k) ?? [];
      l.push(e);
      byKey.set(k, l);
    }
    for (const e of pool) {
      if (e.request || e.src !== target || e.dst !== cloudflare) continue;
      const l = byKey.get(`${e.ident}|${e.seq}`) ?? [];
      if (l[0] !== e) continue;
      const back = l.find((a) => a !== e && a.at >= e.at && (a.outerSrc !== e.outerSrc || a.outerDst !== e.outerDst || a.tunnelled !== e.tunnelled)) ?? null;
      probes.push(probeOf(e, back, timeoutMs));
      if (e.outerSrc && e.outerDst) outerSeen.set(`${e.outerSrc}|${e.outerDst}`, (outerSeen.get(`${e.outerSrc}|${e.outerDst}`) ?? 0) + 1);
    }
  }
  for (const p of probes) if (p.answerInTunnel === true) inTunnel++;
  else if (p.answerInTunnel === false) outside++;
  const outerPair = [...outerSeen.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]?.split('|');
  if (outerSeen.size > 1) notes.push(MSG.healthManyOuter(outerSeen.size));

  // the state machine, probe by probe (in send order)
  const transitions: HealthTransition[] = [];
  let state: TunnelState = 'healthy';
  let lo5 = 0;
  let fail5 = 0;
  let lo1 = 0;
  let fail1 = 0;
  let okRun = 0;
  for (let i = 0; i < probes.length; i++) {
    const p = probes[i] as HealthProbe;
    fail5 += p.answered ? 0 : 1;
    fail1 += p.answered ? 0 : 1;
    while ((probes[lo5] as HealthProbe).at <= p.at - th.degradedWindowMs) fail5 -= (probes[lo5++] as HealthProbe).answered ? 0 : 1;
    while ((probes[lo1] as HealthProbe).at <= p.at - th.downWindowMs) fail1 -= (probes[lo1++] as HealthProbe).answered ? 0 : 1;
    okRun = p.answered ? okRun + 1 : 0;
    const n5 = i - lo5 + 1;
    const n1 = i - lo1 + 1;
    const downCond = n1 >= th.downMinSamples && fail1 === n1;
    const degradedCond = fail5 >= th.degradedMinFailures && fail5 / n5 >= th.degradedFraction;
    let next: TunnelState = state;
    let reason = '';
    if (downCond) {
      next = 'down';
      reason = MSG.ruleDown(n1, th.downWindowMs);
    } else if (state === 'down') {
      if (okRun >= th.downRecoverSuccesses) {
        next = 'degraded';
        reason = MSG.ruleUp(th.downRecoverSuccesses);
      }
    } else if (state === 'healthy') {
      if (degradedCond) {
        next = 'degraded';
        reason = MSG.ruleDegraded(fail5, n5, th.degradedWindowMs);
      }
    } else if (state === 'degraded') {
      const lastN = probes.slice(Math.max(0, i - th.recoverProbes + 1), i + 1);
      const lastFail = lastN.filter((x) => !x.answered).length;
      if (lastN.length >= th.recoverProbes && lastFail / lastN.length < th.degradedFraction && !degradedCond) {
        next = 'healthy';
        reason = MSG.ruleHealthy(th.recoverProbes, th.degradedWindowMs);
      }
    }
    if (next !== state) {
      transitions.push({ at: p.at, frame: p.frame, from: state, to: next, reason });
      state = next;
    }
    p.state = state;
  }

  // intervals
  const first = probes[0]?.at ?? 0;
  const last = probes[probes.length - 1]?.at ?? 0;
  const span = last - first;
  const intervalMs = spec.intervalMs ?? INTERVALS.find((x) => span / x <= 120) ?? 300_000;
  const intervals: HealthInterval[] = [];
  let prevState: TunnelState = 'healthy';
  let j = 0;
  for (let start = first; probes.length && start <= last; start += intervalMs) {
    const end = start + intervalMs;
    const inside: HealthProbe[] = [];
    while (j < probes.length && (probes[j] as HealthProbe).at < end) inside.push(probes[j++] as HealthProbe);
    const rtts = inside.map((p) => p.rttMs).filter((x): x is number => x !== null);
    const lost = inside.filter((p) => !p.answered).length;
    let worst: TunnelState = prevState;
    for (const p of inside) if (RANK[p.state] > RANK[worst]) worst = p.state;
    const st: TunnelState = inside.length ? (inside[inside.length - 1] as HealthProbe).state : prevState;
    intervals.push({
      start,
      end,
      probes: inside.length,
      lost,
      lossPct: inside.length ? round((100 * lost) / inside.length) : 0,
      rttMinMs: rtts.length ? round(Math.min(...rtts)) : null,
      rttAvgMs: rtts.length ? round(rtts.reduce((a, b) => a + b, 0) / rtts.length) : null,
      rttMaxMs: rtts.length ? round(Math.max(...rtts)) : null,
      state: st,
      worst,
    });
    prevState = st;
  }

  const timeInState: Record<TunnelState, number> = { healthy: 0, degraded: 0, down: 0 };
  let cur: TunnelState = 'healthy';
  let since = first;
  for (const t of transitions) {
    timeInState[cur] += t.at - since;
    cur = t.to;
    since = t.at;
  }
  timeInState[cur] += last - since;

  const rtts = probes.map((p) => p.rttMs).filter((x): x is number => x !== null);
  const lost = probes.filter((p) => !p.answered).length;
  const gaps = probes.slice(1).map((p, i) => p.at - (probes[i] as HealthProbe).at);
  if (probes.length && spec.rate) notes.push(MSG.healthRate(spec.rate));
  return {
    style: want,
    rate: spec.rate ?? null,
    cloudflare,
    target,
    outer: outerPair ? { cloudflare: outerPair[0] as string, origin: outerPair[1] as string } : null,
    direction: inTunnel && outside ? 'mixed' : inTunnel ? 'bidirectional' : outside ? 'unidirectional' : null,
    probes: probes.length,
    lost,
    lossPct: probes.length ? round((100 * lost) / probes.length) : 0,
    rtt: rtts.length
      ? { minMs: round(Math.min(...rtts)), avgMs: round(rtts.reduce((a, b) => a + b, 0) / rtts.length), p50Ms: round(median(rtts) as number), maxMs: round(Math.max(...rtts)) }
      : null,
    probesPerSecond: span > 0 ? round(((probes.length - 1) * 1000) / span) : 0,
    medianGapMs: median(gaps) === null ? null : round(median(gaps) as number),
    intervalMs,
    intervals,
    transitions,
    flaps: transitions.length,
    downEvents: transitions.filter((t) => t.to === 'down').length,
    finalState: state,
    timeInState,
    flows: flowList,
    probeList: probes,
    thresholds: th,
    notes,
  };
}

function probeOf(e: Echo, ans: Echo | null, timeoutMs: number): HealthProbe {
  const rtt = ans ? ans.at - e.at : null;
  const ok = rtt !== null && rtt <= timeoutMs;
  return {
    at: e.at,
    frame: e.frame,
    ident: e.ident,
    seq: e.seq,
    answered: ok,
    rttMs: ok ? round(rtt as number) : null,
    answerFrame: ok ? (ans as Echo).frame : null,
    answerInTunnel: ok ? (ans as Echo).tunnelled : null,
    state: 'healthy',
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
