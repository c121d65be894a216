/**
 * Independent labelled traffic generator (an outside tester's view; written without reading the
 * project's own generators, signatures or mitigation code).
 *
 * Each scenario is one realistic site day of Cloudflare Logpush http_requests NDJSON
 * (timestamp_format rfc3339 with milliseconds, custom fields RequestHeaders and Cookies) with varied
 * good populations and one or more attacks that look like browsers. The truth (ray id -> good
 * population or attack kind) goes to a separate file the tool never reads.
 *
 *   node dist/bench/independent/gen.js SCENARIO [--seed N] [--scale X] --out FILE.ndjson
 *     writes FILE.ndjson (the traffic) and FILE.truth.ndjson ({"ray","truth","population"} per line)
 *
 * Everything is drawn from one seeded PRNG, so a (scenario, seed, scale) triple is reproducible.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';

// ---------------------------------------------------------------- randomness

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed * 0x9e3779b1) >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let tot = 0;
    for (const [, w] of items) tot += w;
    let r = this.next() * tot;
    for (const [v, w] of items) if ((r -= w) < 0) return v;
    return (items[items.length - 1] as readonly [T, number])[0];
  }
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.next() * 16)];
    return s;
  }
  alnum(n: number): string {
    const c = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += c[Math.floor(this.next() * c.length)];
    return s;
  }
}

// ---------------------------------------------------------------- networks

interface Net {
  asn: number;
  country: string;
  /** first two (or three) octets of prefixes this network announces */
  prefixes: readonly string[];
}
const N = (asn: number, country: string, ...prefixes: string[]): Net => ({ asn, country, prefixes });

const RESIDENTIAL: readonly Net[] = [
  N(7922, 'US', '73', '98', '24', '67.160', '76.100'),
  N(20115, 'US', '97', '75', '174.64', '66.168'),
  N(7018, 'US', '99', '107', '108.80', '23.120'),
  N(701, 'US', '71', '108.28', '96.230'),
  N(22773, 'US', '68.100', '70.170', '98.160'),
  N(3320, 'DE', '79', '87', '91', '93.200'),
  N(2856, 'GB', '81', '86', '109.150'),
  N(3215, 'FR', '90', '86.200', '92.150'),
  N(6830, 'NL', '84', '62.195', '213.46'),
  N(12322, 'FR', '82', '88.160'),
  N(812, 'CA', '99.230', '174.112', '72.136'),
  N(1221, 'AU', '1.120', '58.160', '101.160'),
];
const MOBILE: readonly Net[] = [
  N(21928, 'US', '172.56', '172.58', '172.32', '172.33'),
  N(6167, 'US', '174.192', '174.205', '174.215', '174.240'),
  N(20057, 'US', '166.205', '107.77', '166.196'),
  N(3209, 'DE', '2.200', '2.203', '46.114'),
  N(12430, 'GB', '148.252', '85.255'),
];
/** residential networks where proxy exit nodes and compromised devices live */
const PROXY_RESIDENTIAL: readonly Net[] = [
  ...RESIDENTIAL,
  N(28573, 'BR', '177.100', '179.220', '186.200', '189.100'),
  N(8151, 'MX', '187.190', '189.200', '201.140'),
  N(45899, 'VN', '113.160', '14.160', '123.20'),
  N(17974, 'ID', '36.70', '180.240', '110.136'),
  N(9829, 'IN', '117.200', '59.90', '61.1'),
  N(45609, 'IN', '106.200', '122.170', '223.180'),
  N(4134, 'CN', '113.100', '183.30'),
  N(12389, 'RU', '95.24', '176.120', '217.66'),
  N(9121, 'TR', '78.160', '85.100', '88.240'),
  N(7552, 'VN', '113.180', '171.240'),
];
const CLOUD: readonly Net[] = [
  N(16509, 'US', '3.80', '18.200', '52.14', '54.160', '44.192'),
  N(14618, 'US', '34.200', '54.80', '100.24', '3.230'),
  N(396982, 'US', '34.120', '35.200', '34.80'),
  N(14061, 'US', '104.131', '138.68', '159.89', '167.99', '64.227'),
  N(24940, 'DE', '88.198', '95.216', '116.202', '5.9', '49.12'),
  N(16276, 'FR', '51.38', '54.36', '141.94', '51.75'),
  N(63949, 'US', '45.33', '172.104', '139.162'),
  N(8075, 'US', '20.110', '40.117', '52.160'),
];
const ICLOUD_RELAY: readonly Net[] = [N(36183, 'US', '172.225', '146.75'), N(13335, 'US', '104.28.0', '104.28.32')];

function ipIn(rng: Rng, net: Net): string {
  const p = rng.pick(net.prefixes).split('.');
  while (p.length < 4) p.push(String(p.length === 3 ? rng.int(1, 254) : rng.int(0, 255)));
  return p.join('.');
}

// ---------------------------------------------------------------- client stacks

const CHROME_JA4 = 't13d1516h2_8daaf6152771_02713d6af862';
const CHROME_JA4_NEW = 't13d1516h2_8daaf6152771_d8a2da3f94cd';
const CHROME_QUIC_JA4 = 'q13d0312h3_55b375c5d22e_06cda9e17597';
const FIREFOX_JA4 = 't13d1715h2_5b57614c22b0_3d5424432f57';
const FIREFOX_JA3 = '579ccef312d18482fc42e2b822ca2430';
const SAFARI_JA4 = 't13d2014h2_a09f3c656075_14788d8d241b';
const SAFARI_JA3 = '773906b0efdefa24a7f2b8eb6985bf37';
const OKHTTP_JA4 = 't13d1614h2_46e7e9700bed_45f260be83e2';
const OKHTTP_JA3 = 'f79b6bad2ad0641e1921aef10262856b';
/** Go crypto/tls + net/http (HTTP/2), Python urllib3 on OpenSSL 3 (http/1.1 ALPN), aiohttp (no ALPN) */
const GO_JA4 = 't13d1311h2_f57a46bbacb6_e7c285222651';
const GO_JA3 = '473cd7cb9faa642487833865d516e578';
const PY_JA4 = 't13d5911h1_a33745022dd6_1f22a2ca17c4';
const PY_JA3 = '8d9f7747675e24454cd9b7ed35c58707';
const AIOHTTP_JA4 = 't13d5910h1_a33745022dd6_dd4ba8b5c6d2';
const AIOHTTP_JA3 = 'b32309a26951912be7dba376398abc3b';
const CURL_JA4 = 't13d3112h2_e8f1e7e78f70_b26ce05bbdd6';
const CURL_JA3 = '456523fc94726331a4d5a2e1d40b2cd7';

export interface Stack {
  family: string;
  ua: string;
  ja4: string;
  /** fixed JA3, or null for Chromium (randomised extension order: a fresh JA3 per connection) */
  ja3: string | null;
  proto: 'HTTP/2' | 'HTTP/3' | 'HTTP/1.1';
  mobile: boolean;
  chromium: boolean;
  platform: string;
}

const cv = (rng: Rng) => rng.weighted([['131', 5], ['130', 3], ['129', 1], ['128', 0.5]] as const);
const fv = (rng: Rng) => rng.weighted([['133', 5], ['132', 3], ['128', 1]] as const);
const sv = (rng: Rng) => rng.weighted([['18_1', 5], ['18_0', 2], ['17_6', 2]] as const);

function chromium(rng: Rng, kind: 'win' | 'mac' | 'linux' | 'android' | 'edge' | 'samsung'): Stack {
  const v = cv(rng);
  const ua = {
    win: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
    mac: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
    linux: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
    android: `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
    edge: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`,
    samsung: `Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36`,
  }[kind];
  const h3 = kind !== 'samsung' && rng.chance(0.25);
  return {
    family: kind === 'edge' ? 'edge' : 'chrome',
    ua,
    ja4: h3 ? CHROME_QUIC_JA4 : v === '131' && rng.chance(0.5) ? CHROME_JA4_NEW : CHROME_JA4,
    ja3: null,
    proto: h3 ? 'HTTP/3' : 'HTTP/2',
    mobile: kind === 'android' || kind === 'samsung',
    chromium: true,
    platform: { win: 'Windows', edge: 'Windows', mac: 'macOS', linux: 'Linux', android: 'Android', samsung: 'Android' }[kind],
  };
}
function firefox(rng: Rng, kind: 'win' | 'mac' | 'android' | 'linux'): Stack {
  const v = fv(rng);
  const ua = {
    win: `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
    mac: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
    linux: `Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
    android: `Mozilla/5.0 (Android 14; Mobile; rv:${v}.0) Gecko/${v}.0 Firefox/${v}.0`,
  }[kind];
  return { family: 'firefox', ua, ja4: FIREFOX_JA4, ja3: FIREFOX_JA3, proto: 'HTTP/2', mobile: kind === 'android', chromium: false, platform: kind };
}
function safari(rng: Rng, kind: 'mac' | 'ios' | 'ios_chrome' | 'ipad'): Stack {
  const v = sv(rng);
  const dot = v.replace('_', '.');
  const ua = {
    mac: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${dot} Safari/605.1.15`,
    ios: `Mozilla/5.0 (iPhone; CPU iPhone OS ${v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${dot} Mobile/15E148 Safari/604.1`,
    ios_chrome: `Mozilla/5.0 (iPhone; CPU iPhone OS ${v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1`,
    ipad: `Mozilla/5.0 (iPad; CPU OS ${v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${dot} Mobile/15E148 Safari/604.1`,
  }[kind];
  return { family: 'safari', ua, ja4: SAFARI_JA4, ja3: SAFARI_JA3, proto: rng.chance(0.2) ? 'HTTP/3' : 'HTTP/2', mobile: kind !== 'mac', chromium: false, platform: kind };
}
/** An in-app browser (Instagram / TikTok webview): the OS's web stack with an app suffix. */
function inApp(rng: Rng): Stack {
  if (rng.chance(0.55)) {
    const s = safari(rng, 'ios');
    return { ...s, ua: `${s.ua.replace(' Safari/604.1', '')} Instagram 357.0.0.25.101 (iPhone15,3; iOS ${sv(rng)}; en_US; en; scale=3.00; 1290x2796; 658412342)` };
  }
  const c = chromium(rng, 'android');
  return { ...c, ua: `${c.ua.replace('Mobile Safari/537.36', 'Mobile Safari/537.36 trill_370104 BytedanceWebview/d8a21c6')}`, proto: 'HTTP/2', ja4: CHROME_JA4 };
}

export function desktopOrMobileBrowser(rng: Rng, mobileShare = 0.55): Stack {
  if (rng.chance(mobileShare)) {
    return rng.weighted<() => Stack>([
      [() => safari(rng, 'ios'), 40],
      [() => chromium(rng, 'android'), 35],
      [() => chromium(rng, 'samsung'), 7],
      [() => safari(rng, 'ios_chrome'), 8],
      [() => firefox(rng, 'android'), 2],
      [() => safari(rng, 'ipad'), 5],
    ])();
  }
  return rng.weighted<() => Stack>([
    [() => chromium(rng, 'win'), 38],
    [() => chromium(rng, 'mac'), 12],
    [() => chromium(rng, 'edge'), 14],
    [() => safari(rng, 'mac'), 12],
    [() => firefox(rng, 'win'), 7],
    [() => firefox(rng, 'mac'), 2],
    [() => firefox(rng, 'linux'), 2],
    [() => chromium(rng, 'linux'), 3],
  ])();
}

// ---------------------------------------------------------------- the site

export interface Site {
  host: string;
  apiHost: string;
  products: number;
  categories: readonly string[];
  assetHash: string;
  start: number; // ms, 00:00 UTC of the day
}

function siteFor(rng: Rng, n: number): Site {
  const names = ['shop.northwind-outfitters.com', 'www.kettle-and-crumb.com', 'store.bluefinch.io', 'www.meridian-audio.de', 'shop.tallgrass-gear.com'];
  const host = names[n % names.length] as string;
  const base = host.replace(/^(www|shop|store)\./, '');
  return {
    host,
    apiHost: `api.${base}`,
    products: rng.int(800, 6000),
    categories: ['new', 'sale', 'men', 'women', 'kids', 'accessories', 'outdoor', 'home', 'audio', 'gifts'].slice(0, rng.int(5, 10)),
    assetHash: rng.hex(8),
    start: Date.UTC(2026, 10, 16 + (n % 10)),
  };
}

// ---------------------------------------------------------------- rows

export type Truth = 'good' | AttackKind;
export const ATTACK_KINDS = ['credential_stuffing', 'browser_ua_flood', 'cache_busting', 'scraper', 'nat_low_slow', 'flash_crowd_flood', 'resi_scraper', 'card_testing', 'api_key_abuse', 'search_flood'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface TruthRow {
  ray: string;
  truth: Truth;
  population: string;
}

interface Req {
  t: number;
  ip: string;
  net: Net;
  stack: Stack;
  ja3?: string;
  method?: string;
  host?: string;
  uri: string;
  status?: number;
  referer?: string;
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
  cache?: string;
  bot: number;
  botSrc?: string;
  verified?: string;
  js?: 'passed' | 'failed' | 'missing';
  bytes?: number;
  dest?: 'document' | 'script' | 'style' | 'image' | 'font' | 'empty';
}

export class Day {
  readonly rows: Record<string, unknown>[] = [];
  readonly truth: TruthRow[] = [];
  private n = 0;
  constructor(
    readonly rng: Rng,
    readonly site: Site,
  ) {}

  /** a time in the day following a diurnal curve (quiet at night UTC-5..+1, busy in the evening) */
  dayTime(): number {
    for (;;) {
      const h = this.rng.next() * 24;
      const w = 0.25 + 0.75 * Math.max(0, Math.sin(((h - 8) / 24) * 2 * Math.PI)) ** 1.2 + 0.15 * Math.exp(-(((h - 20) / 2) ** 2));
      if (this.rng.next() * 1.2 < w) return this.site.start + Math.floor(h * 3_600_000);
    }
  }

  emit(r: Req, truth: Truth, population: string): void {
    const rng = this.rng;
    const i = this.n++;
    const ray = rng.hex(8) + ((Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0'));
    const uri = r.uri;
    const q = uri.indexOf('?');
    const path = q < 0 ? uri : uri.slice(0, q);
    const dest = r.dest ?? 'document';
    const h: Record<string, string> = {
      accept:
        dest === 'document'
          ? 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'
          : dest === 'image'
            ? 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8'
            : dest === 'empty'
              ? 'application/json, text/plain, */*'
              : '*/*',
      'accept-encoding': r.stack.chromium ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br',
      ...r.headers,
    };
    if (r.stack.chromium && r.stack.family !== 'lib' && !('sec-ch-ua' in h)) {
      const v = /Chrome\/(\d+)/.exec(r.stack.ua)?.[1] ?? '131';
      h['sec-ch-ua'] = r.stack.family === 'edge' ? `"Microsoft Edge";v="${v}", "Chromium";v="${v}", "Not_A Brand";v="24"` : `"Google Chrome";v="${v}", "Chromium";v="${v}", "Not_A Brand";v="24"`;
      h['sec-ch-ua-mobile'] = r.stack.mobile ? '?1' : '?0';
      h['sec-ch-ua-platform'] = `"${r.stack.platform}"`;
    }
    if (r.stack.family !== 'lib' && r.stack.family !== 'app' && r.stack.family !== 'crawler' && !('sec-fetch-dest' in h)) {
      h['sec-fetch-dest'] = dest;
      h['sec-fetch-mode'] = dest === 'document' ? 'navigate' : dest === 'empty' ? 'cors' : 'no-cors';
      h['sec-fetch-site'] = r.referer?.includes(this.site.host) ? 'same-origin' : r.referer ? 'cross-site' : 'none';
    }
    const t = r.t;
    const method = r.method ?? 'GET';
    const status = r.status ?? 200;
    const cache = r.cache ?? (dest === 'document' || dest === 'empty' ? 'dynamic' : rng.chance(0.93) ? 'hit' : 'miss');
    const ms = status === 304 || cache === 'hit' ? rng.int(2, 30) : rng.int(40, 900);
    const row: Record<string, unknown> = {
      RayID: ray,
      EdgeStartTimestamp: new Date(t).toISOString(),
      EdgeEndTimestamp: new Date(t + ms).toISOString(),
      ClientIP: r.ip,
      ClientSrcPort: rng.int(1025, 65535),
      ClientASN: r.net.asn,
      ClientCountry: r.net.country.toLowerCase(),
      ClientDeviceType: r.stack.mobile ? 'mobile' : 'desktop',
      ClientRequestHost: r.host ?? this.site.host,
      ClientRequestMethod: method,
      ClientRequestURI: uri,
      ClientRequestPath: path,
      ClientRequestProtocol: r.stack.proto,
      ClientRequestScheme: 'https',
      ClientRequestUserAgent: r.stack.ua,
      ClientRequestReferer: r.referer ?? '',
      ClientRequestSource: 'eyeball',
      ClientRequestBytes: method === 'POST' ? rng.int(900, 2400) : rng.int(300, 1400),
      ClientSSLProtocol: 'TLSv1.3',
      EdgeResponseStatus: status,
      EdgeResponseBytes: r.bytes ?? (status >= 300 ? rng.int(300, 900) : dest === 'image' ? rng.int(8000, 140000) : dest === 'document' ? rng.int(14000, 60000) : rng.int(600, 9000)),
      OriginResponseStatus: cache === 'hit' ? 0 : status,
      CacheCacheStatus: cache,
      EdgeColoCode: { US: 'IAD', DE: 'FRA', GB: 'LHR', FR: 'CDG', NL: 'AMS', CA: 'YYZ', AU: 'SYD', BR: 'GRU', IN: 'BOM', VN: 'SGN', ID: 'CGK', MX: 'QRO', CN: 'HKG', RU: 'ARN', TR: 'IST' }[r.net.country] ?? 'IAD',
      BotScore: r.bot,
      BotScoreSrc: r.botSrc ?? (r.verified ? 'Verified Bot' : 'Machine Learning'),
      VerifiedBotCategory: r.verified ?? '',
      JA3Hash: r.ja3 ?? r.stack.ja3 ?? rng.hex(32),
      JA4: r.stack.ja4,
      JSDetectionPassed: r.js ?? 'missing',
      RequestHeaders: h,
      Cookies: r.cookies ?? {},
      SecurityAction: '',
    };
    this.rows.push(row);
    this.truth.push({ ray, truth, population });
  }
}

// ---------------------------------------------------------------- good populations

function browserBot(rng: Rng): number {
  const r = rng.next();
  return r < 0.035 ? rng.int(2, 29) : r < 0.12 ? rng.int(30, 59) : rng.int(60, 99);
}

interface Visitor {
  ip: string;
  net: Net;
  stack: Stack;
  returning: boolean;
  loginProb: number;
  bot: number;
}

const SEARCH_WORDS = ['rain jacket', 'boots', 'wireless headphones', 'gift card', 'tent', 'linen shirt', 'backpack', 'socks', 'kettle', 'sale', 'waterproof', 'size guide'];

/** One browsing session: page views with assets, XHRs, sometimes a login (sometimes failed), cart. */
function browse(day: Day, v: Visitor, t0: number, population: string, opts: { landing?: string; referer?: string; pages?: number; thinkMs?: number } = {}): void {
  const { rng, site } = day;
  const cookies: Record<string, string> = {};
  if (v.returning) {
    cookies._ga = `GA1.2.${rng.int(1e8, 2e9)}.${Math.floor(t0 / 1000) - rng.int(86400, 8e6)}`;
    cookies.sid = rng.alnum(32);
  }
  let t = t0;
  const pages = opts.pages ?? 1 + Math.floor(rng.exp(4));
  let referer = opts.referer ?? rng.weighted([['https://www.google.com/', 45], ['', 35], ['https://www.bing.com/', 5], ['https://l.instagram.com/', 5], ['https://duckduckgo.com/', 3], ['https://t.co/', 2], ['https://www.facebook.com/', 5]] as const);
  let js: 'passed' | 'missing' = 'missing';
  const lang = v.net.country === 'DE' ? 'de-DE,de;q=0.9,en;q=0.8' : v.net.country === 'FR' ? 'fr-FR,fr;q=0.9,en-US;q=0.8' : v.net.country === 'NL' ? 'nl-NL,nl;q=0.9,en;q=0.8' : 'en-US,en;q=0.9';
  const base = { ip: v.ip, net: v.net, stack: v.stack, ja3: v.stack.ja3 ?? rng.hex(32), bot: v.bot, headers: { 'accept-language': lang } };
  let loggedIn = false;
  for (let p = 0; p < pages; p++) {
    let uri: string;
    if (p === 0 && opts.landing) uri = opts.landing;
    else if (p === 0) {
      uri = rng.weighted<() => string>([
        [() => '/', 30],
        [() => `/?utm_source=${rng.pick(['newsletter', 'facebook', 'instagram', 'google'])}&utm_medium=${rng.pick(['email', 'cpc', 'social'])}&utm_campaign=bf26`, 6],
        [() => `/?gclid=${rng.alnum(22)}_${rng.alnum(8)}`, 5],
        [() => `/?fbclid=IwAR${rng.alnum(40)}`, 4],
        [() => `/products/${rng.int(1, site.products)}`, 30],
        [() => `/c/${rng.pick(site.categories)}`, 15],
        [() => `/blog/${rng.pick(['care-guide', 'gift-ideas-2026', 'sizing', 'behind-the-seams'])}`, 5],
        [() => `/search?q=${encodeURIComponent(rng.pick(SEARCH_WORDS))}`, 5],
      ])();
    } else {
      uri = rng.weighted<() => string>([
        [() => `/products/${rng.int(1, site.products)}`, 40],
        [() => `/c/${rng.pick(site.categories)}${rng.chance(0.3) ? `?page=${rng.int(2, 6)}` : ''}`, 20],
        [() => `/search?q=${encodeURIComponent(rng.pick(SEARCH_WORDS))}`, 8],
        [() => '/cart', 8],
        [() => '/', 8],
        [() => '/account', loggedIn || v.returning ? 6 : 0.5],
        [() => `/c/${rng.pick(site.categories)}?sort=${rng.pick(['price-asc', 'price-desc', 'new'])}`, 4],
      ])();
    }
    const tls = rng.chance(0.12) ? 'failed' : js; // occasional failure to run the detection script
    const status = rng.chance(0.01) ? 404 : uri === '/account' && !cookies.sid ? 302 : 200;
    day.emit({ ...base, t, uri, referer, cookies: { ...cookies }, js: p === 0 ? 'missing' : tls === 'failed' && rng.chance(0.9) ? js : (tls as 'passed' | 'missing' | 'failed'), status, dest: 'document' }, 'good', population);
    // first view of the session loads the bundle; later ones mostly images and XHRs
    const assets: [string, Req['dest']][] = [];
    if (p === 0 && (!v.returning || rng.chance(0.3))) {
      assets.push([`/assets/app.${site.assetHash}.js`, 'script'], [`/assets/app.${site.assetHash}.css`, 'style'], ['/assets/fonts/inter-var.woff2', 'font'], ['/assets/logo.svg', 'image']);
    }
    const imgs = rng.int(0, uri.startsWith('/c/') ? 6 : 3);
    for (let k = 0; k < imgs; k++) assets.push([`/img/p/${rng.int(1, site.products)}-${rng.pick([320, 640, 960])}.webp`, 'image']);
    if (rng.chance(0.8)) {
      assets.push(['/cdn-cgi/challenge-platform/scripts/jsd/main.js', 'script']);
      js = 'passed';
      if (!cookies.__cf_bm) cookies.__cf_bm = `${rng.alnum(43)}-${Math.floor(t / 1000)}-1.0.1.1-${rng.alnum(20)}`;
    }
    if (uri.startsWith('/products/')) assets.push([`/api/recs?product=${uri.slice(10)}`, 'empty']);
    if (rng.chance(0.5)) assets.push(['/api/cart', 'empty']);
    let ta = t + rng.int(80, 400);
    for (const [a, d] of assets) {
      day.emit({ ...base, t: ta, uri: a, referer: `https://${site.host}${uri}`, cookies: { ...cookies }, dest: d, js: d === 'empty' ? js : 'missing', cache: d === 'empty' ? 'dynamic' : undefined }, 'good', population);
      ta += rng.int(5, 250);
    }
    if (!cookies.sid) cookies.sid = rng.alnum(32);
    // login: GET the form, POST it; a few mistype, some repeatedly
    if (!loggedIn && p === 1 && rng.chance(v.loginProb)) {
      t = ta + rng.int(2000, 15000);
      day.emit({ ...base, t, uri: '/login', referer: `https://${site.host}${uri}`, cookies: { ...cookies }, js }, 'good', population);
      let tries = 0;
      for (;;) {
        t += rng.int(6000, 40000);
        const fail = tries < 4 && rng.chance(tries === 0 ? 0.12 : 0.35);
        day.emit({ ...base, t, method: 'POST', uri: '/login', referer: `https://${site.host}/login`, cookies: { ...cookies }, status: fail ? 401 : 302, js, headers: { ...base.headers, 'content-type': 'application/x-www-form-urlencoded' } }, 'good', population);
        tries++;
        if (!fail) break;
      }
      if (tries >= 4 && rng.chance(0.5)) {
        day.emit({ ...base, t: t + rng.int(5000, 20000), uri: '/account/reset-password', referer: `https://${site.host}/login`, cookies: { ...cookies }, js }, 'good', population);
      }
      loggedIn = true;
      cookies.sid = rng.alnum(32);
    }
    if (uri === '/cart' && rng.chance(0.25)) {
      t = ta + rng.int(3000, 20000);
      day.emit({ ...base, t, uri: '/checkout', referer: `https://${site.host}/cart`, cookies: { ...cookies }, js }, 'good', population);
      day.emit({ ...base, t: t + rng.int(20000, 120000), method: 'POST', uri: '/api/checkout', referer: `https://${site.host}/checkout`, cookies: { ...cookies }, js, dest: 'empty', headers: { ...base.headers, 'content-type': 'application/json' }, status: rng.chance(0.06) ? 402 : 200 }, 'good', population);
    }
    referer = `https://${site.host}${uri}`;
    t = ta + Math.floor(rng.exp(opts.thinkMs ?? 35000)) + 1500;
  }
}

/** Home broadband and mobile users; first-timers arrive without cookies. */
function publicBrowsers(day: Day, sessions: number, mobileShare: number): void {
  const { rng } = day;
  const cgnat = new Map<Net, string[]>(); // a few hundred public addresses shared by many subscribers
  for (const net of MOBILE) cgnat.set(net, Array.from({ length: rng.int(60, 200) }, () => ipIn(rng, net)));
  for (let s = 0; s < sessions; s++) {
    const stack = desktopOrMobileBrowser(rng, mobileShare);
    let net: Net;
    let ip: string;
    let population = 'browser';
    if (stack.mobile && rng.chance(0.6)) {
      net = rng.pick(MOBILE);
      ip = rng.pick(cgnat.get(net) as string[]);
      population = 'mobile_cgnat';
    } else if (stack.family === 'safari' && rng.chance(0.08)) {
      net = rng.pick(ICLOUD_RELAY);
      ip = ipIn(rng, net);
      population = 'icloud_private_relay';
    } else {
      net = rng.pick(RESIDENTIAL);
      ip = ipIn(rng, net);
    }
    const returning = rng.chance(0.55);
    if (!returning) population += '_first_visit';
    browse(day, { ip, net, stack, returning, loginProb: returning ? 0.3 : 0.06, bot: browserBot(rng) }, day.dayTime(), population);
  }
}

interface Corp {
  ip: string;
  net: Net;
  fleet: Stack[];
}
/** Offices behind one NAT address: hundreds of staff on the same managed browser builds, office hours. */
function corporate(day: Day, offices: number, usersPer: [number, number]): Corp[] {
  const { rng } = day;
  const out: Corp[] = [];
  const nets = [N(3356, 'US', '4.14', '4.78', '8.42'), N(6461, 'US', '64.125', '208.185'), N(3320, 'DE', '217.6', '194.25'), N(2856, 'GB', '195.171', '62.6')];
  for (let o = 0; o < offices; o++) {
    const net = nets[o % nets.length] as Net;
    const ip = ipIn(rng, net);
    const v = '130';
    const edge: Stack = { ...chromium(rng, 'edge'), ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`, ja4: CHROME_JA4, proto: 'HTTP/2' };
    const chrome: Stack = { ...chromium(rng, 'win'), ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`, ja4: CHROME_JA4, proto: 'HTTP/2' };
    const fleet = [edge, chrome, safari(rng, 'mac')];
    out.push({ ip, net, fleet });
    const users = rng.int(usersPer[0], usersPer[1]);
    const tz = net.country === 'US' ? 14 : 8; // office start, UTC hour
    for (let u = 0; u < users; u++) {
      const stack = rng.weighted([[edge, 6], [chrome, 3], [fleet[2] as Stack, 1]] as const);
      const sessions = rng.int(1, 4);
      for (let s = 0; s < sessions; s++) {
        const t = day.site.start + Math.floor((tz + rng.next() * 9) * 3_600_000);
        browse(day, { ip, net, stack, returning: rng.chance(0.8), loginProb: 0.35, bot: browserBot(rng) }, t, 'corporate_nat', { thinkMs: 25000 });
      }
    }
  }
  return out;
}

/** The shop's own native app: its UA, okhttp / CFNetwork stacks, bearer tokens, /v2 API paths. */
function mobileApp(day: Day, users: number): void {
  const { rng, site } = day;
  for (let u = 0; u < users; u++) {
    const ios = rng.chance(0.55);
    const name = site.host.split('.')[1]?.replace(/-/g, '') ?? 'shop';
    const app = `${name[0]?.toUpperCase()}${name.slice(1)}App`;
    const stack: Stack = ios
      ? { family: 'app', ua: `${app}/5.12.1 (iPhone; iOS ${sv(rng).replace('_', '.')}; Scale/3.00)`, ja4: SAFARI_JA4, ja3: SAFARI_JA3, proto: 'HTTP/2', mobile: true, chromium: false, platform: 'ios' }
      : { family: 'app', ua: `${app}/5.12.0 (Linux; Android ${rng.pick([12, 13, 14, 15])}; ${rng.pick(['Pixel 8', 'SM-A546B', 'SM-S911B', 'moto g54 5G', '2201117TY'])}) okhttp/4.12.0`, ja4: OKHTTP_JA4, ja3: OKHTTP_JA3, proto: 'HTTP/2', mobile: true, chromium: false, platform: 'android' };
    const mob = rng.chance(0.6);
    const net = mob ? rng.pick(MOBILE) : rng.pick(RESIDENTIAL);
    const ip = ipIn(rng, net);
    const token = `Bearer eyJhbGciOiJIUzI1NiJ9.${rng.alnum(60)}.${rng.alnum(43)}`;
    const bot = rng.chance(0.35) ? rng.int(1, 29) : rng.int(30, 80);
    const opens = rng.int(1, 4);
    for (let o = 0; o < opens; o++) {
      let t = day.dayTime();
      const calls = rng.int(3, 20);
      for (let c = 0; c < calls; c++) {
        const uri = rng.weighted<() => string>([
          [() => '/v2/feed?limit=20', 10],
          [() => `/v2/products/${rng.int(1, site.products)}`, 30],
          [() => `/v2/products?category=${rng.pick(site.categories)}&page=${rng.int(1, 5)}`, 15],
          [() => '/v2/cart', 10],
          [() => `/v2/search?q=${encodeURIComponent(rng.pick(SEARCH_WORDS))}`, 8],
          [() => '/v2/me', 6],
          [() => '/v2/config', c === 0 ? 100 : 0],
        ])();
        const post = uri === '/v2/cart' && rng.chance(0.4);
        day.emit({ t, ip, net, stack, host: site.apiHost, method: post ? 'POST' : 'GET', uri, bot, js: 'missing', dest: 'empty', headers: { authorization: token, 'accept-language': 'en-US', ...(post ? { 'content-type': 'application/json' } : {}) }, status: rng.chance(0.01) ? 401 : 200 }, 'good', 'mobile_app');
        t += rng.int(200, 20000);
      }
      if (rng.chance(0.05)) {
        // token expired: re-login from the app, sometimes mistyped
        const fail = rng.chance(0.2);
        day.emit({ t, ip, net, stack, host: site.apiHost, method: 'POST', uri: '/v2/auth/login', bot, dest: 'empty', headers: { 'content-type': 'application/json', 'accept-language': 'en-US' }, status: fail ? 401 : 200 }, 'good', 'mobile_app');
      }
    }
  }
}

/** Verified search crawlers (Googlebot, Bingbot) and an unverified-but-benign SEO tool. */
function crawlers(day: Day, rows: number): void {
  const { rng, site } = day;
  const google = N(15169, 'US', '66.249.64', '66.249.66', '66.249.68', '66.249.72', '66.249.79');
  const bing = N(8075, 'US', '157.55.39', '40.77.167', '207.46.13');
  const gIps = Array.from({ length: 40 }, () => ipIn(rng, google));
  const bIps = Array.from({ length: 15 }, () => ipIn(rng, bing));
  const gbot: Stack = { family: 'crawler', ua: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', ja4: CHROME_JA4, ja3: null, proto: 'HTTP/2', mobile: true, chromium: false, platform: 'Android' };
  const gbotD: Stack = { ...gbot, ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36', mobile: false };
  const bbot: Stack = { family: 'crawler', ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36', ja4: CHROME_JA4, ja3: null, proto: 'HTTP/1.1', mobile: false, chromium: false, platform: 'Windows' };
  for (let r = 0; r < rows; r++) {
    const g = rng.chance(0.75);
    const t = site.start + Math.floor(rng.next() * 86_400_000);
    const uri = rng.weighted<() => string>([
      [() => `/products/${rng.int(1, site.products)}`, 60],
      [() => `/c/${rng.pick(site.categories)}?page=${rng.int(1, 20)}`, 15],
      [() => '/sitemap.xml', 1],
      [() => `/sitemaps/products-${rng.int(1, 8)}.xml`, 2],
      [() => '/robots.txt', 1],
      [() => `/img/p/${rng.int(1, site.products)}-960.webp`, 12],
      [() => '/', 2],
    ])();
    day.emit({ t, ip: g ? rng.pick(gIps) : rng.pick(bIps), net: g ? google : bing, stack: g ? (rng.chance(0.8) ? gbot : gbotD) : bbot, uri, bot: 1, verified: 'Search Engine Crawler', status: rng.chance(0.02) ? 404 : rng.chance(0.1) ? 304 : 200, headers: { 'accept-language': 'en-US' }, cache: rng.chance(0.5) ? 'hit' : 'miss' }, 'good', 'search_crawler');
  }
}

/** Uptime checks every minute from several regions; one verified service, one not. */
function monitors(day: Day): void {
  const { rng, site } = day;
  const checks = [
    { ua: 'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)', verified: 'Monitoring & Analytics', net: N(16509, 'US', '3.80', '52.14'), sites: 4, uri: '/', every: 60 },
    { ua: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', verified: 'Monitoring & Analytics', net: N(63949, 'US', '69.162', '216.144'), sites: 2, uri: '/health', every: 300 },
    { ua: 'Datadog/Synthetics', verified: '', net: N(16509, 'US', '18.200', '44.192'), sites: 3, uri: '/api/health?deep=1', every: 120 },
  ];
  for (const c of checks) {
    const stack: Stack = { family: 'lib', ua: c.ua, ja4: c.ua.startsWith('Datadog') ? GO_JA4 : CURL_JA4, ja3: c.ua.startsWith('Datadog') ? GO_JA3 : CURL_JA3, proto: 'HTTP/1.1', mobile: false, chromium: false, platform: '' };
    for (let s = 0; s < c.sites; s++) {
      const ip = ipIn(rng, c.net);
      const off = rng.int(0, c.every * 1000);
      for (let t = site.start + off; t < site.start + 86_400_000; t += c.every * 1000) {
        day.emit({ t: t + rng.int(0, 900), ip, net: c.net, stack, uri: c.uri, bot: 1, verified: c.verified || undefined, botSrc: c.verified ? 'Verified Bot' : 'Heuristics', headers: { accept: '*/*' } }, 'good', 'uptime_monitor');
      }
    }
  }
}

/** Partners' integrations: Go and Python clients from cloud hosts with API tokens, all day. */
function apiClients(day: Day, rowsPer: number): void {
  const { rng, site } = day;
  const clients = [
    { ua: 'Go-http-client/2.0', ja4: GO_JA4, ja3: GO_JA3, net: CLOUD[0] as Net, proto: 'HTTP/2' as const, paths: ['/api/v1/orders?since=', '/api/v1/inventory?sku=', '/api/v1/orders/'] },
    { ua: 'python-requests/2.32.3', ja4: PY_JA4, ja3: PY_JA3, net: CLOUD[2] as Net, proto: 'HTTP/1.1' as const, paths: ['/api/v1/products?page=', '/api/v1/prices?sku='] },
    { ua: 'feedsync/3.4 (+https://partner.example.net) Go-http-client/1.1', ja4: GO_JA4, ja3: GO_JA3, net: CLOUD[4] as Net, proto: 'HTTP/1.1' as const, paths: ['/api/v1/feed.xml?part=', '/api/v1/inventory?sku='] },
  ];
  for (const c of clients) {
    const stack: Stack = { family: 'lib', ua: c.ua, ja4: c.ja4, ja3: c.ja3, proto: c.proto, mobile: false, chromium: false, platform: '' };
    const ips = Array.from({ length: rng.int(2, 6) }, () => ipIn(rng, c.net));
    const token = `Bearer ${rng.alnum(40)}`;
    for (let r = 0; r < rowsPer; r++) {
      const t = site.start + Math.floor(rng.next() * 86_400_000);
      const p = rng.pick(c.paths);
      const post = p === '/api/v1/orders/' && rng.chance(0.3);
      day.emit({ t, ip: rng.pick(ips), net: c.net, stack, host: site.apiHost, method: post ? 'POST' : 'GET', uri: `${p}${p.endsWith('/') ? rng.int(100000, 999999) : p.endsWith('since=') ? new Date(t - 300000).toISOString() : rng.int(1, 5000)}`, bot: rng.int(1, 12), botSrc: 'Heuristics', dest: 'empty', headers: { authorization: token, accept: 'application/json' }, status: rng.chance(0.005) ? 429 : 200 }, 'good', 'api_client');
    }
  }
}

/** The baseline day every scenario shares (sizes scaled). */
function goodDay(day: Day, scale: number): Corp[] {
  const { rng } = day;
  publicBrowsers(day, Math.round(rng.int(3000, 4500) * scale), rng.next() * 0.3 + 0.45);
  const corps = corporate(day, 3, [Math.round(120 * scale), Math.round(350 * scale)]);
  mobileApp(day, Math.round(rng.int(500, 900) * scale));
  crawlers(day, Math.round(rng.int(3000, 7000) * scale));
  monitors(day);
  apiClients(day, Math.round(rng.int(1500, 4000) * scale));
  return corps;
}

// ---------------------------------------------------------------- attacks

function window(day: Day, hourFrom: number, hourTo: number, minutes: number): [number, number] {
  const start = day.site.start + Math.floor((hourFrom + day.rng.next() * (hourTo - hourFrom)) * 3_600_000);
  return [start, start + minutes * 60_000];
}

/** (1) Residential proxies, a fresh exit every 1-3 requests, Chrome's real UA and JA4 (impersonation). */
function credentialStuffing(day: Day, rows: number): void {
  const { rng } = day;
  const [a, b] = window(day, 1, 20, rng.int(60, 150));
  let made = 0;
  while (made < rows) {
    const net = rng.pick(PROXY_RESIDENTIAL);
    const ip = ipIn(rng, net);
    const stack = rng.weighted<() => Stack>([[() => chromium(rng, 'win'), 6], [() => chromium(rng, 'mac'), 2], [() => chromium(rng, 'edge'), 1]])();
    const s: Stack = { ...stack, proto: 'HTTP/2', ja4: rng.chance(0.7) ? CHROME_JA4 : CHROME_JA4_NEW };
    const k = rng.int(1, 3);
    let t = a + Math.floor(rng.next() * (b - a));
    const cookies: Record<string, string> = rng.chance(0.5) ? { __cf_bm: `${rng.alnum(43)}-${Math.floor(t / 1000)}-1.0.1.1-${rng.alnum(20)}` } : {};
    const bot = rng.chance(0.55) ? rng.int(1, 29) : rng.int(30, 92);
    const lang = rng.pick(['en-US,en;q=0.9', 'en-US,en;q=0.9', 'en-GB,en;q=0.9', 'pt-BR,pt;q=0.9,en;q=0.8']);
    for (let i = 0; i < k && made < rows; i++, made++) {
      const get = i === 0 && k > 1 && rng.chance(0.3);
      day.emit({ t, ip, net, stack: s, method: get ? 'GET' : 'POST', uri: get ? '/login' : rng.chance(0.85) ? '/login' : '/login?next=%2Faccount', referer: `https://${day.site.host}/login`, cookies, bot, js: 'missing', status: get ? 200 : rng.chance(0.015) ? 302 : 401, headers: { 'accept-language': lang, ...(get ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) } }, 'credential_stuffing', 'residential_proxy');
      t += rng.int(300, 4000);
    }
  }
}

/** (2) A few hundred hosts, browser UA strings, but Go / Python TLS stacks. */
function browserUaFlood(day: Day, rows: number): void {
  const { rng, site } = day;
  const [a, b] = window(day, 9, 20, rng.int(8, 25));
  const bots = Array.from({ length: rng.int(200, 450) }, () => {
    const net = rng.chance(0.7) ? rng.pick(CLOUD) : rng.pick(PROXY_RESIDENTIAL);
    const lib = rng.weighted([[['go', GO_JA4, GO_JA3], 6], [['py', PY_JA4, PY_JA3], 3], [['aiohttp', AIOHTTP_JA4, AIOHTTP_JA3], 1]] as const);
    return { net, ip: ipIn(rng, net), lib };
  });
  const uas = Array.from({ length: 40 }, () => desktopOrMobileBrowser(rng, 0.3).ua);
  for (let r = 0; r < rows; r++) {
    const bot = rng.pick(bots);
    const ua = rng.pick(uas); // the toolkit rotates UA strings per request
    const stack: Stack = { family: 'lib', ua, ja4: bot.lib[1], ja3: bot.lib[2], proto: bot.lib[0] === 'go' ? 'HTTP/2' : 'HTTP/1.1', mobile: false, chromium: false, platform: '' };
    const uri = rng.weighted<() => string>([[() => '/', 4], [() => `/search?q=${encodeURIComponent(rng.pick(SEARCH_WORDS))}`, 3], [() => `/products/${rng.int(1, site.products)}`, 2], [() => `/c/${rng.pick(site.categories)}`, 1]])();
    day.emit({ t: a + Math.floor(rng.next() * (b - a)), ip: bot.ip, net: bot.net, stack, uri, bot: rng.chance(0.8) ? rng.int(1, 15) : rng.int(16, 40), js: 'missing', status: rng.chance(0.1) ? 503 : 200, headers: { 'accept-language': 'en-US,en;q=0.9', accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }, cache: 'dynamic' }, 'browser_ua_flood', 'flood_bot');
  }
}

/** (3) A botnet of real-looking browsers, random query strings on the home page to bypass cache. */
function cacheBusting(day: Day, rows: number): void {
  const { rng } = day;
  const [a, b] = window(day, 10, 21, rng.int(15, 40));
  const bots = Array.from({ length: rng.int(1500, 3000) }, () => {
    const net = rng.chance(0.85) ? rng.pick(PROXY_RESIDENTIAL) : rng.pick(MOBILE);
    return { net, ip: ipIn(rng, net), stack: desktopOrMobileBrowser(rng, 0.4) };
  });
  const style = rng.int(0, 2);
  for (let r = 0; r < rows; r++) {
    const bot = rng.pick(bots);
    const q = [() => `${rng.alnum(rng.int(4, 8))}=${rng.alnum(rng.int(4, 10))}`, () => `v=${rng.int(1, 2 ** 31)}`, () => `_=${a + rng.int(0, 9e6)}&${rng.pick(['s', 'id', 'ref'])}=${rng.alnum(6)}`][style] as () => string;
    day.emit({ t: a + Math.floor(rng.next() * (b - a)), ip: bot.ip, net: bot.net, stack: bot.stack, uri: `/?${q()}`, bot: rng.chance(0.5) ? rng.int(1, 29) : rng.int(30, 85), js: 'missing', cache: 'miss', status: rng.chance(0.2) ? 503 : 200, headers: { 'accept-language': rng.pick(['en-US,en;q=0.9', 'en-US,en;q=0.9', 'es-ES,es;q=0.9', 'pt-BR,pt;q=0.9']) } }, 'cache_busting', 'botnet');
  }
}

/** (4) Headless Chrome on cloud hosts walking the catalogue at a modest pace per address. */
function scraper(day: Day, rows: number): void {
  const { rng, site } = day;
  const [a] = window(day, 0, 10, 0);
  const hours = rng.int(6, 12);
  const workers = Array.from({ length: rng.int(40, 90) }, () => {
    const net = rng.pick(CLOUD);
    const v = cv(rng);
    const headless = rng.chance(0.1);
    const stack: Stack = { ...chromium(rng, 'linux'), ua: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ${headless ? 'HeadlessChrome' : 'Chrome'}/${v}.0.0.0 Safari/537.36`, proto: 'HTTP/2', ja4: CHROME_JA4 };
    if (rng.chance(0.3)) Object.assign(stack, chromium(rng, 'win'), { proto: 'HTTP/2', ja4: CHROME_JA4 }); // some spoof Windows
    return { net, ip: ipIn(rng, net), stack, cookies: { __cf_bm: `${rng.alnum(43)}-${Math.floor(a / 1000)}-1.0.1.1-${rng.alnum(20)}`, sid: rng.alnum(32) }, js: rng.chance(0.4) ? ('passed' as const) : ('missing' as const), bot: rng.chance(0.7) ? rng.int(1, 29) : rng.int(30, 70), next: rng.int(1, site.products) };
  });
  const perWorker = Math.ceil(rows / workers.length);
  const span = hours * 3_600_000;
  let made = 0;
  for (const w of workers) {
    let t = a + rng.int(0, 600_000);
    const gap = span / perWorker;
    for (let i = 0; i < perWorker && made < rows; i++, made++) {
      const list = rng.chance(0.12);
      const uri = list ? `/c/${rng.pick(site.categories)}?page=${rng.int(1, 40)}` : `/products/${w.next}`;
      if (!list) w.next = (w.next % site.products) + 1;
      day.emit({ t: Math.floor(t), ip: w.ip, net: w.net, stack: w.stack, uri, referer: rng.chance(0.5) ? `https://${site.host}/c/${rng.pick(site.categories)}` : '', cookies: w.cookies, js: w.js, bot: w.bot, headers: { 'accept-language': 'en-US,en;q=0.9' } }, 'scraper', 'headless_chrome_cloud');
      t += gap * (0.5 + rng.next());
    }
  }
}

/** (5) Inside a corporate NAT: slow password spraying all day, half by a script, half by a driven browser. */
function natLowSlow(day: Day, corp: Corp, rows: number): void {
  const { rng } = day;
  const edge = corp.fleet[0] as Stack;
  const script: Stack = { family: 'lib', ua: edge.ua, ja4: PY_JA4, ja3: PY_JA3, proto: 'HTTP/1.1', mobile: false, chromium: false, platform: '' };
  const driven: Stack = edge; // Selenium driving the managed Edge build: same UA and TLS as colleagues
  const sid = rng.alnum(32);
  const bm = `${rng.alnum(43)}-${Math.floor(day.site.start / 1000)}-1.0.1.1-${rng.alnum(20)}`;
  for (let r = 0; r < rows; r++) {
    const t = day.site.start + Math.floor(rng.next() * 86_400_000);
    const useScript = rng.chance(0.5);
    day.emit({ t, ip: corp.ip, net: corp.net, stack: useScript ? script : driven, method: 'POST', uri: '/login', referer: useScript ? '' : `https://${day.site.host}/login`, cookies: useScript ? {} : { __cf_bm: bm, sid }, bot: useScript ? rng.int(1, 20) : rng.int(20, 75), js: useScript ? 'missing' : 'passed', status: rng.chance(0.01) ? 302 : 401, headers: { 'accept-language': 'en-US,en;q=0.9', 'content-type': 'application/x-www-form-urlencoded' } }, 'nat_low_slow', 'insider_in_corp_nat');
  }
}

/** (6) A product drop: a flash crowd of real (mostly mobile, first-time, social) visitors on one URL. */
function flashCrowd(day: Day, sessions: number, at: number, url: string): void {
  const { rng } = day;
  for (let s = 0; s < sessions; s++) {
    const stack = rng.chance(0.35) ? inApp(rng) : desktopOrMobileBrowser(rng, 0.75);
    const mob = stack.mobile && rng.chance(0.7);
    const net = mob ? rng.pick(MOBILE) : rng.pick(RESIDENTIAL);
    const ip = ipIn(rng, net);
    const t0 = at + Math.floor(Math.abs(rng.exp(240_000)) - 120_000);
    const returning = rng.chance(0.3);
    // impatient refreshes of the drop page before the rest of the session
    const refreshes = rng.int(0, 12);
    let t = t0;
    const referer = rng.weighted([['https://l.instagram.com/', 4], ['https://www.tiktok.com/', 3], ['', 3], ['https://t.co/', 1]] as const);
    for (let i = 0; i < refreshes; i++) {
      day.emit({ t, ip, net, stack, uri: url, referer, bot: browserBot(rng), js: i === 0 ? 'missing' : 'passed', cookies: i === 0 && !returning ? {} : { __cf_bm: `${rng.alnum(43)}-${Math.floor(t0 / 1000)}-1.0.1.1-${rng.alnum(20)}` }, headers: { 'accept-language': 'en-US,en;q=0.9' } }, 'good', 'flash_crowd');
      t += rng.int(2000, 9000);
    }
    browse(day, { ip, net, stack, returning, loginProb: 0.2, bot: browserBot(rng) }, t, 'flash_crowd', { landing: url, referer, pages: 1 + Math.floor(rng.exp(2)), thinkMs: 15000 });
  }
}
function flashCrowdFlood(day: Day, rows: number, at: number, url: string): void {
  const { rng } = day;
  const bots = Array.from({ length: rng.int(300, 600) }, () => {
    const net = rng.pick(PROXY_RESIDENTIAL);
    return { net, ip: ipIn(rng, net), stack: desktopOrMobileBrowser(rng, 0.5) };
  });
  const a = at - 60_000;
  const b = at + rng.int(10, 20) * 60_000;
  for (let r = 0; r < rows; r++) {
    const bot = rng.pick(bots);
    day.emit({ t: a + Math.floor(rng.next() * (b - a)), ip: bot.ip, net: bot.net, stack: bot.stack, uri: url, referer: rng.chance(0.3) ? 'https://l.instagram.com/' : '', bot: rng.chance(0.5) ? rng.int(1, 29) : rng.int(30, 90), js: 'missing', headers: { 'accept-language': 'en-US,en;q=0.9' } }, 'flash_crowd_flood', 'residential_botnet');
  }
}

// ---------------------------------------------------------------- attacks added by the second outside tester

/** Remove request headers from the row just emitted (a client that does not send them). */
function dropHeaders(day: Day, keys: readonly string[]): void {
  const h = (day.rows[day.rows.length - 1] as Record<string, unknown>).RequestHeaders as Record<string, string>;
  for (const k of keys) delete h[k];
}

/** The headers curl_cffi / curl-impersonate send for their chrome124 target, whatever User-Agent the caller sets. */
const IMPERSONATE_CHROME_HINTS: Record<string, string> = {
  'sec-ch-ua': '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
};

/**
 * (7) Price/catalogue scraping through a residential + mobile proxy network (Bright Data / Oxylabs
 * style "rotating residential" gateway with short sticky sessions). Every exit node is someone's
 * home router or phone, so each address is seen for only one short session of 2-15 page requests
 * and then never again; thousands of addresses over the run. The bulk of the scraper is an HTTP
 * client with TLS impersonation (curl_cffi / tls-client): the JA4 and client hints of the browser it
 * impersonates, no JavaScript, no sub-resources (proxy bandwidth is billed per GB), a cookie jar in
 * some sessions and none in others. Cheaper configurations rotate User-Agent strings from a list
 * independently of the impersonated TLS stack (a Safari or Firefox UA over Chrome's JA4 and Chrome
 * 124 client hints). A minority drives real headless Chrome through the proxy with images, fonts and
 * CSS blocked, so it runs scripts (JS detection passes) and fetches the bundle. URLs come from the
 * sitemap (random product ids) plus category pagination; a few are stale (404). Bot scores are
 * spread: many low, a large share in the "likely human" range for the browser-driven sessions.
 */
function residentialScraper(day: Day, rows: number): void {
  const { rng, site } = day;
  const [a] = window(day, 0, 14, 0);
  const span = rng.int(4, 9) * 3_600_000;
  let made = 0;
  while (made < rows) {
    const mobileExit = rng.chance(0.3);
    const net = mobileExit ? rng.pick(MOBILE) : rng.pick(PROXY_RESIDENTIAL);
    const ip = ipIn(rng, net);
    const mode = rng.weighted([['impersonate', 55], ['rotating_ua', 25], ['headless', 20]] as const);
    let stack: Stack;
    let hints: Record<string, string> = {};
    if (mode === 'impersonate') {
      // the UA of the impersonation target: TLS, UA and client hints agree
      stack = rng.weighted<() => Stack>([[() => chromium(rng, 'win'), 5], [() => chromium(rng, 'mac'), 2], [() => chromium(rng, 'android'), 1], [() => safari(rng, 'mac'), 1], [() => safari(rng, 'ios'), 1], [() => firefox(rng, 'win'), 1]])();
      stack = { ...stack, proto: 'HTTP/2', ja4: stack.chromium ? CHROME_JA4 : stack.ja4 };
    } else if (mode === 'rotating_ua') {
      // a UA list rotated per session over curl_cffi's chrome124 TLS and headers
      const ua = desktopOrMobileBrowser(rng, 0.3).ua;
      stack = { family: 'chrome', ua, ja4: CHROME_JA4, ja3: null, proto: 'HTTP/2', mobile: / Mobile/.test(ua), chromium: true, platform: 'Windows' };
      hints = IMPERSONATE_CHROME_HINTS;
    } else {
      // Playwright + stealth: real Chrome, UA patched to drop "Headless"
      stack = { ...chromium(rng, rng.chance(0.7) ? 'win' : 'mac'), proto: 'HTTP/2', ja4: CHROME_JA4 };
    }
    const lang = rng.chance(0.8) ? 'en-US,en;q=0.9' : rng.pick(['en-GB,en;q=0.9', 'de-DE,de;q=0.9,en;q=0.8', 'pt-BR,pt;q=0.9,en;q=0.8']);
    const jar = mode === 'headless' || rng.chance(0.5);
    const cookies: Record<string, string> = {};
    const lowScore = mode === 'headless' ? 0.35 : 0.65;
    let js: 'passed' | 'missing' = 'missing';
    const k = rng.int(2, 15);
    let t = a + Math.floor(rng.next() * span);
    let referer = rng.chance(0.2) ? 'https://www.google.com/' : '';
    for (let i = 0; i < k && made < rows; i++) {
      const list = rng.chance(0.25);
      const uri = list ? `/c/${rng.pick(site.categories)}?page=${rng.int(1, 60)}${rng.chance(0.3) ? '&sort=price-asc' : ''}` : `/products/${rng.int(1, Math.floor(site.products * 1.05))}`;
      const bot = rng.chance(lowScore) ? rng.int(1, 29) : rng.int(30, 85);
      const status = rng.chance(0.03) ? 404 : 200;
      day.emit({ t, ip, net, stack, uri, referer, cookies: { ...cookies }, bot, js, status, headers: { 'accept-language': lang, ...hints } }, 'resi_scraper', `resi_proxy_${mode}`);
      made++;
      if (mode === 'headless') {
        // images, fonts and CSS aborted by request interception; scripts still load and run
        let ta = t + rng.int(80, 300);
        for (const s of [`/assets/app.${site.assetHash}.js`, '/cdn-cgi/challenge-platform/scripts/jsd/main.js']) {
          if (made >= rows) break;
          day.emit({ t: ta, ip, net, stack, uri: s, referer: `https://${site.host}${uri}`, cookies: { ...cookies }, bot, dest: 'script', headers: { 'accept-language': lang } }, 'resi_scraper', `resi_proxy_${mode}`);
          made++;
          ta += rng.int(20, 200);
        }
        js = 'passed';
        referer = `https://${site.host}${uri}`;
      } else referer = rng.chance(0.3) ? `https://${site.host}${uri}` : '';
      if (jar) {
        cookies.__cf_bm ??= `${rng.alnum(43)}-${Math.floor(t / 1000)}-1.0.1.1-${rng.alnum(20)}`;
        cookies.sid ??= rng.alnum(32);
      }
      t += rng.int(1500, 20000);
    }
  }
}

/**
 * (8) Card testing (carding) against the checkout API. Fraudsters validate stolen card numbers by
 * placing small orders: each "session" builds a cart once, then submits the payment call again and
 * again with a different card, most of which the processor declines (402, or 200 with an error body
 * the app returns for a soft decline). To stay under per-IP velocity checks they run through
 * residential proxies (a few datacenter proxies too) at a human-looking pace, and half of them rotate
 * the exit address every 1-3 attempts while keeping the same session cookies. About 60% drive a
 * stealth headless Chrome (real Chrome UA, JA4 and client hints, runs JS, fetches the checkout
 * bundle, blocks images to save proxy bandwidth); the rest replay the captured API calls from an
 * impersonating HTTP client with cookies harvested from one real session (no page views, no JS).
 * Bot scores are mixed: the driven browsers mostly score as humans.
 */
function cardTesting(day: Day, sessions: number): void {
  const { rng, site } = day;
  const [a] = window(day, 0, 18, 0);
  const span = rng.int(3, 8) * 3_600_000;
  const proxyNet = () => rng.weighted<() => Net>([[() => rng.pick(PROXY_RESIDENTIAL), 80], [() => rng.pick(MOBILE), 10], [() => rng.pick(CLOUD), 10]])();
  for (let s = 0; s < sessions; s++) {
    const browser = rng.chance(0.6);
    const population = browser ? 'card_tester_headless' : 'card_tester_replay';
    const stack: Stack = { ...rng.weighted<() => Stack>([[() => chromium(rng, 'win'), 6], [() => chromium(rng, 'mac'), 2], [() => chromium(rng, 'android'), 2]])(), proto: 'HTTP/2', ja4: rng.chance(0.7) ? CHROME_JA4 : CHROME_JA4_NEW };
    const rotate = rng.chance(0.5);
    let net = proxyNet();
    let ip = ipIn(rng, net);
    const lowScore = browser ? 0.3 : 0.6;
    const score = () => (rng.chance(lowScore) ? rng.int(1, 29) : rng.int(30, 92));
    const lang = rng.pick(['en-US,en;q=0.9', 'en-US,en;q=0.9', 'en-GB,en;q=0.9', 'en-US,en;q=0.9,es;q=0.8']);
    const base = { stack, headers: { 'accept-language': lang } };
    let t = a + Math.floor(rng.next() * span);
    const cookies: Record<string, string> = { sid: rng.alnum(32) };
    let js: 'passed' | 'missing' = 'missing';
    const product = `/products/${rng.int(1, site.products)}`;
    if (browser) {
      // land on a cheap product, add it to the cart, open the checkout page (scripts load, images do not)
      day.emit({ ...base, t, ip, net, uri: product, referer: rng.chance(0.5) ? 'https://www.google.com/' : '', cookies: {}, bot: score(), js }, 'card_testing', population);
      cookies.__cf_bm = `${rng.alnum(43)}-${Math.floor(t / 1000)}-1.0.1.1-${rng.alnum(20)}`;
      day.emit({ ...base, t: t + rng.int(100, 400), ip, net, uri: '/cdn-cgi/challenge-platform/scripts/jsd/main.js', referer: `https://${site.host}${product}`, cookies: { ...cookies }, bot: score(), dest: 'script' }, 'card_testing', population);
      js = 'passed';
      t += rng.int(3000, 12000);
      day.emit({ ...base, t, ip, net, method: 'POST', uri: '/api/cart', referer: `https://${site.host}${product}`, cookies: { ...cookies }, bot: score(), js, dest: 'empty', headers: { ...base.headers, 'content-type': 'application/json' } }, 'card_testing', population);
      t += rng.int(2000, 8000);
      day.emit({ ...base, t, ip, net, uri: '/checkout', referer: `https://${site.host}${product}`, cookies: { ...cookies }, bot: score(), js }, 'card_testing', population);
      day.emit({ ...base, t: t + rng.int(80, 300), ip, net, uri: `/assets/app.${site.assetHash}.js`, referer: `https://${site.host}/checkout`, cookies: { ...cookies }, bot: score(), dest: 'script' }, 'card_testing', population);
    } else {
      // cookies lifted from one real session; the cart call then the payment calls
      cookies.__cf_bm = `${rng.alnum(43)}-${Math.floor(t / 1000) - rng.int(60, 1500)}-1.0.1.1-${rng.alnum(20)}`;
      day.emit({ ...base, t, ip, net, method: 'POST', uri: '/api/cart', referer: `https://${site.host}${product}`, cookies: { ...cookies }, bot: score(), js, dest: 'empty', headers: { ...base.headers, 'content-type': 'application/json' } }, 'card_testing', population);
    }
    const attempts = Math.min(40, 2 + Math.floor(rng.exp(8)));
    let sinceRotate = 0;
    const rotateEvery = rng.int(1, 3);
    for (let i = 0; i < attempts; i++) {
      t += rng.int(8000, 60000);
      if (rotate && ++sinceRotate > rotateEvery) {
        net = proxyNet();
        ip = ipIn(rng, net);
        sinceRotate = 1;
      }
      const r = rng.next();
      const [status, bytes] = r < 0.68 ? [402, rng.int(350, 700)] : r < 0.94 ? [200, rng.int(250, 600)] : [200, rng.int(1800, 4200)];
      day.emit({ ...base, t, ip, net, method: 'POST', uri: '/api/checkout', referer: `https://${site.host}/checkout`, cookies: { ...cookies }, bot: score(), js, dest: 'empty', status, bytes, headers: { ...base.headers, 'content-type': 'application/json' } }, 'card_testing', population);
    }
  }
}

interface Integration {
  ua: string;
  token: string;
  stack: Stack;
}
/**
 * A partner's ERP connector (Python, on AWS) that polls orders and inventory all day with its own
 * API key. It is the owner of the key (9) steals; it keeps working while the key is abused.
 */
function erpIntegration(day: Day, rows: number): Integration {
  const { rng, site } = day;
  const ua = 'erp-sync/4.2.0 python-requests/2.31.0';
  const stack: Stack = { family: 'lib', ua, ja4: PY_JA4, ja3: PY_JA3, proto: 'HTTP/1.1', mobile: false, chromium: false, platform: '' };
  const net = CLOUD[0] as Net;
  const ips = Array.from({ length: 2 }, () => ipIn(rng, net));
  const token = `Bearer sk_live_${rng.alnum(32)}`;
  for (let r = 0; r < rows; r++) {
    // polls around the clock, busier during the partner's working hours (13-22 UTC)
    const t = rng.chance(0.6) ? site.start + Math.floor((13 + rng.next() * 9) * 3_600_000) : site.start + Math.floor(rng.next() * 86_400_000);
    const uri = rng.weighted<() => string>([
      [() => `/api/v1/orders?since=${new Date(t - 120_000).toISOString()}&status=paid`, 5],
      [() => `/api/v1/inventory?sku=${rng.int(10000, 99999)}`, 3],
      [() => `/api/v1/orders/${rng.int(400000, 520000)}`, 2],
      [() => `/api/v1/customers/${rng.int(10000, 240000)}`, 1],
    ])();
    const put = uri.startsWith('/api/v1/inventory') && rng.chance(0.2);
    day.emit({ t, ip: rng.pick(ips), net, stack, host: site.apiHost, method: put ? 'PUT' : 'GET', uri, bot: rng.int(1, 12), botSrc: 'Heuristics', dest: 'empty', headers: { authorization: token, accept: 'application/json', ...(put ? { 'content-type': 'application/json' } : {}) }, status: rng.chance(0.004) ? 404 : 200 }, 'good', 'api_client_key_owner');
  }
  return { ua, token, stack };
}

/**
 * (9) Data exfiltration with a stolen, valid API key (leaked from the partner's public repository or
 * CI logs). The attacker replays the partner's exact client string and Python stack for most calls,
 * from a handful of VPS addresses at other providers (and one in the same cloud as the owner), and
 * walks the customer and order resources: paginated listings, then sequential ids (404s where ids
 * are missing), at many times the integration's normal rate for a few hours. Every request carries
 * the valid token, so authentication succeeds; Cloudflare scores it like any API client.
 */
function stolenApiKey(day: Day, owner: Integration, rows: number): void {
  const { rng, site } = day;
  const [a] = window(day, 0, 20, 0);
  const span = rng.int(2, 4) * 3_600_000;
  const hosts = Array.from({ length: rng.int(4, 14) }, () => {
    const net = rng.chance(0.2) ? (CLOUD[0] as Net) : rng.pick([CLOUD[3], CLOUD[4], CLOUD[5], CLOUD[6]] as Net[]);
    const ua = rng.weighted([[owner.ua, 6], ['python-requests/2.31.0', 3], ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 1]] as const);
    return { net, ip: ipIn(rng, net), stack: { ...owner.stack, ua } };
  });
  let page = 1;
  let customer = rng.int(10000, 12000);
  let order = rng.int(400000, 410000);
  for (let r = 0; r < rows; r++) {
    const h = rng.pick(hosts);
    const t = a + Math.floor((r / rows) * span + rng.next() * 60_000);
    const what = rng.weighted([['list', 2], ['customer', 5], ['order', 4]] as const);
    let uri: string;
    let status = 200;
    if (what === 'list') uri = `/api/v1/customers?page=${page++}&per_page=100`;
    else if (what === 'customer') {
      uri = rng.chance(0.3) ? `/api/v1/customers/${customer}/addresses` : `/api/v1/customers/${customer}`;
      customer++;
      if (rng.chance(0.08)) status = 404;
    } else {
      uri = `/api/v1/orders/${order++}`;
      if (rng.chance(0.05)) status = 404;
    }
    day.emit({ t, ip: h.ip, net: h.net, stack: h.stack, host: site.apiHost, uri, bot: rng.int(1, 12), botSrc: 'Heuristics', dest: 'empty', headers: { authorization: owner.token, accept: 'application/json' }, status, bytes: status === 200 ? rng.int(2000, what === 'list' ? 90000 : 9000) : rng.int(120, 300) }, 'api_key_abuse', 'stolen_key_vps');
  }
}

const SEARCH_DICTIONARY = [...SEARCH_WORDS, 'jacket', 'mens', 'womens', 'black', 'leather', 'wool', 'running', 'shoes', 'hat', 'gloves', 'scarf', 'blue', 'cotton', 'hoodie', 'vintage', 'kids', 'winter', 'summer', 'dress', 'shorts', 'insulated', 'charger', 'speaker', 'mug', 'bottle', 'lamp', 'blanket', 'xl', 'small', 'organic'];

/**
 * (10) A botnet HTTP flood on the site search (an expensive, uncacheable endpoint) from thousands of
 * residential addresses (proxy networks and infected home devices). Each address fires a burst of
 * 30 s to 2.5 minutes at 20-60 requests a minute and is replaced by fresh ones (exit-node churn),
 * so the flood lasts 20-50 minutes with a moderate per-IP rate. Queries are dictionary words (they
 * look like real searches and miss the cache), with pagination and sorting. Clients are browser
 * engines or good impersonations: real UAs with the matching JA4 and client hints; only a fraction
 * show anomalies (an outdated Chrome version, a bare wildcard Accept on a navigation, no
 * Accept-Language, no Sec-Fetch headers, or a gzip-only Accept-Encoding). Some forge a same-site Referer; few keep cookies. The
 * origin struggles (503/504/52x on a share of responses). Bot scores split roughly in half.
 */
function searchFlood(day: Day, rows: number): void {
  const { rng, site } = day;
  const [a, b] = window(day, 11, 21, rng.int(20, 50));
  let made = 0;
  while (made < rows) {
    const net = rng.chance(0.85) ? rng.pick(PROXY_RESIDENTIAL) : rng.pick(MOBILE);
    const ip = ipIn(rng, net);
    let stack = desktopOrMobileBrowser(rng, 0.35);
    const anomaly = rng.chance(0.2) ? rng.pick(['old_chrome', 'accept_any', 'no_lang', 'no_fetch', 'gzip_only'] as const) : null;
    if (anomaly === 'old_chrome') {
      const c = chromium(rng, 'win');
      stack = { ...c, ua: c.ua.replace(/Chrome\/\d+/, `Chrome/${rng.int(109, 120)}`), proto: 'HTTP/2', ja4: CHROME_JA4 };
    }
    const headers: Record<string, string> = { 'accept-language': rng.pick(['en-US,en;q=0.9', 'en-US,en;q=0.9', 'en-GB,en;q=0.9', 'es-ES,es;q=0.9']) };
    if (anomaly === 'accept_any') headers.accept = '*/*';
    if (anomaly === 'gzip_only') headers['accept-encoding'] = 'gzip, deflate';
    const drop = anomaly === 'no_lang' ? ['accept-language'] : anomaly === 'no_fetch' ? ['sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site'] : [];
    const cookies: Record<string, string> = rng.chance(0.15) ? { __cf_bm: `${rng.alnum(43)}-${Math.floor(a / 1000)}-1.0.1.1-${rng.alnum(20)}` } : {};
    const forgeReferer = rng.chance(0.4);
    const lowScore = rng.chance(0.5);
    const perMin = rng.int(20, 60);
    const burst = rng.int(30, 150) * 1000;
    const t0 = a + Math.floor(rng.next() * Math.max(1, b - a - burst));
    for (let t = t0; t < t0 + burst && made < rows; t += Math.max(200, Math.floor(rng.exp(60_000 / perMin)))) {
      const q = Array.from({ length: rng.int(1, 3) }, () => rng.pick(SEARCH_DICTIONARY)).join(' ');
      const api = rng.chance(0.1);
      const extra = rng.chance(0.3) ? `&page=${rng.int(2, 30)}` : rng.chance(0.2) ? `&sort=${rng.pick(['price-asc', 'price-desc', 'new', 'rating'])}` : '';
      const uri = `${api ? '/api/search' : '/search'}?q=${encodeURIComponent(q)}${extra}`;
      const r = rng.next();
      const status = r < 0.75 ? 200 : r < 0.88 ? 503 : r < 0.95 ? 504 : rng.pick([520, 522, 524]);
      day.emit({ t, ip, net, stack, uri, referer: forgeReferer ? `https://${site.host}/` : '', cookies, bot: lowScore ? rng.int(1, 29) : rng.int(30, 90), js: 'missing', status, cache: 'dynamic', dest: api ? 'empty' : 'document', headers }, 'search_flood', anomaly ? `residential_botnet_${anomaly}` : 'residential_botnet');
      if (drop.length) dropHeaders(day, drop);
      made++;
    }
  }
}

// ---------------------------------------------------------------- scenarios

export interface Scenario {
  name: string;
  description: string;
  build(day: Day, scale: number): void;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'stuffing',
    description: 'credential stuffing from residential proxies rotating every 1-3 requests, Chrome UA+JA4',
    build: (d, s) => {
      goodDay(d, s);
      credentialStuffing(d, Math.round(d.rng.int(30000, 60000) * s));
    },
  },
  {
    name: 'lib_flood',
    description: 'L7 flood with browser UA strings over Go/Python TLS from a few hundred hosts',
    build: (d, s) => {
      goodDay(d, s);
      browserUaFlood(d, Math.round(d.rng.int(50000, 100000) * s));
    },
  },
  {
    name: 'cache_bust',
    description: 'cache-busting flood on the home page (random query strings) from a botnet of real browser fingerprints',
    build: (d, s) => {
      goodDay(d, s);
      cacheBusting(d, Math.round(d.rng.int(50000, 90000) * s));
    },
  },
  {
    name: 'scraper',
    description: 'headless Chrome on cloud ASNs walking product pages at a modest per-address rate',
    build: (d, s) => {
      goodDay(d, s);
      scraper(d, Math.round(d.rng.int(25000, 45000) * s));
    },
  },
  {
    name: 'nat_low_slow',
    description: 'slow password spraying from inside a corporate NAT address shared with hundreds of staff',
    build: (d, s) => {
      const corps = goodDay(d, s);
      natLowSlow(d, corps[0] as Corp, Math.round(d.rng.int(2500, 4500) * s));
    },
  },
  {
    name: 'flash_crowd',
    description: 'a product-drop flash crowd on one URL and a browser-fingerprint flood of the same URL at the same time',
    build: (d, s) => {
      goodDay(d, s);
      const at = d.site.start + Math.floor((15 + d.rng.next() * 4) * 3_600_000);
      const url = `/products/${d.rng.pick(['limited-drop-aurora-runner', 'collab-capsule-26', 'heritage-boot-restock'])}`;
      flashCrowd(d, Math.round(d.rng.int(2500, 4500) * s), at, url);
      flashCrowdFlood(d, Math.round(d.rng.int(40000, 70000) * s), at, url);
    },
  },
  {
    name: 'attack_only',
    description: 'a capture of attack traffic only (stuffing + browser-UA flood), no good traffic to prove anything on',
    build: (d, s) => {
      credentialStuffing(d, Math.round(d.rng.int(30000, 50000) * s));
      browserUaFlood(d, Math.round(d.rng.int(40000, 80000) * s));
    },
  },
  // added by the second outside tester; appended so the scenarios above keep their seeds and traffic
  {
    name: 'resi_scraper',
    description: 'catalogue scraping through rotating residential/mobile proxies: thousands of IPs, 2-15 pages each, impersonated browser TLS, no assets',
    build: (d, s) => {
      goodDay(d, s);
      residentialScraper(d, Math.round(d.rng.int(30000, 55000) * s));
    },
  },
  {
    name: 'carding',
    description: 'card testing on the checkout API from rotating residential proxies: carts built once, then many declined payment POSTs per session',
    build: (d, s) => {
      goodDay(d, s);
      cardTesting(d, Math.round(d.rng.int(700, 1500) * s));
    },
  },
  {
    name: 'stolen_api_key',
    description: "a partner's leaked API key replayed from VPS hosts to enumerate customers and orders while the partner keeps using it",
    build: (d, s) => {
      goodDay(d, s);
      const owner = erpIntegration(d, Math.round(d.rng.int(2000, 4000) * s));
      stolenApiKey(d, owner, Math.round(d.rng.int(15000, 35000) * s));
    },
  },
  {
    name: 'search_flood',
    description: 'botnet flood of the site search from thousands of residential IPs in 0.5-2.5 minute bursts at 20-60/min, browser fingerprints, anomalies on a fraction',
    build: (d, s) => {
      goodDay(d, s);
      searchFlood(d, Math.round(d.rng.int(100000, 160000) * s));
    },
  },
];

export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}"; one of ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}

/** Generate one scenario's rows (sorted by time) and truth. */
export function generate(name: string, seed: number, scale = 1): { rows: Record<string, unknown>[]; truth: TruthRow[]; site: Site } {
  const sc = scenario(name);
  const rng = new Rng(seed * 7919 + SCENARIOS.indexOf(sc) + 1);
  const site = siteFor(rng, seed + SCENARIOS.indexOf(sc));
  const day = new Day(rng, site);
  sc.build(day, scale);
  const order = day.rows.map((_, i) => i).sort((x, y) => String(day.rows[x]?.EdgeStartTimestamp).localeCompare(String(day.rows[y]?.EdgeStartTimestamp)) || x - y);
  return { rows: order.map((i) => day.rows[i] as Record<string, unknown>), truth: order.map((i) => day.truth[i] as TruthRow), site };
}

/** Write FILE (traffic) and FILE.truth.ndjson (truth). Returns the truth path. */
export function writeScenario(name: string, seed: number, scale: number, file: string): { rows: number; truthFile: string; sha256: string } {
  const { rows, truth } = generate(name, seed, scale);
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  let buf: string[] = [];
  const flush = () => {
    const s = buf.join('');
    h.update(s);
    fs.writeSync(fd, s);
    buf = [];
  };
  for (const r of rows) {
    buf.push(`${JSON.stringify(r)}\n`);
    if (buf.length >= 4096) flush();
  }
  flush();
  fs.closeSync(fd);
  const truthFile = file.replace(/\.ndjson$/, '') + '.truth.ndjson';
  fs.writeFileSync(truthFile, truth.map((t) => JSON.stringify(t)).join('\n') + '\n');
  return { rows: rows.length, truthFile, sha256: h.digest('hex') };
}

function main(argv: string[]): void {
  const name = argv[0];
  const arg = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (!name || name.startsWith('-') || !arg('--out')) {
    console.error(`usage: gen.js SCENARIO [--seed N] [--scale X] --out FILE.ndjson\nscenarios:\n${SCENARIOS.map((s) => `  ${s.name}: ${s.description}`).join('\n')}`);
    process.exit(2);
  }
  const r = writeScenario(name, Number(arg('--seed') ?? 1), Number(arg('--scale') ?? 1), arg('--out') as string);
  console.log(JSON.stringify(r));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main(process.argv.slice(2));
