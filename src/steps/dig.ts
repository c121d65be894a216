/**
 * dig as a step: any record type, chosen server and port, UDP or TCP, DNSSEC (AD flag, RRSIGs,
 * validation outcome), `+trace` delegation walks. NXDOMAIN, SERVFAIL, REFUSED and "no reply" are
 * results (ok: false, data kept), never exceptions.
 *
 * DNSSEC outcome: AD set -> "secure". SERVFAIL with +dnssec -> the query is repeated with +cd
 * (checking disabled); if the data comes back then, the resolver rejected it: "bogus". RRSIGs
 * whose expiration is in the past are flagged and make the outcome "bogus" even from an
 * authoritative server that does not validate.
 */
import { StepInputError } from './errors.js';
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import * as v from './validate.js';

export interface DnsRecord {
  name: string;
  ttl: number;
  class: string;
  type: string;
  data: string;
}

export interface Rrsig {
  /** Owner name of the signed RRset. */
  name: string;
  typeCovered: string;
  algorithm: number;
  labels: number;
  originalTtl: number;
  /** ISO 8601. */
  expiration: string;
  inception: string;
  keyTag: number;
  signer: string;
  expired: boolean;
  notYetValid: boolean;
}

export type DnssecValidation = 'secure' | 'insecure' | 'bogus' | 'unvalidated';

export interface DnssecInfo {
  /** AD (authenticated data) flag in the reply. */
  ad: boolean;
  rrsigs: Rrsig[];
  validation: DnssecValidation;
  /** Why "bogus", e.g. "signature expired 2020-02-01T00:00:00Z", or an EDE text. */
  reason: string | null;
}

export interface DelegationStep {
  /** Records received in this step of the walk (sorted). */
  records: DnsRecord[];
  /** Zone cut this step referred to (owner of NS records), or null for the final answer. */
  zone: string | null;
  fromAddress: string;
  fromName: string;
  bytes: number;
  timeMs: number;
}

export interface DigData {
  question: { name: string; type: string; class: string };
  /** "ip#port" dig reports, null when no reply. */
  server: string | null;
  protocol: 'UDP' | 'TCP' | null;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or NOREPLY when nothing answered. */
  status: string;
  flags: string[];
  authoritative: boolean;
  truncated: boolean;
  answer: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  /** The CNAME path from the question name to the final name, e.g. [alias, alias2, www]. */
  cnameChain: string[];
  /** Final rdata of the requested type at the end of the chain (sorted). */
  values: string[];
  /** Extended DNS Errors (RFC 8914) the server attached. */
  ede: { code: number; text: string }[];
  queryTimeMs: number | null;
  messageSize: number | null;
  dnssec: DnssecInfo | null;
  /** Whether DNSSEC records were asked for (+dnssec): "no DNSSEC data" then means the answer had none. */
  dnssecRequested: boolean;
  /** Delegation walk for +trace, else null. */
  trace: DelegationStep[] | null;
}

export interface DigOptions {
  /** Record type (default A). */
  type?: string;
  /** Query class: IN (default) or CH (id.server, hostname.bind, version.bind). */
  class?: 'IN' | 'CH';
  /** Server as `ip`, `ip:port`, `[v6]:port` or a host name (default: the system resolver). */
  server?: string;
  /** Port (overrides the port in `server`). */
  port?: number;
  tcp?: boolean;
  /** Ask for DNSSEC records (+dnssec) and report the validation outcome. */
  dnssec?: boolean;
  /** Walk the delegation from the root (+trace). */
  trace?: boolean;
  /** Recursion desired (default true; false sends +norec). */
  recurse?: boolean;
  /** Seconds dig waits per try (default 2). */
  time?: number;
  tries?: number;
  /** Run inside this network namespace. */
  netns?: string;
}

const RR = /^(\S+)\s+(\d+)\s+([A-Z0-9]+)\s+([A-Z0-9]+)\s*(.*)$/;

export function parseRecord(line: string): DnsRecord | null {
  const m = RR.exec(line.trim());
  if (!m) return null;
  return { name: m[1] as string, ttl: Number(m[2]), class: m[3] as string, type: m[4] as string, data: (m[5] as string).trim() };
}

const byKey = (a: DnsRecord, b: DnsRecord) => `${a.name} ${a.type} ${a.data}`.localeCompare(`${b.name} ${b.type} ${b.data}`);

function rrsigTime(s: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return s;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

export function parseRrsig(r: DnsRecord, now = Date.now()): Rrsig | null {
  const f = r.data.split(/\s+/);
  if (f.length < 8) return null;
  const expiration = rrsigTime(f[4] as string);
  const inception = rrsigTime(f[5] as string);
  return {
    name: r.name,
    typeCovered: f[0] as string,
    algorithm: Number(f[1]),
    labels: Number(f[2]),
    originalTtl: Number(f[3]),
    expiration,
    inception,
    keyTag: Number(f[6]),
    signer: f[7] as string,
    expired: Date.parse(expiration) < now,
    notYetValid: Date.parse(inception) > now,
  };
}

/** Follow CNAMEs in an answer section from `qname`. */
export function cnameChain(qname: string, answer: readonly DnsRecord[]): string[] {
  const lc = (s: string) => s.toLowerCase();
  const chain = [qname];
  const seen = new Set([lc(qname)]);
  for (;;) {
    const last = chain[chain.length - 1] as string;
    const next = answer.find((r) => r.type === 'CNAME' && lc(r.name) === lc(last));
    if (!next || seen.has(lc(next.data))) break;
    seen.add(lc(next.data));
    chain.push(next.data);
  }
  return chain;
}

/** Parse dig's default (non +trace) output. Pure; usable on saved text. */
export function parseDig(stdout: string, now = Date.now()): DigData {
  const lines = stdout.split('\n');
  let section: 'answer' | 'authority' | 'additional' | 'question' | null = null;
  const d: DigData = {
    question: { name: '', type: '', class: 'IN' },
    server: null,
    protocol: null,
    status: 'NOREPLY',
    flags: [],
    authoritative: false,
    truncated: false,
    answer: [],
    authority: [],
    additional: [],
    cnameChain: [],
    values: [],
    ede: [],
    queryTimeMs: null,
    messageSize: null,
    dnssec: null,
    dnssecRequested: false,
    trace: null,
  };
  let doFlag = false;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    let m: RegExpExecArray | null;
    if ((m = /status: ([A-Z]+)/.exec(line)) && line.includes('->>HEADER<<-')) d.status = m[1] as string;
    else if ((m = /^;; flags:([^;]*);/.exec(line))) d.flags = (m[1] as string).trim().split(/\s+/).filter(Boolean);
    else if ((m = /^; EDNS: .*flags:([^;]*);/.exec(line))) doFlag = (m[1] as string).split(/\s+/).includes('do');
    else if ((m = /^; EDE: (\d+)(?: \(([^)]*)\))?(?::\s*(.*))?/.exec(line))) d.ede.push({ code: Number(m[1]), text: [m[2], m[3]].filter(Boolean).join(': ') });
    else if (/^;; QUESTION SECTION:/.test(line)) section = 'question';
    else if (/^;; ANSWER SECTION:/.test(line)) section = 'answer';
    else if (/^;; AUTHORITY SECTION:/.test(line)) section = 'authority';
    else if (/^;; ADDITIONAL SECTION:/.test(line)) section = 'additional';
    else if ((m = /^;; Query time: (\d+) msec/.exec(line))) d.queryTimeMs = Number(m[1]);
    else if ((m = /^;; SERVER: (\S+?)\(([^)]*)\)(?: \((UDP|TCP)\))?/.exec(line))) {
      d.server = m[1] as string;
      d.protocol = (m[3] as 'UDP' | 'TCP' | undefined) ?? null;
    } else if ((m = /^;; MSG SIZE\s+rcvd: (\d+)/.exec(line))) d.messageSize = Number(m[1]);
    else if (line.trim() === '') section = section === 'question' ? section : null;
    else if (section === 'question' && (m = /^;(\S+)\s+(\S+)\s+(\S+)$/.exec(line))) d.question = { name: m[1] as string, class: m[2] as string, type: m[3] as string };
    else if (section && section !== 'question' && !line.startsWith(';')) {
      const r = parseRecord(line);
      if (r) d[section].push(r);
    }
  }
  d.authoritative = d.flags.includes('aa');
  d.truncated = d.flags.includes('tc');
  d.cnameChain = d.question.name ? cnameChain(d.question.name, d.answer) : [];
  const end = (d.cnameChain[d.cnameChain.length - 1] ?? '').toLowerCase();
  d.values = d.answer.filter((r) => r.name.toLowerCase() === end && r.type === d.question.type).map((r) => r.data).sort();
  const sigs = [...d.answer, ...d.authority].filter((r) => r.type === 'RRSIG').map((r) => parseRrsig(r, now)).filter((x): x is Rrsig => x !== null);
  if (doFlag || sigs.length > 0 || d.flags.includes('ad')) {
    const ad = d.flags.includes('ad');
    const bad = sigs.find((s) => s.expired || s.notYetValid);
    const bogusEde = d.ede.find((e) => e.code >= 5 && e.code <= 12);
    let validation: DnssecValidation;
    let reason: string | null = null;
    if (ad) validation = 'secure';
    else if (bad) {
      validation = 'bogus';
      reason = bad.expired ? message.rrsigExpired(bad.typeCovered, bad.signer, bad.expiration) : message.rrsigNotYetValid(bad.typeCovered, bad.signer, bad.inception);
    } else if (bogusEde) {
      validation = 'bogus';
      reason = `EDE ${bogusEde.code} ${bogusEde.text}`;
    } else validation = sigs.length > 0 ? 'unvalidated' : 'insecure';
    d.dnssec = { ad, rrsigs: sigs, validation, reason };
  }
  for (const s of ['answer', 'authority', 'additional'] as const) d[s].sort(byKey);
  return d;
}

/** Parse `dig +trace` output into the delegation walk (and the final answer). Pure. */
export function parseDigTrace(stdout: string, qname: string, qtype: string, now = Date.now()): DigData {
  const hops: DelegationStep[] = [];
  let recs: DnsRecord[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^;; Received (\d+) bytes from (\S+?)\(([^)]*)\) in (\d+) ms/.exec(line);
    if (m) {
      const ns = recs.filter((r) => r.type === 'NS');
      const final = recs.some((r) => r.type !== 'NS' && r.type !== 'RRSIG' && r.type !== 'DS' && r.name.toLowerCase() === qname.toLowerCase().replace(/\.?$/, '.'));
      hops.push({ records: recs.sort(byKey), zone: !final && ns.length > 0 ? (ns[0] as DnsRecord).name : null, fromAddress: m[2] as string, fromName: m[3] as string, bytes: Number(m[1]), timeMs: Number(m[4]) });
      recs = [];
    } else if (!line.startsWith(';') && line.trim()) {
      const r = parseRecord(line);
      if (r) recs.push(r);
    }
  }
  const last = hops[hops.length - 1];
  const name = qname.endsWith('.') ? qname : `${qname}.`;
  const answer = last && last.zone === null ? last.records : [];
  const chain = cnameChain(name, answer);
  const end = (chain[chain.length - 1] ?? '').toLowerCase();
  const soa = last?.records.some((r) => r.type === 'SOA') ?? false;
  const sigs = hops.flatMap((h) => h.records).filter((r) => r.type === 'RRSIG').map((r) => parseRrsig(r, now)).filter((x): x is Rrsig => x !== null);
  const bad = sigs.find((s) => s.expired);
  return {
    question: { name, type: qtype, class: 'IN' },
    server: last ? last.fromAddress : null,
    protocol: null,
    status: hops.length === 0 ? 'NOREPLY' : answer.length > 0 ? 'NOERROR' : soa ? 'NXDOMAIN' : 'NOANSWER',
    flags: [],
    authoritative: false,
    truncated: false,
    answer,
    authority: [],
    additional: [],
    cnameChain: chain,
    values: answer.filter((r) => r.name.toLowerCase() === end && r.type === qtype).map((r) => r.data).sort(),
    ede: [],
    queryTimeMs: hops.reduce((s, h) => s + h.timeMs, 0),
    messageSize: null,
    dnssec: sigs.length ? { ad: false, rrsigs: sigs, validation: bad ? 'bogus' : 'unvalidated', reason: bad ? message.rrsigExpired(bad.typeCovered, bad.signer, bad.expiration) : null } : null,
    dnssecRequested: false,
    trace: hops,
  };
}

function digArgv(name: string, type: string, o: DigOptions, srv: v.ServerAddress | undefined, port: number | undefined, extra: string[] = []): string[] {
  // -r: never read ~/.digrc, which would silently change what is asked (and so the evidence).
  const argv = ['dig', '-r'];
  if (srv) argv.push(`@${srv.host}`);
  if (port !== undefined) argv.push('-p', String(port));
  argv.push(`+time=${o.time ?? 2}`, `+tries=${o.tries ?? 1}`);
  if (o.tcp) argv.push('+tcp');
  if (o.dnssec) argv.push('+dnssec');
  if (o.trace) argv.push('+trace');
  if (o.recurse === false) argv.push('+norec');
  if (o.class === 'CH') argv.push('-c', 'CH');
  argv.push('+nomultiline', ...extra, '-q', name, '-t', type);
  return argv;
}

function showDig(r: StepResult<DigData>): Shown {
  const d = r.data;
  if (!d) return { title: 'dig', summary: [] };
  const rows = (recs: DnsRecord[], section: string) => recs.map((x) => [section, x.name, x.ttl, x.type, x.data]);
  const tables = [
    { caption: 'records', columns: ['section', 'name', 'ttl', 'type', 'data'], rows: [...rows(d.answer, 'answer'), ...rows(d.authority, 'authority'), ...rows(d.additional, 'additional')] },
  ];
  if (d.trace) tables.push({ caption: 'delegation walk', columns: ['step', 'zone', 'from', 'records'], rows: d.trace.map((h, i) => [i + 1, h.zone ?? '(answer)', `${h.fromName} ${h.fromAddress}`, h.records.filter((x) => x.type !== 'RRSIG').map((x) => `${x.name} ${x.type} ${x.data}`).join('; ')]) as never });
  return {
    title: `dig ${d.question.name} ${d.question.type}${d.server ? ` @${d.server}` : ''} -> ${d.status}`,
    summary: [
      ['status', d.status],
      ['flags', d.flags.join(' ')],
      ['values', d.values.join(', ')],
      ['CNAME chain', d.cnameChain.join(' -> ')],
      ['DNSSEC', d.dnssec ? `${d.dnssec.validation}${d.dnssec.reason ? ` (${d.dnssec.reason})` : ''}, ${d.dnssec.rrsigs.length} RRSIG` : d.dnssecRequested ? message.dnssecNoData(d.status) : 'not requested'],
      ['EDE', d.ede.map((e) => `${e.code} ${e.text}`).join('; ')],
      ['query time', d.queryTimeMs === null ? '' : `${d.queryTimeMs} ms`],
      ['protocol', d.protocol ?? ''],
    ],
    tables,
  };
}

function outcome(d: DigData | undefined, t: Transcript, server: string, tool = 'dig'): { ok: boolean; error?: { code: string; message: string } } {
  if (t.timedOut) return { ok: false, error: err('timeout', message.timedOut(tool, 0)) };
  if (!d) return { ok: false, error: err('usage', message.digUsage) };
  if (d.status === 'NOREPLY') return { ok: false, error: err('timeout', message.digNoReply(server)) };
  if (d.dnssec?.validation === 'bogus') return { ok: false, error: err('dnssec-bogus', `${message.dnssecBogus}${d.dnssec.reason ? `: ${d.dnssec.reason}` : ''}`) };
  if (d.status !== 'NOERROR') return { ok: false, error: err(d.status.toLowerCase(), message.digStatus(d.status)) };
  return { ok: true };
}

/** Validate dig inputs; throws StepInputError. */
function checkDig(name: string, o: DigOptions): { qname: string; type: string; srv?: v.ServerAddress; port?: number } {
  const qname = v.hostname('name', name, { allowRoot: true });
  const type = v.recordType('type', o.type ?? 'A');
  if (o.class !== undefined && o.class !== 'IN' && o.class !== 'CH') throw new StepInputError('class', String(o.class), message.badClass);
  const srv = o.server !== undefined ? v.server('server', o.server) : undefined;
  const port = o.port !== undefined ? v.port('port', o.port) : srv?.port;
  if (o.time !== undefined) v.integer('time', o.time, 1, 60);
  if (o.tries !== undefined) v.integer('tries', o.tries, 1, 10);
  if (o.netns !== undefined) v.netns('netns', o.netns);
  return { qname, type, ...(srv ? { srv } : {}), ...(port !== undefined ? { port } : {}) };
}

/** Ask one DNS question with dig. */
export async function dig(name: string, opts: DigOptions = {}): Promise<StepResult<DigData>> {
  const { qname, type, srv, port } = checkDig(name, opts);
  const runOpts = { timeoutMs: ((opts.time ?? 2) * (opts.tries ?? 1) + 3) * 1000 * (opts.trace ? 8 : 1), ...(opts.netns !== undefined ? { netns: opts.netns } : {}) };
  const t = await run(digArgv(qname, type, opts, srv, port), runOpts);
  const transcript = [t];
  const serverText = srv ? `${srv.text}${port !== undefined && srv.port === undefined ? `:${port}` : ''}` : 'the system resolver';
  let data: DigData | undefined;
  if (t.exitCode === 0 || t.exitCode === 9 || t.timedOut) {
    data = opts.trace ? parseDigTrace(t.stdout, qname, type) : parseDig(t.stdout);
    if (!data.question.name) data.question = { name: qname.endsWith('.') ? qname : `${qname}.`, type, class: opts.class ?? 'IN' };
    data.dnssecRequested = opts.dnssec === true;
  }
  // SERVFAIL with DNSSEC asked: repeat with checking disabled to tell "bogus" from "broken".
  if (data && opts.dnssec && !opts.trace && data.status === 'SERVFAIL') {
    const cd = await run(digArgv(qname, type, opts, srv, port, ['+cd']), runOpts);
    transcript.push(cd);
    const c = parseDig(cd.stdout);
    if (c.status === 'NOERROR' && c.answer.some((r) => r.type === 'RRSIG')) {
      const sigs = c.dnssec?.rrsigs ?? [];
      const bad = sigs.find((s) => s.expired || s.notYetValid);
      data.dnssec = {
        ad: false,
        rrsigs: sigs,
        validation: 'bogus',
        reason: `${bad ? message.rrsigExpired(bad.typeCovered, bad.signer, bad.expiration) : message.resolverRejected} ${message.onlyWithCd}`,
      };
      data.values = c.values;
      data.cnameChain = c.cnameChain;
    }
  }
  const o = outcome(data, t, serverText);
  if (o.error?.code === 'timeout' && t.timedOut) o.error.message = message.timedOut('dig', runOpts.timeoutMs);
  return makeResult('dig', { ok: o.ok, ...(data ? { data } : {}), ...(o.error ? { error: o.error } : {}), transcript }, showDig);
}

export interface ResolverAnswer {
  resolver: string;
  status: string;
  values: string[];
  cnameChain: string[];
  ad: boolean;
  ttl: number | null;
  queryTimeMs: number | null;
  error: string | null;
}

export interface CompareData {
  question: { name: string; type: string };
  answers: ResolverAnswer[];
  /** True when every resolver gave the same status and the same values. */
  agree: boolean;
  /** Distinct (status + values) answers and which resolvers gave each. */
  groups: { status: string; values: string[]; resolvers: string[] }[];
}

export interface CompareOptions extends Omit<DigOptions, 'server' | 'port' | 'trace'> {
  type?: string;
}

/** Ask several resolvers (`ip[:port]`, `[v6]:port`) the same question and show where they disagree. */
export async function compareResolvers(name: string, resolvers: readonly string[], opts: CompareOptions = {}): Promise<StepResult<CompareData>> {
  if (!Array.isArray(resolvers) || resolvers.length === 0) throw new StepInputError('resolvers', String(resolvers), message.empty);
  resolvers.forEach((r, i) => v.server(`resolver ${i + 1}`, r));
  checkDig(name, opts);
  const results = await Promise.all(resolvers.map((server) => dig(name, { ...opts, server })));
  const answers: ResolverAnswer[] = results.map((r, i) => {
    const d = r.data;
    const final = d?.answer.filter((x) => x.type === d.question.type) ?? [];
    return {
      resolver: resolvers[i] as string,
      status: d?.status ?? 'NOREPLY',
      values: d?.values ?? [],
      cnameChain: d?.cnameChain ?? [],
      ad: d?.dnssec?.ad ?? d?.flags.includes('ad') ?? false,
      ttl: final.length ? Math.min(...final.map((x) => x.ttl)) : null,
      queryTimeMs: d?.queryTimeMs ?? null,
      error: r.error?.message ?? null,
    };
  });
  const groups = new Map<string, { status: string; values: string[]; resolvers: string[] }>();
  for (const a of answers) {
    const key = `${a.status}|${a.values.join(',')}`;
    const g = groups.get(key) ?? { status: a.status, values: a.values, resolvers: [] };
    g.resolvers.push(a.resolver);
    groups.set(key, g);
  }
  const data: CompareData = {
    question: { name: results[0]?.data?.question.name ?? name, type: (opts.type ?? 'A').toUpperCase() },
    answers,
    agree: groups.size === 1,
    groups: [...groups.values()],
  };
  return makeResult(
    'dig-compare',
    { ok: data.agree, data, ...(data.agree ? {} : { error: err('disagree', message.resolversDisagree(groups.size)) }), transcript: results.flatMap((r) => r.transcript) },
    () => ({
      title: `${data.question.name} ${data.question.type} at ${answers.length} resolvers: ${data.agree ? 'all agree' : 'DISAGREE'}`,
      summary: [['distinct answers', data.groups.length]],
      tables: [
        {
          columns: ['resolver', 'status', 'values', 'CNAME chain', 'AD', 'min TTL', 'ms', 'group', 'error'],
          rows: answers.map((a) => [a.resolver, a.status, a.values.join(', '), a.cnameChain.join(' -> '), a.ad, a.ttl, a.queryTimeMs, data.groups.findIndex((g) => g.resolvers.includes(a.resolver)) + 1, a.error]),
        },
      ],
    }),
  );
}
