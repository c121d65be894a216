/**
 * The generated Logpush file the scoring benchmarks share (bench/score.ts,
 * bench/behaviour-overhead.ts): N records of bench/synth.ts traffic (seed 42, attacks in the
 * middle 60%), written once to the temp directory and reused by later runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { synthesize } from './synth.js';

/** Path of the N-row file, written (atomically) when it does not exist yet. */
export function scoreBenchFile(n: number): string {
  const file = path.join(os.tmpdir(), `netrunbook-bench-${n}.ndjson`);
  if (fs.existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let buf: string[] = [];
  for (const r of synthesize({ seed: 42, durationSec: Math.ceil(n / 120), benignRps: 60, attackRps: 30, attackStart: 0.2, attackEnd: 0.8, limit: n })) {
    buf.push(JSON.stringify(r.record));
    if (buf.length === 10000) {
      fs.writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return file;
}
