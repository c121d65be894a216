/**
 * A rendered chart. Builders are async because vega's `View.toSVG()` is: the SVG is rendered
 * once, eagerly, when the chart is built, so the synchronous `Symbol.for('Jupyter.display')`
 * method can return the Vega-Lite spec (interactive in JupyterLab) AND the static SVG (what
 * GitHub, nbconvert and exported postmortems show) AND a text summary of the aggregated data.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { DISPLAY, textTable } from '../display.js';
import type { DisplayData, Displayable } from '../display.js';
import { renderSVG, svgToPNG } from './render.js';
import { VizInputError } from './errors.js';
import { MSG } from './messages.js';

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
export const SVG_MIME = 'image/svg+xml';

/** A row of the aggregated data a chart shows (what text/plain prints). */
export type Row = Record<string, unknown>;

export interface ChartInit {
  /** Headline for text/plain; defaults to the spec's title. */
  title?: string;
  /** The aggregated rows behind the chart, shown as a text table in text/plain. */
  rows?: readonly Row[];
}

function specTitle(spec: TopLevelSpec): string | undefined {
  const t = (spec as { title?: unknown }).title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && 'text' in t) {
    const text = (t as { text: unknown }).text;
    return Array.isArray(text) ? text.join(' ') : String(text);
  }
  return undefined;
}

export class Chart implements Displayable {
  readonly spec: TopLevelSpec;
  readonly title: string;
  readonly rows: readonly Row[];
  /** vega-lite / vega warnings raised while rendering (empty for every built-in builder). */
  readonly warnings: readonly string[];
  readonly svg: string;

  private constructor(spec: TopLevelSpec, svg: string, warnings: readonly string[], init: ChartInit) {
    this.spec = spec;
    this.svg = svg;
    this.warnings = warnings;
    this.title = init.title ?? specTitle(spec) ?? 'chart';
    this.rows = init.rows ?? [];
  }

  /** Render any Vega-Lite v5 spec into a Chart (the builders all end here). */
  static async render(spec: TopLevelSpec, init: ChartInit = {}): Promise<Chart> {
    const { svg, warnings } = await renderSVG(spec, init.title ?? specTitle(spec));
    return new Chart(spec, svg, warnings, init);
  }

  toSVG(): Promise<string> {
    return Promise.resolve(this.svg);
  }

  /** PNG bytes via resvg; `scale` 2 gives a crisp image on high-DPI screens. */
  toPNG(scale = 2): Promise<Uint8Array> {
    return svgToPNG(this.svg, scale);
  }

  /**
   * Write the chart as .svg, .png or .json (the Vega-Lite spec), chosen by extension. Atomic:
   * a temporary file beside the target is renamed over it, so a reader never sees half a file.
   * Returns the absolute path written.
   */
  async save(file: string): Promise<string> {
    const ext = path.extname(file).toLowerCase();
    let bytes: string | Uint8Array;
    if (ext === '.svg') bytes = this.svg;
    else if (ext === '.png') bytes = await this.toPNG();
    else if (ext === '.json') bytes = `${JSON.stringify(this.spec, null, 2)}\n`;
    else throw new VizInputError('Chart.save', MSG.saveExtension(file));
    const target = path.resolve(file);
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    try {
      await fs.writeFile(tmp, bytes);
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    return target;
  }

  /** The text/plain form: the title and the aggregated numbers behind the picture. */
  toString(): string {
    if (this.rows.length === 0) return `[chart] ${this.title}`;
    const columns = Object.keys(this.rows[0] ?? {});
    const rows = this.rows.map((r) => columns.map((c) => r[c]));
    return `[chart] ${this.title}\n${textTable(columns, rows, 15)}`;
  }

  toJSON(): TopLevelSpec {
    return this.spec;
  }

  [DISPLAY](): DisplayData {
    return {
      data: { [VEGALITE_MIME]: this.spec, [SVG_MIME]: this.svg, 'text/plain': this.toString() },
      // JupyterLab's vega extension draws to canvas unless told otherwise; SVG keeps text selectable.
      metadata: { [VEGALITE_MIME]: { embed_options: { renderer: 'svg' } } },
    };
  }
}
