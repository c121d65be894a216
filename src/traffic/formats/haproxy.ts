/**
 * HAProxy logs: HTTP (`option httplog`) and TCP (`option tcplog`) lines, with or without a
 * syslog prefix, plus the connection and TLS error lines it writes (kept as events).
 */
import { dash, loadAccessLines, msFromHaproxy, requestInto, splitHostPort, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { byShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

const SYSLOG = /^(?:<\d+>)?(?:\w{3} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w.-]+(?:\[(\d+)\])?: (.*)$/;
const HEAD = /^(\S+):(\d+|-) \[(\d\d\/\w{3}\/\d{4}:[\d:.]+)\] (.*)$/;
// frontend backend/server [extra] Tq/Tw/Tc/Tr/Ta status bytes cookie cookie tstate conns queues [{req caps}] [{res caps}] "request" [extra]
const HTTP = /^(\S+) ([^\s/]+)\/(\S+)(?: (\S+))? (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/(\+?-?\d+) (-?\d+) (\+?\d+) (\S+) (\S+) (\S{4}) (\d+)\/(\d+)\/(\d+)\/(\d+)\/(\+?\d+) (\d+)\/(\d+)(?: \{([^}]*)\})?(?: \{([^}]*)\})? "((?:[^"\\]|\\.)*)"(?: (.*))?$/;
const TCP = /^(\S+) ([^\s/]+)\/(\S+) (-?\d+)\/(-?\d+)\/(\+?-?\d+) (\+?\d+) (\S{2,4}) (\d+)\/(\d+)\/(\d+)\/(\d+)\/(\+?\d+) (\d+)\/(\d+)$/;
const CONNECT = /^Connect from (\S+) to (\S+) \(([^/]+)\/(\S+)\)$/;

export function parseHaproxy(line: string): AccessRecord | string {
  const sys = SYSLOG.exec(line);
  const body = sys ? (sys[2] as string) : line;
  const pid = sys?.[1] ? Number(sys[1]) : null;
  const connect = CONNECT.exec(body);
  if (connect) {
    const from = splitHostPort(connect[1] as string);
    return { client: from.addr, clientPort: from.port, reason: 'connect', extra: { destination: connect[2], frontend_name: connect[3], mode: connect[4], pid } };
  }
  const h = HEAD.exec(body);
  if (!h) return MSG.unknownLine('HAProxy log');
  const ms = msFromHaproxy(h[3] as string);
  const base: AccessRecord = { time: Number.isNaN(ms) ? null : ms, client: dash(h[1]), clientPort: h[2] === '-' ? null : Number(h[2]) };
  const rest = h[4] as string;
  const m = HTTP.exec(rest);
  if (m) {
    const r: AccessRecord = {
      ...base,
      status: Number(m[10]) < 0 ? null : Number(m[10]),
      bytes: Number((m[11] as string).replace('+', '')),
      extra: {
        frontend_name: m[1],
        backend_name: m[2],
        server_name: m[3],
        destination: m[4] ?? null,
        Ta: Number((m[9] as string).replace('+', '')),
        termination_state: m[14],
        captured_request_headers: m[22] ?? null,
        captured_response_headers: m[23] ?? null,
        pid,
      },
    };
    // a captured User-Agent is the usual second request capture: `{host|user-agent}`
    const caps = (m[22] ?? '').split('|');
    if (caps.length > 1 && /^(?:Mozilla|curl|Wget|python|Go-http|[\w-]+\/\d)/.test(caps[1] as string)) r.userAgent = caps[1];
    if (caps[0] && !r.host) r.host = caps[0];
    requestInto(r, (m[24] as string).replace(/\\(["\\])/g, '$1'));
    return r;
  }
  const t = TCP.exec(rest);
  if (t) {
    return { ...base, bytes: Number((t[7] as string).replace('+', '')), extra: { frontend_name: t[1], backend_name: t[2], server_name: t[3], termination_state: t[8], mode: 'tcp', pid } };
  }
  // `frontend/backend: SSL handshake failure ...`: an event with its reason
  const ev = /^([^\s:]+): (.+)$/.exec(rest);
  if (ev) return { ...base, reason: ev[2], level: 'error', extra: { frontend_name: ev[1], pid } };
  return MSG.unknownLine('HAProxy log');
}

const haproxy: FormatModule = {
  format: 'haproxy',
  summary: 'HAProxy HTTP/TCP log (syslog prefix optional), with its TLS/connection error lines as events',
  sniff: (input) => byShare(share(input, /^(?:(?:<\d+>)?(?:\w{3} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w.-]+(?:\[\d+\])?: )?(?:(?:\S+):(?:\d+|-) \[\d\d\/\w{3}\/\d{4}:[\d:.]+\] |Connect from )/), 0.93),
  load: (src, opts) => loadAccessLines(src, opts, 'haproxy', parseHaproxy),
};
export default haproxy;
