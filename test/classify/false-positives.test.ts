/**
 * False-positive regression corpus: normal traffic that looks alarming to a careless pattern.
 * Each case must stay good, or (where a single request cannot be told from a probe) be labelled
 * no worse than suspicious with a reason that says why. The user agents are real published
 * strings (Indonesian-locale Android/UC Browser/Opera Mini/Firefox builds).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { score, rule } from '../../src/classify/index.js';
import { loadTraffic } from '../../src/traffic/index.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const CHROME_JA4 = 't13d1516h2_8daaf6152771_02713d6af862';

interface Req {
  t: number;
  ip: string;
  path: string;
  query?: string | null;
  ua?: string | null;
  method?: string;
  cookie?: string | null;
  referer?: string | null;
  status?: number;
}

function table(reqs: readonly Req[]) {
  return aq.table({
    timestamp: reqs.map((r) => r.t),
    'ip.src': reqs.map((r) => r.ip),
    'ip.src.asnum': reqs.map(() => 7713),
    'http.host': reqs.map(() => 'shop.example.co.id'),
    'http.request.method': reqs.map((r) => r.method ?? 'GET'),
    'http.request.uri.path': reqs.map((r) => r.path),
    'http.request.uri.query': reqs.map((r) => r.query ?? null),
    'http.request.version': reqs.map(() => 'HTTP/2'),
    'http.user_agent': reqs.map((r) => (r.ua === undefined ? CHROME : r.ua)),
    'http.referer': reqs.map((r) => r.referer ?? null),
    'http.cookie': reqs.map((r) => (r.cookie === undefined ? 'sid=8f14e45fceea167a5a36dedd4bea2543' : r.cookie)),
    'http.request.headers': reqs.map(() => ({ 'accept-language': ['id-ID,id;q=0.9,en-US;q=0.8'] })),
    'http.response.code': reqs.map((r) => r.status ?? 200),
    'cf.bot_management.ja4': reqs.map(() => CHROME_JA4),
    'cf.bot_management.score': reqs.map(() => 88),
  });
}

/** A person's visit: a page, its assets, then the request under test. */
function visit(ip: string, t: number, last: Omit<Req, 't' | 'ip'>, ua?: string): Req[] {
  const page = 'https://shop.example.co.id/';
  return [
    { t, ip, path: '/', ua },
    { t: t + 200, ip, path: '/static/app.js', referer: page, ua },
    { t: t + 250, ip, path: '/static/app.css', referer: page, ua },
    { t: t + 9000, ip, referer: page, ua, ...last },
  ];
}

function labelsOf(reqs: readonly Req[]) {
  const r = score(table(reqs));
  return { r, labels: r.table.array('label') as string[], reasons: r.table.array('reasons') as (readonly string[])[] };
}

const Fp = suite('false positives stay good or are explained');

const INDONESIAN_UA = [
  'Mozilla/5.0 (Linux; U; Android 4.4.2; id; SM-G7102 Build/KOT49H) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 UCBrowser/10.0.0.488 U3/0.8.0 Mobile Safari/534.30',
  'Mozilla/5.0 (Linux; U; Android 2.3.6; id; GT-S5360 Build/GINGERBREAD) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1',
  'Opera/9.80 (J2ME/MIDP; Opera Mini/7.1.32052/29.3594; U; id) Presto/2.8.119 Version/11.10',
  'Mozilla/5.0 (Windows; U; Windows NT 6.1; id; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3',
];

Fp('user agents with the Indonesian locale token ("; id)", "; id;") are not command injection', () => {
  const reqs = INDONESIAN_UA.flatMap((ua, k) => visit(`36.72.10.${k + 1}`, T0 + k * 30000, { path: '/produk/123' }, ua));
  const { labels, reasons } = labelsOf(reqs);
  labels.forEach((l, i) => assert.not.ok(l === 'malicious' || (reasons[i] ?? []).some((x) => x.startsWith('l7.header-injection')), `${reqs[i]?.ua}: ${l} ${JSON.stringify(reasons[i])}`));
  // the pattern still catches the command itself
  const attack = table([{ t: T0, ip: '203.0.113.5', path: '/', ua: 'Mozilla/5.0;id' }, { t: T0, ip: '203.0.113.5', path: '/ping', query: 'host=127.0.0.1;id' }]);
  const r = score(attack);
  assert.equal(r.table.array('label'), ['malicious', 'malicious']);
});

Fp('legitimate orderid=, order_id=, sku= and key= parameters stay good', () => {
  const lasts = [
    { path: '/checkout/confirm', query: 'orderid=A1B2C3D4E5F6' },
    { path: '/account/orders', query: 'order_id=9482736150' },
    { path: '/api/cart', query: 'sku=SKU12345678' },
    { path: '/maps/embed', query: 'key=AIzaSyD4x9k2Q7bLm3' },
    { path: '/product', query: 'sku=8801643' },
  ];
  const reqs = lasts.flatMap((last, k) => visit(`110.136.4.${k + 10}`, T0 + k * 45000, last));
  const { labels, reasons } = labelsOf(reqs);
  labels.forEach((l, i) => assert.is(l, 'good', `${reqs[i]?.path}?${reqs[i]?.query}: ${JSON.stringify(reasons[i])}`));
});

Fp('RFC 3168 ECN connection setups (SYN+ECE+CWR) from normal clients stay good', () => {
  const n = 40;
  const t = aq.table({
    timestamp: Array.from({ length: n }, (_, i) => T0 + i * 700),
    'ip.src': Array.from({ length: n }, (_, i) => `198.51.100.${(i % 20) + 1}`),
    'ip.dst': Array.from({ length: n }, () => '192.0.2.80'),
    'ip.proto': Array.from({ length: n }, () => 'tcp'),
    'ip.ttl': Array.from({ length: n }, () => 52),
    'ip.len': Array.from({ length: n }, () => 60),
    'tcp.srcport': Array.from({ length: n }, (_, i) => 40000 + i),
    'tcp.dstport': Array.from({ length: n }, () => 443),
    'tcp.flags': Array.from({ length: n }, () => 0x02 | 0x40 | 0x80),
  });
  const r = score(t);
  assert.equal(r.counts, { good: n, suspicious: 0, malicious: 0 }, JSON.stringify(r.table.array('reasons').slice(0, 2)));
  assert.is(rule('tcp.flags.ecn and tcp.flags.cwr and tcp.flags.syn', t).count(t), n);
});

Fp('the customer’s health checker with an empty user agent is explained as monitoring and stays good', () => {
  const reqs: Req[] = [];
  for (let k = 0; k < 40; k++) reqs.push({ t: T0 + k * 30000 + (k % 3) * 15, ip: '203.0.113.77', path: '/health', ua: '', cookie: null });
  for (let k = 0; k < 40; k++) reqs.push({ t: T0 + k * 10000, ip: '203.0.113.78', path: '/healthz', ua: null, cookie: null });
  const { labels, reasons } = labelsOf(reqs);
  labels.forEach((l, i) => assert.is(l, 'good', JSON.stringify(reasons[i])));
  assert.ok((reasons[5] ?? []).some((x) => /^bh\.health-check@[\d.]+: 40 requests to 1 endpoint at a steady interval/.test(x)), JSON.stringify(reasons[5]));
});

Fp('a single request with no user agent is at most suspicious, with the reason given', () => {
  const { labels, reasons } = labelsOf([{ t: T0, ip: '203.0.113.90', path: '/', ua: '', cookie: null }]);
  assert.ok(labels[0] !== 'malicious');
  if (labels[0] === 'suspicious') assert.ok((reasons[0] ?? []).some((x) => x.startsWith('l7.empty-ua@')), JSON.stringify(reasons[0]));
});

const Cf = suite('Cloudflare field semantics on loaded logs');

Cf('a request without a user agent has http.user_agent "" (eq "" matches, len is 0), and nginx HTTP/2.0 is HTTP/2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'behaviour-cf-'));
  try {
    const access = path.join(dir, 'access.log');
    fs.writeFileSync(
      access,
      [
        '203.0.113.77 - - [20/Nov/2026:09:00:00 +0000] "GET /health HTTP/2.0" 200 2 "-" "-"',
        '203.0.113.78 - - [20/Nov/2026:09:00:01 +0000] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"',
      ].join('\n') + '\n',
    );
    const logpush = path.join(dir, 'http.ndjson');
    fs.writeFileSync(logpush, `${JSON.stringify({ EdgeStartTimestamp: '2026-11-20T09:00:00Z', ClientIP: '203.0.113.77', ClientRequestMethod: 'GET', ClientRequestPath: '/health', ClientRequestProtocol: 'HTTP/2', ClientRequestUserAgent: '', EdgeResponseStatus: 200, RayID: '8f0a0b0c0d0e0f01' })}\n`);
    for (const [file, format] of [[access, 'combined'], [logpush, 'logpush']] as const) {
      const { table } = await loadTraffic(file, { format });
      assert.is(rule('http.user_agent eq ""', table).count(table), 1, `${format}: eq ""`);
      assert.is(rule('len(http.user_agent) eq 0', table).count(table), 1, `${format}: len 0`);
      assert.is(rule('http.request.version eq "HTTP/2"', table).count(table), 1, `${format}: HTTP/2`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Fp.run();
Cf.run();
