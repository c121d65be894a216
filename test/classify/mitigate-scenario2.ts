/**
 * A second labelled scenario, written independently of bench/scenarios.ts with other parameters,
 * so the mitigation search is not tuned to one generator: a different login endpoint
 * (`/account/signin`, failures answered 403), every stuffing proxy fetches the form first and
 * posts WITH the session cookie and a referer it got (a sessionless-login rule cannot stop it),
 * two corporate NATs of different sizes, six CGNAT addresses, a cart flood (POST /api/cart/items)
 * instead of search, and headless walkers on other clouds over `/p/<slug>` pages that drop
 * their cookies. Deterministic per seed; the truth is returned beside the table.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';

export const KINDS2 = ['benign', 'stuffing-with-session', 'cart-flood', 'cloud-walker'] as const;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return ((t ^ (t >>> 15)) >>> 0) / 4294967296;
  };
}

interface R { t: number; ip: string; asn: number; cc: string; m: string; p: string; q: string | null; ua: string; ja4: string; lang: string | null; ref: string | null; ck: string | null; st: number; vb: boolean; k: number }

const CHROME = 't13d1516h2_8daaf6152771_02713d6af862';
const FIREFOX = 't13d1715h2_5b57614c22b0_3d5424432f57';
const SAFARI = 't13d2014h2_a09f3c656075_14788d8d241b';
const HOST = 'store.example.net';

export function scenario2(seed: number): { table: ColumnTable; truth: Uint8Array } {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  const rows: R[] = [];
  const T0 = Date.UTC(2026, 5, 3, 14, 0, 0);
  const SPAN = 45 * 60000;
  const eyeball = [{ asn: 12322, cc: 'FR', pre: '82.' }, { asn: 6830, cc: 'AT', pre: '178.' }, { asn: 5089, cc: 'GB', pre: '86.' }, { asn: 22773, cc: 'US', pre: '68.' }, { asn: 4766, cc: 'KR', pre: '121.' }, { asn: 9121, cc: 'TR', pre: '88.' }];
  const addr = (pre: string) => `${pre}${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  const browser = () => {
    const x = r();
    if (x < 0.55) return { ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${int(126, 132)}.0.0.0 Safari/537.36`, ja4: CHROME };
    if (x < 0.8) return { ua: `Mozilla/5.0 (Macintosh; Intel Mac OS X 14.${int(1, 6)}; rv:${int(128, 134)}.0) Gecko/20100101 Firefox/${int(128, 134)}.0`, ja4: FIREFOX };
    return { ua: `Mozilla/5.0 (iPhone; CPU iPhone OS 17_${int(1, 6)} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.${int(1, 6)} Mobile/15E148 Safari/604.1`, ja4: SAFARI };
  };
  const langs = ['fr-FR,fr;q=0.9', 'de-AT,de;q=0.9', 'en-GB,en;q=0.8', 'en-US,en;q=0.9', 'ko-KR,ko;q=0.9', 'tr-TR,tr;q=0.9'];
  const assets = ['/assets/main.3c1.js', '/assets/main.9aa.css', '/assets/logo.svg'];
  const visit = (ip: string, net: { asn: number; cc: string }, t0: number, cookieFirst: boolean) => {
    const b = browser();
    const lang = pick(langs);
    const sid = `PHPSESSID=${hex(26)}`;
    let ck: string | null = cookieFirst ? sid : null;
    let ref: string | null = r() < 0.4 ? 'https://duckduckgo.com/' : null;
    let t = t0;
    const page = (m: string, p: string, q: string | null, st = 200) => {
      rows.push({ t, ip, asn: net.asn, cc: net.cc, m, p, q, ua: b.ua, ja4: b.ja4, lang, ref, ck, st, vb: false, k: 0 });
      for (const a of assets) if (r() < (ck ? 0.3 : 1)) rows.push({ t: t + int(40, 600), ip, asn: net.asn, cc: net.cc, m: 'GET', p: a, q: null, ua: b.ua, ja4: b.ja4, lang, ref: `https://${HOST}${p}`, ck, st: 200, vb: false, k: 0 });
      ck = sid;
      ref = `https://${HOST}${p}`;
      t += 3000 + r() * 30000;
    };
    page('GET', pick(['/', '/c/shoes', '/c/bags', `/p/item-${int(1, 900)}`]), null);
    const n = int(1, 8);
    for (let i = 0; i < n; i++) {
      const x = r();
      if (x < 0.15) {
        page('GET', '/account/signin', null);
        const ok = r() < 0.8;
        rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'POST', p: '/account/signin', q: null, ua: b.ua, ja4: b.ja4, lang, ref, ck, st: ok ? 303 : 403, vb: false, k: 0 });
        t += 5000;
        if (!ok) rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'POST', p: '/account/signin', q: null, ua: b.ua, ja4: b.ja4, lang, ref, ck, st: 303, vb: false, k: 0 });
      } else if (x < 0.25) {
        rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'POST', p: '/api/cart/items', q: null, ua: b.ua, ja4: b.ja4, lang, ref, ck, st: 201, vb: false, k: 0 });
        t += 2000;
      } else page('GET', `/p/item-${int(1, 900)}`, null);
    }
  };
  for (let u = 0; u < 1200; u++) {
    const net = pick(eyeball);
    visit(addr(net.pre), net, T0 + r() * SPAN * 0.95, r() > 0.4);
  }
  // two corporate NATs (150 and 600 people) and six CGNAT addresses
  for (const [ip, people] of [['12.161.4.9', 150], ['64.215.22.3', 600]] as const) for (let u = 0; u < people; u++) visit(ip, { asn: 7018, cc: 'US' }, T0 + r() * SPAN * 0.95, r() > 0.05);
  const cgnat = Array.from({ length: 6 }, () => `100.${int(64, 127)}.${int(0, 255)}.${int(1, 254)}`).map((x) => x.replace(/^100\./, '174.'));
  for (let u = 0; u < 400; u++) visit(pick(cgnat), { asn: 6167, cc: 'US' }, T0 + r() * SPAN * 0.95, true);
  // verified crawler and monitoring
  for (let t = T0; t < T0 + SPAN; t += 1500 + r() * 1500) rows.push({ t, ip: `66.249.79.${int(1, 200)}`, asn: 15169, cc: 'US', m: 'GET', p: `/p/item-${int(1, 900)}`, q: null, ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', ja4: 't13d1517h2_8daaf6152771_b6f405a00624', lang: null, ref: null, ck: null, st: 200, vb: true, k: 0 });
  for (let t = T0; t < T0 + SPAN; t += 20000) rows.push({ t, ip: '159.89.10.10', asn: 14061, cc: 'US', m: 'GET', p: '/healthz', q: null, ua: 'Pingdom.com_bot_version_1.4', ja4: CHROME, lang: null, ref: null, ck: null, st: 200, vb: false, k: 0 });
  // stuffing: every proxy GETs the form, gets a session, posts 2-4 times with cookie and referer
  const s0 = T0 + 12 * 60000;
  for (let t = s0; t < s0 + 14 * 60000; t += 700 + r() * 1500) {
    const net = pick(eyeball);
    const ip = addr(net.pre);
    const b = browser();
    const lang = pick(langs);
    const ck = `PHPSESSID=${hex(26)}`;
    rows.push({ t, ip, asn: net.asn, cc: net.cc, m: 'GET', p: '/account/signin', q: null, ua: b.ua, ja4: b.ja4, lang, ref: null, ck: null, st: 200, vb: false, k: 1 });
    let tt = t + int(500, 2500);
    for (let k = int(2, 4); k > 0; k--) {
      rows.push({ t: tt, ip, asn: net.asn, cc: net.cc, m: 'POST', p: '/account/signin', q: null, ua: b.ua, ja4: b.ja4, lang, ref: `https://${HOST}/account/signin`, ck, st: r() < 0.02 ? 303 : 403, vb: false, k: 1 });
      tt += int(1500, 6000);
    }
  }
  // cart flood: 20,000 addresses, no session, random SKUs in a JSON body (so no query)
  const pool = Array.from({ length: 20000 }, () => {
    const net = pick(eyeball);
    return { ip: addr(net.pre), net, b: browser() };
  });
  const f0 = T0 + 25 * 60000;
  for (let t = f0; t < f0 + 8 * 60000; t += r() * 60) {
    const s = pick(pool);
    rows.push({ t, ip: s.ip, asn: s.net.asn, cc: s.net.cc, m: 'POST', p: '/api/cart/items', q: null, ua: s.b.ua, ja4: s.b.ja4, lang: pick(langs), ref: null, ck: null, st: 201, vb: false, k: 2 });
  }
  // headless walkers on other clouds (OVH, Linode, Vultr), dropping cookies, every ~2 s
  const clouds = [{ asn: 16276, pre: '51.89.' }, { asn: 63949, pre: '139.162.' }, { asn: 20473, pre: '45.76.' }];
  const w0 = T0 + 5 * 60000;
  for (let w = 0; w < 14; w++) {
    const c = pick(clouds);
    const ip = `${c.pre}${int(0, 255)}.${int(1, 254)}`;
    const ua = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${int(126, 132)}.0.0.0 Safari/537.36`;
    for (let t = w0 + r() * 60000; t < w0 + 20 * 60000; t += 1600 + r() * 800) rows.push({ t, ip, asn: c.asn, cc: 'FR', m: 'GET', p: r() < 0.9 ? `/p/item-${int(1, 900)}` : pick(['/c/shoes', '/c/bags']), q: null, ua, ja4: CHROME, lang: 'en-US,en;q=0.9', ref: null, ck: null, st: 200, vb: false, k: 3 });
  }
  const all = rows.filter((x) => x.t < T0 + SPAN).sort((a, b) => a.t - b.t);
  const col = <T>(f: (x: R) => T) => all.map(f);
  const table = aq.table({
    timestamp: col((x) => Math.round(x.t)),
    'ip.src': col((x) => x.ip),
    'ip.src.asnum': col((x) => x.asn),
    'ip.src.country': col((x) => x.cc),
    'http.host': col(() => HOST),
    'http.request.method': col((x) => x.m),
    'http.request.uri.path': col((x) => x.p),
    'http.request.uri.query': col((x) => x.q),
    'http.request.version': col(() => 'HTTP/2'),
    'http.user_agent': col((x) => x.ua),
    'http.referer': col((x) => x.ref),
    'http.cookie': col((x) => x.ck),
    'http.request.headers': col((x) => ({ 'user-agent': [x.ua], ...(x.lang ? { 'accept-language': [x.lang] } : {}), ...(x.ck ? { cookie: [x.ck] } : {}) })),
    'http.response.code': col((x) => x.st),
    'cf.bot_management.ja4': col((x) => x.ja4),
    'cf.bot_management.score': col((x) => (x.vb ? 1 : 30 + Math.floor((x.t % 70)))),
    'cf.bot_management.verified_bot': col((x) => x.vb),
  });
  return { table, truth: Uint8Array.from(all.map((x) => x.k)) };
}
