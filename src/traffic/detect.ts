import zlib from 'node:zlib';
import { TrafficError } from './errors.js';
import type { TrafficFormat } from './fields.js';
import { MSG } from './messages.js';
import { isGzip } from './source.js';

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);
const CLF_HEAD = /^\S+ \S+ \S+ (?:\S+ )?\[[^\]]+\](?: \S+)? "/;
const CLF_COMBINED = /^\S+ \S+ \S+ (?:\S+ )?\[[^\]]+\](?: \S+)? "(?:[^"\\]|\\.)*" (?:\d{3}|-) (?:\d+|-) "/;

/** Is this (the start of) a pcap or pcapng file? */
export const isPcap = (b: Uint8Array): boolean =>
  b.length >= 4 && PCAP_MAGICS.has(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);

/**
 * Tells the traffic format from the first bytes (gzip is looked through) and, as a hint, the
 * file name. Throws a TrafficError when nothing fits.
 */
export function detectFormat(head: Buffer, name?: string): TrafficFormat {
  if (isGzip(head)) head = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  if (isPcap(head)) return 'pcap';
  const lower = (name ?? '').toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.har')) return 'har';
  const text = head.toString('utf8');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lower.endsWith('.har') || /^\s*\{\s*"log"\s*:/.test(text)) return 'har';
  const data = lines.filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const first = data[0] ?? '';
  if (first.trimStart().startsWith('{')) {
    if (/"Datetime"\s*:/.test(first) && /"(Action|Kind|MatchIndex|RuleID)"\s*:/.test(first) && !/"EdgeStartTimestamp"\s*:/.test(first)) {
      return 'firewall_events';
    }
    return 'logpush';
  }
  if (CLF_HEAD.test(first)) return CLF_COMBINED.test(first) ? 'combined' : 'common';
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  // generic delimited text with a header: same field count on the first lines
  const sep = first.includes('\t') ? '\t' : ',';
  const count = (l: string) => l.split(sep).length;
  const rest = data.slice(1, 6);
  if (count(first) >= 2 && rest.length > 0 && rest.every((l) => count(l) === count(first))) return 'csv';
  // access logs whose first lines are something else (fail2ban-style comments, error-log lines)
  if (data.some((l) => CLF_HEAD.test(l))) return data.some((l) => CLF_COMBINED.test(l)) ? 'combined' : 'common';
  throw new TrafficError(MSG.unknownFormat(name ?? '<buffer>'), name ?? '<buffer>');
}
