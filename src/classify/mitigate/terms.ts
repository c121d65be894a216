/**
 * Candidate terms for a cluster, each evaluated once into a bitset: the cluster's own signature
 * expressions (not aggregates: a rule cannot count), value lists of its dominant attributes
 * (built from per-distinct-value tables, so no expression is compiled or row re-scanned), and
 * for packets the TCP flag shapes. Each term carries what the guard rails need to judge it
 * (tags) and its origin firewall forms.
 */
import { internField, tableSchema } from '../columns.js';
import type { ScoreResult } from '../score.js';
import { AMP_PORTS, PACK } from '../signatures/pack.js';
import { copyBits, countAnd, emptyBits, idBits, setBit, type Bits } from './bits.js';
import { isUtf8Column } from '../../traffic/utf8.js';
import { firedSource, litFor, rowsOf, valueCounts, type ClusterWithRows, type FiredSource } from './cluster.js';
import { rule } from '../rule.js';
import { RuleError } from '../errors.js';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { DictionaryColumn } from '../../traffic/dictionary.js';
import type { Evidence } from './evidence.js';
import { MIN_TERM_COVER, STATIC_EXTENSIONS, VALUE_LIST_COVER, VALUE_LIST_MAX, VALUE_LIST_MIN_COVER } from './thresholds.js';
import { asnClass } from '../behaviour/index.js';

/** What a term restricts, as the guard rails see it. */
export type Tag =
  | 'proto' | 'dstport' | 'srcport' | 'tcp' | 'udp' | 'icmp' | 'syn' | 'synack' | 'ecn' | 'fragment' | 'dst' | 'src'
  /** a value that normal traffic of any site carries (GET, HTTP/1.1, a country, an ASN, the site's host) */
  | 'generic'
  /** needs the signature pack's regex (matches) */
  | 'regex'
  | 'bot-field'
  | 'len' | 'ttl'
  /** a network class (hosting/cloud ASNs): VPN users live there too */
  | 'hosting';

export interface Term {
  expr: string;
  field: string;
  bits: Bits;
  tags: Set<Tag>;
  signature?: string;
  values?: unknown[];
  /** nftables statement fragment (stateless match), when one exists */
  nft?: string;
  /** iptables match fragment, when one exists */
  ipt?: string;
}

const GENERIC_FIELDS = new Set(['http.request.version', 'http.host', 'ip.src.country', 'ip.src.asnum']);
const GENERIC_METHODS = new Set(['GET', 'POST', 'HEAD', 'OPTIONS']);

/** Signature forms for the origin firewall (stateless matches) and their tags. */
const SIG_FORMS: Readonly<Record<string, { nft?: string; ipt?: string; tags: Tag[] }>> = {
  'l34.syn': { nft: 'tcp flags & (syn|ack) == syn', ipt: '-p tcp --tcp-flags SYN,ACK SYN', tags: ['tcp', 'syn'] },
  'l34.synack': { nft: 'tcp flags & (syn|ack) == syn|ack', ipt: '-p tcp --tcp-flags SYN,ACK SYN,ACK', tags: ['tcp', 'synack'] },
  'l34.syn-ecn-cwr': { nft: 'tcp flags & (syn|ecn|cwr) == syn|ecn|cwr', ipt: '-p tcp --tcp-flags SYN,ECE,CWR SYN,ECE,CWR', tags: ['tcp', 'ecn'] },
  'l34.syn-from-service-port': { nft: 'tcp flags & syn == syn tcp sport < 1024 tcp dport >= 1024', ipt: '-p tcp --tcp-flags SYN SYN --sport 0:1023 --dport 1024:65535', tags: ['tcp', 'srcport', 'synack'] },
  'l34.udp-fragment': { nft: 'ip frag-off & 0x1fff != 0', ipt: '-f', tags: ['fragment'] },
  'l34.fragment': { nft: 'ip frag-off & 0x1fff != 0', ipt: '-f', tags: ['fragment'] },
  'l34.amp-port': { nft: `udp sport { ${AMP_PORTS.join(', ')} }`, ipt: `-p udp -m multiport --sports ${AMP_PORTS.slice(0, 15).join(',')}`, tags: ['udp', 'srcport'] },
  'l34.low-ttl': { nft: 'ip ttl <= 5', ipt: '-m ttl --ttl-lt 6', tags: ['ttl'] },
  'l34.large-udp': { nft: 'meta l4proto udp ip length >= 1000', ipt: '-p udp -m length --length 1000:65535', tags: ['udp', 'len'] },
};

function valueForms(field: string, vals: readonly unknown[]): { nft?: string; ipt?: string; tags: Tag[] } {
  const set = vals.length === 1 ? String(vals[0]) : `{ ${vals.join(', ')} }`;
  const list = vals.join(',');
  switch (field) {
    case 'ip.proto': {
      const p = String(vals[0]);
      const tags: Tag[] = ['proto'];
      if (vals.length === 1 && (p === 'tcp' || p === 'udp' || p === 'icmp')) tags.push(p);
      return { nft: vals.length === 1 ? `meta l4proto ${p}` : undefined, ipt: vals.length === 1 ? `-p ${p}` : undefined, tags };
    }
    case 'udp.srcport':
      return { nft: `udp sport ${set}`, ipt: `-p udp -m multiport --sports ${list}`, tags: ['udp', 'srcport'] };
    case 'udp.dstport':
      return { nft: `udp dport ${set}`, ipt: `-p udp -m multiport --dports ${list}`, tags: ['udp', 'dstport'] };
    case 'tcp.srcport':
      return { nft: `tcp sport ${set}`, ipt: `-p tcp -m multiport --sports ${list}`, tags: ['tcp', 'srcport'] };
    case 'tcp.dstport':
      return { nft: `tcp dport ${set}`, ipt: `-p tcp -m multiport --dports ${list}`, tags: ['tcp', 'dstport'] };
    case 'ip.dst':
      return { nft: `ip daddr ${set}`, ipt: `-d ${list}`, tags: ['dst'] };
    case 'ip.src':
      return { nft: `ip saddr ${set}`, ipt: `-s ${list}`, tags: ['src'] };
    case 'icmp.type':
      return { nft: `icmp type ${set}`, ipt: vals.length === 1 ? `-p icmp --icmp-type ${String(vals[0])}` : undefined, tags: ['icmp'] };
    default:
      return { tags: [] };
  }
}

const firedCache = new WeakMap<object, Map<string, Bits | null>>();
/** A signature's fired rows as bits, once per analysis. */
function firedBits(ev: Evidence, scored: ScoreResult, id: string): Bits | null {
  let m = firedCache.get(ev);
  if (!m) firedCache.set(ev, (m = new Map()));
  let b = m.get(id);
  if (b === undefined) {
    const f = firedSource(scored, id);
    m.set(id, (b = f ? wordBits(f, ev.n) : null));
  }
  return b;
}

/** Bits of the rows [0, n) with `bit` set in their word (the same bits as the signature's mask). */
function wordBits(f: FiredSource, n: number): Bits {
  const out = emptyBits(n);
  const { word, bit } = f;
  for (let w = 0, i = 0; i < n; w++) {
    let x = 0;
    for (let b = 0; b < 32 && i < n; b++, i++) if (((word[i] as number) & bit) !== 0) x |= 1 << b;
    out[w] = x;
  }
  return out;
}

/** Pack signatures scored by their expression alone, by id. */
const PACK_EXPRESSIONS = new Map(PACK.signatures.flatMap((s) => (s.kind === 'expression' ? [[s.id, s.expression] as const] : [])));

interface KnownGoodRows {
  rows: Int32Array;
  columns: Map<string, unknown>;
  tables: Map<string, ColumnTable>;
}
const knownGoodCache = new WeakMap<object, KnownGoodRows>();

/** A column's values at `rows`, in the same representation (a dictionary column stays one, with the same values). */
function gatherColumn(col: unknown, rows: Int32Array): unknown {
  const m = rows.length;
  if (col instanceof DictionaryColumn) {
    const codes = col.codes instanceof Int32Array ? new Int32Array(m) : new Uint8Array(m);
    for (let j = 0; j < m; j++) codes[j] = col.codes[rows[j] as number] as number;
    return new DictionaryColumn(codes, col.values);
  }
  if (ArrayBuffer.isView(col) && !(col instanceof DataView)) {
    const src = col as unknown as ArrayLike<number> & { constructor: new (n: number) => { [i: number]: number } };
    const out = new src.constructor(m);
    for (let j = 0; j < m; j++) out[j] = src[rows[j] as number] as number;
    return out;
  }
  if (Array.isArray(col)) return Array.from(rows, (i) => col[i] as unknown);
  const at = col as { at(i: number): unknown };
  return Array.from(rows, (i) => at.at(i));
}
const sigBitsCache = new WeakMap<object, Map<string, Bits | null>>();

/**
 * The known-good rows with the stored columns an expression reads (a derived field: the columns
 * it is derived from), as a table of their own; null when a field's columns cannot be named.
 */
function knownGoodTable(ev: Evidence, kg: KnownGoodRows, fields: readonly string[]): ColumnTable | null {
  const stored = ev.t.data() as Record<string, unknown>;
  const schema = tableSchema(ev.t);
  const cols = new Set<string>();
  for (const f of fields) {
    const from = Object.hasOwn(stored, f) ? [f] : (schema.fields.get(f)?.derived?.from ?? []).filter((g) => Object.hasOwn(stored, g));
    if (!from.length) return null;
    for (const g of from) cols.add(g);
  }
  const names = [...cols].sort();
  const key = names.join('\u0000');
  let table = kg.tables.get(key);
  if (!table) {
    const data: Record<string, unknown> = {};
    for (const g of names) {
      if (!kg.columns.has(g)) kg.columns.set(g, gatherColumn(stored[g], kg.rows));
      data[g] = kg.columns.get(g);
    }
    kg.tables.set(key, (table = aq.table(data as Record<string, ArrayLike<unknown>>)));
  }
  return table;
}

/**
 * The rows an expression signature's expression matches, from what score() already found: it
 * fired on exactly the matching rows that are not known-good (or on all of them, for a signature
 * that does not exempt known-good rows), so the expression's rows are the fired rows plus the
 * matching known-good ones, and only those few rows are evaluated here (a table of the
 * known-good rows and the columns the expression reads). Null when that does not hold or cannot
 * be shown (a signature not scored by this expression, what may be a list reference (`$name`), a
 * baseline table): the caller evaluates the expression.
 */
function signatureBits(ev: Evidence, scored: ScoreResult, id: string, expression: string): Bits | null {
  if (ev.base || PACK_EXPRESSIONS.get(id) !== expression || /\$[A-Za-z_]/.test(expression)) return null;
  let memo = sigBitsCache.get(ev);
  if (!memo) sigBitsCache.set(ev, (memo = new Map()));
  if (memo.has(id)) return memo.get(id) as Bits | null;
  let out: Bits | null = null;
  // the fired rows' bits (no baseline here: the table's rows are all the rows), copied: the
  // matching known-good rows are added below
  const fired = firedBits(ev, scored, id);
  if (fired) {
    out = fired.slice();
    let kg = knownGoodCache.get(ev);
    if (!kg) knownGoodCache.set(ev, (kg = { rows: rowsOf(scored.knownGood), columns: new Map(), tables: new Map() }));
    if (kg.rows.length) {
      try {
        const table = knownGoodTable(ev, kg, rule(expression, ev.t, { lists: ev.lists }).fields);
        if (!table) out = null;
        else {
          const m = rule(expression, table, { lists: ev.lists }).mask(table);
          for (let j = 0; j < m.length; j++) if (m[j]) setBit(out as Bits, kg.rows[j] as number);
        }
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        out = null;
      }
    }
  }
  memo.set(id, out);
  return out;
}

const termCache = new WeakMap<object, Map<string, Bits>>();
/** Value terms recur across clusters (method eq "POST"): their bits once per analysis. */
function termMemo(ev: Evidence): Map<string, Bits> {
  let m = termCache.get(ev);
  if (!m) termCache.set(ev, (m = new Map()));
  return m;
}

/** Pack signatures that say they cannot be deployed as written (`deployable: false`). */
const UNDEPLOYABLE = new Set(PACK.signatures.filter((s) => s.deployable === false).map((s) => s.id));

/** Signatures whose firing depends on counts: their expression alone is not the signature. */
const AGGREGATE_IDS = new Set(['l7.login-rate', 'l7.auth-failures', 'l7.source-rate', 'l7.path-spread', 'l7.not-found-rate']);

export function termsFor(c: ClusterWithRows, ev: Evidence, scored: ScoreResult): Term[] {
  const t = ev.t;
  const schema = tableSchema(t);
  const out: Term[] = [];
  const seen = new Set<string>();
  const cover = (b: Bits) => countAnd(b, c.bits) / c.rows;
  const add = (term: Omit<Term, 'bits'>, bits: Bits | null) => {
    if (!bits || seen.has(term.expr)) return;
    seen.add(term.expr);
    if (cover(bits) < MIN_TERM_COVER) return;
    out.push({ ...term, bits });
  };
  for (const s of scored.signatures) {
    if (!s.applicable || !s.expression || AGGREGATE_IDS.has(s.id) || (s.group && s.group !== 'fragment')) continue;
    if (/-flood$|fan-in$/.test(s.id)) continue;
    // behaviour.* fields exist only in this analysis, not at Cloudflare's edge: such a signature
    // (deployable: false in the pack) is evidence, never a rule to paste
    if (UNDEPLOYABLE.has(s.id) || /\bbehaviour\./.test(s.expression)) continue;
    const f = firedBits(ev, scored, s.id);
    if (!f) continue;
    if (countAnd(f, c.bits) / c.rows < 0.5) continue;
    const forms = SIG_FORMS[s.id] ?? { tags: [] };
    const tags = new Set<Tag>(forms.tags);
    if (/\bmatches\b|~/.test(s.expression)) tags.add('regex');
    if (s.expression.includes('cf.bot_management.')) tags.add('bot-field');
    const expr = /\bor\b/.test(s.expression) ? `(${s.expression})` : s.expression;
    add({ expr, field: s.id, tags, signature: s.id, nft: forms.nft, ipt: forms.ipt, ...(s.id === 'l34.amp-port' ? { values: [...AMP_PORTS] } : {}) }, signatureBits(ev, scored, s.id, s.expression) ?? ev.evalBits(expr));
  }
  for (const a of c.attributes) {
    if (a.field === 'tcp.flags') continue;
    const tops = valueCounts(t, a.field, c.sel);
    let cum = 0;
    const vals: unknown[] = [];
    const ids: number[] = [];
    for (const v of tops.slice(0, VALUE_LIST_MAX)) {
      vals.push(v.value);
      ids.push(v.id);
      cum += v.rows;
      if (cum / c.rows >= VALUE_LIST_COVER) break;
    }
    if (cum / c.rows < VALUE_LIST_MIN_COVER) continue;
    const expr = vals.length === 1 ? `${a.field} eq ${litFor(a.field, vals[0])}` : `${a.field} in {${vals.map((v) => litFor(a.field, v)).join(' ')}}`;
    const forms = valueForms(a.field, vals);
    const tags = new Set<Tag>(forms.tags);
    if (GENERIC_FIELDS.has(a.field) || (a.field === 'http.request.method' && vals.every((v) => GENERIC_METHODS.has(String(v)))) || (a.field === 'http.request.uri.path' && vals.every((v) => v === '/'))) tags.add('generic');
    if (a.field.startsWith('cf.bot_management.')) tags.add('bot-field');
    const memoHit = termMemo(ev).get(expr);
    if (memoHit) {
      add({ expr, field: a.field, tags, values: vals, nft: forms.nft, ipt: forms.ipt }, memoHit);
      continue;
    }
    // per-distinct-value table: the incident side is a lookup on interned ids, no expression compiled
    const { ids: rowIds, values } = internField(t, a.field);
    const want = new Uint8Array(values.length);
    for (const k of ids) want[k] = 1;
    const bits = idBits(rowIds, want, ev.n, ev.N);
    if (ev.base) {
      const b = ev.evalBits(expr);
      if (b) copyBits(bits, b, ev.n, ev.N);
    }
    termMemo(ev).set(expr, bits);
    add({ expr, field: a.field, tags, values: vals, nft: forms.nft, ipt: forms.ipt }, bits);
  }
  if (c.layer === 'l7') for (const p of behaviourProxies(c, ev)) add(p.term, p.bits);
  // product tokens of the cluster's user agents ("HeadlessChrome/", "python-requests/"): a narrower
  // term than the pack's regex when the cluster mixes clients; evaluated per distinct user agent
  if (c.layer === 'l7' && schema.fields.has('http.user_agent')) {
    const { ids, values } = internField(t, 'http.user_agent');
    const perToken = new Map<string, number>();
    for (const v of valueCounts(t, 'http.user_agent', c.sel)) {
      for (const tok of new Set(String(v.value).match(/[A-Za-z][A-Za-z0-9._-]{2,30}\//g) ?? [])) perToken.set(tok, (perToken.get(tok) ?? 0) + v.rows);
    }
    const common = new Set(['Mozilla/', 'AppleWebKit/', 'Chrome/', 'Safari/', 'Version/', 'Gecko/', 'Firefox/', 'Mobile/']);
    for (const [tok, rows] of perToken) {
      if (common.has(tok) || rows / c.rows < MIN_TERM_COVER) continue;
      const tokExpr = `http.user_agent contains ${JSON.stringify(tok)}`;
      const memoHit = termMemo(ev).get(tokExpr);
      if (memoHit) {
        add({ expr: tokExpr, field: 'http.user_agent', tags: new Set<Tag>(), values: [tok] }, memoHit);
        continue;
      }
      const want = Uint8Array.from(values, (v) => (String(v).includes(tok) ? 1 : 0));
      const expr = `http.user_agent contains ${JSON.stringify(tok)}`;
      const bits = idBits(ids, want, ev.n, ev.N);
      if (ev.base) {
        const b = ev.evalBits(expr);
        if (b) copyBits(bits, b, ev.n, ev.N);
      }
      termMemo(ev).set(expr, bits);
      add({ expr, field: 'http.user_agent', tags: new Set<Tag>(), values: [tok] }, bits);
    }
  }
  if (c.layer === 'l34' && schema.fields.has('tcp.flags')) {
    add({ expr: 'ip.proto eq "tcp" and tcp.flags.syn and not tcp.flags.ack', field: 'tcp.flags', tags: new Set<Tag>(['tcp', 'syn']), nft: SIG_FORMS['l34.syn']?.nft, ipt: SIG_FORMS['l34.syn']?.ipt }, ev.evalBits('ip.proto eq "tcp" and tcp.flags.syn and not tcp.flags.ack'));
    add({ expr: 'ip.proto eq "tcp" and tcp.flags.syn and tcp.flags.ack', field: 'tcp.flags', tags: new Set<Tag>(['tcp', 'synack']), nft: SIG_FORMS['l34.synack']?.nft, ipt: SIG_FORMS['l34.synack']?.ipt }, ev.evalBits('ip.proto eq "tcp" and tcp.flags.syn and tcp.flags.ack'));
  }
  return out;
}

/**
 * Deployable stand-ins for behaviour evidence. The bh.* signatures read `behaviour.*` fields that
 * exist only in this analysis; what a browser-grade bot does over time shows at Cloudflare's edge
 * (and in an origin log) as request properties a rule can test: no session cookie, no referer,
 * no Accept-Language, no static asset, a family of paths (`/product/...`), a hosting network.
 * Each is offered to the search as a term like any other, so a rule is still chosen and graded
 * on possibly-good traffic it was not derived from, never on the behaviour labels.
 */
const PROXIES: readonly { needs: string; expr: string; what: string; nonEmpty?: boolean }[] = [
  { needs: 'http.cookie', expr: 'not len(http.cookie) gt 0', what: 'no cookie (no session)', nonEmpty: false },
  { needs: 'http.referer', expr: 'not len(http.referer) gt 0', what: 'no referer', nonEmpty: false },
  { needs: 'http.request.headers', expr: 'not len(http.request.headers["accept-language"]) ge 0', what: 'no Accept-Language header' },
  { needs: 'http.request.uri.path', expr: `not http.request.uri.path.extension in {${STATIC_EXTENSIONS.map((e) => `"${e}"`).join(' ')}}`, what: 'not a static asset' },
  { needs: 'http.request.uri.query', expr: 'len(http.request.uri.query) gt 0', what: 'with a query string', nonEmpty: true },
  { needs: 'cf.bot_management.verified_bot', expr: 'not cf.client.bot', what: 'not a verified bot' },
];

/**
 * `len(F) gt 0` (nonEmpty true) or `not len(F) gt 0` (false) straight from a UTF-8 byte column's
 * offsets: a string is non-empty exactly when its bytes are, and a missing value is never
 * longer than 0. Near-unique columns (cache-busting queries) are kept as bytes, and the Rules
 * kernel would decode and intern every row of them. Null when the column is not bytes or a
 * baseline table is joined (the expression is evaluated as written then).
 */
function nonEmptyBits(ev: Evidence, field: string, nonEmpty: boolean): Bits | null {
  const col = (ev.t.data() as Record<string, unknown>)[field];
  if (ev.base || !isUtf8Column(col)) return null;
  const { offsets, missing } = col;
  const bits = emptyBits(ev.N);
  for (let i = 0; i < ev.n; i++) {
    const full = missing[i] === 0 && (offsets[i + 1] as number) > (offsets[i] as number);
    if (full === nonEmpty) setBit(bits, i);
  }
  return bits;
}
/** The first path segment per distinct path, once per interned column. */
const familyCache = new WeakMap<readonly unknown[], (string | null)[]>();
/** Path families: the first segment (`/product/`), kept when a few cover most of a cluster. */
export const PATH_FAMILY_MAX = 3;

function behaviourProxies(c: ClusterWithRows, ev: Evidence): { term: Omit<Term, 'bits'>; bits: Bits | null }[] {
  const t = ev.t;
  const schema = tableSchema(t);
  const out: { term: Omit<Term, 'bits'>; bits: Bits | null }[] = [];
  const memo = termMemo(ev);
  const cached = (expr: string, make: () => Bits | null): Bits | null => {
    const hit = memo.get(expr);
    if (hit) return hit;
    const b = make();
    if (b) memo.set(expr, b);
    return b;
  };
  for (const p of PROXIES) {
    if (!schema.fields.has(p.needs)) continue;
    out.push({ term: { expr: p.expr, field: p.needs, tags: new Set<Tag>(p.needs === 'http.request.uri.path' || p.needs === 'cf.bot_management.verified_bot' ? ['generic'] : []) }, bits: cached(p.expr, () => (p.nonEmpty === undefined ? null : nonEmptyBits(ev, p.needs, p.nonEmpty)) ?? ev.evalBits(p.expr)) });
  }
  // a family of paths under one first segment (a catalogue walk spreads over thousands of paths)
  if (schema.fields.has('http.request.uri.path')) {
    const { ids, values } = internField(t, 'http.request.uri.path');
    let fam = familyCache.get(values);
    if (!fam) {
      fam = values.map((v) => {
        const m = /^(\/[^/?#]+\/)[^/]/.exec(String(v));
        return m ? (m[1] as string) : null;
      });
      familyCache.set(values, fam);
    }
    const per = new Map<string, number>();
    for (const v of valueCounts(t, 'http.request.uri.path', c.sel)) {
      const f = (fam as (string | null)[])[v.id];
      if (f) per.set(f, (per.get(f) ?? 0) + v.rows);
    }
    const top = [...per.entries()].sort((a, b) => b[1] - a[1]).slice(0, PATH_FAMILY_MAX);
    let cum = 0;
    const keep: string[] = [];
    for (const [f, rows] of top) {
      keep.push(f);
      cum += rows;
      if (cum / c.rows >= VALUE_LIST_COVER) break;
    }
    if (keep.length && cum / c.rows >= MIN_TERM_COVER) {
      keep.sort();
      const expr = keep.length === 1 ? `starts_with(http.request.uri.path, ${JSON.stringify(keep[0])})` : `(${keep.map((f) => `starts_with(http.request.uri.path, ${JSON.stringify(f)})`).join(' or ')})`;
      const want = new Set(keep);
      out.push({
        term: { expr, field: 'http.request.uri.path', tags: new Set<Tag>(), values: keep },
        bits: cached(expr, () => {
          // per distinct path, then the rows by their path id
          const wantId = Uint8Array.from(fam as (string | null)[], (f) => (f !== null && want.has(f) ? 1 : 0));
          const bits = idBits(ids, wantId, ev.n, ev.N);
          if (ev.base) {
            const b = ev.evalBits(expr);
            if (b) copyBits(bits, b, ev.n, ev.N);
          }
          return bits;
        }),
      });
    }
  }
  // hosting/cloud networks (the shipped ASN-class table, src/classify/behaviour/networks.ts):
  // every hosting ASN the cluster comes from, as one list
  if (schema.fields.has('ip.src.asnum')) {
    const asns: number[] = [];
    let rows = 0;
    for (const v of valueCounts(t, 'ip.src.asnum', c.sel)) {
      if (asnClass(v.value) !== 'hosting') continue;
      asns.push(v.value as number);
      rows += v.rows;
    }
    if (asns.length && asns.length <= 200 && rows / c.rows >= MIN_TERM_COVER) {
      asns.sort((a, b) => a - b);
      const expr = `ip.src.asnum in {${asns.join(' ')}}`;
      out.push({ term: { expr, field: 'ip.src.asnum', tags: new Set<Tag>(['hosting']), values: asns }, bits: cached(expr, () => ev.evalBits(expr)) });
    }
  }
  return out;
}
