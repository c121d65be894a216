/**
 * DNS over TCP in the pcap loader, against tshark on a capture made here: BIND (named) in a
 * network namespace of its own, queried with `dig +tcp` (one query per connection, two queries on
 * one kept-open connection, a TXT answer of ~4 kB that spans several segments on a 1500-byte
 * loopback), recorded with dumpcap on the namespace's loopback.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import cp from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DNS_FIELD, loadPcap } from '../../src/traffic/index.js';

const NS = `tun2dns${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tun2-dnstcp-'));
const ip = (...a: string[]) => cp.spawnSync('ip', a, { encoding: 'utf8' });
const inNs = (...a: string[]) => cp.spawnSync('ip', ['netns', 'exec', NS, ...a], { encoding: 'utf8' });
let named: cp.ChildProcess | null = null;
let skip: string | null = null;
let capture = '';

const big = Array.from({ length: 16 }, (_, i) => `big IN TXT "${String(i).padStart(2, '0')}${'x'.repeat(240)}"`).join('\n');
const ZONE = `$TTL 300
@ IN SOA ns1 hostmaster ( 1 3600 600 86400 300 )
@ IN NS ns1
ns1 IN A 127.0.0.1
www IN A 192.0.2.10
www IN AAAA 2001:db8::10
@ IN MX 10 mail
mail IN A 192.0.2.25
${big}
`;

test.before(async () => {
  const add = ip('netns', 'add', NS);
  if (add.status !== 0) {
    skip = `cannot create a network namespace: ${add.stderr.trim()}`;
    return;
  }
  process.once('exit', () => {
    named?.kill('SIGKILL');
    ip('netns', 'del', NS);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  inNs('ip', 'link', 'set', 'lo', 'mtu', '1500');
  inNs('ip', 'link', 'set', 'lo', 'gso_max_size', '1500'); // no segmentation offload: the capture shows wire-size segments
  inNs('ip', 'link', 'set', 'lo', 'up');
  fs.writeFileSync(path.join(dir, 'example.test.zone'), ZONE);
  fs.writeFileSync(path.join(dir, 'named.conf'), `options { directory "${dir}"; listen-on port 53 { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; pid-file "${dir}/named.pid"; };
zone "example.test" { type primary; file "${dir}/example.test.zone"; };
`);
  named = cp.spawn('ip', ['netns', 'exec', NS, 'named', '-g', '-c', path.join(dir, 'named.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (inNs('dig', '+tcp', '+short', '+time=1', '+tries=1', '@127.0.0.1', 'www.example.test', 'A').stdout.includes('192.0.2.10')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  capture = path.join(dir, 'dns-tcp.pcapng');
  const dc = cp.spawn('ip', ['netns', 'exec', NS, 'dumpcap', '-q', '-i', 'lo', '-w', capture], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !fs.existsSync(capture); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  const dig = (...a: string[]) => assert.is(inNs('dig', '+tcp', '+time=2', '+tries=1', '@127.0.0.1', ...a).status, 0);
  dig('www.example.test', 'A');
  dig('www.example.test', 'AAAA');
  dig('+keepopen', 'example.test', 'MX', 'mail.example.test', 'A');
  dig('big.example.test', 'TXT');
  dig('nothing.example.test', 'A');
  await new Promise((r) => setTimeout(r, 300));
  const done = new Promise((r) => dc.once('exit', r));
  dc.kill('SIGINT');
  await done;
});

test.after(() => {
  named?.kill('SIGKILL');
  ip('netns', 'del', NS);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every DNS-over-TCP message tshark dissects is one row with the same id, flags, name, type, counts and length', async () => {
  if (skip) return console.log(`  skipped: ${skip}`);
  const r = cp.spawnSync('tshark', ['-r', capture, '-Y', 'dns && tcp', '-T', 'fields', '-E', 'occurrence=f', ...['dns.id', 'dns.flags.response', 'dns.qry.name', 'dns.qry.type', 'dns.count.answers', 'dns.flags.rcode', 'dns.length'].flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const theirs = r.stdout.trim().split('\n').map((l) => l.split('\t')).map(([id, resp, name, type, an, rcode, len]) => [Number(id), resp === 'True' || resp === '1', name, Number(type), Number(an), resp === 'True' || resp === '1' ? Number(rcode) : null, Number(len)]);
  const { table } = await loadPcap(capture);
  const ours = (table.objects() as Record<string, unknown>[]).filter((x) => x[DNS_FIELD.id] !== null && x[DNS_FIELD.id] !== undefined).map((x) => [x[DNS_FIELD.id], x[DNS_FIELD.response], x[DNS_FIELD.qryName], x[DNS_FIELD.qryType], x[DNS_FIELD.answers], x[DNS_FIELD.response] ? x[DNS_FIELD.rcode] : null, x[DNS_FIELD.length]]);
  assert.is(theirs.length, 12, 'six queries and six responses');
  assert.equal(ours, theirs);
  // the big answer spans several segments; only the first carries the DNS columns
  const bigAnswer = (table.objects() as Record<string, unknown>[]).find((x) => x[DNS_FIELD.qryName] === 'big.example.test' && x[DNS_FIELD.response] === true)!;
  assert.ok((bigAnswer[DNS_FIELD.length] as number) > 3000, String(bigAnswer[DNS_FIELD.length]));
  assert.ok((bigAnswer['tcp.len'] as number) < (bigAnswer[DNS_FIELD.length] as number));
  assert.is(bigAnswer[DNS_FIELD.answers], 16);
});

test.run();
