/**
 * git as steps, for runbook provenance and "what changed?": the current commit and dirty state,
 * the log of a path, the diff between two revisions, a file at a revision. Machine formats only
 * (`--porcelain=v1 -z`, `--format=%H%x09...`, `--numstat`), C locale.
 */
import { message } from './messages.js';
import { err, makeResult, type Shown, type StepResult } from './result.js';
import { run, type Transcript } from './shell.js';
import * as v from './validate.js';

export interface GitStatusData {
  repo: string;
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  /** Porcelain status entries: two-letter XY code and path. */
  changes: { status: string; path: string }[];
}

export interface GitCommit {
  commit: string;
  author: string;
  email: string;
  /** ISO 8601 author date. */
  date: string;
  subject: string;
}

export interface GitLogData {
  repo: string;
  path: string | null;
  commits: GitCommit[];
}

export interface GitDiffData {
  repo: string;
  from: string;
  to: string;
  files: { path: string; added: number | null; deleted: number | null }[];
  /** Unified diff text (redacted). */
  patch: string;
}

export interface GitShowData {
  repo: string;
  revision: string;
  path: string;
  content: string;
}

export interface GitOptions {
  /** Repository directory (default: the current directory). */
  repo?: string;
  timeoutMs?: number;
}

function repoOf(o: GitOptions): string {
  return o.repo !== undefined ? v.filePath('repo', o.repo) : process.cwd();
}

/**
 * Configuration that makes git run a command, overridden on every call: a repository under
 * investigation is untrusted, and `git status` would otherwise run its `core.fsmonitor` command,
 * its clean filters, its textconv drivers and so on.
 */
export const GIT_SAFE_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.editor=false',
  'core.askPass=',
  'core.sshCommand=false',
  'core.gitProxy=',
  'core.alternateRefsCommand=',
  'diff.external=',
  'protocol.allow=never',
  'protocol.file.allow=never',
  'protocol.ext.allow=never',
  'credential.helper=',
  'uploadpack.packObjectsHook=',
  'core.untrackedCache=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

/** Config keys, set in the repository itself, that name a command git would run (the core.* ones are in GIT_SAFE_CONFIG). */
const COMMAND_KEY = /^(?:filter\.[^\n]+\.(?:clean|smudge|process)|diff\.[^\n]+\.(?:textconv|command)|merge\.[^\n]+\.driver|alias\.[^\n]+|credential\.[^\n]*helper|sequence\.editor|gpg\.[^\n]*program|remote\.[^\n]+\.(?:uploadpack|receivepack|vcs))$/i;

/** Names of command-running keys in `git config --list --name-only -z` output. Pure. */
export function commandKeys(listing: string): string[] {
  return [...new Set(listing.split('\0').map((k) => k.trim()).filter((k) => k && COMMAND_KEY.test(k)))].sort();
}

const SAFE_ENV: Record<string, string> = {
  GIT_PAGER: 'cat',
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_ASKPASS: 'false',
  SSH_ASKPASS: 'false',
  GIT_EXTERNAL_DIFF: '',
  GIT_SSH_COMMAND: 'false',
  GIT_EDITOR: 'false',
  GIT_PROTOCOL_FROM_USER: '0',
};

async function git(repo: string, args: string[], o: GitOptions): Promise<Transcript> {
  const base = ['-C', repo, '-c', 'core.quotepath=off', ...GIT_SAFE_CONFIG.flatMap((c) => ['-c', c])];
  const runOpts = { timeoutMs: o.timeoutMs ?? 30_000, env: SAFE_ENV };
  // `git config` only reads files (no fsmonitor, no filters): list every key the repository sets,
  // included files too, and blank each one that would run a command. Asked on every call, since a
  // repository's config can change between two steps.
  const listing = await run(['git', ...base, 'config', '--includes', '--list', '--name-only', '-z'], runOpts);
  const blank = commandKeys(listing.stdout).flatMap((k) => ['-c', `${k}=`]);
  // -C keeps the repo explicit in the transcript; the env stops git from paging or prompting.
  return run(['git', ...base, ...blank, ...args], runOpts);
}

const fail = (t: Transcript) => err(t.timedOut ? 'timeout' : 'git-failed', t.timedOut ? message.timedOut('git', 30_000) : message.gitFailed(t.exitCode, t.stderr));

/** Parse `git status --porcelain=v1 -z` output. Pure. */
export function parsePorcelain(out: string): { status: string; path: string }[] {
  const parts = out.split('\0').filter(Boolean);
  const res: { status: string; path: string }[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    const status = p.slice(0, 2);
    res.push({ status, path: p.slice(3) });
    if (status[0] === 'R' || status[0] === 'C') i++; // the rename source follows
  }
  return res;
}

/** Parse `git log --format=%H%x09%an%x09%ae%x09%aI%x09%s`. Pure. */
export function parseGitLog(out: string): GitCommit[] {
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [commit = '', author = '', email = '', date = '', ...rest] = l.split('\t');
      return { commit, author, email, date, subject: rest.join('\t') };
    });
}

/** The current commit, branch and dirty state of a repository. */
export async function gitStatus(opts: GitOptions = {}): Promise<StepResult<GitStatusData>> {
  const repo = repoOf(opts);
  const head = await git(repo, ['rev-parse', '--verify', '-q', 'HEAD'], opts);
  const branch = await git(repo, ['symbolic-ref', '-q', '--short', 'HEAD'], opts);
  const st = await git(repo, ['status', '--porcelain=v1', '-z', '--untracked-files=normal'], opts);
  const transcript = [head, branch, st];
  if (st.exitCode !== 0) return makeResult('git-status', { ok: false, error: fail(st), transcript }, showStatus);
  const changes = parsePorcelain(st.stdout);
  const data: GitStatusData = { repo, commit: head.exitCode === 0 ? head.stdout.trim() : null, branch: branch.exitCode === 0 ? branch.stdout.trim() : null, dirty: changes.length > 0, changes };
  return makeResult('git-status', { ok: true, data, transcript }, showStatus);
}

function showStatus(r: StepResult<GitStatusData>): Shown {
  const d = r.data;
  return {
    title: `git status ${d?.repo ?? ''}`,
    summary: d ? [['commit', d.commit ?? '(no commits)'], ['branch', d.branch ?? '(detached)'], ['dirty', d.dirty]] : [],
    tables: d ? [{ columns: ['status', 'path'], rows: d.changes.map((c) => [c.status, c.path]) }] : [],
  };
}

/** Commits touching a path (or all), newest first. */
export async function gitLog(opts: GitOptions & { path?: string; revision?: string; maxCount?: number } = {}): Promise<StepResult<GitLogData>> {
  const repo = repoOf(opts);
  const p = opts.path !== undefined ? v.repoPath('path', opts.path) : null;
  const rev = opts.revision !== undefined ? v.revision('revision', opts.revision) : 'HEAD';
  const n = v.integer('maxCount', opts.maxCount ?? 50, 1, 100_000);
  const t = await git(repo, ['log', `--max-count=${n}`, '--format=%H%x09%an%x09%ae%x09%aI%x09%s', rev, '--', ...(p ? [p] : [])], opts);
  if (t.exitCode !== 0) return makeResult('git-log', { ok: false, error: fail(t), transcript: [t] }, showLog);
  return makeResult('git-log', { ok: true, data: { repo, path: p, commits: parseGitLog(t.stdout) }, transcript: [t] }, showLog);
}

function showLog(r: StepResult<GitLogData>): Shown {
  const d = r.data;
  return {
    title: `git log${d?.path ? ` ${d.path}` : ''}: ${d?.commits.length ?? 0} commits`,
    summary: [],
    tables: d ? [{ columns: ['commit', 'date', 'author', 'subject'], rows: d.commits.map((c) => [c.commit.slice(0, 12), c.date, c.author, c.subject]) }] : [],
  };
}

/** Files changed and the patch between two revisions (optionally limited to a path). */
export async function gitDiff(from: string, to: string, opts: GitOptions & { path?: string } = {}): Promise<StepResult<GitDiffData>> {
  const repo = repoOf(opts);
  const a = v.revision('from', from);
  const b = v.revision('to', to);
  const p = opts.path !== undefined ? v.repoPath('path', opts.path) : null;
  const tail = ['--', ...(p ? [p] : [])];
  const ns = await git(repo, ['diff', '--numstat', '-z', '--no-ext-diff', '--no-textconv', a, b, ...tail], opts);
  const patch = ns.exitCode === 0 ? await git(repo, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', a, b, ...tail], opts) : null;
  const transcript = patch ? [ns, patch] : [ns];
  if (ns.exitCode !== 0 || !patch || patch.exitCode !== 0) return makeResult('git-diff', { ok: false, error: fail(patch && ns.exitCode === 0 ? patch : ns), transcript }, showDiff);
  const files: GitDiffData['files'] = [];
  const parts = ns.stdout.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const m = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(parts[i] as string);
    if (!m) continue;
    let path = m[3] as string;
    if (path === '') {
      path = parts[i + 2] ?? ''; // rename: "", from, to
      i += 2;
    }
    files.push({ path, added: m[1] === '-' ? null : Number(m[1]), deleted: m[2] === '-' ? null : Number(m[2]) });
  }
  return makeResult('git-diff', { ok: true, data: { repo, from: a, to: b, files, patch: patch.stdout }, transcript }, showDiff);
}

function showDiff(r: StepResult<GitDiffData>): Shown {
  const d = r.data;
  return {
    title: `git diff ${d?.from ?? ''}..${d?.to ?? ''}: ${d?.files.length ?? 0} files`,
    summary: [],
    tables: d ? [{ columns: ['path', 'added', 'deleted'], rows: d.files.map((f) => [f.path, f.added ?? 'binary', f.deleted ?? 'binary']) }] : [],
  };
}

/** A file's content at a revision. */
export async function gitShow(revision: string, path: string, opts: GitOptions = {}): Promise<StepResult<GitShowData>> {
  const repo = repoOf(opts);
  const rev = v.revision('revision', revision);
  const p = v.repoPath('path', path);
  const t = await git(repo, ['show', '--no-textconv', `${rev}:${p}`], opts);
  if (t.exitCode !== 0) return makeResult('git-show', { ok: false, error: fail(t), transcript: [t] }, showShow);
  return makeResult('git-show', { ok: true, data: { repo, revision: rev, path: p, content: t.stdout }, transcript: [t] }, showShow);
}

function showShow(r: StepResult<GitShowData>): Shown {
  const d = r.data;
  return { title: `git show ${d?.revision ?? ''}:${d?.path ?? ''}`, summary: d ? [['bytes', d.content.length]] : [], tables: d ? [{ columns: ['content'], rows: [[d.content.slice(0, 4000)]] }] : [] };
}
