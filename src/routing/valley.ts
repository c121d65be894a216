/**
 * Valley-free (Gao-Rexford) checks of AS paths against AS relationships, to spot route leaks
 * (RFC 7908): an AS that passes a route learned from a provider or a peer on to another provider
 * or peer. Relationships come in CAIDA's as-rel format, one link a line:
 *
 *   <provider-as>|<customer-as>|-1     (p2c)
 *   <peer-as>|<peer-as>|0              (p2p)
 *
 * `#` starts a comment; serial-2 files add a fourth field (the inference source), which is ignored.
 *
 * A route travels from its origin (the last AS of the path) to the vantage point (the first).
 * Seen in that direction each link goes **up** (customer to provider), **across** (peer to peer)
 * or **down** (provider to customer), and a valley-free path is up* across? down*. The AS where a
 * path turns back up or across after going across or down is the leaker.
 */
import { ROUTE_FIELD as F } from './table.js';

export type Rel = 'p2c' | 'c2p' | 'p2p';
export type LinkDir = 'up' | 'across' | 'down' | 'unknown';
export type LeakKind = 'provider-to-provider' | 'provider-to-peer' | 'peer-to-provider' | 'peer-to-peer';

export interface AsRelIssue {
  line: number;
  text: string;
  reason: string;
}

/** AS relationships: for a pair (a, b), what a is to b. */
export class AsRelationships {
  private readonly rel = new Map<string, Rel>();
  /** Malformed lines (reported, not loaded). */
  readonly issues: AsRelIssue[] = [];
  /** Links loaded. */
  size = 0;

  /** What `a` is to `b`: 'p2c' (a is b's provider), 'c2p' (a is b's customer), 'p2p', or null when unknown. */
  get(a: number, b: number): Rel | null {
    return this.rel.get(`${a}|${b}`) ?? null;
  }

  set(a: number, b: number, r: Rel): void {
    if (!this.rel.has(`${a}|${b}`)) this.size++;
    this.rel.set(`${a}|${b}`, r);
    this.rel.set(`${b}|${a}`, r === 'p2c' ? 'c2p' : r === 'c2p' ? 'p2c' : 'p2p');
  }
}

const ASN_RE = /^(?:AS)?(\d{1,10})$/i;

function asn(s: string): number | null {
  const m = ASN_RE.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return n <= 0xffffffff ? n : null;
}

/** Parses CAIDA as-rel text; malformed lines are listed in `issues` with their line numbers, the rest load. */
export function parseAsRel(text: string): AsRelationships {
  const rels = new AsRelationships();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const f = line.split('|');
    const bad = (reason: string) => rels.issues.push({ line: i + 1, text: raw.slice(0, 120), reason });
    if (f.length < 3) return bad('expected a|b|-1 or a|b|0');
    const a = asn(f[0] as string);
    const b = asn(f[1] as string);
    if (a === null) return bad(`malformed ASN '${(f[0] as string).trim()}'`);
    if (b === null) return bad(`malformed ASN '${(f[1] as string).trim()}'`);
    if (a === b) return bad(`AS${a} related to itself`);
    const r = (f[2] as string).trim();
    if (r === '-1') rels.set(a, b, 'p2c');
    else if (r === '0') rels.set(a, b, 'p2p');
    else return bad(`relationship '${r}' (expected -1 for provider|customer or 0 for peers)`);
  });
  return rels;
}

export interface PathLink {
  /** The AS that sent the route ... */
  from: number;
  /** ... to this one (one step towards the vantage point). */
  to: number;
  dir: LinkDir;
}

export interface PathLeak {
  /** The AS that passed the route on against its relationships. */
  leaker: number;
  receivedFrom: number;
  sentTo: number;
  kind: LeakKind;
}

export interface ValleyCheck {
  /** The path without prepending (consecutive repeats), vantage point first, as in BGP. */
  path: number[];
  /** Links in propagation order (origin first). */
  links: PathLink[];
  /** true: valley-free; false: at least one leak; null: no leak found but some links unknown. */
  valleyFree: boolean | null;
  leaks: PathLeak[];
  unknownLinks: number;
}

const dirOf = (from: number, to: number, rels: AsRelationships): LinkDir => {
  const r = rels.get(from, to);
  return r === 'c2p' ? 'up' : r === 'p2c' ? 'down' : r === 'p2p' ? 'across' : 'unknown';
};

/**
 * Valley-free check of one AS path (vantage point first, origin last, as BGP and MRT carry it).
 * Each AS with a known link on both sides is checked: one that received the route from a
 * provider or a peer must send it only to customers.
 */
export function valleyFree(asPath: readonly number[], rels: AsRelationships): ValleyCheck {
  const path: number[] = [];
  for (const a of asPath) if (path[path.length - 1] !== a) path.push(a);
  const order = [...path].reverse(); // origin first
  const links: PathLink[] = [];
  for (let i = 0; i + 1 < order.length; i++) links.push({ from: order[i] as number, to: order[i + 1] as number, dir: dirOf(order[i] as number, order[i + 1] as number, rels) });
  const leaks: PathLeak[] = [];
  for (let i = 0; i + 1 < links.length; i++) {
    const inn = links[i] as PathLink;
    const out = links[i + 1] as PathLink;
    // the route came in from a provider (down) or a peer (across) and went out to a provider (up) or a peer (across)
    if ((inn.dir === 'down' || inn.dir === 'across') && (out.dir === 'up' || out.dir === 'across')) {
      const kind: LeakKind = `${inn.dir === 'down' ? 'provider' : 'peer'}-to-${out.dir === 'up' ? 'provider' : 'peer'}`;
      leaks.push({ leaker: inn.to, receivedFrom: inn.from, sentTo: out.to, kind });
    }
  }
  const unknownLinks = links.filter((l) => l.dir === 'unknown').length;
  return { path, links, valleyFree: leaks.length ? false : unknownLinks ? null : true, leaks, unknownLinks };
}

export interface LeakRow {
  timestamp: number;
  peer: string;
  prefix: string;
  asPath: number[];
  leaker: number;
  receivedFrom: number;
  sentTo: number;
  kind: LeakKind;
}

export interface LeakReport {
  /** Routes (announcements and RIB entries) checked. */
  checked: number;
  valleyFree: number;
  /** Routes with a link of unknown relationship and no leak found. */
  incomplete: number;
  leaks: LeakRow[];
  /** Leaks grouped by the leaking AS, most routes first. */
  leakers: { leaker: number; routes: number; prefixes: number; kinds: LeakKind[] }[];
}

/** Valley-free check of every announced route of an MRT route table (see ROUTE_FIELD). */
export function routeLeaks(routes: { numRows(): number; array(name: string): ArrayLike<unknown> }, rels: AsRelationships, opts: { prefix?: (p: string) => boolean } = {}): LeakReport {
  const n = routes.numRows();
  const action = routes.array(F.action);
  const path = routes.array(F.asPath);
  const prefix = routes.array(F.prefix);
  const ts = routes.array(F.timestamp);
  const peer = routes.array(F.peer);
  const out: LeakReport = { checked: 0, valleyFree: 0, incomplete: 0, leaks: [], leakers: [] };
  const by = new Map<number, { routes: number; prefixes: Set<string>; kinds: Set<LeakKind> }>();
  for (let i = 0; i < n; i++) {
    const a = action[i];
    const p = path[i];
    const pf = prefix[i];
    if ((a !== 'announce' && a !== 'rib') || !Array.isArray(p) || typeof pf !== 'string') continue;
    if (opts.prefix && !opts.prefix(pf)) continue;
    out.checked++;
    const c = valleyFree(p as number[], rels);
    if (c.valleyFree === true) out.valleyFree++;
    else if (c.valleyFree === null) out.incomplete++;
    for (const l of c.leaks) {
      out.leaks.push({ timestamp: Number(ts[i]), peer: String(peer[i]), prefix: pf, asPath: c.path, ...l });
      const e = by.get(l.leaker) ?? { routes: 0, prefixes: new Set<string>(), kinds: new Set<LeakKind>() };
      e.routes++;
      e.prefixes.add(pf);
      e.kinds.add(l.kind);
      by.set(l.leaker, e);
    }
  }
  out.leakers = [...by].map(([leaker, e]) => ({ leaker, routes: e.routes, prefixes: e.prefixes.size, kinds: [...e.kinds].sort() })).sort((x, y) => y.routes - x.routes || x.leaker - y.leaker);
  return out;
}
