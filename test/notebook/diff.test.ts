import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffNotebooks, formatDiff } from '../../src/notebook/index.js';
import { executed, json, step } from './build.js';

const rr = (data: string, ttl = 300) => ({ name: 'www.example.test.', ttl, class: 'IN', type: 'A', data });
const dig = (answers: object[], ms: number) => step('dig', { status: 'NOERROR', answer: answers, queryTimeMs: ms, values: answers.map((a) => (a as { data: string }).data) });

test('diffNotebooks reports a changed A record as one record change plus its value, ignoring timings and transcripts', () => {
  const a = executed([[json(dig([rr('192.0.2.10'), rr('192.0.2.11')], 3))]]);
  const b = executed([[json(dig([rr('192.0.2.11'), rr('192.0.2.12')], 40))]]);
  const r = diffNotebooks(a, b);
  assert.equal(r.changes.map((c) => c.message), [
    'dig (Demo): A record for www.example.test. changed: 192.0.2.10 → 192.0.2.12',
    'dig (Demo) values: 192.0.2.10 removed',
    'dig (Demo) values: 192.0.2.12 added',
  ]);
});

test('diffNotebooks names the resolver whose answer changed when two resolvers were asked', () => {
  const at = (server: string, ip: string) => step('dig', { status: 'NOERROR', server, answer: [rr(ip)], values: [ip] });
  const a = executed([[json(at('192.0.2.53#53', '192.0.2.10')), json(at('198.51.100.53#53', '192.0.2.10'))]]);
  const b = executed([[json(at('192.0.2.53#53', '192.0.2.10')), json(at('198.51.100.53#53', '192.0.2.99'))]]);
  const msgs = diffNotebooks(a, b).changes.map((c) => c.message).filter((m) => m.includes('record for'));
  assert.equal(msgs, ['dig @198.51.100.53#53 (Demo): A record for www.example.test. changed: 192.0.2.10 → 192.0.2.99']);
});

test('diffNotebooks sees no change when only the answer order, TTL countdown and durations differ', () => {
  const a = executed([[json(dig([rr('192.0.2.10', 300), rr('192.0.2.11', 300)], 3))]]);
  const b = executed([[json(dig([rr('192.0.2.11', 290), rr('192.0.2.10', 290)], 9))]]);
  assert.equal(diffNotebooks(a, b).changes, []);
});

test('diffNotebooks reports a renewed certificate and a status code change', () => {
  const cert = (serial: string, notAfter: string) => ({ depth: 0, subject: 'CN=www', serial, notAfter });
  const a = executed([[json(step('tls', { chain: [cert('01', '2026-01-01')] }))], [json(step('curl', { status: 200 }))]]);
  const b = executed([[json(step('tls', { chain: [cert('02', '2027-01-01')] }))], [json(step('curl', { status: 502 }, false))]]);
  const msgs = diffNotebooks(a, b).changes.map((c) => c.message);
  assert.equal(msgs, ['tls (Demo) chain[depth 0].serial changed: 01 → 02', 'tls (Demo) chain[depth 0].notAfter changed: 2026-01-01 → 2027-01-01', 'curl (step 1): succeeded before, fails now', 'curl (step 1) status changed: 200 → 502']);
});

test('diffNotebooks compares label counts and top sources by key', () => {
  const s = (mal: number, src: string) => ({ labels: { good: 40 - mal, suspicious: 0, malicious: mal }, topSources: [{ 'ip.src': src, requests: 5 }] });
  const r = diffNotebooks(executed([[json(s(24, '198.51.100.1'))]]), executed([[json(s(1, '203.0.113.9'))]]));
  assert.equal(r.changes.map((c) => c.message), [
    'Demo labels: good 40.0% → 97.5% (16 → 39 of 40 → 40)',
    'Demo labels: malicious 60.0% → 2.5% (24 → 1 of 40 → 40)',
    'Demo topSources: ip.src=198.51.100.1 removed',
    'Demo topSources: ip.src=203.0.113.9 added',
  ]);
});

test('formatDiff lists parameter changes and says when nothing changed', () => {
  const r = diffNotebooks(executed([[json({ a: 1 })]], { parameters: { name: 'a' } }), executed([[json({ a: 1 })]], { parameters: { name: 'b' } }));
  assert.match(formatDiff(r), '~ parameter name: a → b\nno differences in the results');
});

test.run();
