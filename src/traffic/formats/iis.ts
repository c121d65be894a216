/**
 * IIS W3C extended logs: fields in whatever order the `#Fields:` line gives (it may change
 * mid-file), no header at all (IIS's default field set, plus a trailing X-Forwarded-For when
 * there is one more field), and IIS logging to the Windows event log as event XML.
 */
import { dash, loadAccessLines, type AccessRecord, type LineParser } from '../access.js';
import { MSG } from '../messages.js';
import { byShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

/** IIS's default W3C field set (what a log without `#Fields:` most likely has). */
const DEFAULT_FIELDS = 'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken'.split(' ');

/** IIS writes spaces in header values as '+'. */
const plus = (s: string | undefined): string | null => (dash(s) === null ? null : (s as string).replace(/\+/g, ' '));

/** Event-log XML names -> W3C names. */
const XML_NAMES: Record<string, string> = { 'csUser-Agent': 'cs(User-Agent)', csReferer: 'cs(Referer)', csCookie: 'cs(Cookie)', csHost: 'cs-host', 'csX-Forwarded-For': 'X-Forwarded-For' };

const xmlText = (s: string): string =>
  s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : e === 'amp' ? '&' : String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))),
  );

/** An address pasted through Markdown (`[10.0.0.1](http://10.0.0.1)`, seen in real tickets) as the address. */
const addr = (s: string | undefined): string | null => {
  const d = dash(s);
  const m = d === null ? null : /^\[([^\]]+)\]\([^)]*\)$/.exec(d);
  return m ? (m[1] as string) : d;
};

/** One entry as a W3C field -> value map into a record. */
function record(f: Record<string, string>): AccessRecord | string {
  const date = f.date;
  const time = f.time;
  const ms = date && time ? Date.parse(`${date}T${time}Z`) : NaN;
  if (f['cs-method'] === undefined && f['sc-status'] === undefined) return MSG.unknownLine('IIS W3C');
  const xff = f['X-Forwarded-For'] ?? f['cs(X-Forwarded-For)'] ?? f['x-forwarded-for'];
  const cf = f['cs(CF-Connecting-IP)'] ?? f['CF-Connecting-IP'];
  const num = (k: string) => (dash(f[k]) === null || !/^\d+$/.test(f[k] as string) ? null : Number(f[k]));
  return {
    time: Number.isNaN(ms) ? null : ms,
    client: addr(f['c-ip']),
    method: dash(f['cs-method']),
    path: dash(f['cs-uri-stem']),
    query: f['cs-uri-query'] === undefined ? undefined : dash(f['cs-uri-query']),
    version: dash(f['cs-version']),
    status: num('sc-status'),
    bytes: num('sc-bytes'),
    userAgent: plus(f['cs(User-Agent)']),
    referer: dash(f['cs(Referer)']),
    cookie: plus(f['cs(Cookie)']),
    host: dash(f['cs-host']),
    forwardedFor: dash(xff),
    cfConnectingIp: dash(cf),
    extra: {
      's-ip': addr(f['s-ip']),
      's-port': num('s-port'),
      's-sitename': f['s-sitename'],
      'cs-username': f['cs-username'],
      'sc-substatus': num('sc-substatus'),
      'sc-win32-status': num('sc-win32-status'),
      'time-taken': num('time-taken'),
    },
  };
}

/** A parser with the file's current `#Fields:` (a new header block may change them). */
function iisParser(): LineParser {
  let fields: string[] | null = null;
  return (line) => {
    if (line.startsWith('#')) {
      if (line.startsWith('#Fields:')) fields = line.slice(8).trim().split(/\s+/);
      return MSG.comment;
    }
    if (line.startsWith('<Event')) {
      const f: Record<string, string> = Object.create(null);
      for (const m of line.matchAll(/<Data Name="([^"]+)">([^<]*)<\/Data>/g)) f[XML_NAMES[m[1] as string] ?? (m[1] as string)] = xmlText(m[2] as string);
      return record(f);
    }
    const v = line.split(' ');
    let names = fields;
    // no header, or lines appended under another site's header (IIS logs get concatenated):
    // IIS's default field set when the count fits it
    if (!names || v.length !== names.length) {
      if (v.length === DEFAULT_FIELDS.length) names = DEFAULT_FIELDS;
      else if (v.length === DEFAULT_FIELDS.length + 1) names = [...DEFAULT_FIELDS, 'X-Forwarded-For'];
      else return names ? MSG.csvColumns(v.length, names.length) : MSG.iisFields(v.length);
    }
    const f: Record<string, string> = Object.create(null);
    names.forEach((n, i) => (f[n] = v[i] as string));
    return record(f);
  };
}

const iis: FormatModule = {
  format: 'iis',
  summary: 'IIS W3C extended log (any #Fields order, or none; X-Forwarded-For), and IIS event-log XML',
  sniff: (input) => {
    if (input.lines.some((l) => /^#Software: Microsoft Internet Information Services/.test(l) || (/^#Fields: /.test(l) && /\b(?:cs-method|c-ip|cs-uri-stem)\b/.test(l) && !/x-edge-location/.test(l)))) return 0.98;
    if (input.lines.some((l) => l.startsWith('<Event') && l.includes('Microsoft-Windows-IIS-Logging'))) return 0.95;
    return byShare(share(input, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ [A-Za-z]+ \/\S* \S+ \d+ \S+ \S+ /), 0.85);
  },
  load: (src, opts) => loadAccessLines(src, opts, 'iis', iisParser(), { comments: true }),
};
export default iis;
