/** Amazon CloudFront standard (access) logs: tab-separated, with or without `#Fields:`. */
import { dash, loadAccessLines, numOf, type AccessRecord, type LineParser } from '../access.js';
import { MSG } from '../messages.js';
import type { FormatModule } from '../types.js';

/** The standard log's fields in their documented order (what a log without `#Fields:` has). */
const FIELDS =
  'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end'.split(
    ' ',
  );

/** CloudFront URL-encodes the user agent and referer (%20); undecodable text is kept as is. */
const decode = (s: string | undefined): string | null => {
  const d = dash(s);
  if (d === null) return null;
  try {
    return decodeURIComponent(d);
  } catch {
    return d;
  }
};

function cloudfrontParser(): LineParser {
  let fields = FIELDS;
  return (line) => {
    if (line.startsWith('#')) {
      if (line.startsWith('#Fields:')) fields = line.slice(8).trim().split(/\s+/);
      return MSG.comment;
    }
    const v = line.split('\t');
    if (v.length < 19) return MSG.csvColumns(v.length, fields.length);
    const f: Record<string, string> = Object.create(null);
    fields.forEach((n, i) => {
      if (i < v.length) f[n] = v[i] as string;
    });
    const ms = Date.parse(`${f.date}T${f.time}Z`);
    return {
      time: Number.isNaN(ms) ? null : ms,
      client: dash(f['c-ip']),
      clientPort: numOf(f['c-port']),
      method: dash(f['cs-method']),
      path: dash(f['cs-uri-stem']),
      query: dash(f['cs-uri-query']),
      version: dash(f['cs-protocol-version']),
      status: numOf(f['sc-status']),
      bytes: numOf(f['sc-bytes']),
      userAgent: decode(f['cs(User-Agent)']),
      referer: decode(f['cs(Referer)']),
      cookie: dash(f['cs(Cookie)']),
      host: dash(f['x-host-header']) ?? dash(f['cs(Host)']),
      scheme: dash(f['cs-protocol']),
      forwardedFor: dash(f['x-forwarded-for']),
      extra: {
        'x-edge-location': f['x-edge-location'],
        'x-edge-result-type': f['x-edge-result-type'],
        'x-edge-request-id': f['x-edge-request-id'],
        'x-edge-detailed-result-type': f['x-edge-detailed-result-type'],
        'cs(Host)': f['cs(Host)'],
        'ssl-protocol': f['ssl-protocol'],
        'ssl-cipher': f['ssl-cipher'],
        'time-taken': numOf(f['time-taken']),
      },
    } satisfies AccessRecord;
  };
}

const cloudfront: FormatModule = {
  format: 'cloudfront',
  summary: 'Amazon CloudFront standard access log (tab-separated, #Fields optional)',
  sniff: (input) => {
    if (input.lines.some((l) => l.startsWith('#Fields:') && l.includes('x-edge-location'))) return 0.98;
    const data = input.lines.filter((l) => !l.startsWith('#'));
    if (!data.length) return 0;
    const ok = data.filter((l) => /^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\t[A-Z]{3}\d+(?:-[A-Z0-9]+)?\t\d+\t/.test(l) && l.split('\t').length >= 19).length;
    return ok === 0 ? 0 : 0.5 + 0.42 * (ok / data.length);
  },
  load: (src, opts) => loadAccessLines(src, opts, 'cloudfront', cloudfrontParser(), { comments: true }),
};
export default cloudfront;
