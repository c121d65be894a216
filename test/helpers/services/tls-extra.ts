/**
 * More TLS services on the test PKI (pki.ts):
 *
 *   const split = await startSplitTls(pki);   // one port, 127.0.0.1 -> valid leaf, ::1 -> EXPIRED leaf
 *   split.port; await split.stop();            // (a certificate renewed on only some addresses)
 *   const ocsp = await startOcspResponder(pki); // `openssl ocsp -port` answering for the intermediate's
 *   ocsp.url; ocsp.revoked                      // certificates; the wrongSan leaf is revoked first
 *   await ocsp.stop();
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Pki } from './pki.js';
import { freePort, sh, spawnService, stopProcess, waitFor } from './ports.js';

export async function startSplitTls(pki: Pki): Promise<{ port: number; stop(): Promise<void> }> {
  const read = (f: string) => fs.readFileSync(f);
  const port = await freePort();
  const mk = (leaf: { key: string; chain: string }, host: string) =>
    new Promise<tls.Server>((resolve, reject) => {
      const s = tls.createServer({ key: read(leaf.key), cert: read(leaf.chain) }, (sock) => {
        sock.on('error', () => undefined);
        sock.end();
      });
      s.on('tlsClientError', () => undefined);
      s.once('error', reject);
      s.listen(port, host, () => resolve(s));
    });
  const servers = [await mk(pki.certs.valid, '127.0.0.1'), await mk(pki.certs.expired, '::1')];
  return { port, stop: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined) };
}

/**
 * `expired: true` runs the responder two days in the past (Debian `faketime`): it signs responses
 * whose nextUpdate (thisUpdate + 1 day) has already passed, as a responder with a stuck clock or a
 * cache serving an old response does. The revocation is done once per PKI.
 */
/** Debian libfaketime's preload library (package libfaketime, pulled in by faketime). */
function fakeTimeLib(): string {
  const lib = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find((f) => fs.existsSync(f));
  if (!lib) throw new Error('libfaketime is not installed: run scripts/setup.sh (Debian package faketime)');
  return lib;
}

export async function startOcspResponder(pki: Pki, opts: { expired?: boolean } = {}): Promise<{ url: string; revoked: string; stop(): Promise<void> }> {
  const conf = path.join(pki.dir, 'int.cnf');
  const index = fs.readFileSync(path.join(pki.dir, 'int-db', 'index.txt'), 'utf8');
  if (!index.split('\n').some((l) => l.startsWith('R\t'))) sh('openssl', ['ca', '-batch', '-config', conf, '-revoke', pki.certs.wrongSan.cert, '-keyfile', pki.intermediateKey, '-cert', pki.intermediateCert]);
  const port = await freePort();
  // libfaketime preloaded into openssl itself (the `faketime` wrapper forks, and stopping the
  // wrapper would leave the responder running and the test process waiting on its pipes)
  const env = opts.expired ? { ...process.env, LD_PRELOAD: fakeTimeLib(), FAKETIME: '-2d' } : process.env;
  const svc = spawnService('openssl', ['ocsp', '-index', path.join(pki.dir, 'int-db', 'index.txt'), '-port', String(port), '-rsigner', pki.intermediateCert, '-rkey', pki.intermediateKey, '-CA', pki.intermediateCert, '-ndays', '1'], { env });
  await waitFor(() => /Waiting for OCSP client connections/i.test(svc.output()) || svc.child.exitCode !== null, 10000, 'openssl ocsp responder', svc.output);
  return { url: `http://127.0.0.1:${port}/`, revoked: pki.certs.wrongSan.cert, stop: () => stopProcess(svc.child) };
}
