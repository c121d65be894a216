/**
 * Kubernetes ingress-nginx `upstreaminfo` logs: combined plus request length and time, the
 * upstream name(s), upstream address/length/time/status lists and the request id.
 */
import { dash, loadAccessLines, numOf, requestInto, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { byShare, share } from '../sniff.js';
import { msFromClf } from '../timestamp.js';
import type { FormatModule } from '../types.js';

const Q = '((?:[^"\\\\]|\\\\.)*)';
const LINE = new RegExp(
  `^(\\S+) - (\\S+) \\[([^\\]]+)\\] "${Q}" (\\d{3}|-) (\\d+|-) "${Q}" "${Q}" (\\d+|-) ([\\d.]+|-) \\[([^\\]]*)\\] \\[([^\\]]*)\\] (.*) (\\S+)$`,
);

export function parseIngress(line: string): AccessRecord | string {
  const m = LINE.exec(line);
  if (!m) return MSG.unknownLine('ingress-nginx upstreaminfo');
  const ms = msFromClf(m[3] as string);
  const unq = (s: string | undefined) => (s === undefined ? null : dash(s.replace(/\\(["\\])/g, '$1')));
  // upstream addr, length, time, status: each a list ("a, b" or "a : b") of one entry per upstream tried
  const up = (m[13] as string).split(/ (?=[^,: ]+(?:, |$| ))/);
  const r: AccessRecord = {
    time: Number.isNaN(ms) ? null : ms,
    client: m[1],
    status: numOf(m[5]),
    bytes: numOf(m[6]),
    referer: unq(m[7]),
    userAgent: unq(m[8]),
    extra: {
      remote_user: dash(m[2]),
      request_length: numOf(m[9]),
      request_time: numOf(m[10]),
      upstream_name: dash(m[11]),
      upstream_alternative_name: dash(m[12]),
      upstream: dash(m[13]),
      upstream_addr: dash(up[0]),
      req_id: dash(m[14]),
    },
  };
  requestInto(r, unq(m[4]));
  return r;
}

const nginxIngress: FormatModule = {
  format: 'nginx_ingress',
  summary: 'Kubernetes ingress-nginx access log (upstreaminfo format)',
  sniff: (input) => byShare(share(input, /^\S+ - \S+ \[[^\]]+\] "(?:[^"\\]|\\.)*" (?:\d{3}|-) (?:\d+|-) "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*" (?:\d+|-) [\d.-]+ \[[^\]]*\] \[[^\]]*\] /), 0.94),
  load: (src, opts) => loadAccessLines(src, opts, 'nginx_ingress', parseIngress),
};
export default nginxIngress;
