/** Small helpers the format modules' `sniff` functions share. */
import type { SniffInput } from './types.js';

/** Share of the input's lines (comments `#` left out unless `withComments`) that match `re`. */
export function share(input: SniffInput, re: RegExp, withComments = false): number {
  const lines = withComments ? input.lines : input.lines.filter((l) => !l.startsWith('#'));
  // the last line of a 64 KiB head may be cut off: do not count it against the format
  const n = lines.length > 1 && !input.text.endsWith('\n') ? lines.length - 1 : lines.length;
  if (n === 0) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) if (re.test(lines[i] as string)) m++;
  return m / n;
}

/**
 * Confidence for a line format from the share of lines it matches: none -> 0; some -> at least
 * 0.5 (logs often start with other lines: a rotated file's tail, error lines) up to `top`.
 */
export const byShare = (s: number, top: number): number => (s === 0 ? 0 : 0.5 + (top - 0.5) * s);

/** Share of the JSON objects seen that satisfy `test`. */
export function jsonShare(input: SniffInput, test: (o: Record<string, unknown>) => boolean): number {
  if (input.json.length === 0) return 0;
  return input.json.filter(test).length / input.json.length;
}

/** Does the object have all of these keys (own)? */
export const hasKeys = (o: Record<string, unknown>, ...keys: string[]): boolean => keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);

/** Is this (the start of) a pcap or pcapng file? */
export const isPcap = (b: Uint8Array): boolean =>
  b.length >= 4 && PCAP_MAGICS.has(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
