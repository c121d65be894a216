/** Caddy v2 JSON access logs (`log { format json }`, logger `http.log.access...`). */
import { jnum, jsonLine, jstr, loadAccessLines, normVersion, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { hasKeys, jsonShare } from '../sniff.js';
import type { FormatModule } from '../types.js';

const isAccess = (o: Record<string, unknown>): boolean => typeof o.logger === 'string' && o.logger.startsWith('http.log.access');
const looksCaddy = (o: Record<string, unknown>): boolean =>
  hasKeys(o, 'level', 'ts', 'logger', 'msg') && typeof o.logger === 'string' && o.logger.startsWith('http.');

/** Header map of Caddy (`{"User-Agent": ["x"]}`) with non-string values dropped. */
function headersOf(v: unknown): Record<string, string[]> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string[]> = Object.create(null);
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    const vals = (Array.isArray(x) ? x : [x]).map(jstr).filter((s): s is string => s !== null);
    if (vals.length) Object.defineProperty(out, k.toLowerCase(), { value: vals, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function parseCaddy(line: string): AccessRecord | string {
  const o = jsonLine(line);
  if (typeof o === 'string') return o;
  if (!isAccess(o)) return MSG.notAccessEntry(`logger ${jstr(o.logger) ?? '(none)'}`);
  const req = o.request;
  if (req === null || typeof req !== 'object' || Array.isArray(req)) return MSG.noRequest;
  const q = req as Record<string, unknown>;
  const headers = headersOf(q.headers);
  const ts = jnum(o.ts);
  const status = jnum(o.status);
  return {
    time: ts === null ? null : Math.round(ts * 1000),
    // client_ip is Caddy's own resolution through trusted_proxies; remote_ip the peer
    client: jstr(q.client_ip) ?? jstr(q.remote_ip),
    clientPort: jnum(q.remote_port),
    method: jstr(q.method),
    target: jstr(q.uri),
    version: jstr(q.proto) === null ? null : normVersion(jstr(q.proto) as string),
    host: jstr(q.host),
    status: status === 0 ? null : status, // 0: Caddy wrote no response (handler error, aborted)
    bytes: jnum(o.size),
    userAgent: headers?.['user-agent']?.join(', ') ?? null,
    referer: headers?.referer?.join(', ') ?? null,
    forwardedFor: headers?.['x-forwarded-for']?.join(', ') ?? null,
    cfConnectingIp: headers?.['cf-connecting-ip']?.[0] ?? null,
    scheme: q.tls ? 'https' : null,
    headers,
    extra: {
      remote_ip: jstr(q.remote_ip),
      user_id: typeof o.user_id === 'string' ? o.user_id : null,
      duration: jnum(o.duration),
      bytes_read: jnum(o.bytes_read),
      level: jstr(o.level),
      logger: jstr(o.logger),
    },
  };
}

const caddy: FormatModule = {
  format: 'caddy',
  summary: 'Caddy v2 JSON access log (logger http.log.access)',
  jsonKeys: ['level', 'ts', 'logger', 'msg', 'request', 'status', 'size', 'duration', 'resp_headers', 'bytes_read', 'user_id'],
  sniff: (input) => {
    const s = jsonShare(input, looksCaddy);
    return s === 0 ? 0 : 0.6 + 0.35 * jsonShare(input, isAccess) + 0.04 * s;
  },
  load: (src, opts) => loadAccessLines(src, opts, 'caddy', parseCaddy, { invalidUtf8: 'skip' }),
};
export default caddy;
