/**
 * Google Cloud HTTP(S) load balancer and Cloud CDN request logs as Cloud Logging exports them:
 * one LogEntry per line (`gcloud logging read --format=json` flattened to NDJSON, or a sink to
 * Cloud Storage), the request in `httpRequest` (LogEntry.HttpRequest: int64 sizes as strings).
 */
import { jnum, jsonLine, jstr, loadAccessLines, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { jsonShare } from '../sniff.js';
import { msFromString } from '../timestamp.js';
import type { FormatModule } from '../types.js';

const hasHttpRequest = (o: Record<string, unknown>): boolean => {
  const h = o.httpRequest;
  return h !== null && typeof h === 'object' && !Array.isArray(h) && ('requestMethod' in h || 'requestUrl' in h);
};

export function parseGcpHttp(line: string): AccessRecord | string {
  const o = jsonLine(line);
  if (typeof o === 'string') return o;
  if (!hasHttpRequest(o)) return MSG.notAccessEntry('LogEntry without httpRequest');
  const h = o.httpRequest as Record<string, unknown>;
  const payload = (o.jsonPayload !== null && typeof o.jsonPayload === 'object' ? o.jsonPayload : {}) as Record<string, unknown>;
  const resource = (o.resource !== null && typeof o.resource === 'object' ? o.resource : {}) as Record<string, unknown>;
  const t = jstr(o.timestamp);
  const ms = t === null ? NaN : msFromString(t);
  return {
    time: Number.isNaN(ms) ? null : ms,
    client: jstr(h.remoteIp),
    method: jstr(h.requestMethod),
    target: jstr(h.requestUrl),
    version: jstr(h.protocol),
    status: jnum(h.status),
    bytes: jnum(h.responseSize),
    userAgent: jstr(h.userAgent),
    referer: jstr(h.referer),
    extra: {
      'gcp.server_ip': jstr(h.serverIp),
      'gcp.latency': jstr(h.latency),
      'gcp.request_size': jnum(h.requestSize),
      'gcp.cache_hit': typeof h.cacheHit === 'boolean' ? h.cacheHit : null,
      'gcp.status_details': jstr(payload.statusDetails),
      'gcp.enforced_security_policy': jstr((payload.enforcedSecurityPolicy as Record<string, unknown> | undefined)?.name),
      'gcp.resource_type': jstr(resource.type),
    },
  };
}

const gcpHttp: FormatModule = {
  format: 'gcp_http',
  summary: 'Google Cloud HTTP(S) load balancer / Cloud CDN request logs (Cloud Logging LogEntry NDJSON)',
  jsonKeys: ['httpRequest', 'insertId', 'jsonPayload', 'logName', 'receiveTimestamp', 'resource', 'severity', 'timestamp', 'spanId', 'trace'],
  sniff: (input) => {
    const s = jsonShare(input, hasHttpRequest);
    return s === 0 ? 0 : 0.6 + 0.35 * s;
  },
  load: (src, opts) => loadAccessLines(src, opts, 'gcp_http', parseGcpHttp, { invalidUtf8: 'skip' }),
};
export default gcpHttp;
