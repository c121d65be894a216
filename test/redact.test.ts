import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redactText, redactValue, REDACTED } from '../src/redact.js';

test('redactText removes credentials in header lines, argv, bearer and basic schemes and URLs', () => {
  const text = [
    "curl -H 'Authorization: Bearer abcdefghijklmnop' -H 'Cookie: sid=1234' https://u:pw123456@example.test/?api_key=KEY123&x=1",
    'Basic dXNlcjpwYXNzd29yZA==',
  ].join('\n');
  const out = redactText(text);
  for (const secret of ['abcdefghijklmnop', 'sid=1234', 'pw123456', 'KEY123', 'dXNlcjpwYXNzd29yZA']) assert.not.ok(out.includes(secret), secret);
  assert.ok(out.includes('x=1'));
  assert.is(redactText(out), out);
});

test('redactText leaves certificate text and ordinary prose alone', () => {
  const text = 'X509v3 Basic Constraints: critical\n    CA:TRUE\nX509v3 Authority Key Identifier: keyid:AB:CD\nserver: cloudflare';
  assert.is(redactText(text), text);
});

test('redactValue blanks values under secret keys and secret header pairs', () => {
  assert.equal(redactValue({ cookie: 'sid=1', headers: [['Set-Cookie', 'a=b'], ['Server', 'nginx']], n: 1 }), {
    cookie: REDACTED,
    headers: [['Set-Cookie', REDACTED], ['Server', 'nginx']],
    n: 1,
  });
});

test.run();
