/**
 * Labelled behaviour scenarios: attacks that look like browsers over benign traffic that is busy
 * in the ways real traffic is (a corporate NAT, a mobile carrier's CGNAT with an app, verified
 * crawlers, the customer's monitoring, VPN users on hosting networks, first visits without
 * cookies, users logging in and searching).
 *
 * Every attacker uses a browser's user agent, the JA4 of that browser, Accept-Language, the same
 * bot-score distribution as people and, where a browser would have one, a cookie. Nothing in a
 * single row tells an attack from a user: only behaviour over time does.
 *
 * The truth is returned beside the table (`truth`, `population`), never as a column, so a scorer
 * given `scenario.table` cannot read it. Deterministic for a seed (mulberry32); every rate, size,
 * time and mix is a parameter so a detector is not tuned to one draw.
 *
 * API (stable; bench/ and test/ use it):
 *   generateScenario(opts?: ScenarioOptions) -> Scenario
 *     .table       Arquero table, canonical Logpush columns (no truth column)
 *     .truth       Uint8Array, per row an index into TRUTH_KINDS (0 = benign)
 *     .population  string[] per row (`user`, `corporate-nat`, `cgnat-app`, `crawler`, ... or the attack kind)
 *     .options     the resolved options (what was drawn)
 *   combinedLog(scenario) -> string   the same requests as nginx/Apache combined-log lines (origin form:
 *                                     no JA4, ASN, bot score or cookie), in the same row order
 *   TRUTH_KINDS = ['benign', 'credential-stuffing', 'search-flood', 'headless-catalogue']
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';

export const TRUTH_KINDS = ['benign', 'credential-stuffing', 'search-flood', 'headless-catalogue'] as const;
export type TruthKind = (typeof TRUTH_KINDS)[number];
export type AttackKind = Exclude<TruthKind, 'benign'>;
export const ATTACK_KINDS: readonly AttackKind[] = ['credential-stuffing', 'search-flood', 'headless-catalogue'];

export interface AttackWindow {
  /** Minutes from the start of the log. */
  startMin: number;
  durationMin: number;
}

export interface ScenarioOptions {
  seed?: number;
  /** Start of the log, ms since epoch. */
  start?: number;
  durationMin?: number;
  /** Ordinary visitors (each one visit of several pages) over the whole log. */
  users?: number;
  /** Users behind the one corporate NAT address. */
  corporateUsers?: number;
  /** App sessions behind the mobile carrier's few CGNAT addresses. */
  cgnatSessions?: number;
  /** Share of visitors on a VPN exit in a hosting network. */
  vpnShare?: number;
  /** Share of visits that start without cookies (first visits). */
  firstVisitShare?: number;
  /** Share of visits that log in, and that search. */
  loginShare?: number;
  searchShare?: number;
  /** Status the login form answers a wrong password with: 401, 403 or 200 (the form again). */
  loginFailureStatus?: 200 | 401 | 403;
  /** Attacks to include (default all three). */
  attacks?: readonly AttackKind[];
  /** When each attack runs (default drawn from the seed). */
  windows?: Partial<Record<AttackKind, AttackWindow>>;
  /** Credential stuffing: login attempts per minute, and share of proxies that GET the form first. */
  stuffingPerMin?: number;
  stuffingPreflightShare?: number;
  /** Search/cart flood: requests per second, how many distinct addresses, and the target. */
  floodPerSec?: number;
  floodAddresses?: number;
  floodTarget?: 'search' | 'cart';
  /** Share of flood terms taken from the dictionary real users search with (rest random tokens). */
  floodDictionaryShare?: number;
  /** Headless walkers on cloud hosts, and each one's seconds between pages. */
  walkers?: number;
  walkerIntervalSec?: number;
  walkerKeepsCookies?: boolean;
}

export interface Scenario {
  table: ColumnTable;
  truth: Uint8Array;
  population: string[];
  options: Required<Omit<ScenarioOptions, 'windows'>> & { windows: Record<AttackKind, AttackWindow> };
}

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
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
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
  token(n: number): string {
    const a = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += a[Math.floor(this.next() * a.length)];
    return s;
  }
  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

// ---------------------------------------------------------------- clients (public UA strings and JA4s)

interface Browser {
  ua: string;
  ja4: string;
  lang: string;
}

/** JA4s of current browsers (FoxIO ja4plus-mapping.csv and observed captures). */
const JA4 = {
  chrome: 't13d1516h2_8daaf6152771_02713d6af862',
  firefox: 't13d1715h2_5b57614c22b0_3d5424432f57',
  safari: 't13d2014h2_a09f3c656075_14788d8d241b',
  edge: 't13d1516h2_8daaf6152771_e5627efa2ab1',
  iosApp: 't13d2014h2_a09f3c656075_14788d8d241b',
  googlebot: 't13d1517h2_8daaf6152771_b6f405a00624',
  bingbot: 't13d1516h2_8daaf6152771_02713d6af862',
  monitor: 't13d1516h2_8daaf6152771_02713d6af862',
};

const LANGS = ['en-US,en;q=0.9', 'en-GB,en;q=0.9', 'de-DE,de;q=0.9,en;q=0.8', 'fr-FR,fr;q=0.9,en-US;q=0.8', 'id-ID,id;q=0.9,en-US;q=0.8', 'es-ES,es;q=0.9', 'nl-NL,nl;q=0.9,en;q=0.8', 'pt-BR,pt;q=0.9'];

function browser(r: Rng, mobile = false): Browser {
  const lang = r.pick(LANGS);
  const x = r.next();
  if (mobile) {
    if (x < 0.55) {
      const v = r.int(16, 18);
      return { ua: `Mozilla/5.0 (iPhone; CPU iPhone OS ${v}_${r.int(0, 6)} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.${r.int(0, 6)} Mobile/15E148 Safari/604.1`, ja4: JA4.safari, lang };
    }
    const v = r.int(124, 131);
    return { ua: `Mozilla/5.0 (Linux; Android ${r.int(11, 14)}; ${r.pick(['SM-S918B', 'Pixel 8', 'SM-A546B', 'M2101K6G'])}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`, ja4: JA4.chrome, lang };
  }
  if (x < 0.62) {
    const v = r.int(124, 131);
    const os = r.pick(['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64']);
    return { ua: `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`, ja4: JA4.chrome, lang };
  }
  if (x < 0.8) {
    const v = r.int(125, 133);
    const os = r.pick(['Windows NT 10.0; Win64; x64', 'X11; Ubuntu; Linux x86_64', 'Macintosh; Intel Mac OS X 14.1']);
    return { ua: `Mozilla/5.0 (${os}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`, ja4: JA4.firefox, lang };
  }
  if (x < 0.92) {
    const v = r.int(16, 18);
    return { ua: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.${r.int(0, 5)} Safari/605.1.15`, ja4: JA4.safari, lang };
  }
  const v = r.int(124, 131);
  return { ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`, ja4: JA4.edge, lang };
}

// ---------------------------------------------------------------- networks (public allocations)

interface Net {
  asn: number;
  country: string;
  /** First two or three octets the addresses are drawn under. */
  prefixes: readonly string[];
}

/** Residential / broadband networks (eyeball). */
const EYEBALL: readonly Net[] = [
  { asn: 7922, country: 'US', prefixes: ['73.', '98.', '24.'] },
  { asn: 3320, country: 'DE', prefixes: ['79.', '84.', '91.'] },
  { asn: 2856, country: 'GB', prefixes: ['81.', '86.'] },
  { asn: 3215, country: 'FR', prefixes: ['90.', '92.'] },
  { asn: 7713, country: 'ID', prefixes: ['36.', '110.'] },
  { asn: 701, country: 'US', prefixes: ['71.', '108.'] },
  { asn: 1136, country: 'NL', prefixes: ['77.', '62.'] },
  { asn: 28573, country: 'BR', prefixes: ['177.', '179.'] },
];
/** Cloud hosts (the walkers) and VPN exits: hosting networks. */
const CLOUD: readonly Net[] = [
  { asn: 16509, country: 'US', prefixes: ['3.80.', '54.210.', '18.204.'] },
  { asn: 14061, country: 'DE', prefixes: ['164.90.', '167.172.'] },
  { asn: 24940, country: 'DE', prefixes: ['88.198.', '95.216.'] },
  { asn: 396982, country: 'US', prefixes: ['34.138.', '35.196.'] },
];
const VPN: readonly Net[] = [
  { asn: 9009, country: 'GB', prefixes: ['185.195.', '89.238.'] },
  { asn: 60068, country: 'NL', prefixes: ['185.59.', '212.102.'] },
  { asn: 212238, country: 'US', prefixes: ['156.146.', '138.199.'] },
];
const MOBILE: Net = { asn: 21928, country: 'US', prefixes: ['172.56.'] };
const CORPORATE: Net = { asn: 3356, country: 'US', prefixes: ['4.14.'] };

function address(r: Rng, net: Net): string {
  const p = r.pick(net.prefixes);
  const need = 4 - (p.split('.').length - 1);
  const parts: number[] = [];
  for (let i = 0; i < need; i++) parts.push(i === need - 1 ? r.int(1, 254) : r.int(0, 255));
  return p + parts.join('.');
}

// ---------------------------------------------------------------- the site

const HOST = 'shop.example.com';
const WORDS = ['red', 'shoes', 'dress', 'jacket', 'blue', 'winter', 'boots', 'shirt', 'linen', 'wool', 'kids', 'sale', 'leather', 'bag', 'running', 'socks', 'green', 'hat', 'scarf', 'jeans', 'black', 'sandals', 'coat', 'summer', 'sneakers', 'gift', 'watch', 'belt', 'white', 'cotton', 'rain', 'baju', 'sepatu', 'tas'];
const CATEGORIES = ['women', 'men', 'kids', 'shoes', 'bags', 'sale', 'new', 'outdoor'];
const PRODUCTS = 6000;
const ASSETS = ['/static/app.4f2a9c.js', '/static/vendor.81bd02.js', '/static/app.77e1d3.css', '/static/fonts/inter.woff2', '/favicon.ico'];

interface Row {
  t: number;
  ip: string;
  asn: number;
  country: string;
  method: string;
  path: string;
  query: string | null;
  ua: string;
  ja4: string | null;
  lang: string | null;
  referer: string | null;
  cookie: string | null;
  status: number;
  bytes: number;
  cache: string;
  botScore: number;
  verified: boolean;
  truth: number;
  pop: string;
}

class Out {
  readonly rows: Row[] = [];
  constructor(readonly r: Rng) {}
  add(row: Omit<Row, 'asn' | 'country' | 'botScore' | 'verified' | 'cache' | 'bytes'> & Partial<Row> & { net: Net }): void {
    const { net, ...rest } = row;
    const isAsset = /\.(js|css|woff2|ico|jpg|png|webp)$/.test(row.path);
    this.rows.push({
      asn: net.asn,
      country: net.country,
      botScore: row.botScore ?? humanScore(this.r),
      verified: row.verified ?? false,
      cache: row.cache ?? (isAsset ? (this.r.chance(0.95) ? 'hit' : 'miss') : row.path.startsWith('/product/') || row.path.startsWith('/category/') ? (this.r.chance(0.6) ? 'hit' : 'miss') : 'dynamic'),
      bytes: row.bytes ?? (isAsset ? this.r.int(2000, 90000) : this.r.int(4000, 60000)),
      ...rest,
    });
  }
}

/** People and browser-like bots draw from the same bot-score distribution. */
function humanScore(r: Rng): number {
  return r.chance(0.85) ? r.int(40, 99) : r.int(10, 39);
}

function searchTerm(r: Rng): string {
  const n = r.int(1, 3);
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(r.pick(WORDS));
  return w.join('+');
}

interface Visitor {
  ip: string;
  net: Net;
  b: Browser;
  sid: string;
  cookie: boolean;
  pop: string;
}

/** One browsing visit: pages with their assets and referers, optional search, login, cart. */
function visit(o: Out, v: Visitor, t0: number, opts: Required<Omit<ScenarioOptions, 'windows'>>): void {
  const r = o.r;
  let t = t0;
  let cookie = v.cookie ? `sid=${v.sid}; _ga=GA1.2.${r.int(1e8, 9e8)}` : null;
  let ref: string | null = r.chance(0.5) ? r.pick(['https://www.google.com/', 'https://www.bing.com/', 'https://t.co/x', null]) : null;
  const pages = r.int(2, 12);
  const login = r.chance(opts.loginShare);
  const search = r.chance(opts.searchShare);
  const base = { ip: v.ip, net: v.net, ua: v.b.ua, ja4: v.b.ja4, lang: v.b.lang, truth: 0, pop: v.pop };
  const page = (method: string, path: string, query: string | null, status = 200, assets = true) => {
    o.add({ ...base, t, method, path, query, referer: ref, cookie, status });
    if (assets) {
      // first page loads every asset, later pages what the cache lacks
      const k = ref === null || !ref.includes(HOST) ? ASSETS.length : r.int(0, 2);
      const url = `https://${HOST}${path}${query ? `?${query}` : ''}`;
      for (let a = 0; a < k; a++) o.add({ ...base, t: t + r.int(30, 900), method: 'GET', path: ASSETS[a] as string, query: null, referer: url, cookie, status: 200 });
      if (path.startsWith('/product/')) o.add({ ...base, t: t + r.int(50, 1200), method: 'GET', path: `/img/p/${path.slice(9)}.webp`, query: null, referer: url, cookie, status: 200 });
    }
    if (cookie === null) cookie = `sid=${v.sid}`;
    ref = `https://${HOST}${path}${query ? `?${query}` : ''}`;
    t += 1000 + r.exp(opts.durationMin > 20 ? 25000 : 8000);
  };
  page('GET', r.chance(0.5) ? '/' : `/category/${r.pick(CATEGORIES)}`, null);
  for (let p = 0; p < pages; p++) {
    if (search && p === 1) page('GET', '/search', `q=${searchTerm(r)}`);
    else if (login && p === 2) {
      page('GET', '/login', null);
      let ok = false;
      for (let attempt = 0; attempt < 3 && !ok; attempt++) {
        ok = r.chance(0.85);
        o.add({ ...base, t, method: 'POST', path: '/login', query: null, referer: `https://${HOST}/login`, cookie, status: ok ? 302 : opts.loginFailureStatus });
        t += 4000 + r.exp(6000);
      }
      if (ok) page('GET', '/account', null);
    } else if (r.chance(0.12)) {
      const sku = r.int(1, PRODUCTS);
      page('GET', `/product/${sku}`, null);
      o.add({ ...base, t, method: 'POST', path: '/cart/add', query: `sku=${sku}`, referer: `https://${HOST}/product/${sku}`, cookie, status: 200 });
      t += 2000 + r.exp(5000);
    } else page('GET', r.chance(0.8) ? `/product/${r.int(1, PRODUCTS)}` : `/category/${r.pick(CATEGORIES)}`, r.chance(0.1) ? `page=${r.int(2, 5)}` : null);
  }
}

// ---------------------------------------------------------------- generator

const DEFAULTS: Required<Omit<ScenarioOptions, 'windows' | 'seed'>> = {
  start: Date.UTC(2026, 10, 20, 10, 0, 0),
  durationMin: 60,
  users: 1500,
  corporateUsers: 300,
  cgnatSessions: 500,
  vpnShare: 0.06,
  firstVisitShare: 0.3,
  loginShare: 0.2,
  searchShare: 0.35,
  loginFailureStatus: 401,
  attacks: ATTACK_KINDS,
  stuffingPerMin: 60,
  stuffingPreflightShare: 0.25,
  floodPerSec: 25,
  floodAddresses: 12000,
  floodTarget: 'search',
  floodDictionaryShare: 0.2,
  walkers: 10,
  walkerIntervalSec: 3,
  walkerKeepsCookies: true,
};

export function generateScenario(opts: ScenarioOptions = {}): Scenario {
  const seed = opts.seed ?? 1;
  const r = new Rng(seed);
  const o: Scenario['options'] = { ...DEFAULTS, ...stripUndefined(opts), seed, windows: drawWindows(r, opts) } as Scenario['options'];
  const out = new Out(r);
  const T0 = o.start;
  const span = o.durationMin * 60000;

  // ordinary visitors (some on VPN exits in hosting networks, some first visits)
  for (let u = 0; u < o.users; u++) {
    const vpn = r.chance(o.vpnShare);
    const net = vpn ? r.pick(VPN) : r.pick(EYEBALL);
    visit(out, { ip: address(r, net), net, b: browser(r, r.chance(0.35)), sid: r.hex(24), cookie: !r.chance(o.firstVisitShare), pop: vpn ? 'vpn' : 'user' }, T0 + r.next() * span * 0.95, o);
  }
  // corporate NAT: hundreds of users, one address, mostly the same managed Chrome build
  const corpIp = address(r, CORPORATE);
  const corpBrowser = browser(r);
  for (let u = 0; u < o.corporateUsers; u++) {
    const b = r.chance(0.75) ? corpBrowser : browser(r);
    visit(out, { ip: corpIp, net: CORPORATE, b, sid: r.hex(24), cookie: !r.chance(0.1), pop: 'corporate-nat' }, T0 + r.next() * span * 0.95, o);
  }
  // mobile carrier CGNAT: an app (no assets, no referer, a session cookie) and mobile browsers
  const cgnat = Array.from({ length: 4 }, () => address(r, MOBILE));
  const appUa = 'ShopApp/5.2.1 (iPhone; iOS 17.4; Scale/3.00)';
  for (let s = 0; s < o.cgnatSessions; s++) {
    const ip = r.pick(cgnat);
    if (r.chance(0.3)) {
      visit(out, { ip, net: MOBILE, b: browser(r, true), sid: r.hex(24), cookie: true, pop: 'cgnat-browser' }, T0 + r.next() * span * 0.95, o);
      continue;
    }
    let t = T0 + r.next() * span * 0.95;
    const cookie = `app_session=${r.hex(32)}`;
    const lang = r.pick(LANGS);
    const n = r.int(3, 15);
    for (let i = 0; i < n; i++) {
      const x = r.next();
      const [path, query] = x < 0.5 ? [`/api/v1/products/${r.int(1, PRODUCTS)}`, null] : x < 0.8 ? ['/api/v1/products', `category=${r.pick(CATEGORIES)}&page=${r.int(1, 4)}`] : x < 0.95 ? ['/api/v1/search', `q=${searchTerm(r)}`] : ['/api/v1/cart', null];
      out.add({ t, ip, net: MOBILE, method: path === '/api/v1/cart' ? 'POST' : 'GET', path, query, ua: appUa, ja4: JA4.iosApp, lang, referer: null, cookie, status: 200, truth: 0, pop: 'cgnat-app' });
      t += 1500 + r.exp(9000);
    }
  }
  // verified crawlers: steady walks of the catalogue, no assets, no referer, no cookie
  const crawlers = [
    { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', ja4: JA4.googlebot, net: { asn: 15169, country: 'US', prefixes: ['66.249.66.', '66.249.68.'] }, rate: 1.2 },
    { ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', ja4: JA4.bingbot, net: { asn: 8075, country: 'US', prefixes: ['157.55.39.', '207.46.13.'] }, rate: 0.5 },
  ];
  for (const c of crawlers) {
    const ips = Array.from({ length: 4 }, () => address(r, c.net));
    for (let t = T0 + r.next() * 2000; t < T0 + span; t += r.exp(1000 / c.rate)) {
      out.add({ t, ip: r.pick(ips), net: c.net, method: 'GET', path: r.chance(0.8) ? `/product/${r.int(1, PRODUCTS)}` : `/category/${r.pick(CATEGORIES)}`, query: null, ua: c.ua, ja4: c.ja4, lang: null, referer: null, cookie: null, status: 200, verified: true, botScore: 1, truth: 0, pop: 'crawler' });
    }
  }
  // the customer's monitoring: fixed intervals, one path each, one with an empty user agent
  const monitors = [
    { ua: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', every: 60, path: '/', net: CLOUD[0] as Net },
    { ua: '', every: 30, path: '/health', net: CLOUD[2] as Net },
    { ua: 'kube-probe/1.29', every: 10, path: '/healthz', net: CORPORATE },
  ];
  for (const m of monitors) {
    const ip = address(r, m.net);
    for (let t = T0 + r.int(0, m.every * 1000); t < T0 + span; t += m.every * 1000 + r.int(-40, 40)) {
      out.add({ t, ip, net: m.net, method: 'GET', path: m.path, query: null, ua: m.ua, ja4: JA4.monitor, lang: null, referer: null, cookie: null, status: 200, botScore: r.int(1, 20), truth: 0, pop: 'monitoring' });
    }
  }

  // ------------------------------------------------------------ attacks
  const inWindow = (w: AttackWindow): [number, number] => [T0 + w.startMin * 60000, T0 + (w.startMin + w.durationMin) * 60000];
  if (o.attacks.includes('credential-stuffing')) {
    const [a, b] = inWindow(o.windows['credential-stuffing']);
    const kind = TRUTH_KINDS.indexOf('credential-stuffing');
    for (let t = a; t < b; ) {
      const net = r.pick(EYEBALL);
      const ip = address(r, net);
      const br = browser(r, r.chance(0.3));
      let cookie: string | null = null;
      let tt = t;
      const base = { ip, net, ua: br.ua, ja4: br.ja4, lang: br.lang, truth: kind, pop: 'credential-stuffing' };
      if (r.chance(o.stuffingPreflightShare)) {
        out.add({ ...base, t: tt, method: 'GET', path: '/login', query: null, referer: null, cookie: null, status: 200 });
        cookie = `sid=${r.hex(24)}`;
        tt += r.int(300, 3000);
      }
      const tries = r.int(1, 3);
      for (let k = 0; k < tries; k++) {
        out.add({ ...base, t: tt, method: 'POST', path: '/login', query: null, referer: r.chance(0.5) ? `https://${HOST}/login` : null, cookie, status: r.chance(0.03) ? 302 : o.loginFailureStatus });
        tt += r.int(1000, 8000);
      }
      t += r.exp((60000 / o.stuffingPerMin) * 2);
    }
  }
  if (o.attacks.includes('search-flood')) {
    const [a, b] = inWindow(o.windows['search-flood']);
    const kind = TRUTH_KINDS.indexOf('search-flood');
    const pool = Array.from({ length: o.floodAddresses }, () => {
      const net = r.pick(EYEBALL);
      return { ip: address(r, net), net, b: browser(r, r.chance(0.4)) };
    });
    for (let t = a; t < b; t += r.exp(1000 / o.floodPerSec)) {
      const s = r.pick(pool);
      const term = r.chance(o.floodDictionaryShare) ? searchTerm(r) : r.token(r.int(5, 12));
      const cart = o.floodTarget === 'cart';
      out.add({ t, ip: s.ip, net: s.net, method: cart ? 'POST' : 'GET', path: cart ? '/cart/add' : '/search', query: cart ? `sku=${r.int(1, 999999)}` : `q=${term}`, ua: s.b.ua, ja4: s.b.ja4, lang: s.b.lang, referer: null, cookie: null, status: 200, cache: 'dynamic', truth: kind, pop: 'search-flood' });
    }
  }
  if (o.attacks.includes('headless-catalogue')) {
    const [a, b] = inWindow(o.windows['headless-catalogue']);
    const kind = TRUTH_KINDS.indexOf('headless-catalogue');
    for (let w = 0; w < o.walkers; w++) {
      const net = r.pick(CLOUD);
      const ip = address(r, net);
      const v = r.int(124, 131);
      const ua = `Mozilla/5.0 (${r.chance(0.5) ? 'X11; Linux x86_64' : 'Windows NT 10.0; Win64; x64'}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`;
      let cookie: string | null = null;
      const sid = r.hex(24);
      for (let t = a + r.next() * 20000; t < b; t += o.walkerIntervalSec * 1000 * r.range(0.8, 1.2)) {
        out.add({ t, ip, net, method: 'GET', path: r.chance(0.85) ? `/product/${r.int(1, PRODUCTS)}` : `/category/${r.pick(CATEGORIES)}`, query: r.chance(0.1) ? `page=${r.int(2, 30)}` : null, ua, ja4: JA4.chrome, lang: 'en-US,en;q=0.9', referer: null, cookie, status: 200, truth: kind, pop: 'headless-catalogue' });
        if (o.walkerKeepsCookies) cookie = `sid=${sid}`;
      }
    }
  }

  // ------------------------------------------------------------ table, in time order
  const rows = out.rows.filter((x) => x.t < T0 + span).sort((x, y) => x.t - y.t);
  const n = rows.length;
  const col = <T>(f: (x: Row) => T): T[] => rows.map(f);
  const table = aq.table({
    timestamp: col((x) => Math.round(x.t)),
    'cf.ray_id': col(() => r.hex(16)),
    'ip.src': col((x) => x.ip),
    'ip.src.asnum': col((x) => x.asn),
    'ip.src.country': col((x) => x.country),
    'http.host': col(() => HOST),
    'http.request.method': col((x) => x.method),
    'http.request.uri.path': col((x) => x.path),
    'http.request.uri.query': col((x) => x.query),
    'http.request.version': col((x) => (x.ja4 && x.ja4.includes('h2') ? 'HTTP/2' : 'HTTP/1.1')),
    'http.user_agent': col((x) => x.ua),
    'http.referer': col((x) => x.referer),
    'http.cookie': col((x) => x.cookie),
    'http.request.headers': col((x) => {
      const h: Record<string, string[]> = { host: [HOST], 'user-agent': [x.ua], accept: [x.path.includes('.') ? '*/*' : 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'] };
      if (x.lang) h['accept-language'] = [x.lang];
      if (x.cookie) h['cookie'] = [x.cookie];
      if (x.referer) h['referer'] = [x.referer];
      return h;
    }),
    'http.response.code': col((x) => x.status),
    'cf.bot_management.ja4': col((x) => x.ja4),
    'cf.bot_management.score': col((x) => x.botScore),
    'cf.bot_management.verified_bot': col((x) => x.verified),
    CacheCacheStatus: col((x) => x.cache),
    EdgeResponseBytes: col((x) => x.bytes),
  });
  const truth = new Uint8Array(n);
  const population = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    truth[i] = (rows[i] as Row).truth;
    population[i] = (rows[i] as Row).pop;
  }
  return { table, truth, population, options: o };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Attack windows: given, or drawn from the seed (each 8-15 min, inside the middle of the log). */
function drawWindows(r: Rng, opts: ScenarioOptions): Record<AttackKind, AttackWindow> {
  const d = opts.durationMin ?? DEFAULTS.durationMin;
  const out = {} as Record<AttackKind, AttackWindow>;
  for (const k of ATTACK_KINDS) {
    const len = Math.min(d * 0.35, r.range(8, 15));
    out[k] = opts.windows?.[k] ?? { startMin: r.range(d * 0.15, d * 0.85 - len), durationMin: len };
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (x: number) => String(x).padStart(2, '0');

/** The scenario as nginx/Apache combined-log lines (what an origin logs: no JA4, ASN, bot score, cookie). */
export function combinedLog(s: Scenario): string {
  const t = s.table;
  const c = (name: string) => t.array(name) as ArrayLike<unknown>;
  const [ts, ip, m, p, q, st, b, ref, ua] = ['timestamp', 'ip.src', 'http.request.method', 'http.request.uri.path', 'http.request.uri.query', 'http.response.code', 'EdgeResponseBytes', 'http.referer', 'http.user_agent'].map(c) as ArrayLike<unknown>[];
  const lines: string[] = [];
  for (let i = 0; i < t.numRows(); i++) {
    const d = new Date((ts as ArrayLike<number>)[i] as number);
    const when = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    const query = (q as ArrayLike<string | null>)[i];
    const uaText = (ua as ArrayLike<string>)[i] || '-';
    lines.push(`${(ip as ArrayLike<string>)[i]} - - [${when}] "${(m as ArrayLike<string>)[i]} ${(p as ArrayLike<string>)[i]}${query ? `?${query}` : ''} HTTP/1.1" ${(st as ArrayLike<number>)[i]} ${(b as ArrayLike<number>)[i]} "${(ref as ArrayLike<string | null>)[i] ?? '-'}" "${uaText}"`);
  }
  return `${lines.join('\n')}\n`;
}
