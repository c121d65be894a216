/**
 * Attack clustering and mitigation synthesis. Attack rows (malicious, not known-good) are
 * grouped by the strong signatures they fired; each cluster is described by its dominant
 * attributes; for each we search for the expression an engineer would deploy: a conjunction
 * or disjunction of signature expressions and attribute predicates that covers the cluster and
 * spares good traffic, plus a rate limiting rule, an IP list and (for packets) a network
 * firewall rule with its nftables form. Every proposal carries its backtest.
 */
import type { ColumnTable } from 'arquero';
import { DISPLAY, htmlTable, textTable, type DisplayData } from '../display.js';
import { rule } from './rule.js';
import { fieldColumn, internField, plain, tableSchema } from './columns.js';
import { backtestMask, type Backtest, GOOD_HIT_LIMIT } from './backtest.js';
import type { ScoreResult } from './score.js';
import { groupIds } from './aggregate.js';
import { RuleError } from './errors.js';
import { CATALOG } from './schema.js';

export interface AttributeShare {
  field: string;
  value: string | number | boolean;
  /** share of the cluster's rows with this value */
  share: number;
  /** share of good rows with this value */
  goodShare: number;
}

export interface Cluster {
  id: string;
  /** What the engineer would call it. */
  name: string;
  layer: 'l7' | 'l34';
  rows: number;
  share: number;
  signatures: string[];
  attributes: AttributeShare[];
  topSources: { ip: string; rows: number }[];
  sources: number;
}

export type MitigationKind = 'waf_custom_rule' | 'rate_limit' | 'ip_list' | 'network_firewall';

export interface Mitigation {
  kind: MitigationKind;
  cluster: string;
  description: string;
  expression: string;
  action: 'block' | 'managed_challenge' | 'log';
  /** The Cloudflare API object (rule, rate limiting rule, list + items, Magic Firewall rule). */
  json: Record<string, unknown>;
  /** Host form for network rules. */
  nftables?: string;
  backtest: { attack: number; good: number; attackMatched: number; goodMatched: number; hitsGood: boolean };
  /** Share of this cluster's rows it matches. */
  clusterCoverage: number;
}

export interface Analysis {
  clusters: Cluster[];
  mitigations: Mitigation[];
  topSources: { ip: string; rows: number; malicious: number }[];
  [DISPLAY](): DisplayData;
}

const L7_ATTRS = ['http.request.method', 'http.request.uri.path', 'cf.bot_management.ja4', 'http.request.version', 'ip.src.asnum', 'ip.src.country', 'http.user_agent', 'http.host'];
const L34_ATTRS = ['ip.proto', 'udp.srcport', 'tcp.srcport', 'tcp.dstport', 'udp.dstport', 'ip.dst', 'tcp.flags'];

const PORT_NAMES: Record<number, string> = {
  17: 'QOTD', 19: 'CharGEN', 53: 'DNS', 69: 'TFTP', 111: 'Portmap', 123: 'NTP', 137: 'NetBIOS', 161: 'SNMP', 389: 'CLDAP', 500: 'IKE', 520: 'RIPv1',
  1434: 'MSSQL', 1900: 'SSDP', 3283: 'ARD', 3702: 'WS-Discovery', 4500: 'IKE NAT-T', 5353: 'mDNS', 10001: 'Ubiquiti', 11211: 'memcached', 30718: 'Lantronix',
  33848: 'Jenkins', 37810: 'DVR/IoT', 47808: 'BACnet',
};

interface Candidate {
  expr: string;
  nft?: string;
  mask: Uint8Array;
  cover: number;
  goodHits: number;
}

function and(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = (a[i] as number) & (b[i] as number);
  return o;
}
function or(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = (a[i] as number) | (b[i] as number);
  return o;
}
function countIn(m: Uint8Array, sel: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) if (m[i] && sel[i]) c++;
  return c;
}
function count(m: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) c += m[i] as number;
  return c;
}

const lit = (v: unknown): string => (typeof v === 'number' ? String(v) : JSON.stringify(String(v)));
/** A literal for a field: IP fields take bare addresses. */
const litFor = (field: string, v: unknown): string => (CATALOG[field]?.kind === 'Ip' ? String(v) : lit(v));

/** Top values of a field within the selected rows (interned, so this is one pass). */
function topValues(table: ColumnTable, field: string, sel: Uint8Array, k: number): { value: unknown; rows: number }[] {
  const { ids, values } = internField(table, field);
  const counts = new Map<number, number>();
  for (let i = 0; i < sel.length; i++) if (sel[i] && (ids[i] as number) >= 0) counts.set(ids[i] as number, (counts.get(ids[i] as number) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([id, rows]) => ({ value: values[id], rows }));
}

function l34Name(attrs: AttributeShare[], sigs: string[]): string {
  const proto = attrs.find((a) => a.field === 'ip.proto' && a.share > 0.8)?.value;
  const sport = attrs.find((a) => a.field === 'udp.srcport' && a.share > 0.5)?.value as number | undefined;
  const dport = attrs.find((a) => a.field === 'tcp.dstport' && a.share > 0.5)?.value;
  if (proto === 'udp' && sport !== undefined && PORT_NAMES[sport]) return `${PORT_NAMES[sport]} reflection/amplification (udp/${sport})`;
  if (sigs.includes('l34.udp-fragment') || sigs.includes('l34.fragment')) return 'IP fragment flood';
  const flags = attrs.find((a) => a.field === 'tcp.flags' && a.share > 0.5)?.value;
  const sportTcp = attrs.find((a) => a.field === 'tcp.srcport' && a.share > 0.5)?.value;
  if (sigs.includes('l34.syn-from-service-port') && typeof flags === 'number' && (flags & 0x12) === 0x12) return `TCP SYN-ACK reflection${sportTcp !== undefined ? ` from tcp/${String(sportTcp)}` : ''}`;
  if (sigs.includes('l34.syn-ecn-cwr')) return `SYN flood with ECE+CWR${dport ? ` to tcp/${dport}` : ''}`;
  if (sigs.includes('l34.synack') || sigs.includes('l34.synack-flood')) return 'TCP SYN-ACK reflection';
  if (sigs.includes('l34.syn') || sigs.includes('l34.syn-flood')) return `SYN flood${dport ? ` to tcp/${dport}` : ''}`;
  if (sigs.includes('l34.rst-flood')) return 'RST/ACK flood';
  if (proto === 'icmp') return 'ICMP flood';
  if (proto === 'udp') return 'UDP flood';
  return `${String(proto ?? 'packet')} flood`;
}

export interface AnalyzeOptions {
  /** Ground truth for backtests instead of the score labels (e.g. synthetic traffic). */
  attack?: Uint8Array;
  good?: Uint8Array;
  /** Clusters smaller than this share of attack rows are folded away (default 0.01). */
  minShare?: number;
  maxClusters?: number;
}

export function analyze(scored: ScoreResult, opts: AnalyzeOptions = {}): Analysis {
  const t = plain(scored.table);
  const n = t.numRows();
  const schema = tableSchema(t);
  const has = (f: string) => schema.fields.has(f);
  const malicious = scored.mask('malicious');
  for (let i = 0; i < n; i++) if (scored.knownGood[i]) malicious[i] = 0;
  const good = opts.good ?? scored.mask('good');
  const truthAttack = opts.attack ?? malicious;
  const goodRows = count(good);
  // Cluster key: the strong (ungrouped, weight >= 30) signatures a row fired; else its volume signals.
  const sigInfo = new Map(scored.signatures.map((s) => [s.id, s]));
  const strong = scored.signatures.filter((s) => s.applicable && s.fired > 0 && (!s.group || s.group === 'fragment') && s.weight >= 30).map((s) => s.id);
  const weakOrVolume = scored.signatures.filter((s) => s.applicable && s.fired > 0 && !strong.includes(s.id)).map((s) => s.id);
  const keys = new Array<string>(n);
  const sizes = new Map<string, number>();
  let attackTotal = 0;
  for (let i = 0; i < n; i++) {
    if (!malicious[i]) continue;
    attackTotal++;
    let key = strong.filter((id) => (scored.fired.get(id) as Uint8Array)[i]).join('+');
    if (!key) key = weakOrVolume.filter((id) => (scored.fired.get(id) as Uint8Array)[i]).join('+');
    keys[i] = key;
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  const minRows = Math.max(1, Math.floor(attackTotal * (opts.minShare ?? 0.01)));
  const ordered = [...sizes.entries()].filter(([, c]) => c >= minRows).sort((a, b) => b[1] - a[1]).slice(0, opts.maxClusters ?? 8);
  const clusters: Cluster[] = [];
  const mitigations: Mitigation[] = [];
  const ipCol = has('ip.src') ? fieldColumn(t, 'ip.src') : null;
  ordered.forEach(([key, rows], ci) => {
    const sel = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (keys[i] === key) sel[i] = 1;
    const sigs = key.split('+');
    const layer = sigs.some((s) => s.startsWith('l34.')) ? 'l34' : 'l7';
    const attrs: AttributeShare[] = [];
    for (const f of layer === 'l34' ? L34_ATTRS : L7_ATTRS) {
      if (!has(f)) continue;
      const top = topValues(t, f, sel, 1)[0];
      if (!top) continue;
      const eqMask = tryMask(t, `${f} eq ${litFor(f, top.value)}`) ?? new Uint8Array(n);
      attrs.push({ field: f, value: top.value as string | number, share: top.rows / rows, goodShare: goodRows ? countIn(eqMask, good) / goodRows : 0 });
    }
    const id = `c${ci + 1}`;
    const name = layer === 'l34' ? l34Name(attrs, sigs) : sigs.map((s) => sigInfo.get(s)?.title ?? s).slice(0, 2).join(' + ');
    const srcTop = ipCol ? topValues(t, 'ip.src', sel, 10).map((v) => ({ ip: String(v.value), rows: v.rows })) : [];
    const sources = ipCol ? new Set(Array.from({ length: n }, (_, i) => (sel[i] ? ipCol[i] : undefined)).filter((x) => x !== undefined)).size : 0;
    const cluster: Cluster = { id, name, layer, rows, share: rows / attackTotal, signatures: sigs, attributes: attrs, topSources: srcTop, sources };
    clusters.push(cluster);
    mitigations.push(...synthesizeFor(t, cluster, sel, good, truthAttack, scored, layer));
  });
  // top sources overall
  const topSources: Analysis['topSources'] = [];
  if (ipCol) {
    const all = new Uint8Array(n).fill(1);
    for (const v of topValues(t, 'ip.src', all, 10)) {
      let m = 0;
      for (let i = 0; i < n; i++) if (ipCol[i] === v.value && scored.labelCodes[i] === 2) m++;
      topSources.push({ ip: String(v.value), rows: v.rows, malicious: m });
    }
  }
  return makeAnalysis(clusters, mitigations, topSources);
}

function makeAnalysis(clusters: Cluster[], mitigations: Mitigation[], topSources: Analysis['topSources']): Analysis {
  return {
    clusters,
    mitigations,
    topSources,
    [DISPLAY](): DisplayData {
      const crow = clusters.map((c) => [c.id, c.name, c.rows, `${(c.share * 100).toFixed(1)}%`, c.sources, c.attributes.filter((a) => a.share >= 0.8).map((a) => `${a.field}=${String(a.value)}`).join(', ')]);
      const mrow = mitigations.map((m) => [m.cluster, m.kind, m.action, m.expression, `${(m.backtest.attack * 100).toFixed(1)}%`, `${(m.backtest.good * 100).toFixed(3)}%`, m.backtest.hitsGood ? 'HITS GOOD TRAFFIC' : '']);
      const ch = ['cluster', 'attack', 'rows', 'share', 'sources', 'dominant'];
      const mh = ['cluster', 'kind', 'action', 'expression', 'attack hit', 'good hit', ''];
      return {
        data: {
          'text/html': htmlTable(ch, crow, { caption: 'attack clusters' }) + htmlTable(mh, mrow, { caption: 'proposed mitigations (backtested)' }),
          'application/json': JSON.parse(JSON.stringify({ clusters, mitigations, topSources })) as unknown,
          'text/plain': `${textTable(ch, crow)}\n\n${textTable(mh, mrow)}`,
        },
      };
    },
  };
}

function tryMask(t: ColumnTable, expr: string): Uint8Array | null {
  try {
    return rule(expr, t).mask(t);
  } catch (e) {
    if (e instanceof RuleError) return null;
    throw e;
  }
}

function bt(match: Uint8Array, attack: Uint8Array, good: Uint8Array): Mitigation['backtest'] {
  const b: Backtest = backtestMask(match, attack, good);
  return { attack: b.attack, good: b.good, attackMatched: b.attackMatched, goodMatched: b.goodMatched, hitsGood: b.hitsGood };
}

function synthesizeFor(t: ColumnTable, c: Cluster, sel: Uint8Array, good: Uint8Array, attack: Uint8Array, scored: ScoreResult, layer: 'l7' | 'l34'): Mitigation[] {
  const n = t.numRows();
  const rows = c.rows;
  const goodRows = Math.max(1, count(good));
  const schema = tableSchema(t);
  const cands: Candidate[] = [];
  const add = (expr: string, nft?: string) => {
    if (cands.some((x) => x.expr === expr)) return;
    const mask = tryMask(t, expr);
    if (!mask) return;
    cands.push({ expr, nft, mask, cover: countIn(mask, sel) / rows, goodHits: countIn(mask, good) });
  };
  // Signature expressions that fired in this cluster (not aggregates: a rule cannot count).
  for (const s of scored.signatures) {
    if (!s.applicable || !s.expression || (s.group && s.group !== 'fragment')) continue;
    const f = scored.fired.get(s.id);
    if (!f || countIn(f, sel) / rows < 0.5) continue;
    const isAgg = !scored.signatures.find((x) => x.id === s.id)?.expression?.length;
    if (isAgg) continue;
    // aggregates have a `where` (stored in expression) but firing depends on counts: skip them
    if (['l7.login-rate', 'l7.auth-failures', 'l34.syn-flood', 'l34.synack-flood', 'l34.rst-flood', 'l34.amp-flood', 'l34.udp-flood', 'l34.icmp-flood'].includes(s.id)) continue;
    add(s.expression.includes(' or ') ? `(${s.expression})` : s.expression, NFT_FOR_SIG[s.id]);
  }
  // Attribute predicates covering the cluster with few values.
  for (const a of c.attributes) {
    if (a.field === 'tcp.flags' || a.field === 'ip.dst') continue;
    const tops = topValues(t, a.field, sel, 5);
    let cum = 0;
    const vals: unknown[] = [];
    for (const v of tops) {
      vals.push(v.value);
      cum += v.rows;
      if (cum / rows >= 0.95) break;
    }
    if (cum / rows < 0.6) continue;
    const expr = vals.length === 1 ? `${a.field} eq ${litFor(a.field, vals[0])}` : `${a.field} in {${vals.map((v) => litFor(a.field, v)).join(' ')}}`;
    add(expr, nftFor(a.field, vals));
  }
  if (layer === 'l34') {
    add('ip.proto eq "tcp" and tcp.flags.syn and not tcp.flags.ack', 'tcp flags & (syn|ack) == syn');
    add('ip.proto eq "tcp" and tcp.flags.syn and tcp.flags.ack', 'tcp flags & (syn|ack) == syn|ack');
  }
  const verified = schema.fields.has('cf.bot_management.verified_bot');
  const out: Mitigation[] = [];
  // Search: best single, then greedy AND to cut good hits, then greedy OR to raise coverage.
  const viable = cands.filter((x) => x.cover >= 0.3).sort((a, b) => b.cover - a.cover || a.goodHits - b.goodHits);
  let best: { terms: Candidate[]; join: 'and' | 'or'; mask: Uint8Array } | undefined;
  const quality = (m: Uint8Array) => {
    const cov = countIn(m, sel) / rows;
    const g = countIn(m, good) / goodRows;
    return (g <= GOOD_HIT_LIMIT ? 2 : 0) + cov - g * 10;
  };
  for (const first of viable.slice(0, 12)) {
    let terms = [first];
    let mask = first.mask;
    for (let step = 0; step < 2 && countIn(mask, good) / goodRows > 0; step++) {
      let pick: { c: Candidate; m: Uint8Array } | undefined;
      for (const c2 of viable) {
        if (terms.includes(c2)) continue;
        const m = and(mask, c2.mask);
        if (countIn(m, sel) / rows < 0.9 * (countIn(mask, sel) / rows)) continue;
        if (!pick || quality(m) > quality(pick.m)) pick = { c: c2, m };
      }
      if (!pick || quality(pick.m) <= quality(mask)) break;
      terms = [...terms, pick.c];
      mask = pick.m;
    }
    // On equal quality prefer the most specific rule (fewest rows matched overall: udp.srcport eq 161
    // rather than all of UDP), then the shorter one.
    const len = (x: Candidate[]) => x.reduce((acc, c) => acc + c.expr.length + (/^ip\.proto eq "[a-z0-9]+"$/.test(c.expr) ? 1000 : 0), 0);
    const better = (): boolean => {
      if (!best) return true;
      const dq = quality(mask) - quality(best.mask);
      if (Math.abs(dq) > 1e-9) return dq > 0;
      const dm = count(mask) - count(best.mask);
      if (dm !== 0) return dm < 0;
      return len(terms) < len(best.terms);
    };
    if (better()) best = { terms, join: 'and', mask };
  }
  if (best && countIn(best.mask, sel) / rows < 0.9) {
    // widen with OR of clean candidates
    let mask = best.mask;
    const terms = [...best.terms];
    for (const c2 of viable) {
      if (terms.includes(c2) || c2.goodHits / goodRows > GOOD_HIT_LIMIT / 2) continue;
      const m = or(mask, c2.mask);
      if (countIn(m, sel) / rows > countIn(mask, sel) / rows + 0.02) {
        mask = m;
        terms.push(c2);
        if (countIn(mask, sel) / rows >= 0.95 || terms.length >= 4) break;
      }
    }
    if (terms.length > best.terms.length && best.terms.length === 1) best = { terms, join: 'or', mask };
  }
  if (best) {
    let expr = best.terms.map((x) => (best!.terms.length > 1 && / or /.test(x.expr) && !x.expr.startsWith('(') ? `(${x.expr})` : x.expr)).join(` ${best.join} `);
    if (best.join === 'or') expr = `(${expr})`;
    let mask = best.mask;
    if (layer === 'l7' && verified) {
      const vb = tryMask(t, 'cf.bot_management.verified_bot');
      if (vb && countIn(mask, vb) > 0) {
        expr = `(${expr}) and not cf.bot_management.verified_bot`;
        mask = tryMask(t, expr) ?? mask;
      }
    }
    const b = bt(mask, attack, good);
    const cover = countIn(mask, sel) / rows;
    if (layer === 'l7') {
      const action = b.hitsGood ? 'managed_challenge' : 'block';
      out.push({
        kind: 'waf_custom_rule', cluster: c.id, description: `${c.name}${b.hitsGood ? ' (hits good traffic: challenge, do not block)' : ''}`, expression: expr, action, backtest: b, clusterCoverage: cover,
        json: { description: `netrunbook ${c.id}: ${c.name}`, expression: expr, action, enabled: true, ref: `netrunbook-${c.id}` },
      });
    } else {
      const nft = best.join === 'and' && best.terms.every((x) => x.nft) ? best.terms.map((x) => x.nft).join(' ') : undefined;
      out.push({
        kind: 'network_firewall', cluster: c.id, description: c.name, expression: expr, action: 'block', backtest: b, clusterCoverage: cover,
        json: { description: `netrunbook ${c.id}: ${c.name}`, expression: expr, action: 'block', enabled: true },
        nftables: nft ? `table inet netrunbook {\n  chain prerouting {\n    type filter hook prerouting priority raw; policy accept;\n    ${nft} counter drop\n  }\n}` : undefined,
      });
    }
  }
  if (layer === 'l7' && schema.fields.has('ip.src')) {
    const path = c.attributes.find((a) => a.field === 'http.request.uri.path' && a.share >= 0.8);
    const method = c.attributes.find((a) => a.field === 'http.request.method' && a.share >= 0.8 && a.value !== 'GET');
    const rlExpr = path ? `http.request.uri.path eq ${lit(path.value)}${method ? ` and http.request.method eq ${lit(method.value)}` : ''}` : undefined;
    out.push(...rateLimitFor(t, c, sel, good, attack, rlExpr).filter((m) => m.clusterCoverage >= 0.2));
    // IP list: cluster sources that sent no good traffic
    const ipCol = fieldColumn(t, 'ip.src');
    const goodIps = new Set<unknown>();
    for (let i = 0; i < n; i++) if (good[i]) goodIps.add(ipCol[i]);
    const ips = new Map<string, number>();
    for (let i = 0; i < n; i++) if (sel[i] && ipCol[i] != null && !goodIps.has(ipCol[i])) ips.set(String(ipCol[i]), (ips.get(String(ipCol[i])) ?? 0) + 1);
    const items = [...ips.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10000).map(([ip]) => ip);
    if (items.length) {
      const name = `netrunbook_${c.id}`;
      const mask = rule(`ip.src in $${name}`, t, { lists: { [name]: items } }).mask(t);
      const b = bt(mask, attack, good);
      out.push({
        kind: 'ip_list', cluster: c.id, description: `${items.length} sources of ${c.name} that sent no good traffic`, expression: `ip.src in $${name}`, action: b.hitsGood ? 'managed_challenge' : 'block', backtest: b,
        clusterCoverage: countIn(mask, sel) / rows,
        json: { list: { name, kind: 'ip', description: `netrunbook ${c.id}: ${c.name}` }, items: items.map((ip) => ({ ip, comment: c.id })) },
      });
    }
  }
  return out;
}

const NFT_FOR_SIG: Record<string, string> = {
  'l34.syn': 'tcp flags & (syn|ack) == syn',
  'l34.synack': 'tcp flags & (syn|ack) == syn|ack',
  'l34.syn-ecn-cwr': 'tcp flags & (syn|ecn|cwr) == syn|ecn|cwr',
  'l34.udp-fragment': 'ip frag-off & 0x1fff != 0',
  'l34.fragment': 'ip frag-off & 0x1fff != 0',
  'l34.low-ttl': 'ip ttl <= 5',
  'l34.syn-from-service-port': 'tcp flags & syn == syn tcp sport < 1024 tcp dport >= 1024',
  'l34.syn-ecn-cwr-only': 'tcp flags & (syn|ecn|cwr) == syn|ecn|cwr',
};

function nftFor(field: string, vals: readonly unknown[]): string | undefined {
  const set = vals.length === 1 ? String(vals[0]) : `{ ${vals.join(', ')} }`;
  switch (field) {
    case 'ip.proto':
      return vals.length === 1 ? `meta l4proto ${String(vals[0])}` : undefined;
    case 'udp.srcport':
      return `udp sport ${set}`;
    case 'udp.dstport':
      return `udp dport ${set}`;
    case 'tcp.srcport':
      return `tcp sport ${set}`;
    case 'tcp.dstport':
      return `tcp dport ${set}`;
    default:
      return undefined;
  }
}

/** Rate limit per IP on the cluster's endpoint, with a threshold above every good source's rate. */
function rateLimitFor(t: ColumnTable, c: Cluster, sel: Uint8Array, good: Uint8Array, attack: Uint8Array, pathExpr: string | undefined): Mitigation[] {
  const expr = pathExpr ?? 'http.request.uri.path wildcard "*"';
  const match = tryMask(t, expr);
  if (!match) return [];
  const n = t.numRows();
  const period = 60;
  const { group } = groupIds(t, ['ip.src'], period, match);
  // per-group counts for good rows → threshold above the busiest good source
  const counts = new Map<number, number>();
  const goodMax = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    if (g < 0) continue;
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  let busiestGood = 0;
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    if (g >= 0 && good[i]) goodMax.set(g, 1);
  }
  for (const g of goodMax.keys()) busiestGood = Math.max(busiestGood, counts.get(g) ?? 0);
  const threshold = Math.max(5, Math.ceil(busiestGood * 1.2));
  // simulate: rows beyond the threshold within their (ip, window) counter are blocked
  const running = new Map<number, number>();
  const hit = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    if (g < 0) continue;
    const k = (running.get(g) ?? 0) + 1;
    running.set(g, k);
    if (k > threshold) hit[i] = 1;
  }
  const b = bt(hit, attack, good);
  return [
    {
      kind: 'rate_limit', cluster: c.id, description: `per-IP limit above the busiest good source (${busiestGood}/${period}s)`, expression: expr, action: 'block', backtest: b, clusterCoverage: countIn(hit, sel) / c.rows,
      json: {
        description: `netrunbook ${c.id}: ${c.name}`, expression: expr, action: 'block',
        ratelimit: { characteristics: ['cf.colo.id', 'ip.src'], period, requests_per_period: threshold, mitigation_timeout: 600, counting_expression: '', requests_to_origin: false },
      },
    },
  ];
}
