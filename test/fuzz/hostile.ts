/** Hostile traffic tables for the fuzz suites (seeded, so a failing run can be replayed). */
import * as aq from 'arquero';

/**
 * ROWS rows of hostile traffic for the Rules fuzz suite: mostly ordinary values, and at random
 * (seeded) huge values, values of the wrong type, missing values, prototype-named keys and
 * header maps without a prototype.
 */
export function hostileTable(seed: number, ROWS = 10_000): aq.ColumnTable {
  const r = mulberry(seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const noProto = (o: Record<string, unknown>): Record<string, unknown> => Object.assign(Object.create(null) as Record<string, unknown>, o);
  const huge = ['='.repeat(250_000), `${'a'.repeat(50_000)}!`, '/wp-/'.repeat(20_000), '%25'.repeat(30_000), `${'ab'.repeat(20_000)}\u0000\uffff\ud800`];
  const uas = [...Array.from({ length: 400 }, (_, i) => `Mozilla/5.0 (X11; Linux) Firefox/${i}`), 'curl/8.5.0', 'sqlmap/1.7', '\\', '', 'ÄÖÜ é 😀', '${jndi:ldap://x/a}', '() { :; }; /bin/sh'];
  const paths = [...Array.from({ length: 300 }, (_, i) => `/p/${i}/index.html`), '/wp-login.php', '/.env', '/../../etc/passwd', '/a/wp-b/c/d.PHP', '/%2e%2e/%2e%2e/x'];
  const queries = [...Array.from({ length: 300 }, (_, i) => `id=${i}&q=x${i}`), '', 'a=%25%32%35%32%35', '{"a":"x","b":[1,2]}', 'v=1', 'x=' + '%u0041'.repeat(10)];
  const cols: Record<string, unknown[]> = {
    'http.user_agent': [],
    'http.request.uri.path': [],
    'http.request.uri.query': [],
    'http.host': [],
    'http.request.method': [],
    'http.request.headers': [],
    'http.cookie': [],
    'ip.src': [],
    'ip.src.asnum': [],
    'tcp.flags': [],
    ssl: [],
  };
  const wrong = [123, -1.5, true, ['x'], { a: 1 }, noProto({ toString: 'x' }), NaN];
  for (let i = 0; i < ROWS; i++) {
    const roll = r();
    const hostile = roll < 0.002 ? pick(huge) : roll < 0.01 ? pick(wrong) : roll < 0.03 ? null : undefined;
    const v = <T>(normal: T): unknown => (hostile === undefined ? normal : hostile);
    cols['http.user_agent']?.push(v(pick(uas)));
    cols['http.request.uri.path']?.push(v(pick(paths)));
    cols['http.request.uri.query']?.push(v(pick(queries)));
    cols['http.host']?.push(v(pick(['shop.example.com', 'api.example.com', '192.0.2.7', ''])));
    cols['http.request.method']?.push(v(pick(['GET', 'POST', 'HEAD', 'get'])));
    const headerKind = r();
    cols['http.request.headers']?.push(
      headerKind < 0.01
        ? JSON.parse('{"__proto__":["p"],"constructor":["c"],"tostring":["t"]}')
        : headerKind < 0.02
          ? noProto({ constructor: ['x'], 'x-forwarded-for': ['192.0.2.1, 198.51.100.2'] })
          : headerKind < 0.03
            ? v({ accept: 'not-an-array' })
            : { accept: ['*/*'], 'user-agent': [String(pick(uas))], ...(r() < 0.2 ? { 'x-forwarded-for': ['203.0.113.9'] } : {}) },
    );
    cols['http.cookie']?.push(v(pick(['a=1; b=2', 'session=x', '__proto__=1; constructor=2', ''])));
    cols['ip.src']?.push(v(pick(['192.0.2.1', '198.51.100.77', '2001:db8::1', '::ffff:192.0.2.1', 'not-an-ip', '999.1.1.1'])));
    cols['ip.src.asnum']?.push(hostile === undefined ? pick([13335, 64500, 0, 4294967295]) : pick([hostile, '13335', 1.5]));
    cols['tcp.flags']?.push(hostile === undefined ? pick([2, 18, 16, 4]) : pick([hostile, 'SYN']));
    cols['ssl']?.push(hostile === undefined ? r() < 0.5 : pick([hostile, 'true', 1]));
  }
  return aq.table(cols);
}

export function mulberry(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

