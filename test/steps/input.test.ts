/** Bad input: rejected with StepInputError before any process starts; nothing reaches a shell. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareResolvers, curl, dig, gitDiff, gitLog, gitShow, pathMtu, processesStarted, StepInputError, tls, traceroute } from '../../src/steps/index.js';

const marker = path.join(os.tmpdir(), `nrb-injection-${process.pid}`);
const INJECTIONS = [`example.com; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, 'example.com\ntouch x', `-oProxyCommand=touch ${marker}`, `a|touch ${marker}`, `a && touch ${marker}`];

async function rejected(fn: () => Promise<unknown>, what: string): Promise<StepInputError> {
  const before = processesStarted();
  try {
    await fn();
  } catch (e) {
    assert.instance(e, StepInputError, `${what}: expected StepInputError, got ${String(e)}`);
    assert.is(processesStarted(), before, `${what}: a process was started`);
    assert.not.ok(fs.existsSync(marker), `${what}: the marker file exists`);
    return e as StepInputError;
  }
  assert.unreachable(`${what} was accepted`);
  throw new Error('unreachable');
}

const injection = suite('injection attempts');

injection('every step rejects shell metacharacters, newlines and option injection in host-like inputs', async () => {
  for (const bad of INJECTIONS) {
    await rejected(() => dig(bad), `dig ${bad}`);
    await rejected(() => dig('example.com', { server: bad }), `dig server ${bad}`);
    await rejected(() => compareResolvers('example.com', ['127.0.0.1', bad]), `compareResolvers ${bad}`);
    await rejected(() => tls(bad), `tls ${bad}`);
    await rejected(() => tls('example.com', { servername: bad }), `tls servername ${bad}`);
    await rejected(() => curl(`http://${bad}/`), `curl ${bad}`);
    await rejected(() => curl('http://example.com/', { resolve: `${bad}:80:127.0.0.1` }), `curl resolve ${bad}`);
    await rejected(() => traceroute(bad), `traceroute ${bad}`);
    await rejected(() => pathMtu(bad), `pathMtu ${bad}`);
    await rejected(() => gitShow(bad, 'README.md'), `gitShow ${bad}`);
    await rejected(() => dig('example.com', { netns: bad }), `netns ${bad}`);
  }
});

injection('a URL with $( ) or a backtick is refused, with the position of the character', async () => {
  const e = await rejected(() => curl('http://example.com/$(id)'), 'curl url');
  assert.is(e.what, 'url');
  assert.is(e.input, 'http://example.com/$(id)');
  assert.match(e.reason, /"\$" at position 19/);
  await rejected(() => curl('http://example.com/`id`'), 'curl url backtick');
});

injection('a header with a newline cannot smuggle a second header or command', async () => {
  const e = await rejected(() => curl('http://example.com/', { headers: ['X-A: 1\r\nX-B: 2'] }), 'header');
  assert.is(e.what, 'header 1');
  assert.match(e.reason, /control character/);
});

injection('git paths and revisions cannot escape or inject options', async () => {
  await rejected(() => gitShow('HEAD', '../etc/passwd'), 'path ..');
  await rejected(() => gitShow('--output=/tmp/x', 'a'), 'revision option');
  await rejected(() => gitLog({ path: '/etc/passwd' }), 'absolute path');
  await rejected(() => gitDiff('HEAD~1', 'HEAD; rm -rf /'), 'diff revision');
});

const ranges = suite('ports, types and numbers');

ranges('a port of 70000, 0 or a non-number is rejected naming the input', async () => {
  const e = await rejected(() => tls('example.com', { port: 70000 }), 'port 70000');
  assert.is(e.what, 'port');
  assert.is(e.input, '70000');
  assert.match(e.message, /port "70000" is not a port number between 1 and 65535/);
  await rejected(() => tls('example.com', { port: 0 }), 'port 0');
  await rejected(() => dig('example.com', { server: '127.0.0.1:70000' }), 'server port');
  await rejected(() => traceroute('example.com', { port: 1.5 }), 'fractional port');
});

ranges('record types are checked against the DNS type names', async () => {
  const e = await rejected(() => dig('example.com', { type: 'A;id' }), 'type');
  assert.is(e.what, 'type');
  await rejected(() => dig('example.com', { type: 'BOGUS' }), 'type BOGUS');
});

ranges('protocol, method and HTTP version must come from their closed sets', async () => {
  await rejected(() => traceroute('example.com', { protocol: 'gre' as never }), 'protocol');
  await rejected(() => pathMtu('example.com', { method: 'nmap' as never }), 'mtu method');
  await rejected(() => curl('http://example.com/', { http: '3' as never }), 'http 3');
  await rejected(() => curl('http://example.com/', { method: 'GET /x' }), 'method');
  await rejected(() => curl('file:///etc/passwd'), 'file url');
});

ranges('--resolve and --connect-to entries must have their exact shapes', async () => {
  await rejected(() => curl('http://example.com/', { connectTo: 'a:443:b' }), 'connect-to with 3 fields');
  await rejected(() => curl('http://example.com/', { connectTo: 'a:443:b:1:2' }), 'connect-to with 5 fields');
  await rejected(() => curl('http://example.com/', { resolve: 'example.com:443' }), 'resolve without address');
  await rejected(() => curl('http://example.com/', { resolve: 'example.com:443:not-an-ip' }), 'resolve to a name');
  const { connectToEntry, resolveEntry } = await import('../../src/steps/validate.js');
  assert.is(connectToEntry('c', 'a:443:[::1]:8443'), 'a:443:[::1]:8443');
  assert.is(connectToEntry('c', '::127.0.0.1:'), '::127.0.0.1:');
  assert.is(resolveEntry('r', '*.example.com:443:192.0.2.1,[::1]'), '*.example.com:443:192.0.2.1,[::1]');
});

ranges('an empty resolver list is rejected', async () => {
  await rejected(() => compareResolvers('example.com', []), 'no resolvers');
});

const accepted = suite('valid input');

accepted('IPv6 resolvers in brackets, underscores in names and TYPEnnn are accepted by validation', async () => {
  const { server, hostname, recordType } = await import('../../src/steps/validate.js');
  assert.equal(server('s', '[2001:db8::1]:5353'), { host: '2001:db8::1', port: 5353, text: '[2001:db8::1]:5353' });
  assert.equal(server('s', '192.0.2.1'), { host: '192.0.2.1', text: '192.0.2.1' });
  assert.equal(server('s', '192.0.2.1:53'), { host: '192.0.2.1', port: 53, text: '192.0.2.1:53' });
  assert.is(hostname('h', '_dmarc.example.com.'), '_dmarc.example.com.');
  assert.is(recordType('t', 'type65'), 'TYPE65');
});

injection.run();
ranges.run();
accepted.run();
