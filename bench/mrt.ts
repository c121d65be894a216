/**
 * MRT benchmark, same run, same file: `runbook mrt FILE` (this project's CLI, a fresh Node
 * process each time) vs Debian `bgpdump -m FILE`, both writing their `-m` lines to a pipe this
 * process reads and hashes (so both outputs are checked equal). Runs alternate, R rounds
 * (default 5); the median wall time of each and their ratio are printed. Also the in-process
 * decode time (no process start).
 *
 *   node dist/bench/mrt.js                       # bview.20020722.2337.gz (1.2 MB, 115,521 routes)
 *   BENCH_MRT=/path/to/updates.bz2 BENCH_ROUNDS=9 node dist/bench/mrt.js
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bgpdumpStream, readMrtBytes } from '../src/routing/index.js';
import { machineLine } from './contenders.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const file = process.env['BENCH_MRT'] ?? path.resolve(ROOT, '../shared/corpus/ripe-bgpdump-mrt/test_data/bview.20020722.2337.gz');
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);

interface Run {
  seconds: number;
  sha: string;
  lines: number;
}

function timed(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const h = crypto.createHash('sha256');
    let lines = 0;
    p.stdout.on('data', (d: Buffer) => {
      h.update(d);
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited with ${code}`));
      resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, sha: h.digest('hex'), lines });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(`file: ${file}, ${rounds} alternating rounds`);
  const ours: Run[] = [];
  const peer: Run[] = [];
  for (let i = 0; i < rounds; i++) {
    peer.push(await timed('bgpdump', ['-m', file]));
    ours.push(await timed(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'mrt', file]));
  }
  const same = ours.every((r) => r.sha === peer[0]?.sha);
  const t0 = performance.now();
  const bytes = await readMrtBytes(file);
  let chars = 0;
  const rep = bgpdumpStream(bytes, (s) => void (chars += s.length));
  const inProc = (performance.now() - t0) / 1000;
  const o = median(ours.map((r) => r.seconds));
  const b = median(peer.map((r) => r.seconds));
  console.log(`bgpdump -m         median ${b.toFixed(3)} s  (${peer.map((r) => r.seconds.toFixed(3)).join(' ')})  ${peer[0]?.lines} lines`);
  console.log(`runbook mrt        median ${o.toFixed(3)} s  (${ours.map((r) => r.seconds.toFixed(3)).join(' ')})  ${ours[0]?.lines} lines`);
  console.log(`in-process decode+format ${inProc.toFixed(3)} s  (${rep.routes} routes, ${chars} chars)`);
  console.log(`output identical to bgpdump: ${same ? 'yes' : 'NO'}`);
  console.log(`ratio runbook mrt / bgpdump = ${(o / b).toFixed(2)} (below 1 = faster than bgpdump)`);
}

await main();
