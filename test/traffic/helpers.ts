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

/**
 * A value with its null-prototype maps (header and cookie maps: their names are attacker data)
 * as ordinary objects, so `assert.equal` can compare them with object literals.
 */
export function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) return v.map(plain);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: plain((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Rows as plain objects (Float64Array values read back as numbers; maps as ordinary objects). */
export function rows(t: { objects(): object[] }): Record<string, unknown>[] {
  return t.objects().map((r) => plain(r) as Record<string, unknown>);
}
