/**
 * Envoy access logs: the default text format and JSON access logs, bare or inside container
 * log wrappers (CRI/containerd `<time> stdout F <line>`, Docker json-file `{"log": ...}`, and
 * Ambassador's `ACCESS ` prefix).
 */
import { dash, jnum, jsonLine, jstr, loadAccessLines, requestInto, splitHostPort, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { byShare, share } from '../sniff.js';
import { msFromString } from '../timestamp.js';
import type { FormatModule } from '../types.js';

const CRI = /^(\S+) (?:stdout|stderr) [FP] (.*)$/;
// [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
// %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
// "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
const TEXT = /^\[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d+) (\S+) (\d+) (\d+) (\d+|-) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"/;
const ENVOY_JSON_KEYS = ['downstream_remote_address', 'response_code', 'upstream_host', 'response_flags', 'bytes_sent', ':authority', 'upstream_cluster'];

/** The Envoy line inside a container-log wrapper (or the line itself). */
function unwrap(line: string): string {
  const cri = CRI.exec(line);
  if (cri) line = cri[2] as string;
  if (line.startsWith('{"log":') || line.startsWith('{"message":')) {
    const o = jsonLine(line);
    if (typeof o !== 'string') {
      const inner = jstr(o.log) ?? jstr(o.message);
      if (inner !== null) line = inner.replace(/\n$/, '');
    }
  }
  return line.startsWith('ACCESS ') ? line.slice(7) : line;
}

const isEnvoyJson = (o: Record<string, unknown>): boolean => ENVOY_JSON_KEYS.filter((k) => k in o).length >= 2;

export function parseEnvoy(raw: string): AccessRecord | string {
  const line = unwrap(raw);
  if (line.charCodeAt(0) === 123) {
    const o = jsonLine(line);
    if (typeof o === 'string') return o;
    if (!isEnvoyJson(o)) return MSG.notAccessEntry('JSON without Envoy access-log fields');
    const remote = jstr(o.downstream_remote_address);
    const t = jstr(o.start_time);
    const ms = t === null ? NaN : msFromString(t);
    const path = jstr(o['x-envoy-origin-path']) ?? jstr(o.path);
    return {
      time: Number.isNaN(ms) ? null : ms,
      client: remote ? splitHostPort(remote).addr : null,
      clientPort: remote ? splitHostPort(remote).port : null,
      method: jstr(o.method),
      target: path,
      version: jstr(o.protocol),
      status: jnum(o.response_code),
      bytes: jnum(o.bytes_sent),
      userAgent: jstr(o['user-agent']),
      referer: jstr(o.referer),
      host: jstr(o[':authority']) ?? jstr(o.authority),
      forwardedFor: jstr(o['x-forwarded-for']),
      extra: {
        bytes_received: jnum(o.bytes_received),
        response_flags: jstr(o.response_flags),
        response_code_details: jstr(o.response_code_details),
        upstream_host: jstr(o.upstream_host),
        upstream_cluster: jstr(o.upstream_cluster),
        duration: jnum(o.duration),
        'x-request-id': jstr(o['x-request-id']),
      },
    };
  }
  const m = TEXT.exec(line);
  if (!m) return MSG.unknownLine('Envoy access-log');
  const ms = msFromString(m[1] as string);
  const xff = dash(m[9]);
  const r: AccessRecord = {
    time: Number.isNaN(ms) ? null : ms,
    // the default format logs no peer address: the client is X-Forwarded-For's first entry
    client: xff === null ? null : splitHostPort((xff.split(',')[0] as string).trim()).addr,
    forwardedFor: xff,
    status: Number(m[3]) === 0 ? null : Number(m[3]),
    bytes: Number(m[6]),
    userAgent: dash(m[10]),
    host: dash(m[12]),
    extra: {
      response_flags: m[4],
      bytes_received: Number(m[5]),
      duration: Number(m[7]),
      upstream_service_time: m[8] === '-' ? null : Number(m[8]),
      'x-request-id': dash(m[11]),
      upstream_host: dash(m[13]),
    },
  };
  requestInto(r, m[2]);
  return r;
}

const envoy: FormatModule = {
  format: 'envoy',
  summary: 'Envoy access log, default text format or JSON, bare or in CRI/Docker container-log wrappers',
  jsonKeys: [...ENVOY_JSON_KEYS, 'start_time', 'method', 'protocol', 'x-forwarded-for', 'user-agent'],
  sniff: (input) => {
    const s = share(input, /^(?:\S+ (?:stdout|stderr) [FP] )?(?:\{"(?:log|message)":"(?:ACCESS )?\[|(?:ACCESS )?\[\d{4}-\d\d-\d\dT[^\]]*\] "|\{.*"(?:downstream_remote_address|upstream_host|response_code)")/);
    return byShare(s, 0.93);
  },
  load: (src, opts) => loadAccessLines(src, opts, 'envoy', parseEnvoy),
};
export default envoy;
