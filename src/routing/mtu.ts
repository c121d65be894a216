/**
 * Tunnel MTU and TCP MSS: what fits inside an encapsulation on a path of a given MTU, and the
 * clamp rule (nft and iptables) that makes TCP endpoints send segments that fit.
 */

export type Encap = 'gre' | 'ipip' | 'esp' | 'gre-esp' | 'vxlan' | 'geneve';
export type EspCipher = 'aes-gcm-128' | 'aes-gcm-256' | 'aes-cbc-hmac-sha256' | 'aes-cbc-hmac-sha1';

export interface TunnelSpec {
  /** MTU of the path the outer packets take (default 1500). */
  pathMtu?: number;
  /** Outer IP version (default 4). */
  outer?: 4 | 6;
  /** Inner IP version (default 4). */
  inner?: 4 | 6;
  encap: Encap;
  /** GRE optional fields (RFC 2890 key and sequence, RFC 2784 checksum): 4 bytes each. */
  gre?: { key?: boolean; seq?: boolean; checksum?: boolean };
  /** ESP (tunnel mode for 'esp', transport mode around GRE for 'gre-esp'). */
  esp?: { cipher?: EspCipher; natTraversal?: boolean };
  /** GENEVE option bytes (multiple of 4). */
  geneveOptions?: number;
  /** Interface name for the clamp commands (default 'tun0'). */
  iface?: string;
}

export interface MtuPart {
  name: string;
  bytes: number;
}

export interface MtuResult {
  /** Bytes the encapsulation adds at the largest inner packet (ESP padding included). */
  overhead: number;
  /** Largest inner IP packet. */
  tunnelMtu: number;
  /** TCP MSS for the inner IP version (tunnelMtu - inner IP header - 20). */
  mss: number;
  parts: MtuPart[];
  clamp: { nft: string; iptables: string };
}

const IP_HDR = { 4: 20, 6: 40 } as const;

/** ESP framing per cipher: IV, integrity check value, block size the payload+trailer pads to. */
const ESP: Record<EspCipher, { iv: number; icv: number; block: number }> = {
  'aes-gcm-128': { iv: 8, icv: 16, block: 4 },
  'aes-gcm-256': { iv: 8, icv: 16, block: 4 },
  'aes-cbc-hmac-sha256': { iv: 16, icv: 16, block: 16 },
  'aes-cbc-hmac-sha1': { iv: 16, icv: 12, block: 16 },
};

/** Largest ESP payload (inner bytes) whose ESP packet, with `fixed` bytes before it, fits in `mtu`. */
function espFit(mtu: number, fixed: number, cipher: EspCipher): { payload: number } {
  const c = ESP[cipher];
  // ESP: SPI+seq 8, IV, payload, padding, pad length + next header 2, ICV; payload+pad+2 is a multiple of block
  const room = mtu - fixed - 8 - c.iv - c.icv; // for payload + pad + 2
  const aligned = room - (room % c.block);
  return { payload: aligned - 2 };
}

export function tunnelMtu(spec: TunnelSpec): MtuResult {
  const pathMtu = spec.pathMtu ?? 1500;
  const outer = spec.outer ?? 4;
  const inner = spec.inner ?? 4;
  const parts: MtuPart[] = [{ name: `outer IPv${outer}`, bytes: IP_HDR[outer] }];
  const greBytes = () => 4 + (spec.gre?.key ? 4 : 0) + (spec.gre?.seq ? 4 : 0) + (spec.gre?.checksum ? 4 : 0);
  let fixed = IP_HDR[outer];
  let mtu: number;
  switch (spec.encap) {
    case 'ipip':
      mtu = pathMtu - fixed;
      break;
    case 'gre':
      parts.push({ name: 'GRE', bytes: greBytes() });
      mtu = pathMtu - fixed - greBytes();
      break;
    case 'vxlan':
      parts.push({ name: 'UDP', bytes: 8 }, { name: 'VXLAN', bytes: 8 }, { name: 'inner Ethernet', bytes: 14 });
      mtu = pathMtu - fixed - 30;
      break;
    case 'geneve': {
      const opt = spec.geneveOptions ?? 0;
      parts.push({ name: 'UDP', bytes: 8 }, { name: 'GENEVE', bytes: 8 + opt }, { name: 'inner Ethernet', bytes: 14 });
      mtu = pathMtu - fixed - 30 - opt;
      break;
    }
    case 'esp':
    case 'gre-esp': {
      const cipher = spec.esp?.cipher ?? 'aes-gcm-128';
      if (spec.esp?.natTraversal) {
        parts.push({ name: 'UDP (NAT-T)', bytes: 8 });
        fixed += 8;
      }
      const fit = espFit(pathMtu, fixed, cipher);
      const c = ESP[cipher];
      parts.push({ name: `ESP ${cipher} (header, IV, trailer, ICV)`, bytes: 8 + c.iv + 2 + c.icv });
      mtu = fit.payload;
      if (spec.encap === 'gre-esp') {
        parts.push({ name: 'GRE', bytes: greBytes() });
        mtu -= greBytes();
      }
      break;
    }
  }
  const c = mssClamp(mtu, { inner, iface: spec.iface });
  return { overhead: pathMtu - mtu, tunnelMtu: mtu, mss: c.mss, parts, clamp: { nft: c.nft, iptables: c.iptables } };
}

/**
 * The TCP MSS that fits an MTU (MTU - inner IP header - 20 bytes of TCP header: 40 for IPv4, 60
 * for IPv6) and the clamp rule in nft and iptables forms for the interface the segments leave by.
 */
export function mssClamp(mtu: number, opts: { inner?: 4 | 6; iface?: string } = {}): { mss: number; nft: string; iptables: string } {
  const inner = opts.inner ?? 4;
  const mss = mtu - IP_HDR[inner] - 20;
  const iface = opts.iface ?? 'tun0';
  const ipt = inner === 6 ? 'ip6tables' : 'iptables';
  return {
    mss,
    nft: `nft add rule inet filter forward oifname "${iface}" meta nfproto ipv${inner} tcp flags syn tcp option maxseg size set ${mss}`,
    iptables: `${ipt} -t mangle -A FORWARD -o ${iface} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss ${mss}`,
  };
}

/**
 * Encapsulations whose overhead on a path of `pathMtu` leaves exactly `mtu` (what a measured path
 * MTU below 1500 most likely is): GRE with and without key/sequence, IP-in-IP, VXLAN, GENEVE, and
 * ESP with GCM and CBC ciphers, with and without NAT traversal, GRE over ESP.
 */
export function encapsulationsFor(mtu: number, pathMtu = 1500, outer: 4 | 6 = 4): { name: string; spec: TunnelSpec }[] {
  const specs: { name: string; spec: TunnelSpec }[] = [
    { name: 'GRE', spec: { encap: 'gre' } },
    { name: 'GRE with key', spec: { encap: 'gre', gre: { key: true } } },
    { name: 'GRE with key and sequence', spec: { encap: 'gre', gre: { key: true, seq: true } } },
    { name: 'IP-in-IP', spec: { encap: 'ipip' } },
    { name: 'VXLAN', spec: { encap: 'vxlan' } },
    { name: 'GENEVE', spec: { encap: 'geneve' } },
    ...(['aes-gcm-128', 'aes-cbc-hmac-sha256', 'aes-cbc-hmac-sha1'] as const).flatMap((cipher) => [false, true].flatMap((natTraversal) => [
      { name: `IPsec ESP ${cipher}${natTraversal ? ' with NAT-T' : ''}`, spec: { encap: 'esp', esp: { cipher, natTraversal } } as TunnelSpec },
      { name: `GRE over IPsec ESP ${cipher}${natTraversal ? ' with NAT-T' : ''}`, spec: { encap: 'gre-esp', esp: { cipher, natTraversal } } as TunnelSpec },
    ])),
  ];
  return specs.map((s) => ({ name: s.name, spec: { ...s.spec, pathMtu, outer } })).filter((s) => tunnelMtu(s.spec).tunnelMtu === mtu);
}

export interface MssSeen {
  frame: number | null;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** 'SYN' or 'SYN-ACK'. */
  kind: 'SYN' | 'SYN-ACK';
  mss: number;
  /** True when the advertised MSS is larger than the tunnel carries (segments will be dropped or fragmented). */
  exceeds: boolean;
}

/** Packet-table columns read here (the pcap loader's names; see netrunbook/traffic FIELD / TCP_FIELD). */
const PKT = { frame: 'frame.number', src: 'ip.src', dst: 'ip.dst', sport: 'tcp.srcport', dport: 'tcp.dstport', flags: 'tcp.flags', mss: 'tcp.options.mss' } as const;

/**
 * The MSS each SYN and SYN-ACK of a capture advertises, against the MSS that fits the tunnel:
 * "small pages load, downloads hang" is a SYN whose MSS exceeds it with no clamp on the path.
 */
export function mssAudit(packets: { numRows(): number; array(name: string): ArrayLike<unknown>; columnNames(): string[] }, tunnelMss: number): MssSeen[] {
  const names = new Set(packets.columnNames());
  if (!names.has(PKT.mss) || !names.has(PKT.flags)) return [];
  const col = (n: string) => (names.has(n) ? packets.array(n) : null);
  const frame = col(PKT.frame);
  const src = col(PKT.src);
  const dst = col(PKT.dst);
  const sport = col(PKT.sport);
  const dport = col(PKT.dport);
  const flags = packets.array(PKT.flags);
  const mss = packets.array(PKT.mss);
  const out: MssSeen[] = [];
  for (let i = 0; i < packets.numRows(); i++) {
    const f = flags[i];
    const m = mss[i];
    if (typeof f !== 'number' || typeof m !== 'number' || !(f & 2)) continue;
    out.push({
      frame: (frame?.[i] as number | undefined) ?? null,
      src: String(src?.[i] ?? ''),
      dst: String(dst?.[i] ?? ''),
      srcPort: Number(sport?.[i] ?? 0),
      dstPort: Number(dport?.[i] ?? 0),
      kind: f & 16 ? 'SYN-ACK' : 'SYN',
      mss: m,
      exceeds: m > tunnelMss,
    });
  }
  return out;
}
