/**
 * Step hardening (issue 20): curl and dig never read the user's rc files, curl neither globs URLs
 * nor follows non-http redirects nor carries credentials to another origin, git never runs a
 * command an untrusted repository configures. Each test also shows the unhardened tool doing the
 * harmful thing, so the test can fail.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import cp from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { commandKeys, curl, dig, gitDiff, gitLog, gitStatus, StepInputError } from '../../src/steps/index.js';
import { startHttpServers, type HttpServers } from '../helpers/services/http.js';
import { startBind, type BindServers } from '../helpers/services/bind.js';
import { makeGitRepo } from '../helpers/services/git-repo.js';

// Async: the test servers live in this process, a synchronous child would block them.
const exec = async (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> => (await promisify(cp.execFile)(cmd, args, { encoding: 'utf8', env })).stdout;

let web: HttpServers;
let other: HttpServers;
// A HOME with planted rc files, shared by the curl and dig suites.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-steps-home-'));
fs.writeFileSync(path.join(home, '.curlrc'), 'header = "X-From-Curlrc: planted"\nuser-agent = "curlrc-agent"\n');
fs.writeFileSync(path.join(home, '.digrc'), '+short\n');
const realHome = process.env.HOME;
const base = () => `http://127.0.0.1:${web.httpPort}`;

/** Header names the /echo route received (the preview is redacted, the names are not). */
function echoedNames(preview: string): string[] {
  return Object.keys((JSON.parse(preview) as { headers: Record<string, string> }).headers);
}

const c = suite('curl hardening');
c.before(async () => {
  web = await startHttpServers();
  other = await startHttpServers();
});
c.after(async () => {
  process.env.HOME = realHome;
  await web?.stop();
  await other?.stop();
});

c('a ~/.curlrc is not read (-q): its header and user agent never reach the server', async () => {
  process.env.HOME = home;
  try {
    // The same HOME without -q: curl does read it (so the file is a real curlrc).
    const plain = await exec('curl', ['-s', `${base()}/echo`], { ...process.env, HOME: home });
    assert.ok(echoedNames(plain).includes('x-from-curlrc'));
    const r = await curl(`${base()}/echo`);
    assert.ok(r.ok, r.error?.message);
    assert.not.ok(echoedNames(r.data!.bodyPreview).includes('x-from-curlrc'));
    assert.not.match(r.data!.bodyPreview, /curlrc-agent/);
    assert.is(r.transcript[0]!.argv[1], '-q');
  } finally {
    process.env.HOME = realHome;
  }
});

c('brackets in a URL are one literal URL (--globoff), not twenty requests', async () => {
  const before = web.requests.length;
  const r = await curl(`${base()}/count?x=[1-20]`);
  assert.is(r.transcript.length, 1);
  assert.is(web.requests.length - before, 1);
  assert.is(web.requests[web.requests.length - 1], '/count?x=[1-20]');
});

c('a redirect to ftp:// is not followed (--proto-redir =http,https)', async () => {
  const r = await curl(`${base()}/redirect-to?u=ftp://127.0.0.1:${other.httpPort}/`);
  assert.not.ok(r.ok);
  assert.is(r.data!.exitCode, 1);
  assert.is(r.data!.hops.length, 1);
  assert.is(r.data!.hops[0]!.location, `ftp://127.0.0.1:${other.httpPort}/`);
  // The same with a credential (redirects followed hop by hop): stopped the same way.
  const s = await curl(`${base()}/redirect-to?u=ftp://127.0.0.1:${other.httpPort}/`, { headers: { 'X-Auth-Key': 'k0123456789' } });
  assert.is(s.data!.exitCode, 1);
  assert.match(s.error!.message, /"ftp"/);
  assert.is(s.transcript.length, 1);
});

c('credential headers go to the original origin only; other headers follow the redirect', async () => {
  const target = `http://127.0.0.1:${other.httpPort}/echo`;
  const secrets = { 'X-Auth-Key': 'XAUTHKEY0123456789abcdef0123456789abc', 'X-Auth-Email': 'ops@example.test', Authorization: 'Bearer tok123456789', Cookie: 'sid=abc', 'X-Tenant-Secret': 'marked-by-user', 'X-Test': 'plain' };
  // What curl -L does on its own: the custom headers reach the other port.
  const naive = await exec('curl', ['-q', '-sL', ...Object.entries(secrets).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), `${base()}/redirect-to?u=${target}`]);
  assert.ok(echoedNames(naive).includes('x-auth-key'));
  const r = await curl(`${base()}/redirect-to?u=${target}`, { headers: secrets, secretHeaders: ['X-Tenant-Secret'] });
  assert.ok(r.ok, r.error?.message);
  const names = echoedNames(r.data!.bodyPreview);
  for (const n of ['x-auth-key', 'x-auth-email', 'authorization', 'cookie', 'x-tenant-secret']) assert.not.ok(names.includes(n), n);
  assert.ok(names.includes('x-test'));
  assert.is(r.data!.redirects, 1);
  assert.equal(r.data!.hops.map((h) => h.status), [302, 200]);
  assert.is(r.data!.effectiveUrl, target);
  assert.is(r.transcript.length, 2);
  assert.not.ok(r.transcript[1]!.argv.some((a) => /x-auth-key/i.test(a)));
  // A redirect on the same origin keeps them.
  const same = await curl(`${base()}/redirect-to?u=/echo`, { headers: secrets });
  assert.ok(echoedNames(same.data!.bodyPreview).includes('x-auth-key'));
  assert.not.match(JSON.stringify(same), /XAUTHKEY0123456789abcdef0123456789abc/);
});

c('followed hop by hop, a redirect loop still ends as too-many-redirects', async () => {
  const r = await curl(`${base()}/loop`, { headers: { 'X-Auth-Key': 'k0123456789' }, maxRedirects: 3 });
  assert.is(r.error!.code, 'too-many-redirects');
  assert.is(r.data!.exitCode, 47);
  assert.is(r.data!.hops.length, 4);
});

c('a response body preview keeps none of the planted secret forms', async () => {
  const body = ['CLOUDFLARE_API_TOKEN=CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT', 'CF_API_KEY=c2547eb745079dac9320b638f5e225cf483cc', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '-----BEGIN PGP PRIVATE KEY BLOCK-----', 'PGPSECRETKEYMATERIAL', '-----END PGP PRIVATE KEY BLOCK-----', 'AIzaSyA1234567890abcdefghijklmnopqrstu', '/cb?auth_token=QSAUTHTOKEN_2&X-Amz-Signature=QSAMZSIG_3'].join('\n');
  const r = await curl(`${base()}/echo`, { method: 'POST', body, previewBytes: 8192 });
  assert.ok(r.ok, r.error?.message);
  assert.match(r.data!.bodyPreview, /"method":"POST"/);
  for (const s of ['CFAPITOKEN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT', 'c2547eb745079dac9320b638f5e225cf483cc', 'wJalrXUtnFEMI', 'PGPSECRETKEYMATERIAL', 'AIzaSyA1234567890', 'QSAUTHTOKEN_2', 'QSAMZSIG_3']) assert.not.ok(JSON.stringify(r).includes(s), s);
});

c('a bad secret header name is rejected before anything runs', async () => {
  try {
    await curl(`${base()}/`, { secretHeaders: ['X Bad'] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, StepInputError);
  }
});

const d = suite('dig hardening');
let dns: BindServers;
d.before(async () => {
  dns = await startBind();
});
d.after(async () => {
  process.env.HOME = realHome;
  await dns?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

d('a ~/.digrc is not read (-r): "+short" in it does not change the evidence', async () => {
  process.env.HOME = home;
  try {
    const plain = await exec('dig', ['@127.0.0.1', '-p', String(dns.authPort), 'www.example.test', 'A'], { ...process.env, HOME: home });
    assert.not.match(plain, /ANSWER SECTION/, 'dig without -r reads the planted .digrc');
    const r = await dig('www.example.test', { server: dns.auth });
    assert.ok(r.ok, r.error?.message);
    assert.equal(r.data!.values, ['192.0.2.10', '192.0.2.11']);
    assert.is(r.transcript[0]!.argv[1], '-r');
  } finally {
    process.env.HOME = realHome;
  }
});

const g = suite('git hardening');

g('an untrusted repository does not run its core.fsmonitor command, clean filter or textconv', async () => {
  const repo = makeGitRepo();
  const marks = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-steps-marks-'));
  try {
    const script = (name: string, body: string) => {
      const f = path.join(marks, name);
      fs.writeFileSync(f, `#!/bin/sh\ntouch ${marks}/${name}.ran\n${body}\n`);
      fs.chmodSync(f, 0o755);
      return f;
    };
    const gitc = (...a: string[]) => cp.execFileSync('git', ['-C', repo.dir, ...a], { encoding: 'utf8' });
    gitc('config', 'core.fsmonitor', script('fsmonitor', 'exit 0'));
    gitc('config', 'filter.evil.clean', script('clean', 'cat'));
    gitc('config', 'diff.evil.textconv', script('textconv', 'cat "$1"'));
    repo.write('.gitattributes', '*.txt filter=evil diff=evil\n');
    repo.write('rules.txt', 'changed\n');
    const ran = () => fs.readdirSync(marks).filter((f) => f.endsWith('.ran')).sort();
    const st = await gitStatus({ repo: repo.dir });
    const log = await gitLog({ repo: repo.dir, path: 'rules.txt' });
    const diff = await gitDiff(repo.commits[0]!, repo.commits[1]!, { repo: repo.dir });
    assert.ok(st.ok && log.ok && diff.ok, st.error?.message ?? log.error?.message ?? diff.error?.message);
    assert.is(st.data!.dirty, true);
    assert.equal(ran(), []);
    // The same repository with plain git runs them: the planted config is live.
    gitc('status', '--porcelain');
    gitc('diff', repo.commits[0]!, repo.commits[1]!);
    assert.ok(ran().includes('fsmonitor.ran') && ran().includes('textconv.ran'), ran().join(','));
  } finally {
    repo.remove();
    fs.rmSync(marks, { recursive: true, force: true });
  }
});

g('commandKeys picks the keys that name commands from a config listing', () => {
  const listing = ['core.bare', 'filter.lfs.clean', 'filter.lfs.process', 'diff.pdf.textconv', 'user.name', 'merge.ours.driver', 'alias.st', 'remote.origin.url', 'remote.origin.uploadpack', ''].join('\0');
  assert.equal(commandKeys(listing), ['alias.st', 'diff.pdf.textconv', 'filter.lfs.clean', 'filter.lfs.process', 'merge.ours.driver', 'remote.origin.uploadpack']);
});

c.run();
d.run();
g.run();
