/**
 * Which fields an expression may use on a given table: the table's columns (typed from the
 * Rules-language catalogue, or inferred from their values when unknown) plus fields derived
 * from them (`http.request.uri` from path and query, `tcp.flags.syn` from `tcp.flags`, ...).
 */
import type { RuleType } from './types.js';
import { T, typeName } from './types.js';
import { BEHAVIOUR_TYPES, BEHAVIOUR_DERIVED } from './behaviour/fields.js';

/** Types of the documented fields (rules-language.md §6, §7). */
export const CATALOG: Readonly<Record<string, RuleType>> = {
  'http.host': T.Bytes,
  'http.request.full_uri': T.Bytes,
  'http.request.uri': T.Bytes,
  'http.request.uri.path': T.Bytes,
  'http.request.uri.path.extension': T.Bytes,
  'http.request.uri.query': T.Bytes,
  'http.request.uri.args': T.Map(T.Array(T.Bytes)),
  'http.request.uri.args.names': T.Array(T.Bytes),
  'http.request.uri.args.values': T.Array(T.Bytes),
  'http.request.method': T.Bytes,
  'http.request.version': T.Bytes,
  'http.user_agent': T.Bytes,
  'http.referer': T.Bytes,
  'http.cookie': T.Bytes,
  'http.request.cookies': T.Map(T.Array(T.Bytes)),
  'http.request.headers': T.Map(T.Array(T.Bytes)),
  'http.request.headers.names': T.Array(T.Bytes),
  'http.request.headers.values': T.Array(T.Bytes),
  'http.request.headers.truncated': T.Bool,
  'http.request.accepted_languages': T.Array(T.Bytes),
  'http.x_forwarded_for': T.Bytes,
  'http.request.timestamp.sec': T.Int,
  'http.request.timestamp.msec': T.Int,
  'http.request.body.raw': T.Bytes,
  'http.request.body.size': T.Int,
  'http.response.code': T.Int,
  'ip.src': T.Ip,
  'ip.dst': T.Ip,
  'ip.src.asnum': T.Int,
  'ip.geoip.asnum': T.Int,
  'ip.src.country': T.Bytes,
  'ip.geoip.country': T.Bytes,
  'ip.dst.country': T.Bytes,
  'ip.src.continent': T.Bytes,
  'ip.src.city': T.Bytes,
  'ip.src.region_code': T.Bytes,
  ssl: T.Bool,
  'cf.tls_version': T.Bytes,
  'cf.tls_cipher': T.Bytes,
  'cf.bot_management.score': T.Int,
  'cf.bot_management.verified_bot': T.Bool,
  'cf.client.bot': T.Bool,
  'cf.verified_bot_category': T.Bytes,
  'cf.bot_management.ja3_hash': T.Bytes,
  'cf.bot_management.ja4': T.Bytes,
  'cf.bot_management.js_detection.passed': T.Bool,
  'cf.bot_management.detection_ids': T.Array(T.Int),
  'cf.bot_management.static_resource': T.Bool,
  'cf.bot_management.corporate_proxy': T.Bool,
  'cf.threat_score': T.Int,
  'cf.waf.score': T.Int,
  'cf.waf.score.sqli': T.Int,
  'cf.waf.score.xss': T.Int,
  'cf.waf.score.rce': T.Int,
  'cf.waf.score.class': T.Bytes,
  'cf.edge.server_port': T.Int,
  'cf.edge.server_ip': T.Ip,
  'cf.ray_id': T.Bytes,
  'cf.timings.client_tcp_rtt_msec': T.Int,
  'cf.colo.id': T.Int,
  'cf.colo.name': T.Bytes,
  'ip.proto': T.Bytes,
  'ip.len': T.Int,
  'ip.hdr_len': T.Int,
  'ip.ttl': T.Int,
  'ip.opt.type': T.Int,
  'tcp.srcport': T.Int,
  'tcp.dstport': T.Int,
  'udp.srcport': T.Int,
  'udp.dstport': T.Int,
  'tcp.flags': T.Int,
  'tcp.flags.fin': T.Bool,
  'tcp.flags.syn': T.Bool,
  'tcp.flags.reset': T.Bool,
  'tcp.flags.push': T.Bool,
  'tcp.flags.ack': T.Bool,
  'tcp.flags.urg': T.Bool,
  'tcp.flags.ecn': T.Bool,
  'tcp.flags.cwr': T.Bool,
  'icmp.type': T.Int,
  'icmp.code': T.Int,
  // tunnels, TCP options and ICMP MTU from the pcap loader (traffic/fields.ts TUNNEL_FIELD, TCP_FIELD):
  // typed here so a rule on a capture where they are all missing still type-checks
  'icmp.mtu': T.Int,
  'icmp.ident': T.Int,
  'icmp.seq': T.Int,
  'tcp.options.mss': T.Int,
  'tcp.options.wscale.shift': T.Int,
  'tcp.options.sack_perm': T.Bool,
  'tcp.options.timestamp.tsval': T.Int,
  'tcp.options.timestamp.tsecr': T.Int,
  'tunnel.type': T.Bytes,
  'tunnel.depth': T.Int,
  'tunnel.outer.ip.src': T.Ip,
  'tunnel.outer.ip.dst': T.Ip,
  'tunnel.outer.ip.version': T.Int,
  'tunnel.outer.ip.proto': T.Int,
  'tunnel.outer.ip.len': T.Int,
  'tunnel.gre.key': T.Int,
  'tunnel.gre.seq': T.Int,
  'tunnel.gre.proto': T.Int,
  'tunnel.vni': T.Int,
  'tunnel.erspan.version': T.Int,
  'tunnel.erspan.session_id': T.Int,
  timestamp: T.Int,
  // behaviour over time (src/classify/behaviour/fields.ts), derived per table
  ...BEHAVIOUR_TYPES,
};

export type Column = ArrayLike<unknown>;

/** A field computed from other columns, once per table. */
export interface Derivation {
  /** Source fields: the first is required, the others are used when present. */
  from: readonly string[];
  type: RuleType;
  compute(cols: readonly Column[], n: number): unknown[];
  /**
   * Computes the column from the whole table at once, reading its sources through `src` (as
   * dictionary ids where the loader made them, so nothing is turned into per-row strings).
   * When present, columns.ts uses it instead of `compute`.
   */
  whole?(src: DerivationSource): ArrayLike<unknown>;
}

/** A table's columns as a table-wide derivation reads them. */
export interface DerivationSource {
  /** The same object for the same table (a derivation may cache on it). */
  readonly key: object;
  readonly n: number;
  /** Is the field a stored column of the table (not derived)? */
  has(field: string): boolean;
  /** The column as an indexable array (read row by row). */
  column(field: string): Column;
  /** Dense ids of its values when they come free (a dictionary column's codes), else undefined. */
  ids(field: string): { ids: Int32Array; values: readonly unknown[] } | undefined;
  /** The column while still UTF-8 bytes (near-unique strings no one decoded), else undefined. */
  bytes(field: string): { bytes: Uint8Array; offsets: Int32Array; missing: Uint8Array; at(row: number): string | null } | undefined;
}

/** A value as text for derivations: numbers and booleans print, arrays and objects (type confusion in traffic) are missing. */
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : null);

function mapCol(cols: readonly Column[], n: number, f: (...vals: unknown[]) => unknown): unknown[] {
  const out = new Array<unknown>(n);
  const [a, b, c] = cols as [Column, Column | undefined, Column | undefined];
  // fixed arities: no per-row spread or temporary arrays
  if (cols.length === 1) for (let i = 0; i < n; i++) out[i] = f(a[i]);
  else if (cols.length === 2) for (let i = 0; i < n; i++) out[i] = f(a[i], (b as Column)[i]);
  else for (let i = 0; i < n; i++) out[i] = f(a[i], (b as Column)[i], (c as Column)[i]);
  return out;
}

function parseArgs(q: string | null): Record<string, string[]> | null {
  if (q === null) return null;
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  if (!q) return out;
  for (const part of q.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq >= 0 ? part.slice(0, eq) : part;
    const v = eq >= 0 ? part.slice(eq + 1) : '';
    (out[k] ??= []).push(v);
  }
  return out;
}

function parseCookies(c: string | null): Record<string, string[]> | null {
  if (c === null) return null;
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const part of c.split(';')) {
    const t = part.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    (out[eq >= 0 ? t.slice(0, eq) : t] ??= []).push(eq >= 0 ? t.slice(eq + 1) : '');
  }
  return out;
}

const flag = (bit: number): Derivation => ({
  from: ['tcp.flags'],
  type: T.Bool,
  compute: (cols, n) => mapCol(cols, n, (f) => (typeof f === 'number' ? (f & bit) !== 0 : null)),
});

/**
 * The string values of key `k` in a header map as traffic gives it: an array of strings, or one
 * string; anything else (a number, an object: type confusion) has none. Own keys only.
 */
function valuesAt(h: unknown, k: string): string[] {
  if (!h || typeof h !== 'object' || !Object.hasOwn(h, k)) return [];
  const v = (h as Record<string, unknown>)[k];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const header = (name: string): Derivation => ({
  from: ['http.request.headers'],
  type: T.Bytes,
  compute: (cols, n) => mapCol(cols, n, (h) => valuesAt(h, name)[0] ?? null),
});

export const DERIVED: Readonly<Record<string, Derivation>> = {
  'http.request.uri': {
    from: ['http.request.uri.path', 'http.request.uri.query'],
    type: T.Bytes,
    compute: (cols, n) => mapCol(cols, n, (p, q) => (p === null || p === undefined ? null : q ? `${str(p)}?${str(q)}` : str(p))),
  },
  'http.request.full_uri': {
    from: ['http.request.uri.path', 'http.host', 'http.request.uri.query'],
    type: T.Bytes,
    compute: (cols, n) => mapCol(cols, n, (p, h, q) => (p === null || p === undefined ? null : `https://${str(h) ?? ''}${str(p)}${q ? `?${str(q)}` : ''}`)),
  },
  'http.request.uri.path.extension': {
    from: ['http.request.uri.path'],
    type: T.Bytes,
    compute: (cols, n) =>
      mapCol(cols, n, (p) => {
        const s = str(p);
        if (s === null) return null;
        const last = s.slice(s.lastIndexOf('/') + 1);
        const dot = last.lastIndexOf('.');
        return dot >= 0 ? last.slice(dot + 1).toLowerCase() : '';
      }),
  },
  // Logpush's JSDetectionPassed is `passed`, `failed` or `missing`: passed only when `passed`
  'cf.bot_management.js_detection.passed': {
    from: ['JSDetectionPassed'],
    type: T.Bool,
    compute: (cols, n) => mapCol(cols, n, (v) => (typeof v === 'string' ? v === 'passed' : typeof v === 'boolean' ? v : null)),
  },
  'http.request.uri.args': { from: ['http.request.uri.query'], type: T.Map(T.Array(T.Bytes)), compute: (cols, n) => mapCol(cols, n, (q) => parseArgs(str(q) ?? '')) },
  'http.request.uri.args.names': {
    from: ['http.request.uri.query'],
    type: T.Array(T.Bytes),
    compute: (cols, n) => mapCol(cols, n, (q) => Object.keys(parseArgs(str(q) ?? '') ?? {})),
  },
  'http.request.uri.args.values': {
    from: ['http.request.uri.query'],
    type: T.Array(T.Bytes),
    compute: (cols, n) => mapCol(cols, n, (q) => Object.values(parseArgs(str(q) ?? '') ?? {}).flat()),
  },
  'http.request.headers.names': {
    from: ['http.request.headers'],
    type: T.Array(T.Bytes),
    compute: (cols, n) => mapCol(cols, n, (h) => (h && typeof h === 'object' ? Object.keys(h) : null)),
  },
  'http.request.headers.values': {
    from: ['http.request.headers'],
    type: T.Array(T.Bytes),
    compute: (cols, n) =>
      mapCol(cols, n, (h) => {
        if (!h || typeof h !== 'object') return null;
        const out: string[] = [];
        for (const k of Object.keys(h)) for (const v of valuesAt(h, k)) out.push(v);
        return out;
      }),
  },
  'http.request.cookies': { from: ['http.cookie'], type: T.Map(T.Array(T.Bytes)), compute: (cols, n) => mapCol(cols, n, (c) => parseCookies(str(c))) },
  'http.x_forwarded_for': header('x-forwarded-for'),
  'http.request.accepted_languages': {
    from: ['http.request.headers'],
    type: T.Array(T.Bytes),
    compute: (cols, n) =>
      mapCol(cols, n, (h) => {
        const v = valuesAt(h, 'accept-language')[0];
        return v === undefined ? [] : v.split(',').map((x) => x.split(';')[0]?.trim() ?? '').filter(Boolean);
      }),
  },
  'http.request.timestamp.sec': { from: ['timestamp'], type: T.Int, compute: (cols, n) => mapCol(cols, n, (t) => (typeof t === 'number' ? Math.floor(t / 1000) : null)) },
  'http.request.timestamp.msec': { from: ['timestamp'], type: T.Int, compute: (cols, n) => mapCol(cols, n, (t) => (typeof t === 'number' ? t % 1000 : null)) },
  'cf.client.bot': { from: ['cf.bot_management.verified_bot'], type: T.Bool, compute: (cols) => Array.from(cols[0] as Column) },
  'ip.geoip.country': { from: ['ip.src.country'], type: T.Bytes, compute: (cols) => Array.from(cols[0] as Column) },
  'ip.geoip.asnum': { from: ['ip.src.asnum'], type: T.Int, compute: (cols) => Array.from(cols[0] as Column) },
  'tcp.flags.fin': flag(1),
  'tcp.flags.syn': flag(2),
  'tcp.flags.reset': flag(4),
  'tcp.flags.push': flag(8),
  'tcp.flags.ack': flag(16),
  'tcp.flags.urg': flag(32),
  'tcp.flags.ecn': flag(64),
  'tcp.flags.cwr': flag(128),
  ...BEHAVIOUR_DERIVED,
};

export interface FieldInfo {
  name: string;
  type: RuleType;
  derived?: Derivation;
}

/** The fields available to expressions, by name. */
export interface Schema {
  readonly fields: ReadonlyMap<string, FieldInfo>;
}

/** Infer a type from the first non-null values of an unknown column. */
export function inferType(col: Column): RuleType {
  const n = Math.min(col.length, 1000);
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'bigint') return T.Int;
    if (typeof v === 'boolean') return T.Bool;
    if (typeof v === 'string') return T.Bytes;
    if (Array.isArray(v)) {
      const inner = v.find((x) => x !== null && x !== undefined);
      return T.Array(inner === undefined ? T.Bytes : inferType([inner]));
    }
    if (typeof v === 'object') {
      const inner = Object.values(v as object).find((x) => x !== null && x !== undefined);
      return T.Map(inner === undefined ? T.Bytes : inferType([inner]));
    }
  }
  return T.Bytes;
}

/** Schema of named columns (types from the catalogue, else inferred) plus derivable fields. */
export function schemaOf(columns: Readonly<Record<string, Column>>): Schema {
  const fields = new Map<string, FieldInfo>();
  // by name: a catalogue field's type is known without reading its column (columns may be lazy)
  for (const name of Object.keys(columns)) fields.set(name, { name, type: CATALOG[name] ?? inferType(columns[name] as Column) });
  for (const [name, d] of Object.entries(DERIVED)) {
    if (!fields.has(name) && fields.has(d.from[0] as string) && !fields.get(d.from[0] as string)?.derived) fields.set(name, { name, type: d.type, derived: d });
  }
  return { fields };
}

/** Schema with every catalogue field: for checking a rule without a table. */
export function catalogSchema(): Schema {
  const fields = new Map<string, FieldInfo>();
  for (const [name, type] of Object.entries(CATALOG)) fields.set(name, { name, type, derived: DERIVED[name] });
  return { fields };
}

/** A stable key for caching compiled kernels per schema. */
export function schemaKey(schema: Schema): string {
  return [...schema.fields.values()].map((f) => `${f.name}:${typeName(f.type)}${f.derived ? '*' : ''}`).sort().join('|');
}

/** Closest name by edit distance (for "did you mean"). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}
