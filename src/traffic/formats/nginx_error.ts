/** nginx error logs, one event per line: level, reason, and the client/request/host nginx adds. */
import { loadAccessLines, requestInto, splitHostPort, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { byShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

// an optional syslog prefix (`host nginx[983479]: `) before nginx's own line
const LINE = /^(?:\S.*?: )?(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)$/;
/** The `, key: value` tail nginx appends (client, server, request, upstream, host, referrer). */
const TAIL = /, (client|server|request|upstream|host|referrer): ("(?:[^"\\]|\\.)*"|[^,]*)(?=, (?:client|server|request|upstream|host|referrer): |$)/g;

export function parseNginxError(line: string): AccessRecord | string {
  const m = LINE.exec(line);
  if (!m) return MSG.unknownLine('nginx error-log');
  const msg = m[11] as string;
  const first = msg.search(/, (?:client|server|request|upstream|host|referrer): /);
  const kv: Record<string, string> = Object.create(null);
  if (first >= 0) for (const t of msg.slice(first).matchAll(TAIL)) kv[t[1] as string] = (t[2] as string).replace(/^"|"$/g, '');
  const r: AccessRecord = {
    // nginx writes local time without a zone: read as UTC (the report says so)
    time: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])),
    level: m[7],
    reason: first >= 0 ? msg.slice(0, first) : msg,
    client: kv.client ? splitHostPort(kv.client).addr : null,
    host: kv.host ?? null,
    referer: kv.referrer ?? null,
    extra: { pid: Number(m[8]), connection: m[10] ? Number(m[10]) : null, server: kv.server ?? null, upstream: kv.upstream ?? null },
  };
  if (kv.request) requestInto(r, kv.request);
  return r;
}

const nginxError: FormatModule = {
  format: 'nginx_error',
  rank: 150, // a file that mixes access and error lines is read as the access log (its error lines skipped with a reason)
  summary: 'nginx error log, one event per line (level, reason, client, request)',
  sniff: (input) => byShare(share(input, /^(?:\S.*?: )?\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[\w+\] \d+#\d+: /), 0.8),
  load: async (src, opts) => {
    const loaded = await loadAccessLines(src, opts, 'nginx_error', parseNginxError);
    if (loaded.report.rowsLoaded) loaded.report.warnings = { ...(loaded.report.warnings ?? {}), [MSG.localTime('nginx error-log')]: 1 };
    return loaded;
  },
};
export default nginxError;
