#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasHugePages, withHugePages } from '../dist/kernel/allocator.js';

// glibc reads its tunables at process start: start once more with huge pages for big tables
// (see kernel/allocator.ts; RUNBOOK_HUGEPAGES=0 skips this).
if (process.platform === 'linux' && !hasHugePages(process.env)) {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: withHugePages(process.env) });
  if (r.error) {
    process.stderr.write(`runbook: ${r.error.message}\n`);
    process.exit(70);
  }
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 70);
}

const { main } = await import('../dist/src/cli.js');
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`runbook: ${err?.stack ?? err}\n`); process.exitCode = 70; },
);
