import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redactText, redactValue, REDACTED } from '../../src/notebook/index.js';

test('redactText hides Authorization, Cookie and Set-Cookie header values in curl transcripts', () => {
  const t = '> GET / HTTP/1.1\n> Authorization: Bearer abcdefghijkl\n> Cookie: session=s3cr3t\n< Set-Cookie: id=42; HttpOnly\n< Server: nginx';
  assert.is(redactText(t), `> GET / HTTP/1.1\n> Authorization: ${REDACTED}\n> Cookie: ${REDACTED}\n< Set-Cookie: ${REDACTED}\n< Server: nginx`);
});

test('redactText hides private keys, bearer tokens and token query parameters', () => {
  const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----';
  assert.is(redactText(`x ${key} y`), `x -----BEGIN RSA PRIVATE KEY-----\n${REDACTED}\n-----END RSA PRIVATE KEY----- y`);
  assert.is(redactText('curl -H x https://a/?api_key=123456&q=1'), `curl -H x https://a/?api_key=${REDACTED}&q=1`);
  assert.is(redactText('token ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), `token ${REDACTED}`);
});

test('redactValue replaces values under secret keys and in header pairs, leaving the rest', () => {
  const v = { headers: { authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'text/html' }, pairs: [['Cookie', 'a=b'], ['Host', 'x']], 'http.cookie': 'sid=1', n: 3 };
  assert.equal(redactValue(v), { headers: { authorization: REDACTED, 'content-type': 'text/html' }, pairs: [['Cookie', REDACTED], ['Host', 'x']], 'http.cookie': REDACTED, n: 3 });
});

test.run();
