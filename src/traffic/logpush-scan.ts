import { headerMap } from './header-map.js';
import type { Col, ColumnBuilder } from './columns.js';
import { FIELD } from './fields.js';
import { fnv, Interner, sameBytes, sampled, type Interned } from './interner.js';
import { isAscii } from './utf8.js';
import { deepFreeze } from './freeze.js';
import { LOGPUSH_FIELDS, type LogpushKind } from './logpush-fields.js';
import { capDepth } from './guard.js';

/** Deepest nesting kept in an unknown field (the JSON path uses the same limit). */
const MAX_JSON_DEPTH = 64;

/**
 * Fast path for Logpush NDJSON: reads one line's bytes straight into columns, without
 * JSON.parse building an object per row. Strings are hashed while scanned and interned per
 * column (a repeated user agent costs a lookup, not an allocation) and stored as dictionary
 * codes; header and cookie maps are read by a flat-object reader; integers are read from the
 * digits, so unixnano timestamps are cut to ms exactly. Anything unusual (escapes in keys, deep
 * values it does not know, malformed JSON) returns false and the caller uses JSON.parse for that
 * line, so the result is the same either way.
 */

const MAX_INTERN_BYTES = 512;

type Kind = LogpushKind | 'any'; // 'any': unknown key, keep its JSON value

interface KeySpec {
  kind: Kind;
  /** Column the value goes to (null: 'ts' with no own column). */
  col: string | null;
  primaryTs?: boolean;
}

/** The scanner's view of the one field map: every field it reads itself (null prototype: keys come from the data). */
const SPECS: Record<string, KeySpec> = Object.create(null);
/** Keys the fast path does not handle itself (network_analytics_logs mapping needs row context). */
const SLOW_KEYS = new Set<string>();
for (const [name, f] of Object.entries(LOGPUSH_FIELDS)) {
  if (f.rowContext) SLOW_KEYS.add(name);
  else SPECS[name] = f;
}

interface KeyEntry {
  bytes: Uint8Array;
  /** `bytes` as a DataView, for comparing four bytes at a time */
  view: DataView;
  name: string;
  spec: KeySpec;
  /** spec.col's column and interner, resolved on first use (saves two map lookups per value) */
  slot: Col | null;
  intern: Interner<unknown> | null;
}

/**
 * A copy of buf[s, e). Not `buf.slice`: on a Buffer that is a view, and the read buffer is
 * refilled, so a stored view's bytes would change under the intern table (later lookups miss and
 * re-add the value; a colliding hash could even match the wrong entry).
 */
function copyBytes(buf: Uint8Array, s: number, e: number): Uint8Array {
  return Uint8Array.prototype.slice.call(buf, s, e);
}

/** Node's Buffer has latin1Slice/utf8Slice (undocumented, long-standing); cheaper than toString per call. */
interface Slices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

function validUtf8(b: Uint8Array): boolean {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `name=value; ...` from a cookie map (a plain loop: this runs once per row). */
export function cookieHeader(m: Record<string, string[]>): string {
  let out = '';
  for (const k in m) {
    const vs = m[k] as string[];
    for (let i = 0; i < vs.length; i++) out = out === '' ? `${k}=${vs[i]}` : `${out}; ${k}=${vs[i]}`;
  }
  return out;
}

const d2 = (b: Uint8Array, i: number): number => ((b[i] as number) - 48) * 10 + ((b[i + 1] as number) - 48);
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/**
 * ms since epoch of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` in b[s, e), by arithmetic (no
 * Date.parse, which costs microseconds per row); NaN for anything else (caller falls back).
 */
export function isoMs(b: Uint8Array, s: number, e: number): number {
  if (e - s < 20 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || (b[s + 10] !== 0x54 && b[s + 10] !== 0x20) || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a) return NaN;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(b[s + i])) return NaN;
  const y = d2(b, s) * 100 + d2(b, s + 2);
  const mo = d2(b, s + 5);
  const d = d2(b, s + 8);
  const h = d2(b, s + 11);
  const mi = d2(b, s + 14);
  const se = d2(b, s + 17);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return NaN;
  let p = s + 19;
  let ms = 0;
  if (b[p] === 0x2e) {
    p++;
    let scale = 100;
    while (p < e && isDigit(b[p])) {
      ms += ((b[p] as number) - 48) * scale;
      scale /= 10;
      p++;
    }
    ms = Math.floor(ms + 1e-9);
  }
  let off = 0;
  if (b[p] === 0x5a && p + 1 === e) off = 0;
  else if ((b[p] === 0x2b || b[p] === 0x2d) && p + 6 === e && b[p + 3] === 0x3a) {
    off = (d2(b, p + 1) * 60 + d2(b, p + 4)) * 60000 * (b[p] === 0x2d ? -1 : 1);
  } else return NaN;
  // days from civil (H. Hinnant)
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60000 + se * 1000 + ms - off;
}

/** An interned ClientRequestURI: its parts and their codes in the uri/path/query columns. */
interface UriParts {
  uri: string;
  path: string;
  query: string | null;
  uriCode: number;
  pathCode: number;
  queryCode: number;
}

/** flatMap's answer for a value it does not handle. */
const NOT_FLAT = Symbol('not flat');

const toUpper = (v: string): string => v.toUpperCase();
// made once: a closure made per row per nested field was most of the scanner's garbage
const identity = (v: unknown): unknown => v;
const lowerHeaderMap = (v: unknown): Record<string, string[]> | null => headerMap(v, true);
const headerMapAsIs = (v: unknown): Record<string, string[]> | null => headerMap(v, false);

/** Thrown inside the scanner to abandon a line (caught in scanLine). */
const BAIL = Symbol('bail');

export class LogpushScanner {
  private readonly keys = new Map<number, KeyEntry[]>();
  private readonly interns = new Map<string, Interner<unknown>>();
  /**
   * Full URIs stop being interned once one in eight is new (a cache-busting attack): each new
   * one costs three dictionary entries and its split, and a column of near-unique URIs ends as
   * UTF-8 bytes anyway (about 9% of a one-thread load of the benchmark's traffic, where one URI
   * in five is new). The query column follows the URIs; paths keep their own interner.
   */
  private readonly uriIntern = new Interner<UriParts>(0.125);
  private readonly lowerKeys = new Interner<string>();
  private readonly plainKeys = new Interner<string>();
  private uriSlots: [Col, Col, Col] | null = null;
  private botSlots: [Col, Col] | null = null;
  private cookieSlot: Col | null = null;
  private tsSlot: Col | null = null;
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(new ArrayBuffer(0));
  private p = 0;
  private end = 0;
  // string scan results
  private sHash = 0;
  private sEscaped = false;
  /** Position of the next backslash in the buffer (MAX_SAFE_INTEGER: none; below p: unknown). */
  private nextBs = -2;
  // number token results
  private nS = 0;
  private nE = 0;
  private nInt = true;
  /** Keys in the order of the previous line, and the index of the next key on this line. */
  private readonly order: KeyEntry[] = [];
  private keyIdx = 0;
  // per-line state
  private sawPrimaryTs = false;
  private endMs: number | null = null;

  constructor(private readonly b: ColumnBuilder) {}

  /** Scans buf[s, e) (one line, no newline). True if loaded; false: use the JSON.parse path. */
  scanLine(buf: Uint8Array, s: number, e: number): boolean {
    if (this.buf !== buf) {
      this.nextBs = -2;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.buf = buf;
    this.keyIdx = 0;
    this.p = s;
    this.end = e;
    this.sawPrimaryTs = false;
    this.endMs = null;
    try {
      this.ws();
      if (buf[this.p] !== 0x7b) throw BAIL;
      this.p++;
      this.ws();
      if (buf[this.p] === 0x7d) this.p++;
      else {
        for (;;) {
          this.ws();
          if (buf[this.p] !== 0x22) throw BAIL;
          const entry = this.key();
          this.ws();
          if (buf[this.p] !== 0x3a) throw BAIL;
          this.p++;
          this.ws();
          this.value(entry);
          this.ws();
          const c = buf[this.p];
          if (c === 0x2c) {
            this.p++;
            continue;
          }
          if (c === 0x7d) {
            this.p++;
            break;
          }
          throw BAIL;
        }
      }
      this.ws();
      if (this.p !== this.end) throw BAIL;
      if (!this.sawPrimaryTs && this.endMs !== null) this.b.put(FIELD.timestamp, this.endMs);
      this.b.next();
      return true;
    } catch (err) {
      if (err !== BAIL) throw err;
      this.b.discard();
      return false;
    }
  }

  private ws(): void {
    const buf = this.buf;
    let p = this.p;
    while (p < this.end) {
      const c = buf[p];
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) p++;
      else break;
    }
    this.p = p;
  }

  /**
   * Scans a string starting at the opening quote; leaves p after the closing quote and returns
   * the content start (end = p - 1). memchr-speed search for the quote and backslash, and a
   * sampled hash (length + up to 12 bytes): interning verifies candidates byte by byte anyway.
   */
  private str(): number {
    const buf = this.buf as Buffer;
    const s = this.p + 1;
    // most values are short: a byte loop beats a native indexOf call; long ones go native
    let q = s;
    const lim = Math.min(s + 32, this.end);
    while (q < lim && buf[q] !== 0x22) q++;
    if (q === lim) {
      q = buf.indexOf(0x22, lim);
      if (q < 0 || q >= this.end) throw BAIL;
    }
    let escaped = false;
    if (this.nextBs < s) {
      const i = buf.indexOf(0x5c, s);
      this.nextBs = i < 0 ? Number.MAX_SAFE_INTEGER : i;
    }
    if (this.nextBs < q) {
      // escapes: walk to the real closing quote
      escaped = true;
      let p = s;
      for (;;) {
        if (p >= this.end) throw BAIL;
        const c = buf[p];
        if (c === 0x5c) p += 2;
        else if (c === 0x22) break;
        else p++;
      }
      q = p;
      this.nextBs = -2; // recompute lazily next time
    }
    this.sHash = sampled(buf, s, q);
    this.sEscaped = escaped;
    this.p = q + 1;
    return s;
  }

  private decode(s: number, e: number): string {
    return this.decodeAt(s, e, this.sEscaped);
  }

  /** The JSON string content at [s, e) (escaped: it contains escapes; s - 1 and e are its quotes). */
  private decodeAt(s: number, e: number, escaped: boolean): string {
    const b = this.buf as Buffer;
    if (escaped) {
      try {
        return JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
      } catch {
        throw BAIL; // a bad escape (`\o`): the JSON.parse path reports the line (fuzz-found)
      }
    }
    const v = (b as unknown as Slices).utf8Slice(s, e);
    // invalid UTF-8 became U+FFFD: let the strict path report the line
    if (v.indexOf('\uFFFD') >= 0 && !validUtf8(b.subarray(s, e))) throw BAIL;
    return v;
  }

  private key(): KeyEntry {
    const buf = this.buf;
    // Logpush writes the same keys in the same order on every line: try the one seen here last line.
    const guess = this.order[this.keyIdx];
    if (guess !== undefined) {
      const n = guess.bytes.length;
      const s = this.p + 1;
      if (buf[s + n] === 0x22 && s + n < this.end) {
        if (sameBytes(guess.view, 0, this.view, s, n)) {
          this.p = s + n + 1;
          this.keyIdx++;
          return guess;
        }
      }
    }
    const s = this.str();
    const e = this.p - 1;
    if (this.sEscaped) throw BAIL;
    const h = this.sHash;
    const list = this.keys.get(h);
    const n = e - s;
    let found: KeyEntry | undefined;
    if (list) {
      outer: for (const k of list) {
        if (k.bytes.length !== n) continue;
        for (let i = 0; i < n; i++) if (k.bytes[i] !== buf[s + i]) continue outer;
        found = k;
        break;
      }
    }
    if (!found) {
      const name = this.decode(s, e);
      if (SLOW_KEYS.has(name)) throw BAIL;
      const bytes = copyBytes(buf, s, e);
      found = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), name, spec: SPECS[name] ?? { kind: 'any', col: name }, slot: null, intern: null };
      if (list) list.push(found);
      else this.keys.set(h, [found]);
    }
    this.order[this.keyIdx++] = found;
    return found;
  }

  private interner(col: string): Interner<unknown> {
    let i = this.interns.get(col);
    if (!i) {
      i = new Interner();
      this.interns.set(col, i);
    }
    return i;
  }

  /**
   * The string just scanned at [s, e) into the entry's own column: an interned value is stored
   * as its dictionary code (no string hashing, no pointer per row), a new one is added once.
   * `map` transforms a new value before it is stored (upper-casing countries).
   */
  private putMainStr(entry: KeyEntry, s: number, e: number, map?: (v: string) => string): void {
    const slot = entry.slot ?? (entry.slot = this.b.slot(entry.spec.col as string, ''));
    // an empty user agent is "" as in the Rules language; other empty strings are missing
    if (e === s) return this.b.putIn(slot, entry.spec.col === FIELD.userAgent ? '' : null);
    const it = entry.intern ?? (entry.intern = this.interner(entry.spec.col as string));
    this.putInterned(slot, it, s, e, this.sEscaped, it.deep ? 0 : this.sHash, map);
  }

  /**
   * String buf[s, e) (escaped: JSON escapes inside) into `slot` through interner `it`; `h` is
   * its sampled hash unless the interner is deep. An interned value is stored as its dictionary
   * code; once the interner gives up (near-unique values) the column goes on as UTF-8 bytes.
   */
  private putInterned(slot: Col, it: Interner<unknown>, s: number, e: number, escaped: boolean, h: number, map?: (v: string) => string): void {
    const b = this.b;
    if (e - s > MAX_INTERN_BYTES || escaped) {
      const v = this.decodeAt(s, e, escaped);
      return b.putIn(slot, map ? map(v) : v);
    }
    if (it.full) {
      if (slot.dict) b.plain(slot);
      if (!map) return this.putText(slot, s, e);
      return b.putIn(slot, map(this.decodeAt(s, e, false)));
    }
    if (it.deep) h = fnv(this.buf, s, e);
    const hit = it.entry(this.buf, s, e, h);
    if (hit !== undefined) {
      if (hit.code < 0) hit.code = b.codeOf(slot, hit.value as string);
      return b.putCode(slot, hit.code, hit.value as string);
    }
    const raw = this.decodeAt(s, e, false);
    const v = map ? map(raw) : raw;
    const code = b.codeOf(slot, v);
    it.set(this.buf, s, e, h, v, code);
    b.putCode(slot, code, v);
  }

  /** Unescaped string buf[s, e) (not empty) into `slot`: as bytes into a UTF-8 column when ASCII, else decoded (and validated). */
  private putText(slot: Col, s: number, e: number): void {
    if (this.b.isUtf8(slot) && isAscii(this.buf, s, e)) return this.b.putBytes(slot, this.buf as Buffer, s, e);
    this.b.putIn(slot, this.decodeAt(s, e, false));
  }

  /**
   * ClientRequestURI into uri, path and query. While URIs repeat (the same pages, the same
   * assets) an interned URI carries its split parts and their codes: a repeat is three code
   * writes. Once they stop repeating, uri and query are plain columns and the path alone is
   * interned (paths repeat even when queries do not).
   */
  private putUri(s: number, e: number): void {
    const b = this.b;
    const slots = (this.uriSlots ??= [b.slot(FIELD.uri, ''), b.slot(FIELD.path, ''), b.slot(FIELD.query, '')]);
    const it = this.uriIntern;
    const escaped = this.sEscaped;
    if (it.full || e - s > MAX_INTERN_BYTES || escaped) {
      if (it.full) {
        if (slots[0].dict) b.plain(slots[0]);
        if (slots[2].dict) b.plain(slots[2]);
      }
      if (!escaped) {
        // the path is the bytes before the first '?' (ASCII, so a byte offset is safe)
        const q = this.buf.indexOf(0x3f, s);
        const end = q < 0 || q >= e ? e : q;
        this.putText(slots[0], s, e);
        const pit = this.interner(FIELD.path);
        this.putInterned(slots[1], pit, s, end, false, pit.deep ? 0 : end === e ? this.sHash : sampled(this.buf, s, end));
        return end + 1 >= e ? b.putIn(slots[2], null) : this.putText(slots[2], end + 1, e);
      }
      const v = this.decodeAt(s, e, true);
      const i = v.indexOf('?');
      b.putIn(slots[0], v);
      b.putIn(slots[1], i < 0 ? v : v.slice(0, i));
      return b.putIn(slots[2], i < 0 || i === v.length - 1 ? null : v.slice(i + 1));
    }
    const h = it.deep ? fnv(this.buf, s, e) : this.sHash;
    let u = it.get(this.buf, s, e, h);
    if (u === undefined) {
      const v = this.decodeAt(s, e, false);
      const q = v.indexOf('?');
      const path = q < 0 ? v : v.slice(0, q);
      const query = q < 0 || q === v.length - 1 ? null : v.slice(q + 1);
      u = { uri: v, path, query, uriCode: b.codeOf(slots[0], v), pathCode: b.codeOf(slots[1], path), queryCode: query === null ? -1 : b.codeOf(slots[2], query) };
      it.set(this.buf, s, e, h, u);
    }
    b.putCode(slots[0], u.uriCode, u.uri);
    b.putCode(slots[1], u.pathCode, u.path);
    if (u.query === null) b.putIn(slots[2], null);
    else b.putCode(slots[2], u.queryCode, u.query);
  }

  private put(col: string, v: unknown): void {
    this.b.put(col, v);
  }

  /** Writes the entry's own column (spec.col) through its cached slot. */
  private putMain(e: KeyEntry, v: unknown): void {
    const slot = e.slot ?? (e.slot = this.b.slot(e.spec.col as string, v));
    this.b.putIn(slot, v);
  }

  /**
   * A non-negative integer of up to 15 digits at p, read in one pass (ports, sizes, status
   * codes): its value, p moved past it; NaN (p unmoved) for anything else.
   */
  private smallInt(): number {
    const buf = this.buf;
    const s = this.p;
    const lim = Math.min(s + 15, this.end);
    let p = s;
    let v = 0;
    for (; p < lim; p++) {
      const d = (buf[p] as number) - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (p === s) return NaN;
    const c = buf[p];
    // a fraction, an exponent or a 16th digit: the general path
    if (c === 0x2e || c === 0x65 || c === 0x45 || (c !== undefined && c >= 0x30 && c <= 0x39)) return NaN;
    this.p = p;
    return v;
  }

  /** A number token: sets nS, nE, nInt. */
  private numberToken(): void {
    const buf = this.buf;
    const s = this.p;
    let p = s;
    let int = true;
    if (buf[p] === 0x2d) p++;
    while (p < this.end) {
      const c = buf[p] as number;
      if (c >= 0x30 && c <= 0x39) p++;
      else if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) {
        int = false;
        p++;
      } else break;
    }
    if (p === s) throw BAIL;
    this.p = p;
    this.nS = s;
    this.nE = p;
    this.nInt = int;
  }

  private numberValue(s: number, e: number, int: boolean): number {
    const buf = this.buf;
    if (int && e - s <= 15) {
      let neg = false;
      let i = s;
      if (buf[i] === 0x2d) {
        neg = true;
        i++;
      }
      let v = 0;
      for (; i < e; i++) v = v * 10 + ((buf[i] as number) - 0x30);
      return neg ? -v : v;
    }
    const v = Number((buf as unknown as Slices).latin1Slice(s, e));
    if (Number.isNaN(v)) throw BAIL;
    return v;
  }

  /** ms from integer digits at [s, e) by magnitude (s, ms, µs, ns), exactly. */
  private msFromIntToken(s: number, e: number): number {
    const buf = this.buf;
    let neg = false;
    if (buf[s] === 0x2d) {
      neg = true;
      s++;
    }
    const n = e - s;
    const keep = n <= 11 ? n : n <= 14 ? n : n <= 17 ? n - 3 : n - 6;
    let v = 0;
    for (let i = s; i < s + keep; i++) v = v * 10 + ((buf[i] as number) - 0x30);
    if (n <= 11) v *= 1000;
    return neg ? -v : v;
  }

  /** Skips a JSON object/array starting at p; returns its end (exclusive). */
  private skipNested(): number {
    const buf = this.buf;
    let depth = 0;
    let p = this.p;
    while (p < this.end) {
      const c = buf[p];
      if (c === 0x22) {
        p++;
        while (p < this.end && buf[p] !== 0x22) p += buf[p] === 0x5c ? 2 : 1;
        if (p >= this.end) throw BAIL;
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          this.p = p + 1;
          return p + 1;
        }
      }
      p++;
    }
    throw BAIL;
  }

  /** A nested JSON value, parsed with JSON.parse (validates it), converted, interned per column (shared values are frozen). */
  private nested(col: string, convert: (v: unknown) => unknown): unknown {
    return this.nestedEntry(col, convert).value;
  }

  /** As `nested`, returning the intern entry (a fresh one when the value is not interned). */
  private nestedEntry(col: string, convert: (v: unknown) => unknown, flat?: boolean): Interned<unknown> {
    const s = this.p;
    const e = this.skipNested();
    const buf = this.buf;
    let h = 0x811c9dc5;
    const it = this.interner(col);
    const share = e - s <= MAX_INTERN_BYTES && !it.full;
    if (share) {
      for (let i = s; i < e; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
      h >>>= 0;
      const hit = it.entry(buf, s, e, h);
      if (hit !== undefined) return hit;
    }
    let v: unknown = flat === undefined ? NOT_FLAT : this.flatMap(s, e, flat);
    if (v === NOT_FLAT) {
      try {
        v = JSON.parse(utf8.decode(buf.subarray(s, e)));
      } catch {
        throw BAIL;
      }
      // too deep for what walks it later (schema inference, the cache): the JSON path cuts it and warns
      if (capDepth(v, MAX_JSON_DEPTH, () => undefined) === null) throw BAIL;
      v = convert(v);
    }
    if (!share) return { value: v, code: -1 };
    deepFreeze(v);
    return it.set(buf, s, e, h, v) ?? { value: v, code: -1 };
  }

  /**
   * `{"name": "value" | ["value", ...], ...}` (Logpush RequestHeaders / Cookies) straight into
   * a name -> values map (null when empty), as `headerMap` would make it from JSON.parse; keys
   * are interned. NOT_FLAT for anything else (escapes, other value types): JSON.parse handles it.
   */
  private flatMap(s: number, e: number, lower: boolean): Record<string, string[]> | null | typeof NOT_FLAT {
    const buf = this.buf as Buffer;
    const slices = buf as unknown as Slices;
    const save = this.p;
    let p = s + 1;
    const ws = (): void => {
      while (p < e && (buf[p] === 0x20 || buf[p] === 0x09 || buf[p] === 0x0a || buf[p] === 0x0d)) p++;
    };
    // a string at p (no escapes): its content end; p moves past the closing quote
    const str = (): number => {
      if (buf[p] !== 0x22) return -1;
      const q = buf.indexOf(0x22, p + 1);
      if (q < 0 || q >= e) return -1;
      for (let i = p + 1; i < q; i++) {
        const c = buf[i] as number;
        // an escape, non-ASCII or a control character: the strict path decodes and validates
        if (c >= 0x80 || c < 0x20 || c === 0x5c) return -1;
      }
      const start = p + 1;
      p = q + 1;
      return start;
    };
    let out: Record<string, string[]> | null = null;
    ws();
    if (buf[p] === 0x7d) return p + 1 === e ? null : NOT_FLAT;
    for (;;) {
      ws();
      const ks = str();
      if (ks < 0) return NOT_FLAT;
      const kEnd = p - 1;
      ws();
      if (buf[p] !== 0x3a) return NOT_FLAT;
      p++;
      ws();
      const vals: string[] = [];
      if (buf[p] === 0x22) {
        const vs = str();
        if (vs < 0) return NOT_FLAT;
        if (p - 1 > vs) vals.push(slices.latin1Slice(vs, p - 1));
      } else if (buf[p] === 0x5b) {
        p++;
        ws();
        if (buf[p] === 0x5d) p++;
        else
          for (;;) {
            ws();
            const vs = str();
            if (vs < 0) return NOT_FLAT;
            if (p - 1 > vs) vals.push(slices.latin1Slice(vs, p - 1));
            ws();
            if (buf[p] === 0x2c) {
              p++;
              continue;
            }
            if (buf[p] === 0x5d) {
              p++;
              break;
            }
            return NOT_FLAT;
          }
      } else return NOT_FLAT;
      if (vals.length) {
        const name = this.keyName(ks, kEnd, lower);
        out ??= Object.create(null) as Record<string, string[]>; // names are attacker data
        // a repeated name (JSON.parse keeps the last of equal keys, headerMap merges case variants): strict path
        if (out[name] !== undefined) return NOT_FLAT;
        out[name] = vals;
      }
      ws();
      if (buf[p] === 0x2c) {
        p++;
        continue;
      }
      if (buf[p] === 0x7d && p + 1 === e) break;
      return NOT_FLAT;
    }
    this.p = save;
    return out;
  }

  /** An ASCII header/cookie name at [s, e), interned (lower-cased for headers). */
  private keyName(s: number, e: number, lower: boolean): string {
    const it = lower ? this.lowerKeys : this.plainKeys;
    const h = fnv(this.buf, s, e);
    const hit = it.get(this.buf, s, e, h);
    if (hit !== undefined) return hit;
    let k = (this.buf as unknown as Slices).latin1Slice(s, e);
    if (lower) k = k.toLowerCase();
    it.set(this.buf, s, e, h, k);
    return k;
  }

  private literal(): boolean | null {
    const buf = this.buf;
    const p = this.p;
    const c = buf[p];
    if (c === 0x74 && buf[p + 1] === 0x72 && buf[p + 2] === 0x75 && buf[p + 3] === 0x65) {
      this.p += 4;
      return true;
    }
    if (c === 0x66 && buf[p + 1] === 0x61 && buf[p + 2] === 0x6c && buf[p + 3] === 0x73 && buf[p + 4] === 0x65) {
      this.p += 5;
      return false;
    }
    if (c === 0x6e && buf[p + 1] === 0x75 && buf[p + 2] === 0x6c && buf[p + 3] === 0x6c) {
      this.p += 4;
      return null;
    }
    throw BAIL;
  }

  private value(entry: KeyEntry): void {
    const c = this.buf[this.p];
    const { spec } = entry;
    const col = spec.col;
    switch (spec.kind) {
      case 'str':
      case 'any': {
        if (c === 0x22) {
          const s = this.str();
          return this.putMainStr(entry, s, this.p - 1);
        }
        if (spec.kind === 'str' && c !== 0x6e) throw BAIL; // a known string field with another type
        break;
      }
      case 'upper': {
        if (c !== 0x22) break;
        const s = this.str();
        return this.putMainStr(entry, s, this.p - 1, toUpper);
      }
      case 'num': {
        if (c === 0x22 || c === 0x6e || c === 0x74 || c === 0x66) break;
        const v = this.smallInt();
        if (v === v) return this.putMain(entry, v);
        this.numberToken();
        return this.putMain(entry, this.numberValue(this.nS, this.nE, this.nInt));
      }
      case 'ts': {
        let ms: number | null;
        if (c === 0x22) {
          const s = this.str();
          if (this.p - 1 === s) ms = null;
          else if (!this.sEscaped && !Number.isNaN((ms = isoMs(this.buf, s, this.p - 1)))) {
            /* fast path: plain rfc3339 */
          } else {
            const text = this.decode(s, this.p - 1);
            const v = /^-?\d+$/.test(text) ? NaN : Date.parse(text);
            if (Number.isNaN(v)) throw BAIL; // digits-as-string or unparsable: the slow path handles and reports it
            ms = v;
          }
        } else if (c === 0x6e) {
          this.literal();
          ms = null;
        } else {
          this.numberToken();
          if (!this.nInt) throw BAIL;
          ms = this.msFromIntToken(this.nS, this.nE);
        }
        if (col) this.putMain(entry, ms);
        if (spec.primaryTs) {
          this.sawPrimaryTs = true;
          this.b.putIn((this.tsSlot ??= this.b.slot(FIELD.timestamp, 0)), ms);
        } else this.endMs = ms;
        return;
      }
      case 'uri': {
        if (c !== 0x22) break;
        const s = this.str();
        const e = this.p - 1;
        if (e === s) return this.put(FIELD.uri, null);
        return this.putUri(s, e);
      }
      case 'query': {
        if (c !== 0x22) break;
        const s = this.str();
        const v = this.p - 1 === s ? '' : this.decode(s, this.p - 1);
        return this.put(FIELD.query, v === '' || v === '?' ? null : v.startsWith('?') ? v.slice(1) : v);
      }
      case 'verified': {
        if (c !== 0x22) break;
        const s = this.str();
        const e = this.p - 1;
        this.putMainStr(entry, s, e);
        const [bot, client] = (this.botSlots ??= [this.b.slot(FIELD.verifiedBot, false), this.b.slot(FIELD.clientBot, false)]);
        this.b.putIn(bot, e > s);
        this.b.putIn(client, e > s);
        return;
      }
      case 'headers':
      case 'cookies': {
        if (c !== 0x7b) break;
        const lower = spec.kind === 'headers';
        const ie = this.nestedEntry(col as string, lower ? lowerHeaderMap : headerMapAsIs, lower);
        const m = ie.value as Record<string, string[]> | null;
        // a shared map carries its codes in the map column and (cookies) the Cookie column
        const slot = entry.slot ?? (entry.slot = this.b.slot(col as string, m));
        if (m === null) this.b.putIn(slot, null);
        else {
          if (ie.code < 0) ie.code = this.b.codeOf(slot, m);
          this.b.putCode(slot, ie.code, m);
        }
        if (!lower) {
          // the Cookie header text, kept on a shared entry (cookie maps repeat)
          const cslot = (this.cookieSlot ??= this.b.slot(FIELD.cookie, ''));
          let text = ie.text;
          if (text === undefined) ie.text = text = m ? cookieHeader(m) : null;
          if (text === null) this.b.putIn(cslot, null);
          else {
            if (ie.textCode === undefined || ie.textCode < 0) ie.textCode = this.b.codeOf(cslot, text);
            this.b.putCode(cslot, ie.textCode, text);
          }
        }
        return;
      }
    }
    // generic value for 'any' (and typed fields holding null)
    if (c === 0x7b || c === 0x5b) return this.put(col as string, this.nested(col as string, identity));
    if (c === 0x74 || c === 0x66 || c === 0x6e) {
      const v = this.literal();
      if (spec.kind !== 'any' && v !== null) throw BAIL;
      if (spec.kind === 'verified' || spec.kind === 'uri') throw BAIL;
      return spec.col === null ? this.put(col as string, v) : this.putMain(entry, v);
    }
    if (spec.kind !== 'any') throw BAIL;
    // numbers of fields the scanner has no spec for (ports, sizes, RTTs): through the entry's
    // cached column like known numeric fields, not by column name
    const v = this.smallInt();
    if (v === v) return this.putMain(entry, v);
    this.numberToken();
    this.putMain(entry, this.numberValue(this.nS, this.nE, this.nInt));
  }
}
