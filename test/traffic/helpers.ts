/** Small helpers for traffic tests: temp files that clean up after themselves. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDir(): { dir: string; file: (name: string, data: string | Buffer) => string; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-traffic-'));
  return {
    dir,
    file: (name, data) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, data);
      return p;
    },
    done: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Rows as plain objects (Float64Array values read back as numbers). */
export function rows(t: { objects(): object[] }): Record<string, unknown>[] {
  return t.objects() as Record<string, unknown>[];
}
