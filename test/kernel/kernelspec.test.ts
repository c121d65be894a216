import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/paths.js';

const CLI = path.join(ROOT, 'bin/runbook.js');
const runbook = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });

test('kernel install --prefix writes the runbook kernelspec that jupyter kernelspec list finds', () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-spec-'));
  try {
    const r = runbook(['kernel', 'install', '--prefix', prefix]);
    assert.is(r.status, 0, r.stderr);
    const dir = path.join(prefix, 'share/jupyter/kernels/runbook');
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')) as { argv: string[]; display_name: string; language: string; interrupt_mode: string; env: Record<string, string> };
    assert.is(spec.display_name, 'TypeScript (runbook)');
    assert.equal(spec.env, { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }, 'the kernel starts with huge pages for big tables');
    assert.is(spec.language, 'typescript');
    assert.is(spec.interrupt_mode, 'signal');
    assert.is(spec.argv[0], process.execPath);
    assert.is(spec.argv[1], path.join(ROOT, 'dist/kernel/main.js'));
    assert.is(spec.argv[2], '{connection_file}');
    for (const logo of ['logo-32x32.png', 'logo-64x64.png']) {
      assert.equal([...fs.readFileSync(path.join(dir, logo)).subarray(1, 4)], [0x50, 0x4e, 0x47], `${logo} is a PNG`);
    }
    const listed = JSON.parse(execFileSync('jupyter', ['kernelspec', 'list', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: path.join(prefix, 'share/jupyter') },
      stdio: ['ignore', 'pipe', 'ignore'],
    })) as { kernelspecs: Record<string, { resource_dir: string }> };
    assert.is(listed.kernelspecs.runbook?.resource_dir, dir);
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});

test('kernel install without a flag installs into the user data dir, replacing an old spec', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-user-'));
  try {
    const env = { ...process.env, JUPYTER_DATA_DIR: data };
    fs.mkdirSync(path.join(data, 'kernels/runbook'), { recursive: true });
    fs.writeFileSync(path.join(data, 'kernels/runbook/stale.txt'), 'old');
    assert.is(runbook(['kernel', 'install'], env).status, 0);
    assert.ok(fs.existsSync(path.join(data, 'kernels/runbook/kernel.json')));
    assert.not.ok(fs.existsSync(path.join(data, 'kernels/runbook/stale.txt')));
    assert.equal(fs.readdirSync(path.join(data, 'kernels')), ['runbook']);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});

test('conflicting location flags and unknown sub-commands are usage errors', () => {
  const both = runbook(['kernel', 'install', '--user', '--prefix', '/tmp/x']);
  assert.is(both.status, 2);
  assert.match(both.stderr, /choose one of/);
  const sub = runbook(['kernel', 'uninstall']);
  assert.is(sub.status, 2);
  assert.match(sub.stderr, /kernel install/);
});

test.run();
