import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSecretKey, redactText, redactValue, REDACTED } from '../src/redact.js';

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

test('redactText removes every planted secret form of the red-team pass', () => {
  const cases: [string, string][] = [
    ['export CLOUDFLARE_API_TOKEN=CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT', 'CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT'],
    ['CF_API_KEY=c2547eb745079dac9320b638f5e225cf483cc', 'c2547eb745079dac9320b638f5e225cf483cc'],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG'],
    ['-----BEGIN PGP PRIVATE KEY BLOCK-----\nPGPSECRETKEYMATERIAL\n-----END PGP PRIVATE KEY BLOCK-----', 'PGPSECRETKEYMATERIAL'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAA'],
    ['key=AIzaSyA1234567890abcdefghijklmnopqrstu', 'AIzaSyA1234567890abcdefghijklmnopqrstu'],
    ['maps loaded with AIzaSyA1234567890abcdefghijklmnopqrstu today', 'AIzaSyA1234567890abcdefghijklmnopqrstu'],
    ['GET /cb?auth_token=QSAUTHTOKEN_2 HTTP/1.1', 'QSAUTHTOKEN_2'],
    ['/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101&X-Amz-Signature=QSAMZSIG_3', 'QSAMZSIG_3'],
    ['/o?X-Amz-Credential=ASIAXXCREDXX%2F20260101%2Fus-east-1', 'ASIAXXCREDXX'],
    ['https://admin:URLPASS_55@h/', 'URLPASS_55'],
    ['<td>x-auth-key</td><td>XAUTHKEY0123456789abcdef0123456789abc</td>', 'XAUTHKEY0123456789abcdef'],
    ['<tr><th>Cookie</th> <td><code>session=COOKIESESS91ab27</code></td></tr>', 'COOKIESESS91ab27'],
    ['| Cookie | session=COOKIESESS91ab27 |', 'COOKIESESS91ab27'],
    ['Authorization\tOPAQUEBEARER7f3a9c2e1d', 'OPAQUEBEARER7f3a9c2e1d'],
    ["const cfToken = 'CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT';", 'CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT'],
    ['Customer sent their key `c2547eb745079dac9320b638f5e225cf483cc` and token CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT', 'CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT'],
  ];
  for (const [text, secret] of cases) {
    const out = redactText(text);
    assert.not.ok(out.includes(secret), `${text} -> ${out}`);
    assert.is(redactText(out), out, `idempotent: ${out}`);
  }
  assert.is(redactText('<td>x-auth-key</td><td>XAUTHKEY0123456789</td>'), `<td>x-auth-key</td><td>${REDACTED}</td>`);
});

test('redactText keeps the tool output steps parse: DNSKEY, DS, s_client and x509 text', () => {
  const text = [
    'signed.test.\t300\tIN\tDNSKEY\t257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
    'signed.test.\t300\tIN\tDS\t2371 13 2 1F987CC6583E92DF0890718C42A4A9C8E7D2A0DF2D1E9E7F3B0F8F7B6C1D2E3F',
    'Server Temp Key: X25519, 253 bits',
    'Server public key is 2048 bit',
    '    X509v3 Subject Key Identifier: ',
    '        9A:3B:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22',
    'Verify return code: 0 (ok)',
    'cf-ray: 8c0ffee123456789-SJC',
    'commit 0123456789abcdef0123456789abcdef01234567',
  ].join('\n');
  assert.is(redactText(text), text);
});

test('isSecretKey knows env and code names: CLOUDFLARE_API_TOKEN, CF_API_KEY, AWS_SECRET_ACCESS_KEY, apiToken', () => {
  for (const k of ['CLOUDFLARE_API_TOKEN', 'CF_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'apiToken', 'client-secret', 'x-auth-email']) assert.ok(isSecretKey(k), k);
  for (const k of ['keyTag', 'serverTempKey', 'token_count_total', 'monkey', 'host']) assert.not.ok(isSecretKey(k), k);
});

test.run();
