/**
 * Labelled synthetic HTTP traffic: several L7 attack mixes over benign traffic that includes the
 * heavy-but-good users a careless rule would hit (a corporate NAT, a mobile carrier's CGNAT
 * addresses, verified crawlers, the customer's own monitoring, a mobile app API client).
 *
 * Deterministic for a seed (mulberry32), so tests, the benchmark and the bundled demo sample
 * (`bench/make-sample.ts`) are reproducible. Records are Cloudflare Logpush `http_requests`
 * objects (rfc3339 timestamps with milliseconds); `toColumns` also gives the canonical
 * Rules-language columns directly, so tests do not depend on a loader.
 *
 * Addresses come from documentation/test ranges where possible; the "residential" pools use
 * other ranges only so that /24 aggregation behaves like real traffic.
 */

export type AttackKind = 'http-flood' | 'login-stuffing' | 'cache-busting' | 'scanner' | 'scraper';
export const ATTACK_KINDS: readonly AttackKind[] = ['http-flood', 'login-stuffing', 'cache-busting', 'scanner', 'scraper'];

export type BenignKind = 'browser' | 'corporate-nat' | 'cgnat-mobile' | 'verified-crawler' | 'monitoring' | 'mobile-app';

export interface SynthOptions {
  seed?: number;
  /** Start time, ms since epoch. */
  start?: number;
  /** Length of the capture in seconds. */
  durationSec?: number;
  /** Benign requests per second (all benign populations together). */
  benignRps?: number;
  /** Attack mixes to include, and requests per second for each. */
  attacks?: readonly AttackKind[];
  attackRps?: number;
  /** Attacks run in [attackStart, attackEnd) as a fraction of the duration. */
  attackStart?: number;
  attackEnd?: number;
  /** Stop after this many records (for the benchmark's exact N). */
  limit?: number;
}

export type LogpushRecord = Record<string, unknown>;

export interface SynthRecord {
  record: LogpushRecord;
  attack: boolean;
  /** `attack:http-flood`, `good:corporate-nat`, ... */
  kind: string;
}

/** Addresses the customer's monitoring uses: pass as an allowlist to `score`. */
export const MONITORING_RANGES = ['192.0.2.0/28'];

// ---------------------------------------------------------------- random helpers

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.next() * 16)];
    return s;
  }
  alnum(n: number): string {
    const a = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += a[Math.floor(this.next() * a.length)];
    return s;
  }
  /** Exponential inter-arrival with the given rate (events per second), in ms. */
  gap(rate: number): number {
    return (-Math.log(1 - this.next()) / rate) * 1000;
  }
}

// ---------------------------------------------------------------- client profiles

interface Client {
  ua: string;
  ja4: string;
  ja3: string;
  proto: string;
  lang: string | null;
  browser: boolean;
}

const JA4 = {
  chrome: 't13d1516h2_8daaf6152771_02713d6af862',
  firefox: 't13d1715h2_5b57614c22b0_3d5424432f57',
  safari: 't13d2014h2_a09f3c656075_14788d8d241b',
  go: 't13d190900_9dc949149365_97f8aa674fd9',
  python: 't13d4312h1_c7886603b240_b26ce05bbdd6',
  curl: 't13d311100_e8f1e7e78f70_6bebaf5329ac',
  okhttp: 't13d1613h2_46e7e9700bed_eca864cca44a',
  googlebot: 't13d1517h2_8daaf6152771_b6f405a00624',
  headless: 't13d1516h2_8daaf6152771_02713d6af862',
};
const JA3 = {
  chrome: 'cd08e31494f9531f560d64c695473da9',
  firefox: '579ccef312d18482fc42e2b822ca2430',
  safari: '773906b0efdefa24a7f2b8eb6985bf37',
  go: '473cd7cb9faa642487833865d516e578',
  python: 'b32309a26951912be7dba376398abc3b',
  curl: '0149f47eabf9a20d0893e2a44e5a6323',
  okhttp: 'f79b6bad2ad0641e1921aef10262856b',
  googlebot: '11e1137464a7d9e1d5e1fdbd0bc4a1fa',
};

function chromeUa(r: Rng): string {
  const v = r.int(118, 131);
  const os = r.pick(['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64']);
  return `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`;
}
function firefoxUa(r: Rng): string {
  const v = r.int(115, 133);
  const os = r.pick(['Windows NT 10.0; Win64; x64', 'X11; Ubuntu; Linux x86_64', 'Macintosh; Intel Mac OS X 14.1']);
  return `Mozilla/5.0 (${os}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`;
}
function safariUa(r: Rng): string {
  const v = r.int(15, 18);
  return r.chance(0.6)
    ? `Mozilla/5.0 (iPhone; CPU iPhone OS ${v}_${r.int(0, 6)} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.${r.int(0, 6)} Mobile/15E148 Safari/604.1`
    : `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.${r.int(0, 6)} Safari/605.1.15`;
}
const LANGS = ['en-US,en;q=0.9', 'de-DE,de;q=0.9,en;q=0.8', 'fr-FR,fr;q=0.9', 'en-GB,en;q=0.9', 'es-ES,es;q=0.9', 'ja-JP,ja;q=0.9', 'nl-NL,nl;q=0.8,en;q=0.6'];

function browserClient(r: Rng): Client {
  const f = r.next();
  const lang = r.pick(LANGS);
  if (f < 0.6) return { ua: chromeUa(r), ja4: JA4.chrome, ja3: JA3.chrome, proto: r.chance(0.3) ? 'HTTP/3' : 'HTTP/2', lang, browser: true };
  if (f < 0.8) return { ua: firefoxUa(r), ja4: JA4.firefox, ja3: JA3.firefox, proto: 'HTTP/2', lang, browser: true };
  return { ua: safariUa(r), ja4: JA4.safari, ja3: JA3.safari, proto: r.chance(0.5) ? 'HTTP/3' : 'HTTP/2', lang, browser: true };
}

// ---------------------------------------------------------------- address pools

interface Net {
  asn: number;
  country: string;
  /** first three octets */
  prefixes: readonly string[];
}
const RESIDENTIAL: readonly Net[] = [
  { asn: 7922, country: 'US', prefixes: ['73.15.2', '73.158.40', '98.207.11', '24.6.130'] },
  { asn: 3320, country: 'DE', prefixes: ['79.192.14', '87.150.77', '91.61.200'] },
  { asn: 2856, country: 'GB', prefixes: ['81.129.4', '86.150.91'] },
  { asn: 12322, country: 'FR', prefixes: ['82.64.12', '88.120.33'] },
  { asn: 1136, country: 'NL', prefixes: ['77.164.5', '84.80.19'] },
  { asn: 4713, country: 'JP', prefixes: ['153.156.21', '180.12.40'] },
];
const HOSTING: readonly Net[] = [
  { asn: 14061, country: 'US', prefixes: ['159.89.120', '167.71.3', '134.209.64'] },
  { asn: 16276, country: 'FR', prefixes: ['51.75.144', '54.36.148', '145.239.2'] },
  { asn: 24940, country: 'DE', prefixes: ['95.216.8', '135.181.44', '65.21.80'] },
  { asn: 4134, country: 'CN', prefixes: ['117.24.13', '183.136.225'] },
  { asn: 9009, country: 'NL', prefixes: ['185.107.56', '89.238.186'] },
];

function addr(r: Rng, nets: readonly Net[]): { ip: string; asn: number; country: string } {
  const n = r.pick(nets);
  return { ip: `${r.pick(n.prefixes)}.${r.int(2, 254)}`, asn: n.asn, country: n.country };
}

// ---------------------------------------------------------------- paths

const PRODUCTS = 4000;
const STATIC = ['/static/app.js', '/static/style.css', '/static/vendor.js', '/images/logo.svg', '/images/hero.webp', '/fonts/inter.woff2'];
const WORDS = ['shoes', 'red dress', 'jacket', 'socks', 'running', 'gift card', 'sale', 'kids', 'boots', 'hat'];
const SCANNER_PATHS = [
  '/.env', '/.git/config', '/wp-login.php', '/wp-admin/setup-config.php', '/phpmyadmin/index.php', '/pma/scripts/setup.php',
  '/admin/config.php', '/cgi-bin/test-cgi', '/server-status', '/.aws/credentials', '/config.json', '/backup.sql', '/.DS_Store',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', '/index.php?page=../../../../etc/passwd', '/search?q=%27%20union%20select%201,2,3--',
  '/actuator/env', '/.svn/entries', '/xmlrpc.php', '/solr/admin/info/system',
];
const SCANNER_UAS = ['sqlmap/1.7.2#stable (https://sqlmap.org)', 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000562)', 'Mozilla/5.0 zgrab/0.x', 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'curl/8.5.0', 'python-requests/2.31.0'];

function browsePath(r: Rng): { method: string; path: string; query: string } {
  const f = r.next();
  if (f < 0.35) return { method: 'GET', path: r.pick(STATIC), query: r.chance(0.5) ? `v=${r.pick(['3.2.1', '3.2.2'])}` : '' };
  if (f < 0.6) return { method: 'GET', path: `/products/${r.int(1000, 1000 + PRODUCTS)}`, query: '' };
  if (f < 0.7) return { method: 'GET', path: '/', query: r.chance(0.2) ? `utm_source=${r.pick(['newsletter', 'google', 'facebook'])}` : '' };
  if (f < 0.8) return { method: 'GET', path: '/search', query: `q=${encodeURIComponent(r.pick(WORDS)).replace(/%20/g, '+')}${r.chance(0.3) ? `&page=${r.int(2, 5)}` : ''}` };
  if (f < 0.88) return { method: r.chance(0.3) ? 'POST' : 'GET', path: '/api/cart', query: '' };
  if (f < 0.93) return { method: 'GET', path: '/category/' + r.pick(['women', 'men', 'kids', 'sale']), query: r.chance(0.3) ? 'sort=price' : '' };
  if (f < 0.97) return { method: 'POST', path: '/login', query: '' };
  return { method: 'GET', path: '/checkout', query: '' };
}

// ---------------------------------------------------------------- record assembly

const HOST = 'shop.example.com';
const COLOS = ['FRA', 'AMS', 'LHR', 'CDG', 'IAD', 'SJC', 'NRT'];

interface Req {
  ts: number;
  ip: string;
  asn: number;
  country: string;
  client: Client;
  method: string;
  path: string;
  query: string;
  status: number;
  cookie: string | null;
  referer: string;
  botScore: number;
  verified: string;
  ipClass: string;
  source?: string;
}

function record(r: Rng, q: Req): LogpushRecord {
  const uri = q.query ? `${q.path}?${q.query}` : q.path;
  const headers: Record<string, string> = {};
  if (q.client.lang) headers['accept-language'] = q.client.lang;
  headers['accept-encoding'] = q.client.browser ? 'gzip, deflate, br' : 'gzip';
  const rec: LogpushRecord = {
    RayID: r.hex(16),
    EdgeStartTimestamp: new Date(q.ts).toISOString(),
    ClientIP: q.ip,
    ClientSrcPort: r.int(1024, 65535),
    ClientASN: q.asn,
    ClientCountry: q.country.toLowerCase(),
    ClientIPClass: q.ipClass,
    ClientDeviceType: /iPhone|Android/.test(q.client.ua) ? 'mobile' : 'desktop',
    ClientRequestHost: HOST,
    ClientRequestMethod: q.method,
    ClientRequestURI: uri,
    ClientRequestPath: q.path,
    ClientRequestProtocol: q.client.proto,
    ClientRequestScheme: 'https',
    ClientRequestUserAgent: q.client.ua,
    ClientRequestReferer: q.referer,
    ClientRequestBytes: r.int(300, 2500),
    ClientRequestSource: q.source ?? 'eyeball',
    ClientSSLProtocol: 'TLSv1.3',
    ClientTCPRTTMs: r.int(5, 180),
    EdgeColoCode: r.pick(COLOS),
    EdgeResponseStatus: q.status,
    EdgeResponseBytes: q.status === 200 ? r.int(800, 90000) : r.int(150, 2000),
    OriginResponseStatus: q.status,
    CacheCacheStatus: /^\/(static|images|fonts)\//.test(q.path) && !q.query.includes('=') ? 'hit' : q.path.startsWith('/static') ? 'miss' : 'dynamic',
    BotScore: q.botScore,
    BotScoreSrc: q.verified ? 'Verified Bot' : q.botScore < 30 ? 'Heuristics' : 'Machine Learning',
    VerifiedBotCategory: q.verified,
    JA3Hash: q.client.ja3,
    JA4: q.client.ja4,
    JSDetectionPassed: q.client.browser && q.botScore >= 30 ? 'passed' : 'missing',
    RequestHeaders: headers,
  };
  // Logpush carries cookies only as configured custom fields (an object keyed by cookie name).
  rec['Cookies'] = q.cookie ? Object.fromEntries(q.cookie.split('; ').map((kv) => kv.split('=') as [string, string])) : {};
  return rec;
}

// ---------------------------------------------------------------- populations

/** A source that emits requests: an arrival process plus a request builder. */
interface Source {
  rate: number;
  next: number;
  kind: string;
  attack: boolean;
  from: number;
  until: number;
  make(ts: number): Req;
}

interface User {
  ip: string;
  asn: number;
  country: string;
  client: Client;
  session: string;
  seen: boolean;
}

function userPool(r: Rng, n: number, place: () => { ip: string; asn: number; country: string }): User[] {
  return Array.from({ length: n }, () => ({ ...place(), client: browserClient(r), session: r.hex(24), seen: r.chance(0.7) }));
}

function browsingReq(r: Rng, u: User, ts: number, botScore: number): Req {
  const p = browsePath(r);
  const cookie = u.seen ? `__cf_bm=${u.session.slice(0, 12)}; session=${u.session}` : null;
  u.seen = true;
  const status = p.path === '/login' ? (r.chance(0.85) ? 302 : 401) : r.chance(0.01) ? 404 : 200;
  return { ts, ip: u.ip, asn: u.asn, country: u.country, client: u.client, ...p, status, cookie, referer: r.chance(0.7) ? `https://${HOST}/` : '', botScore, verified: '', ipClass: 'noRecord' };
}

function benignSources(r: Rng, rps: number, t0: number, t1: number): Source[] {
  const residential = userPool(r, 4000, () => addr(r, RESIDENTIAL));
  const corp = userPool(r, 400, () => ({ ip: r.pick(['198.51.100.10', '198.51.100.11']), asn: 64500, country: 'DE' }));
  const cgnat = userPool(r, 1500, () => ({ ip: `172.58.${r.pick([21, 22])}.${r.int(1, 40)}`, asn: 21928, country: 'US' }));
  for (const u of cgnat) if (!/iPhone|Android/.test(u.client.ua)) u.client = { ...u.client, ua: safariUa(r) };
  const base = { next: t0, from: t0, until: t1, attack: false };
  const sources: Source[] = [
    { ...base, rate: rps * 0.55, kind: 'good:browser', make: (ts) => browsingReq(r, r.pick(residential), ts, r.int(40, 99)) },
    // 400 employees behind two egress addresses: the heaviest "sources" in the log.
    { ...base, rate: rps * 0.15, kind: 'good:corporate-nat', make: (ts) => browsingReq(r, r.pick(corp), ts, r.int(35, 99)) },
    // A mobile carrier: thousands of subscribers share a few dozen public addresses.
    { ...base, rate: rps * 0.12, kind: 'good:cgnat-mobile', make: (ts) => browsingReq(r, r.pick(cgnat), ts, r.int(35, 99)) },
    {
      ...base,
      rate: rps * 0.07,
      kind: 'good:verified-crawler',
      make: (ts) => {
        const google = r.chance(0.7);
        const client: Client = google
          ? { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', ja4: JA4.googlebot, ja3: JA3.googlebot, proto: 'HTTP/2', lang: null, browser: false }
          : { ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', ja4: JA4.go, ja3: JA3.go, proto: 'HTTP/1.1', lang: null, browser: false };
        const ip = google ? `66.249.66.${r.int(1, 90)}` : `40.77.167.${r.int(1, 80)}`;
        return { ts, ip, asn: google ? 15169 : 8075, country: 'US', client, method: 'GET', path: `/products/${r.int(1000, 1000 + PRODUCTS)}`, query: '', status: 200, cookie: null, referer: '', botScore: 1, verified: 'Search Engine Crawler', ipClass: 'searchEngine' };
      },
    },
    {
      ...base,
      rate: rps * 0.04,
      kind: 'good:monitoring',
      make: (ts) => {
        const own = r.chance(0.6);
        const client: Client = own
          ? { ua: 'shop-healthcheck/2.3 (+ops@example.com)', ja4: JA4.go, ja3: JA3.go, proto: 'HTTP/1.1', lang: null, browser: false }
          : { ua: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', ja4: JA4.go, ja3: JA3.go, proto: 'HTTP/1.1', lang: null, browser: false };
        return {
          ts, ip: own ? `192.0.2.${r.int(1, 4)}` : `69.162.124.${r.int(224, 238)}`, asn: own ? 64501 : 46475, country: 'US', client, method: own ? 'GET' : 'HEAD',
          path: own ? r.pick(['/health', '/api/health', '/login']) : '/', query: '', status: 200, cookie: null, referer: '', botScore: own ? 2 : 1,
          verified: own ? '' : 'Monitoring & Analytics', ipClass: own ? 'noRecord' : 'monitoringService',
        };
      },
    },
    {
      ...base,
      rate: rps * 0.07,
      kind: 'good:mobile-app',
      make: (ts) => {
        const u = r.pick(cgnat.concat(residential.slice(0, 300)));
        const client: Client = { ua: `ShopApp/5.${r.int(0, 4)} (Android ${r.int(12, 15)}) okhttp/4.12.0`, ja4: JA4.okhttp, ja3: JA3.okhttp, proto: 'HTTP/2', lang: null, browser: false };
        const path = r.pick(['/api/v2/products', '/api/v2/cart', '/api/v2/recommendations', '/api/v2/session']);
        return { ts, ip: u.ip, asn: u.asn, country: u.country, client, method: r.chance(0.2) ? 'POST' : 'GET', path, query: r.chance(0.4) ? `limit=${r.pick([20, 50])}` : '', status: 200, cookie: null, referer: '', botScore: r.int(5, 40), verified: '', ipClass: 'noRecord' };
      },
    },
  ];
  return sources;
}

function attackSources(r: Rng, kinds: readonly AttackKind[], rps: number, t0: number, t1: number): Source[] {
  const base = { next: t0, from: t0, until: t1, attack: true, rate: rps };
  const out: Source[] = [];
  for (const kind of kinds) {
    const k = `attack:${kind}`;
    if (kind === 'http-flood') {
      // A botnet on hosting and proxy addresses with rotating Chrome UAs over a Go TLS stack.
      const bots = Array.from({ length: 600 }, () => addr(r, r.chance(0.6) ? HOSTING : RESIDENTIAL));
      out.push({
        ...base, kind: k,
        make: (ts) => {
          const b = r.pick(bots);
          const client: Client = { ua: chromeUa(r), ja4: JA4.go, ja3: JA3.go, proto: 'HTTP/1.1', lang: null, browser: true };
          const path = r.pick(['/', '/search', '/products/' + r.int(1000, 1200)]);
          return { ts, ...b, client, method: 'GET', path, query: path === '/search' ? `q=${r.pick(WORDS).replace(' ', '+')}` : '', status: r.chance(0.3) ? 503 : 200, cookie: null, referer: '', botScore: r.int(1, 12), verified: '', ipClass: r.chance(0.3) ? 'badHost' : 'noRecord' };
        },
      });
    } else if (kind === 'login-stuffing') {
      const bots = Array.from({ length: 150 }, () => addr(r, r.chance(0.5) ? HOSTING : RESIDENTIAL));
      out.push({
        ...base, kind: k, rate: rps * 0.6,
        make: (ts) => {
          const b = r.pick(bots);
          const py = r.chance(0.5);
          const client: Client = py
            ? { ua: 'python-requests/2.31.0', ja4: JA4.python, ja3: JA3.python, proto: 'HTTP/1.1', lang: null, browser: false }
            : { ua: firefoxUa(r), ja4: JA4.python, ja3: JA3.python, proto: 'HTTP/1.1', lang: r.chance(0.5) ? 'en-US,en;q=0.5' : null, browser: true };
          return { ts, ...b, client, method: 'POST', path: '/login', query: '', status: r.chance(0.97) ? 401 : 302, cookie: null, referer: py ? '' : `https://${HOST}/login`, botScore: r.int(1, 20), verified: '', ipClass: 'noRecord' };
        },
      });
    } else if (kind === 'cache-busting') {
      const bots = Array.from({ length: 300 }, () => addr(r, RESIDENTIAL.concat(HOSTING)));
      out.push({
        ...base, kind: k,
        make: (ts) => {
          const b = r.pick(bots);
          const client: Client = { ua: chromeUa(r), ja4: JA4.curl, ja3: JA3.curl, proto: 'HTTP/2', lang: r.pick(LANGS), browser: true };
          const path = r.pick(['/', '/static/style.css', '/static/app.js', '/category/sale']);
          return { ts, ...b, client, method: 'GET', path, query: `${r.alnum(r.int(4, 8))}=${r.alnum(r.int(10, 18))}`, status: 200, cookie: null, referer: '', botScore: r.int(1, 25), verified: '', ipClass: 'noRecord' };
        },
      });
    } else if (kind === 'scanner') {
      const bots = Array.from({ length: 6 }, () => addr(r, HOSTING));
      out.push({
        ...base, kind: k, rate: rps * 0.3,
        make: (ts) => {
          const b = r.pick(bots);
          const ua = r.pick(SCANNER_UAS);
          const lib = /curl/.test(ua) ? 'curl' : /python/.test(ua) ? 'python' : 'go';
          const client: Client = { ua, ja4: JA4[lib], ja3: JA3[lib], proto: 'HTTP/1.1', lang: null, browser: false };
          const full = r.pick(SCANNER_PATHS);
          const [path, query] = full.split('?') as [string, string | undefined];
          return { ts, ...b, client, method: r.chance(0.9) ? 'GET' : 'POST', path, query: query ?? '', status: r.chance(0.8) ? 404 : 403, cookie: null, referer: '', botScore: r.int(1, 10), verified: '', ipClass: r.chance(0.5) ? 'scan' : 'noRecord' };
        },
      });
    } else if (kind === 'scraper') {
      const bots = Array.from({ length: 12 }, () => addr(r, HOSTING));
      const cursor = bots.map(() => r.int(1000, 3000));
      out.push({
        ...base, kind: k, rate: rps * 0.5,
        make: (ts) => {
          const i = r.int(0, bots.length - 1);
          const b = bots[i] as { ip: string; asn: number; country: string };
          cursor[i] = (cursor[i] as number) + 1;
          const client: Client = { ua: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${r.int(118, 126)}.0.0.0 Safari/537.36`, ja4: JA4.headless, ja3: JA3.chrome, proto: 'HTTP/2', lang: 'en-US', browser: true };
          return { ts, ...b, client, method: 'GET', path: `/products/${cursor[i]}`, query: '', status: 200, cookie: null, referer: '', botScore: r.int(2, 29), verified: '', ipClass: 'noRecord' };
        },
      });
    }
  }
  return out;
}

/** The labelled records in time order. */
export function* synthesize(opts: SynthOptions = {}): Generator<SynthRecord> {
  const seed = opts.seed ?? 1;
  const r = new Rng(seed);
  const start = opts.start ?? Date.UTC(2026, 10, 20, 10, 0, 0);
  const dur = (opts.durationSec ?? 600) * 1000;
  const t1 = start + dur;
  const benignRps = opts.benignRps ?? 40;
  const attacks = opts.attacks ?? ATTACK_KINDS;
  const a0 = start + dur * (opts.attackStart ?? 0.25);
  const a1 = start + dur * (opts.attackEnd ?? 0.85);
  const sources = [...benignSources(r, benignRps, start, t1), ...attackSources(r, attacks, opts.attackRps ?? 30, a0, a1)];
  for (const s of sources) s.next = s.from + r.gap(s.rate);
  const limit = opts.limit ?? Infinity;
  let n = 0;
  for (;;) {
    let best: Source | undefined;
    for (const s of sources) if (s.next < s.until && (!best || s.next < best.next)) best = s;
    if (!best || n >= limit) return;
    const ts = Math.floor(best.next);
    best.next += r.gap(best.rate);
    n++;
    yield { record: record(r, best.make(ts)), attack: best.attack, kind: best.kind };
  }
}

/** NDJSON text of the records (no labels: the file looks like a real Logpush export). */
export function toNdjson(records: Iterable<SynthRecord>): string {
  const lines: string[] = [];
  for (const s of records) lines.push(JSON.stringify(s.record));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Canonical Rules-language columns for Logpush records, plus the ground truth. */
export interface SynthColumns {
  columns: Record<string, unknown[]>;
  attack: Uint8Array;
  kind: string[];
}

export function toColumns(records: Iterable<SynthRecord>): SynthColumns {
  const names = [
    'timestamp', 'cf.ray_id', 'ip.src', 'ip.src.asnum', 'ip.src.country', 'http.host', 'http.request.method', 'http.request.uri.path',
    'http.request.uri.query', 'http.request.version', 'http.user_agent', 'http.referer', 'http.cookie', 'http.request.headers',
    'http.response.code', 'cf.bot_management.ja3_hash', 'cf.bot_management.ja4', 'cf.bot_management.score', 'cf.bot_management.verified_bot',
  ] as const;
  const cols: Record<string, unknown[]> = Object.fromEntries(names.map((n) => [n, [] as unknown[]]));
  const attack: number[] = [];
  const kind: string[] = [];
  const push = (n: string, v: unknown) => (cols[n] as unknown[]).push(v);
  for (const s of records) {
    const r = s.record;
    const uri = r['ClientRequestURI'] as string;
    const qi = uri.indexOf('?');
    push('timestamp', Date.parse(r['EdgeStartTimestamp'] as string));
    push('cf.ray_id', r['RayID']);
    push('ip.src', r['ClientIP']);
    push('ip.src.asnum', r['ClientASN']);
    push('ip.src.country', (r['ClientCountry'] as string).toUpperCase());
    push('http.host', r['ClientRequestHost']);
    push('http.request.method', r['ClientRequestMethod']);
    push('http.request.uri.path', r['ClientRequestPath']);
    push('http.request.uri.query', qi >= 0 ? uri.slice(qi + 1) : null);
    push('http.request.version', r['ClientRequestProtocol']);
    push('http.user_agent', r['ClientRequestUserAgent']);
    push('http.referer', r['ClientRequestReferer'] || null);
    const c = Object.entries(r['Cookies'] as Record<string, string>);
    push('http.cookie', c.length ? c.map(([k, v]) => `${k}=${v}`).join('; ') : null);
    const h = r['RequestHeaders'] as Record<string, string>;
    push('http.request.headers', Object.fromEntries(Object.entries(h).map(([k, v]) => [k, [v]])));
    push('http.response.code', r['EdgeResponseStatus']);
    push('cf.bot_management.ja3_hash', r['JA3Hash']);
    push('cf.bot_management.ja4', r['JA4']);
    push('cf.bot_management.score', r['BotScore']);
    push('cf.bot_management.verified_bot', Boolean(r['VerifiedBotCategory']));
    attack.push(s.attack ? 1 : 0);
    kind.push(s.kind);
  }
  return { columns: cols, attack: Uint8Array.from(attack), kind };
}
