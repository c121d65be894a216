/** User-facing messages of netrunbook/traffic, in one place. */
export const MSG = {
  notFound: (src: string) => `traffic source not found: ${src}`,
  unreadable: (src: string, why: string) => `cannot read traffic source ${src}: ${why}`,
  unknownFormat: (src: string) =>
    `cannot tell the format of ${src}: pass { format: 'logpush' | 'firewall_events' | 'combined' | 'common' | 'csv' | 'har' | 'pcap' }`,
  badFormatOption: (f: string) =>
    `unknown traffic format '${f}': use auto, logpush, firewall_events, combined, common, csv, har or pcap`,
  badLogFormat: (fmt: string, why: string) => `invalid nginx log_format '${fmt}': ${why}`,
  // per-row skip reasons (kept short: they are counted by reason)
  invalidUtf8: 'invalid UTF-8',
  lineTooLong: (max: number) => `line longer than ${max} bytes`,
  invalidJson: (why: string) => `invalid JSON: ${why}`,
  notAnObject: 'JSON value is not an object',
  noMatch: (fmt: string) => `does not match the ${fmt} log format`,
  comment: 'comment line',
  blankLine: 'blank line',
  tlsHelloBad: 'TLS ClientHello malformed or incomplete',
  quicHelloBad: 'QUIC ClientHello malformed',
  cacheNotWritten: (why: string) => `cache not written: ${why}`,
  badTimestamp: (v: string) => `unparsable timestamp '${v}'`,
  csvColumns: (got: number, want: number) => `has ${got} fields, header has ${want}`,
  csvQuote: 'unterminated quoted field',
  harNotLog: 'not a HAR file: no log.entries array',
  harEntry: (why: string) => `HAR entry invalid: ${why}`,
  pcapTruncated: (have: number, want: number) => `packet truncated: file ends after ${have} of ${want} bytes`,
  pcapBadHeader: (why: string) => `bad capture header: ${why}`,
  pcapBadBlock: (why: string) => `bad pcapng block: ${why}`,
  pcapUnknownLink: (lt: number) => `unsupported link type ${lt}`,
  decodeTruncated: (layer: string) => `${layer} header truncated`,
  pcapNoPackets: (src: string) => `no packets: ${src} is a capture header with no packets in it (what tcpdump -w writes when it captured nothing)`,
  pcapUnsupportedLink: (src: string, lt: number) =>
    `unsupported link type ${lt} in ${src}: netrunbook decodes Ethernet (1), raw IP (101, 12, 14, 228, 229), BSD loopback (0, 108) and Linux cooked (113, 276) captures; convert it with editcap or capture on another interface`,
  greReserved: (flags: number) => `GRE header with reserved bits or an unknown version (flags 0x${flags.toString(16).padStart(4, '0')}): payload not decoded`,
} as const;
