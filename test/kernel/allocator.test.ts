import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hasHugePages, withHugePages } from '../../kernel/allocator.js';
import { KernelClient } from '../../kernel/client.js';
import { ROOT } from '../helpers/paths.js';

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

test('the runbook command restarts itself with huge pages and passes output and exit codes through', () => {
  const env = { ...process.env, GLIBC_TUNABLES: undefined, RUNBOOK_HUGEPAGES: undefined } as NodeJS.ProcessEnv;
  const ok = spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), '--version'], { encoding: 'utf8', env });
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^\d+\.\d+\.\d+/);
  const bad = spawnSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'no-such-command'], { encoding: 'utf8', env });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /no-such-command/);
});

test.run();
