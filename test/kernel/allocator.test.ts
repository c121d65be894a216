import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasHugePages, withHugePages } from '../../kernel/allocator.js';
import { KernelClient } from '../../kernel/client.js';
import { fixture, ROOT } from '../helpers/paths.js';

test('withHugePages adds the glibc tunable, keeps other tunables, and leaves a set or opted-out environment alone', () => {
  assert.is(withHugePages({ PATH: '/bin' })['GLIBC_TUNABLES'], 'glibc.malloc.hugetlb=1');
  assert.is(withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })['GLIBC_TUNABLES'], 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  const set = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' };
  assert.is(withHugePages(set), set, 'an explicit choice wins');
  const off = { RUNBOOK_HUGEPAGES: '0' };
  assert.is(withHugePages(off), off);
  assert.ok(hasHugePages(off));
  assert.not.ok(hasHugePages({}));
});

/** The environment of a running process, from /proc. */
const environOf = (pid: number): Record<string, string> =>
  Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

test('a kernel started by KernelClient runs with huge pages unless the caller opted out', async () => {
  for (const [env, want] of [
    [{ ...process.env, GLIBC_TUNABLES: undefined, RUNBOOK_HUGEPAGES: undefined }, 'glibc.malloc.hugetlb=1'],
    [{ ...process.env, GLIBC_TUNABLES: undefined, RUNBOOK_HUGEPAGES: '0' }, undefined],
  ] as const) {
    const kc = await KernelClient.start({ env: env as NodeJS.ProcessEnv });
    try {
      const pid = kc.pid;
      assert.ok(pid !== undefined && pid > 0);
      assert.is(environOf(pid as number)['GLIBC_TUNABLES'], want);
    } finally {
      await kc.shutdown();
    }
  }
});

test('the runbook command starts Node with huge pages in the same process, so Ctrl-C and exit codes are its own', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-alloc-'));
  try {
    const env = { ...process.env, GLIBC_TUNABLES: undefined, RUNBOOK_HUGEPAGES: undefined } as NodeJS.ProcessEnv;
    // run as the installed command runs it: the file itself, through its #! line
    const child = spawn(path.join(ROOT, 'bin/runbook.js'), ['run', fixture('notebook/slow-step.ipynb'), '-o', path.join(dir, 'out.ipynb')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('[4/5] waits')) resolve();
      });
    });
    const environ = environOf(child.pid as number);
    assert.is(environ['GLIBC_TUNABLES'], 'glibc.malloc.hugetlb=1');
    assert.match(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), /node/, 'the shell exec()ed Node: same pid');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.is(code, 130, stderr);
    const off = spawnSync(path.join(ROOT, 'bin/runbook.js'), ['no-such-command'], { encoding: 'utf8', env: { ...env, RUNBOOK_HUGEPAGES: '0' } });
    assert.is(off.status, 2);
    assert.match(off.stderr, /no-such-command/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
