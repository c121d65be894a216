/** Packet vocabulary: protocol names, TCP flag combinations, well-known reflection services. */

const PROTO_NUMBERS: Readonly<Record<number, string>> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 58: 'ICMPv6' };

/** 6 / '6' / 'tcp' / 'TCP' -> 'TCP'; unknown numbers keep their number ("proto 132"). */
export function protoName(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'other';
  const n = Number(value);
  if (Number.isInteger(n)) return PROTO_NUMBERS[n] ?? `proto ${n}`;
  const s = String(value).trim().toUpperCase();
  if (s === 'ICMPV6' || s === 'IPV6-ICMP') return 'ICMPv6';
  return s;
}

export const TCP_FLAGS: readonly (readonly [number, string])[] = [
  [2, 'SYN'], [16, 'ACK'], [1, 'FIN'], [4, 'RST'], [8, 'PSH'], [32, 'URG'], [64, 'ECE'], [128, 'CWR'],
];

/** 18 -> 'SYN+ACK'; 0 -> 'none (null scan)'. Flags in the order engineers say them. */
export function tcpFlagName(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(no TCP)';
  let n = Number(value);
  if (typeof value === 'string' && /^0x/i.test(value)) n = parseInt(value, 16);
  if (!Number.isInteger(n) || n < 0 || n > 255) return `invalid (${String(value)})`;
  if (n === 0) return 'none (null scan)';
  return TCP_FLAGS.filter(([bit]) => (n & bit) !== 0).map(([, name]) => name).join('+');
}

/** UDP source ports of amplification vectors: UDP from these ports is reflection traffic. */
export const REFLECTION_PORTS: Readonly<Record<number, string>> = {
  19: 'chargen', 53: 'DNS', 111: 'portmap', 123: 'NTP', 137: 'NetBIOS', 161: 'SNMP', 389: 'CLDAP', 427: 'SLP',
  520: 'RIP', 1434: 'MS-SQL', 1900: 'SSDP', 3283: 'ARD', 3389: 'RDP', 3702: 'WS-Discovery', 5353: 'mDNS', 5683: 'CoAP',
  10001: 'Ubiquiti', 11211: 'memcached', 37810: 'DVR', 32414: 'Plex',
};

/** 53 over UDP -> '53 (DNS)'; other ports (and TCP) stay a number. */
export function portName(port: number, proto = 'UDP'): string {
  const s = proto === 'UDP' ? REFLECTION_PORTS[port] : undefined;
  return s ? `${port} (${s})` : String(port);
}
