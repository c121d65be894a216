// Public API of netrunbook/traffic.
export * from './fields.js';
export { loadTraffic, type LoadOptions, type FormatOption } from './load.js';
export { detectFormat, rankFormats, sniffInput } from './detect.js';
export { FORMATS, formatNames, formatModule } from './registry.js';
export type { FormatModule, SniffInput, LimitOptions } from './types.js';
export { cdnOf } from './cdn.js';
export { CDN_RANGES, CLOUDFLARE, type CdnRanges } from './cdn-ranges.js';
export { loadLogpush, loadFirewallEvents, type Loaded, type LineLoadOptions, timestampMs } from './logpush.js';
export { loadCombined, compileLogFormat, LOG_FORMATS } from './combined.js';
export { TrafficError } from './errors.js';
export { msFromDigits, msFromString, msFromClf } from './timestamp.js';
export { loadPcap } from './pcap.js';
export { parseClientHello, type ClientHello } from './tls.js';
export { loadCsv, parseCsvRecord } from './csv.js';
export { loadHar } from './har.js';
export { LOADER_VERSION, DEFAULT_CACHE_DIR } from './cache.js';
export { DictionaryColumn, isDictionaryColumn, plainColumn } from './dictionary.js';
export { flows, flowTable, handshakeSummary, dnsAmplification, prefixSpread, prefixOf, type Flow, type HandshakeSummary } from './flows.js';
