/**
 * BIRD 2 for the looking-glass steps (bgp.ts): `birdc` and pure parsers of its TEXT output
 * (BIRD has no JSON) into the same shapes as FRR's (BgpPath, BgpNeighbor, RpkiCache, RouterVrp).
 *
 * What each step asks BIRD (always `birdc -r -s SOCKET`: restricted mode, only `show` commands):
 *   routes   show protocols all                       (BGP peers' addresses, the RPKI protocols' ROA tables)
 *            show route table master4 all             (every path with its attributes)
 *            show route table master4 where roa_check(r4, net, bgp_path.last) = ROA_VALID   (and ROA_INVALID)
 *   route    show route for ADDR table master4 all | show route PREFIX ... all, `in PREFIX` for longer
 *   neighbors show status (the server's clock, for uptimes) + show protocols all
 *   rpki     show protocols all (RPKI protocols = caches) + show route table r4 / r6 (the ROAs)
 *
 * RPKI: BIRD keeps no per-route validation state. When an RPKI protocol feeds ROA tables, the
 * state is asked with `roa_check()` in a `where` filter at query time (the same function filters
 * use), keyed per prefix and protocol; a route in neither answer is "notfound". Without an RPKI
 * protocol (or with static ROA tables only: pass `roaTable`) the states are null.
 *
 * Not available from BIRD (left null): FRR's `weight`, connection established/dropped counters,
 * the exact time of a path older than ~20 h (BIRD then prints only its date; `since` keeps what
 * BIRD printed, `lastUpdate` is the epoch only when BIRD printed a full date and time), and
 * uptimes of sessions up for more than ~20 h (same reason). AS numbers in an AS_SET are kept in
 * order, as for FRR; the origin AS of a path ending in a set is null.
 */
import type { BgpNeighbor, BgpPath, RouterVrp, RpkiCache, RpkiState } from './bgp.js';

/** One protocol of `show protocols all`. */
export interface BirdProtocol {
  name: string;
  /** BGP, RPKI, Static, Device, Direct, Kernel, OSPF, ... */
  proto: string;
  table: string | null;
  /** up, down, start, stop, ... */
  state: string;
  since: string;
  info: string;
  /** "Key: value" lines of the protocol block (first occurrence; channel lines excluded). */
  attrs: Record<string, string>;
  channels: BirdChannel[];
}

export interface BirdChannel {
  name: string;
  state: string | null;
  table: string | null;
  imported: number | null;
  exported: number | null;
  preferred: number | null;
  /** Routes rejected by the import filter ("filtered" column of "Import updates"). */
  importFiltered: number | null;
}

/** A syntax problem in birdc output, with the 1-based line. */
export class BirdParseError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    why: string,
  ) {
    super(`line ${line}: ${why}: ${JSON.stringify(text.slice(0, 120))}`);
  }
}

/** Lines of birdc output without its banner ("BIRD 2.0.12 ready.", "Access restricted"). */
function bodyLines(text: string): { n: number; s: string }[] {
  return text
    .split('\n')
    .map((s, i) => ({ n: i + 1, s: s.replace(/\r$/, '') }))
    .filter((l) => !/^BIRD [\w.+-]+ ready\.$/.test(l.s) && l.s !== 'Access restricted');
}

/** BIRD's AS path ("64510 64500", "64510 {64501 64502}") to numbers. */
export function birdAsPath(text: string): { path: number[]; endsInSet: boolean } {
  const path: number[] = [];
  let endsInSet = false;
  for (const m of text.matchAll(/\{([^}]*)\}|(\d+)/g)) {
    if (m[1] !== undefined) {
      for (const n of m[1].split(/[\s,]+/).filter(Boolean)) if (/^\d+$/.test(n)) path.push(Number(n));
      endsInSet = true;
    } else {
      path.push(Number(m[2]));
      endsInSet = false;
    }
  }
  return { path, endsInSet };
}

/** "(64510,100) (65535,666)" -> ["64510:100", "65535:666"]; large "(64510, 1, 2)" -> "64510:1:2". */
export function birdCommunities(text: string): string[] {
  return [...text.matchAll(/\(([^)]*)\)/g)].map((m) => (m[1] ?? '').split(',').map((x) => x.trim()).join(':'));
}

// "203.0.113.0/24       unicast [up 08:28:39.687 from 10.216.4.1] * (100) [AS64500i]"
// "                     unicast [peer 2026-12-01] (100/20) [AS64500i]"     (a further path of the prefix)
// "10.0.0.0/8           unicast [ospf1 08:00:00.000] * I (150/20) [10.0.0.1]" (OSPF: a type letter)
const ROUTE_LINE = /^(\S+)?\s+([a-z]+)\s+\[(\S+)\s+([^\]]*?)(?:\s+from\s+(\S+))?\]\s+(\*\s+)?(?:[A-Z][A-Z0-9-]*\s+)?\((\d+)(?:\/([^)]*))?\)(?:\s+\[([^\]]*)\])?\s*$/;

function sinceEpoch(s: string): number | null {
  // Only a full date and time is an instant; a bare time of day or a bare date is not.
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?$/.exec(s);
  if (!m) return null;
  const t = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}`);
  return Number.isFinite(t) ? Math.floor(t / 1000) : null;
}

/**
 * `show route [...] [all]` (any table, any filter) to paths. `peers` maps a BGP protocol name to
 * its neighbor address (from `show protocols all`), used when BIRD does not print `from ADDR`
 * (it does only when the next hop differs from the peer). Tables other than unicast ones (ROA
 * tables) are skipped: use parseBirdRoa for them.
 */
export function parseBirdRoutes(text: string, peers: ReadonlyMap<string, string> = new Map()): { tables: string[]; paths: BgpPath[] } {
  const paths: BgpPath[] = [];
  const tables: string[] = [];
  let prefix: string | null = null;
  let cur: (BgpPath & { gateways: string[] }) | null = null;
  let skipTable = false;
  for (const { n, s } of bodyLines(text)) {
    // BIRD's answer (code 8001) when nothing matches `for`/a prefix: no routes, not a syntax problem
    if (s.trim() === '' || s === 'Network not found') continue;
    const t = /^Table (\S+):$/.exec(s);
    if (t) {
      tables.push(t[1] as string);
      prefix = null;
      cur = null;
      skipTable = false;
      continue;
    }
    if (skipTable) continue;
    if (!/^\s/.test(s) || /^\s+[a-z]+\s+\[/.test(s)) {
      // a route line: a new prefix, or a further path of the last one
      if (!/^\s/.test(s) && /^\S+-\d+\s+AS\d+/.test(s)) {
        skipTable = true; // a ROA table ("192.0.2.0/23-23 AS64500  [rpki1 ...]")
        continue;
      }
      const m = ROUTE_LINE.exec(s);
      if (!m) throw new BirdParseError(n, s, 'not a BIRD route line');
      if (m[1] !== undefined) prefix = m[1];
      if (prefix === null) throw new BirdParseError(n, s, 'a further path before any prefix');
      const proto = m[3] as string;
      const summary = m[9] ?? '';
      // "[AS64500i]" is BIRD's summary: origin AS and origin letter; the attributes below refine it.
      const sm = /^(?:AS(\d+))?([ie?])$/.exec(summary);
      const since = (m[4] as string).trim();
      cur = {
        prefix,
        best: m[6] !== undefined,
        valid: true,
        asPath: [],
        asPathText: '',
        originAs: sm?.[1] ? Number(sm[1]) : null,
        peer: m[5] ?? peers.get(proto) ?? null,
        nextHop: null,
        origin: sm ? ({ i: 'IGP', e: 'EGP', '?': 'Incomplete' } as const)[sm[2] as 'i' | 'e' | '?'] : '',
        weight: null,
        metric: null,
        localPref: null,
        rpki: null,
        lastUpdate: sinceEpoch(since),
        routeType: m[2] as string,
        protocol: proto,
        since,
        preference: Number(m[7]),
        gateways: [],
      };
      paths.push(cur);
      continue;
    }
    if (!cur) throw new BirdParseError(n, s, 'an attribute line before any route');
    const line = s.trim();
    const via = /^via (\S+)(?: on (\S+))?/.exec(line);
    if (via) {
      cur.gateways.push(via[1] as string);
      if (cur.nextHop === null) cur.nextHop = via[1] as string;
      continue;
    }
    if (/^dev \S+/.test(line) || /^Type: /.test(line)) continue;
    const kv = /^([A-Za-z0-9_.]+): ?(.*)$/.exec(line);
    if (!kv) continue; // unknown attribute formats are BIRD's to add; nothing we map
    const [, key, value] = kv as unknown as [string, string, string];
    switch (key) {
      case 'BGP.as_path': {
        const { path, endsInSet } = birdAsPath(value);
        cur.asPath = path;
        cur.asPathText = value.trim();
        cur.originAs = path.length && !endsInSet ? (path[path.length - 1] as number) : null;
        break;
      }
      case 'BGP.origin':
        cur.origin = value.trim();
        break;
      case 'BGP.next_hop':
        // "fd16:4::1 fe80::..." (global and link-local): the global one is the next hop
        cur.nextHop = value.trim().split(/\s+/)[0] ?? cur.nextHop;
        break;
      case 'BGP.med':
        cur.metric = Number(value);
        break;
      case 'BGP.local_pref':
        cur.localPref = Number(value);
        break;
      case 'BGP.community':
        cur.communities = birdCommunities(value);
        break;
      case 'BGP.large_community':
        cur.largeCommunities = birdCommunities(value);
        break;
      default:
        break;
    }
  }
  return { tables, paths };
}

/** `show route table R` of a ROA table ("192.0.2.0/23-23 AS64500  [rpki1 ...] * (100)") to VRPs. */
export function parseBirdRoa(text: string): RouterVrp[] {
  const out: RouterVrp[] = [];
  for (const { n, s } of bodyLines(text)) {
    if (s.trim() === '' || /^Table \S+:$/.test(s) || /^\s/.test(s)) continue;
    const m = /^(\S+)\/(\d+)-(\d+) AS(\d+)\s/.exec(s);
    if (!m) throw new BirdParseError(n, s, 'not a ROA entry (prefix/len-max ASnnn)');
    out.push({ prefix: `${m[1]}/${m[2]}`, maxLength: Number(m[3]), asn: Number(m[4]) });
  }
  return out.sort((a, b) => a.prefix.localeCompare(b.prefix) || a.asn - b.asn || a.maxLength - b.maxLength);
}

const counter = (s: string | undefined): number | null => (s === undefined || !/^\d+$/.test(s) ? null : Number(s));

/** `show protocols all` (or `show protocols`) to protocols with their attributes and channels. */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  let cur: BirdProtocol | null = null;
  let ch: BirdChannel | null = null;
  for (const { n, s } of bodyLines(text)) {
    if (s.trim() === '' || /^Name\s+Proto\s+Table\s+State\s+Since\s+Info/.test(s)) continue;
    if (!/^\s/.test(s)) {
      const f = s.trim().split(/\s+/);
      if (f.length < 5) throw new BirdParseError(n, s, 'not a protocol line (name proto table state since info)');
      const [name, proto, table, state, since, ...info] = f as [string, string, string, string, string, ...string[]];
      cur = { name, proto, table: table === '---' ? null : table, state, since, info: info.join(' '), attrs: {}, channels: [] };
      ch = null;
      out.push(cur);
      continue;
    }
    if (!cur) throw new BirdParseError(n, s, 'a detail line before any protocol');
    const line = s.trim();
    const c = /^Channel (\S+)$/.exec(line);
    if (c) {
      ch = { name: c[1] as string, state: null, table: null, imported: null, exported: null, preferred: null, importFiltered: null };
      cur.channels.push(ch);
      continue;
    }
    if (ch) {
      const r = /^Routes:\s+(\d+) imported, (?:(\d+) filtered, )?(\d+) exported(?:, (\d+) preferred)?/.exec(line);
      if (r) {
        ch.imported = counter(r[1]);
        ch.exported = counter(r[3]);
        ch.preferred = counter(r[4]);
        continue;
      }
      const u = /^Import updates:\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
      if (u) {
        ch.importFiltered = counter(u[3]);
        continue;
      }
      const kv = /^(State|Table):\s+(.*)$/.exec(line);
      if (kv) {
        if (kv[1] === 'State') ch.state = (kv[2] as string).trim();
        else ch.table = (kv[2] as string).trim();
      }
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9 ]*?)\s*:\s*(.*)$/.exec(line);
    if (kv && !((kv[1] as string) in cur.attrs)) cur.attrs[kv[1] as string] = (kv[2] as string).trim();
  }
  return out;
}

/** "Current server time is 2026-12-02 08:29:14.878" from `show status`, as that text. */
export function parseBirdStatusTime(text: string): string | null {
  const m = /Current server time is (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)/.exec(text);
  return m ? (m[1] as string) : null;
}

/** Milliseconds from BIRD's "Since" (time of day, < ~20 h ago) to the server's own time, or null. */
export function birdUptimeMs(since: string, serverTime: string | null): number | null {
  if (!serverTime) return null;
  const tod = (t: string) => {
    const m = /^(\d\d):(\d\d):(\d\d)(\.\d+)?$/.exec(t);
    return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Math.round(Number(m[4] ?? 0) * 1000) : null;
  };
  const full = sinceEpoch(since);
  if (full !== null) {
    const now = sinceEpoch(serverTime.split('.')[0] as string);
    return now === null ? null : (now - full) * 1000;
  }
  const a = tod(since);
  const b = tod(serverTime.split(' ')[1] ?? '');
  if (a === null || b === null) return null;
  return (b - a + 86_400_000) % 86_400_000;
}

/** BGP protocols of `show protocols all` as neighbors (the FRR shape; see the module comment for what is null). */
export function birdNeighbors(protocols: readonly BirdProtocol[], serverTime: string | null = null): BgpNeighbor[] {
  return protocols
    .filter((p) => p.proto === 'BGP')
    .map((p): BgpNeighbor => {
      const state = p.attrs['BGP state'] ?? p.info.split(/\s+/)[0] ?? p.state;
      const established = state === 'Established';
      const sum = (k: 'imported' | 'exported') => (p.channels.length ? p.channels.reduce((s, c) => s + (c[k] ?? 0), 0) : null);
      const asn = (k: string) => (p.attrs[k] && /^\d+$/.test(p.attrs[k] as string) ? Number(p.attrs[k]) : null);
      return {
        address: p.attrs['Neighbor address'] ?? '',
        hostname: p.attrs.Hostname ?? null,
        remoteAs: asn('Neighbor AS'),
        localAs: asn('Local AS'),
        remoteRouterId: p.attrs['Neighbor ID'] ?? null,
        state,
        established,
        uptimeMs: established ? birdUptimeMs(p.since, serverTime) : null,
        prefixesAccepted: sum('imported'),
        prefixesSent: sum('exported'),
        connectionsEstablished: null,
        connectionsDropped: null,
        lastResetDueTo: p.attrs['Last error'] ?? null,
        protocol: p.name,
      };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** RPKI protocols of `show protocols all` as RTR caches. */
export function birdRpkiCaches(protocols: readonly BirdProtocol[]): RpkiCache[] {
  return protocols
    .filter((p) => p.proto === 'RPKI')
    .map((p) => ({
      mode: /SSH/i.test(p.attrs.Transport ?? '') ? 'ssh' : 'tcp',
      host: p.attrs['Cache server'] ?? '',
      port: counter(p.attrs['Cache port']),
      preference: null,
      // FRR's word for a working session, so `connected` means the same for both daemons
      state: (p.attrs.Status ?? p.info) === 'Established' ? 'connected' : (p.attrs.Status ?? p.info ?? p.state).toLowerCase(),
    }));
}

/** The ROA tables the RPKI protocols fill, per address family. */
export function birdRoaTables(protocols: readonly BirdProtocol[]): { ipv4: string[]; ipv6: string[] } {
  const out = { ipv4: [] as string[], ipv6: [] as string[] };
  for (const p of protocols)
    if (p.proto === 'RPKI')
      for (const c of p.channels) {
        if (!c.table) continue;
        if (c.name === 'roa4' && !out.ipv4.includes(c.table)) out.ipv4.push(c.table);
        if (c.name === 'roa6' && !out.ipv6.includes(c.table)) out.ipv6.push(c.table);
      }
  return out;
}

/** BGP protocol name -> neighbor address. */
export function birdPeers(protocols: readonly BirdProtocol[]): Map<string, string> {
  return new Map(protocols.filter((p) => p.proto === 'BGP' && p.attrs['Neighbor address']).map((p) => [p.name, p.attrs['Neighbor address'] as string]));
}

/** The key under which routes.ts matches a path of the full listing with the `where roa_check` listings. */
export const birdPathKey = (p: BgpPath): string => `${p.prefix} ${p.protocol ?? ''}`;

/** Apply the per-state `where roa_check(...)` listings to paths; null listings leave the states null. */
export function withBirdRpki(paths: BgpPath[], listings: Partial<Record<'valid' | 'invalid', BgpPath[]>> | null): BgpPath[] {
  if (!listings) return paths;
  const states = new Map<string, RpkiState>();
  for (const s of ['valid', 'invalid'] as const) for (const p of listings[s] ?? []) states.set(birdPathKey(p), s);
  return paths.map((p) => ({ ...p, rpki: p.protocol !== undefined && (p.asPathText !== '' || p.originAs !== null) ? states.get(birdPathKey(p)) ?? 'notfound' : p.rpki }));
}

/** The failure text of a birdc run that exited non-zero ("Network not found", "syntax error", ...). */
export function birdFailureLine(stdout: string, stderr: string): string {
  const lines = bodyLines(`${stdout}\n${stderr}`).map((l) => l.s.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
