/**
 * DNS in depth, built on dig (and delv): the everyday tickets "site not resolving after moving to
 * the CDN" and "SERVFAIL since we enabled DNSSEC".
 *
 * - delegation(zone): NS at the parent vs NS at the child, glue, lame servers (no authoritative
 *   answer), the SOA serial of every authoritative server (`+norec` to each), stale servers.
 * - dnssecChain(zone): DS at the parent vs DNSKEY at the child by key tag, algorithm and digest
 *   (computed here, RFC 4034), which keys sign the DNSKEY set, RRSIG validity windows, and delv's
 *   verdict through a resolver.
 * - whoAnswered(resolver): CH TXT id.server / hostname.bind / version.bind (which instance).
 * - cdnOf(address): whether an address is a CDN proxy (Cloudflare's published ranges).
 * - staleAnswers(comparison, truth): which resolvers still serve an old answer, and for how long.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { StepInputError } from './errors.js';
import { dig, type CompareData, type DigData, type DnsRecord } from './dig.js';
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepError, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import * as v from './validate.js';

const fqdn = (s: string) => (s.endsWith('.') ? s : `${s}.`).toLowerCase();

export interface DnsStepOptions {
  /** Seconds dig waits per try (default 2). */
  time?: number;
  netns?: string;
}

// ---------------------------------------------------------------- CDN proxy addresses

/** Cloudflare's published ranges (cloudflare.com/ips), as of 2026. */
const CLOUDFLARE_V4 = ['173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18', '108.162.192.0/18', '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17', '162.158.0.0/15', '104.16.0.0/13', '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22'];
const CLOUDFLARE_V6 = ['2400:cb00::/32', '2606:4700::/32', '2803:f800::/32', '2405:b500::/32', '2405:8100::/32', '2a06:98c0::/29', '2c0f:f248::/32'];
const blocks = new net.BlockList();
for (const c of CLOUDFLARE_V4) blocks.addSubnet(c.split('/')[0] as string, Number(c.split('/')[1]), 'ipv4');
for (const c of CLOUDFLARE_V6) blocks.addSubnet(c.split('/')[0] as string, Number(c.split('/')[1]), 'ipv6');

/** "cloudflare" when the address is a Cloudflare proxy (edge) address, else null. Pure. */
export function cdnOf(address: string): 'cloudflare' | null {
  const kind = net.isIP(address);
  if (kind === 0) return null;
  return blocks.check(address, kind === 4 ? 'ipv4' : 'ipv6') ? 'cloudflare' : null;
}

// ---------------------------------------------------------------- stale answers

export interface StaleAnswer {
  resolver: string;
  values: string[];
  /** Remaining TTL the resolver gave (seconds): the old answer is served at most this long. */
  ttl: number | null;
  /** ISO time the cached answer expires, counted from `observedAt`. */
  expiresAt: string | null;
}

/**
 * Resolvers whose answer differs from the authoritative values, with the time their cached copy
 * runs out (the remaining TTL they reported). Pure.
 */
export function staleAnswers(comparison: CompareData, truth: readonly string[], observedAt: Date = new Date()): StaleAnswer[] {
  const want = [...truth].sort().join(',');
  return comparison.answers
    .filter((a) => a.status === 'NOERROR' && a.values.join(',') !== want)
    .map((a) => ({ resolver: a.resolver, values: a.values, ttl: a.ttl, expiresAt: a.ttl === null ? null : new Date(observedAt.getTime() + a.ttl * 1000).toISOString() }));
}

// ---------------------------------------------------------------- delegation

export interface AuthServer {
  /** NS name (from the parent or the child). */
  name: string;
  address: string;
  /** Listed in the parent's NS set / in the child's. */
  atParent: boolean;
  atChild: boolean;
  status: string;
  authoritative: boolean;
  /** No authoritative answer for the zone (REFUSED, SERVFAIL, no aa flag, no reply). */
  lame: boolean;
  serial: number | null;
  /** NS set this server returns for the zone. */
  ns: string[];
  queryTimeMs: number | null;
}

export interface DelegationData {
  zone: string;
  parentZone: string;
  parentServers: string[];
  /** NS names the parent delegates to (sorted). */
  parentNs: string[];
  /** NS names the child's own NS set lists (sorted, from authoritative answers). */
  childNs: string[];
  onlyAtParent: string[];
  onlyAtChild: string[];
  glue: { name: string; addresses: string[] }[];
  servers: AuthServer[];
  /** Highest serial seen, and the servers behind it. */
  latestSerial: number | null;
  staleServers: { name: string; address: string; serial: number }[];
  lameServers: { name: string; address: string; status: string }[];
  /** One line per problem found, empty when the delegation is healthy. */
  problems: string[];
}

export interface DelegationOptions extends DnsStepOptions {
  /** A parent server (`ip`, `ip:port`, `[v6]:port`) to ask; default: the parent zone's NS via the system resolver. */
  parent?: string;
  /** Resolver for NS names without glue (default: the system resolver). */
  resolver?: string;
}

const records = (d: DigData | undefined, type: string, owner?: string) => (d ? [...d.answer, ...d.authority, ...d.additional].filter((r) => r.type === type && (owner === undefined || fqdn(r.name) === owner)) : []);

function withPort(address: string, port: number | undefined): string {
  const a = net.isIP(address) === 6 ? `[${address}]` : address;
  return port !== undefined ? `${a}:${port}` : a;
}

/** Compare the delegation at the parent with the child's own servers. */
export async function delegation(zone: string, opts: DelegationOptions = {}): Promise<StepResult<DelegationData>> {
  const z = fqdn(v.hostname('zone', zone));
  if (z === '.') throw new StepInputError('zone', zone, message.rootHasNoParent);
  const parent = opts.parent !== undefined ? v.server('parent', opts.parent) : undefined;
  const resolver = opts.resolver !== undefined ? v.server('resolver', opts.resolver).text : undefined;
  if (opts.time !== undefined) v.integer('time', opts.time, 1, 60);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  const common = { time: opts.time ?? 2, tries: 1, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) };
  const parentZone = z.split('.').slice(1).join('.') || '.';
  const transcript: Transcript[] = [];
  const port = parent?.port;

  // 1. The parent's servers.
  let parentServers: string[];
  if (parent) parentServers = [parent.text];
  else {
    const ns = await dig(parentZone, { ...common, type: 'NS', ...(resolver ? { server: resolver } : {}) });
    transcript.push(...ns.transcript);
    const names = ns.data?.values ?? [];
    const addrs = await Promise.all(names.map((n) => dig(n, { ...common, type: 'A', ...(resolver ? { server: resolver } : {}) })));
    transcript.push(...addrs.flatMap((a) => a.transcript));
    parentServers = addrs.flatMap((a) => a.data?.values ?? []);
  }
  // 2. What the parent delegates to (the referral: authority NS + additional glue).
  const refs = await Promise.all(parentServers.map((s) => dig(z, { ...common, type: 'NS', server: s, recurse: false })));
  transcript.push(...refs.flatMap((r) => r.transcript));
  const parentNs = [...new Set(refs.flatMap((r) => records(r.data, 'NS', z).map((x) => fqdn(x.data))))].sort();
  const glueMap = new Map<string, Set<string>>();
  for (const r of refs) for (const g of [...records(r.data, 'A'), ...records(r.data, 'AAAA')]) if (parentNs.includes(fqdn(g.name))) glueMap.set(fqdn(g.name), (glueMap.get(fqdn(g.name)) ?? new Set()).add(g.data));
  const glue = parentNs.filter((n) => glueMap.has(n)).map((n) => ({ name: n, addresses: [...(glueMap.get(n) ?? [])].sort() }));

  // 3. Every child server, +norec: SOA (serial, aa) and its own NS set.
  const addressesOf = async (name: string): Promise<string[]> => {
    const g = glueMap.get(name);
    if (g) return [...g];
    const a = await dig(name, { ...common, type: 'A', ...(resolver ? { server: resolver } : {}) });
    transcript.push(...a.transcript);
    return a.data?.values ?? [];
  };
  const probe = async (name: string, address: string, atParent: boolean): Promise<AuthServer> => {
    const target = withPort(address, port);
    const [soa, ns] = await Promise.all([dig(z, { ...common, type: 'SOA', server: target, recurse: false }), dig(z, { ...common, type: 'NS', server: target, recurse: false })]);
    transcript.push(...soa.transcript, ...ns.transcript);
    const d = soa.data;
    const soaRec = d?.answer.find((r) => r.type === 'SOA' && fqdn(r.name) === z);
    const authoritative = !!d && d.status === 'NOERROR' && d.authoritative && !!soaRec;
    return {
      name,
      address,
      atParent,
      atChild: false,
      status: d?.status ?? 'NOREPLY',
      authoritative,
      lame: !authoritative,
      serial: soaRec ? Number(soaRec.data.split(/\s+/)[2]) : null,
      ns: authoritative ? (ns.data?.answer ?? []).filter((r) => r.type === 'NS' && fqdn(r.name) === z).map((r) => fqdn(r.data)).sort() : [],
      queryTimeMs: d?.queryTimeMs ?? null,
    };
  };
  const servers: AuthServer[] = [];
  for (const name of parentNs) for (const a of await addressesOf(name)) servers.push(await probe(name, a, true));
  const childNs = [...new Set(servers.flatMap((s) => s.ns))].sort();
  // NS names only the child lists: probe them too (a server added at the child, not at the registrar).
  for (const name of childNs.filter((n) => !parentNs.includes(n))) for (const a of await addressesOfChild(name)) servers.push(await probe(name, a, false));
  async function addressesOfChild(name: string): Promise<string[]> {
    const fromChild = servers.find((s) => s.authoritative);
    if (fromChild && name.endsWith(z)) {
      const a = await dig(name, { ...common, type: 'A', server: withPort(fromChild.address, port), recurse: false });
      transcript.push(...a.transcript);
      if (a.data?.values.length) return a.data.values;
    }
    return addressesOf(name);
  }
  for (const s of servers) s.atChild = childNs.includes(s.name);

  const serials = servers.filter((s) => s.serial !== null).map((s) => s.serial as number);
  const latestSerial = serials.length ? Math.max(...serials) : null;
  const staleServers = servers.filter((s) => s.serial !== null && latestSerial !== null && s.serial < latestSerial).map((s) => ({ name: s.name, address: s.address, serial: s.serial as number }));
  const lameServers = servers.filter((s) => s.lame).map((s) => ({ name: s.name, address: s.address, status: s.status }));
  const onlyAtParent = parentNs.filter((n) => !childNs.includes(n));
  const onlyAtChild = childNs.filter((n) => !parentNs.includes(n));
  const problems: string[] = [];
  if (parentNs.length === 0) problems.push(message.noDelegation(z, parentServers));
  for (const l of lameServers) problems.push(message.lameServer(l.name, l.address, l.status));
  for (const s of staleServers) problems.push(message.staleSerial(s.name, s.address, s.serial, latestSerial ?? 0));
  if (childNs.length && (onlyAtParent.length || onlyAtChild.length)) problems.push(message.nsMismatch(onlyAtParent, onlyAtChild));
  const data: DelegationData = { zone: z, parentZone, parentServers, parentNs, childNs, onlyAtParent, onlyAtChild, glue, servers, latestSerial, staleServers, lameServers, problems };
  const error: StepError | undefined = parentNs.length === 0 ? err('no-delegation', problems[0] as string) : lameServers.length ? err('lame-delegation', problems.join('; ')) : staleServers.length ? err('serial-mismatch', problems.join('; ')) : problems.length ? err('ns-mismatch', problems.join('; ')) : undefined;
  return makeResult('dns-delegation', { ok: !error, data, ...(error ? { error } : {}), transcript }, showDelegation);
}

function showDelegation(r: StepResult<DelegationData>): Shown {
  const d = r.data;
  if (!d) return { title: 'delegation', summary: [] };
  return {
    title: `delegation of ${d.zone} from ${d.parentZone}: ${d.problems.length ? `${d.problems.length} problem(s)` : 'healthy'}`,
    summary: [
      ['NS at parent', d.parentNs.join(', ')],
      ['NS at child', d.childNs.join(', ')],
      ['glue', d.glue.map((g) => `${g.name} ${g.addresses.join(' ')}`).join('; ')],
      ['latest serial', d.latestSerial ?? ''],
      ['problems', d.problems.join('\n')],
    ],
    tables: [{ caption: 'authoritative servers (+norec)', columns: ['NS', 'address', 'at parent', 'at child', 'status', 'aa', 'lame', 'serial', 'ms'], rows: d.servers.map((s) => [s.name, s.address, s.atParent, s.atChild, s.status, s.authoritative, s.lame, s.serial, s.queryTimeMs]) }],
  };
}

// ---------------------------------------------------------------- DNSSEC chain

export interface DsRecord {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: string;
  /** Key tag of the child DNSKEY whose computed digest equals this one, or null: a stale DS. */
  matchesKey: number | null;
}

export interface DnskeyInfo {
  keyTag: number;
  flags: number;
  algorithm: number;
  /** Secure entry point (KSK, flags 257). */
  sep: boolean;
  /** This key signs the DNSKEY set (an RRSIG DNSKEY with its tag is present). */
  signsKeys: boolean;
  /** A DS at the parent points at it. */
  hasDs: boolean;
}

export interface SignatureWindow {
  typeCovered: string;
  keyTag: number;
  inception: string;
  expiration: string;
  expired: boolean;
  notYetValid: boolean;
  /** Days until expiration (negative when expired). */
  daysLeft: number;
}

export type ChainVerdict = 'secure' | 'stale-ds' | 'missing-ds' | 'unsigned' | 'ds-without-keys' | 'expired-signatures' | 'unknown';

export interface DnssecChainData {
  zone: string;
  ds: DsRecord[];
  dnskeys: DnskeyInfo[];
  signatures: SignatureWindow[];
  /** delv through the resolver: "fully validated", "unsigned answer", "resolution failed: ..." */
  delv: { verdict: 'secure' | 'insecure' | 'failed' | 'unknown'; text: string } | null;
  verdict: ChainVerdict;
  explanation: string;
}

export interface DnssecChainOptions extends DnsStepOptions {
  /** Server to ask for the DS (the parent's authoritative server); default: `resolver` or the system resolver. */
  parent?: string;
  /** Server to ask for the DNSKEY (a child authoritative server); default: `resolver` or the system resolver. */
  server?: string;
  /** A validating resolver for delv (and for DS/DNSKEY when parent/server are not given). */
  resolver?: string;
  /** Trust anchor file for delv (`trust-anchors { ... };`) and the anchor's name (delv +root=NAME). */
  anchorFile?: string;
  anchorName?: string;
  now?: Date;
}

/** RFC 4034 Appendix B key tag of a DNSKEY (flags, protocol, algorithm, base64 key). Pure. */
export function keyTag(flags: number, protocol: number, algorithm: number, keyBase64: string): number {
  const rdata = Buffer.concat([Buffer.from([flags >> 8, flags & 0xff, protocol, algorithm]), Buffer.from(keyBase64.replace(/\s+/g, ''), 'base64')]);
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? (rdata[i] as number) : (rdata[i] as number) << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/** The DS digest (hex, upper case) of a DNSKEY: digest type 1 SHA-1, 2 SHA-256, 4 SHA-384. Pure. */
export function dsDigest(owner: string, flags: number, protocol: number, algorithm: number, keyBase64: string, digestType: number): string | null {
  const hash = digestType === 1 ? 'sha1' : digestType === 2 ? 'sha256' : digestType === 4 ? 'sha384' : null;
  if (!hash) return null;
  const labels = fqdn(owner).split('.').filter(Boolean);
  const wire = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const rdata = Buffer.concat([Buffer.from([flags >> 8, flags & 0xff, protocol, algorithm]), Buffer.from(keyBase64.replace(/\s+/g, ''), 'base64')]);
  return crypto.createHash(hash).update(Buffer.concat([wire, rdata])).digest('hex').toUpperCase();
}

/** Parse delv's output into a verdict. Pure; works on saved stdout+stderr. */
export function parseDelv(text: string): { verdict: 'secure' | 'insecure' | 'failed' | 'unknown'; text: string } {
  const failed = /;; resolution failed: (.*)/.exec(text);
  if (failed) return { verdict: 'failed', text: `resolution failed: ${(failed[1] as string).trim()}` };
  const line = /^; (fully validated|unsigned answer|negative response, fully validated|negative response, unsigned answer|.*validat.*)$/m.exec(text);
  if (!line) return { verdict: 'unknown', text: text.trim().split('\n')[0] ?? '' };
  const t = line[1] as string;
  return { verdict: /fully validated/.test(t) ? 'secure' : /unsigned/.test(t) ? 'insecure' : 'unknown', text: t };
}

/** Compare the DS at the parent with the DNSKEYs at the child, and ask delv for the verdict. */
export async function dnssecChain(zone: string, opts: DnssecChainOptions = {}): Promise<StepResult<DnssecChainData>> {
  const z = fqdn(v.hostname('zone', zone));
  const parent = opts.parent !== undefined ? v.server('parent', opts.parent).text : undefined;
  const server = opts.server !== undefined ? v.server('server', opts.server).text : undefined;
  const resolver = opts.resolver !== undefined ? v.server('resolver', opts.resolver) : undefined;
  const anchorFile = opts.anchorFile !== undefined ? v.filePath('anchorFile', opts.anchorFile) : undefined;
  const anchorName = opts.anchorName !== undefined ? v.hostname('anchorName', opts.anchorName, { allowRoot: true }) : undefined;
  if (opts.time !== undefined) v.integer('time', opts.time, 1, 60);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  const now = opts.now ?? new Date();
  const common = { time: opts.time ?? 2, tries: 1, dnssec: true, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) };
  const via = (s: string | undefined) => (s ? { server: s, recurse: false } : resolver ? { server: resolver.text } : {});

  const [dsR, keyR] = await Promise.all([dig(z, { ...common, type: 'DS', ...via(parent) }), dig(z, { ...common, type: 'DNSKEY', ...via(server) })]);
  const transcript: Transcript[] = [...dsR.transcript, ...keyR.transcript];
  const keyRecs = (keyR.data?.answer ?? []).filter((r) => r.type === 'DNSKEY' && fqdn(r.name) === z);
  const keys = keyRecs.map((r) => {
    const [f = '0', p = '3', a = '0', ...k] = r.data.split(/\s+/);
    return { flags: Number(f), protocol: Number(p), algorithm: Number(a), key: k.join('') };
  });
  const sigs = (keyR.data?.dnssec?.rrsigs ?? []).filter((s) => fqdn(s.name) === z);
  const ds: DsRecord[] = (dsR.data?.answer ?? [])
    .filter((r: DnsRecord) => r.type === 'DS' && fqdn(r.name) === z)
    .map((r) => {
      const [t = '0', a = '0', dt = '0', ...dg] = r.data.split(/\s+/);
      const digest = dg.join('').toUpperCase();
      const match = keys.find((k) => keyTag(k.flags, k.protocol, k.algorithm, k.key) === Number(t) && k.algorithm === Number(a) && dsDigest(z, k.flags, k.protocol, k.algorithm, k.key, Number(dt)) === digest);
      return { keyTag: Number(t), algorithm: Number(a), digestType: Number(dt), digest, matchesKey: match ? Number(t) : null };
    });
  const dnskeys: DnskeyInfo[] = keys.map((k) => {
    const tag = keyTag(k.flags, k.protocol, k.algorithm, k.key);
    return { keyTag: tag, flags: k.flags, algorithm: k.algorithm, sep: (k.flags & 1) === 1, signsKeys: sigs.some((s) => s.typeCovered === 'DNSKEY' && s.keyTag === tag), hasDs: ds.some((d) => d.matchesKey === tag) };
  });
  const signatures: SignatureWindow[] = sigs.map((s) => ({
    typeCovered: s.typeCovered,
    keyTag: s.keyTag,
    inception: s.inception,
    expiration: s.expiration,
    expired: Date.parse(s.expiration) < now.getTime(),
    notYetValid: Date.parse(s.inception) > now.getTime(),
    daysLeft: Math.floor((Date.parse(s.expiration) - now.getTime()) / 86_400_000),
  }));

  let delvOut: DnssecChainData['delv'] = null;
  if (resolver) {
    const argv = ['delv', `@${resolver.host}`, ...(resolver.port !== undefined ? ['-p', String(resolver.port)] : []), ...(anchorFile ? ['-a', anchorFile] : []), ...(anchorName ? [`+root=${anchorName}`] : []), '-q', z, '-t', 'SOA'];
    const t = await run(argv, { timeoutMs: 20_000, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) });
    transcript.push(t);
    delvOut = parseDelv(`${t.stdout}\n${t.stderr}`);
  }

  const good = ds.filter((d) => d.matchesKey !== null && dnskeys.some((k) => k.keyTag === d.matchesKey && k.signsKeys));
  let verdict: ChainVerdict;
  let explanation: string;
  if (ds.length === 0 && keys.length === 0) [verdict, explanation] = ['unsigned', message.chainUnsigned(z)];
  else if (ds.length === 0) [verdict, explanation] = ['missing-ds', message.chainMissingDs(z, dnskeys.filter((k) => k.sep).map((k) => k.keyTag))];
  else if (keys.length === 0) [verdict, explanation] = ['ds-without-keys', message.chainDsWithoutKeys(z, ds.map((d) => d.keyTag))];
  else if (good.length === 0) [verdict, explanation] = ['stale-ds', message.chainStaleDs(z, ds.map((d) => `${d.keyTag}/${d.algorithm}`), dnskeys.filter((k) => k.sep).map((k) => `${k.keyTag}/${k.algorithm}`))];
  else if (signatures.some((s) => s.expired || s.notYetValid)) [verdict, explanation] = ['expired-signatures', message.chainExpired(z, signatures.filter((s) => s.expired || s.notYetValid).map((s) => `${s.typeCovered} ${s.keyTag} ${s.expiration}`))];
  else [verdict, explanation] = ['secure', message.chainSecure(z, good.map((d) => d.keyTag))];
  const data: DnssecChainData = { zone: z, ds, dnskeys, signatures, delv: delvOut, verdict, explanation };
  const ok = verdict === 'secure' || verdict === 'unsigned';
  return makeResult('dnssec-chain', { ok, data, ...(ok ? {} : { error: err(verdict, explanation) }), transcript }, showChain);
}

function showChain(r: StepResult<DnssecChainData>): Shown {
  const d = r.data;
  if (!d) return { title: 'DNSSEC chain', summary: [] };
  return {
    title: `DNSSEC chain of ${d.zone}: ${d.verdict}`,
    summary: [
      ['verdict', d.explanation],
      ['delv', d.delv ? `${d.delv.verdict} (${d.delv.text})` : 'not run (no resolver given)'],
    ],
    tables: [
      { caption: 'DS at the parent', columns: ['key tag', 'algorithm', 'digest type', 'digest', 'matches DNSKEY'], rows: d.ds.map((x) => [x.keyTag, x.algorithm, x.digestType, x.digest, x.matchesKey ?? 'NONE (stale)']) },
      { caption: 'DNSKEY at the child', columns: ['key tag', 'flags', 'algorithm', 'KSK', 'signs DNSKEY set', 'has DS'], rows: d.dnskeys.map((k) => [k.keyTag, k.flags, k.algorithm, k.sep, k.signsKeys, k.hasDs]) },
      { caption: 'signature validity', columns: ['covers', 'key tag', 'inception', 'expiration', 'days left'], rows: d.signatures.map((s) => [s.typeCovered, s.keyTag, s.inception, s.expiration, s.daysLeft]) },
    ],
  };
}

// ---------------------------------------------------------------- which instance answered

export interface WhoAnsweredData {
  resolver: string;
  idServer: string | null;
  hostname: string | null;
  version: string | null;
}

const txt = (d: DigData | undefined) => {
  const r = d?.answer.find((x) => x.type === 'TXT');
  return r ? r.data.replace(/^"|"$/g, '').replace(/"\s+"/g, '') : null;
};

/** Ask a resolver which instance answered: CH TXT id.server, hostname.bind and version.bind. */
export async function whoAnswered(resolver: string, opts: DnsStepOptions = {}): Promise<StepResult<WhoAnsweredData>> {
  const srv = v.server('resolver', resolver);
  if (opts.time !== undefined) v.integer('time', opts.time, 1, 60);
  if (opts.netns !== undefined) v.netns('netns', opts.netns);
  const common = { class: 'CH' as const, type: 'TXT', server: srv.text, time: opts.time ?? 2, tries: 1, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) };
  const [id, host, ver] = await Promise.all([dig('id.server', common), dig('hostname.bind', common), dig('version.bind', common)]);
  const data: WhoAnsweredData = { resolver: srv.text, idServer: txt(id.data), hostname: txt(host.data), version: txt(ver.data) };
  const none = data.idServer === null && data.hostname === null;
  const noReply = id.data?.status === 'NOREPLY' || id.data === undefined;
  return makeResult(
    'dns-who',
    { ok: !none, data, ...(none ? { error: err(noReply ? 'timeout' : 'not-disclosed', noReply ? message.digNoReply(srv.text) : message.idNotDisclosed(srv.text)) } : {}), transcript: [...id.transcript, ...host.transcript, ...ver.transcript] },
    () => ({ title: `${data.resolver} is ${data.idServer ?? data.hostname ?? '(not disclosed)'}`, summary: [['id.server', data.idServer ?? ''], ['hostname.bind', data.hostname ?? ''], ['version.bind', data.version ?? '']] }),
  );
}
