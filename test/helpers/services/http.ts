/**
 * Node HTTP test origins on 127.0.0.1 (ports chosen by the OS).
 *
 *   const web = await startHttpServers(pki);   // pki optional: without it there is no TLS server
 *   web.httpPort    // plain HTTP/1.1
 *   web.httpsPort   // TLS (leaf www.example.test from the test PKI) speaking HTTP/2 and HTTP/1.1 (ALPN)
 *   await web.stop();
 *
 * Routes (same on both):
 *   /                 200 "hello", with CDN-like headers: server: test-origin, cf-ray: 8c0ffee123456789-SJC,
 *                     cf-cache-status: HIT, two set-cookie headers (repeated header kept)
 *   /redirect/N       302 -> /redirect/N-1 ... /redirect/0 -> 302 /   (a chain of N+1 redirects)
 *   /loop             302 -> /loop (redirect loop)
 *   /status/CODE      that status (e.g. 503), body "status CODE"
 *   /slow?ms=N        waits N ms before sending headers (slow first byte)
 *   /challenge        403 with cf-mitigated: challenge, server: cloudflare
 *   /echo             200 JSON {method, headers, body} of the request
 *   /redirect-to?u=U  302 -> U (any URL: another port, ftp://, ...)
 *   /count            200, and `web.requests` records every request path (with query) in order
 */
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { Pki } from './pki.js';

export interface HttpServers {
  /** Every request path + query the servers received, in order. */
  requests: string[];
  httpPort: number;
  httpsPort: number | null;
  stop(): Promise<void>;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

const handler = (log: string[]) => (req: Req, res: Res): void => {
  log.push(req.url ?? '/');
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, headers: Record<string, string | string[]>, body: string) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.statusCode = status;
    res.end(body);
  };
  let m: RegExpExecArray | null;
  if (url.pathname === '/') {
    send(200, { 'content-type': 'text/plain', server: 'test-origin', 'cf-ray': '8c0ffee123456789-SJC', 'cf-cache-status': 'HIT', 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] }, 'hello\n');
  } else if ((m = /^\/redirect\/(\d+)$/.exec(url.pathname))) {
    const n = Number(m[1]);
    send(302, { location: n > 0 ? `/redirect/${n - 1}` : '/' }, '');
  } else if (url.pathname === '/redirect-to') {
    send(302, { location: url.searchParams.get('u') ?? '/' }, '');
  } else if (url.pathname === '/count') {
    send(200, { 'content-type': 'text/plain' }, `${log.length}\n`);
  } else if (url.pathname === '/loop') {
    send(302, { location: '/loop' }, '');
  } else if ((m = /^\/status\/(\d{3})$/.exec(url.pathname))) {
    send(Number(m[1]), { 'content-type': 'text/plain' }, `status ${m[1]}\n`);
  } else if (url.pathname === '/slow') {
    const ms = Number(url.searchParams.get('ms') ?? '1000');
    setTimeout(() => send(200, { 'content-type': 'text/plain' }, 'slow\n'), ms);
  } else if (url.pathname === '/challenge') {
    send(403, { 'content-type': 'text/html', server: 'cloudflare', 'cf-mitigated': 'challenge', 'cf-ray': '8c0ffee000000001-LHR' }, '<html>challenge</html>');
  } else if (url.pathname === '/echo') {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => send(200, { 'content-type': 'application/json' }, JSON.stringify({ method: req.method, headers: req.headers, body })));
  } else {
    send(404, { 'content-type': 'text/plain' }, 'not found\n');
  }
};

export async function startHttpServers(pki?: Pki): Promise<HttpServers> {
  const requests: string[] = [];
  const plain = http.createServer(handler(requests));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
  let secure: http2.Http2SecureServer | null = null;
  if (pki) {
    secure = http2.createSecureServer({ key: fs.readFileSync(pki.certs.valid.key), cert: fs.readFileSync(pki.certs.valid.chain), allowHTTP1: true }, handler(requests));
    await new Promise<void>((r) => secure!.listen(0, '127.0.0.1', () => r()));
  }
  const sessions = new Set<http2.ServerHttp2Session>();
  secure?.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  return {
    requests,
    httpPort: (plain.address() as { port: number }).port,
    httpsPort: secure ? (secure.address() as { port: number }).port : null,
    async stop() {
      plain.closeAllConnections();
      for (const s of sessions) s.destroy();
      await Promise.all([new Promise<void>((r) => plain.close(() => r())), secure ? new Promise<void>((r) => secure!.close(() => r())) : Promise.resolve()]);
    },
  };
}
