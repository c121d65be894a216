/**
 * A CDN-like "edge" in front of an HTTP origin, both Node servers on 127.0.0.1, to test what a
 * support engineer sees through Cloudflare: every edge response carries `cf-ray: <16 hex>-<COLO>`,
 * `server: cloudflare` and `cf-cache-status`; the edge talks plain HTTP to the origin whatever the
 * client used (SSL mode "Flexible").
 *
 *   const e = await startEdge(pki, { colo: 'AMS' });   // { originPort } puts it in front of another origin (nginx.ts)
 *   e.httpsPort / e.httpPort    the edge (TLS with the test PKI's www.example.test leaf; plain HTTP)
 *   e.originPort                the origin (plain HTTP), reachable directly as well
 *   await e.stop();
 *
 * Origin routes:
 *   /static.css     200, cache-control: public, max-age=3600; vary: accept-encoding   -> MISS then HIT
 *   /account        200, cache-control: private, no-store; set-cookie: sid=...       -> BYPASS
 *   /page           200 text/html, no cache-control                                  -> DYNAMIC
 *   /force-https    301 -> https://<Host>/force-https when the request came over HTTP (always, behind
 *                   a Flexible edge): the classic redirect loop
 *   /status/CODE    that status
 * Edge-only: /cdn-cgi/trace (key=value lines: fl, h, ip, ts, visit_scheme, uag, colo, http, loc, tls, sni).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Pki } from './pki.js';

export interface Edge {
  httpPort: number;
  httpsPort: number;
  originPort: number;
  stop(): Promise<void>;
}

function origin(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, headers: Record<string, string | string[]>, body: string) => {
    res.writeHead(status, { 'x-origin': 'node', date: new Date().toUTCString(), 'x-request-id': crypto.randomUUID(), ...headers });
    res.end(body);
  };
  let m: RegExpExecArray | null;
  if (url.pathname === '/static.css') send(200, { 'content-type': 'text/css', 'cache-control': 'public, max-age=3600', vary: 'accept-encoding' }, 'body{}\n');
  else if (url.pathname === '/account') send(200, { 'content-type': 'text/html', 'cache-control': 'private, no-store', 'set-cookie': 'sid=abc123; Path=/; HttpOnly' }, '<p>account</p>\n');
  else if (url.pathname === '/page') send(200, { 'content-type': 'text/html' }, '<p>page</p>\n');
  else if (url.pathname === '/force-https') send(301, { location: `https://${req.headers.host ?? 'x'}/force-https` }, '');
  else if ((m = /^\/status\/(\d{3})$/.exec(url.pathname))) send(Number(m[1]), { 'content-type': 'text/plain' }, `status ${m[1]}\n`);
  else send(404, { 'content-type': 'text/plain' }, 'not found\n');
}

export async function startEdge(pki: Pki, opts: { colo?: string; originPort?: number } = {}): Promise<Edge> {
  const colo = opts.colo ?? 'AMS';
  const o = http.createServer(origin);
  await new Promise<void>((r) => o.listen(0, '127.0.0.1', () => r()));
  // An external origin (e.g. nginx.ts) replaces the Node one when given.
  const originPort = opts.originPort ?? (o.address() as { port: number }).port;
  const cache = new Map<string, { status: number; headers: http.IncomingHttpHeaders; body: Buffer; at: number }>();
  const edge = (scheme: 'http' | 'https') => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const ray = `${crypto.randomBytes(8).toString('hex')}-${colo}`;
    const url = new URL(req.url ?? '/', 'http://x');
    const base = { server: 'cloudflare', 'cf-ray': ray };
    if (url.pathname === '/cdn-cgi/trace') {
      const sock = req.socket as { alpnProtocol?: string | false; getProtocol?: () => string | null; servername?: string | false };
      const lines = [`fl=29f${colo.toLowerCase()}`, `h=${req.headers.host ?? ''}`, `ip=${req.socket.remoteAddress ?? ''}`, `ts=${(Date.now() / 1000).toFixed(3)}`, `visit_scheme=${scheme}`, `uag=${req.headers['user-agent'] ?? ''}`, `colo=${colo}`, 'sliver=none', `http=http/${req.httpVersion}`, 'loc=NL', `tls=${scheme === 'https' ? (sock.getProtocol?.() ?? 'off') : 'off'}`, `sni=${scheme === 'https' && sock.servername ? 'plaintext' : 'off'}`, 'warp=off', 'gateway=off', 'rbi=off', 'kex=X25519'];
      res.writeHead(200, { ...base, 'content-type': 'text/plain', 'cf-cache-status': 'DYNAMIC' });
      res.end(`${lines.join('\n')}\n`);
      return;
    }
    const key = url.pathname;
    const hit = cache.get(key);
    if (hit) {
      res.writeHead(hit.status, { ...hit.headers, ...base, 'cf-cache-status': 'HIT', age: String(Math.floor((Date.now() - hit.at) / 1000)) });
      res.end(hit.body);
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: originPort, path: req.url, method: req.method, headers: { ...req.headers, 'x-forwarded-proto': 'http' } }, (ores) => {
      const chunks: Buffer[] = [];
      ores.on('data', (c: Buffer) => chunks.push(c));
      ores.on('end', () => {
        const body = Buffer.concat(chunks);
        const cc = String(ores.headers['cache-control'] ?? '');
        const cacheable = /\.(css|js|png|jpg)$/.test(key);
        const status = ores.headers['set-cookie'] || /private|no-store/.test(cc) ? 'BYPASS' : cacheable && /max-age=\d+/.test(cc) ? 'MISS' : 'DYNAMIC';
        if (status === 'MISS') cache.set(key, { status: ores.statusCode ?? 200, headers: ores.headers, body, at: Date.now() });
        res.writeHead(ores.statusCode ?? 502, { ...ores.headers, ...base, 'cf-cache-status': status });
        res.end(body);
      });
    });
    up.on('error', () => {
      res.writeHead(502, { ...base, 'content-type': 'text/html' });
      res.end('<html>502 Bad Gateway</html>');
    });
    req.pipe(up);
  };
  const plain = http.createServer(edge('http'));
  const secure = https.createServer({ key: fs.readFileSync(pki.certs.valid.key), cert: fs.readFileSync(pki.certs.valid.chain) }, edge('https'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', () => r()));
  const servers = [o, plain, secure];
  return {
    httpPort: (plain.address() as { port: number }).port,
    httpsPort: (secure.address() as { port: number }).port,
    originPort,
    async stop() {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
