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
