/** The shared runner: argv only, timeouts with partial output, redaction, missing tools. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redact, REDACTED, run, StepInputError, ToolMissingError } from '../../src/steps/index.js';
import { DISPLAY, toDisplayData } from '../../src/display.js';
import { makeResult } from '../../src/steps/result.js';

const runner = suite('run');

runner('runs argv without a shell: metacharacters arrive as literal arguments', async () => {
  const marker = path.join(os.tmpdir(), `nrb-shell-${process.pid}`);
  const t = await run(['git', '--version', `; touch ${marker}`, '$(id)']);
  assert.not.ok(fs.existsSync(marker));
  assert.equal(t.argv, ['git', '--version', `; touch ${marker}`, '$(id)']);
  assert.is(t.exitCode, 0);
  assert.match(t.stdout, /^git version /);
  assert.is(t.timedOut, false);
  assert.ok(!Number.isNaN(Date.parse(t.startedAt)));
  assert.ok(t.durationMs >= 0);
});

runner('a failing tool is data: exit code and stderr are kept', async () => {
  const t = await run(['git', '-C', os.tmpdir(), 'rev-parse', '--verify', 'no-such-ref']);
  assert.is.not(t.exitCode, 0);
  assert.is(t.signal, null);
});

runner('a timeout kills the tool, keeps its partial output and says timedOut', async () => {
  // ping prints its header at once, then would run for 30 s.
  const t = await run(['ping', '-n', '-c', '30', '-i', '1', '127.0.0.1'], { timeoutMs: 1500 });
  assert.is(t.timedOut, true);
  assert.is(t.signal, 'SIGKILL');
  assert.match(t.stdout, /^PING 127\.0\.0\.1/);
  assert.match(t.stdout, /icmp_seq=1 /);
});

runner('input is written to stdin', async () => {
  const t = await run(['openssl', 'base64'], { input: 'hello' });
  assert.is(t.stdout.trim(), 'aGVsbG8=');
});

runner('a missing tool is a ToolMissingError naming the Debian package', async () => {
  try {
    await run(['mtr-definitely-not-installed']);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ToolMissingError);
  }
  const { TOOL_PACKAGES } = await import('../../src/steps/shell.js');
  assert.is(TOOL_PACKAGES.dig, 'dnsutils');
  const err = new ToolMissingError('dig', 'dnsutils');
  assert.match(err.message, /install the Debian package "dnsutils"/);
});

runner('a bad network namespace name is rejected before running', async () => {
  try {
    await run(['ping', '-c', '1', '127.0.0.1'], { netns: 'x;reboot' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, StepInputError);
  }
});

runner('secrets in argv and output are redacted in the transcript', async () => {
  const t = await run(['git', '--version', 'Authorization: Bearer abcdefghijklmnop', 'https://u:hunter2@example.com/?token=s3cr3t']);
  assert.not.match(JSON.stringify(t), /abcdefghijklmnop|hunter2|s3cr3t/);
  const out = await run(['openssl', 'base64', '-d', '-A'], { input: Buffer.from('Set-Cookie: session=abc123\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n').toString('base64') });
  assert.not.match(out.stdout, /abc123|MIIE/);
  assert.match(out.stdout, /Set-Cookie: \[REDACTED\]/);
});

const red = suite('redact');

red('removes Authorization, Cookie, Set-Cookie, API keys, tokens in URLs and private keys', () => {
  const text = [
    '> Authorization: Basic dXNlcjpwYXNz',
    '> Cookie: a=1; b=2',
    '< set-cookie: sid=xyz; HttpOnly',
    'X-Auth-Key: 0123456789abcdef',
    'GET /api?api_key=KEY123&x=1',
    '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----',
  ].join('\n');
  const r = redact(text);
  for (const secret of ['dXNlcjpwYXNz', 'a=1; b=2', 'sid=xyz', '0123456789abcdef', 'KEY123', 'AAAA']) assert.not.ok(r.includes(secret), secret);
  assert.ok(r.includes(`x=1`));
  assert.is(redact(r), r);
  assert.ok(r.includes(REDACTED));
});

red('leaves ordinary text alone', () => {
  const s = 'server: cloudflare\ncf-ray: 8c0ffee123456789-SJC\nsubject=CN = www.example';
  assert.is(redact(s), s);
});

const display = suite('StepResult display');

display('a result shows an HTML table, the whole result as application/json, and text', () => {
  const r = makeResult('demo', { ok: false, data: { n: 1 }, error: { code: 'x', message: '<b>bad</b>' }, transcript: [] }, () => ({ title: 'demo <script>', summary: [['n', 1]] }));
  assert.equal(Object.keys(r), ['kind', 'ok', 'transcript', 'data', 'error']);
  assert.equal(JSON.parse(JSON.stringify(r)), { kind: 'demo', ok: false, transcript: [], data: { n: 1 }, error: { code: 'x', message: '<b>bad</b>' } });
  assert.type((r as unknown as Record<symbol, unknown>)[DISPLAY], 'function');
  const dd = toDisplayData(r).data;
  assert.equal(dd['application/json'], { kind: 'demo', ok: false, data: { n: 1 }, error: { code: 'x', message: '<b>bad</b>' }, transcript: [] });
  const html = dd['text/html'] as string;
  assert.match(html, /<table class="netrunbook">/);
  assert.not.match(html, /<script>|<b>bad/);
  assert.match(html, /demo &lt;script&gt;/);
  assert.match(dd['text/plain'] as string, /FAILED: x/);
});

runner.run();
red.run();
display.run();
