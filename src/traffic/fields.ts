export { FIELD, FIELD_NAMES, SCORE_FIELD, LABELS, isLabel, type FieldKey, type FieldName, type Label } from '../catalog.js';
export type { TrafficFormat, SkippedRow, LoadReport } from './types.js';

/**
 * Tunnels (pcap loader). When a packet is encapsulated (IP-in-IP 4in4/6in4/4in6/
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
 * TCP options and ICMP MTU (pcap loader), numbers unless noted:
 * tcp.options.mss (MSS value; tshark calls it tcp.options.mss_val), tcp.options.wscale.shift,
 * tcp.options.sack_perm (boolean), tcp.options.timestamp.tsval / .tsecr, and icmp.mtu: the next-hop
 * MTU of ICMP "fragmentation needed" (type 3 code 4) and ICMPv6 "packet too big" (type 2); icmp.ident
 * and icmp.seq: the identifier and sequence number of ICMP echo request/reply (types 8/0) and ICMPv6
 * echo (128/129; tshark's icmpv6.echo.identifier / .sequence_number), which pair a probe with its answer.
 */
export const TCP_FIELD = {
  mss: 'tcp.options.mss',
  wscale: 'tcp.options.wscale.shift',
  sackPerm: 'tcp.options.sack_perm',
  tsval: 'tcp.options.timestamp.tsval',
  tsecr: 'tcp.options.timestamp.tsecr',
  icmpMtu: 'icmp.mtu',
  icmpIdent: 'icmp.ident',
  icmpSeq: 'icmp.seq',
} as const;

/**
 * DNS over UDP and TCP port 53 (pcap loader; over TCP on the segment that starts each
 * length-prefixed message), tshark's names, read from the message in the
 * packet (with IP reassembly off, as `tshark -o ip.defragment:FALSE`: the first fragment of a large
 * response carries the header and question, later fragments have no DNS columns):
 * - number: dns.id, dns.qry.type (first question's QTYPE), dns.flags.rcode (responses only, as
 *   tshark), dns.count.queries, dns.count.answers, dns.count.auth_rr, dns.count.add_rr,
 *   dns.length (the DNS message size the UDP header declares, whole even when the datagram is
 *   fragmented, or over TCP the length prefix, tshark's dns.length; not tshark's dns.resp.len,
 *   which is one record's data length).
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
