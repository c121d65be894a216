/**
 * What differs between the SQL engines the Rules language lowers to. Everything here is in both
 * ClickHouse 18.16 and current ClickHouse (no Map type, no ILIKE, no window functions, no
 * isIPAddressInRange), and in DuckDB without extensions (no `inet`).
 */
import type { SqlDialectName } from './storage.js';

export interface Dialect {
  name: SqlDialectName;
  ident(name: string): string;
  /** A string literal holding exactly `s`. */
  str(s: string): string;
  /** A condition that is true/false, never NULL (missing values compare false). */
  truthy(cond: string): string;
  xor(a: string, b: string): string;
  /** ASCII-only lower/upper case (Cloudflare's `lower` leaves non-ASCII alone). */
  lowerAscii(x: string): string;
  upperAscii(x: string): string;
  /** Characters (code points) of a string; elements of an array. */
  strLength(x: string): string;
  arrayLength(x: string): string;
  contains(x: string, lit: string): string;
  /** Unanchored RE2 search for `pattern` (the pattern itself, not a SQL literal). */
  regex(x: string, pattern: string): string;
  startsWith(x: string, p: string): string;
  endsWith(x: string, p: string): string;
  bitAnd(x: string, k: string): string;
  concat(parts: string[]): string;
  /** `rounds` rounds of URL decoding ('+' is a space), as the in-memory loop does them. */
  urlDecode(x: string, rounds: number): string;
  intToString(x: string): string;
  /** `any`/`all` over an array, the body written in terms of `el`. */
  any(arr: string, el: string, body: string): string;
  all(arr: string, el: string, body: string): string;
  /** Values of map key `k` (parallel key/value arrays). */
  mapValues(keys: string, values: string, k: string): string;
  /** Element `i` (0-based) of an array, NULL past its end. */
  at(arr: string, i: number): string;
  /** Distinct elements of an array (for the keys of a map). */
  distinct(arr: string): string;
  /** `count(DISTINCT x)` and `count(*)` as aggregates. */
  countDistinct(x: string): string;
  intDiv(a: string, b: string): string;
  /** `IN (subquery)` across shards (ClickHouse `GLOBAL IN`). */
  inSubquery: string;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/**
 * ClickHouse 18.16 pre-filters a regex by a literal it requires, extracted from the pattern
 * without regard to an inline `(?i)`: `(?i)MOZILLA` then needs "MOZILLA" case-sensitively and
 * matches nothing (the differential test found it; current ClickHouse is right). A top-level
 * alternative that matches nothing (`[^\s\S]`) makes the pattern have no required literal on
 * every version, without changing what it matches. Only patterns with an inline `i` flag pay for it.
 */
function chPattern(p: string): string {
  return /\(\?[a-zA-Z]*i[a-zA-Z]*(?:-[a-zA-Z]*)?[):]/.test(p) ? `(?:${p})|[^\\s\\S]` : p;
}

export const CLICKHOUSE: Dialect = {
  name: 'clickhouse',
  ident: (n) => `\`${n.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``,
  // ClickHouse string literals: backslash escapes; every byte outside printable ASCII escaped
  str: (s) => `'${Array.from(Buffer.from(s, 'utf8')).map((b) => (b === 0x27 ? "\\'" : b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('')}'`,
  truthy: (c) => `ifNull(${c}, 0)`,
  xor: (a, b) => `(${a} != ${b})`,
  // lower/upper in ClickHouse are ASCII-only (lowerUTF8 is the Unicode one)
  lowerAscii: (x) => `lower(${x})`,
  upperAscii: (x) => `upper(${x})`,
  strLength: (x) => `lengthUTF8(${x})`,
  arrayLength: (x) => `length(${x})`,
  contains: (x, lit) => `(position(${x}, ${lit}) > 0)`,
  regex: (x, p) => `match(${x}, ${CLICKHOUSE.str(chPattern(p))})`,
  startsWith: (x, p) => `startsWith(${x}, ${p})`,
  endsWith: (x, p) => `endsWith(${x}, ${p})`,
  bitAnd: (x, k) => `(bitAnd(${x}, ${k}) != 0)`,
  concat: (parts) => `concat(${parts.map((p) => `ifNull(${p}, '')`).join(', ')})`,
  urlDecode: (x, rounds) => {
    let s = x;
    for (let i = 0; i < rounds; i++) s = `decodeURLComponent(replaceAll(${s}, '+', ' '))`;
    return s;
  },
  intToString: (x) => `toString(${x})`,
  any: (arr, el, body) => `arrayExists(${el} -> ${body}, ${arr})`,
  all: (arr, el, body) => `arrayAll(${el} -> ${body}, ${arr})`,
  mapValues: (keys, values, k) => `arrayFilter((v, k) -> k = ${k}, ${values}, ${keys})`,
  at: (arr, i) => `if(length(${arr}) > ${i}, arrayElement(${arr}, ${i + 1}), NULL)`,
  distinct: (arr) => `arrayFilter((x, i) -> indexOf(${arr}, x) = i, ${arr}, arrayEnumerate(${arr}))`,
  countDistinct: (x) => `uniqExact(${x})`,
  intDiv: (a, b) => `intDiv(${a}, ${b})`,
  inSubquery: 'GLOBAL IN',
};

/**
 * DuckDB's url_decode rejects bytes that are not UTF-8, while the in-memory engine (and
 * Cloudflare's) decodes each %HH to the character with that code. So %80-%FF are first rewritten
 * to the UTF-8 form of that character (U+0080-U+00FF: C2/C3 + one byte), through a marker byte
 * that no second replacement can hit, and only then decoded.
 */
function duckUrlDecodeOnce(x: string): string {
  let s = `regexp_replace(replace(${x}, '+', ' '), '%([89A-Fa-f][0-9A-Fa-f])', chr(1) || '\\1', 'g')`;
  const groups: [string, string, string][] = [
    ['8', 'C2', '8'], ['9', 'C2', '9'], ['Aa', 'C2', 'A'], ['Bb', 'C2', 'B'],
    ['Cc', 'C3', '8'], ['Dd', 'C3', '9'], ['Ee', 'C3', 'A'], ['Ff', 'C3', 'B'],
  ];
  for (const [hi, lead, second] of groups) s = `regexp_replace(${s}, chr(1) || '[${hi}]([0-9A-Fa-f])', '%${lead}%${second}\\1', 'g')`;
  return `url_decode(${s})`;
}

/**
 * Each round binds its input once through a one-element list lambda (so the expression grows
 * linearly with the rounds) and skips the work on values without '%' (most of them).
 */
function duckUrlDecode(x: string, rounds: number): string {
  if (rounds > 1) return `CASE WHEN NOT contains(${x}, '%') THEN replace(${x}, '+', ' ') ELSE ${duckUrlDecode(x, -rounds)} END`;
  rounds = Math.abs(rounds);
  let s = x;
  for (let i = 0; i < rounds; i++) {
    const v = `__u${i}`;
    s = `list_transform([${s}], ${v} -> CASE WHEN NOT contains(${v}, '%') THEN replace(${v}, '+', ' ') WHEN regexp_matches(${v}, '%[89A-Fa-f][0-9A-Fa-f]') THEN ${duckUrlDecodeOnce(v)} ELSE url_decode(replace(${v}, '+', ' ')) END)[1]`;
  }
  return s;
}

export const DUCKDB: Dialect = {
  name: 'duckdb',
  ident: (n) => `"${n.replace(/"/g, '""')}"`,
  str: (s) => `'${s.replace(/'/g, "''")}'`,
  truthy: (c) => `coalesce(${c}, false)`,
  xor: (a, b) => `(${a} <> ${b})`,
  // DuckDB's lower() is Unicode: translate only the ASCII letters
  lowerAscii: (x) => `translate(${x}, '${UPPER}', '${LOWER}')`,
  upperAscii: (x) => `translate(${x}, '${LOWER}', '${UPPER}')`,
  strLength: (x) => `length(${x})`,
  arrayLength: (x) => `len(${x})`,
  contains: (x, lit) => `contains(${x}, ${lit})`,
  regex: (x, p) => `regexp_matches(${x}, ${DUCKDB.str(p)})`,
  startsWith: (x, p) => `starts_with(${x}, ${p})`,
  endsWith: (x, p) => `ends_with(${x}, ${p})`,
  bitAnd: (x, k) => `((${x} & ${k}) <> 0)`,
  concat: (parts) => `concat(${parts.map((p) => `coalesce(${p}, '')`).join(', ')})`,
  urlDecode: duckUrlDecode,
  intToString: (x) => `CAST(${x} AS VARCHAR)`,
  any: (arr, el, body) => `(len(list_filter(${arr}, ${el} -> ${body})) > 0)`,
  all: (arr, el, body) => `(len(list_filter(${arr}, ${el} -> NOT (${body}))) = 0)`,
  mapValues: (keys, values, k) => `list_filter(${values}, (v, i) -> ${keys}[i] = ${k})`,
  at: (arr, i) => `${arr}[${i + 1}]`,
  distinct: (arr) => `list_filter(${arr}, (x, i) -> list_position(${arr}, x) = i)`,
  countDistinct: (x) => `count(DISTINCT ${x})`,
  intDiv: (a, b) => `(${a} // ${b})`,
  inSubquery: 'IN',
};

export const DIALECTS: Readonly<Record<SqlDialectName, Dialect>> = { clickhouse: CLICKHOUSE, duckdb: DUCKDB };
