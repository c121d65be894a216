import { decodeMrt, type DecodeOptions, type MrtReport, type Route } from './mrt.js';

const ORIGIN = ['IGP', 'EGP'] as const;
/** bgpdump's origin text: IGP, EGP, anything else (absent included) INCOMPLETE. */
export const originText = (o: number): string => ORIGIN[o] ?? 'INCOMPLETE';

function timeText(r: Route): string {
  return r.micro === null ? String(r.time) : `${r.time}.${String(r.micro).padStart(6, '0')}`;
}

/**
 * One line of `bgpdump -m` (without the newline):
 * `TYPE|time|B/A|peer|peerAS|prefix|[pathId|]ASpath|origin|nexthop|localpref|MED|communities|AG/NAG|aggregator|`,
 * `TYPE|time|W|peer|peerAS|prefix[|pathId]`, `TYPE|time|STATE|peer|peerAS|old|new`.
 */
export function bgpdumpLine(r: Route): string {
  const head = `${r.format}|${timeText(r)}|${r.kind}|${r.peer}|${r.peerAs}|`;
  if (r.kind === 'STATE') return `${head}${r.oldState}|${r.newState}`;
  if (r.kind === 'W') return r.pathId === null ? `${head}${r.prefix}` : `${head}${r.prefix}|${r.pathId}`;
  const a = r.attrs;
  if (!a) return `${head}${r.prefix}`;
  let pref = a.localPref ?? 0;
  let med = a.med ?? 0;
  if (r.signedMetrics) {
    pref |= 0;
    med |= 0;
  }
  const comm = a.communities === null ? '' : a.communities.join(' ');
  const ag = a.atomicAggregate ? 'AG' : 'NAG';
  const path = r.pathId === null ? '' : `${r.pathId}|`;
  if (r.format === 'BGP') {
    // the legacy BGP type's line has no separator between MED and the communities (bgpdump's format string)
    const tail = a.communities === null ? `|${ag}|` : `${comm}|${ag}|`;
    return `${head}${r.prefix}|${a.asPathText}|${originText(a.origin)}|${r.nextHop}|${pref}|${med}${tail}${a.aggregator ?? ''}|`;
  }
  return `${head}${r.prefix}|${path}${a.asPathText}|${originText(a.origin)}|${r.nextHop}|${pref}|${med}|${comm}|${ag}|${a.aggregator ?? ''}|`;
}

/** Every route as `bgpdump -m` prints it, newline-terminated. */
export function bgpdumpText(routes: readonly Route[]): string {
  const parts: string[] = new Array<string>(routes.length);
  for (let i = 0; i < routes.length; i++) parts[i] = bgpdumpLine(routes[i] as Route);
  return parts.length ? `${parts.join('\n')}\n` : '';
}

/**
 * Decodes MRT bytes and hands `bgpdump -m` text to `write` as byte chunks of about 1 MB, keeping
 * no routes: lines go straight into a reused buffer, so a full RIB costs no string garbage
 * (the CLI's path; memory stays flat). `write` must consume the chunk before returning.
 */
export function bgpdumpStream(buf: Uint8Array, write: (chunk: Uint8Array) => void, opts: DecodeOptions = {}): MrtReport {
  const SIZE = 1 << 20;
  let out = Buffer.allocUnsafe(SIZE);
  let pos = 0;
  const { report } = decodeMrt(buf, opts, (r) => {
    const line = bgpdumpLine(r);
    // latin1: bytes as they are (lines are ASCII; a stray byte stays one byte, as in bgpdump)
    if (pos + line.length + 1 > out.length) {
      if (pos > 0) write(out.subarray(0, pos));
      pos = 0;
      if (line.length + 1 > out.length) out = Buffer.allocUnsafe(line.length + 1);
    }
    pos += out.write(line, pos, 'latin1');
    out[pos++] = 10;
  });
  if (pos > 0) write(out.subarray(0, pos));
  return report;
}
