/**
 * Functions of the Rules language: their type signatures (used by `check`) and their runtime
 * implementations (called by generated kernels as `rt.fn.<name>`). Every function returns
 * null for a missing input ("functions propagate missing", rules-language.md §4), and for a
 * value of the wrong kind (a user agent that is a number, an array or an object in the JSON an
 * attacker sent): traffic can never make a function throw.
 */
import type { RuleType } from './types.js';
import { T, typeName } from './types.js';
import { formatIp, maskIp, type IpKey } from './ip.js';
import { Regex, lowerAscii } from './regex/index.js';

export interface FnSig {
  /** Checks argument types; returns the result type or an error message. */
  check(args: readonly RuleType[], literalArgs: readonly boolean[]): RuleType | string;
  /** The first argument must be a field/function (not a literal). */
  fieldFirst?: boolean;
}

const isBytes = (t: RuleType | undefined) => t?.kind === 'Bytes';
const need = (fn: string, args: readonly RuleType[], min: number, max: number): string | null =>
  args.length < min || args.length > max ? `${fn}() takes ${min === max ? min : `${min} to ${max === Infinity ? 'more' : max}`} argument(s), got ${args.length}` : null;
const argErr = (fn: string, i: number, want: string, got: RuleType | undefined) => `argument ${i + 1} of ${fn}() must be ${want}, got ${got ? typeName(got) : 'nothing'}`;

function bytesFn(name: string, extra: ('Bytes' | 'Int')[] = [], optional = 0): FnSig {
  return {
    fieldFirst: true,
    check(args) {
      const e = need(name, args, 1 + extra.length - optional, 1 + extra.length);
      if (e) return e;
      if (!isBytes(args[0])) return argErr(name, 0, 'Bytes', args[0]);
      for (let i = 1; i < args.length; i++) if (args[i]?.kind !== extra[i - 1]) return argErr(name, i, extra[i - 1] as string, args[i]);
      return T.Bytes;
    },
  };
}

const SIGNATURES: Record<string, FnSig> = {
  lower: bytesFn('lower'),
  upper: bytesFn('upper'),
  url_decode: bytesFn('url_decode', ['Bytes'], 1),
  decode_base64: bytesFn('decode_base64'),
  remove_bytes: bytesFn('remove_bytes', ['Bytes']),
  substring: bytesFn('substring', ['Int', 'Int'], 1),
  regex_replace: bytesFn('regex_replace', ['Bytes', 'Bytes']),
  len: {
    fieldFirst: true,
    check(args) {
      const e = need('len', args, 1, 1);
      if (e) return e;
      const k = args[0]?.kind;
      return k === 'Bytes' || k === 'Array' || k === 'Map' ? T.Int : argErr('len', 0, 'Bytes or Array', args[0]);
    },
  },
  starts_with: {
    fieldFirst: true,
    check(args) {
      const e = need('starts_with', args, 2, 2);
      if (e) return e;
      if (!isBytes(args[0])) return argErr('starts_with', 0, 'Bytes', args[0]);
      return isBytes(args[1]) ? T.Bool : argErr('starts_with', 1, 'Bytes', args[1]);
    },
  },
  ends_with: {
    fieldFirst: true,
    check(args) {
      const e = need('ends_with', args, 2, 2);
      if (e) return e;
      if (!isBytes(args[0])) return argErr('ends_with', 0, 'Bytes', args[0]);
      return isBytes(args[1]) ? T.Bool : argErr('ends_with', 1, 'Bytes', args[1]);
    },
  },
  concat: {
    check(args) {
      const e = need('concat', args, 2, Infinity);
      if (e) return e;
      const first = args[0] as RuleType;
      if (first.kind !== 'Bytes' && first.kind !== 'Array') return argErr('concat', 0, 'Bytes or Array', first);
      for (let i = 1; i < args.length; i++) if (typeName(args[i] as RuleType) !== typeName(first)) return argErr('concat', i, typeName(first), args[i]);
      return first;
    },
  },
  to_string: {
    fieldFirst: true,
    check(args) {
      const e = need('to_string', args, 1, 1);
      if (e) return e;
      const k = args[0]?.kind;
      return k === 'Int' || k === 'Bool' || k === 'Ip' ? T.Bytes : argErr('to_string', 0, 'Int, Bool or Ip', args[0]);
    },
  },
  join: {
    fieldFirst: true,
    check(args) {
      const e = need('join', args, 2, 2);
      if (e) return e;
      if (args[0]?.kind !== 'Array' || args[0].of.kind !== 'Bytes') return argErr('join', 0, 'Array<Bytes>', args[0]);
      return isBytes(args[1]) ? T.Bytes : argErr('join', 1, 'Bytes', args[1]);
    },
  },
  split: {
    fieldFirst: true,
    check(args) {
      const e = need('split', args, 3, 3);
      if (e) return e;
      if (!isBytes(args[0])) return argErr('split', 0, 'Bytes', args[0]);
      if (!isBytes(args[1])) return argErr('split', 1, 'Bytes', args[1]);
      return args[2]?.kind === 'Int' ? T.Array(T.Bytes) : argErr('split', 2, 'Int', args[2]);
    },
  },
  cidr: {
    fieldFirst: true,
    check(args) {
      const e = need('cidr', args, 3, 3);
      if (e) return e;
      if (args[0]?.kind !== 'Ip') return argErr('cidr', 0, 'Ip', args[0]);
      return args[1]?.kind === 'Int' && args[2]?.kind === 'Int' ? T.Ip : 'cidr(ip, v4bits, v6bits) takes two Int prefix lengths';
    },
  },
  cidr6: {
    fieldFirst: true,
    check(args) {
      const e = need('cidr6', args, 2, 2);
      if (e) return e;
      if (args[0]?.kind !== 'Ip') return argErr('cidr6', 0, 'Ip', args[0]);
      return args[1]?.kind === 'Int' ? T.Ip : argErr('cidr6', 1, 'Int', args[1]);
    },
  },
  lookup_json_string: {
    fieldFirst: true,
    check(args) {
      const e = need('lookup_json_string', args, 2, Infinity);
      if (e) return e;
      if (!isBytes(args[0])) return argErr('lookup_json_string', 0, 'Bytes', args[0]);
      for (let i = 1; i < args.length; i++) if (!isBytes(args[i]) && args[i]?.kind !== 'Int') return argErr('lookup_json_string', i, 'a key (Bytes) or an index (Int)', args[i]);
      return T.Bytes;
    },
  },
  lookup_json_integer: {
    fieldFirst: true,
    check(args) {
      const e = need('lookup_json_integer', args, 2, Infinity);
      if (e) return e;
      if (!isBytes(args[0])) return argErr('lookup_json_integer', 0, 'Bytes', args[0]);
      for (let i = 1; i < args.length; i++) if (!isBytes(args[i]) && args[i]?.kind !== 'Int') return argErr('lookup_json_integer', i, 'a key (Bytes) or an index (Int)', args[i]);
      return T.Int;
    },
  },
};

/** Signatures by name, in a map without a prototype: `constructor` or `__proto__` is not a function. */
export const FUNCTIONS: ReadonlyMap<string, FnSig> = new Map(Object.entries(SIGNATURES));

/** The signature of function `name`, or undefined when there is no such Rules function. */
export function functionSig(name: string): FnSig | undefined {
  return FUNCTIONS.get(name);
}

export const FUNCTION_NAMES: readonly string[] = [...FUNCTIONS.keys(), 'any', 'all'];

// ------------------------------------------------------------------ runtime implementations

type S = unknown;

/** The value as a string, or null when it is missing or not a string (type confusion in traffic). */
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : null;
}

function urlDecodeOnce(s: string, unicode: boolean): string {
  // most values (paths, queries, user agents) hold neither: nothing to replace, three regex scans saved
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = s.replace(/\+/g, ' ');
  if (unicode) out = out.replace(/%u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return out.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function lookupJson(src: S, keys: readonly unknown[]): unknown {
  const text = str(src);
  if (text === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return null;
    if (Array.isArray(v)) {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= v.length) return null;
      v = v[k];
    } else {
      if (typeof k !== 'string' || !Object.hasOwn(v, k)) return null;
      v = (v as Record<string, unknown>)[k];
    }
  }
  return v === undefined ? null : v;
}

export const RUNTIME_FUNCTIONS = {
  lower: (v: S) => {
    const s = str(v);
    return s === null ? null : lowerAscii(s);
  },
  upper: (v: S) => {
    const s = str(v);
    return s === null ? null : s.replace(/[a-z]+/g, (m) => m.toUpperCase());
  },
  len: (v: unknown) => (typeof v === 'string' ? v.length : Array.isArray(v) ? v.length : v !== null && typeof v === 'object' ? Object.keys(v).length : null),
  starts_with: (v: S, p: S) => {
    const s = str(v);
    const q = str(p);
    return s === null || q === null ? null : s.startsWith(q);
  },
  ends_with: (v: S, p: S) => {
    const s = str(v);
    const q = str(p);
    return s === null || q === null ? null : s.endsWith(q);
  },
  concat: (...args: unknown[]) => {
    if (Array.isArray(args.find((a) => a !== null && a !== undefined))) return ([] as unknown[]).concat(...args.map((a) => (Array.isArray(a) ? a : [])));
    return args.map((a) => (typeof a === 'string' ? a : typeof a === 'number' || typeof a === 'boolean' ? String(a) : '')).join('');
  },
  url_decode: (v: S, o?: S) => {
    const s = str(v);
    if (s === null) return null;
    const opts = str(o) ?? '';
    const u = opts.includes('u');
    if (!opts.includes('r')) return urlDecodeOnce(s, u);
    let prev = s;
    for (let i = 0; i < 16; i++) {
      const next = urlDecodeOnce(prev, u);
      if (next === prev) break;
      prev = next;
    }
    return prev;
  },
  decode_base64: (v: S) => {
    const s = str(v);
    return s === null ? null : Buffer.from(s, 'base64').toString('latin1');
  },
  remove_bytes: (v: S, b: S) => {
    const s = str(v);
    if (s === null) return null;
    const drop = str(b);
    if (!drop) return s;
    let out = '';
    for (let i = 0; i < s.length; i++) if (!drop.includes(s[i] as string)) out += s[i];
    return out;
  },
  substring: (v: S, from: unknown, to?: unknown) => {
    const s = str(v);
    const start = int(from);
    if (s === null || start === null) return null;
    const end = to === undefined || to === null ? null : int(to);
    const n = s.length;
    const a = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
    const b = end === null ? n : end < 0 ? Math.max(0, n + end) : Math.min(end, n);
    return b > a ? s.slice(a, b) : '';
  },
  /** `re` is the pattern compiled at check time (a Regex constant), never a value from the traffic. */
  regex_replace: (v: S, re: unknown, rep: S) => {
    const s = str(v);
    if (s === null || !(re instanceof Regex)) return null;
    return re.replaceFirst(s, str(rep) ?? '');
  },
  to_string: (v: unknown) => (typeof v === 'bigint' ? formatIp(v) : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? String(v) : null),
  ip_to_string: (v: IpKey | null | undefined) => (typeof v === 'number' || typeof v === 'bigint' ? formatIp(v) : null),
  join: (a: unknown, sep: S) => (Array.isArray(a) ? a.filter((x) => typeof x === 'string').join(str(sep) ?? '') : null),
  split: (v: S, sep: S, limit: unknown) => {
    const s = str(v);
    const by = str(sep);
    if (s === null || by === null) return null;
    return s.split(by, Math.max(1, Math.min(128, int(limit) ?? 128)));
  },
  cidr: (ip: IpKey | null | undefined, v4: unknown, v6: unknown) => (typeof ip === 'number' ? maskIp(ip, int(v4) ?? 0) : typeof ip === 'bigint' ? maskIp(ip, int(v6) ?? 0) : null),
  cidr6: (ip: IpKey | null | undefined, v6: unknown) => (typeof ip === 'number' ? ip : typeof ip === 'bigint' ? maskIp(ip, int(v6) ?? 0) : null),
  lookup_json_string: (s: S, ...keys: unknown[]) => {
    const v = lookupJson(s, keys);
    return typeof v === 'string' ? v : null;
  },
  lookup_json_integer: (s: S, ...keys: unknown[]) => {
    const v = lookupJson(s, keys);
    return typeof v === 'number' && Number.isInteger(v) ? v : null;
  },
};
