/**
 * Throwaway git repositories for tests, made with the real git CLI.
 *
 *   const repo = makeGitRepo();   // two commits: "add rules" (rules.txt v1), "tighten rules" (v2 + README)
 *   repo.dir, repo.commits        // [first, second] full hashes, oldest first
 *   repo.write('x.txt', 'data')   // leave the tree dirty
 *   repo.remove()
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sh } from './ports.js';

export interface GitRepo {
  dir: string;
  commits: string[];
  write(file: string, content: string): void;
  commit(message: string): string;
  remove(): void;
}

export function makeGitRepo(): GitRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-git-'));
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Test Author', GIT_AUTHOR_EMAIL: 'author@example.test', GIT_COMMITTER_NAME: 'Test Author', GIT_COMMITTER_EMAIL: 'author@example.test', GIT_AUTHOR_DATE: '2026-11-01T10:00:00Z', GIT_COMMITTER_DATE: '2026-11-01T10:00:00Z' };
  const git = (...args: string[]) => sh('git', ['-C', dir, ...args], { env }).trim();
  git('init', '-q', '-b', 'main');
  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  };
  const commit = (msg: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', msg);
    return git('rev-parse', 'HEAD');
  };
  write('rules.txt', 'block ip.src in {192.0.2.1}\n');
  const first = commit('add rules');
  env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = '2026-11-02T10:00:00Z';
  write('rules.txt', 'block ip.src in {192.0.2.1 192.0.2.2}\nchallenge http.user_agent contains "curl"\n');
  write('README.md', '# rules\n');
  const second = commit('tighten rules');
  return { dir, commits: [first, second], write, commit, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
