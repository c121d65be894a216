/**
 * Vega-Lite -> Vega -> SVG, headless. The View uses renderer 'none' (no canvas, no DOM) and
 * `toSVG()` builds the SVG string from the scenegraph; vega escapes text and attribute values,
 * so attack strings (paths, user agents) arrive in the SVG as inert text.
 */
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';

type VlLogger = NonNullable<NonNullable<Parameters<typeof compile>[1]>['logger']>;

/** A vega/vega-lite logger that records warnings instead of printing them. */
export function captureLogger(warnings: string[]): VlLogger {
  let lvl = 2; // vega-util Warn
  const text = (args: readonly unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl as never;
      lvl = l;
      return logger as never;
    },
    error(...args: readonly unknown[]) {
      throw new Error(text(args));
    },
    warn(...args: readonly unknown[]) {
      warnings.push(text(args));
      return logger as never;
    },
    info() {
      return logger as never;
    },
    debug() {
      return logger as never;
    },
  };
  return logger as unknown as VlLogger;
}

export interface Rendered {
  svg: string;
  /** Warnings from vega-lite compilation and the vega runtime (empty for a clean chart). */
  warnings: string[];
}

/** Compile a Vega-Lite spec and render it to an SVG string. */
export async function renderSVG(spec: TopLevelSpec, title = 'chart'): Promise<Rendered> {
  const warnings: string[] = [];
  const logger = captureLogger(warnings);
  let view: View;
  try {
    view = new View(parse(compile(spec, { logger }).spec), { renderer: 'none', logger: logger as never });
  } catch (e) {
    throw new VizInputError(title, MSG.compileError(title, e instanceof Error ? e.message : String(e)));
  }
  try {
    return { svg: await view.toSVG(), warnings };
  } catch (e) {
    throw new VizInputError(title, MSG.compileError(title, e instanceof Error ? e.message : String(e)));
  } finally {
    view.finalize();
  }
}

interface ResvgModule {
  Resvg: new (svg: string, opts: Record<string, unknown>) => { render(): { asPng(): Uint8Array } };
}
let resvg: Promise<ResvgModule> | undefined;

/** SVG -> PNG with resvg (loaded on first use: a native module most cells never need). */
export async function svgToPNG(svg: string, scale = 2): Promise<Uint8Array> {
  resvg ??= import('@resvg/resvg-js') as unknown as Promise<ResvgModule>;
  const { Resvg } = await resvg;
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return new Uint8Array(r.render().asPng());
}
