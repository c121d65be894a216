/**
 * Looking-glass steps over a real router: FRR through `vtysh -c '... json'`, optionally inside a
 * network namespace (`ip netns exec NS vtysh ...`) and with FRR's pathspace (`vtysh -N NAME`),
 * as a router started with `-N NAME` listens on /var/run/frr/NAME/.
 *
 *   bgp.routes({ afi, rpki, ... })        kind 'bgp-routes'    every route of the table, each path with
 *                                                              its RPKI state (valid/invalid/notfound)
 *   bgp.route('203.0.113.7' | '203.0.113.0/24', { longer })     kind 'bgp-route'
 *                                                              best match with every path in detail
 *                                                              (and the more-specifics with `longer`)
 *   bgp.neighbors()                        kind 'bgp-neighbors' sessions: AS, state, uptime, prefixes
 *   bgp.rpki()                             kind 'bgp-rpki'     RTR caches and the VRPs the router holds
 *
 * RPKI state of table routes: FRR prints it only in the per-prefix detail, so routes() asks the
 * table twice more, filtered with `rpki valid` and `rpki invalid`; a route in neither is
 * "notfound" (FRR 8.4's `rpki notfound` filter lists every route, valid ones included, so it is
 * not used). Without the rpki module loaded the states are null.
 *
 * BIRD 2: `{ daemon: 'bird', socket: '/run/bird/bird.ctl' }` (a `socket` alone implies BIRD; FRR
 * stays the default, nothing is guessed because one host may run both) makes the same four steps
 * ask `birdc -r` and parse its text into the same shapes; BIRD-only details (protocol, route
 * type, communities, gateways, since) are extra optional fields of BgpPath. How RPKI states are
 * obtained from BIRD (roa_check at query time) and what BIRD cannot tell is in bird.ts.
 *
 * Parsers are pure and exported: parseFrrTable, parseFrrRouteDetail, parseFrrNeighbors,
 * parseFrrRpkiTable, parseFrrRpkiCaches; parseBirdRoutes, parseBirdProtocols, parseBirdRoa (bird.ts).
 */
import { StepInputError } from './errors.js';
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import { birdFailureLine, birdNeighbors, birdPeers, birdRoaTables, birdRpkiCaches, parseBirdProtocols, parseBirdRoa, parseBirdRoutes, parseBirdStatusTime, withBirdRpki, type BirdProtocol } from './bird.js';
import * as v from './validate.js';

export type RpkiState = 'valid' | 'invalid' | 'notfound';
export type Afi = 'ipv4' | 'ipv6';

export interface BgpPath {
  prefix: string;
  /** Selected as best path. */
  best: boolean;
  valid: boolean;
  /** AS path as numbers (AS_SET members included in order); [] for a locally originated route. */
  asPath: number[];
  asPathText: string;
  /** Last AS of the path, or null for a local route or a path ending in an AS_SET. */
  originAs: number | null;
  /** Peer the path came from, null when local. */
  peer: string | null;
  nextHop: string | null;
  origin: string;
  weight: number | null;
  metric: number | null;
  localPref: number | null;
  /** RPKI origin validation state as FRR computed it, null when unknown (no rpki module). */
  rpki: RpkiState | null;
  /** Unix seconds of the last update (FRR: detail view only; BIRD: only when it printed date and time). */
  lastUpdate: number | null;
  // BIRD only (absent for FRR):
  /** Route type: unicast, unreachable, blackhole, prohibit. */
  routeType?: string;
  /** The BIRD protocol the path came from (`up`, `static1`, ...). */
  protocol?: string;
  /** The time BIRD printed for the path, as printed ("08:28:39.687", "2026-11-30"). */
  since?: string;
  /** BIRD's route preference (100 for BGP by default). */
  preference?: number;
  /** Standard communities as "ASN:value". */
  communities?: string[];
  /** Large communities as "ASN:data1:data2". */
  largeCommunities?: string[];
  /** Every gateway (`via`) of the path: more than one for ECMP; [] for unreachable/blackhole. */
  gateways?: string[];
}

export interface BgpRoutesData {
  routerId: string | null;
  localAs: number | null;
  afi: Afi;
  /** Every path, sorted by prefix then best first. */
  paths: BgpPath[];
  /** Number of distinct prefixes. */
  prefixes: number;
  /** Counts of best paths per RPKI state (null states not counted). */
  rpkiCounts: Record<RpkiState, number>;
}

export interface BgpRouteData {
  /** What was asked (address or prefix). */
  query: string;
  /** The matching prefix in the table (longest match for an address), or null when none. */
  prefix: string | null;
  paths: BgpPath[];
  /** Routes more specific than `prefix` (with `longer: true`), excluding `prefix` itself. */
  moreSpecifics: BgpPath[] | null;
}

export interface BgpNeighbor {
  address: string;
  hostname: string | null;
  remoteAs: number | null;
  localAs: number | null;
  remoteRouterId: string | null;
  state: string;
  established: boolean;
  uptimeMs: number | null;
  prefixesAccepted: number | null;
  prefixesSent: number | null;
  connectionsEstablished: number | null;
  connectionsDropped: number | null;
  lastResetDueTo: string | null;
  /** BIRD only: the name of the BGP protocol of this session. */
  protocol?: string;
}

export interface BgpNeighborsData {
  neighbors: BgpNeighbor[];
  established: number;
}

export interface RpkiCache {
  mode: string;
  host: string;
  port: number | null;
  preference: number | null;
  state: string;
}

export interface RouterVrp {
  prefix: string;
  maxLength: number;
  asn: number;
}

export interface BgpRpkiData {
  caches: RpkiCache[];
  connected: boolean;
  vrps: RouterVrp[];
}

export interface BgpOptions {
  /**
   * Which routing daemon answers: 'frr' (vtysh JSON, the default) or 'bird' (birdc text). Giving
   * `socket` implies 'bird'. Nothing is auto-detected: the same host may run both.
   */
  daemon?: 'frr' | 'bird';
  /** BIRD's control socket (`birdc -s`; default /run/bird/bird.ctl). */
  socket?: string;
  /** BIRD: the routing table to show (default master4 / master6 by address family). */
  table?: string;
  /** BIRD: the ROA table for RPKI states (default: the table the RPKI protocol fills for the family). */
  roaTable?: string;
  /** Network namespace the router lives in. */
  netns?: string;
  /** FRR pathspace (`-N`) of the router's daemons. */
  pathspace?: string;
  /** Per vtysh call (default 15000). */
  timeoutMs?: number;
}

export interface BgpRoutesOptions extends BgpOptions {
  afi?: Afi;
  /** Only routes in this RPKI state. */
  rpki?: RpkiState;
  /** Ask for the RPKI state of each route (default true; two more vtysh calls). */
  rpkiStates?: boolean;
}

export interface BgpRouteOptions extends BgpOptions {
  /** Also list the more-specific routes of the prefix (`longer-prefixes`). */
  longer?: boolean;
}

// ---------- input ----------

const PREFIX_OR_ADDR = /^[0-9A-Fa-f:.]+(?:\/\d{1,3})?$/;

/** An address or prefix; returns it with its address family. */
function prefixOrAddress(what: string, input: unknown): { text: string; afi: Afi; isPrefix: boolean } {
  const s = v.basic(what, input, 64);
  if (!PREFIX_OR_ADDR.test(s)) throw new StepInputError(what, s, message.badPrefixOrAddress);
  const [addr, len] = s.split('/') as [string, string | undefined];
  let ipText: string;
  try {
    ipText = v.ip(what, addr);
  } catch {
    throw new StepInputError(what, s, message.badPrefixOrAddress);
  }
  const afi: Afi = ipText.includes(':') ? 'ipv6' : 'ipv4';
  if (len !== undefined && Number(len) > (afi === 'ipv4' ? 32 : 128)) throw new StepInputError(what, s, message.badPrefixOrAddress);
  return { text: s, afi, isPrefix: len !== undefined };
}

function checkCommon(opts: BgpOptions): void {
  if (opts.daemon !== undefined && opts.daemon !== 'frr' && opts.daemon !== 'bird') throw new StepInputError('daemon', String(opts.daemon), message.badDaemon);
  if (opts.socket !== undefined) v.filePath('socket', opts.socket);
  for (const k of ['table', 'roaTable'] as const) if (opts[k] !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(v.basic(k, opts[k], 64))) throw new StepInputError(k, String(opts[k]), message.badBirdTable);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  if (opts.pathspace !== undefined) v.netns('pathspace', opts.pathspace);
  if (opts.timeoutMs !== undefined) v.integer('timeoutMs', opts.timeoutMs, 100, 600_000);
}

function checkAfi(afi: unknown): Afi {
  if (afi === undefined || afi === 'ipv4' || afi === 'ipv6') return (afi as Afi | undefined) ?? 'ipv4';
  throw new StepInputError('afi', String(afi), message.badAfi);
}

function checkRpki(what: string, s: unknown): RpkiState | undefined {
  if (s === undefined || s === 'valid' || s === 'invalid' || s === 'notfound') return s as RpkiState | undefined;
  throw new StepInputError(what, String(s), message.badRpkiState);
}

function vtysh(command: string, opts: BgpOptions): Promise<Transcript> {
  const argv = ['vtysh', ...(opts.pathspace !== undefined ? ['-N', opts.pathspace] : []), '-c', command];
  return run(argv, { timeoutMs: opts.timeoutMs ?? 15_000, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) });
}

// ---------- pure parsers ----------

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/** Parse FRR JSON output; vtysh prints a trailing space/newline and sometimes "}  } ". */
export function parseFrrJson(text: string): Obj {
  const doc: unknown = JSON.parse(text);
  if (!isObj(doc)) throw new Error('not a JSON object');
  return doc;
}

/** AS path text as FRR prints it ("64510 64500", "64510 {64501,64502}") to numbers. */
export function asPathNumbers(text: string): { path: number[]; endsInSet: boolean } {
  const path: number[] = [];
  let endsInSet = false;
  for (const tok of text.trim().split(/\s+/).filter(Boolean)) {
    const set = /^[{[(]/.test(tok);
    for (const n of tok.replace(/[{}[\]()]/g, '').split(',').filter(Boolean)) if (/^\d+$/.test(n)) path.push(Number(n));
    endsInSet = set;
  }
  return { path, endsInSet };
}

function rpkiOf(x: unknown): RpkiState | null {
  if (x === 'valid' || x === 'invalid') return x;
  if (x === 'not found' || x === 'notfound' || x === 'not-found') return 'notfound';
  return null;
}

function tablePath(prefix: string, p: Obj): BgpPath {
  const pathText = str(p.path) ?? '';
  const { path, endsInSet } = asPathNumbers(pathText);
  const peer = str(p.peerId);
  const nh = Array.isArray(p.nexthops) ? (p.nexthops as unknown[]).find((n) => isObj(n) && n.used === true) ?? p.nexthops[0] : null;
  return {
    prefix,
    best: p.bestpath === true,
    valid: p.valid === true,
    asPath: path,
    asPathText: pathText,
    originAs: path.length && !endsInSet ? (path[path.length - 1] as number) : null,
    peer: peer && peer !== '(unspec)' ? peer : null,
    nextHop: isObj(nh) ? str(nh.ip) : null,
    origin: str(p.origin) ?? '',
    weight: num(p.weight),
    metric: num(p.metric),
    localPref: num(p.locPrf) ?? num(p.localpref) ?? num(p.localPref),
    rpki: rpkiOf(p.rpkiValidationState),
    lastUpdate: null,
  };
}

const prefixKey = (p: string): string => {
  const [a, l] = p.split('/') as [string, string];
  if (a.includes(':')) return `6 ${a} ${l.padStart(3, '0')}`;
  return `4 ${a.split('.').map((o) => o.padStart(3, '0')).join('.')} ${l.padStart(3, '0')}`;
};
const byPrefix = (a: BgpPath, b: BgpPath) => prefixKey(a.prefix).localeCompare(prefixKey(b.prefix)) || Number(b.best) - Number(a.best);

/** `show bgp <afi> unicast [...] json` (the table form) to paths. */
export function parseFrrTable(text: string): { routerId: string | null; localAs: number | null; paths: BgpPath[] } {
  const doc = parseFrrJson(text);
  const routes = isObj(doc.routes) ? doc.routes : {};
  const paths: BgpPath[] = [];
  for (const [prefix, list] of Object.entries(routes)) if (Array.isArray(list)) for (const p of list) if (isObj(p)) paths.push(tablePath(prefix, p));
  paths.sort(byPrefix);
  return { routerId: str(doc.routerId), localAs: num(doc.localAS), paths };
}

/** `show bgp <afi> unicast <address|prefix> json` (the detail form); prefix null when no route. */
export function parseFrrRouteDetail(text: string): { prefix: string | null; paths: BgpPath[] } {
  const doc = parseFrrJson(text);
  const prefix = str(doc.prefix);
  if (!prefix || !Array.isArray(doc.paths)) return { prefix: null, paths: [] };
  const paths = (doc.paths as unknown[]).filter(isObj).map((p): BgpPath => {
    const asp = isObj(p.aspath) ? p.aspath : {};
    const pathText = str(asp.string) ?? '';
    const { path, endsInSet } = asPathNumbers(pathText);
    const peerObj = isObj(p.peer) ? p.peer : {};
    const peer = str(peerObj.peerId);
    const nh = Array.isArray(p.nexthops) ? (p.nexthops as unknown[]).find((n) => isObj(n) && n.used === true) ?? p.nexthops[0] : null;
    const best = isObj(p.bestpath) ? p.bestpath.overall === true : p.bestpath === true;
    return {
      prefix,
      best,
      valid: p.valid === true,
      asPath: path,
      asPathText: pathText,
      originAs: path.length && !endsInSet ? (path[path.length - 1] as number) : null,
      peer: peer && peer !== '0.0.0.0' && peer !== '::' && peer !== '(unspec)' ? peer : null,
      nextHop: isObj(nh) ? str(nh.ip) : null,
      origin: str(p.origin) ?? '',
      weight: num(p.weight),
      metric: num(p.metric),
      localPref: num(p.locPrf) ?? num(p.localpref),
      rpki: rpkiOf(p.rpkiValidationState),
      lastUpdate: isObj(p.lastUpdate) ? num(p.lastUpdate.epoch) : null,
    };
  });
  paths.sort((a, b) => Number(b.best) - Number(a.best));
  return { prefix, paths };
}

/** `show bgp neighbors json`. */
export function parseFrrNeighbors(text: string): BgpNeighbor[] {
  const doc = parseFrrJson(text);
  const out: BgpNeighbor[] = [];
  for (const [address, n] of Object.entries(doc)) {
    if (!isObj(n)) continue;
    const afs = isObj(n.addressFamilyInfo) ? Object.values(n.addressFamilyInfo).filter(isObj) : [];
    const sum = (k: string) => (afs.length ? afs.reduce((s, a) => s + (num(a[k]) ?? 0), 0) : null);
    const state = str(n.bgpState) ?? 'unknown';
    out.push({
      address,
      hostname: str(n.hostname),
      remoteAs: num(n.remoteAs),
      localAs: num(n.localAs),
      remoteRouterId: str(n.remoteRouterId),
      state,
      established: state === 'Established',
      uptimeMs: state === 'Established' ? num(n.bgpTimerUpMsec) : null,
      prefixesAccepted: sum('acceptedPrefixCounter'),
      prefixesSent: sum('sentPrefixCounter'),
      connectionsEstablished: num(n.connectionsEstablished),
      connectionsDropped: num(n.connectionsDropped),
      lastResetDueTo: str(n.lastResetDueTo),
    });
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

/** `show rpki prefix-table json`. */
export function parseFrrRpkiTable(text: string): RouterVrp[] {
  const doc = parseFrrJson(text);
  const list = Array.isArray(doc.prefixes) ? (doc.prefixes as unknown[]).filter(isObj) : [];
  return list
    .map((p) => ({ prefix: `${str(p.prefix) ?? ''}/${num(p.prefixLenMin) ?? ''}`, maxLength: num(p.prefixLenMax) ?? -1, asn: num(p.asn) ?? -1 }))
    .sort((a, b) => a.prefix.localeCompare(b.prefix) || a.asn - b.asn || a.maxLength - b.maxLength);
}

/** `show rpki cache-connection json`. */
export function parseFrrRpkiCaches(text: string): RpkiCache[] {
  const doc = parseFrrJson(text);
  const list = Array.isArray(doc.connections) ? (doc.connections as unknown[]).filter(isObj) : [];
  return list.map((c) => ({
    mode: str(c.mode) ?? '',
    host: str(c.host) ?? '',
    port: c.port === undefined ? null : Number(c.port),
    preference: num(c.preference),
    state: str(c.state) ?? 'unknown',
  }));
}

// ---------- steps ----------

const isBird = (o: BgpOptions): boolean => o.daemon === 'bird' || (o.daemon === undefined && o.socket !== undefined);

/** `birdc -r` (restricted: show commands only) on the router's control socket. */
function birdc(command: string, opts: BgpOptions): Promise<Transcript> {
  const argv = ['birdc', '-r', '-s', opts.socket ?? '/run/bird/bird.ctl', command];
  return run(argv, { timeoutMs: opts.timeoutMs ?? 15_000, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) });
}

/** The failure a birdc transcript shows, or null. */
function birdcFailure(t: Transcript): { code: string; message: string } | null {
  if (t.timedOut) return err('timeout', message.timedOut('birdc', t.durationMs));
  if (t.exitCode === 0) return null;
  const line = birdFailureLine(t.stdout, t.stderr);
  if (/^Network not found/.test(line)) return err('no-route', message.birdNothingMatches(line));
  if (/syntax error|No such command|unknown|not found/i.test(line)) return err('unsupported', message.birdcUnsupported(line));
  return err('birdc-failed', message.birdcFailed(t.exitCode, line));
}

function birdParse<T>(t: Transcript, parse: (s: string) => T): { value?: T; error?: { code: string; message: string } } {
  const f = birdcFailure(t);
  if (f) return { error: f };
  try {
    return { value: parse(t.stdout) };
  } catch (e) {
    return { error: err('bad-output', message.birdcBadOutput((e as Error).message)) };
  }
}

/** `show protocols all`, needed by every BIRD step (peer addresses, ROA tables, sessions). */
async function birdProtocols(opts: BgpOptions, transcript: Transcript[]): Promise<{ value?: BirdProtocol[]; error?: { code: string; message: string } }> {
  const t = await birdc('show protocols all', opts);
  transcript.push(t);
  return birdParse(t, parseBirdProtocols);
}

/**
 * Ask BIRD which of `scope`'s routes are ROA valid / invalid (`where roa_check(...)`); null when
 * no ROA table is known (no RPKI protocol and no `roaTable`).
 */
async function birdRpkiStates(scope: string, afi: Afi, protocols: BirdProtocol[], opts: BgpOptions, transcript: Transcript[]): Promise<{ listings: Record<'valid' | 'invalid', BgpPath[]> | null; error?: { code: string; message: string } }> {
  const roa = opts.roaTable ?? birdRoaTables(protocols)[afi][0];
  if (!roa) return { listings: null };
  const listings: Record<'valid' | 'invalid', BgpPath[]> = { valid: [], invalid: [] };
  for (const s of ['valid', 'invalid'] as const) {
    const t = await birdc(`${scope} where roa_check(${roa}, net, bgp_path.last) = ROA_${s.toUpperCase()}`, opts);
    transcript.push(t);
    const r = birdParse(t, (x) => parseBirdRoutes(x).paths);
    if (r.error && r.error.code !== 'no-route') return { listings: null, error: r.error };
    listings[s] = r.value ?? [];
  }
  return { listings };
}

const birdTable = (afi: Afi, opts: BgpOptions) => opts.table ?? (afi === 'ipv4' ? 'master4' : 'master6');

async function birdRoutesData(afi: Afi, filter: RpkiState | undefined, opts: BgpRoutesOptions, transcript: Transcript[]): Promise<{ data?: BgpRoutesData; error?: { code: string; message: string } }> {
  const protos = await birdProtocols(opts, transcript);
  if (!protos.value) return { error: protos.error! };
  const scope = `show route table ${birdTable(afi, opts)}`;
  const t = await birdc(`${scope} all`, opts);
  transcript.push(t);
  const table = birdParse(t, (x) => parseBirdRoutes(x, birdPeers(protos.value!)).paths);
  // an empty table is an empty answer, not a failure
  if (!table.value && table.error?.code !== 'no-route') return { error: table.error! };
  let paths = table.value ?? [];
  let error: { code: string; message: string } | undefined;
  if (opts.rpkiStates !== false || filter) {
    const st = await birdRpkiStates(scope, afi, protos.value, opts, transcript);
    if (st.error) error = st.error;
    else if (!st.listings && filter) error = err('unsupported', message.birdNoRoaTable);
    paths = withBirdRpki(paths, st.listings);
  }
  paths = sortPaths(paths);
  if (filter) paths = paths.filter((p) => p.rpki === filter);
  const rpkiCounts: Record<RpkiState, number> = { valid: 0, invalid: 0, notfound: 0 };
  for (const p of paths) if (p.best && p.rpki) rpkiCounts[p.rpki] += 1;
  const bgpProtos = protos.value.filter((p) => p.proto === 'BGP');
  const localAs = bgpProtos.map((p) => Number(p.attrs['Local AS'])).find((n) => Number.isFinite(n)) ?? null;
  return { data: { routerId: null, localAs, afi, paths, prefixes: new Set(paths.map((p) => p.prefix)).size, rpkiCounts }, ...(error ? { error } : {}) };
}

const sortPaths = (paths: BgpPath[]) => [...paths].sort(byPrefix);

async function birdRouteData(q: { text: string; afi: Afi; isPrefix: boolean }, opts: BgpRouteOptions, transcript: Transcript[]): Promise<{ data?: BgpRouteData; error?: { code: string; message: string } }> {
  const protos = await birdProtocols(opts, transcript);
  if (!protos.value) return { error: protos.error! };
  const peers = birdPeers(protos.value);
  const scope = `show route ${q.isPrefix ? q.text : `for ${q.text}`} table ${birdTable(q.afi, opts)}`;
  const t = await birdc(`${scope} all`, opts);
  transcript.push(t);
  const d = birdParse(t, (x) => parseBirdRoutes(x, peers).paths);
  if (d.error && d.error.code !== 'no-route') return { error: d.error };
  let paths = d.value ?? [];
  let error: { code: string; message: string } | undefined;
  const prefix = paths[0]?.prefix ?? null;
  if (prefix) {
    const st = await birdRpkiStates(`show route ${prefix} table ${birdTable(q.afi, opts)}`, q.afi, protos.value, opts, transcript);
    if (st.error) error = st.error;
    paths = withBirdRpki(paths, st.listings).sort((a, b) => Number(b.best) - Number(a.best));
  }
  let moreSpecifics: BgpPath[] | null = null;
  if (opts.longer) {
    const scopeIn = `show route in ${q.text} table ${birdTable(q.afi, opts)}`;
    const tl = await birdc(`${scopeIn} all`, opts);
    transcript.push(tl);
    const l = birdParse(tl, (x) => parseBirdRoutes(x, peers).paths);
    if (l.error && l.error.code !== 'no-route') error = l.error;
    else {
      moreSpecifics = (l.value ?? []).filter((p) => p.prefix !== q.text);
      if (moreSpecifics.length) {
        const st = await birdRpkiStates(scopeIn, q.afi, protos.value, opts, transcript);
        if (st.error) error = st.error;
        moreSpecifics = sortPaths(withBirdRpki(moreSpecifics, st.listings));
      }
    }
  }
  if (!error && prefix === null && !(moreSpecifics && moreSpecifics.length)) error = err('no-route', message.noBgpRoute(q.text));
  return { data: { query: q.text, prefix, paths, moreSpecifics }, ...(error ? { error } : {}) };
}

async function birdNeighborsData(opts: BgpOptions, transcript: Transcript[]): Promise<{ data?: BgpNeighbor[]; error?: { code: string; message: string } }> {
  const ts = await birdc('show status', opts);
  transcript.push(ts);
  const status = birdParse(ts, parseBirdStatusTime);
  if (status.error) return { error: status.error };
  const protos = await birdProtocols(opts, transcript);
  if (!protos.value) return { error: protos.error! };
  return { data: birdNeighbors(protos.value, status.value ?? null) };
}

async function birdRpkiData(opts: BgpOptions, transcript: Transcript[]): Promise<{ data?: BgpRpkiData; error?: { code: string; message: string } }> {
  const protos = await birdProtocols(opts, transcript);
  if (!protos.value) return { error: protos.error! };
  const caches = birdRpkiCaches(protos.value);
  if (!caches.length && !opts.roaTable) return { error: err('unsupported', message.birdNoRpki) };
  const roa = birdRoaTables(protos.value);
  const tables = opts.roaTable ? [opts.roaTable] : [...roa.ipv4, ...roa.ipv6];
  const vrps: RouterVrp[] = [];
  for (const tb of tables) {
    const t = await birdc(`show route table ${tb}`, opts);
    transcript.push(t);
    const r = birdParse(t, parseBirdRoa);
    if (!r.value) return { error: r.error! };
    vrps.push(...r.value);
  }
  vrps.sort((a, b) => a.prefix.localeCompare(b.prefix) || a.asn - b.asn || a.maxLength - b.maxLength);
  return { data: { caches, connected: caches.some((c) => c.state === 'connected'), vrps } };
}

/** The failure a vtysh transcript shows, or null when it produced output to parse. */
function vtyshFailure(t: Transcript): { code: string; message: string } | null {
  if (t.timedOut) return err('timeout', message.timedOut('vtysh', t.durationMs));
  if (t.exitCode !== 0) {
    const why = (t.stdout + t.stderr).split('\n').map((l) => l.trim()).filter((l) => l && !/^% Can't open configuration file/.test(l));
    const unknown = why.find((l) => /Unknown command|Command incomplete/.test(l));
    if (unknown) return err('unsupported', message.vtyshUnsupported(unknown));
    return err('vtysh-failed', message.vtyshFailed(t.exitCode, why[0] ?? ''));
  }
  return null;
}

function parseWith<T>(t: Transcript, parse: (s: string) => T): { value?: T; error?: { code: string; message: string } } {
  const f = vtyshFailure(t);
  if (f) return { error: f };
  try {
    return { value: parse(t.stdout) };
  } catch (e) {
    return { error: err('bad-json', message.vtyshBadJson((e as Error).message)) };
  }
}

const pathRow = (p: BgpPath) => [p.prefix, p.best ? '>' : '', p.asPathText || '(local)', p.originAs ?? '', p.nextHop ?? '', p.peer ?? '', p.rpki ?? ''];
const PATH_COLUMNS = ['prefix', 'best', 'AS path', 'origin AS', 'next hop', 'peer', 'RPKI'];
const where = (o: BgpOptions) => [isBird(o) ? `bird ${o.socket ?? '/run/bird/bird.ctl'}` : '', o.netns ? `netns ${o.netns}` : '', o.pathspace ? `-N ${o.pathspace}` : ''].filter(Boolean).join(' ') || 'local';

async function routes(opts: BgpRoutesOptions = {}): Promise<StepResult<BgpRoutesData>> {
  checkCommon(opts);
  const afi = checkAfi(opts.afi);
  const filter = checkRpki('rpki', opts.rpki);
  const transcript: Transcript[] = [];
  let error: { code: string; message: string } | undefined;
  let data: BgpRoutesData | undefined;
  if (isBird(opts)) {
    const b = await birdRoutesData(afi, filter, opts, transcript);
    data = b.data;
    error = b.error;
  } else {
    const base = `show bgp ${afi} unicast`;
    const t = await vtysh(`${base} json`, opts);
    transcript.push(t);
    const table = parseWith(t, parseFrrTable);
    error = table.error;
    if (table.value) {
      let paths = table.value.paths;
      if (opts.rpkiStates !== false || filter) {
        const states = new Map<string, RpkiState>();
        let supported = true;
        for (const s of ['valid', 'invalid'] as const) {
          const ts = await vtysh(`${base} rpki ${s} json`, opts);
          transcript.push(ts);
          const r = parseWith(ts, parseFrrTable);
          if (!r.value) {
            supported = false;
            if (filter) error = r.error;
            break;
          }
          for (const p of r.value.paths) states.set(`${p.prefix} ${p.peer ?? ''} ${p.asPathText}`, s);
        }
        if (supported) paths = paths.map((p) => ({ ...p, rpki: states.get(`${p.prefix} ${p.peer ?? ''} ${p.asPathText}`) ?? 'notfound' }));
      }
      if (filter) paths = paths.filter((p) => p.rpki === filter);
      const rpkiCounts: Record<RpkiState, number> = { valid: 0, invalid: 0, notfound: 0 };
      for (const p of paths) if (p.best && p.rpki) rpkiCounts[p.rpki] += 1;
      data = { routerId: table.value.routerId, localAs: table.value.localAs, afi, paths, prefixes: new Set(paths.map((p) => p.prefix)).size, rpkiCounts };
    }
  }
  return makeResult('bgp-routes', { ok: !error, ...(data ? { data } : {}), ...(error ? { error } : {}), transcript }, (r): Shown => ({
    title: `bgp routes ${afi} at ${where(opts)}${filter ? ` (RPKI ${filter})` : ''} -> ${r.data ? `${r.data.prefixes} prefixes, ${r.data.paths.length} paths` : 'no table'}`,
    summary: r.data
      ? [['router id', r.data.routerId], ['local AS', r.data.localAs], ['RPKI (best paths)', `${r.data.rpkiCounts.valid} valid, ${r.data.rpkiCounts.invalid} invalid, ${r.data.rpkiCounts.notfound} not found`]]
      : [],
    tables: r.data ? [{ columns: PATH_COLUMNS, rows: r.data.paths.map(pathRow) }] : [],
  }));
}

async function route(target: string, opts: BgpRouteOptions = {}): Promise<StepResult<BgpRouteData>> {
  const q = prefixOrAddress('prefix or address', target);
  checkCommon(opts);
  if (opts.longer && !q.isPrefix) throw new StepInputError('prefix or address', q.text, message.longerNeedsPrefix);
  const transcript: Transcript[] = [];
  let error: { code: string; message: string } | undefined;
  let data: BgpRouteData | undefined;
  if (isBird(opts)) {
    const b = await birdRouteData(q, opts, transcript);
    data = b.data;
    error = b.error;
  } else {
    const base = `show bgp ${q.afi} unicast ${q.text}`;
    const t = await vtysh(`${base} json`, opts);
    transcript.push(t);
    const detail = parseWith(t, parseFrrRouteDetail);
    error = detail.error;
    if (detail.value) {
      let moreSpecifics: BgpPath[] | null = null;
      if (opts.longer) {
        const tl = await vtysh(`${base} longer-prefixes json`, opts);
        transcript.push(tl);
        const l = parseWith(tl, parseFrrTable);
        if (l.value) moreSpecifics = l.value.paths.filter((p) => p.prefix !== q.text);
        else error = l.error;
      }
      data = { query: q.text, prefix: detail.value.prefix, paths: detail.value.paths, moreSpecifics };
      if (!error && data.prefix === null && !(moreSpecifics && moreSpecifics.length)) error = err('no-route', message.noBgpRoute(q.text));
    }
  }
  return makeResult('bgp-route', { ok: !error, ...(data ? { data } : {}), ...(error ? { error } : {}), transcript }, (r): Shown => ({
    title: `bgp route ${q.text} at ${where(opts)} -> ${r.data?.prefix ?? 'no route'}${r.data?.paths[0] ? ` from AS${r.data.paths[0].originAs ?? '?'} (RPKI ${r.data.paths[0].rpki ?? 'unknown'})` : ''}`,
    summary: r.data ? [['matched prefix', r.data.prefix], ['paths', r.data.paths.length], ['more-specifics', r.data.moreSpecifics?.length ?? 'not asked']] : [],
    tables: r.data ? [{ caption: 'paths', columns: PATH_COLUMNS, rows: r.data.paths.map(pathRow) }, ...(r.data.moreSpecifics ? [{ caption: 'more-specifics', columns: PATH_COLUMNS, rows: r.data.moreSpecifics.map(pathRow) }] : [])] : [],
  }));
}

async function neighbors(opts: BgpOptions = {}): Promise<StepResult<BgpNeighborsData>> {
  checkCommon(opts);
  const transcript: Transcript[] = [];
  let p: { value?: BgpNeighbor[]; error?: { code: string; message: string } };
  if (isBird(opts)) {
    const b = await birdNeighborsData(opts, transcript);
    p = b.data ? { value: b.data } : { error: b.error! };
  } else {
    const t = await vtysh('show bgp neighbors json', opts);
    transcript.push(t);
    p = parseWith(t, parseFrrNeighbors);
  }
  let error = p.error;
  const data = p.value ? { neighbors: p.value, established: p.value.filter((n) => n.established).length } : undefined;
  if (data && !error && data.established < data.neighbors.length) {
    const down = data.neighbors.filter((n) => !n.established).map((n) => `${n.address} (AS${n.remoteAs ?? '?'}: ${n.state})`);
    error = err('session-down', message.bgpSessionsDown(down));
  }
  return makeResult('bgp-neighbors', { ok: !error, ...(data ? { data } : {}), ...(error ? { error } : {}), transcript }, (r): Shown => ({
    title: `bgp neighbors at ${where(opts)} -> ${r.data ? `${r.data.established}/${r.data.neighbors.length} established` : 'none'}`,
    summary: [],
    tables: r.data
      ? [{ columns: ['neighbor', 'AS', 'state', 'up (s)', 'prefixes in', 'prefixes out', 'drops', 'last reset'], rows: r.data.neighbors.map((n) => [n.address, n.remoteAs, n.state, n.uptimeMs === null ? '' : Math.round(n.uptimeMs / 1000), n.prefixesAccepted, n.prefixesSent, n.connectionsDropped, n.lastResetDueTo]) }]
      : [],
  }));
}

async function rpki(opts: BgpOptions = {}): Promise<StepResult<BgpRpkiData>> {
  checkCommon(opts);
  const transcript: Transcript[] = [];
  let error: { code: string; message: string } | undefined;
  let data: BgpRpkiData | undefined;
  if (isBird(opts)) {
    const b = await birdRpkiData(opts, transcript);
    data = b.data;
    error = b.error;
    if (data && !error && !data.connected) error = err('rpki-disconnected', message.rpkiDisconnected(data.caches.map((x) => `${x.host}:${x.port ?? ''} ${x.state}`)));
  } else {
    const tc = await vtysh('show rpki cache-connection json', opts);
    const c = parseWith(tc, parseFrrRpkiCaches);
    transcript.push(tc);
    error = c.error;
    if (c.value) {
      const tp = await vtysh('show rpki prefix-table json', opts);
      transcript.push(tp);
      const p = parseWith(tp, parseFrrRpkiTable);
      error = p.error;
      const connected = c.value.some((x) => x.state === 'connected');
      data = { caches: c.value, connected, vrps: p.value ?? [] };
      if (!error && !connected) error = err('rpki-disconnected', message.rpkiDisconnected(c.value.map((x) => `${x.host}:${x.port ?? ''} ${x.state}`)));
    }
  }
  return makeResult('bgp-rpki', { ok: !error, ...(data ? { data } : {}), ...(error ? { error } : {}), transcript }, (r): Shown => ({
    title: `bgp rpki at ${where(opts)} -> ${r.data ? `${r.data.connected ? 'connected' : 'NOT connected'}, ${r.data.vrps.length} VRPs` : 'no RPKI'}`,
    summary: [],
    tables: r.data
      ? [
          { caption: 'RTR caches', columns: ['mode', 'host', 'port', 'preference', 'state'], rows: r.data.caches.map((x) => [x.mode, x.host, x.port, x.preference, x.state]) },
          { caption: 'VRPs', columns: ['prefix', 'maxLength', 'ASN'], rows: r.data.vrps.map((x) => [x.prefix, x.maxLength, x.asn]) },
        ]
      : [],
  }));
}

/** Looking-glass steps over an FRR router (vtysh JSON) or a BIRD 2 router (birdc text; `daemon: 'bird'`). */
export const bgp = { routes, route, neighbors, rpki } as const;

// BIRD's parsers are part of the public surface too (netrunbook/steps re-exports this module).
export { BirdParseError, birdAsPath, birdCommunities, birdNeighbors, birdRoaTables, birdRpkiCaches, birdUptimeMs, parseBirdProtocols, parseBirdRoa, parseBirdRoutes, parseBirdStatusTime } from './bird.js';
export type { BirdChannel, BirdProtocol } from './bird.js';
