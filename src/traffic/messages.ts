/** User-facing messages of netrunbook/traffic, in one place. */
export const MSG = {
  notFound: (src: string) => `traffic source not found: ${src}`,
  unreadable: (src: string, why: string) => `cannot read traffic source ${src}: ${why}`,
  unknownFormat: (src: string, formats: readonly string[]) =>
    `cannot tell the format of ${src}: pass { format: ${formats.map((f) => `'${f}'`).join(' | ')} } (or, for a custom nginx log, { logFormat: '<its log_format string>' })`,
  unknownJson: (src: string, keys: readonly string[], resembles: readonly string[]) =>
    `cannot tell the format of ${src}: a JSON log with top-level keys ${keys.slice(0, 24).join(', ')}${keys.length > 24 ? `, ... (${keys.length} keys)` : ''} matches no known schema` +
    (resembles.length ? `; it resembles ${resembles.join(', ')}: pass { format: '...' } if it is one of them` : '; pass { format: ... } if it is a known format'),
  badFormatOption: (f: string, formats: readonly string[]) => `unknown traffic format '${f}': use auto, ${formats.join(', ')}`,
  coerced: (field: string, type: string) => `${field} was a JSON ${type}: loaded as text`,
  notAString: (field: string, type: string) => `${field} was a JSON ${type}, not a string: loaded as missing`,
  tooDeep: (field: string, max: number) => `${field} nested deeper than ${max} levels: loaded as missing`,
  tooManyRows: (max: number) => `stopped after ${max} rows (maxRows): the rest of the source is not loaded; raise { maxRows } to load it`,
  tooManyBytes: (max: number) => `stopped after ${max} decompressed bytes (maxDecompressedBytes): the rest is not loaded; raise { maxDecompressedBytes } to load it`,
  gzipTrailing: (bytes: number) => `gzip: ${bytes} bytes of trailing data after the last gzip member ignored`,
  gzipLost: (why: string, line: number) => `gzip: ${why}; every line from line ${line} on is lost (the stream cannot be read past the damage)`,
  cdnClient: (cdn: string, header: string, rows: number) => `${rows} rows had a ${cdn} egress address as client: ip.src taken from ${header} (the CDN address kept in cdn.edge_ip)`,
  cdnNoHeader: (cdn: string, rows: number) =>
    `${rows} rows have a ${cdn} egress address as client and the log has no CF-Connecting-IP or X-Forwarded-For: ip.src is the CDN, not the visitor; log $http_cf_connecting_ip (nginx) or use Logpush`,
  needLogFormat: "format 'nginx' needs the log's nginx log_format string: pass { logFormat: '...' } (runbook classify --log-format '...')",
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
} as const;
