/** Test helpers for viz: an independent vega-lite compile check and an SVG reader. */
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

type Logger = NonNullable<NonNullable<Parameters<typeof compile>[1]>['logger']>;

/** Compile with vega-lite 5 and return every warning its logger received. */
export function compileWarnings(spec: TopLevelSpec): string[] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    warn: (...a: unknown[]) => (warnings.push(a.map(String).join(' ')), logger),
    info: () => logger,
    debug: () => logger,
    error: (...a: unknown[]) => {
      throw new Error(a.map(String).join(' '));
    },
  };
  compile(spec, { logger: logger as unknown as Logger });
  return warnings;
}

export interface SvgItem {
  tag: string;
  /** aria-roledescription: 'bar', 'rect'?, 'point', 'tick', 'rule mark', 'text mark' ... */
  role: string;
  fill: string | undefined;
  label: string;
  text: string;
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Every mark item (role="graphics-symbol" inside a mark container) in a vega SVG. */
export function items(svg: string, role?: string): SvgItem[] {
  const out: SvgItem[] = [];
  const re = /<(path|text|line|circle|rect|g)\b([^>]*?)\srole="graphics-symbol"([^>]*)>(?:([^<]*)<\/text>)?/g;
  for (const m of svg.matchAll(re)) {
    const attrs = `${m[2] ?? ''} ${m[3] ?? ''}`;
    const r = /aria-roledescription="([^"]*)"/.exec(attrs)?.[1] ?? '';
    if (['axis', 'legend', 'title', 'subtitle'].includes(r)) continue;
    if (role !== undefined && r !== role) continue;
    out.push({
      tag: m[1] ?? '',
      role: r,
      fill: /\sfill="([^"]*)"/.exec(` ${attrs}`)?.[1],
      label: unescape(/aria-label="([^"]*)"/.exec(attrs)?.[1] ?? ''),
      text: unescape(m[4] ?? ''),
    });
  }
  return out;
}

/** The text content of every <text> element (axis labels, titles, legends, text marks), unescaped. */
export function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1] ?? ''));
}

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** Names of every attribute of every element, read tag by tag (quoted values are skipped whole). */
export function attributeNames(svg: string): string[] {
  const names: string[] = [];
  for (const tag of svg.matchAll(/<[a-zA-Z][^\s>\/]*((?:\s+[^\s=>]+="[^"]*")*)\s*\/?>/g)) {
    for (const a of (tag[1] ?? '').matchAll(/\s+([^\s=>]+)="[^"]*"/g)) names.push(a[1] ?? '');
  }
  return names;
}
