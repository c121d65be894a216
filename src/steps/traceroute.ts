/**
 * Path steps: `traceroute` (hops with addresses, RTTs and loss; UDP, ICMP or TCP SYN to a port)
 * and `pathMtu` (the largest packet that passes with DF set, by `ping -M do -s N` bisection and
 * by `tracepath`): how GRE/tunnel MTU black holes show up.
 */
import net from 'node:net';
import { StepInputError } from './errors.js';
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepError, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import * as v from './validate.js';

export interface TraceProbe {
  address: string | null;
  rttMs: number | null;
  /** !H, !N, !P, !X, !<n> ... */
  annotation: string | null;
}

export interface TraceHop {
  hop: number;
  probes: TraceProbe[];
  /** Distinct responding addresses, in order seen. */
  addresses: string[];
  rtt: { min: number; avg: number; max: number } | null;
  /** Fraction of probes with no reply (0..1). */
  loss: number;
}

export interface TracerouteData {
  target: string;
  /** Address traceroute resolved the target to. */
  targetAddress: string | null;
  protocol: 'udp' | 'icmp' | 'tcp';
  port: number | null;
  maxHops: number;
  hops: TraceHop[];
  reached: boolean;
}

export interface TracerouteOptions {
  protocol?: 'udp' | 'icmp' | 'tcp';
  /** Destination port (tcp: default 80; udp: constant port with -U; default traceroute's 33434+). */
  port?: number;
  maxHops?: number;
  /** Probes per hop (default 3). */
  queries?: number;
  /** Seconds to wait per probe (default 1). */
  wait?: number;
  timeoutMs?: number;
  netns?: string;
}

const num = (s: string) => Number(s);

/** Parse traceroute (Linux "modern traceroute", -n or not) output. Pure. */
export function parseTraceroute(stdout: string): { targetAddress: string | null; hops: TraceHop[] } {
  const lines = stdout.split('\n');
  const head = /^traceroute to (\S+) \(([^)]+)\)/.exec(lines[0] ?? '');
  const hops: TraceHop[] = [];
  for (const raw of lines.slice(head ? 1 : 0)) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(raw);
    if (!m) continue;
    const tokens = (m[2] as string).trim().split(/\s+/);
    const probes: TraceProbe[] = [];
    let addr: string | null = null;
    for (let i = 0; i < tokens.length; i++) {
      const tok = tokens[i] as string;
      if (tok === '*') probes.push({ address: null, rttMs: null, annotation: null });
      else if (/^\d+(\.\d+)?$/.test(tok) && tokens[i + 1] === 'ms') {
        probes.push({ address: addr, rttMs: num(tok), annotation: null });
        i++;
      } else if (/^!/.test(tok)) {
        const last = probes[probes.length - 1];
        if (last) last.annotation = tok;
      } else if (/^\(.*\)$/.test(tok)) addr = tok.slice(1, -1);
      else if (net.isIP(tok)) addr = tok;
      else if (tokens[i + 1] && /^\(.*\)$/.test(tokens[i + 1] as string)) {
        /* host name; the address follows in parentheses */
      } else addr = tok;
    }
    const rtts = probes.map((p) => p.rttMs).filter((x): x is number => x !== null);
    const addresses = [...new Set(probes.map((p) => p.address).filter((x): x is string => x !== null))];
    hops.push({
      hop: num(m[1] as string),
      probes,
      addresses,
      rtt: rtts.length ? { min: Math.min(...rtts), avg: Math.round((rtts.reduce((a, b) => a + b, 0) / rtts.length) * 1000) / 1000, max: Math.max(...rtts) } : null,
      loss: probes.length ? Math.round(((probes.length - rtts.length) / probes.length) * 1000) / 1000 : 1,
    });
  }
  return { targetAddress: head ? (head[2] as string) : null, hops };
}

function showTrace(r: StepResult<TracerouteData>): Shown {
  const d = r.data;
  if (!d) return { title: 'traceroute', summary: [] };
  return {
    title: `traceroute ${d.target} (${d.protocol}${d.port ? ` port ${d.port}` : ''}): ${d.hops.length} hops, ${d.reached ? 'reached' : 'NOT reached'}`,
    summary: [
      ['target address', d.targetAddress ?? ''],
      ['reached', d.reached],
    ],
    tables: [{ columns: ['hop', 'addresses', 'min ms', 'avg ms', 'max ms', 'loss', 'notes'], rows: d.hops.map((h) => [h.hop, h.addresses.join(', ') || '*', h.rtt?.min ?? '', h.rtt?.avg ?? '', h.rtt?.max ?? '', `${Math.round(h.loss * 100)}%`, h.probes.map((p) => p.annotation).filter(Boolean).join(' ')]) }],
  };
}

/** Trace the path to a host. */
export async function traceroute(target: string, opts: TracerouteOptions = {}): Promise<StepResult<TracerouteData>> {
  const host = v.host('target', target);
  const protocol = opts.protocol ?? 'udp';
  if (!['udp', 'icmp', 'tcp'].includes(protocol)) throw new StepInputError('protocol', String(protocol), message.badProtocol);
  const port = opts.port !== undefined ? v.port('port', opts.port) : protocol === 'tcp' ? 80 : null;
  const maxHops = v.integer('maxHops', opts.maxHops ?? 30, 1, 64);
  const queries = v.integer('queries', opts.queries ?? 3, 1, 10);
  const wait = v.integer('wait', opts.wait ?? 1, 1, 30);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  const argv = ['traceroute', '-n', '-q', String(queries), '-m', String(maxHops), '-w', String(wait)];
  if (protocol === 'icmp') argv.push('-I');
  if (protocol === 'tcp') argv.push('-T', '-p', String(port));
  if (protocol === 'udp' && port !== null) argv.push('-U', '-p', String(port));
  argv.push('--', host);
  const timeoutMs = opts.timeoutMs ?? (maxHops * queries * wait + 10) * 1000;
  const t = await run(argv, { timeoutMs, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) });
  const p = parseTraceroute(t.stdout);
  const dest = p.targetAddress ?? host;
  const last = p.hops[p.hops.length - 1];
  const data: TracerouteData = { target: host, targetAddress: p.targetAddress, protocol, port, maxHops, hops: p.hops, reached: !!last && last.addresses.includes(dest) };
  let error: StepError | undefined;
  if (t.timedOut) error = err('timeout', message.timedOut('traceroute', timeoutMs));
  else if (t.exitCode !== 0 && p.hops.length === 0) error = err('traceroute-failed', message.tracerouteFailed(t.exitCode, t.stderr));
  else if (!data.reached) error = err('unreached', message.tracerouteUnreached(dest));
  return makeResult('traceroute', { ok: !error, data, ...(error ? { error } : {}), transcript: [t] }, showTrace);
}

// ---------------------------------------------------------------------------------------------
// Path MTU

export interface MtuProbe {
  /** ICMP payload bytes (ping -s). */
  payload: number;
  /** IP packet size: payload + 28 (IPv4) or + 48 (IPv6). */
  packet: number;
  passed: boolean;
  /** MTU reported back ("Frag needed ... mtu = N" / "message too long, mtu=N"), if any. */
  mtuHint: number | null;
}

export interface TracepathHop {
  hop: number;
  address: string | null;
  rttMs: number | null;
  pmtu: number | null;
  reached: boolean;
}

export interface TracepathData {
  pmtu: number | null;
  hops: TracepathHop[];
  reached: boolean;
}

export interface PathMtuData {
  target: string;
  /** Largest IPv4 packet that passed with DF set (payload + 28), null if nothing passed. */
  pathMtu: number | null;
  /** Largest ICMP payload that passed. */
  largestPayload: number | null;
  /** The smallest packet size that failed. */
  smallestFailing: number | null;
  probes: MtuProbe[];
  /** Result of tracepath, when run. */
  tracepath: TracepathData | null;
  /** True when the path MTU is below the largest size tried (e.g. a tunnel on the path). */
  reduced: boolean;
  /**
   * True when oversized packets vanished without any "fragmentation needed" / "packet too big"
   * coming back: a PMTU black hole (ICMP filtered on the path). TCP sessions then hang after the
   * handshake while small requests work.
   */
  blackHole: boolean;
}

export interface PathMtuOptions {
  /** "ping" (bisection), "tracepath", or "both" (default). */
  method?: 'ping' | 'tracepath' | 'both';
  /** Largest packet to try (default 1500). */
  maxMtu?: number;
  /** Seconds each ping waits (default 1). */
  wait?: number;
  netns?: string;
  timeoutMs?: number;
}

/** Parse tracepath (iputils) output. Pure. */
export function parseTracepath(stdout: string): TracepathData {
  const hops: TracepathHop[] = [];
  let pmtu: number | null = null;
  let reached = false;
  for (const line of stdout.split('\n')) {
    const resume = /Resume: pmtu (\d+)/.exec(line);
    if (resume) {
      pmtu = Number(resume[1]);
      continue;
    }
    const m = /^\s*(\d+)\??:\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[3] as string;
    const addr = m[2] as string;
    const hop: TracepathHop = {
      hop: Number(m[1]),
      address: addr === '[LOCALHOST]' || addr === 'no' ? null : addr,
      rttMs: /([\d.]+)ms/.exec(rest) ? Number(/([\d.]+)ms/.exec(rest)?.[1]) : null,
      pmtu: /pmtu (\d+)/.exec(rest) ? Number(/pmtu (\d+)/.exec(rest)?.[1]) : null,
      reached: /\breached\b/.test(rest),
    };
    if (hop.reached) reached = true;
    hops.push(hop);
  }
  return { pmtu, hops, reached };
}

function mtuHint(t: Transcript): number | null {
  const m = /mtu ?= ?(\d+)/i.exec(`${t.stdout}\n${t.stderr}`);
  return m ? Number(m[1]) : null;
}

function showMtu(r: StepResult<PathMtuData>): Shown {
  const d = r.data;
  if (!d) return { title: 'path MTU', summary: [] };
  return {
    title: `path MTU to ${d.target}: ${d.pathMtu ?? 'unknown'}${d.reduced ? ' (reduced on the path)' : ''}`,
    summary: [
      ['path MTU (ping)', d.pathMtu ?? ''],
      ['largest ICMP payload', d.largestPayload ?? ''],
      ['smallest failing packet', d.smallestFailing ?? ''],
      ['tracepath pmtu', d.tracepath?.pmtu ?? ''],
      ['note', d.blackHole ? message.mtuBlackHole(d.pathMtu ?? 0) : d.reduced && d.pathMtu !== null ? message.mtuReduced(d.pathMtu, d.probes[0]?.packet ?? 1500) : ''],
    ],
    tables: [
      { caption: 'DF probes', columns: ['payload', 'packet', 'passed', 'mtu hint'], rows: d.probes.map((p) => [p.payload, p.packet, p.passed, p.mtuHint ?? '']) },
      ...(d.tracepath ? [{ caption: 'tracepath', columns: ['hop', 'address', 'ms', 'pmtu', 'reached'], rows: d.tracepath.hops.map((h) => [h.hop, h.address ?? '', h.rttMs ?? '', h.pmtu ?? '', h.reached]) }] : []),
    ],
  };
}

/**
 * Find the largest packet that reaches `target` with DF set: bisection with `ping -M do -s N`
 * (payload + 28 = packet for IPv4, + 48 for an IPv6 literal) and/or `tracepath -n`.
 */
export async function pathMtu(target: string, opts: PathMtuOptions = {}): Promise<StepResult<PathMtuData>> {
  const host = v.host('target', target);
  const method = opts.method ?? 'both';
  if (!['ping', 'tracepath', 'both'].includes(method)) throw new StepInputError('method', String(method), message.badMtuMethod);
  const maxMtu = v.integer('maxMtu', opts.maxMtu ?? 1500, 68, 65535);
  const wait = v.integer('wait', opts.wait ?? 1, 1, 30);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  const ns = opts.netns !== undefined ? { netns: opts.netns } : {};
  const transcript: Transcript[] = [];
  const probes: MtuProbe[] = [];
  // IP + ICMP header bytes on top of the ping payload.
  const overhead = net.isIP(host) === 6 ? 48 : 28;
  const probe = async (payload: number): Promise<boolean> => {
    const t = await run(['ping', '-n', '-c', '1', '-W', String(wait), '-M', 'do', '-s', String(payload), '--', host], { timeoutMs: (wait + 5) * 1000, ...ns });
    transcript.push(t);
    const passed = t.exitCode === 0;
    probes.push({ payload, packet: payload + overhead, passed, mtuHint: mtuHint(t) });
    return passed;
  };
  let largest: number | null = null;
  let smallestFail: number | null = null;
  if (method !== 'tracepath') {
    let hi = maxMtu - overhead; // candidate payloads are in (lo, hi]
    if (await probe(hi)) largest = hi;
    else {
      smallestFail = hi + overhead;
      const first = probes[0]?.mtuHint;
      let lo = 0;
      if (!(await probe(0))) lo = -1;
      else largest = 0;
      if (lo >= 0) {
        // A reported MTU is a good first guess: check it and its neighbour, then bisect the rest.
        if (first && first - overhead > lo && first - overhead < hi) {
          if (await probe(first - overhead)) {
            lo = first - overhead;
            largest = lo;
            // Usually the hint is exact: one more byte must fail, and the search is over.
            if (lo + 1 < hi && !(await probe(lo + 1))) {
              hi = lo + 1;
              smallestFail = hi + overhead;
            }
          } else {
            hi = first - overhead;
            smallestFail = first;
          }
        }
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (await probe(mid)) {
            lo = mid;
            largest = mid;
          } else {
            hi = mid;
            smallestFail = mid + overhead;
          }
        }
      }
    }
  }
  let tp: TracepathData | null = null;
  if (method !== 'ping') {
    const t = await run(['tracepath', '-n', '-l', String(maxMtu), '-m', '30', '--', host], { timeoutMs: opts.timeoutMs ?? 60_000, ...ns });
    transcript.push(t);
    tp = parseTracepath(t.stdout);
  }
  const pm = largest !== null ? largest + overhead : (tp?.pmtu ?? null);
  const data: PathMtuData = {
    target: host,
    pathMtu: pm,
    largestPayload: largest,
    smallestFailing: smallestFail,
    probes,
    tracepath: tp,
    reduced: pm !== null && pm < maxMtu,
    blackHole: largest !== null && largest + overhead < maxMtu && probes.some((p) => !p.passed) && probes.every((p) => p.passed || p.mtuHint === null),
  };
  let error: StepError | undefined;
  if (method !== 'tracepath' && largest === null) error = err('unreachable', message.mtuUnreachable(host));
  else if (method === 'tracepath' && tp && !tp.reached) error = err('unreached', message.tracerouteUnreached(host));
  return makeResult('path-mtu', { ok: !error, data, ...(error ? { error } : {}), transcript }, showMtu);
}
