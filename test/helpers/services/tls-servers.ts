/**
 * Node TLS servers on 127.0.0.1 presenting the test PKI (see pki.ts), one per scenario.
 *
 *   const pki = makePki();
 *   const tls = await startTlsServers(pki);
 *   tls.ports.valid             // leaf + intermediate, OCSP response stapled
 *   tls.ports.expired           // expired leaf (+ intermediate)
 *   tls.ports.wrongSan          // other.example.test only
 *   tls.ports.missingIntermediate // valid leaf without the intermediate
 *   tls.ports.selfSigned        // self-signed www.example.test
 *   tls.ports.sni               // SNI-routed: www.example.test -> valid chain; no/other SNI -> default.invalid
 *   tls.ports.tls12             // valid chain, TLS 1.2 only
 *   tls.ports.withRoot          // leaf + intermediate + the test root (untrusted root for a client without the test CA)
 *   await tls.stop();
 *
 * Each server answers any bytes with a tiny HTTP/1.1 200 so curl works against it too.
 */
import fs from 'node:fs';
import tls from 'node:tls';
import type { Pki } from './pki.js';

export type TlsScenario = 'valid' | 'expired' | 'wrongSan' | 'missingIntermediate' | 'selfSigned' | 'sni' | 'tls12' | 'withRoot';

export interface TlsServers {
  ports: Record<TlsScenario, number>;
  stop(): Promise<void>;
}

function listen(opts: tls.TlsOptions, ocsp?: Buffer): Promise<tls.Server> {
  return new Promise((resolve, reject) => {
    const server = tls.createServer(opts, (sock) => {
      sock.on('error', () => undefined);
      sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n'));
    });
    server.on('tlsClientError', () => undefined);
    if (ocsp) server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => cb(null, ocsp));
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export async function startTlsServers(pki: Pki): Promise<TlsServers> {
  const read = (f: string) => fs.readFileSync(f);
  const c = pki.certs;
  const ocsp = read(pki.ocspResponse);
  const validCtx = tls.createSecureContext({ key: read(c.valid.key), cert: read(c.valid.chain) });
  const servers: Record<TlsScenario, tls.Server> = {
    valid: await listen({ key: read(c.valid.key), cert: read(c.valid.chain) }, ocsp),
    expired: await listen({ key: read(c.expired.key), cert: read(c.expired.chain) }),
    wrongSan: await listen({ key: read(c.wrongSan.key), cert: read(c.wrongSan.chain) }),
    missingIntermediate: await listen({ key: read(c.valid.key), cert: read(c.valid.cert) }),
    selfSigned: await listen({ key: read(c.selfSigned.key), cert: read(c.selfSigned.cert) }),
    sni: await listen({
      key: read(c.defaultCert.key),
      cert: read(c.defaultCert.cert),
      SNICallback: (name, cb) => cb(null, name === 'www.example.test' ? validCtx : undefined),
    }),
    withRoot: await listen({ key: read(c.valid.key), cert: Buffer.concat([read(c.valid.chain), read(pki.rootCert)]) }),
    tls12: await listen({ key: read(c.valid.key), cert: read(c.valid.chain), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }),
  };
  const ports = Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, (s.address() as { port: number }).port])) as Record<TlsScenario, number>;
  return {
    ports,
    stop: () => Promise.all(Object.values(servers).map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}
