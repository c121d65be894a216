/** Cloudflare Logpush NDJSON: http_requests (and network_analytics_logs), plain or gzip. */
import { loadLogpush } from '../logpush.js';
import { isLogpushField } from '../logpush-fields.js';
import { jsonShare } from '../sniff.js';
import type { FormatModule, SniffInput } from '../types.js';

/** Logpush field names look like this even when the loader has no mapping for them. */
const LOGPUSH_NAME = /^(?:Client|Edge|Origin|Cache|Bot|Security|WAF|Zone|RayID$|JA3|JA4|Worker|Parent|Request|Response|Cookies$|IP[A-Z]|Source[A-Z]|Destination[A-Z]|Colo|Mitigation|Attack|Outcome$|Verdict$|Sample)/;

/** Share of an object's keys that are Logpush field names; at least one must be a mapped field. */
export function logpushLikeness(o: Record<string, unknown>): number {
  const keys = Object.keys(o);
  if (keys.length === 0 || !keys.some(isLogpushField)) return 0;
  return keys.filter((k) => LOGPUSH_NAME.test(k) || k === 'Datetime').length / keys.length;
}

export function sniffLogpush(input: SniffInput): number {
  if (input.json.length === 0) {
    // a first line longer than the head: judge by its opening keys
    const t = input.text.trimStart();
    return t.startsWith('{"') && /^\{"(?:RayID|EdgeStartTimestamp|ClientIP|ClientRequestHost|EdgeResponseStatus)"/.test(t) ? 0.6 : 0;
  }
  const s = jsonShare(input, (o) => logpushLikeness(o) >= 0.5);
  return s === 0 ? 0 : 0.5 + 0.4 * s;
}

const logpush: FormatModule = {
  format: 'logpush',
  summary: 'Cloudflare Logpush NDJSON (http_requests, network_analytics_logs), plain or gzip',
  jsonKeys: ['RayID', 'EdgeStartTimestamp', 'ClientIP', 'ClientRequestHost', 'ClientRequestURI', 'ClientRequestUserAgent', 'EdgeResponseStatus', 'ClientASN'],
  sniff: sniffLogpush,
  load: (src, opts) => loadLogpush(src, { ...opts, format: 'logpush' }),
};
export default logpush;
