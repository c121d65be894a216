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

test('kernel install --name --display-name records the install; list and doctor report every netrunbook spec and whether it resolves', () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-spec-kernel-'));
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-data-kernel-'));
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, 'share/jupyter'), JUPYTER_DATA_DIR: data };
  try {
    const r = runbook(['kernel', 'install', '--prefix', prefix, '--name', 'runbook-dev', '--display-name', 'TypeScript (runbook dev)'], env);
    assert.is(r.status, 0, r.stderr);
    const kernels = path.join(prefix, 'share/jupyter/kernels');
    const spec = JSON.parse(fs.readFileSync(path.join(kernels, 'runbook-dev/kernel.json'), 'utf8')) as { display_name: string; metadata: { netrunbook: { root: string; version: string } } };
    assert.is(spec.display_name, 'TypeScript (runbook dev)');
    assert.is(spec.metadata.netrunbook.root, ROOT);
    // A spec of the same name from another clone is replaced with a note naming that clone.
    const other = path.join(kernels, 'runbook');
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'kernel.json'), JSON.stringify({ argv: [process.execPath, '/nonexistent/clone/dist/kernel/main.js', '{connection_file}'], display_name: 'old', language: 'typescript' }));
    const doctorBefore = runbook(['kernel', 'doctor'], env);
    assert.is(doctorBefore.status, 1, doctorBefore.stdout);
    assert.match(doctorBefore.stdout, /^runbook	"old"	\/nonexistent\/clone .*BROKEN: the kernel \(\/nonexistent\/clone\/dist\/kernel\/main\.js\) does not exist/m);
    assert.match(doctorBefore.stdout, /^runbook-dev	"TypeScript \(runbook dev\)"	.* \(this install\) .*	ok$/m);
    const again = runbook(['kernel', 'install', '--prefix', prefix], env);
    assert.is(again.status, 0);
    assert.match(again.stderr, /replaced "runbook", which ran \/nonexistent\/clone; install with --name to keep both/);
    const list = runbook(['kernel', 'list'], env);
    assert.is(list.status, 0);
    assert.equal(list.stdout.split('\n').filter((l) => /^runbook/.test(l)).map((l) => l.split('\t')[0]).sort(), ['runbook', 'runbook-dev']);
    assert.is(runbook(['kernel', 'doctor'], env).status, 0);
    assert.is(runbook(['kernel', 'install', '--prefix', prefix, '--name', 'bad name'], env).status, 2);
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.rmSync(data, { recursive: true, force: true });
  }
});

test('conflicting location flags and unknown sub-commands are usage errors', () => {
  const both = runbook(['kernel', 'install', '--user', '--prefix', '/tmp/x']);
  assert.is(both.status, 2);
  assert.match(both.stderr, /choose one of/);
  const sub = runbook(['kernel', 'uninstall']);
  assert.is(sub.status, 2);
  assert.match(sub.stderr, /kernel install", "kernel list" or "kernel doctor"/);
});

test.run();
