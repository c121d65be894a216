/**
 * Deterministic synthetic Logpush http_requests NDJSON for load benchmarks (~500 B a line,
 * default unixnano timestamps, custom-field headers and cookies on part of the rows).
 */
import fs from 'node:fs';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'python-requests/2.31.0',
  'curl/8.5.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const PATHS = ['/', '/login', '/api/cart', '/search', '/product/', '/static/app.js', '/wp-login.php', '/category/kids'];
const COUNTRIES = ['us', 'de', 'fr', 'jp', 'br', 'in', 'gb', 'nl', 'cn', 'ru'];
const COLOS = ['FRA', 'AMS', 'CDG', 'IAD', 'SJC', 'NRT', 'GRU', 'LHR'];
const JA4S = ['t13d1516h2_8daaf6152771_02713d6af862', 't13d1312h2_e8a523a41297_ef7df7f74e48', 't12d2808h2_d943125447b4_dd0a478c1db3'];
const JA3S = ['cd08e31494f9531f560d64c695473da9', '773906b0efdefa24a7f2b8eb6985bf37', '2a26b1a62e40d25d4de3babc9d532f30'];
const pick = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
const hex = (r: () => number, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
};

/** One NDJSON line (without newline) for row i. */
export function logpushLine(r: () => number, i: number): string {
  const ns = 1714564800000000000n + BigInt(i) * 3_000_000n + BigInt(Math.floor(r() * 1e6));
  const attack = r() < 0.3;
  const ip = attack ? `203.0.113.${Math.floor(r() * 64)}` : `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
  let path = pick(r, PATHS);
  if (path === '/product/') path += Math.floor(r() * 5000);
  const q = r() < 0.3 ? `?q=${hex(r, 8)}` : '';
  const status = attack ? pick(r, [403, 429, 200]) : pick(r, [200, 200, 200, 304, 404]);
  const o: Record<string, unknown> = {
    RayID: hex(r, 16),
    ClientIP: ip,
    ClientASN: attack ? 64500 : 1000 + Math.floor(r() * 60000),
    ClientCountry: pick(r, COUNTRIES),
    ClientRequestMethod: attack && r() < 0.5 ? 'POST' : 'GET',
    ClientRequestHost: 'shop.example.com',
    ClientRequestURI: path + q,
    ClientRequestProtocol: pick(r, ['HTTP/1.1', 'HTTP/2', 'HTTP/2', 'HTTP/3']),
    ClientRequestUserAgent: attack ? pick(r, UAS.slice(3)) : pick(r, UAS),
    ClientRequestReferer: r() < 0.5 ? 'https://shop.example.com/' : '',
    ClientRequestSource: 'eyeball',
    EdgeColoCode: pick(r, COLOS),
    EdgeResponseStatus: status,
    BotScore: attack ? 1 + Math.floor(r() * 29) : 30 + Math.floor(r() * 70),
    JA3Hash: pick(r, JA3S),
    JA4: pick(r, JA4S),
  };
  if (r() < 0.3) o.RequestHeaders = { 'accept-language': r() < 0.5 ? 'en-US,en;q=0.9' : '' };
  // unixnano: write the 19-digit integer exactly (JSON.stringify cannot)
  return `{"EdgeStartTimestamp":${ns},${JSON.stringify(o).slice(1)}`;
}

/** Writes `rows` lines to `file` (skipped if it exists with the same row count marker). */
export function generateLogpush(file: string, rows: number, seed = 42): void {
  const marker = `${file}.rows`;
  if (fs.existsSync(file) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === String(rows)) return;
  const r = rng(seed);
  const fd = fs.openSync(`${file}.tmp`, 'w');
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    buf.push(logpushLine(r, i));
    if (buf.length === 10000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
  fs.writeFileSync(marker, String(rows));
}
