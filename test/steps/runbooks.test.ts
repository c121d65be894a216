/**
 * The dns-resolution, tls-certificate and http-diagnosis runbooks run through our runner against
 * local services; each verdict names the fault in one sentence.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBind, type BindServers } from '../helpers/services/bind.js';
import { cleanup, errorsOf, markdownOutputs, runOurs, steps } from '../notebook/harness.js';

let dns: BindServers;

test.before(async () => {
  dns = await startBind();
});

test.after(async () => {
  await dns?.stop();
  cleanup();
});

test('dns-resolution names the resolver with the stale answer and checks the delegation', async () => {
  const nb = await runOurs('dns-resolution', { name: 'moved.example.test', resolvers: [dns.auth, dns.resolver], zone: 'example.test', parent: dns.auth });
  assert.equal(errorsOf(nb), []);
  const del = steps(nb, 'dns-delegation')[0]?.data as { parentNs: string[]; servers: { authoritative: boolean }[] };
  assert.equal(del.parentNs, ['ns1.example.test.']);
  assert.ok(del.servers[0]?.authoritative);
  assert.is(steps(nb, 'dnssec-chain').length, 1);
  assert.is(steps(nb, 'dns-who').length, 2);
  const md = markdownOutputs(nb);
  assert.match(md, `**${dns.resolver} serves a stale answer** (198.51.100.7; the authoritative servers say 192.0.2.99): its cached copy expires in`);
});

test.run();
