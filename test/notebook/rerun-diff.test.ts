/**
 * Re-running a saved investigation and diffing: an unchanged world gives no differences (noise
 * such as timings, TTL countdown and transcripts is ignored); a DNS record changed in the BIND zone
 * or a certificate swapped on the server between run and re-run is reported, and nothing else.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { score } from '../../src/classify/index.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { diffNotebooks, planRerun, readNotebook, runNotebook, type DiffReport } from '../../src/notebook/index.js';
import { kernelFactory } from '../../src/notebook/kernel.js';
import { startBind, type BindServers } from '../helpers/services/bind.js';
import { makePki, type Pki } from '../helpers/services/pki.js';
import { waitFor } from '../helpers/services/ports.js';
import { ROOT } from '../helpers/paths.js';
import { cleanup, runOurs, tmp } from './harness.js';

const CLI = path.join(ROOT, 'bin/runbook.js');
const zone = (addr: string, serial: number) => `$TTL 300
@ IN SOA ns1.change.test. hostmaster.change.test. ( ${serial} 3600 600 86400 300 )
@ IN NS ns1.change.test.
ns1 IN A 127.0.0.1
www IN A ${addr}
`;

let dns: BindServers;
let pki: Pki;
let server: tls.Server;
let tlsPort = 0;

test.before(async () => {
  dns = await startBind({ 'change.test': zone('192.0.2.50', 1) });
  pki = makePki();
  const ctx = (f: { chain: string; key: string }) => ({ cert: fs.readFileSync(f.chain), key: fs.readFileSync(f.key) });
  server = tls.createServer(ctx(pki.certs.valid), (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  tlsPort = (server.address() as { port: number }).port;
});

test.after(async () => {
  server?.close();
  await dns?.stop();
  pki?.remove();
  cleanup();
});

async function rerun(saved: string, out: string) {
  const plan = planRerun(saved);
  const r = await runNotebook({ runbook: plan.runbook, runbookFile: plan.runbookFile, parameters: plan.parameters, out, rerunOf: plan.rerunOf, kernel: kernelFactory() });
  assert.is(r.status, 'ok');
  return readNotebook(out);
}

const messages = (r: DiffReport) => r.changes.map((c) => c.message);

test('a re-run of an unchanged DNS world reports no differences', async () => {
  const a = path.join(tmp, 'dns-a.ipynb');
  await runOurs('dns-resolution', { name: 'www.change.test', resolvers: [dns.auth, dns.resolver] }, a);
  const b = await rerun(a, path.join(tmp, 'dns-b.ipynb'));
  assert.is(b.metadata.investigation?.rerunOf?.path, a);
  assert.equal(b.metadata.investigation?.runbook, readNotebook(a).metadata.investigation?.runbook);
  const report = diffNotebooks(readNotebook(a), b);
  assert.equal(report.parameters, []);
  assert.equal(messages(report), []);
});

test('changing the A record in the zone between run and re-run is exactly what diff reports', async () => {
  const a = path.join(tmp, 'dns-a.ipynb');
  fs.writeFileSync(path.join(dns.dir, 'change.test.zone'), zone('192.0.2.51', 2));
  execFileSync('kill', ['-HUP', fs.readFileSync(path.join(dns.dir, 'auth.pid'), 'utf8').trim()]);
  const [host, port] = dns.auth.split(':') as [string, string];
  await waitFor(() => execFileSync('dig', ['+short', '-p', port, `@${host}`, 'www.change.test', 'A'], { encoding: 'utf8' }).trim() === '192.0.2.51', 10_000, 'zone reload');
  await new Promise((r) => setTimeout(r, 2000)); // the resolver caches for at most 1 s
  const c = path.join(tmp, 'dns-c.ipynb');
  const p = spawnSync(process.execPath, [CLI, 'rerun', a, '-o', c], { encoding: 'utf8' });
  assert.is(p.status, 0, p.stderr);
  const json = spawnSync(process.execPath, [CLI, 'diff', a, c, '--json'], { encoding: 'utf8' });
  assert.is(json.status, 1);
  const report = JSON.parse(json.stdout) as DiffReport;
  const msgs = messages(report);
  assert.ok(msgs.length > 0);
  for (const m of msgs) assert.match(m, /192\.0\.2\.5[01]/, m);
  // one message per resolver, each naming the resolver that changed its answer
  const rec = msgs.filter((m) => m.includes('record for'));
  assert.is(rec.length, 2, rec.join('\n'));
  for (const m of rec) assert.match(m, /^dig @\S+ \(2\. Each resolver in detail\): A record for www\.change\.test\. changed: 192\.0\.2\.50 → 192\.0\.2\.51$/);
  assert.is(new Set(rec.map((m) => /@(\S+)/.exec(m)?.[1])).size, 2, 'the two messages name two resolvers');
  const text = spawnSync(process.execPath, [CLI, 'diff', a, c], { encoding: 'utf8' }).stdout;
  assert.match(text, /~ dig @\S+ \(2\. Each resolver in detail\): A record for www\.change\.test\. changed: 192\.0\.2\.50 → 192\.0\.2\.51/);
});

test('swapping the served certificate between run and re-run shows up as a certificate change, nothing else', async () => {
  const a = path.join(tmp, 'tls-a.ipynb');
  await runOurs('tls-certificate', { host: '127.0.0.1', port: String(tlsPort), servername: 'www.example.test', caFile: pki.rootCert }, a);
  server.setSecureContext({ cert: fs.readFileSync(pki.certs.selfSigned.cert), key: fs.readFileSync(pki.certs.selfSigned.key) });
  const b = await rerun(a, path.join(tmp, 'tls-b.ipynb'));
  const report = diffNotebooks(readNotebook(a), b);
  assert.ok(report.changes.length > 0);
  // Every change is in a TLS step (tls, and since tls-certificate 1.1.0 tls-per-address and tls-origin).
  for (const c of report.changes) assert.match(c.result, /^tls[ -]/, c.message);
  const paths = report.changes.map((c) => c.path);
  assert.ok(paths.includes('chain[0].serial'), paths.join('\n'));
  assert.ok(paths.includes('chain[1]'), 'the intermediate is gone');
  assert.ok(report.changes.some((c) => c.path === 'verification.reason' && c.after === 'self-signed'), paths.join('\n'));
});

test('when the attack subsides in the log between run and re-run, diff reports the malicious share falling', async () => {
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz'))).toString('utf8').split('\n').filter(Boolean).slice(0, 6000);
  const log = path.join(tmp, 'incident.ndjson');
  fs.writeFileSync(log, `${lines.join('\n')}\n`);
  const a = path.join(tmp, 'l7-a.ipynb');
  await runOurs('l7-ddos-triage', { traffic: log }, a);
  // The mitigation went live: the next export of the log keeps the good requests and 1 in 20 attack requests.
  const { table } = await loadTraffic(log);
  const codes = score(table).labelCodes;
  assert.is(codes.length, lines.length);
  fs.writeFileSync(log, `${lines.filter((_l, i) => codes[i] !== 2 || i % 20 === 0).join('\n')}\n`);
  const b = await rerun(a, path.join(tmp, 'l7-b.ipynb'));
  const shares = messages(diffNotebooks(readNotebook(a), b)).filter((m) => / malicious \d/.test(m));
  assert.ok(shares.length >= 1, 'a malicious share change');
  const m = /malicious (\d+\.\d)% → (\d+\.\d)%/.exec(shares[0] as string);
  assert.ok(m && Number(m[2]) < Number(m[1]) / 5, shares[0]);
});

test.run();
