/**
 * Functions of the Rules language: their type signatures (used by `check`) and their runtime
 * implementations (called by generated kernels as `rt.fn.<name>`). Every function returns
 * null for a missing input ("functions propagate missing", rules-language.md §4).
 */
import type { RuleType } from './types.js';
import { T, typeName } from './types.js';
import { formatIp, maskIp, type IpKey } from './ip.js';

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

export const FUNCTIONS: Readonly<Record<string, FnSig>> = {
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

export const FUNCTION_NAMES: readonly string[] = [...Object.keys(FUNCTIONS), 'any', 'all'];

// ------------------------------------------------------------------ runtime implementations

type S = string | null | undefined;

function urlDecodeOnce(s: string, unicode: boolean): string {
  let out = s.replace(/\+/g, ' ');
  if (unicode) out = out.replace(/%u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return out.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function lookupJson(src: S, keys: readonly (string | number)[]): unknown {
  if (src === null || src === undefined) return null;
  let v: unknown;
  try {
    v = JSON.parse(src);
  } catch {
    return null;
  }
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v === undefined ? null : v;
}

const regexCache = new Map<string, RegExp>();

export const RUNTIME_FUNCTIONS = {
  lower: (s: S) => (s === null || s === undefined ? null : s.replace(/[A-Z]+/g, (m) => m.toLowerCase())),
  upper: (s: S) => (s === null || s === undefined ? null : s.replace(/[a-z]+/g, (m) => m.toUpperCase())),
  len: (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v.length : Array.isArray(v) ? v.length : typeof v === 'object' ? Object.keys(v).length : null),
  starts_with: (s: S, p: S) => (s === null || s === undefined || p === null || p === undefined ? null : s.startsWith(p)),
  ends_with: (s: S, p: S) => (s === null || s === undefined || p === null || p === undefined ? null : s.endsWith(p)),
  concat: (...args: unknown[]) => {
    if (Array.isArray(args.find((a) => a !== null && a !== undefined))) return ([] as unknown[]).concat(...args.map((a) => (Array.isArray(a) ? a : [])));
    return args.map((a) => (a === null || a === undefined ? '' : String(a))).join('');
  },
  url_decode: (s: S, opts?: S) => {
    if (s === null || s === undefined) return null;
    const u = (opts ?? '').includes('u');
    if (!(opts ?? '').includes('r')) return urlDecodeOnce(s, u);
    let prev = s;
    for (let i = 0; i < 16; i++) {
      const next = urlDecodeOnce(prev, u);
      if (next === prev) break;
      prev = next;
    }
    return prev;
  },
  decode_base64: (s: S) => (s === null || s === undefined ? null : Buffer.from(s, 'base64').toString('latin1')),
  remove_bytes: (s: S, b: S) => (s === null || s === undefined ? null : b ? s.split('').filter((c) => !b.includes(c)).join('') : s),
  substring: (s: S, start: number | null, end?: number | null) => {
    if (s === null || s === undefined || start === null) return null;
    const n = s.length;
    const a = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
    const b = end === undefined || end === null ? n : end < 0 ? Math.max(0, n + end) : Math.min(end, n);
    return b > a ? s.slice(a, b) : '';
  },
  regex_replace: (s: S, re: S, rep: S) => {
    if (s === null || s === undefined || re === null || re === undefined) return null;
    let r = regexCache.get(re);
    if (!r) regexCache.set(re, (r = new RegExp(re)));
    return s.replace(r, (rep ?? '').replace(/\$\{(\d+)\}/g, '$$$1'));
  },
  to_string: (v: unknown) => (v === null || v === undefined ? null : typeof v === 'bigint' ? formatIp(v) : typeof v === 'number' && !Number.isInteger(v) ? String(v) : String(v)),
  ip_to_string: (v: IpKey | null | undefined) => (v === null || v === undefined ? null : formatIp(v)),
  join: (a: unknown, sep: S) => (Array.isArray(a) ? a.filter((x) => x !== null && x !== undefined).join(sep ?? '') : null),
  split: (s: S, sep: S, limit: number | null) => (s === null || s === undefined || sep === null || sep === undefined ? null : s.split(sep, Math.max(1, Math.min(128, limit ?? 128)))),
  cidr: (ip: IpKey | null | undefined, v4: number | null, v6: number | null) => (ip === null || ip === undefined ? null : maskIp(ip, (typeof ip === 'number' ? v4 : v6) ?? 0)),
  cidr6: (ip: IpKey | null | undefined, v6: number | null) => (ip === null || ip === undefined ? null : typeof ip === 'number' ? ip : maskIp(ip, v6 ?? 0)),
  lookup_json_string: (s: S, ...keys: (string | number)[]) => {
    const v = lookupJson(s, keys);
    return typeof v === 'string' ? v : null;
  },
  lookup_json_integer: (s: S, ...keys: (string | number)[]) => {
    const v = lookupJson(s, keys);
    return typeof v === 'number' && Number.isInteger(v) ? v : null;
  },
};
