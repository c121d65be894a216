/**
 * Traefik access logs: JSON (v2/v3 `format: json`, with `request_*` header fields) and the
 * common/CLF form (combined plus request count, router/frontend, backend URL and duration).
 */
import { dash, jnum, jsonLine, jstr, loadAccessLines, requestInto, splitHostPort, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { msFromClf, msFromString } from '../timestamp.js';
import { byShare, hasKeys, jsonShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

const looksJson = (o: Record<string, unknown>): boolean =>
  (hasKeys(o, 'ClientHost') || hasKeys(o, 'ClientAddr')) && (hasKeys(o, 'RequestMethod') || hasKeys(o, 'DownstreamStatus'));

// combined + ` <count> "<frontend>" "<backend>" <duration>ms` (the frontend's quote may be unbalanced)
const CLF = /^(\S+) \S+ (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" (\d+) (.*) (\d+)ms$/;
const CLF_SNIFF = /^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" (?:\d{3}|-) (?:\d+|-) "[^"]*" "[^"]*" \d+ .* \d+ms$/;

function parseJson(o: Record<string, unknown>): AccessRecord {
  const headers: Record<string, string> = Object.create(null);
  for (const k of Object.keys(o)) {
    if (!k.startsWith('request_')) continue;
    const v = jstr(o[k]);
    if (v !== null) Object.defineProperty(headers, k.slice(8).toLowerCase(), { value: v, enumerable: true, writable: true, configurable: true });
  }
  const hostField = jstr(o.ClientHost);
  // ClientHost may hold a list ("a,b") when Traefik took it from a forwarded header
  const hosts = hostField ? hostField.split(',').map((x) => x.trim()) : [];
  const target = jstr(o.RequestPath);
  const t = jstr(o.StartUTC) ?? jstr(o.time) ?? jstr(o.StartLocal);
  const ms = t === null ? NaN : msFromString(t);
  return {
    time: Number.isNaN(ms) ? null : ms,
    client: hosts[0] ?? (jstr(o.ClientAddr) ? splitHostPort(jstr(o.ClientAddr) as string).addr : null),
    clientPort: jnum(o.ClientPort),
    method: jstr(o.RequestMethod),
    target,
    version: jstr(o.RequestProtocol),
    host: jstr(o.RequestHost),
    scheme: jstr(o.RequestScheme),
    status: jnum(o.DownstreamStatus),
    bytes: jnum(o.DownstreamContentSize),
    userAgent: headers['user-agent'] ?? null,
    referer: headers.referer ?? null,
    forwardedFor: headers['x-forwarded-for'] ?? (hosts.length > 1 ? hostField : null),
    cfConnectingIp: headers['cf-connecting-ip'] ?? null,
    headers,
    extra: {
      RouterName: jstr(o.RouterName),
      ServiceName: jstr(o.ServiceName),
      ServiceAddr: jstr(o.ServiceAddr),
      OriginStatus: jnum(o.OriginStatus),
      Duration: jnum(o.Duration),
      RequestCount: jnum(o.RequestCount),
      entryPointName: jstr(o.entryPointName),
    },
  };
}

export function parseTraefik(line: string): AccessRecord | string {
  if (line.charCodeAt(0) === 123 /* { */) {
    const o = jsonLine(line);
    if (typeof o === 'string') return o;
    if (!looksJson(o)) return MSG.notAccessEntry('JSON without ClientHost/RequestMethod');
    return parseJson(o);
  }
  const m = CLF.exec(line);
  if (!m) return MSG.unknownLine('Traefik access-log');
  const ms = msFromClf(m[3] as string);
  const r: AccessRecord = {
    time: Number.isNaN(ms) ? null : ms,
    client: m[1],
    status: m[5] === '-' ? null : Number(m[5]),
    bytes: m[6] === '-' ? null : Number(m[6]),
    referer: dash(m[7]),
    userAgent: dash(m[8]),
    extra: { remote_user: m[2], RequestCount: Number(m[9]), frontend_backend: m[10], duration_ms: Number(m[11]) },
  };
  requestInto(r, (m[4] as string).replace(/\\(["\\])/g, '$1'));
  return r;
}

const traefik: FormatModule = {
  format: 'traefik',
  summary: 'Traefik access log, JSON or CLF (with request count, router and duration)',
  jsonKeys: ['ClientAddr', 'ClientHost', 'ClientPort', 'DownstreamStatus', 'DownstreamContentSize', 'RequestMethod', 'RequestPath', 'RequestHost', 'RouterName', 'ServiceName', 'StartUTC'],
  sniff: (input) => Math.max(jsonShare(input, looksJson) > 0 ? 0.6 + 0.35 * jsonShare(input, looksJson) : 0, byShare(share(input, CLF_SNIFF), 0.9)),
  load: (src, opts) => loadAccessLines(src, opts, 'traefik', parseTraefik),
};
export default traefik;
