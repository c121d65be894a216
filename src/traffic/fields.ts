/**
 * Canonical traffic column names: Cloudflare Rules-language field names, so a rule compiles
 * straight onto a loaded table. Loaders (src/traffic) produce these; classify/viz read them.
 */
export const FIELD = {
  timestamp: 'timestamp', // ms since epoch (number)
  rayId: 'cf.ray_id',
  ipSrc: 'ip.src',
  asn: 'ip.src.asnum',
  country: 'ip.src.country',
  host: 'http.host',
  method: 'http.request.method',
  path: 'http.request.uri.path',
  query: 'http.request.uri.query',
  httpVersion: 'http.request.version',
  userAgent: 'http.user_agent',
  referer: 'http.referer',
  cookie: 'http.cookie',
  headers: 'http.request.headers', // Record<lower-cased name, string[]>
  status: 'http.response.code',
  ja3: 'cf.bot_management.ja3_hash',
  ja4: 'cf.bot_management.ja4',
  botScore: 'cf.bot_management.score',
  verifiedBot: 'cf.bot_management.verified_bot',
  // packets
  ipDst: 'ip.dst',
  ipProto: 'ip.proto',
  ipLen: 'ip.len',
  ipTtl: 'ip.ttl',
  tcpSrcPort: 'tcp.srcport',
  tcpDstPort: 'tcp.dstport',
  udpSrcPort: 'udp.srcport',
  udpDstPort: 'udp.dstport',
  tcpFlags: 'tcp.flags', // integer bit field (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128)
  icmpType: 'icmp.type',
} as const;

export type FieldKey = keyof typeof FIELD;
export type FieldName = (typeof FIELD)[FieldKey];

/** Columns the scorer adds. */
export const SCORE_FIELD = { score: 'score', label: 'label', reasons: 'reasons' } as const;
export type Label = 'good' | 'suspicious' | 'malicious';
export const LABELS: readonly Label[] = ['good', 'suspicious', 'malicious'];

export type TrafficFormat = 'logpush' | 'firewall_events' | 'combined' | 'common' | 'csv' | 'har' | 'pcap';

export interface SkippedRow {
  /** 1-based line (text formats), record or packet number (binary formats). */
  line: number;
  reason: string;
}

export interface LoadReport {
  source: string;
  format: TrafficFormat;
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  /** First skipped rows with their reasons (capped); `reasons` counts all of them by reason. */
  skipped: SkippedRow[];
  reasons: Record<string, number>;
  fromCache: boolean;
  durationMs: number;
}
