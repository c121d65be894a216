import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { childMessage, decode, encode, header, REPLY_TYPE, reply, Signer, type Message, type Requests } from '../../kernel/protocol.js';

const KEY = 'a0b1c2d3';
const signer = new Signer(KEY);
const hmac = (parts: Buffer[]) => {
  const h = createHmac('sha256', KEY);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Frames as a client would send them, with JSON spelled exactly as given. */
function frames(headerJson: string, contentJson: string, sig?: string): Buffer[] {
  const parts = [headerJson, '{}', '{}', contentJson].map((s) => Buffer.from(s));
  return [Buffer.from('client-id'), Buffer.from('<IDS|MSG>'), Buffer.from(sig ?? hmac(parts)), ...parts];
}

const HEADER = '{"msg_id":"m1","session":"s","username":"u","date":"2026-01-01T00:00:00Z","msg_type":"execute_request","version":"5.3"}';

test('decode accepts a signature computed over the bytes as received, whatever their spacing', () => {
  const spaced = HEADER.replace(/,/g, ', ');
  const d = decode(frames(spaced, '{ "code" : "1+1" }'), signer);
  assert.ok(d.ok);
  if (d.ok) {
    assert.is(d.message.header.msg_type, 'execute_request');
    assert.equal(d.message.content, { code: '1+1' });
    assert.equal(d.message.identities.map(String), ['client-id']);
  }
});

test('decode rejects bytes that differ from the signed ones even when the JSON is equal', () => {
  const signedParts = [HEADER, '{}', '{}', '{"code":"1"}'].map((s) => Buffer.from(s));
  const forged = frames(HEADER, '{"code": "1"}', hmac(signedParts));
  const d = decode(forged, signer);
  assert.is(d.ok, false);
  if (!d.ok) assert.match(d.reason, /signature/);
});

test('decode rejects a message signed with another key', () => {
  const other = new Signer('not-the-key');
  const msg: Message<Requests['kernel_info_request']> = { identities: [], header: header('kernel_info_request', 's'), parent_header: {}, metadata: {}, content: {}, buffers: [] };
  assert.is(decode(encode(msg, other), signer).ok, false);
});

test('decode reports frames without a delimiter or with too few parts instead of throwing', () => {
  const a = decode([Buffer.from('garbage')], signer);
  const b = decode([Buffer.from('<IDS|MSG>'), Buffer.from('00')], signer);
  assert.is(a.ok, false);
  assert.is(b.ok, false);
  if (!a.ok) assert.match(a.reason, /delimiter/);
  if (!b.ok) assert.match(b.reason, /frames/);
});

test('decode reports malformed JSON under a valid signature', () => {
  const d = decode(frames(HEADER, '{not json'), signer);
  assert.is(d.ok, false);
  if (!d.ok) assert.match(d.reason, /JSON/);
});

test('an empty key disables signing as the protocol specifies', () => {
  const open = new Signer('');
  assert.is(open.sign([Buffer.from('x')]), '');
  assert.ok(decode(frames(HEADER, '{}', ''), open).ok);
});

test('encode then decode round-trips identities, parts and buffers', () => {
  const msg = childMessage(null, 'stream', { name: 'stdout', text: 'hé\n' }, 'sess', [Buffer.from('peer')]);
  msg.buffers = [Buffer.from([1, 2, 3])];
  const d = decode(encode(msg, signer), signer);
  assert.ok(d.ok);
  if (d.ok) {
    assert.equal(d.message.content, { name: 'stdout', text: 'hé\n' });
    assert.equal(d.message.identities.map(String), ['peer']);
    assert.equal([...(d.message.buffers[0] ?? [])], [1, 2, 3]);
  }
});

test('REPLY_TYPE answers every request with its own reply type', () => {
  for (const [req, rep] of Object.entries(REPLY_TYPE)) assert.is(rep, req.replace(/_request$/, '_reply'));
  assert.is(REPLY_TYPE.comm_info_request, 'comm_info_reply');
});

test('reply derives its type from the request and carries the request as parent', () => {
  const req = { identities: [Buffer.from('id')], header: header('comm_info_request', 'client'), parent_header: {}, metadata: {}, content: {}, buffers: [] } as Message<Requests['comm_info_request']> & { header: { msg_type: 'comm_info_request' } };
  const r = reply(req, { status: 'ok', comms: {} }, 'kernel');
  assert.is(r.header.msg_type, 'comm_info_reply');
  assert.is(r.parent_header.msg_id, req.header.msg_id);
  assert.is(r.header.version, '5.3');
  assert.equal(r.identities.map(String), ['id']);
});

test.run();
