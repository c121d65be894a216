/**
 * What behaviour is grouped by, per distinct value (never per row): the session token inside a
 * cookie header, the endpoint a path belongs to (`/product/123` -> `/product/{n}`), whether a path
 * is a static asset or a login form, and an address's /24 (IPv4) or /64 (IPv6) network.
 */

/**
 * Cookies Cloudflare itself sets on any client that got one response (bot management, load
 * balancing, rate limiting, challenge clearance): a bot carries them as readily as a person, so they
 * are nobody's session with the site.
 */
const EDGE_COOKIE = /^(__cf_bm|_cfuvid|__cfruid|__cflb|__cfwaitingroom|cf_clearance|cf_ob_info|cf_use_ob|cf_chl_.*|__cf_logged_in)$/i;

/** Cookie names that carry a session (first match wins); else the header's longest value (edge cookies never). */
const SESSION_NAME = /^(__host-|__secure-)?(sess|session|sid|ssid|phpsessid|jsessionid|asp\.net_sessionid|connect\.sid|_session|.*_session|.*sessionid|auth|token|.*_token|laravel_session|ci_session|app_session)$/i;

export function sessionToken(cookie: unknown): string | null {
  if (typeof cookie !== 'string' || cookie.length === 0) return null;
  let best: string | null = null;
  // the parts between ';' by index (String#split costs microseconds a call, measured the most
  // of this function; it runs once per distinct cookie header)
  const n = cookie.length;
  for (let start = 0; start <= n; ) {
    let end = cookie.indexOf(';', start);
    if (end < 0) end = n;
    const eq = cookie.indexOf('=', start);
    if (eq > start && eq < end) {
      const value = cookie.slice(eq + 1, end).trim();
      if (value.length >= 8) {
        const name = cookie.slice(start, eq).trim();
        if (SESSION_NAME.test(name)) return `${name}=${value}`;
        if (!EDGE_COOKIE.test(name) && (best === null || value.length > best.length)) best = `${name}=${value}`;
      }
    }
    start = end + 1;
  }
  return best;
}

const STATIC = /\.(css|js|mjs|map|png|jpe?g|gif|svg|webp|avif|ico|woff2?|ttf|otf|eot|mp4|webm|mp3)$/i;

export function isStaticPath(path: unknown): boolean {
  return typeof path === 'string' && STATIC.test(path);
}

/** Paths of login / authentication forms (the pack's l7.login-rate set, plus common API forms). */
export const LOGIN_PATH = /(login|log-in|signin|sign-in|sign_in|logon|\/auth\b|\/authenticate|\/session|wp-login|xmlrpc|\/token\b|\/oauth)/i;

export function isLoginPath(path: unknown): boolean {
  return typeof path === 'string' && LOGIN_PATH.test(path) && !STATIC.test(path);
}

/** The endpoint a path belongs to: numeric and hex/uuid segments become placeholders. */
export function endpointOf(path: unknown): string | null {
  if (typeof path !== 'string') return null;
  const p = path.length > 200 ? path.slice(0, 200) : path;
  // segment by segment with character tests (no split, no regular expression: this runs once
  // per distinct path, and there are thousands)
  let out = '';
  let changed = false;
  for (let start = 0; start <= p.length; ) {
    let end = p.indexOf('/', start);
    if (end < 0) end = p.length;
    const seg = p.slice(start, end);
    const ph = placeholder(seg);
    if (ph !== null) changed = true;
    out += start === 0 ? (ph ?? seg) : `/${ph ?? seg}`;
    start = end + 1;
  }
  return changed ? out : p;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
const isAlnum = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);

/**
 * A segment's placeholder, or null to keep it: all digits -> {n}; 8+ hex digits, or 32-36 hex
 * digits and dashes -> {id}; digits, a dot and letters/digits (`123.json`) -> {n}.json.
 */
function placeholder(seg: string): string | null {
  const len = seg.length;
  if (len === 0) return null;
  let digits = 0;
  let hex = 0;
  let dashes = 0;
  while (digits < len && isDigit(seg.charCodeAt(digits))) digits++;
  if (digits === len) return '{n}';
  for (let i = 0; i < len; i++) {
    const c = seg.charCodeAt(i);
    if (isHex(c)) hex++;
    else if (c === 0x2d) dashes++;
  }
  if ((hex === len && len >= 8) || (hex + dashes === len && len >= 32 && len <= 36)) return '{id}';
  if (digits > 0 && seg.charCodeAt(digits) === 0x2e && digits + 1 < len) {
    let i = digits + 1;
    while (i < len && isAlnum(seg.charCodeAt(i))) i++;
    if (i === len) return `{n}${seg.slice(digits)}`;
  }
  return null;
}

/** The /24 of an IPv4 address or the /64 of an IPv6 address, as text; null when not an address. */
export function networkOf(ip: unknown): string | null {
  if (typeof ip !== 'string') return null;
  if (ip.includes(':')) {
    const parts = expand6(ip);
    return parts ? `${parts.slice(0, 4).join(':')}::/64` : null;
  }
  const d = ip.lastIndexOf('.');
  return d > 0 && /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) ? `${ip.slice(0, d)}.0/24` : null;
}

function expand6(ip: string): string[] | null {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  if (tail === undefined && h.length !== 8) return null;
  const fill = 8 - h.length - t.length;
  if (fill < 0) return null;
  const all = [...h, ...Array<string>(tail === undefined ? 0 : fill).fill('0'), ...t];
  return all.map((x) => x.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * How random a query's values look, 0..100: the share of its value characters in tokens that
 * are not word-like (letters mixed with digits, too few vowels, or five consonants in a row).
 * One pass over the characters, no regular expressions (it runs per distinct query).
 */
export function queryRandomness(query: unknown): number {
  if (typeof query !== 'string' || query.length === 0) return 0;
  const b = Buffer.from(query, 'utf8');
  return queryRandomnessBytes(b, 0, b.length);
}

/**
 * `queryRandomness` of a value in UTF-8 bytes, b[s, e) (a loader's query column, never decoded).
 * A non-ASCII character is two to four bytes that are neither letters nor digits: a separator,
 * and separators in a row count as one.
 */
export function queryRandomnessBytes(b: Uint8Array, s: number, e: number): number {
  let total = 0;
  let random = 0;
  let inValue = valueFirst(b, s, e);
  let len = 0;
  let letters = 0;
  let digits = 0;
  let vowels = 0;
  let run = 0;
  let maxRun = 0;
  for (let i = s; i <= e; i++) {
    // one table load a byte (its class bits) instead of a chain of range tests
    const k = i < e ? (BYTE_CLASS[b[i] as number] as number) : AMP;
    const sep = (k & AMP) !== 0 || (inValue && (k & WORD) === 0);
    if (sep || ((k & EQ) !== 0 && !inValue)) {
      // the end of a token: count it (3 characters at least) as a word or as random
      if (len >= 3) {
        total += len;
        const word = letters === 0 ? len <= 8 : digits > 0 ? false : vowels > 0 && vowels * 8 >= len && maxRun < 5;
        if (!word) random += len;
      }
      len = letters = digits = vowels = run = maxRun = 0;
      if ((k & AMP) !== 0) inValue = valueFirst(b, i + 1, e);
      else if (!sep) inValue = true; // the '=' of a name: its value starts
      else if ((k & PCT) !== 0 && i + 2 < e) i += 2; // a percent-encoded byte: a separator, skipped whole
      continue;
    }
    if (!inValue) continue;
    len++;
    if ((k & DIGIT) !== 0) {
      digits++;
      run = 0;
    } else {
      letters++;
      if ((k & VOWEL) !== 0) {
        vowels++;
        run = 0;
      } else if (++run > maxRun) maxRun = run;
    }
  }
  return total === 0 ? 0 : Math.round((100 * random) / total);
}

/*
 * Byte classes for queryRandomnessBytes, as its tests were written on `ch | 0x20` (so 0x06 ends a
 * part like '&' and 0x1d opens a value like '='): a digit, an ASCII letter, a vowel (y included),
 * '&', '=', '%'.
 */
const DIGIT = 1;
const LETTER = 2;
const WORD = DIGIT | LETTER;
const VOWEL = 4;
const AMP = 8;
const EQ = 16;
const PCT = 32;
const BYTE_CLASS = new Uint8Array(256);
for (let ch = 0; ch < 256; ch++) {
  const c = ch | 0x20;
  let k = 0;
  if (ch >= 0x30 && ch <= 0x39) k |= DIGIT;
  if (c >= 0x61 && c <= 0x7a) k |= LETTER;
  if (c === 0x61 || c === 0x65 || c === 0x69 || c === 0x6f || c === 0x75 || c === 0x79) k |= VOWEL;
  if (c === 0x26) k |= AMP;
  if (c === 0x3d) k |= EQ;
  if (ch === 0x25) k |= PCT;
  BYTE_CLASS[ch] = k;
}

/** Does the part at b[from, e) start with its value (no '=' before the next '&')? */
function valueFirst(b: Uint8Array, from: number, e: number): boolean {
  for (let i = from; i < e; i++) {
    const c = b[i] as number;
    if (c === 0x3d) return false;
    if (c === 0x26) return true;
  }
  return true;
}
