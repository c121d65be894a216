/** git steps against repositories made in the test. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitDiff, gitLog, gitShow, gitStatus, parseGitLog, parsePorcelain } from '../../src/steps/index.js';
import { toDisplayData } from '../../src/display.js';
import { makeGitRepo, type GitRepo } from '../helpers/services/git-repo.js';

let repo: GitRepo;
test.before(() => {
  repo = makeGitRepo();
});
test.after(() => repo?.remove());

test('gitStatus reports the current commit, branch and a clean tree', async () => {
  const r = await gitStatus({ repo: repo.dir });
  assert.is(r.kind, 'git-status');
  assert.ok(r.ok);
  assert.is(r.data!.commit, repo.commits[1]);
  assert.is(r.data!.branch, 'main');
  assert.is(r.data!.dirty, false);
});

test('gitStatus sees modified and untracked files as dirty', async () => {
  repo.write('rules.txt', 'changed\n');
  repo.write('new file.txt', 'x');
  const r = await gitStatus({ repo: repo.dir });
  assert.is(r.data!.dirty, true);
  assert.equal(r.data!.changes, [
    { status: ' M', path: 'rules.txt' },
    { status: '??', path: 'new file.txt' },
  ]);
  repo.commit('third');
});

test('gitLog lists the commits touching a path, newest first', async () => {
  const r = await gitLog({ repo: repo.dir, path: 'README.md' });
  assert.ok(r.ok);
  assert.equal(r.data!.commits.map((c) => c.subject), ['tighten rules']);
  assert.is(r.data!.commits[0]!.commit, repo.commits[1]);
  assert.is(r.data!.commits[0]!.author, 'Test Author');
  assert.is(r.data!.commits[0]!.date, '2026-11-02T10:00:00+00:00');
  const all = await gitLog({ repo: repo.dir });
  assert.is(all.data!.commits.length, 3);
});

test('gitDiff lists changed files with line counts and the patch', async () => {
  const [a, b] = repo.commits as [string, string];
  const r = await gitDiff(a, b, { repo: repo.dir });
  assert.ok(r.ok);
  assert.equal(r.data!.files, [
    { path: 'README.md', added: 1, deleted: 0 },
    { path: 'rules.txt', added: 2, deleted: 1 },
  ]);
  assert.match(r.data!.patch, /\+challenge http\.user_agent contains "curl"/);
  const only = await gitDiff(a, b, { repo: repo.dir, path: 'README.md' });
  assert.is(only.data!.files.length, 1);
});

test('gitShow returns a file at a revision', async () => {
  const r = await gitShow(repo.commits[0]!, 'rules.txt', { repo: repo.dir });
  assert.ok(r.ok);
  assert.is(r.data!.content, 'block ip.src in {192.0.2.1}\n');
  assert.match(toDisplayData(r).data['text/html'] as string, /192\.0\.2\.1/);
});

test('an unknown revision or a directory that is not a repo is a failed result, not an exception', async () => {
  const r = await gitShow('deadbeef', 'rules.txt', { repo: repo.dir });
  assert.not.ok(r.ok);
  assert.is(r.error!.code, 'git-failed');
  assert.is.not(r.transcript[0]!.exitCode, 0);
  const s = await gitStatus({ repo: '/proc' });
  assert.not.ok(s.ok);
});

test('parsers read porcelain -z and tab-separated log lines', () => {
  assert.equal(parsePorcelain('R  new.txt\0old.txt\0 M a b.txt\0'), [
    { status: 'R ', path: 'new.txt' },
    { status: ' M', path: 'a b.txt' },
  ]);
  assert.equal(parseGitLog('abc\tA U\ta@x\t2026-01-01T00:00:00Z\tsubject\twith tab\n'), [{ commit: 'abc', author: 'A U', email: 'a@x', date: '2026-01-01T00:00:00Z', subject: 'subject\twith tab' }]);
});

test.run();
