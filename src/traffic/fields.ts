/**
 * Canonical traffic column names: Cloudflare Rules-language field names, so a rule compiles
 * straight onto a loaded table. Loaders (src/traffic) produce these; classify/viz read them.
 *
 * Column types (every column may also hold `null` = missing; loaders never emit '' or undefined):
 * - number: timestamp (ms since epoch; fractional for packets), ip.src.asnum, http.response.code,
 *   cf.bot_management.score, ip.proto, ip.len, ip.ttl, ip.id, ip.frag_offset (8-byte units), tcp/udp ports,
 *   tcp.flags, tcp.seq, tcp.ack, tcp.window_size, tcp.len, udp.length, icmp.type, icmp.code,
 *   frame.number, frame.len, frame.cap_len, vlan.id, and numeric source fields kept by name.
 * - boolean: cf.bot_management.verified_bot, cf.client.bot, ip.flags.mf, ip.flags.df.
 * - string: everything else named here (ip.src/ip.dst as text, ip.src.country upper-case,
 *   http.request.uri.query without the leading '?').
 * - Record<string, string[]>: http.request.headers (lower-cased names, values in wire order),
 *   http.request.cookies (cookie name -> values).
 * - string[]: http.request.headers.names (original case, wire order; pcap/HAR only).
 * Source fields without a canonical name keep their own name and JSON type (string, number,
 * boolean, array or object), e.g. `ClientRequestSource`, `EdgeColoCode`, `JA4Signals`.
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
  headerNames: 'http.request.headers.names', // string[] in wire order (pcap, HAR)
  cookies: 'http.request.cookies', // Record<name, string[]>
  uri: 'http.request.uri', // path + '?' + query
  scheme: 'http.request.scheme',
  status: 'http.response.code',
  ja3: 'cf.bot_management.ja3_hash',
  ja4: 'cf.bot_management.ja4',
  botScore: 'cf.bot_management.score',
  verifiedBot: 'cf.bot_management.verified_bot',
  clientBot: 'cf.client.bot',
  verifiedBotCategory: 'cf.verified_bot_category',
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
  icmpType: 'icmp.type', // ICMPv4 and ICMPv6 (tell them apart by ip.proto 1 / 58)
  icmpCode: 'icmp.code',
  // packet detail, tshark-like names
  frameNumber: 'frame.number', // 1-based packet number in the capture
  frameLen: 'frame.len', // original length on the wire
  frameCapLen: 'frame.cap_len', // captured bytes
  vlanId: 'vlan.id', // innermost 802.1Q tag
  ipVersion: 'ip.version',
  ipId: 'ip.id',
  ipFragOffset: 'ip.frag_offset', // in 8-byte units as on the wire and in tshark (IPv4 and IPv6 fragment header)
  ipFlagsMf: 'ip.flags.mf', // more fragments
  ipFlagsDf: 'ip.flags.df',
  tcpSeq: 'tcp.seq',
  tcpAck: 'tcp.ack',
  tcpWindow: 'tcp.window_size',
  tcpLen: 'tcp.len', // payload bytes
  udpLength: 'udp.length',
  sni: 'tls.handshake.extensions_server_name',
} as const;

/**
 * Tunnels (pcap loader; helper "routing"). When a packet is encapsulated (IP-in-IP 4in4/6in4/4in6/
 * 6in6, GRE with key/sequence, PPTP's enhanced GRE, ERSPAN II/III, GRE-in-UDP 4754, VXLAN 4789,
 * GENEVE 6081, Teredo 3544), ip.src/ip.dst, ip.proto, ports and TCP/ICMP fields are the INNER
 * packet's, recursively (GRE in GRE: the innermost); the outermost IP header is kept here:
 * - string: tunnel.type (layers outer to inner joined by '/': '4in4', '6in4', '4in6', '6in6', 'gre',
 *   'gre-udp', 'erspan', 'pptp', 'vxlan', 'geneve', 'teredo', e.g. 'gre/gre', '4in6/pptp'),
 *   tunnel.outer.ip.src, tunnel.outer.ip.dst.
 * - number: tunnel.depth (layers), tunnel.outer.ip.version, tunnel.outer.ip.proto (4, 41, 47, 17),
 *   tunnel.outer.ip.len (outer IP total length: what the tunnel path must carry), tunnel.gre.key,
 *   tunnel.gre.seq, tunnel.gre.proto (EtherType), tunnel.vni (VXLAN/GENEVE), tunnel.erspan.version
 *   (the ERSPAN type: 2 or 3), tunnel.erspan.session_id.
 * A tunnel whose payload cannot be decoded (cut capture, GRE with reserved bits) keeps the outer
 * header in ip.* as well, and the load report counts a warning.
 */
export const TUNNEL_FIELD = {
  type: 'tunnel.type',
  depth: 'tunnel.depth',
  outerSrc: 'tunnel.outer.ip.src',
  outerDst: 'tunnel.outer.ip.dst',
  outerVersion: 'tunnel.outer.ip.version',
  outerProto: 'tunnel.outer.ip.proto',
  outerLen: 'tunnel.outer.ip.len',
  greKey: 'tunnel.gre.key',
  greSeq: 'tunnel.gre.seq',
  greProto: 'tunnel.gre.proto',
  vni: 'tunnel.vni',
  erspanVersion: 'tunnel.erspan.version',
  erspanSession: 'tunnel.erspan.session_id',
} as const;

/**
 * TCP options and ICMP MTU (pcap loader; helper "routing"), numbers unless noted:
 * tcp.options.mss (MSS value; tshark calls it tcp.options.mss_val), tcp.options.wscale.shift,
 * tcp.options.sack_perm (boolean), tcp.options.timestamp.tsval / .tsecr, and icmp.mtu: the next-hop
 * MTU of ICMP "fragmentation needed" (type 3 code 4) and ICMPv6 "packet too big" (type 2).
 */
export const TCP_FIELD = {
  mss: 'tcp.options.mss',
  wscale: 'tcp.options.wscale.shift',
  sackPerm: 'tcp.options.sack_perm',
  tsval: 'tcp.options.timestamp.tsval',
  tsecr: 'tcp.options.timestamp.tsecr',
  icmpMtu: 'icmp.mtu',
} as const;

/**
 * DNS over UDP port 53 (pcap loader; helper "packets"), tshark's names, read from the message in the
 * packet (with IP reassembly off, as `tshark -o ip.defragment:FALSE`: the first fragment of a large
 * response carries the header and question, later fragments have no DNS columns):
 * - number: dns.id, dns.qry.type (first question's QTYPE), dns.flags.rcode (responses only, as
 *   tshark), dns.count.queries, dns.count.answers, dns.count.auth_rr, dns.count.add_rr,
 *   dns.length (the DNS message size the UDP header declares, whole even when the datagram is
 *   fragmented; not tshark's dns.resp.len, which is one record's data length).
 * - boolean: dns.flags.response (QR bit).
 * - string: dns.qry.name (first question, labels joined by '.', '<Root>' for the root).
 * A message too short for its header or with a broken name keeps what was read and counts a warning.
 */
export const DNS_FIELD = {
  id: 'dns.id',
  response: 'dns.flags.response',
  rcode: 'dns.flags.rcode',
  qryName: 'dns.qry.name',
  qryType: 'dns.qry.type',
  queries: 'dns.count.queries',
  answers: 'dns.count.answers',
  authority: 'dns.count.auth_rr',
  additional: 'dns.count.add_rr',
  length: 'dns.length',
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
  /** Rows loaded but only partly decoded (e.g. a truncated packet header), counted by reason. */
  warnings?: Record<string, number>;
}
