/**
 * Default column names the builders read. They are the canonical traffic names
 * (Cloudflare Rules-language fields, see src/traffic/fields.ts) duplicated here because viz must
 * not import traffic; every builder accepts `columns` to override any of them.
 */
export const COLUMNS = {
  timestamp: 'timestamp', // ms since epoch
  ipSrc: 'ip.src',
  asn: 'ip.src.asnum',
  country: 'ip.src.country',
  path: 'http.request.uri.path',
  status: 'http.response.code',
  score: 'score',
  label: 'label', // 'good' | 'suspicious' | 'malicious'
  reasons: 'reasons', // string[] of signature ids, or a string "a,b" / '["a","b"]'
  cluster: 'cluster',
  ipProto: 'ip.proto', // 6 / 17 / 1 or 'TCP' / 'udp'
  ipLen: 'ip.len', // bytes
  tcpFlags: 'tcp.flags', // FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128
  tcpSrcPort: 'tcp.srcport',
  tcpDstPort: 'tcp.dstport',
  udpSrcPort: 'udp.srcport',
  udpDstPort: 'udp.dstport',
} as const;

export type ColumnKey = keyof typeof COLUMNS;
export type Columns = { -readonly [K in ColumnKey]: string };
/** Per-call overrides: `{ columns: { label: 'verdict' } }`. */
export type ColumnOverrides = Partial<Columns>;

export function columnsWith(overrides: ColumnOverrides | undefined): Columns {
  return { ...COLUMNS, ...(overrides ?? {}) };
}
