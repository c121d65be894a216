/**
 * AWS load balancer access logs: Application Load Balancer (`http`/`https`/`h2`/`ws`/`wss`/
 * `grpcs` lines) and Classic ELB (HTTP and TCP listeners; no type prefix).
 */
import { dash, loadAccessLines, numOf, requestInto, splitHostPort, tokenize, type AccessRecord } from '../access.js';
import { MSG } from '../messages.js';
import { byShare, share } from '../sniff.js';
import type { FormatModule } from '../types.js';

const ALB_TYPES = new Set(['http', 'https', 'h2', 'ws', 'wss', 'grpcs']);
const ISO = /^\d{4}-\d\d-\d\dT[\d:.]+Z$/;

export function parseElb(line: string): AccessRecord | string {
  const t = tokenize(line);
  const alb = ALB_TYPES.has(t[0] as string) && ISO.test(t[1] ?? '');
  const o = alb ? 1 : 0; // ALB has its type first
  if (!ISO.test(t[o] ?? '') || t.length < 14 + o) return MSG.unknownLine('AWS ELB/ALB');
  const client = splitHostPort(t[o + 2] as string);
  const target = dash(t[o + 3]);
  const r: AccessRecord = {
    time: Date.parse(t[o] as string),
    client: client.addr,
    clientPort: client.port,
    status: numOf(t[o + 7]),
    bytes: numOf(t[o + 10]),
    userAgent: dash(t[o + 12]),
    extra: {
      'elb.type': alb ? t[0] : 'classic',
      'elb.name': t[o + 1],
      'elb.target': target,
      'elb.request_processing_time': numOf(t[o + 4]),
      'elb.target_processing_time': numOf(t[o + 5]),
      'elb.response_processing_time': numOf(t[o + 6]),
      'elb.target_status_code': numOf(t[o + 8]),
      'elb.received_bytes': numOf(t[o + 9]),
      'tls.cipher': dash(t[o + 13]),
      'tls.version': dash(t[o + 14]),
    },
  };
  if (alb) {
    Object.assign(r.extra as object, {
      'elb.target_group_arn': dash(t[16]),
      'elb.trace_id': dash(t[17]),
      'elb.domain_name': dash(t[18]),
      'elb.actions_executed': dash(t[21]),
      'elb.redirect_url': dash(t[22]),
      'elb.error_reason': dash(t[23]),
    });
  }
  const req = t[o + 11] as string;
  if (req.trim() === '- - -') (r.extra as Record<string, unknown>)['elb.listener'] = alb ? 'malformed request' : 'tcp';
  else requestInto(r, req);
  return r;
}

const elb: FormatModule = {
  format: 'elb',
  summary: 'AWS Application Load Balancer and Classic ELB access logs (HTTP and TCP listeners)',
  sniff: (input) =>
    byShare(share(input, /^(?:(?:http|https|h2|ws|wss|grpcs) )?\d{4}-\d\d-\d\dT[\d:.]+Z \S+ [0-9a-fA-F.:[\]]+:\d+ \S+ -?[\d.]+ -?[\d.]+ -?[\d.]+ (?:\d{3}|-) (?:\d{3}|-) \d+ \d+ "/), 0.93),
  load: (src, opts) => loadAccessLines(src, opts, 'elb', parseElb),
};
export default elb;
