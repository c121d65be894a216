/**
 * mtr as a step: `mtr --json -n -c N` sends N probes per hop and reports loss and latency per hop
 * (Debian mtr-tiny). Loss at an intermediate hop that does not carry on to the later hops is ICMP
 * rate limiting at that router, not packet loss; loss that starts at a hop and stays to the
 * destination is where packets die. The step reports both: `data.hops` as mtr saw them, and
 * `data.lossFrom`, the first hop from which every later hop (destination included) loses probes.
 *
 *   mtr(target, { cycles=10, interval=0.2, protocol 'icmp'|'udp'|'tcp', port, maxHops=30,
 *                 timeoutMs, netns })                                            kind 'mtr'
 *   data: { target, cycles, protocol, port, reached, destination: MtrHop | null, lossFrom,
 *           hops: MtrHop { hop, host (null = no reply, "???"), lossPct, sent, lastMs, avgMs,
 *                          bestMs, worstMs, stdevMs }[] }
 *   error codes: unreached, loss (destination answers but loses probes), mtr-failed, timeout
 */
import { StepInputError } from './errors.js';
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepResult } from './result.js';
import { run } from './shell.js';
import * as v from './validate.js';

export interface MtrHop {
  hop: number;
  /** Address that answered, null when nothing did ("???"). */
  host: string | null;
  lossPct: number;
  sent: number;
  lastMs: number | null;
  avgMs: number | null;
  bestMs: number | null;
  worstMs: number | null;
  stdevMs: number | null;
}

export interface MtrData {
  target: string;
  cycles: number;
  protocol: 'icmp' | 'udp' | 'tcp';
  port: number | null;
  hops: MtrHop[];
  /** The last hop is the target address. */
  reached: boolean;
  /** The target's own row (when reached). */
  destination: MtrHop | null;
  /** First hop from which every later hop loses probes (real loss), null when the destination loses none. */
  lossFrom: number | null;
}

export interface MtrOptions {
  /** Probes per hop (-c, default 10). */
  cycles?: number;
  /** Seconds between probes (-i, default 0.2; below 1 needs root). */
  interval?: number;
  protocol?: 'icmp' | 'udp' | 'tcp';
  /** Destination port for udp/tcp (-P). */
  port?: number;
  maxHops?: number;
  timeoutMs?: number;
  netns?: string;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : null);

/** Parse `mtr --json` output. Pure; usable on saved text. Throws when it is not mtr's JSON report. */
export function parseMtrJson(text: string): { target: string | null; tests: number | null; hops: MtrHop[] } {
  const doc = JSON.parse(text) as { report?: { mtr?: Record<string, unknown>; hubs?: unknown } };
  if (!doc || typeof doc !== 'object' || !doc.report || !Array.isArray(doc.report.hubs)) throw new Error('no "report.hubs" in the JSON');
  const hops = (doc.report.hubs as Record<string, unknown>[]).map((h, i): MtrHop => {
    const sent = num(h.Snt) ?? 0;
    const host = typeof h.host === 'string' && h.host !== '???' ? h.host : null;
    const answered = host !== null;
    const ms = (k: string) => (answered ? num(h[k]) : null);
    return {
      hop: num(h.count) ?? i + 1,
      host,
      lossPct: num(h['Loss%']) ?? (answered ? 0 : 100),
      sent,
      lastMs: ms('Last'),
      avgMs: ms('Avg'),
      bestMs: ms('Best'),
      worstMs: ms('Wrst'),
      stdevMs: ms('StDev'),
    };
  });
  const m = doc.report.mtr ?? {};
  return { target: typeof m.dst === 'string' ? m.dst : null, tests: num(m.tests), hops };
}

/** First hop from which all later hops lose probes (the loss carries on to the destination). */
export function lossOrigin(hops: readonly MtrHop[]): number | null {
  const last = hops[hops.length - 1];
  if (!last || last.lossPct === 0) return null;
  let from = last.hop;
  for (let i = hops.length - 1; i >= 0; i--) {
    if ((hops[i] as MtrHop).lossPct > 0) from = (hops[i] as MtrHop).hop;
    else break;
  }
  return from;
}

export async function mtr(target: string, opts: MtrOptions = {}): Promise<StepResult<MtrData>> {
  const host = v.host('target', target);
  const cycles = v.integer('cycles', opts.cycles ?? 10, 1, 1000);
  const interval = opts.interval ?? 0.2;
  if (typeof interval !== 'number' || !(interval >= 0.1 && interval <= 60)) throw new StepInputError('interval', String(interval), message.badNumber(0, 60));
  const protocol = opts.protocol ?? 'icmp';
  if (protocol !== 'icmp' && protocol !== 'udp' && protocol !== 'tcp') throw new StepInputError('protocol', String(protocol), message.badProtocol);
  const port = opts.port === undefined ? null : v.port('port', opts.port);
  const maxHops = v.integer('maxHops', opts.maxHops ?? 30, 1, 64);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  // mtr waits about a second past the last probe per hop that does not answer.
  const timeoutMs = opts.timeoutMs ?? Math.round((cycles * interval + 10) * 1000 + maxHops * 200);
  const argv = [
    'mtr', '--json', '-n', '-c', String(cycles), '-i', String(interval), '-m', String(maxHops),
    ...(protocol === 'udp' ? ['-u'] : protocol === 'tcp' ? ['-T'] : []),
    ...(port !== null ? ['-P', String(port)] : []),
    host,
  ];
  const t = await run(argv, { timeoutMs, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) });
  let data: MtrData | undefined;
  let error: ReturnType<typeof err> | undefined;
  if (t.timedOut) error = err('timeout', message.timedOut('mtr', timeoutMs));
  else if (t.exitCode !== 0) error = err('mtr-failed', message.mtrFailed(t.exitCode, (t.stderr || t.stdout).trim().split('\n')[0] ?? ''));
  if (!error) {
    try {
      const p = parseMtrJson(t.stdout);
      const last = p.hops[p.hops.length - 1];
      const dst = p.target ?? host;
      const reached = !!last && last.host !== null && (last.host === dst || last.host === host);
      data = { target: host, cycles, protocol, port, hops: p.hops, reached, destination: reached ? (last as MtrHop) : null, lossFrom: reached ? lossOrigin(p.hops) : null };
      if (!reached) error = err('unreached', message.mtrUnreached(host));
      else if ((last as MtrHop).lossPct > 0) {
        const from = p.hops.find((h) => h.hop === data!.lossFrom) ?? (last as MtrHop);
        error = err('loss', message.mtrLoss(from.hop, from.host ?? '???', from.lossPct));
      }
    } catch (e) {
      error = err('mtr-failed', message.mtrFailed(t.exitCode, (e as Error).message));
    }
  }
  return makeResult('mtr', { ok: !error, ...(data ? { data } : {}), ...(error ? { error } : {}), transcript: [t] }, (r): Shown => ({
    title: `mtr ${host} (${protocol}${port !== null ? `:${port}` : ''}, ${cycles} cycles) -> ${r.data ? `${r.data.hops.length} hops, ${r.data.reached ? `destination loss ${r.data.destination?.lossPct ?? 0}%, avg ${r.data.destination?.avgMs ?? '-'} ms` : 'not reached'}` : 'no report'}`,
    summary: r.data ? [['reached', r.data.reached], ['loss from hop', r.data.lossFrom ?? 'none']] : [],
    tables: r.data
      ? [{ columns: ['hop', 'host', 'loss %', 'sent', 'last ms', 'avg ms', 'best ms', 'worst ms', 'stdev'], rows: r.data.hops.map((h) => [h.hop, h.host ?? '???', h.lossPct, h.sent, h.lastMs, h.avgMs, h.bestMs, h.worstMs, h.stdevMs]) }]
      : [],
  }));
}
