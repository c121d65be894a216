/**
 * kill -9 of `runbook run` at different points of a run (kernel starting, cells running, near or
 * past the end: a run of the SYN-flood capture takes 3-5 s here): within 5 s no kernel of that run is left, and neither its connection file nor a temp
 * file (the runner's private TMPDIR stays empty; no hidden .tmp beside the output notebook).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { corpus, ROOT } from '../helpers/paths.js';

const CAPTURE = corpus('stopddos-packet-captures/pkt.TCP.synflood.spoofed.pcap');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-runner-'));

/** Kernel processes started with this TMPDIR (their environment names it). */
function kernelsOf(tmpdir: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!cmd.includes('kernel/main.js')) continue;
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (/^\S+ \(.*\) Z/.test(stat)) continue; // a zombie has exited
      if (fs.readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`TMPDIR=${tmpdir}`)) out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

for (const delay of [400, 1200, 3000]) {
  test(`kill -9 of runbook run after ${delay} ms leaves no kernel, connection file or temp file within 5 s`, async () => {
    const dir = fs.mkdtempSync(path.join(root, `d${delay}-`));
    const tmpdir = path.join(dir, 'tmp');
    const outDir = path.join(dir, 'out');
    fs.mkdirSync(tmpdir);
    fs.mkdirSync(outDir);
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'run', 'l34-ddos-pcap', '-p', `capture=${CAPTURE}`, '-o', path.join(outDir, 'run.ipynb')], { stdio: 'ignore', env: { ...process.env, TMPDIR: tmpdir } });
    await new Promise((r) => setTimeout(r, delay));
    const before = kernelsOf(tmpdir);
    // past the kernel's start the run has a kernel to leave behind (otherwise this proves nothing)
    if (delay === 1200) assert.ok(before.length > 0, 'a kernel was running when the runner was killed');
    child.kill('SIGKILL');
    const t0 = Date.now();
    // Wait for both: a kernel caught between fork and exec shows the runner's command line, so
    // "no kernel seen" alone can end the wait while that kernel is still booting (it removes the
    // connection file once its sentinel runs, well within the 5 s).
    const settled = () => !kernelsOf(tmpdir).length && !fs.readdirSync(tmpdir).length;
    while (!settled() && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    const took = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 300)); // and nothing comes back afterwards
    const left = kernelsOf(tmpdir);
    for (const pid of left) process.kill(pid, 'SIGKILL'); // leave nothing behind whatever the verdict
    assert.equal(left, [], `kernels left after ${took} ms (had ${before.length} running)`);
    assert.equal(fs.readdirSync(tmpdir), [], 'files left in the runner\'s temp dir');
    assert.ok(took < 5000, `${took} ms`);
    assert.equal(fs.readdirSync(outDir).filter((f) => f.startsWith('.') || f.includes('.tmp')), [], 'temp files beside the output');
  });
}

test('a kernel that outlives a killed runner removes the runner\'s half-written save, and only that', async () => {
  // kill -9 between a save's open and its rename leaves the temp file: made here by hand, so the
  // test does not depend on hitting that window
  const dir = fs.mkdtempSync(path.join(root, 'orphan-'));
  const tmpdir = path.join(dir, 'tmp');
  const outDir = path.join(dir, 'out');
  fs.mkdirSync(tmpdir);
  fs.mkdirSync(outDir);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'run', 'l34-ddos-pcap', '-p', `capture=${CAPTURE}`, '-o', path.join(outDir, 'run.ipynb')], { stdio: 'ignore', env: { ...process.env, TMPDIR: tmpdir } });
  const t0 = Date.now();
  while (!kernelsOf(tmpdir).length && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
  assert.ok(kernelsOf(tmpdir).length > 0, 'the kernel started');
  const mine = path.join(outDir, `.run.ipynb.${child.pid}.deadbeef.tmp`);
  const other = path.join(outDir, `.run.ipynb.${(child.pid ?? 0) + 1}.deadbeef.tmp`);
  fs.writeFileSync(mine, '{"cells": [');
  fs.writeFileSync(other, 'another writer');
  child.kill('SIGKILL');
  const t1 = Date.now();
  while (kernelsOf(tmpdir).length && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 100));
  for (const pid of kernelsOf(tmpdir)) process.kill(pid, 'SIGKILL');
  assert.not.ok(fs.existsSync(mine), 'the killed runner\'s temp file is gone');
  assert.ok(fs.existsSync(other), 'another process\'s temp file is left alone');
});

test.after(() => fs.rmSync(root, { recursive: true, force: true }));
test.run();
