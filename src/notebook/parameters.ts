/**
 * Typed runbook parameters, papermill style, in TypeScript.
 *
 * The cell tagged `parameters` declares one constant per line:
 *
 *     // @param name hostname  the name to resolve
 *     const name: string = "example.com";
 *     // @param resolvers resolver[]  resolvers to compare, ip[:port], IPv6 as [addr]:port
 *     const resolvers: string[] = ["127.0.0.1:53"];
 *
 * The `@param` comment gives the value type (hostname, host, url, ip, cidr, ip-or-cidr, port,
 * asn, path, time-window, resolver, string, number, boolean, an enum `A|AAAA|MX`, and `T[]` for
 * a list; `?` after the type makes it optional, i.e. the empty default is allowed). Without it the
 * TypeScript annotation decides (string, number, boolean, string[]). Defaults are literals only:
 * this module never evaluates code. A run inserts a cell tagged `injected-parameters` after the
 * parameters cell that re-declares the given names; every value is validated by type before any
 * cell runs, and errors name the parameter.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { INJECTED_MARKER } from '../../kernel/provenance.js';
import { ParameterError } from './errors.js';
import { M } from './messages.js';
import { cellId, isTagged, type CodeCell, type JsonValue, type Notebook } from './nbformat.js';

export const SCALAR_TYPES = [
  'string',
  'number',
  'boolean',
  'hostname',
  'host',
  'url',
  'ip',
  'cidr',
  'ip-or-cidr',
  'port',
  'asn',
  'path',
  'time-window',
  'resolver',
] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

export interface ParamType {
  /** A named scalar type, or `enum` with `choices`. */
  base: ScalarType | 'enum';
  choices?: string[];
  list: boolean;
  optional: boolean;
}

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** The TypeScript annotation as written (`string`, `string[]`, ...), or '' when none. */
  annotation: string;
  default: JsonValue;
  description: string;
  /** 1-based line in the parameters cell. */
  line: number;
}

/** Render a type for messages and `runbook list`: `resolver[]`, `A|AAAA`, `port?`. */
export function typeName(t: ParamType): string {
  const base = t.base === 'enum' ? (t.choices ?? []).join('|') : t.base;
  return `${base}${t.list ? '[]' : ''}${t.optional ? '?' : ''}`;
}

function parseTypeToken(token: string, name: string): ParamType {
  let t = token.trim();
  const optional = t.endsWith('?');
  if (optional) t = t.slice(0, -1);
  const list = t.endsWith('[]');
  if (list) t = t.slice(0, -2);
  if (t.includes('|')) {
    const choices = t.split('|').map((s) => s.trim()).filter(Boolean);
    return { base: 'enum', choices, list, optional };
  }
  if (!(SCALAR_TYPES as readonly string[]).includes(t)) throw new ParameterError(name, M.unknownType(name, token, SCALAR_TYPES));
  return { base: t as ScalarType, list, optional };
}

function typeFromAnnotation(annotation: string, value: JsonValue): ParamType {
  const a = annotation.replace(/\s+/g, '');
  if (a === 'number' || (!a && typeof value === 'number')) return { base: 'number', list: false, optional: false };
  if (a === 'boolean' || (!a && typeof value === 'boolean')) return { base: 'boolean', list: false, optional: false };
  if (a === 'string[]' || a === 'Array<string>' || (!a && Array.isArray(value))) return { base: 'string', list: true, optional: true };
  return { base: 'string', list: false, optional: true };
}

/** A tiny literal parser: strings ('…' or "…"), numbers, booleans, null and arrays of them. */
class LiteralParser {
  i = 0;
  constructor(
    readonly src: string,
    readonly name: string,
  ) {}
  fail(what: string): never {
    throw new ParameterError(this.name, M.badDefault(this.name, what, this.src));
  }
  ws(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i] as string)) this.i++;
  }
  value(): JsonValue {
    this.ws();
    const ch = this.src[this.i];
    if (ch === '"' || ch === "'") return this.string(ch);
    if (ch === '[') {
      this.i++;
      const out: JsonValue[] = [];
      this.ws();
      if (this.src[this.i] === ']') {
        this.i++;
        return out;
      }
      for (;;) {
        out.push(this.value());
        this.ws();
        if (this.src[this.i] === ',') {
          this.i++;
          this.ws();
          if (this.src[this.i] === ']') {
            this.i++;
            return out;
          }
          continue;
        }
        if (this.src[this.i] === ']') {
          this.i++;
          return out;
        }
        this.fail(`expected "," or "]" at column ${this.i + 1}`);
      }
    }
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(this.src.slice(this.i));
    if (!m) this.fail(`only string, number, boolean and array literals are allowed (column ${this.i + 1})`);
    this.i += m[0].length;
    return JSON.parse(m[0]) as JsonValue;
  }
  string(q: string): string {
    let out = '';
    this.i++;
    while (this.i < this.src.length) {
      const c = this.src[this.i++] as string;
      if (c === q) return out;
      if (c === '\\') {
        const e = this.src[this.i++] as string;
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (e === 'u') {
          out += String.fromCharCode(parseInt(this.src.slice(this.i, this.i + 4), 16));
          this.i += 4;
        } else out += map[e] ?? e;
      } else out += c;
    }
    return this.fail('unterminated string');
  }
}

function parseLiteral(src: string, name: string): JsonValue {
  const p = new LiteralParser(src, name);
  const v = p.value();
  p.ws();
  if (src[p.i] === ';') p.i++;
  p.ws();
  if (src.startsWith('//', p.i)) p.i = src.length;
  if (p.i < src.length) p.fail(`unexpected text after the value at column ${p.i + 1}`);
  return v;
}

const DECL_RE = /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*([^=]+?))?\s*=\s*(.+)$/;
const PARAM_RE = /^\s*\/\/\s*@param\s+([A-Za-z_$][\w$]*)\s+(\S+)\s*(.*)$/;

/** The declared parameters of a parameters-cell source. */
export function parseParameters(source: string): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const tags = new Map<string, { type: string; description: string }>();
  const lines = source.split('\n');
  lines.forEach((line, idx) => {
    const tag = PARAM_RE.exec(line);
    if (tag) {
      tags.set(tag[1] as string, { type: tag[2] as string, description: (tag[3] ?? '').trim() });
      return;
    }
    const d = DECL_RE.exec(line);
    if (!d) return;
    const name = d[1] as string;
    const annotation = (d[2] ?? '').trim();
    const value = parseLiteral((d[3] as string).trim(), name);
    const declared = tags.get(name);
    const type = declared ? parseTypeToken(declared.type, name) : typeFromAnnotation(annotation, value);
    specs.push({ name, type, annotation, default: value, description: declared?.description ?? '', line: idx + 1 });
  });
  for (const name of tags.keys()) {
    if (!specs.some((s) => s.name === name)) throw new ParameterError(name, M.paramWithoutDecl(name));
  }
  return specs;
}

/** The code cell tagged `parameters`, if any. */
export function parametersCell(nb: Notebook): CodeCell | undefined {
  return nb.cells.find((c): c is CodeCell => c.cell_type === 'code' && isTagged(c, 'parameters'));
}

/** The declared parameters of a runbook (empty when it has no parameters cell). */
export function runbookParameters(nb: Notebook): ParamSpec[] {
  const cell = parametersCell(nb);
  return cell ? parseParameters(cell.source) : [];
}

// ---- validation -------------------------------------------------------------------------------

const LABEL_RE = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

export function isHostname(s: string): boolean {
  const h = s.endsWith('.') ? s.slice(0, -1) : s;
  if (!h || h.length > 253) return false;
  return h.split('.').every((l) => LABEL_RE.test(l));
}

function ipPort(s: string): { ip: string; port?: number } | null {
  const v6 = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\](?::(\d+))?$/.exec(s);
  if (v6) return net.isIPv6(v6[1] as string) ? { ip: v6[1] as string, ...(v6[2] ? { port: Number(v6[2]) } : {}) } : null;
  if (net.isIPv6(s)) return { ip: s };
  const v4 = /^([\d.]+)(?::(\d+))?$/.exec(s);
  if (v4 && net.isIPv4(v4[1] as string)) return { ip: v4[1] as string, ...(v4[2] ? { port: Number(v4[2]) } : {}) };
  return null;
}

function isCidr(s: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const fam = net.isIP(m[1] as string);
  const bits = Number(m[2]);
  return (fam === 4 && bits <= 32) || (fam === 6 && bits <= 128);
}

const WINDOW_RE = /^\d+(?:ms|s|m|h|d)$/;

/** Check one scalar; returns an error message or null. */
function checkScalar(t: ParamType, v: JsonValue): string | null {
  switch (t.base) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? null : 'a number';
    case 'boolean':
      return typeof v === 'boolean' ? null : 'true or false';
    case 'enum':
      return typeof v === 'string' && (t.choices ?? []).includes(v) ? null : `one of ${(t.choices ?? []).join(', ')}`;
    default:
      break;
  }
  if (typeof v !== 'string') return 'a string';
  switch (t.base) {
    case 'string':
      return null;
    case 'hostname':
      return isHostname(v) ? null : 'a hostname (letters, digits, "-", "_" and dots, at most 253 characters)';
    case 'host':
      return isHostname(v) || net.isIP(v) ? null : 'a hostname or IP address';
    case 'url': {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'an http:// or https:// URL';
      } catch {
        return 'an http:// or https:// URL';
      }
    }
    case 'ip':
      return net.isIP(v) ? null : 'an IPv4 or IPv6 address';
    case 'cidr':
      return isCidr(v) ? null : 'a CIDR prefix such as 192.0.2.0/24';
    case 'ip-or-cidr':
      return net.isIP(v) || isCidr(v) ? null : 'an IP address or CIDR prefix';
    case 'port': {
      const n = Number(v);
      return /^\d+$/.test(v) && n >= 1 && n <= 65535 ? null : 'a port number 1-65535';
    }
    case 'asn':
      return /^(?:AS)?\d{1,10}$/i.test(v) && Number(v.replace(/^AS/i, '')) <= 4294967295 ? null : 'an AS number such as AS13335 or 13335';
    case 'path':
      return v.includes('\0') ? 'a file path' : null;
    case 'time-window': {
      if (WINDOW_RE.test(v)) return null;
      const [a, b, ...rest] = v.split('/');
      if (a && b && rest.length === 0 && !Number.isNaN(Date.parse(a)) && !Number.isNaN(Date.parse(b)) && Date.parse(a) <= Date.parse(b)) return null;
      return 'a duration such as 15m or 2h, or an ISO range START/END';
    }
    case 'resolver': {
      const r = ipPort(v);
      if (!r) return 'a resolver ip[:port] (IPv6 as [addr]:port)';
      if (r.port !== undefined && (r.port < 1 || r.port > 65535)) return 'a resolver whose port is 1-65535';
      return null;
    }
  }
}

function isEmpty(v: JsonValue): boolean {
  return v === '' || v === null || (Array.isArray(v) && v.length === 0);
}

/** Validate a value against a spec; throws a ParameterError naming the parameter. */
export function validateValue(spec: ParamSpec, v: JsonValue): JsonValue {
  if (isEmpty(v)) {
    if (spec.type.optional) return v;
    throw new ParameterError(spec.name, M.paramRequired(spec.name, typeName(spec.type)));
  }
  const items = spec.type.list ? v : [v];
  if (!Array.isArray(items)) throw new ParameterError(spec.name, M.paramBad(spec.name, JSON.stringify(v), 'a list'));
  items.forEach((item, i) => {
    const want = checkScalar(spec.type, item);
    if (want) {
      const where = spec.type.list ? `${spec.name}[${i}]` : spec.name;
      throw new ParameterError(spec.name, M.paramBad(where, JSON.stringify(item), want));
    }
  });
  return v;
}

/** Convert command-line text to a typed value (lists are comma-separated). */
export function parseCliValue(spec: ParamSpec, text: string): JsonValue {
  const scalar = (s: string): JsonValue => {
    if (spec.type.base === 'number') {
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n)) throw new ParameterError(spec.name, M.paramBad(spec.name, JSON.stringify(s), 'a number'));
      return n;
    }
    if (spec.type.base === 'boolean') {
      if (/^(true|yes|1|on)$/i.test(s)) return true;
      if (/^(false|no|0|off)$/i.test(s)) return false;
      throw new ParameterError(spec.name, M.paramBad(spec.name, JSON.stringify(s), 'true or false'));
    }
    return s;
  };
  if (spec.type.list) return text.trim() === '' ? [] : text.split(',').map((s) => scalar(s.trim()));
  return scalar(text);
}

/**
 * Resolve `-p name=value` pairs against the runbook's declared parameters and validate every
 * parameter (given or default). Unknown names are an error that lists the known ones.
 */
export function resolveParameters(specs: readonly ParamSpec[], given: Readonly<Record<string, JsonValue>>): Record<string, JsonValue> {
  for (const name of Object.keys(given)) {
    if (!specs.some((s) => s.name === name)) throw new ParameterError(name, M.paramUnknown(name, specs.map((s) => s.name)));
  }
  const out: Record<string, JsonValue> = {};
  for (const spec of specs) out[spec.name] = validateValue(spec, spec.name in given ? (given[spec.name] as JsonValue) : spec.default);
  return out;
}

/** Parse `name=value` strings from the command line into typed values. */
export function parseAssignments(specs: readonly ParamSpec[], pairs: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ParameterError(pair, M.assignmentSyntax(pair));
    const name = pair.slice(0, eq);
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new ParameterError(name, M.paramUnknown(name, specs.map((s) => s.name)));
    out[name] = parseCliValue(spec, pair.slice(eq + 1));
  }
  return out;
}

function tsType(spec: ParamSpec): string {
  if (spec.annotation) return spec.annotation;
  if (spec.type.base === 'number') return spec.type.list ? 'number[]' : 'number';
  if (spec.type.base === 'boolean') return spec.type.list ? 'boolean[]' : 'boolean';
  return spec.type.list ? 'string[]' : 'string';
}

/** The source of an injected-parameters cell for these values. */
export function injectedSource(specs: readonly ParamSpec[], values: Readonly<Record<string, JsonValue>>): string {
  const lines = [INJECTED_MARKER];
  for (const spec of specs) {
    if (!(spec.name in values)) continue;
    lines.push(`const ${spec.name}: ${tsType(spec)} = ${JSON.stringify(values[spec.name])};`);
  }
  return lines.join('\n');
}

/**
 * Insert (or replace) the `injected-parameters` cell right after the parameters cell. Only
 * parameters whose value differs from the default are re-declared, as papermill does; with none,
 * the cell still records that the defaults were used.
 */
export function injectParameters(nb: Notebook, values: Readonly<Record<string, JsonValue>>): Notebook {
  const cells = nb.cells.filter((c) => !isTagged(c, 'injected-parameters'));
  const idx = cells.findIndex((c) => c.cell_type === 'code' && isTagged(c, 'parameters'));
  const specs = idx >= 0 ? parseParameters(cells[idx]?.source ?? '') : [];
  const changed: Record<string, JsonValue> = {};
  for (const s of specs) {
    if (s.name in values && JSON.stringify(values[s.name]) !== JSON.stringify(s.default)) changed[s.name] = values[s.name] as JsonValue;
  }
  const cell: CodeCell = {
    id: cellId(),
    cell_type: 'code',
    metadata: { tags: ['injected-parameters'] },
    source: Object.keys(changed).length ? injectedSource(specs, changed) : `${INJECTED_MARKER}: the defaults above`,
    execution_count: null,
    outputs: [],
  };
  cells.splice(idx >= 0 ? idx + 1 : 0, 0, cell);
  return { ...nb, cells };
}

// ---- path parameters --------------------------------------------------------------------------

/**
 * Re-express `path` parameters given relative to `fromDir` as paths relative to `toDir` (the
 * directory of the notebook being written), so a saved investigation names its inputs relative to
 * itself and can be moved with them. Empty values and non-path parameters are kept.
 */
export function rebasePaths(specs: readonly ParamSpec[], values: Readonly<Record<string, JsonValue>>, fromDir: string, toDir: string): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { ...values };
  const one = (v: JsonValue): JsonValue => {
    if (typeof v !== 'string' || v === '') return v;
    const rel = path.relative(path.resolve(toDir), path.resolve(fromDir, v));
    return rel === '' ? '.' : rel;
  };
  for (const s of specs) {
    if (s.type.base !== 'path' || !(s.name in values)) continue;
    const v = values[s.name] as JsonValue;
    out[s.name] = Array.isArray(v) ? v.map(one) : one(v);
  }
  return out;
}

/**
 * Check that every non-empty `path` parameter names an existing file before any kernel starts:
 * relative to `baseDir` (where the notebook runs), else a bundled file of the runbooks directory
 * (`exists` decides; the catalog passes its bundled-path lookup). Throws a ParameterError naming
 * the parameter.
 */
export function checkPaths(specs: readonly ParamSpec[], values: Readonly<Record<string, JsonValue>>, baseDir: string, bundled: (p: string) => boolean = () => false): void {
  for (const s of specs) {
    if (s.type.base !== 'path') continue;
    const v = s.name in values ? values[s.name] : s.default;
    const items = Array.isArray(v) ? v : [v];
    items.forEach((item, i) => {
      if (typeof item !== 'string' || item === '') return;
      const abs = path.resolve(baseDir, item);
      if (fs.existsSync(abs) || bundled(item)) return;
      const where = Array.isArray(v) ? `${s.name}[${i}]` : s.name;
      throw new ParameterError(s.name, M.pathMissing(where, item, abs));
    });
  }
}
