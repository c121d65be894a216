/**
 * The loader registry: every module in ./formats/ is a format (`{ format, summary, sniff, load }`,
 * see types.ts). They are found by listing the folder, so adding a format is one file (plus its
 * test and a README line): detection, `loadTraffic`, the `--format` values of the CLI and the
 * messages that list formats all read this registry.
 */
import fs from 'node:fs';
import type { FormatModule, TrafficFormat } from './types.js';

const DIR = new URL('./formats/', import.meta.url);

async function discover(): Promise<FormatModule[]> {
  // .js in the build, .ts under a TypeScript loader (npm run test:fast); never declarations or maps
  const files = fs
    .readdirSync(DIR)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
  const mods: FormatModule[] = [];
  for (const f of files) {
    const m = (await import(new URL(f, DIR).href)) as { default?: FormatModule };
    const mod = m.default;
    if (!mod || typeof mod.format !== 'string' || typeof mod.sniff !== 'function' || typeof mod.load !== 'function') {
      throw new Error(`src/traffic/formats/${f} must export default a FormatModule { format, summary, sniff, load }`);
    }
    mods.push(mod);
  }
  return mods;
}

/** The formats, in name order. */
export const FORMATS: readonly FormatModule[] = Object.freeze(await discover());

const BY_NAME = new Map<string, FormatModule>(FORMATS.map((m) => [m.format, m]));

/** The registered format names (what `--format` accepts besides `auto`). */
export const formatNames = (): TrafficFormat[] => FORMATS.map((m) => m.format);

/** The module of a format name, or undefined. */
export const formatModule = (name: string): FormatModule | undefined => BY_NAME.get(name);
