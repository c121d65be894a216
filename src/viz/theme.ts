/**
 * One look for every chart: fonts, sizes and, above all, fixed colours. A label is the same colour
 * in every chart of a postmortem (good = blue, suspicious = amber, malicious = red), so a reader
 * learns the legend once. Specs embed `CONFIG`, so JupyterLab's live rendering and the static SVG
 * look alike.
 */
import type { Config } from 'vega-lite';

import { LABELS, type Label } from '../catalog.js';

export { LABELS, type Label };

export const LABEL_COLORS: Readonly<Record<Label, string>> = {
  good: '#4c78a8',
  suspicious: '#f2a72b',
  malicious: '#d62728',
};

/** Shown for values that are not one of the three labels (missing, unscored). */
export const UNKNOWN_COLOR = '#bab0ac';
export const UNKNOWN_LABEL = 'unscored';

/** HTTP status classes: success green, redirects grey, client errors amber, server errors red. */
export const STATUS_CLASS_COLORS: Readonly<Record<string, string>> = {
  '1xx': '#9ecae9',
  '2xx': '#54a24b',
  '3xx': '#79706e',
  '4xx': '#f2a72b',
  '5xx': '#d62728',
  other: UNKNOWN_COLOR,
};

export const PROTO_COLORS: Readonly<Record<string, string>> = {
  TCP: '#4c78a8',
  UDP: '#f58518',
  ICMP: '#54a24b',
  ICMPv6: '#88d27a',
  GRE: '#b279a2',
  ESP: '#9d755d',
  other: UNKNOWN_COLOR,
};

/** Sequential palette for counts in heatmaps. */
export const HEAT_SCHEME = 'orangered';

export const WIDTH = 640;
export const HEIGHT = 260;
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export const CONFIG: Config = {
  background: 'white',
  font: FONT,
  padding: 8,
  view: { stroke: null },
  title: { fontSize: 15, fontWeight: 'bold', anchor: 'start', subtitleFontSize: 12, subtitleColor: '#555555', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6', labelLimit: 260 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', orient: 'right' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  bar: { discreteBandSize: { band: 0.85 } },
};

/** A colour scale pinned to the three labels (plus `unscored` when present). */
export function labelScale(withUnknown = false): { domain: string[]; range: string[] } {
  const domain: string[] = [...LABELS];
  const range: string[] = LABELS.map((l) => LABEL_COLORS[l]);
  if (withUnknown) {
    domain.push(UNKNOWN_LABEL);
    range.push(UNKNOWN_COLOR);
  }
  return { domain, range };
}

/** A colour scale for a fixed palette restricted to the keys that occur (keeps legends short). */
export function fixedScale(palette: Readonly<Record<string, string>>, present: Iterable<string>): { domain: string[]; range: string[] } {
  const seen = new Set(present);
  const domain = Object.keys(palette).filter((k) => seen.has(k));
  for (const k of seen) if (!domain.includes(k)) domain.push(k);
  return { domain, range: domain.map((k) => palette[k] ?? UNKNOWN_COLOR) };
}

const TABLEAU10 = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

/**
 * Colours for a categorical domain (clusters, ports, codes): tableau10 for real categories, grey
 * for the catch-alls ("other", "unclustered"), so a remainder never looks like one more attack.
 */
export function categoryRange(domain: readonly string[]): string[] {
  let i = 0;
  return domain.map((d) => (d === 'unclustered' ? '#d9d9d9' : d === 'other' ? UNKNOWN_COLOR : (TABLEAU10[i++ % TABLEAU10.length] as string)));
}
