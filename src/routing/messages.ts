/** User-facing messages of netrunbook/routing, in one place. */
export const MSG = {
  notFound: (src: string) => `MRT file not found: ${src}`,
  unreadable: (src: string, why: string) => `cannot read MRT file ${src}: ${why}`,
  notMrt: (src: string) => `${src} is not an MRT file: no record header at byte 0 (expected type 12, 13, 16 or 17)`,
  decompress: (src: string, kind: string, why: string) => `cannot decompress ${src} (${kind}): ${why}`,
  bzip2Missing: 'bzip2 is not installed (Debian package bzip2)',
  // per-record reasons (kept short: they are counted by reason)
  truncatedHeader: (have: number) => `MRT header truncated: ${have} of 12 bytes, file ends here`,
  truncatedRecord: (have: number, want: number) => `MRT record truncated: ${have} of ${want} bytes, file ends here`,
  unknownType: (type: number, subtype: number) => `unknown MRT type ${type} (subtype ${subtype})`,
  unsupportedSubtype: (type: string, subtype: number) => `${type} subtype ${subtype} not decoded (bgpdump does not decode it either)`,
  badPeerIndex: (i: number, n: number) => `RIB entry names peer ${i} but the PEER_INDEX_TABLE has ${n} peers`,
  noPeerIndex: 'RIB record before any PEER_INDEX_TABLE',
  stateChangeLength: (len: number) => `BGP4MP STATE_CHANGE of ${len} bytes (expected 20/24 for IPv4, 44/48 for IPv6)`,
  unsupportedAfi: (afi: number) => `BGP4MP with unsupported address family ${afi}`,
  badMarker: 'BGP message with a bad marker (not 16 x 0xff)',
  bgpType: (t: number) => `BGP message type ${t} not decoded`,
  attrTruncated: (type: number, want: number, have: number) => `path attribute ${type} truncated: ${have} of ${want} bytes`,
  prefixTooLong: (bits: number, max: number) => `prefix length ${bits} is longer than ${max} bits`,
  etTooShort: (len: number) => `BGP4MP_ET record length ${len} is shorter than its microsecond field`,
} as const;
