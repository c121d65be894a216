import zlib from 'node:zlib';
import { TrafficError } from './errors.js';
import { MSG } from './messages.js';
import { FORMATS, formatNames } from './registry.js';
import { isGzip } from './source.js';
import type { FormatModule, SniffInput, TrafficFormat } from './types.js';

export { isPcap } from './sniff.js';

/** Below this confidence no format is taken: the source is reported as unknown. */
export const MIN_CONFIDENCE = 0.4;

/** What every format's sniff sees: the head as bytes, text, non-blank lines and parsed JSON objects. */
export function sniffInput(head: Buffer, name?: string): SniffInput {
  if (isGzip(head)) {
    try {
      head = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      /* a damaged head: sniff what there is */
    }
  }
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines: string[] = [];
  for (const l of text.split('\n')) {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (t.trim() !== '') lines.push(t);
    if (lines.length >= 64) break;
  }
  const json: Record<string, unknown>[] = [];
  for (const l of lines) {
    if (!l.trimStart().startsWith('{')) {
      if (json.length === 0) break;
      continue;
    }
    try {
      const o: unknown = JSON.parse(l);
      if (o !== null && typeof o === 'object' && !Array.isArray(o)) json.push(o as Record<string, unknown>);
    } catch {
      /* a cut-off last line, or not JSON */
    }
    if (json.length >= 16) break;
  }
  return { head, text, lines, json, name: (name ?? '').toLowerCase().replace(/\.gz$/, '') };
}

/** Every format's confidence for this input, best first. */
export function rankFormats(input: SniffInput): { module: FormatModule; confidence: number }[] {
  return FORMATS.map((module) => {
    let confidence = 0;
    try {
      confidence = module.sniff(input);
    } catch {
      confidence = 0; // a sniffer must not be able to break detection
    }
    return { module, confidence };
  })
    .filter((r) => r.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence || (a.module.rank ?? 100) - (b.module.rank ?? 100));
}

/** Top-level keys of the JSON objects seen, in first-seen order. */
function jsonKeys(input: SniffInput): string[] {
  const seen = new Set<string>();
  for (const o of input.json) for (const k of Object.keys(o)) seen.add(k);
  return [...seen];
}

/** Formats whose typical JSON keys share names with these keys, most shared first. */
export function resembles(keys: readonly string[]): string[] {
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  return FORMATS.map((m) => {
    const shared = (m.jsonKeys ?? []).filter((k) => lower.has(k.toLowerCase()));
    return { m, shared };
  })
    .filter((x) => x.shared.length > 0)
    .sort((a, b) => b.shared.length - a.shared.length)
    .map((x) => `${x.m.format} (shares ${x.shared.slice(0, 4).join(', ')}${x.shared.length > 4 ? ', ...' : ''})`);
}

/**
 * Tells the traffic format from the first bytes (gzip is looked through) and, as a hint, the
 * file name: every registered format rates the input and the most confident wins. Throws a
 * TrafficError when nothing is confident enough; for a JSON log it lists the top-level keys and
 * the formats they resemble (a JSON log is never taken for Logpush just because it is JSON).
 */
export function detectFormat(head: Buffer, name?: string): TrafficFormat {
  const input = sniffInput(head, name);
  const best = rankFormats(input)[0];
  if (best && best.confidence >= MIN_CONFIDENCE) return best.module.format;
  const src = name ?? '<buffer>';
  if (input.json.length > 0) {
    const keys = jsonKeys(input);
    throw new TrafficError(MSG.unknownJson(src, keys, resembles(keys)), src);
  }
  throw new TrafficError(MSG.unknownFormat(src, formatNames()), src);
}
