/**
 * A third labelled scenario, written for the login protection and unlike bench/scenarios.ts and
 * mitigate-scenario2.ts: a single-page app whose login is a JSON API (`POST /api/v1/auth/session`,
 * 401 on failure) posted from a `/login` page, returning visitors whose scripts are cached (they
 * fetch the HTML and few or no assets), a mobile app (okhttp) posting to the same API from CGNAT
 * and eyeball addresses with no cookie and no referer, one corporate NAT, Datadog synthetics, and
 * low-and-slow credential stuffing spread over the whole log (so there is no quiet window before
 * it): one try per proxy address, browser user agents and JA4s, most proxies GET `/login` first
 * and post with the cookie it set and its referer, the rest post blind. Deterministic per seed;
 * the truth is returned beside the table.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';

export const KINDS3 = ['benign', 'stuffing-low-and-slow'] as const;

function rng(seed: number): () => number {
  // xorshift32, seeded away from zero
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

interface Row { t: number; ip: string; asn: number; cc: string; m: string; p: string; ua: string; ja4: string; lang: string | null; ref: string | null; ck: string | null; st: number; k: number }

const HOST = 'app.example.org';
const CHROME = 't13d1516h2_8daaf6152771_e5627efa2ab1';
const EDGE = 't13d1516h2_8daaf6152771_02713d6af862';
const FIREFOX = 't13d1715h2_5b57614c22b0_5c2c66f702b0';
const SAFARI = 't13d2014h2_a09f3c656075_e42f34c56612';
const OKHTTP = 't13d1812h2_85036bcba153_b26ce05bbdd6';
const LOGIN_API = '/api/v1/auth/session';

export interface LoginScenarioOptions {
  /** Returning browsers carry an analytics cookie set by the site's scripts (default true). */
  analyticsCookie?: boolean;
}

export function loginScenario(seed: number, opts: LoginScenarioOptions = {}): { table: ColumnTable; truth: Uint8Array } {
  const analytics = opts.analyticsCookie ?? true;
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
  const rows: Row[] = [];
  const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
  const SPAN = 60 * 60000;
  const nets = [{ asn: 3320, cc: 'DE', pre: '91.' }, { asn: 7922, cc: 'US', pre: '73.' }, { asn: 2856, cc: 'GB', pre: '81.' }, { asn: 3215, cc: 'FR', pre: '90.' }, { asn: 1136, cc: 'NL', pre: '77.' }];
  const ipIn = (pre: string) => `${pre}${int(1, 254)}.${int(0, 255)}.${int(1, 254)}`;
  const browser = () => {
    const x = r();
    if (x < 0.45) return { ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${int(128, 133)}.0.0.0 Safari/537.36`, ja4: CHROME };
    if (x < 0.6) return { ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${int(128, 133)}.0.0.0 Safari/537.36 Edg/${int(128, 133)}.0.0.0`, ja4: EDGE };
    if (x < 0.8) return { ua: `Mozilla/5.0 (X11; Linux x86_64; rv:${int(128, 134)}.0) Gecko/20100101 Firefox/${int(128, 134)}.0`, ja4: FIREFOX };
    return { ua: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.${int(0, 3)} Safari/605.1.15`, ja4: SAFARI };
  };
  const langs = ['de-DE,de;q=0.9,en;q=0.8', 'en-US,en;q=0.9', 'en-GB,en;q=0.9', 'fr-FR,fr;q=0.9', 'nl-NL,nl;q=0.9,en;q=0.7'];
  const assets = ['/static/js/main.7c1e0b.js', '/static/js/vendor.a94f11.js', '/static/css/main.2d8e.css'];
  const url = (p: string) => `https://${HOST}${p}`;

  // people using the app in a browser: one HTML load (the SPA shell), then XHR calls
  const person = (ip: string, net: { asn: number; cc: string }, t0: number, opts: { returning: boolean; logsIn: boolean; bookmark: boolean }) => {
    const b = browser();
    const lang = pick(langs);
    const sid = `sid=${hex(32)}`;
    const ga = `_ga=GA1.2.${int(100000000, 999999999)}.${int(1600000000, 1760000000)}`;
    let ck: string | null = opts.returning ? (analytics ? `${sid}; ${ga}` : sid) : null;
    let t = t0;
    const land = opts.bookmark ? '/login' : pick(['/', '/', '/pricing', '/dashboard']);
    const landRef = opts.bookmark ? null : r() < 0.5 ? 'https://www.google.com/' : null;
    rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'GET', p: land, ua: b.ua, ja4: b.ja4, lang, ref: landRef, ck, st: 200, k: 0 });
    // a returning browser has most of the hashed bundles cached
    for (const a of assets) if (!opts.returning || r() < 0.35) rows.push({ t: t + int(30, 400), ip, asn: net.asn, cc: net.cc, m: 'GET', p: a, ua: b.ua, ja4: b.ja4, lang, ref: url(land), ck, st: 200, k: 0 });
    ck ??= sid;
    let page = land;
    t += int(2000, 20000);
    if (opts.logsIn) {
      if (page !== '/login') {
        page = '/login';
        t += int(1000, 5000);
      }
      let ok = false;
      for (let tries = 0; tries < 3 && !ok; tries++) {
        ok = r() < 0.85;
        rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'POST', p: LOGIN_API, ua: b.ua, ja4: b.ja4, lang, ref: url(page), ck, st: ok ? 200 : 401, k: 0 });
        t += int(4000, 15000);
      }
      page = '/dashboard';
    }
    for (let i = int(1, 6); i > 0; i--) {
      rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'GET', p: pick(['/api/v1/items', '/api/v1/me', '/api/v1/notifications']), ua: b.ua, ja4: b.ja4, lang, ref: url(page), ck, st: 200, k: 0 });
      t += int(3000, 40000);
    }
  };
  for (let u = 0; u < 1400; u++) {
    const net = pick(nets);
    const returning = r() < 0.6;
    const logsIn = r() < 0.3;
    person(ipIn(net.pre), net, T0 + r() * SPAN * 0.97, { returning, logsIn, bookmark: logsIn && r() < 0.2 });
  }
  const corp = '194.25.134.8';
  for (let u = 0; u < 250; u++) person(corp, { asn: 3320, cc: 'DE' }, T0 + r() * SPAN * 0.97, { returning: r() < 0.9, logsIn: r() < 0.4, bookmark: r() < 0.3 });
  const cgnat = Array.from({ length: 5 }, () => `100.${int(64, 127)}.${int(0, 255)}.${int(1, 254)}`);
  // the mobile app: no pages, no assets, no cookie, no referer; it logs in through the same API
  for (let u = 0; u < 350; u++) {
    const mobile = r() < 0.6;
    const net = mobile ? { asn: 3320, cc: 'DE' } : pick(nets);
    const ip = mobile ? pick(cgnat) : ipIn((net as { pre?: string }).pre ?? '91.');
    const ua = `okhttp/4.12.0 AcmeApp/${int(5, 7)}.${int(0, 9)}`;
    let t = T0 + r() * SPAN * 0.97;
    if (r() < 0.35) {
      const st = r() < 0.1 ? 401 : 200;
      rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'POST', p: LOGIN_API, ua, ja4: OKHTTP, lang: null, ref: null, ck: null, st, k: 0 });
      t += int(1000, 4000);
      if (st === 401) rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'POST', p: LOGIN_API, ua, ja4: OKHTTP, lang: null, ref: null, ck: null, st: 200, k: 0 });
      t += int(1000, 4000);
    }
    for (let i = int(2, 8); i > 0; i--) {
      rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'GET', p: pick(['/api/v1/items', '/api/v1/me']), ua, ja4: OKHTTP, lang: null, ref: null, ck: null, st: 200, k: 0 });
      t += int(5000, 60000);
    }
  }
  for (let t = T0; t < T0 + SPAN; t += 30000) for (const ip of ['3.233.146.10', '54.87.112.9']) rows.push({ t: t + int(0, 500), ip, asn: 14618, cc: 'US', m: 'GET', p: '/api/v1/health', ua: 'Datadog/Synthetics', ja4: CHROME, lang: null, ref: null, ck: null, st: 200, k: 0 });
  // stuffing, low and slow, from the first minute to the last: one try per proxy address
  for (let t = T0 + r() * 2000; t < T0 + SPAN; t += 900 + r() * 1800) {
    const net = pick(nets);
    const ip = ipIn(net.pre);
    const b = browser();
    const lang = pick(langs);
    const st = r() < 0.03 ? 200 : 401;
    if (r() < 0.75) {
      rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'GET', p: '/login', ua: b.ua, ja4: b.ja4, lang, ref: null, ck: null, st: 200, k: 1 });
      rows.push({ t: t + int(800, 3000), ip, asn: net.asn, cc: net.cc, m: 'POST', p: LOGIN_API, ua: b.ua, ja4: b.ja4, lang, ref: url('/login'), ck: `sid=${hex(32)}`, st, k: 1 });
    } else rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'POST', p: LOGIN_API, ua: b.ua, ja4: b.ja4, lang, ref: null, ck: null, st, k: 1 });
  }
  const all = rows.filter((x) => x.t < T0 + SPAN).sort((a, b) => a.t - b.t);
  const col = <T>(f: (x: Row) => T) => all.map(f);
  const table = aq.table({
    timestamp: col((x) => Math.round(x.t)),
    'ip.src': col((x) => x.ip),
    'ip.src.asnum': col((x) => x.asn),
    'ip.src.country': col((x) => x.cc),
    'http.host': col(() => HOST),
    'http.request.method': col((x) => x.m),
    'http.request.uri.path': col((x) => x.p),
    'http.request.uri.query': col(() => null),
    'http.request.version': col(() => 'HTTP/2'),
    'http.user_agent': col((x) => x.ua),
    'http.referer': col((x) => x.ref),
    'http.cookie': col((x) => x.ck),
    'http.request.headers': col((x) => ({ 'user-agent': [x.ua], ...(x.lang ? { 'accept-language': [x.lang] } : {}), ...(x.ck ? { cookie: [x.ck] } : {}) })),
    'http.response.code': col((x) => x.st),
    'cf.bot_management.ja4': col((x) => x.ja4),
  });
  return { table, truth: Uint8Array.from(all.map((x) => x.k)) };
}
